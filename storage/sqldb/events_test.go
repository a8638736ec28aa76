package sqldb

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"refuge/storage"
)

// TestEventsAfterCommit: the events a transaction records are published once it commits,
// with the ids of what it wrote; a transaction rolled back publishes none. On PostgreSQL
// they come back through the listener, as they come to every process.
func TestEventsAfterCommit(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	got := make(chan []storage.Event, 16)
	db.OnEvents(func(events []storage.Event) { got <- events })
	author := mustActor(t, db, "author", "example.com", true)
	reader := mustActor(t, db, "reader", "example.com", true)
	if db.pg != nil {
		// The listener starts in the background: wait until it hears commits.
		deadline := time.Now().Add(10 * time.Second)
		for db.pg.deaf.Load() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	drain := func() []storage.Event {
		var all []storage.Event
		timeout := time.After(5 * time.Second)
		for {
			select {
			case events := <-got:
				all = append(all, events...)
			case <-timeout:
				return all
			case <-time.After(300 * time.Millisecond):
				if len(all) > 0 {
					return all
				}
			}
		}
	}

	boom := errors.New("boom")
	err := db.Update(ctx, func(tx storage.Tx) error {
		n := &storage.Note{URI: author.URI + "/statuses/rolled-back", ActorID: author.ID, Local: true, Visibility: storage.Public, Published: time.Now()}
		if err := tx.CreateNote(ctx, n); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	n := &storage.Note{URI: author.URI + "/statuses/1", ActorID: author.ID, Local: true, Visibility: storage.Public, Published: time.Now()}
	err = db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.CreateNote(ctx, n); err != nil {
			return err
		}
		if err := tx.AddToFeed(ctx, []int64{reader.ID}, n.ID, 0, time.Now()); err != nil {
			return err
		}
		return tx.Notify(ctx, reader.ID, storage.NotificationReply, author.ID, n.ID, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	notes, err := db.ListNotifications(ctx, reader.ID, storage.Page{})
	if err != nil || len(notes) != 1 {
		t.Fatalf("notifications: %v %v", notes, err)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNote(ctx, n.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	events := drain()
	want := []storage.Event{
		{Kind: storage.EventNote, NoteID: n.ID, ActorID: author.ID},
		{Kind: storage.EventFeed, AccountID: reader.ID, NoteID: n.ID},
		{Kind: storage.EventNotification, AccountID: reader.ID, NotificationID: notes[0].ID},
		{Kind: storage.EventDelete, NoteID: n.ID, ActorID: author.ID, Public: true},
	}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("events\n got %+v\nwant %+v", events, want)
	}
}

// TestEventsEncoding: events survive the notification payload, split where it must be.
func TestEventsEncoding(t *testing.T) {
	var events []storage.Event
	for i := range 1000 {
		events = append(events, storage.Event{Kind: storage.EventFeed, AccountID: int64(i), NoteID: 1 << 40, AnnounceID: int64(i % 3),
			NotificationID: 7, ActorID: 9, Public: i%2 == 0})
	}
	payloads := encodeEvents(events)
	var back []storage.Event
	for _, p := range payloads {
		if len(p) > maxEventsPayload {
			t.Errorf("payload of %d bytes", len(p))
		}
		back = append(back, decodeEvents(p)...)
	}
	if len(payloads) < 2 || !reflect.DeepEqual(back, events) {
		t.Errorf("%d payloads; %d events back: %v", len(payloads), len(back), fmt.Sprint(back[:min(3, len(back))]))
	}
}
