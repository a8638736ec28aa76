package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"refuge/outbox/archive"
	"refuge/server"
	"refuge/storage"
)

// exportArchive writes the archive of local account name (Mastodon's format, a zip) to file,
// or to out when file is "-", and then says what it wrote on out. An existing file is never
// overwritten: the archive is written beside it under a temporary name and linked into place
// only once complete, so that a failed export leaves nothing behind and a finished one never
// replaces another.
func exportArchive(ctx context.Context, app *server.App, name, file string, out io.Writer) error {
	a, err := storage.LiveLocalActor(ctx, app.DB(), name)
	switch {
	case storage.KindOf(err) == storage.NotFound:
		return storage.Errorf(storage.NotFound, "export: there is no account %q here (refuge user list shows them)", name)
	case storage.KindOf(err) == storage.Gone:
		return storage.Errorf(storage.Gone, "export: account %s is deleted: there is nothing left to export", name)
	case err != nil:
		return err
	}
	exp := archive.NewExporter(app.Outbox())
	if file == "-" {
		_, err := exp.Export(ctx, a, out)
		return err
	}
	if _, err := os.Lstat(file); err == nil {
		return storage.Errorf(storage.Conflict, "export: %s exists already: give a new file name, or remove it first", file)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*.partial")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name())
	rep, err := exp.Export(ctx, a, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// A link, unlike a rename, fails when the name was taken meanwhile.
	if err := os.Link(tmp.Name(), file); errors.Is(err, fs.ErrExist) {
		return storage.Errorf(storage.Conflict, "export: %s exists already: give a new file name, or remove it first", file)
	} else if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(out, "exported %s to %s: %d posts, %d boosts, %d media files, %d likes, %d bookmarks, %d bytes\n",
		a.Username, file, rep.Posts, rep.Boosts, rep.Media, rep.Likes, rep.Bookmarks, rep.Bytes)
	for _, m := range rep.Missing {
		fmt.Fprintf(out, "missing from the media folder, left out: %s\n", m)
	}
	return nil
}
