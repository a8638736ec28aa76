package inbox

import (
	"testing"

	"refuge/federation"
	"refuge/outbox"
	"refuge/storage"
)

// A local reply to a post whose server keeps to an interaction policy: refused where the
// policy lets nobody in, pending where it asks its author, and then approved or refused by
// that author alone, in GoToSocial's older words (an Accept of the reply itself) and newer
// ones (an Accept of a ReplyRequest, with a ReplyAuthorization as its result). A reply that
// waits goes to that author's server alone, and to everyone once approved.
func TestReplyApprovals(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	bob := r.remote(remoteBase, "bob")
	carol := r.remote(remoteBase, "carol")
	r.follow(alice, bob, true)
	dave := r.remote("https://other.test", "dave")
	r.follow(dave, alice, true) // on a server of its own: hears of alice's replies once approved
	to, cc := public(bob)
	policied := func(id string, auto, manual []string) *storage.Note {
		doc := noteDoc(bob, id, "<p>"+id+"</p>", to, cc)
		doc.CanReply = &federation.SubPolicy{Automatic: auto, Manual: manual}
		return r.stored(bob, doc)
	}
	asks := policied("asks", []string{bob.URI}, []string{federation.PublicCollection})
	closed := policied("closed", []string{bob.URI}, nil)
	followers := policied("followers", []string{bob.FollowersURI}, nil)
	open := policied("open", []string{federation.PublicCollection}, nil)

	reply := func(parent *storage.Note) (*storage.Note, error) {
		n, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "my answer", InReplyTo: parent.URI})
		return n, err
	}
	if _, err := reply(closed); storage.KindOf(err) != storage.Invalid {
		t.Errorf("a reply to a post closed to replies: %v", err)
	}
	for _, c := range []struct {
		parent  *storage.Note
		pending bool
	}{{open, false}, {asks, true}} {
		n, err := reply(c.parent)
		if err != nil || (n.Reply != nil) != c.pending {
			t.Errorf("reply to %s: %+v, %v; pending %v", c.parent.URI, n.Reply, err, c.pending)
		}
	}
	// alice follows bob: she waits for his Accept, which vouches for the follow; erin, who
	// does not follow him, may not reply.
	if n, err := reply(followers); err != nil || n.Reply == nil || n.Reply.State != storage.QuotePending {
		t.Errorf("a follower's reply to a post open to followers: %+v, %v", n, err)
	}
	erin := r.local("erin", false)
	if _, _, err := r.svc.PostNote(r.ctx, erin, outbox.NoteInput{Content: "me too", InReplyTo: followers.URI}); storage.KindOf(err) != storage.Invalid {
		t.Errorf("a reply by someone who does not follow: %v", err)
	}

	accept := func(by *storage.Actor, typ, result string) *federation.Activity {
		act := r.act(by, typ)
		act.Result = result
		return act
	}

	t.Run("approved by the Accept of the reply itself", func(t *testing.T) {
		// What is queued for bob's server and dave's since the last look.
		toBob, toDave := "Create "+remoteBase+"/inbox", "Create https://other.test/inbox"
		seen := map[string]int{}
		queuedSince := func() (bob, dave int) {
			q := r.queued()
			bob, dave = count(q, toBob)-seen[toBob], count(q, toDave)-seen[toDave]
			seen[toBob], seen[toDave] = count(q, toBob), count(q, toDave)
			return bob, dave
		}
		queuedSince()
		n, err := reply(asks)
		if err != nil {
			t.Fatal(err)
		}
		// While it waits, it goes to bob's server alone.
		if bob, dave := queuedSince(); bob != 1 || dave != 0 {
			t.Errorf("a waiting reply was sent to bob's server %d times, to dave's %d", bob, dave)
		}
		r.deliver(t, carol, accept(carol, federation.TypeAccept, ""), n.URI, "", storage.Forbidden)
		act := accept(bob, federation.TypeAccept, "")
		r.deliver(t, bob, act, n.URI, Stored, "")
		got := r.note(t, n.URI)
		if got.Reply == nil || got.Reply.State != storage.QuoteAccepted || got.Reply.ApprovedBy != act.ID {
			t.Fatalf("after the Accept: %+v", got.Reply)
		}
		if doc := outbox.NoteDocument(got); doc.ApprovedBy != act.ID {
			t.Errorf("the reply's document says approvedBy %q", doc.ApprovedBy)
		}
		// Approved, it goes to everyone, carrying the approval.
		if bob, dave := queuedSince(); bob != 1 || dave != 1 {
			t.Errorf("the approved reply was sent to bob's server %d times, to dave's %d", bob, dave)
		}
	})

	t.Run("approved through a ReplyRequest, with its authorization", func(t *testing.T) {
		n, err := reply(asks)
		if err != nil {
			t.Fatal(err)
		}
		request := &federation.Activity{ID: remoteBase + "/reply_requests/1", Type: "ReplyRequest", Actor: alice.URI,
			Object: federation.Object{ID: asks.URI}, Instrument: federation.Object{ID: n.URI}}
		r.deliver(t, bob, accept(bob, federation.TypeAccept, remoteBase+"/authorizations/1"), request, Stored, "")
		got := r.note(t, n.URI).Reply
		if got == nil || got.State != storage.QuoteAccepted || got.Authorization != remoteBase+"/authorizations/1" {
			t.Errorf("after the Accept: %+v", got)
		}
	})

	t.Run("refused", func(t *testing.T) {
		n, err := reply(asks)
		if err != nil {
			t.Fatal(err)
		}
		r.deliver(t, bob, accept(bob, federation.TypeReject, ""), n.URI, Stored, "")
		if got := r.note(t, n.URI).Reply; got == nil || got.State != storage.QuoteRejected {
			t.Errorf("after the Reject: %+v", got)
		}
	})

	t.Run("an approval of a like of ours is taken, not refused", func(t *testing.T) {
		like, err := r.svc.React(r.ctx, alice, storage.Like, open.URI)
		if err != nil {
			t.Fatal(err)
		}
		r.deliver(t, bob, accept(bob, federation.TypeAccept, ""), like.URI, Ignored, "")
	})

	t.Run("likes and boosts as the post's policy lets them", func(t *testing.T) {
		doc := noteDoc(bob, "guarded", "<p>guarded</p>", to, cc)
		doc.CanLike = &federation.SubPolicy{Automatic: []string{bob.FollowersURI}}
		doc.CanAnnounce = &federation.SubPolicy{Automatic: []string{bob.URI}}
		guarded := r.stored(bob, doc)
		doc = noteDoc(bob, "asking", "<p>asking</p>", to, cc)
		doc.CanAnnounce = &federation.SubPolicy{Automatic: []string{bob.URI}, Manual: []string{federation.PublicCollection}}
		asking := r.stored(bob, doc)
		for _, c := range []struct {
			who    *storage.Actor
			kind   storage.ReactionKind
			note   *storage.Note
			refuse bool
		}{
			{alice, storage.Like, guarded, false}, // she follows bob
			{erin, storage.Like, guarded, true},
			{alice, storage.Announce, guarded, true}, // nobody but bob
			{erin, storage.Announce, asking, false},  // sent, for bob to approve
		} {
			_, err := r.svc.React(r.ctx, c.who, c.kind, c.note.URI)
			if c.refuse != (storage.KindOf(err) == storage.Forbidden) || (!c.refuse && err != nil) {
				t.Errorf("%s's %s of %s: %v", c.who.Username, c.kind, c.note.URI, err)
			}
		}
		if err := r.svc.EmojiReact(r.ctx, erin, guarded.URI, "🔥"); storage.KindOf(err) != storage.Forbidden {
			t.Errorf("erin's reaction, sent as a like: %v", err)
		}
	})

	t.Run("a like or boost of ours refused is taken back", func(t *testing.T) {
		for _, kind := range []storage.ReactionKind{storage.Like, storage.Announce} {
			x, err := r.svc.React(r.ctx, alice, kind, asks.URI)
			if err != nil {
				t.Fatal(err)
			}
			undos := count(r.queued(), "Undo "+remoteBase+"/inbox")
			r.deliver(t, carol, accept(carol, federation.TypeReject, ""), x.URI, "", storage.Forbidden)
			r.deliver(t, bob, accept(bob, federation.TypeReject, ""), x.URI, Stored, "")
			if _, err := r.db.GetReactionByURI(r.ctx, kind, x.URI); storage.KindOf(err) != storage.NotFound {
				t.Errorf("%s refused, still there: %v", kind, err)
			}
			if got := count(r.queued(), "Undo "+remoteBase+"/inbox") - undos; got != 1 {
				t.Errorf("%s refused: %d Undos queued to bob's server", kind, got)
			}
			r.deliver(t, bob, accept(bob, federation.TypeReject, ""), x.URI, Ignored, "") // again: nothing left
		}
	})
}
