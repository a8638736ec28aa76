package sqldb

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"refuge/storage"
)

// TestCountActorNotes checks the kept counts against counting the notes one by one, for
// every kind of viewer, as notes are added, deleted, and their author deleted.
func TestCountActorNotes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	author, follower, mentioned, stranger, mention := visibilityCast(t, db)
	check := func(when string) {
		t.Helper()
		for _, viewer := range []int64{0, author.ID, follower.ID, mentioned.ID, stranger.ID} {
			var want int
			err := db.q.QueryRowContext(ctx, `SELECT count(*) FROM notes n WHERE n.actor_id = :actor
				AND n.deleted_at = {never} AND `+visibleTo, sql.Named("actor", author.ID), sql.Named("viewer", viewer)).Scan(&want)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := db.CountActorNotes(ctx, author.ID, viewer); err != nil || got != want {
				t.Errorf("%s: viewer %d counts %d notes (%v), want %d", when, viewer, got, err, want)
			}
		}
	}
	check("no notes")
	var notes []*storage.Note
	for i, vis := range []storage.Visibility{storage.Public, storage.Unlisted, storage.Followers, storage.Direct, storage.Public, storage.Followers} {
		var tags []storage.Tag
		if vis == storage.Direct || i == 2 {
			tags = []storage.Tag{mention}
		}
		notes = append(notes, mustNote(t, db, author, string(rune('a'+i)), vis, tags...))
	}
	check("six notes")
	for _, n := range []*storage.Note{notes[0], notes[2], notes[3]} {
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNote(ctx, n.ID, time.Now()) }); err != nil {
			t.Fatal(err)
		}
	}
	check("three deleted")
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.MarkActorDeleted(ctx, author.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	check("author deleted")
}
