package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

const searchUsage = "usage:\n  refuge search reindex\n" +
	"writes the full-text search index of every post again (the terms of its text, content warning,\n" +
	"translations, hashtags, mentions and media descriptions), a batch at a time, printing its progress;\n" +
	"searches go on meanwhile, beside a running serve. The index is otherwise kept as posts are stored.\n"

// cmdSearch looks after the full-text search index: search reindex.
func cmdSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := subcommand(args, searchUsage, stderr, "reindex"); err != nil {
		return err
	}
	app, arg, err := openAdmin(ctx, "search "+args[0], args[1:], stderr, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	if arg != "" {
		fmt.Fprintf(stderr, "refuge search %s: unexpected argument %q\n", args[0], arg)
		return errUsage
	}
	start, said := time.Now(), time.Time{}
	total := 0
	err = app.DB().ReindexNotes(ctx, func(done, all int) {
		total = all
		// A line a second at most, and the last one: enough to see it move.
		if now := time.Now(); now.Sub(said) >= time.Second || done == all {
			fmt.Fprintf(stdout, "indexed %d of %d posts\n", done, all)
			said = now
		}
	})
	if err != nil {
		return fmt.Errorf("search reindex: %w", err)
	}
	fmt.Fprintf(stdout, "the search index holds %d posts (%s)\n", total, time.Since(start).Round(time.Millisecond))
	return nil
}
