package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
)

// TestFollowAndPostAcrossInstances: bob on one instance follows alice on another, alice
// posts, and the post lands in bob's home feed.
func TestFollowAndPostAcrossInstances(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, alice := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)

	status, body, _ := b.Do("POST", "/users/bob/outbox", bobTok, map[string]any{"type": "Follow", "object": alice})
	if status != http.StatusCreated {
		t.Fatalf("follow: %d %s", status, body)
	}
	testrig.Eventually(t, 10*time.Second, "alice has bob as follower", func() bool {
		_, body, _ := a.Do("GET", "/users/alice/followers", "", nil)
		return strings.Contains(string(body), `"totalItems":1`)
	})
	testrig.Eventually(t, 10*time.Second, "bob's follow accepted", func() bool {
		_, body, _ := b.Do("GET", "/users/bob/following", "", nil)
		return strings.Contains(string(body), `"totalItems":1`)
	})
	status, body, _ = a.Do("POST", "/users/alice/outbox", aliceTok, map[string]any{"type": "Note", "content": "hello from alice"})
	if status != http.StatusCreated {
		t.Fatalf("post: %d %s", status, body)
	}
	testrig.Eventually(t, 10*time.Second, "alice's post in bob's home feed", func() bool {
		_, body, _ := b.Do("GET", "/users/bob/inbox", bobTok, nil)
		var feed struct{ OrderedItems []json.RawMessage }
		json.Unmarshal(body, &feed)
		return len(feed.OrderedItems) == 1 && strings.Contains(string(body), "hello from alice") &&
			!strings.Contains(string(body), `"type":"Announce"`) // a plain post, not shown as a boost
	})
}
