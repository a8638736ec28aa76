package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestSuspension: a local account suspended and then unsuspended, seen over real HTTP by
// its owner (token, web session, sign-in form, OAuth approval), by anonymous readers
// (actor document, profile and note pages, collections, WebFinger, NodeInfo, the client
// API's account) and by a second instance whose account follows it, which is sent an Update
// of the actor each time and shows the account suspended, then not.
func TestSuspension(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home, peerIn := testrig.Start(t), testrig.Start(t)
	tok, alice := home.Account("alice", false)
	bobTok, _ := peerIn.Account("bob", false)
	profile := testrig.Profile(home.LocalActor("alice"))
	profile.Name, profile.Summary = "Alice A.", "my bio"
	if _, err := home.App.Outbox().UpdateProfile(ctx, home.LocalActor("alice"), profile); err != nil {
		t.Fatal(err)
	}
	note := home.PostNote("alice", tok, map[string]any{"content": "hello", "to": "https://www.w3.org/ns/activitystreams#Public"})
	peerIn.FollowRemote("bob", bobTok, home, "alice")
	session := webSignIn(t, home, "alice")
	if session.cookie == "" {
		t.Fatal("alice could not sign in before her suspension")
	}
	aliceID := strconv.FormatInt(home.LocalActor("alice").ID, 10) // the client API's id

	getJSON := func(path, token string) (int, map[string]any) {
		t.Helper()
		code, body, _ := home.Do("GET", path, token, nil)
		var doc map[string]any
		json.Unmarshal(body, &doc)
		return code, doc
	}
	users := func() float64 {
		t.Helper()
		_, doc := getJSON("/nodeinfo/2.1", "")
		return doc["usage"].(map[string]any)["users"].(map[string]any)["total"].(float64)
	}
	posts := func() float64 {
		t.Helper()
		_, doc := getJSON("/nodeinfo/2.1", "")
		return doc["usage"].(map[string]any)["localPosts"].(float64)
	}
	// How bob's instance shows alice through its client API.
	seenFromPeer := func() map[string]any {
		t.Helper()
		code, body, _ := peerIn.Do("GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape("alice@"+home.Cfg.Domain), bobTok, nil)
		var acc map[string]any
		if code != http.StatusOK || json.Unmarshal(body, &acc) != nil {
			t.Fatalf("alice seen from bob's instance: %d %s", code, body)
		}
		return acc
	}
	usersBefore, postsBefore := users(), posts()

	if _, err := home.App.Outbox().Suspend(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second answer may be a kept one
		if code, doc := getJSON("/api/v1/accounts/verify_credentials", tok); code != http.StatusForbidden || doc["error"] != "Your login is currently disabled" {
			t.Errorf("verify_credentials with a suspended account's token: %d %v", code, doc)
		}
		code, doc := getJSON(alice, "")
		if code != http.StatusOK || doc["suspended"] != true || doc["name"] != "alice" || doc["summary"] != nil ||
			doc["publicKey"] == nil || doc["inbox"] == nil {
			t.Errorf("alice's actor while suspended: %d %v", code, doc)
		}
		if code, _ := getJSON(note, ""); code != http.StatusForbidden {
			t.Errorf("alice's note as JSON while suspended: %d", code)
		}
		for _, path := range []string{alice + "/outbox?page=true", alice + "/followers", alice + "/following"} {
			if code, _ := getJSON(path, ""); code != http.StatusForbidden {
				t.Errorf("%s while suspended: %d", path, code)
			}
		}
		for _, page := range []string{"/@alice", "/users/alice", strings.TrimPrefix(note, home.Base)} {
			if got := getPage(t, home, page, ""); got.Status != http.StatusForbidden || !strings.Contains(string(got.Body), "This account is suspended") {
				t.Errorf("page %s while suspended: %d", page, got.Status)
			}
		}
		if code, doc := getJSON("/.well-known/webfinger?resource=acct:alice@"+home.Cfg.Domain, ""); code != http.StatusOK || doc["subject"] == nil {
			t.Errorf("WebFinger of a suspended account (Mastodon answers it): %d %v", code, doc)
		}
		if u, p := users(), posts(); u != usersBefore-1 || p != postsBefore {
			t.Errorf("NodeInfo while alice is suspended: %v users (want %v), %v posts (want %v, as Mastodon counts them)", u, usersBefore-1, p, postsBefore)
		}
		if code, acc := getJSON("/api/v1/accounts/"+aliceID, ""); code != http.StatusOK || acc["suspended"] != true ||
			acc["display_name"] != "" || acc["note"] != "" || acc["username"] != "alice" {
			t.Errorf("alice's account entity while suspended: %d %v", code, acc)
		}
	}
	// Her session counts as signed out, her password signs her in no more, and so she cannot
	// approve an app either; posting by the API or C2S is refused and stores nothing.
	if got := getPage(t, home, "/home", session.cookie); got.Status != http.StatusSeeOther || !strings.HasPrefix(got.Header.Get("Location"), "/signin") {
		t.Errorf("the home page with a suspended account's session: %v %s", got, got.Header.Get("Location"))
	}
	if got, cookie := trySignIn(t, home, "alice"); got.Status != http.StatusForbidden || cookie != "" ||
		!strings.Contains(string(got.Body), "This account is suspended.") {
		t.Errorf("sign-in of a suspended account with its password: %v, session %q", got, cookie)
	}
	app := registerApp(t, home, "read write", "urn:ietf:wg:oauth:2.0:oob")
	ask := url.Values{"client_id": {app.id}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"}, "scope": {"read"}, "response_type": {"code"}}
	if got := getPage(t, home, "/oauth/authorize?"+ask.Encode(), session.cookie); got.Status != http.StatusSeeOther ||
		!strings.HasPrefix(got.Header.Get("Location"), "/signin") {
		t.Errorf("the OAuth approval page with a suspended account's session: %v", got)
	}
	// The Update to bob's server is delivered (its queued row gone) before the rows are
	// counted.
	testrig.Eventually(t, testrig.FederationWait, "the Update delivered", home.QueueEmpty)
	before := home.RowCounts()
	if code, doc := getJSON("/api/v1/accounts/verify_credentials", tok); code != http.StatusForbidden {
		t.Errorf("verify_credentials: %d %v", code, doc)
	}
	if code, body, _ := home.Do("POST", "/api/v1/statuses", tok, map[string]any{"status": "still here"}); code != http.StatusForbidden ||
		!strings.Contains(string(body), "Your login is currently disabled") {
		t.Errorf("posting by the API while suspended: %d %s", code, body)
	}
	if code, body, _ := home.Do("POST", alice+"/outbox", tok, map[string]any{"type": "Note", "content": "still here",
		"to": "https://www.w3.org/ns/activitystreams#Public"}); code != http.StatusForbidden {
		t.Errorf("posting by C2S while suspended: %d %s", code, body)
	}
	if changed := countChanges(before, home.RowCounts(), nil); len(changed) > 0 {
		t.Errorf("refused requests stored: %v", changed)
	}
	testrig.Eventually(t, testrig.FederationWait, "bob's instance shows alice suspended", func() bool {
		return seenFromPeer()["suspended"] == true && peerIn.ActorByURI(alice).Suspended()
	})
	if acc := seenFromPeer(); acc["display_name"] != "" || acc["note"] != "" {
		t.Errorf("alice's profile still shown on bob's instance: %v", acc)
	}

	// Lifting it brings everything back: nothing was deleted.
	if _, err := home.App.Outbox().Unsuspend(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if code, doc := getJSON("/api/v1/accounts/verify_credentials", tok); code != http.StatusOK || doc["display_name"] != "Alice A." {
			t.Errorf("verify_credentials after unsuspending: %d %v", code, doc)
		}
		if code, doc := getJSON(alice, ""); code != http.StatusOK || doc["suspended"] != nil || doc["name"] != "Alice A." || doc["summary"] != "<p>my bio</p>" {
			t.Errorf("alice's actor after unsuspending: %d %v", code, doc)
		}
		if code, doc := getJSON(note, ""); code != http.StatusOK || doc["content"] != "<p>hello</p>" {
			t.Errorf("alice's note after unsuspending: %d %v", code, doc)
		}
		if code, doc := getJSON(alice+"/followers", ""); code != http.StatusOK || doc["totalItems"] != 1.0 {
			t.Errorf("alice's followers after unsuspending: %d %v", code, doc)
		}
		if got := getPage(t, home, "/@alice", ""); got.Status != http.StatusOK || !strings.Contains(string(got.Body), "hello") {
			t.Errorf("alice's profile page after unsuspending: %d", got.Status)
		}
		if u, p := users(), posts(); u != usersBefore || p != postsBefore {
			t.Errorf("NodeInfo after unsuspending: %v users, %v posts; want %v, %v", u, p, usersBefore, postsBefore)
		}
	}
	if got := getPage(t, home, "/home", session.cookie); got.Status != http.StatusOK {
		t.Errorf("alice's old session after unsuspending: %v", got)
	}
	if got, cookie := trySignIn(t, home, "alice"); got.Status != http.StatusSeeOther || cookie == "" {
		t.Errorf("sign-in after unsuspending: %v", got)
	}
	testrig.Eventually(t, testrig.FederationWait, "bob's instance shows alice as before", func() bool {
		acc := seenFromPeer()
		return acc["suspended"] == nil && acc["display_name"] == "Alice A." && !peerIn.ActorByURI(alice).Suspended()
	})
}
