package sqldb

import (
	"context"
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

// TestActorMoves: an actor's aliases and move are stored and read back (with the notes that
// carry it as their author too); a refetch of a remote actor that still says it moved keeps
// the time it was first seen moved; and ListHiders finds the blocks and the live mutes of
// an account, for a move to carry over.
func TestActorMoves(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Now().UTC().Truncate(time.Second)
	a := mustActor(t, db, "a", "refuge.example", true)
	a.AlsoKnownAs = []string{"https://old.example/users/a", "https://older.example/users/a"}
	a.MovedTo, a.MovedAt = "https://new.example/users/a", now
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateActor(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetActorByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.AlsoKnownAs, a.AlsoKnownAs) || got.MovedTo != a.MovedTo || !got.MovedAt.Equal(now) {
		t.Errorf("read back aliases %v, moved to %q at %v; want %v, %q, %v", got.AlsoKnownAs, got.MovedTo, got.MovedAt,
			a.AlsoKnownAs, a.MovedTo, now)
	}
	n := mustNote(t, db, a, "1", storage.Public)
	if note, err := db.GetNoteByURI(ctx, n.URI); err != nil || note.Author.MovedTo != a.MovedTo ||
		!slices.Equal(note.Author.AlsoKnownAs, a.AlsoKnownAs) {
		t.Errorf("note's author: %+v, %v", note, err)
	}

	remote := &storage.Actor{URI: "https://peer.example/users/r", Type: "Person", Username: "r", Host: "peer.example",
		Inbox: "https://peer.example/users/r/inbox", MovedTo: "https://new.example/users/r"}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(ctx, remote) }); err != nil {
		t.Fatal(err)
	}
	first := remote.MovedAt
	if first.IsZero() {
		t.Fatal("a remote actor stored as moved has no MovedAt")
	}
	time.Sleep(20 * time.Millisecond) // a refetch later, which must not move the time
	again := *remote
	again.ID, again.MovedAt = 0, time.Time{}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(ctx, &again) }); err != nil {
		t.Fatal(err)
	}
	// Stored times are in microseconds on PostgreSQL: equal within a millisecond.
	if got, _ := db.GetActorByURI(ctx, remote.URI); got.MovedAt.Sub(first).Abs() > time.Millisecond {
		t.Errorf("refetched remote actor moved at %v, want %v kept", got.MovedAt, first)
	}

	blocker, muter, ended := mustActor(t, db, "b", "refuge.example", true), mustActor(t, db, "m", "refuge.example", true),
		mustActor(t, db, "e", "refuge.example", true)
	err = db.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.PutAccountBlock(ctx, &storage.AccountBlock{URI: blocker.URI + "#blocks/1", ActorID: blocker.ID,
			TargetID: remote.ID, Created: now}); err != nil {
			return err
		}
		if err := tx.PutMute(ctx, &storage.Mute{ActorID: muter.ID, TargetID: remote.ID, Notifications: true}); err != nil {
			return err
		}
		return tx.PutMute(ctx, &storage.Mute{ActorID: ended.ID, TargetID: remote.ID, Expires: now.Add(-time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	blockers, mutes, err := db.ListHiders(ctx, remote.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(blockers, []int64{blocker.ID}) {
		t.Errorf("blockers %v, want [%d]", blockers, blocker.ID)
	}
	if len(mutes) != 1 || mutes[0].ActorID != muter.ID || !mutes[0].Notifications {
		t.Errorf("mutes %+v, want muter's only, with notifications", mutes)
	}
}
