package main

import (
	"context"
	"fmt"
	"io"

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
