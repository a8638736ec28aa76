package reader

import (
	"testing"
	"time"

	"refuge/storage"
)

// TestConversationsHiddenByMutes: a conversation whose only other participant the account
// mutes is marked hidden, left out of the unread count and not found by its note, while one
// where another participant is not muted stays; the mute's end brings it back.
func TestConversationsHiddenByMutes(t *testing.T) {
	r := newRig(t)
	alice := r.actor(testBase, "alice")
	bob := r.actor(testBase, "bob")
	dan := r.actor(remoteBase, "dan")
	alone := r.note(dan, storage.Direct, "", alice)
	both := r.note(bob, storage.Direct, "", alice, dan)

	mute := &storage.Mute{ActorID: alice.ID, TargetID: dan.ID, Expires: time.Now().Add(time.Hour)}
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.PutMute(r.ctx, mute) }); err != nil {
		t.Fatal(err)
	}
	list, err := r.rd.Conversations(r.ctx, alice, storage.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].LastNoteID != both.ID || list[0].Hidden || list[1].LastNoteID != alone.ID || !list[1].Hidden {
		t.Fatalf("alice's conversations: %+v", list)
	}
	if n, err := r.rd.UnreadConversations(r.ctx, alice); err != nil || n != 1 {
		t.Errorf("unread: %d %v, want 1", n, err)
	}
	if _, err := r.rd.ConversationOfNote(r.ctx, alice, alone.ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("the muted conversation by its note: %v, want NotFound", err)
	}
	if c, err := r.rd.ConversationOfNote(r.ctx, bob, both.ID); err != nil || c.Unread {
		t.Errorf("bob's own conversation: %+v %v, want it read", c, err)
	}

	mute.Expires = time.Now().Add(-time.Minute)
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.PutMute(r.ctx, mute) }); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.rd.UnreadConversations(r.ctx, alice); n != 2 {
		t.Errorf("unread once the mute ended: %d, want 2", n)
	}
}
