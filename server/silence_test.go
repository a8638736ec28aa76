package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/outbox"
	"refuge/storage"
)

// TestSilencedServerAcrossInstances: A's admin silences B from the domain blocks page, with
// a public reason. Nothing from B is refused: gus's posts still arrive, and bob, who
// follows him, still sees them in his home and in the public timeline, and gets his
// mention. alice, who does not follow gus, no longer sees his posts in the public
// timeline or under their hashtag, nor his mention in her notifications; the client API
// says gus is limited, and A's public list of blocked servers names B with its reason.
// Lifting the block gives alice everything back.
func TestSilencedServerAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := a.Account("bob", false)
	if _, err := a.App.Outbox().CreateAccount(ctx, "root", "password-root", true); err != nil {
		t.Fatal(err)
	}
	gusTok, gusURI := b.Account("gus", false)
	a.FollowRemote("bob", bobTok, b, "gus")
	post := func(text string) string {
		t.Helper()
		uri := b.PostNote("gus", gusTok, map[string]any{"content": text + " @alice@" + a.Cfg.Domain + " @bob@" + a.Cfg.Domain + " #quiet",
			"to": "https://www.w3.org/ns/activitystreams#Public"})
		testrig.Eventually(t, testrig.FederationWait, "gus's post on A", func() bool {
			_, err := a.App.DB().GetNoteByURI(ctx, uri)
			return err == nil
		})
		return uri
	}
	first := post("first")

	// statusURIs is the URIs of the statuses at path, as token reads them.
	statusURIs := func(path, token string) string {
		t.Helper()
		code, body, _ := a.Do("GET", path, token, nil)
		var list []struct {
			URI    string                `json:"uri"`
			Status *struct{ URI string } `json:"status"` // a notification's
		}
		if code != http.StatusOK || json.Unmarshal(body, &list) != nil {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		var uris []string
		for _, s := range list {
			if s.Status != nil {
				s.URI = s.Status.URI // a notification
			}
			uris = append(uris, s.URI)
		}
		return strings.Join(uris, " ")
	}
	places := []struct {
		name, path, token string
		follower          bool
	}{
		{"alice's public timeline", "/api/v1/timelines/public", aliceTok, false},
		{"the anonymous public timeline", "/api/v1/timelines/public", "", false},
		{"alice's hashtag timeline", "/api/v1/timelines/tag/quiet", aliceTok, false},
		{"alice's mentions", "/api/v1/notifications?types[]=mention", aliceTok, false},
		{"bob's public timeline", "/api/v1/timelines/public", bobTok, true},
		{"bob's hashtag timeline", "/api/v1/timelines/tag/quiet", bobTok, true},
		{"bob's home", "/api/v1/timelines/home", bobTok, true},
		{"bob's mentions", "/api/v1/notifications?types[]=mention", bobTok, true},
	}
	check := func(t *testing.T, silenced bool, uris ...string) {
		t.Helper()
		for _, p := range places {
			for _, uri := range uris {
				want := !silenced || p.follower
				testrig.Eventually(t, testrig.FederationWait, fmt.Sprintf("%s in %s: %v", uri, p.name, want), func() bool {
					return strings.Contains(statusURIs(p.path, p.token), uri) == want
				})
			}
		}
		code, body, _ := a.Do("GET", "/api/v1/accounts/lookup?acct=gus@"+b.Cfg.Domain, aliceTok, nil)
		var acc map[string]any
		if code != http.StatusOK || json.Unmarshal(body, &acc) != nil || (acc["limited"] == true) != silenced {
			t.Errorf("gus on A, silenced %v: %d %s", silenced, code, body)
		}
	}
	t.Run("before", func(t *testing.T) { check(t, false, first) })

	root := testrig.NewWebClient(t, a)
	root.SignIn("root", "password-root")
	form := url.Values{"target": {b.Cfg.Domain}, "severity": {"silence"}, "public_comment": {"too noisy"},
		"private_comment": {"see the reports"}}
	if resp, _ := root.Post("/admin/domain_blocks/add", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("silence without the CSRF token: %d", resp.StatusCode)
	}
	form.Set("csrf", root.CSRF("/admin/domain_blocks"))
	if resp, body := root.Post("/admin/domain_blocks/add", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("silence B: %d\n%s", resp.StatusCode, body)
	}
	_, page := root.Get("/admin/domain_blocks")
	for _, want := range []string{"<code>" + b.Cfg.Domain + "</code>: silenced", "too noisy", "see the reports", "every account there is treated as silenced"} {
		if !strings.Contains(page, want) {
			t.Errorf("the domain blocks page has no %q:\n%s", want, page)
		}
	}
	code, body, _ := a.Do("GET", "/api/v1/instance/domain_blocks", "", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"domain":"`+b.Cfg.Domain+`"`) ||
		!strings.Contains(string(body), `"severity":"silence","comment":"too noisy"`) || strings.Contains(string(body), "see the reports") {
		t.Errorf("the public list of blocked servers: %d %s", code, body)
	}

	second := post("second") // a silence refuses nothing
	t.Run("silenced", func(t *testing.T) { check(t, true, first, second) })
	if gus := a.ActorByURI(gusURI); !gus.Limited() || !gus.SilencedAt.IsZero() {
		t.Errorf("gus on A: limited %v, silenced on his own at %v", gus.Limited(), gus.SilencedAt)
	}

	form = url.Values{"target": {b.Cfg.Domain}, "csrf": {root.CSRF("/admin/domain_blocks")}}
	if resp, body := root.Post("/admin/domain_blocks/remove", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("lift the silence: %d\n%s", resp.StatusCode, body)
	}
	t.Run("lifted", func(t *testing.T) { check(t, false, first, second) })
}

// TestAdminSilencesAccounts: an admin silences a local account from the accounts page and
// a remote one from a report; both are listed as silenced there, with a form to lift each;
// the silenced local account's profile tells visitors and non-followers that it is limited,
// and not its followers; silencing twice is a conflict; lifting the silence ends it all.
func TestAdminSilencesAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t)
	in.LocalAccount("alice", "password-alice")
	bobTok, _ := in.Account("bob", false)
	in.FollowRemote("bob", bobTok, in, "alice")
	in.Account("carol", false)
	if _, err := in.App.Outbox().CreateAccount(ctx, "root", "password-root", true); err != nil {
		t.Fatal(err)
	}
	eve := in.App.DB()
	gus := &storage.Actor{URI: "https://remote.example/users/gus", Type: "Person", Username: "gus", Host: "remote.example",
		Inbox: "https://remote.example/users/gus/inbox", KeyID: "https://remote.example/users/gus#main-key"}
	if err := eve.Update(ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(ctx, gus) }); err != nil {
		t.Fatal(err)
	}
	rep, err := in.App.Outbox().Report(ctx, in.LocalActor("carol"), outbox.ReportInput{TargetID: gus.ID, Comment: "noise"})
	if err != nil {
		t.Fatal(err)
	}
	alice := in.LocalActor("alice")

	root := testrig.NewWebClient(t, in)
	root.SignIn("root", "password-root")
	postAs := func(path string, want int) {
		t.Helper()
		if resp, body := root.Post(path, url.Values{"csrf": {root.CSRF("/admin/accounts")}}); resp.StatusCode != want {
			t.Fatalf("%s: %d, want %d\n%s", path, resp.StatusCode, want, body)
		}
	}
	_, page := root.Get("/admin/reports")
	if want := fmt.Sprintf(`action="/admin/reports/%d/silence"`, rep.ID); !strings.Contains(page, want) {
		t.Errorf("the reports page has no %s", want)
	}
	postAs(fmt.Sprintf("/admin/reports/%d/silence", rep.ID), http.StatusSeeOther)
	postAs("/admin/accounts/alice/silence", http.StatusSeeOther)
	postAs("/admin/accounts/alice/silence", http.StatusConflict)

	_, page = root.Get("/admin/accounts")
	for _, want := range []string{`action="/admin/accounts/alice/unsilence"`, "Active, silenced",
		fmt.Sprintf(`action="/admin/silenced/%d/unsilence"`, alice.ID), fmt.Sprintf(`action="/admin/silenced/%d/unsilence"`, gus.ID),
		"gus@remote.example"} {
		if !strings.Contains(page, want) {
			t.Errorf("the accounts page has no %q:\n%s", want, page)
		}
	}
	if got := in.ActorByURI(gus.URI); !got.Limited() {
		t.Error("gus is not silenced after the report")
	}
	if r, err := eve.GetReport(ctx, rep.ID); err != nil || r.Resolution != storage.ReportSilenced {
		t.Errorf("the report: %+v %v", r, err)
	}

	const notice = "The moderators of this server have limited this account"
	bob := testrig.NewWebClient(t, in)
	bob.SignIn("bob", "password-bob")
	carol := testrig.NewWebClient(t, in)
	carol.SignIn("carol", "password-carol")
	self := testrig.NewWebClient(t, in)
	self.SignIn("alice", "password-alice")
	readers := []struct {
		name     string
		get      func() string
		notified bool // told that alice is limited while she is
	}{
		{"a visitor", func() string { return string(getPage(t, in, "/@alice", "").Body) }, true},
		{"carol, who does not follow her", func() string { _, p := carol.Get("/@alice"); return p }, true},
		{"bob, her follower", func() string { _, p := bob.Get("/@alice"); return p }, false},
		{"alice herself", func() string { _, p := self.Get("/@alice"); return p }, false},
	}
	for _, r := range readers {
		if got := strings.Contains(r.get(), notice); got != r.notified {
			t.Errorf("silenced: %s told %v, want %v", r.name, got, r.notified)
		}
	}

	postAs("/admin/accounts/alice/unsilence", http.StatusSeeOther)
	postAs(fmt.Sprintf("/admin/silenced/%d/unsilence", gus.ID), http.StatusSeeOther)
	postAs(fmt.Sprintf("/admin/silenced/%d/unsilence", gus.ID), http.StatusConflict)
	postAs("/admin/silenced/999999/unsilence", http.StatusNotFound)
	if _, page = root.Get("/admin/accounts"); !strings.Contains(page, "No account is silenced.") {
		t.Errorf("the accounts page after lifting:\n%s", page)
	}
	for _, r := range readers {
		if strings.Contains(r.get(), notice) {
			t.Errorf("lifted: %s is still told", r.name)
		}
	}
}
