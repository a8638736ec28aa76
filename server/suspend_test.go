package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
)

// TestSuspension: a local account suspended and then unsuspended, seen over real HTTP by
// its owner (token, web session, sign-in form, OAuth approval), by anonymous readers
// (actor document, profile and note pages, collections, WebFinger, NodeInfo, the client
// API's account, the local timeline and front page) and by a second instance whose account
// follows it, which is sent an Update of the actor each time and shows the account
// suspended, its posts out of the follower's home feed, then all of it back.
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
	later := home.PostNote("alice", tok, map[string]any{"content": "for bob too", "to": "https://www.w3.org/ns/activitystreams#Public"})
	testrig.Eventually(t, testrig.FederationWait, "alice's post in bob's home feed", func() bool {
		return testrig.FeedHas(peerIn.HomeFeed("bob", bobTok), later) == 1
	})
	// Where her posts are listed: bob's home feed on his instance, and her own instance's
	// local timeline (by the client API and on the front page).
	listed := func() (inBobsFeed, inLocalTimeline, onFrontPage bool) {
		t.Helper()
		inBobsFeed = testrig.FeedHas(peerIn.HomeFeed("bob", bobTok), later) == 1
		_, body, _ := home.Do("GET", "/api/v1/timelines/public?local=true", "", nil)
		inLocalTimeline = strings.Contains(string(body), later)
		onFrontPage = strings.Contains(string(getPage(t, home, "/", "").Body), "for bob too")
		return
	}
	if a, b, c := listed(); !a || !b || !c {
		t.Fatalf("before: alice's post in bob's feed %v, the local timeline %v, the front page %v", a, b, c)
	}
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
		if got := getPage(t, home, "/@alice.rss", ""); got.Status != http.StatusForbidden || strings.Contains(string(got.Body), "hello") {
			t.Errorf("alice's RSS feed while suspended: %d", got.Status)
		}
		if _, doc := getJSON("/api/v1/instance", ""); doc["stats"].(map[string]any)["user_count"] != usersBefore-1 {
			t.Errorf("the instance's user_count while alice is suspended: %v", doc["stats"])
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
	if a, b, c := listed(); a || b || c {
		t.Errorf("while suspended: alice's post in bob's feed %v, the local timeline %v, the front page %v", a, b, c)
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
		if got := getPage(t, home, "/@alice.rss", ""); got.Status != http.StatusOK || !strings.Contains(string(got.Body), "hello") {
			t.Errorf("alice's RSS feed after unsuspending: %d", got.Status)
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
	if a, b, c := listed(); !a || !b || !c {
		t.Errorf("after: alice's post in bob's feed %v, the local timeline %v, the front page %v", a, b, c)
	}
}

// TestSuspendByCommandWhileServing: `refuge user suspend` run beside a serving instance (the
// admin's usual way) takes effect at once for the account's token and session, which are
// read afresh on every request, and `user unsuspend` gives them back.
func TestSuspendByCommandWhileServing(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	tok, _ := in.Account("alice", false)
	sess := webSignIn(t, in, "alice")
	// What the serve keeps between requests follows the command's write too, though no
	// write of its own tells it: each is asked twice first, so that it is kept.
	users := func() float64 {
		_, body, _ := in.Do("GET", "/nodeinfo/2.1", "", nil)
		var doc struct {
			Usage struct{ Users struct{ Total float64 } }
		}
		json.Unmarshal(body, &doc)
		return doc.Usage.Users.Total
	}
	suspended := func() bool {
		_, body, _ := in.Do("GET", "/users/alice", "", nil)
		return strings.Contains(string(body), `"suspended":true`)
	}
	for _, c := range []struct {
		verb, said string
		api, page  int
		users      float64
	}{
		{"suspend", "suspended alice@", http.StatusForbidden, http.StatusSeeOther, -1},
		{"unsuspend", "unsuspended alice@", http.StatusOK, http.StatusOK, +1},
	} {
		before, was := users(), suspended()
		users()
		suspended()
		if code, out := in.Admin("user", c.verb, "alice"); code != 0 || !strings.Contains(out, c.said) {
			t.Fatalf("user %s alice: %d %s", c.verb, code, out)
		}
		// A quarter of a second on an idle machine (TestOtherProcessesCommitsSeen holds
		// the watch that makes it so); the bound leaves room for a loaded one.
		testrig.Eventually(t, 5*time.Second, "NodeInfo and the actor document after user "+c.verb, func() bool {
			return users() == before+c.users && suspended() != was
		})
		if code, body, _ := in.Do("GET", "/api/v1/accounts/verify_credentials", tok, nil); code != c.api {
			t.Errorf("after %s: verify_credentials %d %s", c.verb, code, body)
		}
		if got := getPage(t, in, "/home", sess.cookie); got.Status != c.page {
			t.Errorf("after %s: the home page with her session %v", c.verb, got)
		}
	}
	if code, out := in.Admin("user", "suspend", "nobody"); code != 1 || !strings.Contains(out, "there is no account nobody here") {
		t.Errorf("user suspend nobody: %d %s", code, out)
	}
}
