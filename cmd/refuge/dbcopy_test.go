package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/pgtest"
	"refuge/server"
	"refuge/storage/sqldb"
)

// copyDestination makes a new, empty database to copy into: PostgreSQL in a run that has
// it, a SQLite file otherwise. It returns what --to names it by and what opens it.
func copyDestination(t *testing.T) (string, func() *sqldb.DB) {
	t.Helper()
	open := func(db *sqldb.DB, err error) *sqldb.DB {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	if pgtest.Admin() != "" {
		dsn := pgtest.NewDatabase(t)
		return dsn, func() *sqldb.DB {
			return open(sqldb.OpenPostgres(context.Background(), dsn, sqldb.PostgresOptions{MaxConns: 2}))
		}
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	return "sqlite:" + path, func() *sqldb.DB { return open(sqldb.Open(context.Background(), path)) }
}

// TestCLIDBCopy runs db copy in order against one data folder: its usage, each refusal with
// its message, a copy, and the copy used as an instance's database.
func TestCLIDBCopy(t *testing.T) {
	data := t.TempDir()
	flags := []string{"--data", data, "--domain", "social.test"}
	to, _ := copyDestination(t)
	again := filepath.Join(t.TempDir(), "refuge.db") // a data folder's file: user list reads it
	copyFrom := func(args ...string) []string { return append([]string{"db", "copy", "--data", data}, args...) }
	rows := []cliRow{
		{name: "db help", args: []string{"db", "--help"}, wantErr: "refuge db copy --to"},
		{name: "no verb", args: []string{"db"}, code: 2, wantErr: "usage:"},
		{name: "another verb", args: []string{"db", "move"}, code: 2, wantErr: "usage:"},
		{name: "copy help", args: []string{"db", "copy", "--help"}, wantErr: "-from"},
		{name: "no --to", args: copyFrom(), code: 2, wantErr: "give --to"},
		{name: "an argument", args: copyFrom("--to", to, "now"), code: 2, wantErr: `unexpected argument "now"`},
		{name: "no instance yet", args: copyFrom("--to", to), code: 1,
			wantErr: "the source: stat " + filepath.Join(data, "refuge.db") + ": no such file"},
		{name: "an instance", args: append([]string{"user", "add", "alice"}, flags...), wantOut: "created alice@social.test"},
		{name: "a block", args: append([]string{"block", "add", "spam.example"}, flags...), wantOut: "blocked spam.example"},
		{name: "--to of another kind", args: copyFrom("--to", "mysql://root:secret@localhost/refuge"), code: 1,
			wantErr: `the destination: "mysql://root:xxxxx@localhost/refuge" is neither a SQLite file`},
		{name: "--to unreachable", args: copyFrom("--to", "postgres://nobody@127.0.0.1:1/refuge?sslmode=disable"), code: 1,
			wantErr: "the destination: postgres nobody@127.0.0.1:1/refuge: failed to connect"},
		{name: "--to the source", args: copyFrom("--to", "sqlite:"+filepath.Join(data, "refuge.db")), code: 1,
			wantErr: "the source and the destination are the same file"},
		{name: "copy", args: copyFrom("--to", to), wantOut: "checked: equal"},
		{name: "not twice", args: copyFrom("--to", to), code: 1, wantErr: "the destination is not empty: table actors has 2 rows"},
		{name: "--from a path, to a file", args: []string{"db", "copy", "--from", filepath.Join(data, "refuge.db"), "--to", again},
			wantOut: fmt.Sprintf("\n%-16s %10d\n", "blocks", 1)},
		{name: "the copy is the instance", args: []string{"user", "list", "--data", filepath.Dir(again), "--domain", "social.test"},
			wantOut: "alice\thttps://social.test/users/alice"},
	}
	runCLI(t, rows)
}

// TestBinaryDBCopy: the copy refuses while a refuge serve runs on the data folder, and copies
// it once the serve stopped; a --to that cannot be reached is a message and exit status 1.
func TestBinaryDBCopy(t *testing.T) {
	addr := testrig.FreeAddr(t)
	data := t.TempDir()
	serve, _ := testrig.Serve(t, "--listen", addr, "--domain", addr, "--data", data)
	to, open := copyDestination(t)

	code, out := testrig.Run(t, "db", "copy", "--data", data, "--to", to)
	want := "refuge: " + filepath.Join(data, "refuge.db") + " is in use by a running refuge serve: stop it first\n"
	if code != 1 || out != want {
		t.Fatalf("copy beside a serve: exit %d, %q; want exit 1, %q", code, out, want)
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := serve.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	code, out = testrig.Run(t, "db", "copy", "--data", data, "--to", to)
	if code != 0 || !strings.Contains(out, "\nchecked: equal\n") {
		t.Fatalf("copy of the stopped instance: exit %d: %s", code, out)
	}
	src, err := sqldb.Open(context.Background(), filepath.Join(data, "refuge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst := open()
	if err := sqldb.Compare(context.Background(), src, dst); err != nil {
		t.Errorf("the copy: %v", err)
	}
	actors, err := dst.ListLocalActors(context.Background())
	if err != nil || len(actors) == 0 || actors[0].Username != "root" {
		t.Errorf("the copy's accounts: %v, %v; want the admin made by the first start, root", actors, err)
	}

	code, out = testrig.Run(t, "db", "copy", "--data", data, "--to", "postgres://nobody@127.0.0.1:1/refuge?sslmode=disable")
	if code != 1 || !strings.HasPrefix(out, "refuge: the destination: postgres nobody@127.0.0.1:1/refuge: failed to connect") {
		t.Errorf("copy to nowhere: exit %d, %q", code, out)
	}
}

// TestDBCopyHoldsTheLock: while a copy runs, no serve starts on its data folder; after it,
// one does.
func TestDBCopyHoldsTheLock(t *testing.T) {
	data := t.TempDir()
	addr := testrig.FreeAddr(t)
	runCLI(t, []cliRow{{name: "an instance", args: []string{"user", "add", "alice", "--data", data, "--domain", addr},
		wantOut: "created alice@"}})
	to, _ := copyDestination(t)
	tried := false
	_, err := server.CopyDB(context.Background(), filepath.Join(data, "refuge.db"), to, func(string, int) {
		if tried {
			return
		}
		tried = true
		code, out := testrig.ServeRefused(t, "--listen", addr, "--domain", addr, "--data", data)
		if code != 1 || !strings.Contains(out, "is in use by another refuge serve") {
			t.Errorf("a serve started during the copy: exit %d: %s", code, out)
		}
	})
	if err != nil || !tried {
		t.Fatalf("copy: %v (a serve tried during it: %v)", err, tried)
	}
	serve, _ := testrig.Serve(t, "--listen", addr, "--domain", addr, "--data", data) // fails the test if it cannot start
	serve.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Error("serve did not stop after SIGTERM")
	}
}
