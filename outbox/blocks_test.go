package outbox

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// TestBlock: blocking a remote follower who is followed back ends both follows, tells its
// server with the Undo of alice's Follow, a Reject of its own and the Block; blocking again
// sends nothing; unblocking sends the Undo of the Block. A local target is told nothing.
func TestBlock(t *testing.T) {
	r := newRig(t)
	alice, bob := r.account("alice", false), r.account("bob", false)
	rem := r.remote("remote.test", "rem", true)
	r.follow(alice, rem, true)
	r.follow(rem, alice, true)
	r.follow(bob, alice, true)
	types := func(match func(a *storage.Activity) bool) []string {
		var out []string
		r.queued(func(a *storage.Activity) bool {
			if match(a) {
				out = append(out, a.Type)
			}
			return false
		})
		slices.Sort(out)
		return out
	}
	toRem := func(a *storage.Activity) bool { return a.Local && a.ActorID == alice.ID && a.ObjectURI != "" }

	for _, c := range []struct {
		name     string
		target   string
		wantKind storage.Kind
	}{
		{"yourself", alice.URI, storage.Invalid},
		{"an actor never seen", "https://remote.test/users/nobody", storage.NotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			r.try(t, c.wantKind, func() error { _, err := r.s.Block(r.ctx, alice, c.target); return err })
		})
	}

	b, err := r.s.Block(r.ctx, alice, rem.URI)
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]*storage.Actor{{alice, rem}, {rem, alice}} {
		if _, err := r.db.GetFollow(r.ctx, pair[0].ID, pair[1].ID); storage.KindOf(err) != storage.NotFound {
			t.Errorf("follow of %s by %s left: %v", pair[1].Username, pair[0].Username, err)
		}
	}
	if got := r.inboxes(b.URI); !slices.Equal(got, []string{rem.Inbox}) {
		t.Errorf("Block queued for %v, want %s only", got, rem.Inbox)
	}
	if got := types(toRem); !slices.Equal(got, []string{federation.TypeBlock, federation.TypeReject, federation.TypeUndo}) {
		t.Errorf("queued %v, want the Block, a Reject and the Undo of the Follow", got)
	}
	r.deliverAll()
	before := r.counts()
	if again, err := r.s.Block(r.ctx, alice, rem.URI); err != nil || again.URI != b.URI {
		t.Errorf("blocking again: %+v %v, want the first block", again, err)
	}
	r.unchanged(t, before)

	if err := r.s.Unblock(r.ctx, alice, rem.URI); err != nil {
		t.Fatal(err)
	}
	undo := r.activity(uris.Undo(b.URI))
	var doc struct {
		Type   string
		Object struct{ ID, Type, Object string }
	}
	if err := json.Unmarshal([]byte(undo.JSON), &doc); err != nil || doc.Type != federation.TypeUndo ||
		doc.Object.ID != b.URI || doc.Object.Type != federation.TypeBlock || doc.Object.Object != rem.URI {
		t.Errorf("undo %s: %v", undo.JSON, err)
	}
	if got := r.inboxes(undo.URI); !slices.Equal(got, []string{rem.Inbox}) {
		t.Errorf("Undo queued for %v", got)
	}
	r.try(t, storage.NotFound, func() error { return r.s.Unblock(r.ctx, alice, rem.URI) })

	// A local follower is blocked without a word to anyone; it may not follow again.
	r.deliverAll()
	if _, err := r.s.Block(r.ctx, alice, bob.URI); err != nil {
		t.Fatal(err)
	}
	if got := r.queued(func(*storage.Activity) bool { return true }); len(got) != 0 {
		t.Errorf("blocking a local account queued %v", got)
	}
	r.try(t, storage.Forbidden, func() error { _, err := r.s.Follow(r.ctx, bob, alice.URI); return err })
	r.try(t, storage.Forbidden, func() error { _, err := r.s.Follow(r.ctx, alice, bob.URI); return err })
}

// TestMute: a mute is stored (replaced when muted again), never sent; muting oneself or
// for a negative time is refused.
func TestMute(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	rem := r.remote("remote.test", "rem", true)
	for _, c := range []struct {
		name     string
		target   string
		duration time.Duration
		wantKind storage.Kind
	}{
		{"yourself", alice.URI, 0, storage.Invalid},
		{"a negative time", rem.URI, -time.Second, storage.Invalid},
		{"an actor never seen", "https://remote.test/users/nobody", 0, storage.NotFound},
		{"for an hour", rem.URI, time.Hour, ""},
		{"again, without end", rem.URI, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r.try(t, c.wantKind, func() error { _, err := r.s.Mute(r.ctx, alice, c.target, true, c.duration); return err })
		})
	}
	if m, err := r.db.GetMute(r.ctx, alice.ID, rem.ID, time.Now().Add(2*time.Hour)); err != nil || !m.Expires.IsZero() {
		t.Errorf("the mute replaced: %+v %v, want one without end", m, err)
	}
	if got := r.queued(func(*storage.Activity) bool { return true }); len(got) != 0 {
		t.Errorf("a mute queued %v", got)
	}
	if err := r.s.Unmute(r.ctx, alice, rem.URI); err != nil {
		t.Fatal(err)
	}
	r.try(t, storage.NotFound, func() error { return r.s.Unmute(r.ctx, alice, rem.URI) })
}
