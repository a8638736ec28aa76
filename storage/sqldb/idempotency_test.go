package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestIdempotencyKeys: a key names the first note claimed with it until the window passes;
// a later claim within it stores nothing; after it, the key names the new note.
func TestIdempotencyKeys(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := &storage.Actor{URI: "https://refuge.example/users/ida", Local: true, Type: "Person", Username: "ida",
		Inbox: "https://refuge.example/users/ida/inbox", Published: at}
	var first, second storage.Note
	err := db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.CreateActor(ctx, a); err != nil {
			return err
		}
		for i, n := range []*storage.Note{&first, &second} {
			*n = storage.Note{URI: a.URI + "/statuses/" + string(rune('1'+i)), ActorID: a.ID, Local: true,
				Content: "x", Visibility: storage.Public, Published: at}
			if err := tx.CreateNote(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	claim := func(noteID int64, now time.Time) bool {
		t.Helper()
		var got bool
		err := db.Update(ctx, func(tx storage.Tx) (err error) {
			got, err = tx.ClaimIdempotencyKey(ctx, a.ID, "k", noteID, now, now.Add(-time.Hour))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	named := func(now time.Time) int64 {
		t.Helper()
		id, err := db.IdempotentNote(ctx, a.ID, "k", now.Add(-time.Hour))
		if storage.KindOf(err) == storage.NotFound {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if named(at) != 0 || !claim(first.ID, at) || named(at) != first.ID {
		t.Fatalf("first claim: key names %d, want %d", named(at), first.ID)
	}
	later := at.Add(30 * time.Minute)
	if claim(second.ID, later) || named(later) != first.ID {
		t.Errorf("a claim within the hour took the key: it names %d", named(later))
	}
	past := at.Add(61 * time.Minute)
	if named(past) != 0 || !claim(second.ID, past) || named(past) != second.ID {
		t.Errorf("after the hour: key names %d, want %d", named(past), second.ID)
	}
}
