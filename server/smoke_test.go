package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFollowAndPostAcrossInstances: bob on one instance follows alice on another, alice
// posts, and the post lands in bob's home feed.
func TestFollowAndPostAcrossInstances(t *testing.T) {
	a, b := startInstance(t), startInstance(t)
	aliceTok, alice := a.account("alice", false)
	bobTok, _ := b.account("bob", false)

	status, body, _ := b.do("POST", "/users/bob/outbox", bobTok, map[string]any{"type": "Follow", "object": alice})
	if status != http.StatusCreated {
		t.Fatalf("follow: %d %s", status, body)
	}
	eventually(t, 10*time.Second, "alice has bob as follower", func() bool {
		_, body, _ := a.do("GET", "/users/alice/followers", "", nil)
		return strings.Contains(string(body), `"totalItems":1`)
	})
	eventually(t, 10*time.Second, "bob's follow accepted", func() bool {
		_, body, _ := b.do("GET", "/users/bob/following", "", nil)
		return strings.Contains(string(body), `"totalItems":1`)
	})
	status, body, _ = a.do("POST", "/users/alice/outbox", aliceTok, map[string]any{"type": "Note", "content": "hello from alice"})
	if status != http.StatusCreated {
		t.Fatalf("post: %d %s", status, body)
	}
	eventually(t, 10*time.Second, "alice's post in bob's home feed", func() bool {
		_, body, _ := b.do("GET", "/users/bob/inbox", bobTok, nil)
		var feed struct{ OrderedItems []json.RawMessage }
		json.Unmarshal(body, &feed)
		return len(feed.OrderedItems) == 1 && strings.Contains(string(body), "hello from alice") &&
			!strings.Contains(string(body), `"type":"Announce"`) // a plain post, not shown as a boost
	})
}
