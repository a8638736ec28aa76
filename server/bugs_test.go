package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"refuge/federation"
	"refuge/internal/testrig"
	"refuge/storage"
)

// End-to-end checks of three bugs the unit tests found: asking again to follow, what a
// removed follower's home timeline shows, and who hears of the Update and Delete of a
// reply. Whole instances on loopback, as in federation_test.go.

// TestFollowingAgain: bob on B asks again to follow alice on A. As Mastodon answers it, the
// follow or the request stands with the id it has (the C2S answer names it), and alice is
// not notified twice; a request still pending is sent again, with that id, for a server
// that lost it (A takes the repeat as the no-op it is), while an accepted follow is sent
// nothing.
func TestFollowingAgain(t *testing.T) {
	t.Parallel()
	for _, row := range []struct {
		name   string
		locked bool
		sent   int // POSTs of the Follow that reach A in all
	}{
		{"a request still pending stands and is sent again with its id", true, 2},
		{"an accepted follow stands and nothing is sent again", false, 1},
	} {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var aLog testrig.InboxLog
			a, b := testrig.Start(t, aLog.Record), testrig.Start(t)
			aliceTok, alice := a.Account("alice", row.locked)
			bobTok, _ := b.Account("bob", false)
			follow := map[string]any{"type": "Follow", "object": alice}
			first := b.C2S("bob", bobTok, follow)
			testrig.Eventually(t, testrig.FederationWait, "the Follow on A", func() bool {
				_, err := a.App.DB().GetFollowByURI(ctx, first)
				return err == nil
			})
			if !row.locked {
				testrig.Eventually(t, testrig.FederationWait, "the Accept on B", func() bool {
					f, err := b.App.DB().GetFollowByURI(ctx, first)
					return err == nil && f.Accepted
				})
			}
			testrig.Eventually(t, testrig.FederationWait, "B's delivery queue empty", b.QueueEmpty)

			status, body, h := b.Do("POST", "/users/bob/outbox", bobTok, follow)
			if status != http.StatusCreated || h.Get("Location") != first {
				t.Fatalf("following again: %d %s, Location %q; want 201 and %s", status, body, h.Get("Location"), first)
			}
			testrig.Eventually(t, testrig.FederationWait, "B's delivery queue empty again", b.QueueEmpty)
			if got := aLog.Count("/users/alice/inbox", first) + aLog.Count("/inbox", first); got != row.sent {
				t.Errorf("A received the Follow %d times, want %d", got, row.sent)
			}
			f, err := a.App.DB().GetFollowByURI(ctx, first)
			if err != nil || f.Accepted == row.locked {
				t.Errorf("A's follow %+v, %v; want accepted %v", f, err, !row.locked)
			}
			notes, err := a.App.DB().ListNotifications(ctx, a.LocalActor("alice").ID, storage.Page{})
			if err != nil || len(notes) != 1 {
				t.Errorf("alice has %d notifications (%v), want 1", len(notes), err)
			}
			if row.locked {
				a.C2S("alice", aliceTok, map[string]any{"type": "Accept", "object": first})
			}
			testrig.Eventually(t, testrig.FederationWait, "bob following alice", func() bool {
				f, err := b.App.DB().GetFollowByURI(ctx, first)
				return err == nil && f.Accepted
			})
		})
	}
}

// TestRemovedFollowerSeesNoMore: alice, whose account is locked, accepts a follower, posts
// for her followers only, then removes the follower (a Reject of the accepted Follow). The
// follower's home timeline, on the web and as the inbox collection, no longer shows her
// posts, whether he is on A with her or on B, and on A the note is not found for him.
func TestRemovedFollowerSeesNoMore(t *testing.T) {
	t.Parallel()
	for _, row := range []struct {
		name   string
		remote bool // the follower is on B, not on A with alice
	}{
		{"a local follower", false},
		{"a remote follower", true},
	} {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			a := testrig.Start(t)
			on := a
			if row.remote {
				on = testrig.Start(t)
			}
			aliceTok, alice := a.Account("alice", true)
			tok, _ := on.Account("carol", false)
			followID := on.C2S("carol", tok, map[string]any{"type": "Follow", "object": alice})
			testrig.Eventually(t, testrig.FederationWait, "the request on A", func() bool {
				_, err := a.App.DB().GetFollowByURI(ctx, followID)
				return err == nil
			})
			answer := func(kind string) {
				// 201 with the id of what was sent to a remote follower; 200 for a local one.
				status, body, _ := a.Do("POST", "/users/alice/outbox", aliceTok, map[string]any{"type": kind, "object": followID})
				if status != http.StatusOK && status != http.StatusCreated {
					t.Fatalf("%s: %d %s", kind, status, body)
				}
			}
			answer("Accept")
			testrig.Eventually(t, testrig.FederationWait, "carol following alice", func() bool {
				f, err := on.App.DB().GetFollowByURI(ctx, followID)
				return err == nil && f.Accepted
			})
			secret := "for my followers while carol is one"
			note := a.PostNote("alice", aliceTok, map[string]any{"content": secret, "to": alice + "/followers"})
			testrig.Eventually(t, testrig.FederationWait, "the note in carol's feed", func() bool {
				return testrig.FeedHas(on.HomeFeed("carol", tok), note) == 1
			})

			answer("Reject")
			testrig.Eventually(t, testrig.FederationWait, "carol's follow gone", func() bool {
				_, err := on.App.DB().GetFollowByURI(ctx, followID)
				return storage.KindOf(err) == storage.NotFound
			})
			if n := testrig.FeedHas(on.HomeFeed("carol", tok), note); n != 0 {
				t.Errorf("carol's inbox collection still shows the note %d times", n)
			}
			web := testrig.NewWebClient(t, on)
			web.SignIn("carol", "password-carol")
			if resp, page := web.Get("/home"); resp.StatusCode != http.StatusOK || strings.Contains(page, secret) {
				t.Errorf("carol's home page: %d, shows the note: %v", resp.StatusCode, strings.Contains(page, secret))
			}
			if !row.remote {
				if status, _, _ := a.Do("GET", note, tok, nil); status != http.StatusNotFound {
					t.Errorf("GET of the note by carol: %d, want 404", status)
				}
			}
		})
	}
}

// TestReplyUpdateAndDeleteReachEveryoneTheCreateDid: alice on A, who follows nobody and
// has no followers, replies to bob's note on B and addresses carol on C through C2S
// without naming her in the text. The Create reached B (the author replied to) and C
// (addressed); so do her edit and her Delete, and both copies end as tombstones.
func TestReplyUpdateAndDeleteReachEveryoneTheCreateDid(t *testing.T) {
	t.Parallel()
	a, b, c := testrig.Start(t), testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	_, carol := c.Account("carol", false)
	parent := b.PostNote("bob", bobTok, map[string]any{"content": "what do you think?"})
	reply := a.PostNote("alice", aliceTok, map[string]any{"content": "first thoughts", "inReplyTo": parent,
		"to": federation.PublicCollection, "cc": []string{carol}})
	copies := []struct {
		name string
		on   *testrig.Instance
	}{{"B, of the author replied to", b}, {"C, of the account addressed", c}}
	for _, cp := range copies {
		testrig.Eventually(t, testrig.FederationWait, "the reply on "+cp.name, func() bool { return cp.on.Note(reply) != nil })
	}

	status, body, _ := a.Do("POST", "/users/alice/outbox", aliceTok, map[string]any{"type": "Update",
		"object": map[string]any{"id": reply, "type": "Note", "content": "second thoughts"}})
	if status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("update: %d %s", status, body)
	}
	for _, cp := range copies {
		testrig.Eventually(t, testrig.FederationWait, "the edit on "+cp.name, func() bool {
			return strings.Contains(cp.on.Note(reply).Content, "second thoughts")
		})
	}
	a.C2S("alice", aliceTok, map[string]any{"type": "Delete", "object": reply})
	for _, cp := range copies {
		testrig.Eventually(t, testrig.FederationWait, "a tombstone on "+cp.name, func() bool {
			n := cp.on.Note(reply)
			return n.Deleted() && n.Content == ""
		})
	}
}
