package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestConversationsOfReceivedNotes: direct notes a remote actor sends, carrying no
// conversation, are kept in one conversation per thread (found by walking up to its
// root, or the oldest note of it stored), for each local account they address and not
// for a remote one; the participants are the authors and the actors mentioned other than
// the account; a note that is not direct makes none; a local account's own note in the
// thread marks its conversation read.
func TestConversationsOfReceivedNotes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	bob := mustActor(t, db, "bob", "refuge.example", true)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	carol := mustActor(t, db, "carol", "peer.example", false)
	dan := mustActor(t, db, "dan", "peer.example", false)
	mention := func(a *storage.Actor) storage.Tag {
		return storage.Tag{Type: "Mention", Name: "@" + a.Username, Href: a.URI}
	}
	store := func(author *storage.Actor, id, parent string, vis storage.Visibility, to ...*storage.Actor) *storage.Note {
		t.Helper()
		n := &storage.Note{URI: author.URI + "/statuses/" + id, ActorID: author.ID, Local: author.Local, Content: "<p>" + id + "</p>",
			InReplyToURI: parent, Visibility: vis, Published: time.Now()}
		for _, a := range to {
			n.To, n.Tags = append(n.To, a.URI), append(n.Tags, mention(a))
		}
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.CreateNote(ctx, n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	root := store(carol, "1", "", storage.Direct, bob, dan)
	reply := store(bob, "2", root.URI, storage.Direct, carol, dan)
	deeper := store(carol, "3", reply.URI, storage.Direct, bob)
	orphan := store(carol, "4", "https://elsewhere.example/notes/unknown", storage.Direct, bob)
	store(carol, "5", orphan.URI, storage.Direct, bob)
	store(carol, "6", "", storage.Followers, bob)
	store(dan, "6b", "", storage.Public, mustActor(t, db, "eve", "peer.example", false)) // a mention outside them

	list, err := db.ListConversations(ctx, bob.ID, storage.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("bob has %d conversations, want 2: %+v", len(list), list)
	}
	thread, other := list[1], list[0]
	if thread.Context != root.URI || thread.LastNoteID != deeper.ID || !thread.Unread || thread.Last == nil || thread.Last.ID != deeper.ID {
		t.Errorf("the thread: %+v", thread)
	}
	var names []string
	for _, a := range thread.Participants {
		names = append(names, a.Username)
	}
	if len(names) != 2 || names[0] == "bob" || names[1] == "bob" {
		t.Errorf("participants %v, want carol and dan", names)
	}
	if other.Context != "https://elsewhere.example/notes/unknown" || len(other.Participants) != 1 {
		t.Errorf("the thread whose root is not stored: %+v", other)
	}
	for _, a := range []*storage.Actor{alice, carol, dan} {
		if l, _ := db.ListConversations(ctx, a.ID, storage.Page{}); len(l) != 0 {
			t.Errorf("%s has conversations: %+v", a.Username, l)
		}
	}
	if unread, _ := db.ListConversations(ctx, bob.ID, storage.Page{Unread: true}); len(unread) != 2 {
		t.Errorf("unread: %d, want 2", len(unread))
	}
	store(bob, "7", deeper.URI, storage.Direct, carol)
	if c, err := db.NoteConversation(ctx, bob.ID, deeper.ID); err != nil || c.ID != thread.ID || c.Unread {
		t.Errorf("after bob's reply: %+v %v, want read", c, err)
	}
	if _, err := db.NoteConversation(ctx, alice.ID, deeper.ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("alice's conversation of a note not hers: %v", err)
	}
}
