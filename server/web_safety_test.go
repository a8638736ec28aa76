package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/storage"
)

// mutualFollows is alice on a new instance A, signed in on the web, and bob on another, B,
// following each other, with a public post of bob's ("loaf news") in alice's home.
type mutualFollows struct {
	a, b     *testrig.Instance
	c        *testrig.WebClient // alice's
	bobURI   string
	aliceURI string
	search   string // the page of bob on A, found by his handle
}

func newMutualFollows(t *testing.T) *mutualFollows {
	t.Helper()
	m := &mutualFollows{a: testrig.Start(t), b: testrig.Start(t)}
	m.a.LocalAccount("alice", "alice password")
	var bobToken string
	bobToken, m.bobURI = m.b.Account("bob", false)
	m.c = testrig.NewWebClient(t, m.a)
	m.c.SignIn("alice", "alice password")
	m.search = "/search?q=" + url.QueryEscape("@bob@"+m.b.Cfg.Domain)
	if resp, body := m.c.Post("/web/follow", url.Values{"csrf": {m.c.CSRF("/home")}, "actor": {m.bobURI}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("follow: %d\n%s", resp.StatusCode, body)
	}
	testrig.Eventually(t, 10*time.Second, "bob accepts", func() bool {
		_, page := m.c.Get(m.search)
		return strings.Contains(page, ">Unfollow<")
	})
	// bob follows alice back, so that a block has a follow of each to end.
	m.aliceURI = m.a.LocalActor("alice").URI
	if status, body, _ := m.b.Do("POST", "/users/bob/outbox", bobToken, map[string]any{"type": "Follow", "object": m.aliceURI}); status != http.StatusCreated {
		t.Fatalf("bob follows alice: %d %s", status, body)
	}
	testrig.Eventually(t, 10*time.Second, "alice accepts bob", func() bool {
		_, page := m.c.Get(m.search)
		return strings.Contains(page, "Follows you")
	})
	if status, body, _ := m.b.Do("POST", "/users/bob/outbox", bobToken, map[string]any{"type": "Note", "content": "loaf news",
		"to": "https://www.w3.org/ns/activitystreams#Public"}); status != http.StatusCreated {
		t.Fatalf("bob posts: %d %s", status, body)
	}
	testrig.Eventually(t, 10*time.Second, "bob's post in alice's home", func() bool { return strings.Contains(m.home(), "loaf news") })
	return m
}

// home is alice's home page.
func (m *mutualFollows) home() string {
	_, page := m.c.Get("/home")
	return page
}

// TestWebMuteAndBlock: from a remote account's page, alice mutes it (its posts leave her
// home timeline, and come back when she unmutes) and blocks it (her follow ends, bob's
// server is told and drops his follow of her too, and the page offers to unblock). Each
// form needs the CSRF token.
func TestWebMuteAndBlock(t *testing.T) {
	t.Parallel()
	m := newMutualFollows(t)
	b, c, bobURI, aliceURI, search, home := m.b, m.c, m.bobURI, m.aliceURI, m.search, m.home
	post := func(path string) {
		t.Helper()
		if resp, body := c.Post(path, url.Values{"csrf": {c.CSRF("/home")}, "actor": {bobURI}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
		}
	}

	if resp, _ := c.Post("/web/mute", url.Values{"actor": {bobURI}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("mute without the CSRF token: %d", resp.StatusCode)
	}
	post("/web/mute")
	if page := home(); strings.Contains(page, "loaf news") || !strings.Contains(page, "Muted: their posts") {
		t.Errorf("after the mute, alice's home:\n%s", page)
	}
	if _, page := c.Get(search); !strings.Contains(page, `action="/web/unmute"`) || strings.Contains(page, `action="/web/mute"`) {
		t.Errorf("the muted account's page offers no unmute:\n%s", page)
	}
	post("/web/unmute")
	if page := home(); !strings.Contains(page, "loaf news") || !strings.Contains(page, "Unmuted.") {
		t.Errorf("after the unmute, bob's post is still hidden, or no notice:\n%s", page)
	}

	post("/web/block")
	_, page := c.Get(search)
	if !strings.Contains(page, `action="/web/unblock"`) || strings.Contains(page, ">Unfollow<") || strings.Contains(page, "Follows you") ||
		!strings.Contains(page, "Blocked: you no longer follow each other") {
		t.Errorf("after the block, bob's page:\n%s", page)
	}
	if page := home(); strings.Contains(page, "loaf news") {
		t.Errorf("after the block, bob's post is still in alice's home")
	}
	// bob's server learns of the block and ends his follow of alice.
	bob, aliceThere := b.LocalActor("bob"), b.ActorByURI(aliceURI)
	testrig.Eventually(t, 10*time.Second, "b drops bob's follow of alice", func() bool {
		_, err := b.App.DB().GetFollow(context.Background(), bob.ID, aliceThere.ID)
		return storage.KindOf(err) == storage.NotFound
	})
	post("/web/unblock")
	if _, page := c.Get(search); strings.Contains(page, `action="/web/unblock"`) || !strings.Contains(page, `action="/web/block"`) ||
		!strings.Contains(page, "Unblocked.") {
		t.Errorf("after the unblock, bob's page:\n%s", page)
	}
}
