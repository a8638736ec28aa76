package main

import (
	"context"
	"errors"
	"io"

	"refuge/server"
)

// importArchive imports the Mastodon archive file into the account name. Not built yet:
// the archive's own change replaces this file.
func importArchive(ctx context.Context, app *server.App, name, file string, out io.Writer) error {
	return errors.New("importing an archive is not built yet")
}

// exportArchive writes the account name's archive to file. Not built yet: the archive's own
// change replaces this file.
func exportArchive(ctx context.Context, app *server.App, name, file string, out io.Writer) error {
	return errors.New("exporting an archive is not built yet")
}
