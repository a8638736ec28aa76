package outbox

import (
	"testing"

	"refuge/storage"
)

// TestSilence: an admin silences a local or a remote account and lifts it; nothing is
// queued for any server (a silence is not federated); the instance's own actor, an
// unknown or deleted account, a second silence and the lifting of none are refused and
// change nothing. A report resolved by silencing silences its account.
func TestSilence(t *testing.T) {
	r := newRig(t)
	alice, bob := r.account("alice", false), r.account("bob", false)
	gus := r.remote("peer.example", "gus", true)
	inst, err := r.s.InstanceActor(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	gone := r.account("gone", false)
	if _, err := r.s.DeleteAccount(r.ctx, gone); err != nil {
		t.Fatal(err)
	}
	silence := func(id int64) func() error { return func() error { _, err := r.s.Silence(r.ctx, id); return err } }
	unsilence := func(id int64) func() error { return func() error { _, err := r.s.Unsilence(r.ctx, id); return err } }
	for _, tt := range []struct {
		name     string
		kind     storage.Kind
		action   func() error
		who      *storage.Actor
		silenced bool // after the step, when who is set
	}{
		{"a local account", "", silence(alice.ID), alice, true},
		{"a local account twice", storage.Conflict, silence(alice.ID), alice, true},
		{"a remote account", "", silence(gus.ID), gus, true},
		{"the instance's own actor", storage.Invalid, silence(inst.ID), inst, false},
		{"no such account", storage.NotFound, silence(1 << 40), nil, false},
		{"a deleted account", storage.Gone, silence(gone.ID), gone, false},
		{"lifting a silence", "", unsilence(alice.ID), alice, false},
		{"lifting it again", storage.Conflict, unsilence(alice.ID), alice, false},
		{"lifting a remote one", "", unsilence(gus.ID), gus, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := r.counts()
			r.try(t, tt.kind, tt.action)
			r.unchanged(t, before) // no delivery, no row of anything
			if tt.who == nil {
				return
			}
			a, err := r.db.GetActorByID(r.ctx, tt.who.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a.Limited() != tt.silenced {
				t.Errorf("%s limited %v, want %v", a.Username, a.Limited(), tt.silenced)
			}
		})
	}

	admin, err := r.s.CreateAccount(r.ctx, "root", "password of root", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []*storage.Actor{bob, gus} {
		rep, err := r.s.Report(r.ctx, alice, ReportInput{TargetID: target.ID})
		if err != nil {
			t.Fatal(err)
		}
		if rep, err = r.s.ResolveReport(r.ctx, admin, rep.ID, storage.ReportSilenced); err != nil || rep.Resolution != storage.ReportSilenced {
			t.Fatalf("resolving by silencing: %+v %v", rep, err)
		}
		a, err := r.db.GetActorByID(r.ctx, target.ID)
		if err != nil || !a.Limited() || a.Suspended() {
			t.Errorf("%s after the report: limited %v, suspended %v (%v)", target.Handle(), a.Limited(), a.Suspended(), err)
		}
		if blocked, err := r.db.IsBlocked(r.ctx, target.URI); err != nil || blocked {
			t.Errorf("%s is blocked after a silence: %v %v", target.Handle(), blocked, err)
		}
	}
}
