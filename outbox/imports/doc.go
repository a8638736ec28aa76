// Package imports brings lists into a local account and takes them out again, in the CSV
// formats Mastodon writes (its "Import and export" settings), so that files move both ways
// between Refuge, Mastodon and GoToSocial:
//
//   - jobs.go: the import jobs' runner. A job (storage.ImportJob) is queued by the web
//     upload, whose file is streamed to the data folder's imports/ folder, and leased by one
//     runner of any process (a job whose process died is taken up again when its lease runs
//     out); the CLI runs its job in its own process. Each kind registers an Importer, the
//     archive's too.
//   - csv.go: reading the files as Mastodon reads them (a header row when the first field is
//     one of its known headers, else the kind's default columns), with every bad row kept
//     for the report.
//   - lists.go: the six CSV importers, acting through the outbox as the web and the API do
//     (a follow sends its Follow, a block its Block), handles resolved through WebFinger.
//   - export.go: the six CSVs of an account, byte for byte as Mastodon writes them. Exports
//     only read, but they live here, beside the importers, so that what one writes and the
//     other reads are kept in step (the headers, true/false, addresses without @); they read
//     storage directly, as outbox may not import reader.
package imports
