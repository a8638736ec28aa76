package main

import (
	"context"
	"path/filepath"
	"testing"

	"refuge/storage"
	"refuge/storage/sqldb"
)

// TestCLIScheme: the first command of any kind fixes the URL scheme with the domain; a later
// command with the other scheme is refused with a message naming both and saying what to do.
func TestCLIScheme(t *testing.T) {
	data := t.TempDir()
	https := []string{"--data", data, "--domain", "social.test"}
	http := append([]string{"--http"}, https...)
	rows := []cliRow{
		{name: "user add before any serve fixes https", args: append([]string{"user", "add", "alice"}, https...),
			wantOut: "https://social.test/users/alice"},
		{name: "serve --http on the folder is refused, naming both", args: append([]string{"serve", "--listen", "127.0.0.1:0"}, http...),
			code: 1, wantErr: "belongs to https://social.test, not http://social.test"},
		{name: "the refusal says how to fix it", args: append([]string{"serve", "--listen", "127.0.0.1:0"}, http...),
			code: 1, wantErr: "start without --http"},
		{name: "user add --http on the folder is refused", args: append([]string{"user", "add", "bob"}, http...),
			code: 1, wantErr: "belongs to https://social.test, not http://social.test"},
		{name: "token --http on the folder is refused", args: append([]string{"token", "alice"}, http...),
			code: 1, wantErr: "belongs to https://social.test, not http://social.test"},
		{name: "block add --http on the folder is refused", args: append([]string{"block", "add", "spam.example"}, http...),
			code: 1, wantErr: "belongs to https://social.test, not http://social.test"},
		{name: "user list as recorded works", args: append([]string{"user", "list"}, https...),
			wantOut: "alice\thttps://social.test/users/alice", notWantOut: "bob"},
		{name: "another domain is refused, naming both", args: []string{"user", "list", "--data", data, "--domain", "other.test"},
			code: 1, wantErr: "belongs to https://social.test, not https://other.test"},
	}
	runCLI(t, rows)
}

// TestCLIHTTPSOnLoopback: a loopback domain is http unless --https says a TLS front serves
// it (as apps that accept only https servers need, tried on one machine); both at once is a
// mistake said as such.
func TestCLIHTTPSOnLoopback(t *testing.T) {
	plain := []string{"--data", t.TempDir(), "--domain", "127.0.0.1:8443"}
	front := []string{"--data", t.TempDir(), "--domain", "127.0.0.1:8443", "--https"}
	runCLI(t, []cliRow{
		{name: "loopback is http by default", args: append([]string{"user", "add", "alice"}, plain...),
			wantOut: "http://127.0.0.1:8443/users/alice"},
		{name: "--https makes it https", args: append([]string{"user", "add", "alice"}, front...),
			wantOut: "https://127.0.0.1:8443/users/alice"},
		{name: "and the folder keeps it", args: []string{"user", "add", "bob", "--data", front[1], "--domain", "127.0.0.1:8443"},
			code: 1, wantErr: "belongs to https://127.0.0.1:8443, not http://127.0.0.1:8443"},
		{name: "--http with --https is refused", args: append([]string{"user", "list", "--http"}, front...),
			code: 1, wantErr: "--http and --https: give one"},
	})
}

// TestCLISchemeOfOlderFolder: a data folder recorded before the scheme was (the domain only)
// takes its scheme from its stored actors, and keeps it from then on.
func TestCLISchemeOfOlderFolder(t *testing.T) {
	data := t.TempDir()
	https := []string{"--data", data, "--domain", "social.test"}
	http := append([]string{"--http"}, https...)
	runCLI(t, []cliRow{{name: "an http folder", args: append([]string{"user", "add", "bob"}, http...), wantOut: "http://social.test/users/bob"}})
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(data, "refuge.db"))
	if err != nil {
		t.Fatal(err)
	}
	// What a folder of an older version holds: the domain, no scheme.
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutMeta(ctx, "scheme", "") }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	runCLI(t, []cliRow{
		{name: "without --http it is refused, the scheme read from its actors", args: append([]string{"user", "list"}, https...),
			code: 1, wantErr: "belongs to http://social.test, not https://social.test"},
		{name: "with --http it works", args: append([]string{"user", "list"}, http...), wantOut: "bob\thttp://social.test/users/bob"},
	})
}
