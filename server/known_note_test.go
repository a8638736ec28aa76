package server

import (
	"context"
	"testing"
	"time"
)

// TestCreateOfAKnownNoteReachesFeeds: B already stored alice's note (fetched for a reply)
// before her Create arrives; the Create must still put it in her follower's feed, once.
func TestCreateOfAKnownNoteReachesFeeds(t *testing.T) {
	// A retries after 2 s, which leaves time to make B fetch the note first.
	a := startInstance(t, func(c *Config) { c.RetrySchedule = []time.Duration{2 * time.Second, 2 * time.Second} })
	b := startInstance(t)
	aliceTok, _ := a.account("alice", false)
	bobTok, _ := b.account("bob", false)
	danTok, _ := b.account("dan", false)
	b.followRemote("bob", bobTok, a, "alice")

	b.stop()
	note := a.postNote("alice", aliceTok, map[string]any{"content": "posted while B was down"})
	eventually(t, federationWait, "A's first delivery attempt failed", func() bool {
		return a.countRows("deliveries", "attempts > 0") == 1
	})
	b.start()
	// dan replies: B fetches the note from A before the Create is delivered again.
	b.postNote("dan", danTok, map[string]any{"content": "replying first", "inReplyTo": note})
	if n, err := b.app.db.GetNoteByURI(context.Background(), note); err != nil || n.Deleted() {
		t.Fatalf("B did not fetch the note: %v", err)
	}
	if got := feedHas(b.homeFeed("bob", bobTok), note); got != 0 {
		t.Fatalf("the note is in bob's feed before its Create arrived (%d)", got)
	}
	eventually(t, federationWait, "alice's Create puts the known note in bob's feed", func() bool {
		return feedHas(b.homeFeed("bob", bobTok), note) == 1
	})
	eventually(t, federationWait, "A's queue drains", a.queueEmpty)
	if got := feedHas(b.homeFeed("bob", bobTok), note); got != 1 {
		t.Fatalf("note in bob's feed %d times", got)
	}
}
