package outbox

import (
	"slices"
	"testing"

	"refuge/federation"
	"refuge/storage"
)

// TestUnlockAcceptsWaiting: an account unlocked accepts the follow requests waiting, a
// remote one with an Accept to its inbox, and sends its Update to them as followers.
func TestUnlockAcceptsWaiting(t *testing.T) {
	r := newRig(t)
	shut, bob := r.account("shut", true), r.account("bob", false)
	rem := r.remote("remote.test", "rem", false)
	r.follow(bob, shut, false)
	r.follow(rem, shut, false)
	in := ProfileOf(shut)
	in.Locked = false
	if _, err := r.s.UpdateProfile(r.ctx, shut, in); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*storage.Actor{bob, rem} {
		if f, err := r.db.GetFollow(r.ctx, a.ID, shut.ID); err != nil || !f.Accepted {
			t.Errorf("%s's request after the unlock: %+v %v, want accepted", a.Username, f, err)
		}
	}
	for _, kind := range []string{federation.TypeAccept, federation.TypeUpdate} {
		got := r.queued(func(a *storage.Activity) bool { return a.ActorID == shut.ID && a.Type == kind })
		if !slices.Equal(got, []string{rem.Inbox}) {
			t.Errorf("%s queued for %v, want %s", kind, got, rem.Inbox)
		}
	}
}
