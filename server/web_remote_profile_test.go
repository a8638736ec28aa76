package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/storage"
)

// TestRemoteProfilePage: another server's account shown on this one at /@user@host. A
// signed-in reader sees its profile and, after the outbox was read in the background, the
// public posts it made before anyone here followed it (never its followers-only ones), and
// follows it from there; an unknown account is looked up, one that cannot be found is a
// 404 saying why; a visitor is sent to the account's own profile, and a local handle to the
// local profile.
func TestRemoteProfilePage(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	a.LocalAccount("alice", "alice password")
	bobToken, bobURI, bob := namedAccount(t, b, "bob", "Bob Baker", "Bakes bread.")
	b.PostNote("bob", bobToken, map[string]any{"content": "sourdough at dawn", "to": []string{"https://www.w3.org/ns/activitystreams#Public"}})
	b.PostNote("bob", bobToken, map[string]any{"content": "rye for friends only", "to": []string{bobURI + "/followers"}})
	b.PostNote("bob", bobToken, map[string]any{"content": "baguettes are out", "to": []string{"https://www.w3.org/ns/activitystreams#Public"}})

	page := uris.RemoteProfile("bob", b.Cfg.Domain)
	visitor := testrig.NewWebClient(t, a)
	if resp, body := visitor.Get(page); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "not known here") {
		t.Errorf("a visitor asking for an account not known here: %d, want 404 with a reason", resp.StatusCode)
	}
	if _, err := a.App.DB().GetActorByURI(context.Background(), bobURI); err == nil {
		t.Fatal("a visitor's request made the server fetch bob")
	}

	c := testrig.NewWebClient(t, a)
	c.SignIn("alice", "alice password")
	rows := []struct {
		name     string
		client   *testrig.WebClient
		path     string
		status   int
		location string
		want     []string
		dontWant []string
	}{
		{name: "an unknown account is looked up on its server and shown", client: c, path: page, status: 200,
			want: []string{">Bob Baker</h1>", "@bob@" + b.Cfg.Domain, "Bakes bread.", "Open original profile", `href="` + b.Base + `/@bob"`,
				`action="/web/follow"`, `name="actor" value="` + bobURI + `"`, `action="/web/mute"`, `action="/web/block"`}},
		{name: "an account its server does not know is a 404 saying why", client: c, path: uris.RemoteProfile("nobody", b.Cfg.Domain),
			status: 404, want: []string{"could not be found"}},
		{name: "a server that is not there is a 404 saying why", client: c, path: uris.RemoteProfile("bob", "127.0.0.1:9"),
			status: 404, want: []string{"could not be found"}},
		{name: "a local handle goes to the local profile", client: c, path: uris.RemoteProfile("alice", a.Cfg.Domain),
			status: 302, location: "/@alice"},
		{name: "a visitor is sent to the account's own profile", client: visitor, path: page, status: 302,
			location: b.Base + "/@bob"},
		{name: "the local profile routes are not taken", client: visitor, path: "/@alice", status: 200, want: []string{"@alice"}},
		{name: "nor the local feeds", client: visitor, path: "/@alice.rss", status: 200, want: []string{"<rss"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			resp, body := row.client.Get(row.path)
			if resp.StatusCode != row.status {
				t.Fatalf("%s: %d, want %d\n%s", row.path, resp.StatusCode, row.status, body)
			}
			if row.location != "" && resp.Header.Get("Location") != row.location {
				t.Errorf("sent to %q, want %q", resp.Header.Get("Location"), row.location)
			}
			for _, w := range row.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range row.dontWant {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}

	// The posts bob made before anyone here followed him arrive from his outbox.
	var body string
	testrig.Eventually(t, testrig.FederationWait, "bob's earlier posts on his page here", func() bool {
		_, body = c.Get(page)
		return strings.Contains(body, "sourdough at dawn") && strings.Contains(body, "baguettes are out")
	})
	if strings.Contains(body, "rye for friends only") {
		t.Error("a followers-only post was taken from the outbox")
	}
	if strings.Index(body, "baguettes are out") > strings.Index(body, "sourdough at dawn") {
		t.Error("the posts are not newest first")
	}

	// Follow him from his page: b records the follower, and the page offers Unfollow.
	resp, _ := c.Post("/web/follow", url.Values{"csrf": {c.CSRF(page)}, "actor": {bobURI}}, "Referer", a.Base+page)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("follow from the page: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	testrig.Eventually(t, testrig.FederationWait, "b records alice as bob's follower", func() bool {
		n, _, err := b.App.DB().CountFollows(context.Background(), bob.ID)
		return err == nil && n == 1
	})
	testrig.Eventually(t, testrig.FederationWait, "the page offers Unfollow", func() bool {
		_, body := c.Get(page)
		return strings.Contains(body, ">Unfollow<")
	})
}

// TestWebSearch: the search page finds accounts by part of a name (local and known remote),
// hashtags and a post by its address, each kind in its section, with the client API's
// search; an empty query shows the form only, and a query that finds nothing says so.
func TestWebSearch(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	a.LocalAccount("alice", "alice password")
	carolToken, _ := a.Account("carol", false)
	bobToken, _, _ := namedAccount(t, b, "bob", "Bob Baker", "")
	a.PostNote("carol", carolToken, map[string]any{"content": "loaves #breadmaking", "to": []string{"https://www.w3.org/ns/activitystreams#Public"},
		"tag": []map[string]any{{"type": "Hashtag", "name": "#breadmaking"}}})
	bobNote := b.PostNote("bob", bobToken, map[string]any{"content": "crumb shot", "to": []string{"https://www.w3.org/ns/activitystreams#Public"}})
	c := testrig.NewWebClient(t, a)
	c.SignIn("alice", "alice password")

	rows := []struct {
		name     string
		q        string
		want     []string
		dontWant []string
	}{
		{"an empty query shows the form only", "", []string{`name="q"`}, []string{"Nothing found", "found-accounts"}},
		{"a full handle of an unknown account looks it up", "@bob@" + b.Cfg.Domain,
			[]string{`<h2 id="found-accounts">Accounts</h2>`, `href="` + uris.RemoteProfile("bob", b.Cfg.Domain) + `"`, `action="/web/follow"`}, nil},
		{"part of a known remote account's name finds it", "bak",
			[]string{`href="` + uris.RemoteProfile("bob", b.Cfg.Domain) + `"`, "Bob Baker"}, []string{"Nothing found"}},
		{"part of a local name finds it", "car", []string{`href="` + a.Base + `/@carol"`}, nil},
		{"a hashtag", "#bread", []string{`<h2 id="found-tags">Hashtags</h2>`, `href="/tags/breadmaking"`}, nil},
		{"a post by its address", bobNote, []string{`<h2 id="found-posts">Posts</h2>`, "crumb shot"}, nil},
		{"nothing", "zzzzqqq", []string{"Nothing found"}, []string{"found-accounts", "found-tags", "found-posts"}},
		{"a handle on a server that is not there says so", "@bob@127.0.0.1:9", []string{"Could not look that up", "Nothing found"}, nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			resp, body := c.Get("/search?q=" + url.QueryEscape(row.q))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("search %q: %d", row.q, resp.StatusCode)
			}
			for _, w := range row.want {
				if !strings.Contains(body, w) {
					t.Errorf("search %q lacks %q", row.q, w)
				}
			}
			for _, w := range row.dontWant {
				if strings.Contains(body, w) {
					t.Errorf("search %q has %q", row.q, w)
				}
			}
		})
	}
}

// namedAccount makes the account name on in with a display name and bio, and returns its
// API token, actor id and actor.
func namedAccount(t *testing.T, in *testrig.Instance, name, display, bio string) (token, uri string, a *storage.Actor) {
	t.Helper()
	token, uri = in.Account(name, false)
	a = in.LocalActor(name)
	p := testrig.Profile(a)
	p.Name, p.Summary = display, bio
	a, err := in.App.Outbox().UpdateProfile(context.Background(), a, p)
	if err != nil {
		t.Fatal(err)
	}
	return token, uri, a
}
