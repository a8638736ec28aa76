package server_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/outbox"
	"refuge/outbox/imports"
	"refuge/server"
	"refuge/storage"
)

// exportCSV is account name's CSV of kind on in.
func exportCSV(t *testing.T, in *testrig.Instance, name string, kind storage.ImportKind) string {
	t.Helper()
	var b bytes.Buffer
	if err := imports.Export(context.Background(), in.App.DB(), kind, in.LocalActor(name), &b); err != nil {
		t.Fatalf("export %s of %s: %v", kind, name, err)
	}
	return b.String()
}

// importCSV runs an import of content for account name on in, in this process, and
// returns the finished job.
func importCSV(t *testing.T, in *testrig.Instance, name string, kind storage.ImportKind, mode storage.ImportMode, content string) *storage.ImportJob {
	t.Helper()
	path := filepath.Join(t.TempDir(), string(kind)+".csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := in.App.Imports().RunFile(context.Background(), in.LocalActor(name).ID, kind, mode, path, nil)
	if err != nil {
		t.Fatalf("import %s for %s: %v", kind, name, err)
	}
	return j
}

// sameLines compares two CSVs as sets of lines (an import goes through the rows in order,
// so that the newest-first order of an export comes back reversed), the header first.
func sameLines(a, b string) bool {
	split := func(s string) []string {
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		if len(lines) > 1 && strings.HasPrefix(lines[0], "Account address") {
			slices.Sort(lines[1:])
		} else {
			slices.Sort(lines)
		}
		return lines
	}
	return slices.Equal(split(a), split(b))
}

// importedRows counts the rows an import may add.
func importedRows(in *testrig.Instance) map[string]int {
	all := in.RowCounts()
	out := map[string]int{}
	for _, table := range []string{"follows", "mutes", "account_blocks", "account_domain_blocks", "bookmarks", "lists", "list_accounts"} {
		out[table] = all[table]
	}
	return out
}

// TestCSVExportImportRoundTrip: alice on A exports her six lists; zoe on B imports them,
// and then has exactly what alice has (her exports are equal line for line): follows with
// and without boosts, mutes with and without notifications, a block, a blocked server,
// bookmarks of a post of each instance, two lists. Importing the same files again adds
// nothing.
func TestCSVExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	a, b := testrig.Start(t), testrig.Start(t)
	for _, n := range []string{"alice", "carol", "mallory"} {
		a.Account(n, false)
	}
	bobToken, _ := a.Account("bob", false)
	daveToken, _ := b.Account("dave", false)
	b.Account("erin", false)
	b.Account("zoe", false)
	svc, alice := a.App.Outbox(), a.LocalActor("alice")
	uri := func(in *testrig.Instance, name string) string { return in.Base + "/users/" + name }

	no := false
	if _, err := svc.FollowWith(ctx, alice, uri(b, "dave"), outbox.FollowOptions{Reblogs: &no}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Follow(ctx, alice, uri(a, "bob")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.App.Remote().Actor(ctx, uri(b, "erin")); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		who   string
		notes bool
	}{{uri(a, "carol"), true}, {uri(b, "erin"), false}} {
		if _, err := svc.Mute(ctx, alice, m.who, m.notes, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Block(ctx, alice, uri(a, "mallory")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.BlockDomain(ctx, alice, "spam.example"); err != nil {
		t.Fatal(err)
	}
	public := []string{"https://www.w3.org/ns/activitystreams#Public"}
	bobNote := a.PostNote("bob", bobToken, map[string]any{"content": "bob's post", "to": public})
	daveNote := b.PostNote("dave", daveToken, map[string]any{"content": "dave's post", "to": public})
	if _, err := a.App.Remote().Note(ctx, daveNote); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{bobNote, daveNote} {
		if err := svc.Bookmark(ctx, alice, n, true); err != nil {
			t.Fatal(err)
		}
	}
	dave := a.ActorByURI(uri(b, "dave"))
	bob := a.LocalActor("bob")
	for title, members := range map[string][]int64{"Friends, close": {dave.ID, bob.ID}, "Work": {bob.ID}} {
		l, err := svc.CreateList(ctx, alice, outbox.ListEdit{Title: &title})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.AddToList(ctx, alice, l.ID, members); err != nil {
			t.Fatal(err)
		}
	}
	testrig.Eventually(t, testrig.FederationWait, "alice's follow of dave accepted", func() bool {
		f, err := a.App.DB().GetFollow(ctx, alice.ID, dave.ID)
		return err == nil && f.Accepted
	})

	kinds := []storage.ImportKind{storage.ImportFollows, storage.ImportMutes, storage.ImportBlocks,
		storage.ImportDomainBlocks, storage.ImportBookmarks, storage.ImportLists}
	files := map[storage.ImportKind]string{}
	for _, k := range kinds {
		files[k] = exportCSV(t, a, "alice", k)
	}
	// Byte for byte as Mastodon writes them.
	if want := "Account address,Show boosts,Notify on new posts,Languages\n"; !strings.HasPrefix(files[storage.ImportFollows], want) ||
		!strings.Contains(files[storage.ImportFollows], "\ndave@"+b.Cfg.Domain+",false,false,\n") ||
		!strings.Contains(files[storage.ImportFollows], "\nbob@"+a.Cfg.Domain+",true,false,\n") {
		t.Errorf("following CSV:\n%s", files[storage.ImportFollows])
	}
	if !strings.HasPrefix(files[storage.ImportMutes], "Account address,Hide notifications\n") ||
		!strings.Contains(files[storage.ImportMutes], "erin@"+b.Cfg.Domain+",false\n") {
		t.Errorf("mutes CSV:\n%s", files[storage.ImportMutes])
	}
	if !strings.Contains(files[storage.ImportLists], "\"Friends, close\",dave@"+b.Cfg.Domain+"\n") {
		t.Errorf("lists CSV:\n%s", files[storage.ImportLists])
	}
	for _, k := range kinds {
		j := importCSV(t, b, "zoe", k, storage.ImportMerge, files[k])
		if j.State != storage.ImportDone || j.Failed != 0 {
			t.Errorf("import %s: %+v", k, j)
		}
	}
	zoe := b.LocalActor("zoe")
	testrig.Eventually(t, testrig.FederationWait, "zoe's follow of bob accepted", func() bool {
		f, err := b.App.DB().GetFollow(ctx, zoe.ID, b.ActorByURI(uri(a, "bob")).ID)
		return err == nil && f.Accepted
	})
	for _, k := range kinds {
		if got := exportCSV(t, b, "zoe", k); !sameLines(got, files[k]) {
			t.Errorf("%s: zoe's export\n%s\nis not alice's\n%s", k, got, files[k])
		}
	}

	before := importedRows(b)
	for _, k := range kinds {
		j := importCSV(t, b, "zoe", k, storage.ImportMerge, files[k])
		for what := range j.Report.Counts {
			if !strings.HasPrefix(what, "already") {
				t.Errorf("importing %s again: %s %d", k, what, j.Report.Counts[what])
			}
		}
	}
	if after := importedRows(b); !mapsEqual(before, after) {
		t.Errorf("importing again changed rows: %v, then %v", before, after)
	}
}

// TestCSVImportOverwrite: overwrite leaves the account with what the file has: the
// follows, blocked servers and list members it lacks are removed, as Mastodon's does.
func TestCSVImportOverwrite(t *testing.T) {
	ctx := context.Background()
	a := testrig.Start(t)
	for _, n := range []string{"alice", "bob", "carol"} {
		a.Account(n, false)
	}
	svc, alice := a.App.Outbox(), a.LocalActor("alice")
	bob, carol := a.LocalActor("bob"), a.LocalActor("carol")
	for _, who := range []*storage.Actor{bob, carol} {
		if _, err := svc.Follow(ctx, alice, who.URI); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"a.example", "b.example"} {
		if _, err := svc.BlockDomain(ctx, alice, d); err != nil {
			t.Fatal(err)
		}
	}
	title := "X"
	l, err := svc.CreateList(ctx, alice, outbox.ListEdit{Title: &title})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.AddToList(ctx, alice, l.ID, []int64{bob.ID, carol.ID}); err != nil {
		t.Fatal(err)
	}
	d := a.Cfg.Domain

	j := importCSV(t, a, "alice", storage.ImportFollows, storage.ImportOverwrite,
		"Account address,Show boosts,Notify on new posts,Languages\nbob@"+d+",true,false,\n")
	if j.Report.Counts["unfollowed"] != 1 || j.Report.Counts["already followed"] != 1 {
		t.Errorf("follows overwrite: %+v", j.Report)
	}
	if _, err := a.App.DB().GetFollow(ctx, alice.ID, carol.ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("carol still followed: %v", err)
	}
	j = importCSV(t, a, "alice", storage.ImportDomainBlocks, storage.ImportOverwrite, "b.example\nc.example\n")
	if got := exportCSV(t, a, "alice", storage.ImportDomainBlocks); !sameLines(got, "b.example\nc.example\n") {
		t.Errorf("domain blocks after overwrite:\n%s\nreport %+v", got, j.Report)
	}
	// Carol is followed again for the list Y, as Mastodon does; X keeps only bob.
	j = importCSV(t, a, "alice", storage.ImportLists, storage.ImportOverwrite, "X,bob@"+d+"\nY,carol@"+d+"\n")
	want := "X,bob@" + d + "\nY,carol@" + d + "\n"
	if got := exportCSV(t, a, "alice", storage.ImportLists); !sameLines(got, want) {
		t.Errorf("lists after overwrite:\n%s\nwant\n%s\nreport %+v", got, want, j.Report)
	}
}

// TestCSVImportBadRows: rows that cannot be used are reported with their line and why,
// and skipped; the others go ahead. Files that cannot be used at all fail with a clear
// reason, storing nothing.
func TestCSVImportBadRows(t *testing.T) {
	ctx := context.Background()
	a, b := testrig.Start(t), testrig.Start(t)
	a.Account("alice", false)
	a.Account("bob", false)
	d := a.Cfg.Domain
	file := "Account address,Show boosts\n" +
		",true\n" +
		"not an address,true\n" +
		"nobody@127.0.0.1:1,true\n" +
		"ghost@" + b.Cfg.Domain + ",true\n" +
		strings.Repeat("a", 5000) + "@x.example,true\n" +
		"bob@" + d + ",false\n"
	j := importCSV(t, a, "alice", storage.ImportFollows, storage.ImportMerge, file)
	if j.State != storage.ImportDone || j.Done != 6 || j.Failed != 5 || j.Report.Counts["followed"] != 1 {
		t.Fatalf("job %+v", j)
	}
	for i, want := range []struct {
		line   int
		reason string
	}{{2, "empty"}, {3, "not an account address"}, {4, "could not be looked up"}, {5, "no such account"}, {6, "longer than"}} {
		if got := j.Report.Rows[i]; got.Line != want.line || !strings.Contains(got.Reason, want.reason) {
			t.Errorf("bad row %d = %+v, want line %d saying %q", i, got, want.line, want.reason)
		}
	}
	f, err := a.App.DB().GetFollow(ctx, a.LocalActor("alice").ID, a.LocalActor("bob").ID)
	if err != nil || !f.HideReblogs {
		t.Errorf("bob's follow = %+v, %v; want it without boosts", f, err)
	}

	before := a.RowCounts()
	for _, row := range []struct {
		name, file, want string
	}{
		{"a header-only file", "Account address,Show boosts,Notify on new posts,Languages\n", "header but no rows"},
		{"a binary file", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"},
		{"a list of another kind", "#domain\nspam.example\n", "lacks the column"},
	} {
		j := importCSV(t, a, "alice", storage.ImportFollows, storage.ImportMerge, row.file)
		if j.State != storage.ImportFailed || !strings.Contains(j.Report.Error, row.want) {
			t.Errorf("%s: %+v, want failed saying %q", row.name, j, row.want)
		}
	}
	for _, row := range []struct {
		name, file, want string
	}{
		{"an empty file", "", "empty"},
		{"a file over the size limit", strings.Repeat("a.example\n", imports.MaxCSVBytes/10+1), "larger than 20 MiB"},
	} {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, []byte(row.file), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := a.App.Imports().RunFile(ctx, a.LocalActor("alice").ID, storage.ImportDomainBlocks, storage.ImportMerge, path, nil)
		if storage.KindOf(err) != storage.Invalid || !strings.Contains(err.Error(), row.want) {
			t.Errorf("%s: %v, want Invalid saying %q", row.name, err, row.want)
		}
	}
	after := a.RowCounts()
	after["import_jobs"] = before["import_jobs"] // the failed jobs are recorded, with why
	if !mapsEqual(before, after) {
		t.Errorf("refused files changed rows: %v, then %v", before, after)
	}
}

// TestCSVImportGoToSocialFollowing: GoToSocial's export of follows (Mastodon's header,
// addresses without @, Languages left blank) is imported; Notify on new posts, which
// Refuge has no place for, is said to be ignored.
func TestCSVImportGoToSocialFollowing(t *testing.T) {
	ctx := context.Background()
	a, b := testrig.Start(t), testrig.Start(t)
	a.Account("alice", false)
	a.Account("bob", false)
	b.Account("dave", false)
	file := "Account address,Show boosts,Notify on new posts,Languages\n" +
		"bob@" + a.Cfg.Domain + ",true,false,\n" +
		"dave@" + b.Cfg.Domain + ",false,true,\n"
	j := importCSV(t, a, "alice", storage.ImportFollows, storage.ImportMerge, file)
	if j.State != storage.ImportDone || j.Failed != 0 || j.Report.Counts["followed"] != 2 {
		t.Fatalf("job %+v", j)
	}
	if len(j.Report.Ignored) != 1 || !strings.Contains(j.Report.Ignored[0], "Notify on new posts (1 rows)") {
		t.Errorf("ignored = %q", j.Report.Ignored)
	}
	alice := a.LocalActor("alice")
	testrig.Eventually(t, testrig.FederationWait, "the follow of dave accepted", func() bool {
		f, err := a.App.DB().GetFollow(ctx, alice.ID, a.ActorByURI(b.Base+"/users/dave").ID)
		return err == nil && f.Accepted && f.HideReblogs
	})
}

// TestImportCommands runs the import and export commands of the real binary beside a
// running serve: flags before or after the arguments; a missing file, an unknown account
// or a bad row is a non-zero exit with a message.
func TestImportCommands(t *testing.T) {
	a := testrig.Start(t)
	a.Account("alice", false)
	a.Account("bob", false)
	a.Account("carol", false)
	dir := t.TempDir()
	file := filepath.Join(dir, "following_accounts.csv")
	content := "Account address,Show boosts,Notify on new posts,Languages\nbob@" + a.Cfg.Domain + ",false,false,\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := a.Admin("import", "follows", "alice", file)
	if code != 0 || !strings.Contains(out, "followed: 1") {
		t.Fatalf("import: %d\n%s", code, out)
	}
	code, out = a.Admin("export", "follows", "alice", "-")
	if code != 0 || out != content {
		t.Errorf("export to stdout: %d\n%q, want\n%q", code, out, content)
	}
	blocks := filepath.Join(dir, "blocked_accounts.csv")
	os.WriteFile(blocks, []byte("carol@"+a.Cfg.Domain+"\nnot an address\n"), 0o600)
	code, out = a.Admin("import", "blocks", "--overwrite", "alice", blocks)
	if code == 0 || !strings.Contains(out, "line 2") || !strings.Contains(out, "1 of 2 rows were skipped") {
		t.Errorf("import with a bad row: %d\n%s", code, out)
	}
	if _, err := a.App.DB().GetAccountBlock(context.Background(), a.LocalActor("alice").ID, a.LocalActor("carol").ID); err != nil {
		t.Errorf("carol not blocked: %v", err)
	}
	out2 := filepath.Join(dir, "out.csv")
	if code, out = a.Admin("export", "blocks", "alice", out2); code != 0 {
		t.Errorf("export to a file: %d\n%s", code, out)
	} else if b, _ := os.ReadFile(out2); string(b) != "carol@"+a.Cfg.Domain+"\n" {
		t.Errorf("exported %q", b)
	}
	for _, row := range []struct {
		name string
		args []string
		want string
	}{
		{"a missing file", []string{"import", "follows", "alice", filepath.Join(dir, "nope.csv")}, "cannot read the file"},
		{"an unknown account", []string{"import", "follows", "nobody", file}, "nobody"},
		{"a kind that is not", []string{"import", "friends", "alice", file}, "usage"},
		{"too few arguments", []string{"import", "follows", "alice"}, "takes 2 arguments"},
		{"an archive over an existing file", []string{"export", "alice", out2}, "exists already"},
		{"a CSV given as an archive", []string{"import", "archive", "alice", file}, "not a .zip or .tar.gz file"},
	} {
		if code, out := a.Admin(row.args...); code == 0 || !strings.Contains(out, row.want) {
			t.Errorf("%s: %d\n%s\nwant a failure saying %q", row.name, code, out, row.want)
		}
	}
}

// TestImportWebPage uploads a following list through /settings/import: the page shows the
// import under way (and reloads itself) while an account's server stalls, then its report.
// The export page's downloads are the CSVs.
func TestImportWebPage(t *testing.T) {
	a := testrig.Start(t, func(c *server.Config) { c.FetchTimeout = 4 * time.Second })
	a.LocalAccount("alice", "password-alice")
	a.Account("bob", false)
	stall := testrig.StartSilentListener(t)
	web := testrig.NewWebClient(t, a)
	web.SignIn("alice", "password-alice")
	file := "Account address,Show boosts,Notify on new posts,Languages\n" +
		"bob@" + a.Cfg.Domain + ",true,false,\n" +
		"someone@" + stall + ",true,false,\n" +
		"not an address,true,false,\n"
	form := url.Values{"csrf": {web.CSRF("/settings/import")}, "kind": {"follows"}, "mode": {"merge"}}
	resp, body := web.PostMultipart("/web/import", form, testrig.Upload{Field: "file", Name: "following_accounts.csv", ContentType: "text/csv", Body: []byte(file)})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/settings/import" {
		t.Fatalf("upload: %d\n%s", resp.StatusCode, body)
	}
	if _, body := web.Get("/settings/import"); !strings.Contains(body, "The import is queued") {
		t.Errorf("no notice:\n%s", body)
	}
	testrig.Eventually(t, testrig.FederationWait, "the page shows the import under way", func() bool {
		_, body := web.Get("/settings/import")
		return strings.Contains(body, "Under way: 1 of 3 rows") && strings.Contains(body, `http-equiv="refresh"`)
	})
	var page string
	testrig.Eventually(t, 3*testrig.FederationWait, "the page shows the report", func() bool {
		_, page = web.Get("/settings/import")
		return strings.Contains(page, "Done: 3 rows, 2 skipped")
	})
	for _, want := range []string{"not an account address", "could not be looked up", "followed: 1"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, `http-equiv="refresh"`) {
		t.Error("the page still reloads itself once the import ended")
	}
	// Nothing of the upload stays behind.
	if left, _ := os.ReadDir(imports.Dir(a.Cfg.Data)); len(left) != 0 {
		t.Errorf("left in the imports folder: %v", left)
	}

	resp, body = web.Get("/settings/export/follows.csv")
	if resp.StatusCode != 200 || body != exportCSV(t, a, "alice", storage.ImportFollows) ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "following_accounts.csv") {
		t.Errorf("download: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	if _, page := web.Get("/settings/export"); !strings.Contains(page, "/settings/export/lists.csv") {
		t.Errorf("export page:\n%s", page)
	}
	// A form from a page without the token stores nothing.
	form.Set("csrf", "wrong")
	if resp, _ := web.PostMultipart("/web/import", form, testrig.Upload{Field: "file", Name: "f.csv", ContentType: "text/csv", Body: []byte(file)}); resp.StatusCode != 403 {
		t.Errorf("without the right token: %d", resp.StatusCode)
	}
}
