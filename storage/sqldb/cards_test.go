package sqldb

import (
	"context"
	"reflect"
	"testing"
	"time"

	"refuge/storage"
)

// TestCards: a remote object's card is stored and read back whole, replaced by an edit,
// and gone with the note; its picture is queued for the remote media cache and kept there
// while a note names it.
func TestCards(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	remote := mustActor(t, db, "hanna", "events.test", false)
	card := &storage.Card{Type: "Event", Title: "Repair café", Summary: "Fix things", Image: "https://events.test/banner.jpg",
		Link: "https://blog.test/a", Start: time.Date(2026, 7, 11, 12, 0, 0, 0, time.UTC),
		End: time.Date(2026, 7, 11, 16, 0, 0, 0, time.UTC), Place: "Library", Address: "Main St 1, Berlin"}
	n := &storage.Note{URI: remote.URI + "/events/1", ActorID: remote.ID, Content: "<p>x</p>", Visibility: storage.Public,
		Published: time.Now(), Card: card}
	plain := remoteNote(t, db, remote, "plain")
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.CreateNote(ctx, n) }); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetNoteByID(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Card, card) {
		t.Errorf("card read back %+v, want %+v", got.Card, card)
	}
	if p, err := db.GetNoteByID(ctx, plain.ID); err != nil || p.Card != nil {
		t.Errorf("a note has a card: %+v %v", p.Card, err)
	}
	mustRemoteMedia(t, db, card.Image)
	storeRemote(t, db, time.Now())
	if dropped, err := db.DropOrphanRemoteMedia(ctx, 10); err != nil || len(dropped) != 0 {
		t.Fatalf("dropped a card's picture while its note stands: %+v %v", dropped, err)
	}

	edited := *card
	edited.Title, edited.Image = "Repair café, moved", ""
	got.Card, got.Updated = &edited, time.Now()
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateNote(ctx, got) }); err != nil {
		t.Fatal(err)
	}
	if again, err := db.GetNoteByID(ctx, n.ID); err != nil || !reflect.DeepEqual(again.Card, &edited) {
		t.Errorf("card after an edit %+v %v, want %+v", again.Card, err, edited)
	}
	dropped, err := db.DropOrphanRemoteMedia(ctx, 10)
	if err != nil || len(dropped) != 1 || dropped[0].URL != card.Image {
		t.Errorf("the picture no note names any longer: dropped %+v %v", dropped, err)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNote(ctx, n.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if gone, err := db.GetNoteByID(ctx, n.ID); err != nil || gone.Card != nil {
		t.Errorf("a deleted note keeps its card: %+v %v", gone.Card, err)
	}
}
