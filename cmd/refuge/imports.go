package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"refuge/outbox/imports"
	"refuge/server"
	"refuge/storage"
)

const importUsage = "usage:\n  refuge import follows|lists|mutes|blocks|domain-blocks|bookmarks NAME FILE [--overwrite]\n" +
	"  refuge import archive NAME FILE\n" +
	"FILE is one of the CSV lists Mastodon (or GoToSocial) exports. Merge (the default) adds what the file\n" +
	"has; --overwrite also removes what the account has that the file lacks (unfollows, unblocks...).\n" +
	"Rows that cannot be used are listed and skipped, the rest go ahead; the exit status is 1 when any was.\n"

const exportUsage = "usage:\n  refuge export follows|lists|mutes|blocks|domain-blocks|bookmarks NAME FILE\n" +
	"  refuge export [archive] NAME FILE\n" +
	"writes the account's list as the CSV Mastodon writes (FILE - is the standard output).\n"

// csvKinds are the kinds the CLI takes by name, besides archive.
var csvKinds = func() []string {
	var out []string
	for _, k := range storage.ImportKinds {
		out = append(out, string(k))
	}
	return out
}()

// openPositional opens the instance for a command of n positional arguments, which may
// stand before, after or among the flags.
func openPositional(ctx context.Context, name string, n int, args []string, stderr io.Writer, extra func(fs *flag.FlagSet), set ...func(*server.Config)) (*server.App, []string, error) {
	var cfg server.Config
	fs := newFlagSet(name, "refuge "+name+" [flags]", stderr)
	instanceFlags(fs, &cfg)
	if extra != nil {
		extra(fs)
	}
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, nil, flagErr(err)
		}
		if args = fs.Args(); len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	if len(pos) != n {
		fmt.Fprintf(stderr, "refuge %s: takes %d arguments, not %d\n", name, n, len(pos))
		return nil, nil, errUsage
	}
	cfg.Existing = true
	for _, f := range set {
		f(&cfg)
	}
	app, err := server.Open(ctx, cfg)
	return app, pos, err
}

// cmdImport runs an import in this process (beside a running serve, as every admin command
// may), printing its progress and report.
func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := subcommand(args, importUsage, stderr, append(csvKinds, "archive")...); err != nil {
		return err
	}
	kind := args[0]
	overwrite, allowPrivate := false, false
	app, pos, err := openPositional(ctx, "import "+kind+" NAME FILE", 2, args[1:], stderr, func(fs *flag.FlagSet) {
		if kind != "archive" {
			fs.BoolVar(&overwrite, "overwrite", false, "also remove what the account has that the file lacks")
		}
		fs.BoolVar(&allowPrivate, "allow-private", false, "let the look-ups reach loopback and private addresses (local clusters, tests)")
	}, func(cfg *server.Config) { cfg.AllowPrivate = allowPrivate })
	if err != nil {
		return err
	}
	defer app.Close()
	if kind == "archive" {
		return importArchive(ctx, app, pos[0], pos[1], stdout)
	}
	actor, err := localAccount(ctx, app, pos[0])
	if err != nil {
		return err
	}
	mode := storage.ImportMerge
	if overwrite {
		mode = storage.ImportOverwrite
	}
	last := time.Now()
	job, err := app.Imports().RunFile(ctx, actor.ID, storage.ImportKind(kind), mode, pos[1], func(done, total int) {
		if time.Since(last) >= time.Second {
			fmt.Fprintf(stdout, "%d of %d rows\n", done, total)
			last = time.Now()
		}
	})
	if err != nil {
		return err
	}
	imports.WriteReport(stdout, job)
	switch {
	case job.State == storage.ImportFailed:
		return storage.Errorf(storage.Invalid, "%s", job.Report.Error)
	case job.Failed > 0:
		return storage.Errorf(storage.Invalid, "%d of %d rows were skipped (listed above)", job.Failed, job.Total)
	}
	return nil
}

// cmdExport writes one of an account's CSV lists, or (two arguments) its archive.
func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kind := "archive"
	if len(args) > 0 && (slices.Contains(csvKinds, args[0]) || args[0] == "archive") {
		kind, args = args[0], args[1:]
	} else if len(args) == 0 || strings.HasPrefix(args[0], "-h") || args[0] == "--help" {
		return subcommand(args, exportUsage, stderr)
	}
	app, pos, err := openPositional(ctx, "export "+kind+" NAME FILE", 2, args, stderr, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	if kind == "archive" {
		return exportArchive(ctx, app, pos[0], pos[1], stdout)
	}
	actor, err := localAccount(ctx, app, pos[0])
	if err != nil {
		return err
	}
	if pos[1] == "-" {
		return imports.Export(ctx, app.DB(), storage.ImportKind(kind), actor, stdout)
	}
	f, err := os.Create(pos[1])
	if err != nil {
		return err
	}
	if err := imports.Export(ctx, app.DB(), storage.ImportKind(kind), actor, f); err != nil {
		f.Close()
		os.Remove(pos[1])
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s\n", pos[1])
	return nil
}

// localAccount is the local account name, or an error naming it.
func localAccount(ctx context.Context, app *server.App, name string) (*storage.Actor, error) {
	a, err := app.Outbox().LocalActor(ctx, name)
	if storage.KindOf(err) == storage.NotFound {
		return nil, storage.Errorf(storage.NotFound, "there is no account %q here", name)
	}
	return a, err
}
