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

// TestWebMuteAndBlock: from a remote account's page, alice mutes it (its posts leave her
// home timeline, and come back when she unmutes) and blocks it (her follow ends, bob's
// server is told and drops his follow of her too, and the page offers to unblock). Each
// form needs the CSRF token.
func TestWebMuteAndBlock(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	a.LocalAccount("alice", "alice password")
	bobToken, bobURI := b.Account("bob", false)
	c := testrig.NewWebClient(t, a)
	c.SignIn("alice", "alice password")
	search := "/search?q=" + url.QueryEscape("@bob@"+b.Cfg.Domain)
	post := func(path string) {
		t.Helper()
		if resp, body := c.Post(path, url.Values{"csrf": {c.CSRF("/home")}, "actor": {bobURI}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
		}
	}
	post("/web/follow")
	testrig.Eventually(t, 10*time.Second, "bob accepts", func() bool {
		_, page := c.Get(search)
		return strings.Contains(page, ">Unfollow<")
	})
	// bob follows alice back, so that the block has a follow of each to end.
	aliceURI := a.LocalActor("alice").URI
	if status, body, _ := b.Do("POST", "/users/bob/outbox", bobToken, map[string]any{"type": "Follow", "object": aliceURI}); status != http.StatusCreated {
		t.Fatalf("bob follows alice: %d %s", status, body)
	}
	testrig.Eventually(t, 10*time.Second, "alice accepts bob", func() bool {
		_, page := c.Get(search)
		return strings.Contains(page, "Follows you")
	})
	if status, body, _ := b.Do("POST", "/users/bob/outbox", bobToken, map[string]any{"type": "Note", "content": "loaf news",
		"to": "https://www.w3.org/ns/activitystreams#Public"}); status != http.StatusCreated {
		t.Fatalf("bob posts: %d %s", status, body)
	}
	home := func() string {
		_, page := c.Get("/home")
		return page
	}
	testrig.Eventually(t, 10*time.Second, "bob's post in alice's home", func() bool { return strings.Contains(home(), "loaf news") })

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
	if page := home(); !strings.Contains(page, "loaf news") {
		t.Errorf("after the unmute, bob's post is still hidden")
	}

	post("/web/block")
	_, page := c.Get(search)
	if !strings.Contains(page, `action="/web/unblock"`) || strings.Contains(page, ">Unfollow<") || strings.Contains(page, "Follows you") {
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
	if _, page := c.Get(search); strings.Contains(page, `action="/web/unblock"`) || !strings.Contains(page, `action="/web/block"`) {
		t.Errorf("after the unblock, bob's page:\n%s", page)
	}
}
