package storage

import (
	"context"
	"time"
)

// ImportKind is what an import job brings in: one of Mastodon's CSV lists, or an archive.
// The values are the names the CLI and the web form use.
type ImportKind string

// The kinds of import.
const (
	ImportFollows      ImportKind = "follows"
	ImportMutes        ImportKind = "mutes"
	ImportBlocks       ImportKind = "blocks"
	ImportDomainBlocks ImportKind = "domain-blocks"
	ImportBookmarks    ImportKind = "bookmarks"
	ImportLists        ImportKind = "lists"
	ImportArchive      ImportKind = "archive"
)

// ImportKinds are the CSV kinds, in the order they are offered; the archive is apart.
var ImportKinds = []ImportKind{ImportFollows, ImportLists, ImportMutes, ImportBlocks, ImportDomainBlocks, ImportBookmarks}

// ImportMode says what an import does with what the account has that the file lacks.
type ImportMode string

// The modes of import, Mastodon's.
const (
	ImportMerge     ImportMode = "merge"     // keep it: the file only adds
	ImportOverwrite ImportMode = "overwrite" // remove it: afterwards the account has what the file has
)

// ImportState is where an import job is.
type ImportState string

// The states of an import job.
const (
	ImportQueued  ImportState = "queued"
	ImportRunning ImportState = "running" // leased by one process until LeaseUntil
	ImportDone    ImportState = "done"
	ImportFailed  ImportState = "failed" // the file could not be used at all; Report.Error says why
)

// ImportJob is one import of a file by a local account, run in the background by the
// import runner (or in the CLI's process). Its input is the file File under the data
// folder's imports/ folder, removed when the job ends; File is "" when the CLI reads its
// own file where it is.
type ImportJob struct {
	ID         int64
	ActorID    int64
	Kind       ImportKind
	Mode       ImportMode
	State      ImportState
	File       string
	Total      int // rows (or items) in all; 0 while not known
	Done       int // rows handled so far, bad ones included
	Failed     int // bad rows, skipped
	Report     ImportReport
	LeaseUntil time.Time
	Created    time.Time
	Finished   time.Time // zero until done or failed
}

// ImportReport is what an import job says of its file once it ends.
type ImportReport struct {
	Rows     []ImportRow    // the bad rows, skipped, at most MaxImportReportRows
	MoreRows int            // bad rows beyond those
	Ignored  []string       // columns read and not kept, each with why
	Counts   map[string]int // what was added, removed or left as it was, by name
	Error    string         // why the whole job failed, when it did
}

// ImportRow is one bad row of an import's file: its line, what it held (cut short) and why
// it was skipped.
type ImportRow struct {
	Line   int
	Value  string
	Reason string
}

// MaxImportReportRows bounds the bad rows a report keeps, so that a file of garbage makes a
// report of reasonable size.
const MaxImportReportRows = 100

// ImportReader reads import jobs.
type ImportReader interface {
	// GetImportJob returns actorID's import job id; NotFound when it has none such.
	GetImportJob(ctx context.Context, actorID, id int64) (*ImportJob, error)
	// ListImportJobs returns actorID's newest import jobs, newest first, at most limit.
	ListImportJobs(ctx context.Context, actorID int64, limit int) ([]*ImportJob, error)
}

// ImportWriter stores import jobs.
type ImportWriter interface {
	// PutImportJob stores a new job and sets its ID (and Created when zero).
	PutImportJob(ctx context.Context, j *ImportJob) error
}

// ImportQueue is how import runners take jobs and record their progress. Each method is its
// own transaction.
type ImportQueue interface {
	// ClaimImportJob returns the oldest job that is queued, or running with its lease run out
	// at now (its process died), marked running and leased until now+lease so that no other
	// runner takes it; nil when there is none.
	ClaimImportJob(ctx context.Context, now time.Time, lease time.Duration) (*ImportJob, error)
	// SaveImportProgress records a running job's counts and extends its lease to until.
	SaveImportProgress(ctx context.Context, id int64, total, done, failed int, until time.Time) error
	// FinishImportJob records that j ended: its State (done or failed), counts, Report and
	// Finished.
	FinishImportJob(ctx context.Context, j *ImportJob) error
}
