package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/outbox"
	"refuge/storage"
)

// TestReportForwardedAndResolved: alice on A reports a post of bob on B from the web and
// asks for the report to be forwarded. A keeps it in its admins' queue and sends a Flag
// from its instance actor to B, where it lands in B's queue, reported by A's server and
// naming bob's post. A non-admin on B is refused the queue; B's admin sees the report there
// and resolves it by suspending bob, with the page's form, which needs the CSRF token.
func TestReportForwardedAndResolved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testrig.Start(t), testrig.Start(t)
	a.LocalAccount("alice", "alice password")
	aliceTok, err := a.App.Outbox().NewToken(ctx, a.LocalActor("alice"), "api")
	if err != nil {
		t.Fatal(err)
	}
	bobTok, _ := b.Account("bob", false)
	a.FollowRemote("alice", aliceTok, b, "bob")
	noteURI := b.PostNote("bob", bobTok, map[string]any{"content": "cheap pills here",
		"to": "https://www.w3.org/ns/activitystreams#Public"})
	var noteHere *storage.Note
	testrig.Eventually(t, testrig.FederationWait, "bob's post on A", func() bool {
		noteHere, err = a.App.DB().GetNoteByURI(ctx, noteURI)
		return err == nil
	})

	alice := testrig.NewWebClient(t, a)
	alice.SignIn("alice", "alice password")
	form := url.Values{"note": {fmt.Sprint(noteHere.ID)}, "comment": {"selling pills"}, "forward": {"1"}, "category": {"spam"}}
	if resp, _ := alice.Post("/web/report", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("report without the CSRF token: %d", resp.StatusCode)
	}
	form.Set("csrf", alice.CSRF("/home"))
	if resp, body := alice.Post("/web/report", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("report: %d\n%s", resp.StatusCode, body)
	}
	mine, err := a.App.DB().ListReports(ctx, storage.ReportQuery{})
	if err != nil || len(mine) != 1 {
		t.Fatalf("A's reports: %v %v", mine, err)
	}
	if r := mine[0]; r.ReporterID != a.LocalActor("alice").ID || !r.Forward || r.URI == "" || len(r.NoteIDs) != 1 || r.Category != "spam" {
		t.Errorf("A's report: %+v", r)
	}

	bob := b.LocalActor("bob")
	var theirs []*storage.Report
	testrig.Eventually(t, testrig.FederationWait, "the Flag in B's queue", func() bool {
		theirs, err = b.App.DB().ListReports(ctx, storage.ReportQuery{})
		return err == nil && len(theirs) == 1
	})
	r := theirs[0]
	reporter, err := b.App.DB().GetActorByID(ctx, r.ReporterID)
	if err != nil {
		t.Fatal(err)
	}
	bobNote, err := b.App.DB().GetNoteByURI(ctx, noteURI)
	if err != nil {
		t.Fatal(err)
	}
	if r.TargetID != bob.ID || r.Comment != "selling pills" || r.URI != mine[0].URI || len(r.NoteIDs) != 1 ||
		r.NoteIDs[0] != bobNote.ID || reporter.Host != a.Cfg.Domain || reporter.Username == "alice" {
		t.Errorf("B's report: %+v, by %s", r, reporter.URI)
	}

	// A non-admin of B may neither see the queue nor act on it.
	b.LocalAccount("carol", "carol password")
	carol := testrig.NewWebClient(t, b)
	carol.SignIn("carol", "carol password")
	if resp, _ := carol.Get("/admin/reports"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("carol's GET /admin/reports: %d", resp.StatusCode)
	}
	action := fmt.Sprintf("/admin/reports/%d/suspend", r.ID)
	if resp, _ := carol.Post(action, url.Values{"csrf": {carol.CSRF("/home")}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("carol's suspend: %d", resp.StatusCode)
	}

	if _, err := b.App.Outbox().CreateAccount(ctx, "boss", "boss password", true); err != nil {
		t.Fatal(err)
	}
	boss := testrig.NewWebClient(t, b)
	boss.SignIn("boss", "boss password")
	_, page := boss.Get("/admin/reports")
	for _, want := range []string{"selling pills", "cheap pills here", `action="` + action + `"`, `href="/admin/reports"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the queue has no %q:\n%s", want, page)
		}
	}
	if resp, _ := boss.Post(action, url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("suspend without the CSRF token: %d", resp.StatusCode)
	}
	if resp, body := boss.Post(action, url.Values{"csrf": {boss.CSRF("/admin/reports")}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend: %d\n%s", resp.StatusCode, body)
	}
	if got := b.ActorByURI(bob.URI); !got.Suspended() {
		t.Error("bob is not suspended")
	}
	done, err := b.App.DB().GetReport(ctx, r.ID)
	if err != nil || done.Open() || done.Resolution != storage.ReportSuspended || done.ResolvedByID != b.LocalActor("boss").ID {
		t.Errorf("the report after the suspension: %+v %v", done, err)
	}
	if _, page := boss.Get("/admin/reports"); !strings.Contains(page, "No open reports") {
		t.Errorf("the queue after:\n%s", page)
	}
	if resp, _ := boss.Post(action, url.Values{"csrf": {boss.CSRF("/admin/reports")}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("resolving again: %d", resp.StatusCode)
	}
}

// TestResolveReports: an admin resolves reports from the queue's forms in each way: delete
// the reported posts (a local one, and a remote one removed here), dismiss (nothing else
// happens), and suspend a remote account, which blocks it on this instance.
func TestResolveReports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t)
	aliceTok, alice := in.Account("alice", false)
	in.Account("mal", false)
	if _, err := in.App.Outbox().CreateAccount(ctx, "root", "password-root", true); err != nil {
		t.Fatal(err)
	}
	k1, _ := peer.Keys()
	p := peer.New(t, "127.0.0.1:0", "")
	eve := p.Actor("eve", k1)
	p.Doc("/users/eve", eve.Doc())
	remote := eve.Note("<p>remote spam</p>", "https://www.w3.org/ns/activitystreams#Public")
	remote["cc"] = []string{alice}
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Create", remote, "to", remote["to"], "cc", remote["cc"]))
	localURI := in.PostNote("alice", aliceTok, map[string]any{"content": "local spam", "to": "https://www.w3.org/ns/activitystreams#Public"})

	db, mal := in.App.DB(), in.LocalActor("mal")
	note := func(uri string) *storage.Note {
		t.Helper()
		n, err := db.GetNoteByURI(ctx, uri)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	eveHere := in.ActorByURI(eve.URI)
	file := func(target *storage.Actor, notes ...*storage.Note) int64 {
		t.Helper()
		r := outbox.ReportInput{TargetID: target.ID}
		for _, n := range notes {
			r.NoteIDs = append(r.NoteIDs, n.ID)
		}
		rep, err := in.App.Outbox().Report(ctx, mal, r)
		if err != nil {
			t.Fatal(err)
		}
		return rep.ID
	}
	root := testrig.NewWebClient(t, in)
	root.SignIn("root", "password-root")
	resolve := func(id int64, action string, want storage.ReportResolution) {
		t.Helper()
		path := fmt.Sprintf("/admin/reports/%d/%s", id, action)
		if resp, body := root.Post(path, url.Values{"csrf": {root.CSRF("/admin/reports")}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
		}
		if r, err := db.GetReport(ctx, id); err != nil || r.Resolution != want {
			t.Errorf("%s: %+v %v", path, r, err)
		}
	}

	resolve(file(in.LocalActor("alice"), note(localURI)), "delete", storage.ReportNotesDeleted)
	if !note(localURI).Deleted() {
		t.Error("alice's reported post is not deleted")
	}
	resolve(file(eveHere, note(remote["id"].(string))), "delete", storage.ReportNotesDeleted)
	if !note(remote["id"].(string)).Deleted() {
		t.Error("eve's reported post is not removed")
	}
	resolve(file(in.LocalActor("alice")), "dismiss", storage.ReportDismissed)
	if in.LocalActor("alice").Suspended() {
		t.Error("a dismissed report suspended alice")
	}
	resolve(file(eveHere), "suspend", storage.ReportSuspended)
	if blocked, err := db.IsBlocked(ctx, eve.URI); err != nil || !blocked {
		t.Errorf("eve is not blocked: %v", err)
	}
}
