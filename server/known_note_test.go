package server_test

import (
	"context"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/server"
)

// TestCreateOfAKnownNoteReachesFeeds: B already stored alice's note (fetched for a reply)
// before her Create arrives; the Create must still put it in her follower's feed, once.
func TestCreateOfAKnownNoteReachesFeeds(t *testing.T) {
	// A retries after 2 s, which leaves time to make B fetch the note first.
	a := testrig.Start(t, func(c *server.Config) { c.RetrySchedule = []time.Duration{2 * time.Second, 2 * time.Second} })
	b := testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	danTok, _ := b.Account("dan", false)
	b.FollowRemote("bob", bobTok, a, "alice")

	b.Stop()
	note := a.PostNote("alice", aliceTok, map[string]any{"content": "posted while B was down"})
	testrig.Eventually(t, testrig.FederationWait, "A's first delivery attempt failed", func() bool {
		return testrig.Attempted(a.Deliveries(note+"/activity"), 1) == 1
	})
	b.Restart()
	// dan replies: B fetches the note from A before the Create is delivered again.
	b.PostNote("dan", danTok, map[string]any{"content": "replying first", "inReplyTo": note})
	if n, err := b.App.DB().GetNoteByURI(context.Background(), note); err != nil || n.Deleted() {
		t.Fatalf("B did not fetch the note: %v", err)
	}
	if got := testrig.FeedHas(b.HomeFeed("bob", bobTok), note); got != 0 {
		t.Fatalf("the note is in bob's feed before its Create arrived (%d)", got)
	}
	testrig.Eventually(t, testrig.FederationWait, "alice's Create puts the known note in bob's feed", func() bool {
		return testrig.FeedHas(b.HomeFeed("bob", bobTok), note) == 1
	})
	testrig.Eventually(t, testrig.FederationWait, "A's queue drains", a.QueueEmpty)
	if got := testrig.FeedHas(b.HomeFeed("bob", bobTok), note); got != 1 {
		t.Fatalf("note in bob's feed %d times", got)
	}
}
