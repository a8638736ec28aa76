package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"refuge/outbox/archive"
	"refuge/server"
)

// importArchive imports the Mastodon account archive file into the local account name,
// printing its progress and then the report to out. It runs in the CLI's process, beside a
// running serve if there is one.
func importArchive(ctx context.Context, app *server.App, name, file string, out io.Writer) error {
	author, err := app.Outbox().LocalActor(ctx, name)
	if err != nil {
		return fmt.Errorf("import archive: %w", err)
	}
	im := &archive.Importer{Out: app.Outbox(), DataDir: app.Config().Data}
	last := -1
	rep, err := im.Import(ctx, author.ID, file, func(done, total int) {
		if pct := done * 100 / max(total, 1); pct/10 != last/10 || done == total {
			last = pct
			fmt.Fprintf(out, "%d of %d posts\n", done, total)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprint(out, rep)
	return nil
}

// cmdImportArchiveOnly is `refuge import archive NAME FILE [flags]` until the import command
// that dispatches every kind of import takes it over.
func cmdImportArchiveOnly(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 3 || args[0] != "archive" || strings.HasPrefix(args[1], "-") || strings.HasPrefix(args[2], "-") {
		fmt.Fprint(stderr, "usage: refuge import archive NAME FILE [flags]\n")
		return errUsage
	}
	app, _, err := openAdmin(ctx, "import archive NAME FILE", args[3:], stderr, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	return importArchive(ctx, app, args[1], args[2], stdout)
}
