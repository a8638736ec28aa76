package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/server"
)

// TestKeptDocumentsFollowTheData: the documents every server asks for — NodeInfo, WebFinger,
// an actor, a note, an outbox — are kept between requests, yet each answer is as fresh as
// the data after posts, deletes, new accounts, profile changes, an account suspended
// and unsuspended, silenced and unsilenced; a followers-only note
// is never kept for others; under authorized fetch a kept actor is still refused to an
// unsigned request.
func TestKeptDocumentsFollowTheData(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	tok, alice := in.Account("alice", false)
	get := func(path string) (int, map[string]any) {
		t.Helper()
		code, body, _ := in.Do("GET", path, "", nil)
		var doc map[string]any
		if code == http.StatusOK || code == http.StatusGone {
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatalf("%s: %v %s", path, err, body)
			}
		}
		return code, doc
	}
	posts := func() float64 {
		t.Helper()
		_, doc := get("/nodeinfo/2.0")
		return doc["usage"].(map[string]any)["localPosts"].(float64)
	}
	users := func() float64 {
		t.Helper()
		_, doc := get("/nodeinfo/2.1")
		return doc["usage"].(map[string]any)["users"].(map[string]any)["total"].(float64)
	}
	finger := func(name string) int {
		t.Helper()
		code, _ := get("/.well-known/webfinger?resource=acct:" + name + "@" + in.Cfg.Domain)
		return code
	}

	// Asked twice, so that the second answer is the kept one.
	before := users() // the admin and alice
	for range 2 {
		if p, u := posts(), users(); p != 0 || u != before {
			t.Fatalf("a new instance: %v posts, %v users", p, u)
		}
		if code := finger("bob"); code != http.StatusNotFound {
			t.Fatalf("webfinger of nobody: %d", code)
		}
	}
	note := in.PostNote("alice", tok, map[string]any{"content": "one", "to": "https://www.w3.org/ns/activitystreams#Public"})
	private := in.PostNote("alice", tok, map[string]any{"content": "for followers", "to": alice + "/followers"})
	for range 2 {
		if p := posts(); p != 1 {
			t.Errorf("after a public and a followers-only post: %v posts, want 1", p)
		}
		if code, doc := get(note); code != http.StatusOK || doc["content"] != "<p>one</p>" {
			t.Errorf("the note: %d %v", code, doc)
		}
		if code, _ := get(private); code == http.StatusOK {
			t.Errorf("the followers-only note given to an anonymous reader: %d", code)
		}
		if code, doc := get(alice + "/outbox?page=true"); code != http.StatusOK || len(doc["orderedItems"].([]any)) != 1 {
			t.Errorf("alice's outbox for anonymous readers: %d %v", code, doc)
		}
	}
	// The owner sees her followers-only post in her outbox, kept answer or not.
	code, body, _ := in.Do("GET", alice+"/outbox?page=true", tok, nil)
	if code != http.StatusOK || !strings.Contains(string(body), "for followers") {
		t.Errorf("alice's outbox for alice: %d %s", code, body)
	}

	in.Account("bob", false)
	if u, code := users(), finger("bob"); u != before+1 || code != http.StatusOK {
		t.Errorf("after bob joined: %v users, webfinger %d", u, code)
	}
	in.C2S("alice", tok, map[string]any{"type": "Delete", "object": note})
	if p := posts(); p != 0 {
		t.Errorf("after the delete: %v posts", p)
	}
	if code, doc := get(note); code != http.StatusGone || doc["type"] != "Tombstone" {
		t.Errorf("the deleted note: %d %v", code, doc)
	}
	profile := testrig.Profile(in.LocalActor("alice"))
	profile.Name = "Alice Renamed"
	if _, err := in.App.Outbox().UpdateProfile(context.Background(), in.LocalActor("alice"), profile); err != nil {
		t.Fatal(err)
	}
	if _, doc := get(alice); doc["name"] != "Alice Renamed" {
		t.Errorf("the actor after her new name: %v", doc["name"])
	}

	// A suspension and its lifting are commits like any other: every kept answer follows.
	for _, suspend := range []bool{true, false} {
		set, want, page := in.App.Outbox().Suspend, before+1, http.StatusOK
		if suspend {
			want, page = before, http.StatusForbidden
		} else {
			set = in.App.Outbox().Unsuspend
		}
		if _, err := set(context.Background(), "alice"); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if u := users(); u != want {
				t.Errorf("suspended %v: %v users, want %v", suspend, u, want)
			}
			if code, doc := get("/.well-known/webfinger?resource=acct:alice@" + in.Cfg.Domain); code != http.StatusOK || doc["subject"] == nil {
				t.Errorf("suspended %v: webfinger %d %v", suspend, code, doc)
			}
			if _, doc := get(alice); (doc["suspended"] == true) != suspend || (doc["name"] == "Alice Renamed") == suspend {
				t.Errorf("suspended %v: the actor %v", suspend, doc)
			}
			if got := getPage(t, in, "/@alice", ""); got.Status != page {
				t.Errorf("suspended %v: the profile page %d, want %d", suspend, got.Status, page)
			}
		}
	}

	// So are a silence and its lifting: the kept profile page says that alice is limited,
	// then no more.
	const limited = "The moderators of this server have limited this account"
	for _, silence := range []bool{true, false} {
		set := in.App.Outbox().Unsilence
		if silence {
			set = in.App.Outbox().Silence
		}
		if _, err := set(context.Background(), in.LocalActor("alice").ID); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if got := getPage(t, in, "/@alice", ""); got.Status != http.StatusOK || strings.Contains(string(got.Body), limited) != silence {
				t.Errorf("silenced %v: the profile page %d says limited %v", silence, got.Status, !silence)
			}
		}
	}

	// Under authorized fetch a kept actor is no answer to an unsigned request.
	sealed := testrig.Start(t, func(c *server.Config) { c.AuthorizedFetch = true })
	sealedTok, carol := sealed.Account("carol", false)
	for range 2 {
		if code, _, _ := sealed.Do("GET", carol, sealedTok, nil); code != http.StatusOK {
			t.Fatalf("carol's actor for carol: %d", code)
		}
	}
	if code, _, _ := sealed.Do("GET", carol, "", nil); code != http.StatusUnauthorized {
		t.Errorf("carol's kept actor given unsigned under authorized fetch: %d", code)
	}
}
