package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig"
	"refuge/server"
	"refuge/storage"
)

// End-to-end federation tests: whole Refuge instances on loopback ports follow each other
// and exchange activities; each test checks what every instance stored.

// TestVisibilityAcrossInstances: bob and carol on B and dave on C follow alice on A. Public,
// unlisted and followers-only posts reach every follower; a direct post to bob reaches only
// bob, and is never sent to C. The outbox shows anonymous readers the public and unlisted
// posts only; its owner sees all.
func TestVisibilityAcrossInstances(t *testing.T) {
	t.Parallel()
	var cLog testrig.InboxLog
	a, b, c := testrig.Start(t), testrig.Start(t), testrig.Start(t, cLog.Record)
	aliceTok, alice := a.Account("alice", false)
	bobTok, bob := b.Account("bob", false)
	carolTok, _ := b.Account("carol", false)
	daveTok, _ := c.Account("dave", false)
	b.FollowRemote("bob", bobTok, a, "alice")
	b.FollowRemote("carol", carolTok, a, "alice")
	c.FollowRemote("dave", daveTok, a, "alice")

	bobHandle := "@bob@" + b.Cfg.Domain
	posts := []struct {
		name        string
		note        map[string]any
		visibility  storage.Visibility
		toFollowers bool // reaches followers who are not addressed (carol, dave)
		anonymous   bool // listed in the outbox for anonymous readers
	}{
		{"public", map[string]any{"content": "a public post"}, storage.Public, true, true},
		{"unlisted", map[string]any{"content": "an unlisted post", "to": alice + "/followers",
			"cc": federation.PublicCollection}, storage.Unlisted, true, true},
		{"followers-only", map[string]any{"content": "for followers only", "to": []string{alice + "/followers"}},
			storage.Followers, true, false},
		{"direct", map[string]any{"content": bobHandle + " only for bob", "to": []string{bob}},
			storage.Direct, false, false},
	}
	ids := make([]string, len(posts))
	for i, p := range posts {
		ids[i] = a.PostNote("alice", aliceTok, p.note)
	}
	testrig.Eventually(t, testrig.FederationWait, "all four posts in bob's feed", func() bool {
		return len(b.HomeFeed("bob", bobTok)) == len(posts)
	})
	testrig.Eventually(t, testrig.FederationWait, "A's delivery queue empty", a.QueueEmpty)
	// Every delivery to B went to its shared inbox and filled both feeds in one transaction,
	// so carol's feed is final once bob's is complete; and A has sent C all it ever will.
	bobFeed, carolFeed, daveFeed := b.HomeFeed("bob", bobTok), b.HomeFeed("carol", carolTok), c.HomeFeed("dave", daveTok)
	_, outbox, _ := a.Do("GET", "/users/alice/outbox?page=true", "", nil)
	_, ownOutbox, _ := a.Do("GET", "/users/alice/outbox?page=true", aliceTok, nil)
	for i, p := range posts {
		t.Run(p.name, func(t *testing.T) {
			id := ids[i]
			if got := testrig.FeedHas(bobFeed, id); got != 1 {
				t.Errorf("bob's feed has the post %d times, want 1", got)
			}
			want := 0
			if p.toFollowers {
				want = 1
			}
			if got := testrig.FeedHas(carolFeed, id); got != want {
				t.Errorf("carol's feed has the post %d times, want %d", got, want)
			}
			if got := testrig.FeedHas(daveFeed, id); got != want {
				t.Errorf("dave's feed has the post %d times, want %d", got, want)
			}
			if got := cLog.Count("/inbox", id+"/activity"); got != want {
				t.Errorf("C received the post %d times, want %d", got, want)
			}
			if got := c.Note(id) != nil; got != p.toFollowers {
				t.Errorf("C stored the post: %v, want %v", got, p.toFollowers)
			}
			n := b.Note(id)
			if n == nil {
				t.Fatal("B has no copy of the post")
			}
			if n.Visibility != p.visibility {
				t.Errorf("B stored visibility %q, want %q", n.Visibility, p.visibility)
			}
			if got := strings.Contains(string(outbox), `"`+id+`"`); got != p.anonymous {
				t.Errorf("in the anonymous outbox: %v, want %v", got, p.anonymous)
			}
			if !strings.Contains(string(ownOutbox), `"`+id+`"`) {
				t.Errorf("not in the outbox its owner sees")
			}
			status, _, _ := a.Do("GET", strings.TrimPrefix(id, a.Base), "", nil)
			if wantStatus := map[bool]int{true: 200, false: 404}[p.anonymous]; status != wantStatus {
				t.Errorf("anonymous GET of the note: %d, want %d", status, wantStatus)
			}
		})
	}
	for _, e := range bobFeed {
		if e.Type != "Note" {
			t.Errorf("bob's feed item %s is a %s; nobody boosted anything", e.ID, e.Type)
		}
	}
}

// TestLockedAccountFollowRequest: bob on B asks to follow alice, whose account on A is
// locked. The request waits on A until alice answers it through C2S, naming the Follow by
// the id bob's instance gave it or embedding it; a rejection leaves no follow on either side.
func TestLockedAccountFollowRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		approve  bool
		embedded bool // answer with the Follow embedded (actor, object) instead of its id
	}{
		{"approved by id", true, false},
		{"approved with the Follow embedded", true, true},
		{"rejected", false, false},
	} {
		approve := tc.approve
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			a, b := testrig.Start(t), testrig.Start(t)
			aliceTok, alice := a.Account("alice", true)
			bobTok, bob := b.Account("bob", false)

			followID := b.C2S("bob", bobTok, map[string]any{"type": "Follow", "object": alice})
			testrig.Eventually(t, testrig.FederationWait, "the request pending on A", func() bool {
				f, err := a.App.DB().GetFollowByURI(ctx, followID)
				return err == nil && !f.Accepted
			})
			aliceActor, err := a.App.DB().GetLocalActor(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			pending, _, err := a.App.DB().ListFollowers(ctx, aliceActor.ID, true, storage.Page{})
			if err != nil || len(pending) != 1 || pending[0].URI != bob {
				t.Fatalf("alice's pending requests: %v, %v; want bob", pending, err)
			}
			if f, err := b.App.DB().GetFollowByURI(ctx, followID); err != nil || f.Accepted {
				t.Fatalf("B's follow before the answer: %+v, %v; want pending", f, err)
			}
			if n := a.TotalItems("/users/alice/followers"); n != 0 {
				t.Fatalf("alice has %d followers before answering", n)
			}

			kind := map[bool]string{true: "Accept", false: "Reject"}[approve]
			var object any = followID
			if tc.embedded {
				object = map[string]any{"type": "Follow", "actor": bob, "object": alice}
			}
			a.C2S("alice", aliceTok, map[string]any{"type": kind, "object": object})

			if !approve {
				testrig.Eventually(t, testrig.FederationWait, "the follow gone from B", func() bool {
					_, err := b.App.DB().GetFollowByURI(ctx, followID)
					return storage.KindOf(err) == storage.NotFound
				})
				if _, err := a.App.DB().GetFollowByURI(ctx, followID); storage.KindOf(err) != storage.NotFound {
					t.Errorf("A still has the rejected follow: %v", err)
				}
				if n := b.TotalItems("/users/bob/following"); n != 0 {
					t.Errorf("bob follows %d accounts", n)
				}
				if n := a.TotalItems("/users/alice/followers"); n != 0 {
					t.Errorf("alice has %d followers", n)
				}
				return
			}
			testrig.Eventually(t, testrig.FederationWait, "bob following 1", func() bool {
				return b.TotalItems("/users/bob/following") == 1
			})
			if n := a.TotalItems("/users/alice/followers"); n != 1 {
				t.Errorf("alice has %d followers, want 1", n)
			}
			post := a.PostNote("alice", aliceTok, map[string]any{"content": "now that you follow me"})
			testrig.Eventually(t, testrig.FederationWait, "alice's post in bob's feed", func() bool {
				return testrig.FeedHas(b.HomeFeed("bob", bobTok), post) == 1
			})
		})
	}
}

// TestReplyThreadAcrossThreeInstances: alice (A) posts; bob (B, following alice) replies;
// carol (C, following alice and bob) replies to bob. Each instance keeps the notes of the
// thread that concern it, and A lists bob's reply under alice's note.
func TestReplyThreadAcrossThreeInstances(t *testing.T) {
	t.Parallel()
	a, b, c := testrig.Start(t), testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	carolTok, _ := c.Account("carol", false)
	b.FollowRemote("bob", bobTok, a, "alice")
	c.FollowRemote("carol", carolTok, a, "alice")
	c.FollowRemote("carol", carolTok, b, "bob")

	root := a.PostNote("alice", aliceTok, map[string]any{"content": "the root of a thread"})
	testrig.Eventually(t, testrig.FederationWait, "the root on B and C", func() bool { return b.Note(root) != nil && c.Note(root) != nil })

	reply := b.PostNote("bob", bobTok, map[string]any{"content": "bob answers", "inReplyTo": root})
	testrig.Eventually(t, testrig.FederationWait, "bob's reply on A and C", func() bool { return a.Note(reply) != nil && c.Note(reply) != nil })

	answer := c.PostNote("carol", carolTok, map[string]any{"content": "carol answers bob", "inReplyTo": reply})
	testrig.Eventually(t, testrig.FederationWait, "carol's reply on B", func() bool { return b.Note(answer) != nil })

	for _, tc := range []struct {
		on        *testrig.Instance
		where     string
		note      string
		inReplyTo string
	}{
		{a, "A", reply, root}, {c, "C", reply, root}, {b, "B", answer, reply},
		{b, "B", root, ""}, {c, "C", root, ""}, {c, "C", answer, reply},
	} {
		n := tc.on.Note(tc.note)
		if n == nil {
			t.Errorf("%s lacks %s", tc.where, tc.note)
			continue
		}
		if n.InReplyToURI != tc.inReplyTo {
			t.Errorf("%s stored %s in reply to %q, want %q", tc.where, tc.note, n.InReplyToURI, tc.inReplyTo)
		}
	}
	if n := a.Note(root); n == nil || n.Replies != 1 {
		t.Errorf("A counts %v replies to alice's note, want 1", n)
	}
	status, body, _ := a.Do("GET", strings.TrimPrefix(root, a.Base)+"/replies", "", nil)
	// The items may sit in the collection itself or in its embedded first page.
	var replies struct {
		TotalItems   int
		OrderedItems []string
		First        json.RawMessage
	}
	if err := json.Unmarshal(body, &replies); status != http.StatusOK || err != nil {
		t.Fatalf("replies of alice's note: %d %s", status, body)
	}
	var first struct{ OrderedItems []string }
	json.Unmarshal(replies.First, &first)
	items := append(replies.OrderedItems, first.OrderedItems...)
	if replies.TotalItems != 1 || len(items) != 1 || items[0] != reply {
		t.Errorf("replies of alice's note: %s; want exactly bob's reply", body)
	}
	// A peer walks the thread from the note itself: its replies collection is written into
	// it with a first page that points on to the page listing the replies.
	_, body, _ = a.Do("GET", root, "", nil)
	var note struct {
		Replies struct {
			ID    string
			First struct{ Type, Next, PartOf string }
		}
	}
	if err := json.Unmarshal(body, &note); err != nil || note.Replies.ID != root+"/replies" ||
		note.Replies.First.PartOf != note.Replies.ID || note.Replies.First.Next == "" {
		t.Fatalf("alice's note: replies %+v (%v), want the collection with its first page: %s", note.Replies, err, body)
	}
	status, body, _ = a.Do("GET", note.Replies.First.Next, "", nil)
	var page struct {
		ID, Type, PartOf string
		OrderedItems     []string
	}
	if err := json.Unmarshal(body, &page); status != http.StatusOK || err != nil || page.ID != note.Replies.First.Next ||
		page.PartOf != note.Replies.ID || len(page.OrderedItems) != 1 || page.OrderedItems[0] != reply {
		t.Errorf("the page of replies: %d %s; want bob's reply alone", status, body)
	}
}

// TestLikesAndBoostsCountedOnOrigin: bob on B likes and boosts alice's note; A counts both;
// undoing each brings A's count back to zero.
func TestLikesAndBoostsCountedOnOrigin(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	b.FollowRemote("bob", bobTok, a, "alice")
	note := a.PostNote("alice", aliceTok, map[string]any{"content": "like me"})
	testrig.Eventually(t, testrig.FederationWait, "the note on B", func() bool { return b.Note(note) != nil })

	counts := func(n *storage.Note) [2]int { return [2]int{n.Likes, n.Announces} }
	steps := []struct {
		name     string
		activity func(ids map[string]string) map[string]any
		save     string // keep the Location under this name
		want     [2]int // likes, announces on A afterwards
	}{
		{"like", func(map[string]string) map[string]any { return map[string]any{"type": "Like", "object": note} },
			"like", [2]int{1, 0}},
		{"boost", func(map[string]string) map[string]any { return map[string]any{"type": "Announce", "object": note} },
			"boost", [2]int{1, 1}},
		{"undo like", func(ids map[string]string) map[string]any {
			return map[string]any{"type": "Undo", "object": ids["like"]}
		}, "", [2]int{0, 1}},
		{"undo boost", func(ids map[string]string) map[string]any {
			return map[string]any{"type": "Undo", "object": ids["boost"]}
		}, "", [2]int{0, 0}},
	}
	ids := map[string]string{}
	for _, s := range steps {
		id := b.C2S("bob", bobTok, s.activity(ids))
		if s.save != "" {
			ids[s.save] = id
		}
		testrig.Eventually(t, testrig.FederationWait, fmt.Sprintf("%s: A counts %v likes and boosts", s.name, s.want), func() bool {
			return counts(a.Note(note)) == s.want
		})
		if got := counts(b.Note(note)); got != s.want {
			t.Errorf("%s: B counts %v, want %v", s.name, got, s.want)
		}
	}
}

// TestDeleteAndUpdatePropagate: alice edits one note and deletes another; bob's instance
// has the new text and a Tombstone, and the deleted note leaves bob's feed.
func TestDeleteAndUpdatePropagate(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	b.FollowRemote("bob", bobTok, a, "alice")
	edited := a.PostNote("alice", aliceTok, map[string]any{"content": "first draft"})
	doomed := a.PostNote("alice", aliceTok, map[string]any{"content": "a regrettable post"})
	testrig.Eventually(t, testrig.FederationWait, "both notes in bob's feed", func() bool {
		f := b.HomeFeed("bob", bobTok)
		return testrig.FeedHas(f, edited) == 1 && testrig.FeedHas(f, doomed) == 1
	})

	status, body, _ := a.Do("POST", "/users/alice/outbox", aliceTok, map[string]any{"type": "Update",
		"object": map[string]any{"id": edited, "type": "Note", "content": "second draft"}})
	if status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("update: %d %s", status, body)
	}
	a.C2S("alice", aliceTok, map[string]any{"type": "Delete", "object": doomed})

	testrig.Eventually(t, testrig.FederationWait, "B's copy of the edited note updated", func() bool {
		n := b.Note(edited)
		return strings.Contains(n.Content, "second draft")
	})
	if n := b.Note(edited); strings.Contains(n.Content, "first draft") || n.Updated.IsZero() {
		t.Errorf("B's edited copy: content %q, updated %v", n.Content, n.Updated)
	}
	testrig.Eventually(t, testrig.FederationWait, "B's copy of the deleted note a Tombstone", func() bool {
		return b.Note(doomed).Deleted()
	})
	if n := b.Note(doomed); n.Content != "" {
		t.Errorf("B keeps the deleted note's content %q", n.Content)
	}
	f := b.HomeFeed("bob", bobTok)
	if testrig.FeedHas(f, doomed) != 0 {
		t.Errorf("the deleted note is still in bob's feed")
	}
	for _, e := range f {
		if e.ID == edited && !strings.Contains(e.Content, "second draft") {
			t.Errorf("bob's feed shows the edited note as %q", e.Content)
		}
	}
	if status, _, _ := a.Do("GET", strings.TrimPrefix(doomed, a.Base), "", nil); status != http.StatusGone {
		t.Errorf("GET of the deleted note on A: %d, want 410", status)
	}
}

// TestUndoFollowStopsDelivery: bob unfollows alice; A drops him as a follower and alice's
// next post is not sent to B at all.
func TestUndoFollowStopsDelivery(t *testing.T) {
	t.Parallel()
	var bLog testrig.InboxLog
	a, b := testrig.Start(t), testrig.Start(t, bLog.Record)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	followID := b.FollowRemote("bob", bobTok, a, "alice")
	before := a.PostNote("alice", aliceTok, map[string]any{"content": "while followed"})
	testrig.Eventually(t, testrig.FederationWait, "the first post in bob's feed", func() bool {
		return testrig.FeedHas(b.HomeFeed("bob", bobTok), before) == 1
	})

	b.C2S("bob", bobTok, map[string]any{"type": "Undo", "object": followID})
	testrig.Eventually(t, testrig.FederationWait, "alice without followers", func() bool {
		return a.TotalItems("/users/alice/followers") == 0
	})
	if n := b.TotalItems("/users/bob/following"); n != 0 {
		t.Errorf("bob still follows %d accounts", n)
	}
	if testrig.FeedHas(b.HomeFeed("bob", bobTok), before) != 0 {
		t.Errorf("alice's old post stays in bob's feed after the unfollow")
	}

	after := a.PostNote("alice", aliceTok, map[string]any{"content": "after the unfollow"})
	// Deliveries are queued in the post's own transaction: once A's queue is empty, every
	// POST it was ever going to make has been answered.
	testrig.Eventually(t, testrig.FederationWait, "A's delivery queue empty", a.QueueEmpty)
	if n := bLog.Count("/inbox", after+"/activity") + bLog.Count("/users/bob/inbox", after+"/activity"); n != 0 {
		t.Errorf("A sent the post to B %d times after the unfollow", n)
	}
	if b.Note(after) != nil {
		t.Errorf("B stored alice's post after the unfollow")
	}
}

// TestOnePostPerInstance: b1 and b2 on B and c1 on C follow alice; alice's post is POSTed
// once to each instance's shared inbox, and never to a personal inbox.
func TestOnePostPerInstance(t *testing.T) {
	t.Parallel()
	var bLog, cLog testrig.InboxLog
	a, b, c := testrig.Start(t), testrig.Start(t, bLog.Record), testrig.Start(t, cLog.Record)
	aliceTok, _ := a.Account("alice", false)
	b1Tok, _ := b.Account("b1", false)
	b2Tok, _ := b.Account("b2", false)
	c1Tok, _ := c.Account("c1", false)
	b.FollowRemote("b1", b1Tok, a, "alice")
	b.FollowRemote("b2", b2Tok, a, "alice")
	c.FollowRemote("c1", c1Tok, a, "alice")

	post := a.PostNote("alice", aliceTok, map[string]any{"content": "one post, three followers"})
	testrig.Eventually(t, testrig.FederationWait, "the post in every follower's feed", func() bool {
		return testrig.FeedHas(b.HomeFeed("b1", b1Tok), post) == 1 && testrig.FeedHas(b.HomeFeed("b2", b2Tok), post) == 1 &&
			testrig.FeedHas(c.HomeFeed("c1", c1Tok), post) == 1
	})
	testrig.Eventually(t, testrig.FederationWait, "A's delivery queue empty", a.QueueEmpty)
	create := post + "/activity"
	for _, tc := range []struct {
		name string
		log  *testrig.InboxLog
		path string
		want int
	}{
		{"B shared inbox", &bLog, "/inbox", 1}, {"C shared inbox", &cLog, "/inbox", 1},
		{"b1's inbox", &bLog, "/users/b1/inbox", 0}, {"b2's inbox", &bLog, "/users/b2/inbox", 0},
		{"c1's inbox", &cLog, "/users/c1/inbox", 0},
	} {
		if got := tc.log.Count(tc.path, create); got != tc.want {
			t.Errorf("%s received alice's Create %d times, want %d (all: %v)", tc.name, got, tc.want,
				tc.log.Mentioning(post))
		}
	}
}

// TestDeliverySurvivesRestarts: B is down when alice posts, so A's delivery fails and is
// retried; A itself restarts (its queue is in SQLite); when B comes back on the same port
// the post arrives, exactly once.
func TestDeliverySurvivesRestarts(t *testing.T) {
	t.Parallel()
	// A short first retry, then a long enough pause that A can be restarted while no
	// attempt is in flight (an attempt cut off by shutdown keeps its two-minute lease),
	// then short retries again.
	schedule := []time.Duration{100 * time.Millisecond, 2 * time.Second}
	for range 30 {
		schedule = append(schedule, 200*time.Millisecond)
	}
	var bLog testrig.InboxLog
	a := testrig.Start(t, func(c *server.Config) { c.RetrySchedule = schedule })
	b := testrig.Start(t, bLog.Record)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	b.FollowRemote("bob", bobTok, a, "alice")

	b.Stop()
	post := a.PostNote("alice", aliceTok, map[string]any{"content": "while you were away"})
	create := post + "/activity"
	testrig.Eventually(t, testrig.FederationWait, "two failed attempts to reach B", func() bool {
		return testrig.Attempted(a.Deliveries(create), 2) == 1
	})
	a.Stop()
	a.Restart()
	b.Restart()

	testrig.Eventually(t, testrig.FederationWait, "the post in bob's feed", func() bool {
		return testrig.FeedHas(b.HomeFeed("bob", bobTok), post) >= 1
	})
	testrig.Eventually(t, testrig.FederationWait, "A's delivery queue empty", a.QueueEmpty)
	if n := testrig.FeedHas(b.HomeFeed("bob", bobTok), post); n != 1 {
		t.Errorf("bob's feed has the post %d times, want 1", n)
	}
	// Ids are unique in storage, so stored is stored once; the feed was counted above.
	if _, err := b.App.DB().GetActivityByURI(context.Background(), create); err != nil {
		t.Errorf("B has not stored the Create: %v", err)
	}
	if b.Note(post) == nil {
		t.Errorf("B has not stored the post")
	}
	if n := bLog.Count("/inbox", create); n != 1 {
		t.Errorf("B received the Create %d times, want 1", n)
	}
}

// TestBoostReachesBoostersFollowers: carol on C follows bob on B, not alice on A. Bob's boost
// of alice's note puts it in carol's feed as an Announce by bob (C fetches the note from A,
// its origin); undoing the boost takes it out again.
func TestBoostReachesBoostersFollowers(t *testing.T) {
	t.Parallel()
	a, b, c := testrig.Start(t), testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, bob := b.Account("bob", false)
	carolTok, _ := c.Account("carol", false)
	b.FollowRemote("bob", bobTok, a, "alice")
	c.FollowRemote("carol", carolTok, b, "bob")
	note := a.PostNote("alice", aliceTok, map[string]any{"content": "worth a boost"})
	testrig.Eventually(t, testrig.FederationWait, "the note on B", func() bool { return b.Note(note) != nil })

	boost := b.C2S("bob", bobTok, map[string]any{"type": "Announce", "object": note})
	boosted := func() []testrig.FeedEntry {
		var out []testrig.FeedEntry
		for _, e := range c.HomeFeed("carol", carolTok) {
			var obj struct{ ID string }
			json.Unmarshal(e.Object, &obj)
			if e.Type == "Announce" && obj.ID == note {
				out = append(out, e)
			}
		}
		return out
	}
	testrig.Eventually(t, testrig.FederationWait, "bob's boost in carol's feed", func() bool { return len(boosted()) == 1 })
	if e := boosted()[0]; e.Actor != bob {
		t.Errorf("the boost in carol's feed is by %q, want bob", e.Actor)
	}
	if n := c.Note(note); n == nil || !strings.Contains(n.Content, "worth a boost") || n.Announces != 1 {
		t.Errorf("C's copy of the boosted note: %+v", n)
	}
	testrig.Eventually(t, testrig.FederationWait, "A counts the boost", func() bool { return a.Note(note).Announces == 1 })

	b.C2S("bob", bobTok, map[string]any{"type": "Undo", "object": boost})
	testrig.Eventually(t, testrig.FederationWait, "the boost gone from carol's feed", func() bool { return len(boosted()) == 0 })
	testrig.Eventually(t, testrig.FederationWait, "A uncounts the boost", func() bool { return a.Note(note).Announces == 0 })
}
