package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestSuspendedAt: a suspension is stored and read back with the actor, in every list that
// carries actors (a note's author among them); suspended accounts are not counted as users;
// a remote actor refetched while still suspended keeps the time it was first seen so.
func TestSuspendedAt(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	mustActor(t, db, "bob", "refuge.example", true)
	carol := mustActor(t, db, "carol", "peer.example", false)
	note := mustNote(t, db, alice, "1", storage.Public)
	users := func() int {
		t.Helper()
		n, err := db.CountLocalUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := users(); n != 2 {
		t.Fatalf("%d users before", n)
	}

	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	alice.SuspendedAt = at
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateActor(ctx, alice) }); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GetActorByID(ctx, alice.ID); err != nil || !got.SuspendedAt.Equal(at) || !got.Suspended() {
		t.Errorf("alice read back: %v, %v", got, err)
	}
	if n, err := db.GetNoteByID(ctx, note.ID); err != nil || !n.Author.Suspended() {
		t.Errorf("the author of alice's note: %v, %v", n, err)
	}
	if n := users(); n != 1 {
		t.Errorf("%d users with alice suspended, want 1", n)
	}
	if list, err := db.ListLocalActors(ctx); err != nil || len(list) != 2 {
		t.Errorf("the local accounts, suspended or not: %v, %v", list, err)
	}
	// Her notes are listed nowhere meanwhile, and come back with her.
	lists := func() []int {
		t.Helper()
		own, err := db.ListActorNotes(ctx, alice.ID, 0, storage.Page{})
		if err != nil {
			t.Fatal(err)
		}
		public, err := db.ListPublicActorNotes(ctx, alice.ID, storage.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return []int{len(own), len(public)}
	}
	if n := lists(); n[0] != 0 || n[1] != 0 {
		t.Errorf("alice's notes listed while she is suspended: %v", n)
	}
	alice.SuspendedAt = time.Time{}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateActor(ctx, alice) }); err != nil {
		t.Fatal(err)
	}
	if n := lists(); n[0] != 1 || n[1] != 1 || users() != 2 {
		t.Errorf("after unsuspending: notes listed %v, %d users", n, users())
	}

	// A remote actor's server says it is suspended, then says so again on a refetch.
	for i, seen := range []time.Time{at, at.Add(time.Hour)} {
		fresh := *carol
		fresh.ID, fresh.SuspendedAt = 0, seen
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(ctx, &fresh) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetActorByID(ctx, carol.ID); !got.SuspendedAt.Equal(at) {
			t.Errorf("fetch %d: carol suspended at %v, want %v", i, got.SuspendedAt, at)
		}
	}
	// And then that it is not.
	fresh := *carol
	fresh.ID = 0
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(ctx, &fresh) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetActorByID(ctx, carol.ID); got.Suspended() {
		t.Errorf("carol still suspended: %v", got.SuspendedAt)
	}
}
