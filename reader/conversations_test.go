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

// TestUnreadConversationsCountsWhatTheListShows: the menu's count, read from ids alone, is
// the number of unread conversations the list shows (not hidden), whatever hides them: a
// mute, a block, a suspended author of the newest note, participants of whom one is
// hidden and one not, none but the account itself, read ones.
func TestUnreadConversationsCountsWhatTheListShows(t *testing.T) {
	r := newRig(t)
	alice := r.actor(testBase, "alice")
	bob := r.actor(testBase, "bob")
	dan := r.actor(remoteBase, "dan")
	erin := r.actor(remoteBase, "erin")
	fay := r.actor(remoteBase, "fay")
	r.note(dan, storage.Direct, "", alice)
	r.note(erin, storage.Direct, "", alice)
	r.note(fay, storage.Direct, "", alice, dan)
	r.note(bob, storage.Direct, "", alice, erin)
	r.note(alice, storage.Direct, "") // to no one: her own, read
	mentioned := r.note(dan, storage.Direct, "", alice, fay)
	r.note(alice, storage.Direct, mentioned.URI, dan) // a reply of hers: read

	shown := func() int {
		t.Helper()
		list, err := r.rd.Conversations(r.ctx, alice, storage.Page{Unread: true, Limit: maxUnreadConversations})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range list {
			if !c.Hidden && c.Unread {
				n++
			}
		}
		return n
	}
	steps := []struct {
		name string
		do   func(tx storage.Tx) error
		want int
	}{
		{"as stored", func(storage.Tx) error { return nil }, 4},
		{"dan muted", func(tx storage.Tx) error {
			return tx.PutMute(r.ctx, &storage.Mute{ActorID: alice.ID, TargetID: dan.ID})
		}, 3},
		{"erin blocked", func(tx storage.Tx) error {
			_, err := tx.PutAccountBlock(r.ctx, &storage.AccountBlock{ActorID: alice.ID, TargetID: erin.ID})
			return err
		}, 2},
		{"fay suspended", func(tx storage.Tx) error {
			fay.SuspendedAt = time.Now()
			return tx.UpdateActor(r.ctx, fay)
		}, 1},
	}
	for _, s := range steps {
		if err := r.db.Update(r.ctx, s.do); err != nil {
			t.Fatal(err)
		}
		n, err := r.rd.UnreadConversations(r.ctx, alice)
		if err != nil || n != shown() || n != s.want {
			t.Errorf("%s: unread count %d %v, the list shows %d, want %d", s.name, n, err, shown(), s.want)
		}
	}
}
