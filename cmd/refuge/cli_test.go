package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestCLI runs the admin commands in order against one data folder; each row states the exit
// status and what the output must say.
func TestCLI(t *testing.T) {
	data := t.TempDir()
	flags := []string{"--data", data, "--domain", "example.test:8080"}
	rows := []cliRow{
		{"no command", nil, "", 2, "", "usage:", ""},
		{"unknown command", []string{"frobnicate"}, "", 2, "", `unknown command "frobnicate"`, ""},
		{"version", []string{"version"}, "", 0, "refuge 0.", "", ""},
		{"help", []string{"--help"}, "", 0, "refuge serve", "", ""},
		{"serve help", []string{"serve", "--help"}, "", 0, "", "--authorized-fetch", ""},
		{"usage names authorized fetch", []string{"help"}, "", 0, "[--authorized-fetch]", "", ""},
		{"nothing to list in a mistyped folder", []string{"user", "list", "--data", data + "-typo"}, "", 1, "", `no instance in the data folder "` + data + `-typo"`, ""},
		{"nor a token", []string{"token", "alice", "--data", data + "-typo"}, "", 1, "", "no instance in the data folder", ""},
		{"user help", []string{"user", "add", "--help"}, "", 0, "", "  --password-stdin\n", ""},
		{"token help", []string{"token", "--help"}, "", 0, "", "-data", ""},
		{"add user", append([]string{"user", "add", "alice"}, flags...), "", 0, "password: ", "", ""},
		{"add admin with stdin password", append([]string{"user", "add", "Bob_2", "--admin", "--password-stdin"}, flags...),
			"a long enough password\n", 0, "created Bob_2@example.test:8080", "", "password:"},
		{"short stdin password", append([]string{"user", "add", "carol", "--password-stdin"}, flags...), "short\n", 1, "", "at least 8", ""},
		{"taken regardless of case", append([]string{"user", "add", "ALICE"}, flags...), "", 1, "", "already taken", ""},
		{"bad characters", append([]string{"user", "add", "al-ice"}, flags...), "", 1, "", "Username is invalid", ""},
		{"too long", append([]string{"user", "add", strings.Repeat("a", 31)}, flags...), "", 1, "", "Username is too long", ""},
		{"no name", append([]string{"user", "add"}, flags...), "", 2, "", "give the new account's NAME", ""},
		{"add with an address", append([]string{"user", "add", "dave", "--email", "Dave@Example.org"}, flags...), "", 0, "created dave@", "", ""},
		{"add with an address taken", append([]string{"user", "add", "erin", "--email", "dave@example.ORG"}, flags...), "", 1, "", "belongs to another account", ""},
		{"add with no address", append([]string{"user", "add", "erin", "--email", "not one"}, flags...), "", 1, "", "not an e-mail address", ""},
		{"set an address", append([]string{"user", "email", "alice", "alice@example.org"}, flags...), "", 0, "set the e-mail address of alice to alice@example.org", "", ""},
		{"set a taken address", append([]string{"user", "email", "alice", "DAVE@example.org"}, flags...), "", 1, "", "belongs to another account", ""},
		{"set an address of nobody", append([]string{"user", "email", "nobody", "x@example.org"}, flags...), "", 1, "", "there is no account nobody here", ""},
		{"set without the address", append([]string{"user", "email", "alice"}, flags...), "", 2, "", "usage: refuge user email NAME ADDR", ""},
		{"user help names email", []string{"user", "--help"}, "", 0, "", "refuge user email NAME ADDR", ""},
		{"list", append([]string{"user", "list"}, flags...), "", 0, "Bob_2\thttps://example.test:8080/users/Bob_2 (admin)", "", ""},
		{"token", append([]string{"token", "alice"}, flags...), "", 0, "", "", "error"},
		{"token for nobody", append([]string{"token", "nobody"}, flags...), "", 1, "", "account not found", ""},
		{"other domain refused", []string{"user", "list", "--data", data, "--domain", "other.test"}, "", 1, "", "belongs to https://example.test:8080, not https://other.test", ""},
		{"bad domain", []string{"user", "list", "--data", data, "--domain", "a/b"}, "", 1, "", "--domain", ""},
		{"bad flag", []string{"user", "list", "--nope"}, "", 2, "", "flag provided but not defined", ""},
	}
	runCLI(t, rows)
}

// TestCLIBlock runs the block commands in order against one data folder.
func TestCLIBlock(t *testing.T) {
	data := t.TempDir()
	flags := []string{"--data", data, "--domain", "example.test:8080"}
	rows := []cliRow{
		{name: "block help", args: []string{"block", "--help"}, code: 0, wantOut: "", wantErr: "refuge block add TARGET"},
		{name: "no verb", args: []string{"block"}, code: 2, wantOut: "", wantErr: "usage:"},
		{name: "block add help names the target", args: []string{"block", "add", "--help"}, code: 0, wantErr: "usage: refuge block add TARGET [flags]"},
		{name: "no instance yet", args: append([]string{"block", "add", "spam.example"}, flags...), code: 1, wantErr: "no instance in the data folder"},
		{name: "an instance", args: append([]string{"user", "add", "alice"}, flags...), code: 0, wantOut: "created alice@"},
		{name: "no target", args: append([]string{"block", "add"}, flags...), code: 2, wantOut: "", wantErr: "give the TARGET"},
		{name: "block a host", args: append([]string{"block", "add", "Spam.Example"}, flags...), code: 0, wantOut: "blocked spam.example", wantErr: ""},
		{name: "block an actor", args: append([]string{"block", "add", "https://other.example/users/troll"}, flags...), code: 0, wantOut: "blocked https://other.example/users/troll", wantErr: ""},
		{name: "block twice", args: append([]string{"block", "add", "spam.example"}, flags...), code: 0, wantOut: "blocked spam.example", wantErr: ""},
		{name: "not a target", args: append([]string{"block", "add", "user@host"}, flags...), code: 1, wantOut: "", wantErr: "not an actor URI or a host"},
		{name: "not http", args: append([]string{"block", "add", "ftp://x.example/u"}, flags...), code: 1, wantOut: "", wantErr: "not an actor URI or a host"},
		{name: "list", args: append([]string{"block", "list"}, flags...), code: 0, wantOut: "spam.example\t", wantErr: ""},
		{name: "remove", args: append([]string{"block", "remove", "spam.example"}, flags...), code: 0, wantOut: "unblocked spam.example", wantErr: ""},
		{name: "remove what is not blocked", args: append([]string{"block", "remove", "spam.example"}, flags...), code: 1, wantOut: "", wantErr: "is not blocked"},
		{name: "list after remove", args: append([]string{"block", "list"}, flags...), code: 0, wantOut: "https://other.example/users/troll\t", notWantOut: "spam.example"},
	}
	runCLI(t, rows)
}

// TestCLIBlockSilence runs block add with --silence and the reasons in order against one
// data folder: a silence is listed with its severity and both comments; adding the target
// again changes them; a bad reason or flag is refused, and remove lifts a silence too.
// user silence and unsilence do the same for one local account, which user list shows.
func TestCLIBlockSilence(t *testing.T) {
	data := t.TempDir()
	flags := []string{"--data", data, "--domain", "example.test:8080"}
	long := strings.Repeat("x", 1001)
	rows := []cliRow{
		{name: "help names the severity and reasons", args: []string{"block", "--help"}, code: 0,
			wantErr: "refuge block add TARGET [--silence] [--reason TEXT] [--comment TEXT]"},
		{name: "add help lists the flags", args: []string{"block", "add", "--help"}, code: 0, wantErr: "-silence"},
		{name: "an instance", args: append([]string{"user", "add", "alice"}, flags...), code: 0, wantOut: "created alice@"},
		{name: "silence a host, with reasons", args: append([]string{"block", "add", "Noisy.Example", "--silence", "--reason", "too noisy",
			"--comment", "see\nreport 4"}, flags...), code: 0, wantOut: "silenced noisy.example", notWantOut: "blocked"},
		{name: "suspend with a reason", args: append([]string{"block", "add", "spam.example", "--reason", "spam"}, flags...), code: 0,
			wantOut: "blocked spam.example"},
		{name: "silence an actor", args: append([]string{"block", "add", "https://other.example/users/loud", "--silence"}, flags...), code: 0,
			wantOut: "silenced https://other.example/users/loud"},
		{name: "list says severity and reasons", args: append([]string{"block", "list"}, flags...), code: 0,
			wantOut: "noisy.example\tsilence\t"},
		{name: "list has the reason and the note on one line", args: append([]string{"block", "list"}, flags...), code: 0,
			wantOut: "\ttoo noisy\tsee report 4\n"},
		{name: "list has the suspension's reason", args: append([]string{"block", "list"}, flags...), code: 0,
			wantOut: "\tspam\t-\n"},
		{name: "a reason too long", args: append([]string{"block", "add", "noisy.example", "--silence", "--reason", long}, flags...), code: 1,
			wantErr: "at most 1000 characters"},
		{name: "the refused change changed nothing", args: append([]string{"block", "list"}, flags...), code: 0,
			wantOut: "\ttoo noisy\t"},
		{name: "made a suspension", args: append([]string{"block", "add", "noisy.example"}, flags...), code: 0, wantOut: "blocked noisy.example"},
		{name: "list after", args: append([]string{"block", "list"}, flags...), code: 0, wantOut: "noisy.example\tsuspend\t", notWantOut: "too noisy"},
		{name: "remove takes no severity", args: append([]string{"block", "remove", "noisy.example", "--silence"}, flags...), code: 2,
			wantErr: "flag provided but not defined: -silence"},
		{name: "remove a silence", args: append([]string{"block", "remove", "https://other.example/users/loud"}, flags...), code: 0,
			wantOut: "unblocked https://other.example/users/loud"},
		{name: "user help names silence", args: []string{"user", "--help"}, code: 0, wantErr: "refuge user silence NAME"},
		{name: "silence nobody", args: append([]string{"user", "silence", "nobody"}, flags...), code: 1, wantErr: "there is no account nobody here"},
		{name: "silence an account", args: append([]string{"user", "silence", "alice"}, flags...), code: 0, wantOut: "silenced alice@example.test:8080"},
		{name: "silence it twice", args: append([]string{"user", "silence", "alice"}, flags...), code: 1, wantErr: "is already silenced"},
		{name: "user list says so", args: append([]string{"user", "list"}, flags...), code: 0, wantOut: "alice\thttps://example.test:8080/users/alice (silenced)"},
		{name: "unsilence", args: append([]string{"user", "unsilence", "alice"}, flags...), code: 0, wantOut: "unsilenced alice@example.test:8080"},
		{name: "unsilence again", args: append([]string{"user", "unsilence", "alice"}, flags...), code: 1, wantErr: "is not silenced"},
		{name: "user list after", args: append([]string{"user", "list"}, flags...), code: 0, wantOut: "alice\t", notWantOut: "silenced"},
	}
	runCLI(t, rows)
}

// TestCLISuspend runs user suspend and unsuspend in order against one data folder: each
// refuses what it cannot do with a message and a non-zero exit, and user list says who is
// suspended.
func TestCLISuspend(t *testing.T) {
	data := t.TempDir()
	flags := []string{"--data", data, "--domain", "example.test:8080"}
	rows := []cliRow{
		{name: "user help names suspend", args: []string{"user", "--help"}, code: 0, wantErr: "refuge user suspend NAME"},
		{name: "unknown verb", args: []string{"user", "freeze", "alice"}, code: 2, wantErr: "refuge user unsuspend NAME"},
		{name: "add", args: append([]string{"user", "add", "alice"}, flags...), code: 0, wantOut: "password: "},
		{name: "no name", args: append([]string{"user", "suspend"}, flags...), code: 2, wantErr: "give the account's NAME"},
		{name: "unknown name", args: append([]string{"user", "suspend", "nobody"}, flags...), code: 1, wantErr: "there is no account nobody here"},
		{name: "unsuspend one not suspended", args: append([]string{"user", "unsuspend", "alice"}, flags...), code: 1, wantErr: "account alice is not suspended"},
		{name: "the instance actor", args: append([]string{"user", "suspend", "example.test:8080"}, flags...), code: 1, wantErr: "is the instance's own actor, not an account"},
		{name: "suspend, any case", args: append([]string{"user", "suspend", "ALICE"}, flags...), code: 0, wantOut: "suspended alice@example.test:8080"},
		{name: "suspend twice", args: append([]string{"user", "suspend", "alice"}, flags...), code: 1, wantErr: "account alice is already suspended"},
		{name: "list says so", args: append([]string{"user", "list"}, flags...), code: 0, wantOut: "alice\thttps://example.test:8080/users/alice (suspended)"},
		{name: "unsuspend", args: append([]string{"user", "unsuspend", "alice"}, flags...), code: 0, wantOut: "unsuspended alice@example.test:8080"},
		{name: "list after", args: append([]string{"user", "list"}, flags...), code: 0, wantOut: "alice\t", notWantOut: "suspended"},
		{name: "unsuspend twice", args: append([]string{"user", "unsuspend", "alice"}, flags...), code: 1, wantErr: "not suspended"},
		{name: "password help", args: []string{"user", "password", "--help"}, code: 0, wantErr: "  --password-stdin\n"},
		{name: "password of nobody", args: append([]string{"user", "password", "nobody"}, flags...), code: 1, wantErr: "there is no account nobody here"},
		{name: "password without a name", args: append([]string{"user", "password"}, flags...), code: 2, wantErr: "give the account's NAME"},
		{name: "a short password", args: append([]string{"user", "password", "alice", "--password-stdin"}, flags...), stdin: "short\n", code: 1, wantErr: "at least 8"},
		{name: "a password given", args: append([]string{"user", "password", "alice", "--password-stdin"}, flags...), stdin: "a new long password\n", code: 0,
			wantOut: "changed the password of alice@example.test:8080", notWantOut: "password: "},
		{name: "a password made", args: append([]string{"user", "password", "alice"}, flags...), code: 0, wantOut: "password: "},
	}
	runCLI(t, rows)
}

// TestCLIDelete runs user delete in order against one data folder: it asks for nothing,
// says what it did, refuses an unknown name, the instance actor and an account deleted
// already, and the name stays taken in any case.
func TestCLIDelete(t *testing.T) {
	data := t.TempDir()
	flags := []string{"--data", data, "--domain", "example.test:8080"}
	rows := []cliRow{
		{name: "user help names delete", args: []string{"user", "--help"}, code: 0, wantErr: "refuge user delete NAME"},
		{name: "add", args: append([]string{"user", "add", "alice"}, flags...), code: 0, wantOut: "password: "},
		{name: "add another", args: append([]string{"user", "add", "bob"}, flags...), code: 0, wantOut: "password: "},
		{name: "no name", args: append([]string{"user", "delete"}, flags...), code: 2, wantErr: "give the account's NAME"},
		{name: "unknown name", args: append([]string{"user", "delete", "nobody"}, flags...), code: 1, wantErr: "there is no account nobody here"},
		{name: "the instance actor", args: append([]string{"user", "delete", "example.test:8080"}, flags...), code: 1, wantErr: "is the instance's own actor, not an account"},
		{name: "a suspended account may go", args: append([]string{"user", "suspend", "alice"}, flags...), code: 0, wantOut: "suspended alice@"},
		{name: "delete, any case", args: append([]string{"user", "delete", "Alice"}, flags...), code: 0,
			wantOut: "deleted alice@example.test:8080 (https://example.test:8080/users/alice): 0 posts tombstoned, 0 media files removed, 0 follows ended, sessions and tokens ended; Delete queued for 0 inboxes"},
		{name: "delete twice", args: append([]string{"user", "delete", "alice"}, flags...), code: 1, wantErr: "account alice is already deleted"},
		{name: "list leaves it out", args: append([]string{"user", "list"}, flags...), code: 0, wantOut: "bob\t", notWantOut: "alice"},
		{name: "the name stays taken", args: append([]string{"user", "add", "ALICE"}, flags...), code: 1, wantErr: "already taken"},
		{name: "no password for it", args: append([]string{"user", "password", "alice"}, flags...), code: 1, wantErr: "account alice is gone"},
		{name: "no token for it", args: append([]string{"token", "alice"}, flags...), code: 1, wantErr: "gone"},
	}
	runCLI(t, rows)
}

// cliRow is one command run: its arguments and standard input, the exit status it must give,
// what its output must contain, and what standard output must not.
type cliRow struct {
	name       string
	args       []string
	stdin      string
	code       int
	wantOut    string
	wantErr    string
	notWantOut string
}

// runCLI runs the rows in order (they may depend on each other) through run.
func runCLI(t *testing.T, rows []cliRow) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), row.args, strings.NewReader(row.stdin), &out, &errOut)
			if code != row.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, row.code, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), row.wantOut) {
				t.Errorf("stdout %q does not contain %q", out.String(), row.wantOut)
			}
			if !strings.Contains(errOut.String(), row.wantErr) {
				t.Errorf("stderr %q does not contain %q", errOut.String(), row.wantErr)
			}
			if row.notWantOut != "" && strings.Contains(out.String(), row.notWantOut) {
				t.Errorf("stdout %q contains %q", out.String(), row.notWantOut)
			}
		})
	}
}

// TestCLIMedia: media status and prune on an instance's folder; a wrong verb or argument is
// a usage error.
func TestCLIMedia(t *testing.T) {
	data := t.TempDir()
	flags := []string{"--data", data, "--domain", "example.test:8080"}
	runCLI(t, []cliRow{
		{name: "no verb", args: []string{"media"}, code: 2, wantErr: "refuge media prune"},
		{name: "help", args: []string{"media", "--help"}, code: 0, wantErr: "usage:"},
		{name: "no instance yet", args: append([]string{"media", "status"}, flags...), code: 1, wantErr: "no instance in the data folder"},
		{name: "an instance", args: append([]string{"user", "add", "alice"}, flags...), code: 0, wantOut: "created alice@"},
		{name: "status", args: append([]string{"media", "status"}, flags...), code: 0, wantOut: "stored 0 (0.0 MiB), waiting 0, refused 0, pruned 0"},
		{name: "prune", args: append([]string{"media", "prune", "--media-cache-max", "1GiB"}, flags...), code: 0,
			wantOut: "removed 0 files of notes and actors that are gone, 0 of blocked servers and 0 least recently seen"},
		{name: "bad size", args: append([]string{"media", "prune", "--media-cache-max", "huge"}, flags...), code: 2, wantErr: "such as 500MiB"},
		{name: "stray argument", args: append([]string{"media", "status", "extra"}, flags...), code: 2, wantErr: "unexpected argument"},
	})
}
