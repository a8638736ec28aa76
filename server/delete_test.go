package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
	"refuge/outbox/media"
	"refuge/storage"
)

// TestDeleteAccount: alice on A, followed by bob on B and following him, with an avatar and
// a post with a picture, deletes her account from the edit-profile page. A wrong password
// and a form without its CSRF token are refused and change nothing. Then: she is signed out
// with a notice, her files are gone from disk, her token and password let nobody in, her
// actor answers 410 with a Tombstone, WebFinger and her pages 410, her note 410, the
// client API knows no such account, and her name cannot be taken again in any case. B is
// sent the Delete of her actor, signed with her key: her post leaves bob's home, her
// account shows as gone there and bob no longer follows her.
func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home, peerIn := testrig.Start(t), testrig.Start(t)
	tok, alice := home.Account("alice", false)
	bobTok, _ := peerIn.Account("bob", false)
	web := testrig.NewWebClient(t, home)
	web.SignIn("alice", "password-alice")
	if resp, body := web.PostMultipart("/web/profile", url.Values{"csrf": {web.CSRF("/edit_profile")}, "display_name": {"Alice"}},
		testrig.Upload{Field: "avatar", Name: "me.png", ContentType: "image/png", Body: testimage.PNG(t, testimage.Halves(120, 120))}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("alice's avatar: %d\n%s", resp.StatusCode, body)
	}
	peerIn.FollowRemote("bob", bobTok, home, "alice")
	home.FollowRemote("alice", tok, peerIn, "bob")
	resp, body := web.PostMultipart("/web/notes", url.Values{"csrf": {web.CSRF("/compose")}, "content": {"a picture for bob"},
		"language": {"en"}, "alt_1": {"two halves"}},
		testrig.Upload{Field: "media", Name: "p.jpg", ContentType: "image/jpeg", Body: testimage.JPEG(t, testimage.Halves(300, 200))})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("alice's post: %d\n%s", resp.StatusCode, body)
	}
	note := home.Base + resp.Header.Get("Location")
	testrig.Eventually(t, testrig.FederationWait, "alice's post in bob's home", func() bool {
		return testrig.FeedHas(peerIn.HomeFeed("bob", bobTok), note) == 1
	})
	mediaDir := media.Dir(home.Cfg.Data)
	files := func() []string {
		t.Helper()
		names, _ := filepath.Glob(filepath.Join(mediaDir, "*"))
		return names
	}
	if n := len(files()); n < 2 { // the avatar (and its thumbnail), the picture
		t.Fatalf("alice's uploads on disk: %d files", n)
	}
	aliceID := strconv.FormatInt(home.LocalActor("alice").ID, 10)
	testrig.Eventually(t, testrig.FederationWait, "the queue empty before counting", home.QueueEmpty)

	// Refused: a wrong password (403), and no CSRF token (403). Nothing changes.
	before := home.RowCounts()
	for _, c := range []struct {
		name string
		form url.Values
		says string
	}{
		{"wrong password", url.Values{"csrf": {web.CSRF("/edit_profile")}, "current_password": {"not her password"}}, "password is wrong"},
		{"no CSRF token", url.Values{"current_password": {"password-alice"}}, ""},
		{"a wrong CSRF token", url.Values{"csrf": {"nope"}, "current_password": {"password-alice"}}, ""},
	} {
		if resp, body := web.Post("/web/delete_account", c.form); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d\n%s", c.name, resp.StatusCode, body)
		}
	}
	if changed := countChanges(before, home.RowCounts(), nil); len(changed) > 0 {
		t.Errorf("refused deletions stored: %v", changed)
	}
	if resp, _ := web.Get("/home"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a refused deletion signed alice out: %d", resp.StatusCode)
	}

	resp, body = web.Post("/web/delete_account", url.Values{"csrf": {web.CSRF("/edit_profile")}, "current_password": {"password-alice"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("delete: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if _, page := web.Get("/"); !strings.Contains(page, "Your account is deleted") {
		t.Errorf("no notice after the deletion:\n%s", page)
	}
	if resp, _ := web.Get("/home"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("still signed in after the deletion: %d", resp.StatusCode)
	}
	if left := files(); len(left) != 0 {
		t.Errorf("alice's files left on disk: %v", left)
	}

	get := func(path, token string) (int, map[string]any) {
		t.Helper()
		code, body, _ := home.Do("GET", path, token, nil)
		var doc map[string]any
		json.Unmarshal(body, &doc)
		return code, doc
	}
	for range 2 { // the second answer may be a kept one
		if code, doc := get(alice, ""); code != http.StatusGone || doc["type"] != "Tombstone" || doc["id"] != alice {
			t.Errorf("alice's actor: %d %v", code, doc)
		}
		if code, doc := get(note, ""); code != http.StatusGone || doc["type"] != "Tombstone" {
			t.Errorf("alice's note: %d %v", code, doc)
		}
		for _, path := range []string{alice + "/outbox?page=true", alice + "/followers", alice + "/following"} {
			if code, _ := get(path, ""); code != http.StatusGone {
				t.Errorf("%s: %d", path, code)
			}
		}
		if code, doc := get("/.well-known/webfinger?resource=acct:alice@"+home.Cfg.Domain, ""); code != http.StatusGone {
			t.Errorf("WebFinger of alice: %d %v", code, doc)
		}
		for _, page := range []string{"/@alice", strings.TrimPrefix(note, home.Base)} {
			if got := getPage(t, home, page, ""); got.Status != http.StatusGone {
				t.Errorf("page %s: %d", page, got.Status)
			}
		}
		if code, doc := get("/api/v1/accounts/"+aliceID, ""); code != http.StatusNotFound || doc["error"] == nil {
			t.Errorf("alice's account by the client API: %d %v", code, doc)
		}
		if code, doc := get("/api/v1/accounts/lookup?acct=alice", ""); code != http.StatusNotFound {
			t.Errorf("alice looked up by the client API: %d %v", code, doc)
		}
		if code, doc := get("/api/v1/accounts/verify_credentials", tok); code != http.StatusUnauthorized {
			t.Errorf("alice's token: %d %v", code, doc)
		}
	}
	if resp, _ := testrig.NewWebClient(t, home).TrySignIn("alice", "password-alice", ""); resp.StatusCode == http.StatusSeeOther {
		t.Error("alice's password still signs in")
	}
	for _, name := range []string{"alice", "ALICE", "Alice"} {
		if _, err := home.App.Outbox().CreateAccount(ctx, name, "a new password", false); storage.KindOf(err) != storage.Conflict {
			t.Errorf("a new account named %s: %v, want a Conflict", name, err)
		}
	}
	if d := home.LocalActor("alice"); d.DeletedAt.IsZero() || d.Name != "" || d.IconURL != "" {
		t.Errorf("alice's row: deleted %v, name %q, avatar %q", d.DeletedAt, d.Name, d.IconURL)
	}
	if _, err := home.App.Outbox().DeleteAccount(ctx, home.LocalActor("alice")); storage.KindOf(err) != storage.Gone {
		t.Errorf("deleting alice again: %v", err)
	}

	// The Delete is Mastodon's: the actor's id with #delete, to Public, the actor as object.
	del, err := home.App.DB().GetActivityByURI(ctx, alice+"#delete")
	if err != nil {
		t.Fatal(err)
	}
	var wire map[string]any
	if err := json.Unmarshal([]byte(del.JSON), &wire); err != nil || wire["type"] != "Delete" || wire["actor"] != alice ||
		wire["object"] != alice || !strings.Contains(del.JSON, `"to":["https://www.w3.org/ns/activitystreams#Public"]`) {
		t.Errorf("the Delete sent: %v %s", err, del.JSON)
	}

	// B hears of it.
	testrig.Eventually(t, testrig.FederationWait, "alice gone on B", func() bool {
		a := peerIn.ActorByURI(alice)
		return a != nil && !a.DeletedAt.IsZero()
	})
	if testrig.FeedHas(peerIn.HomeFeed("bob", bobTok), note) != 0 {
		t.Error("alice's post is still in bob's home on B")
	}
	if code, body, _ := peerIn.Do("GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape("alice@"+home.Cfg.Domain), bobTok, nil); code != http.StatusNotFound {
		t.Errorf("alice seen from B: %d %s", code, body)
	}
	if n := peerIn.Note(note); n != nil && !n.Deleted() {
		t.Error("alice's post is not deleted on B")
	}
	if code, body, _ := peerIn.Do("GET", "/api/v1/accounts/verify_credentials", bobTok, nil); code != http.StatusOK ||
		!strings.Contains(string(body), `"following_count":0`) || !strings.Contains(string(body), `"followers_count":0`) {
		t.Errorf("bob's counts on B after alice's deletion: %d %s", code, body)
	}
	testrig.Eventually(t, testrig.FederationWait, "the Delete delivered", home.QueueEmpty)
}

// TestUserDeleteCommand: `refuge user delete`, run beside A's serve, queues the Delete that
// A's serve delivers: bob's instance B drops alice's post from his home and shows her gone.
func TestUserDeleteCommand(t *testing.T) {
	t.Parallel()
	home, peerIn := testrig.Start(t), testrig.Start(t)
	tok, alice := home.Account("alice", false)
	bobTok, _ := peerIn.Account("bob", false)
	peerIn.FollowRemote("bob", bobTok, home, "alice")
	note := home.PostNote("alice", tok, map[string]any{"content": "soon gone", "to": "https://www.w3.org/ns/activitystreams#Public"})
	testrig.Eventually(t, testrig.FederationWait, "alice's post in bob's home", func() bool {
		return testrig.FeedHas(peerIn.HomeFeed("bob", bobTok), note) == 1
	})
	code, out := home.Admin("user", "delete", "alice")
	if code != 0 || !strings.Contains(out, "1 post tombstoned") || !strings.Contains(out, "1 follow ended") ||
		!strings.Contains(out, "Delete queued for 1 inbox;") {
		t.Fatalf("user delete: %d %s", code, out)
	}
	testrig.Eventually(t, testrig.FederationWait, "alice gone on B", func() bool {
		a := peerIn.ActorByURI(alice)
		return a != nil && !a.DeletedAt.IsZero()
	})
	if testrig.FeedHas(peerIn.HomeFeed("bob", bobTok), note) != 0 {
		t.Error("alice's post is still in bob's home on B")
	}
	if code, out := home.Admin("user", "delete", "alice"); code != 1 || !strings.Contains(out, "already deleted") {
		t.Errorf("user delete again: %d %s", code, out)
	}
}
