package sqldb

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

// TestAccountBlocksAndMutes: an account's blocks and mutes are stored once per pair and
// listed newest first; a mute that ended counts as none; and what is hidden from the
// account (storage.Page.HiddenFor) leaves timelines, feeds and notifications in the query.
func TestAccountBlocksAndMutes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Now()
	alice := mustActor(t, db, "alice", "refuge.example", true)
	zed := mustActor(t, db, "zed", "refuge.example", true) // blocks alice
	blocked := mustActor(t, db, "blocked", "peer.example", false)
	muted := mustActor(t, db, "muted", "peer.example", false)   // with notifications
	quiet := mustActor(t, db, "quiet", "peer.example", false)   // notifications still come
	ended := mustActor(t, db, "ended", "peer.example", false)   // a mute that ended
	friend := mustActor(t, db, "friend", "peer.example", false) // nothing between them
	var first storage.AccountBlock
	err := db.Update(ctx, func(tx storage.Tx) error {
		first = storage.AccountBlock{URI: alice.URI + "/blocks/1", ActorID: alice.ID, TargetID: blocked.ID, Created: now}
		if added, err := tx.PutAccountBlock(ctx, &first); err != nil || !added {
			t.Errorf("first block: %v, %v", added, err)
		}
		again := storage.AccountBlock{URI: alice.URI + "/blocks/2", ActorID: alice.ID, TargetID: blocked.ID}
		if added, err := tx.PutAccountBlock(ctx, &again); err != nil || added || again.ID != first.ID || again.URI != first.URI {
			t.Errorf("second block of the same pair: %v, %v, %+v; want the first kept", added, err, again)
		}
		if _, err := tx.PutAccountBlock(ctx, &storage.AccountBlock{URI: zed.URI + "/blocks/1", ActorID: zed.ID,
			TargetID: alice.ID}); err != nil {
			return err
		}
		for _, m := range []*storage.Mute{
			{ActorID: alice.ID, TargetID: ended.ID, Notifications: true, Expires: now.Add(-time.Minute)},
			{ActorID: alice.ID, TargetID: muted.ID, Notifications: false},
			{ActorID: alice.ID, TargetID: muted.ID, Notifications: true}, // replaces the one before
			{ActorID: alice.ID, TargetID: quiet.ID, Expires: now.Add(time.Hour)},
		} {
			if err := tx.PutMute(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	if b, err := db.GetAccountBlock(ctx, alice.ID, blocked.ID); err != nil || b.URI != first.URI {
		t.Errorf("GetAccountBlock: %+v, %v", b, err)
	}
	if _, err := db.GetAccountBlock(ctx, blocked.ID, alice.ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("the block the other way: %v, want NotFound", err)
	}
	if m, err := db.GetMute(ctx, alice.ID, muted.ID, now); err != nil || !m.Notifications || !m.Expires.IsZero() {
		t.Errorf("GetMute of the replaced mute: %+v, %v", m, err)
	}
	if _, err := db.GetMute(ctx, alice.ID, ended.ID, now); storage.KindOf(err) != storage.NotFound {
		t.Errorf("an ended mute: %v, want NotFound", err)
	}
	if _, err := db.GetMute(ctx, alice.ID, quiet.ID, now.Add(2*time.Hour)); storage.KindOf(err) != storage.NotFound {
		t.Errorf("a mute read after its end: %v, want NotFound", err)
	}
	ids := func(actors []*storage.Actor) []int64 {
		var out []int64
		for _, a := range actors {
			out = append(out, a.ID)
		}
		return out
	}
	list, cursors, err := db.ListMutes(ctx, alice.ID, now, storage.Page{})
	if err != nil || !slices.Equal(ids(list), []int64{quiet.ID, muted.ID}) || len(cursors) != 2 {
		t.Errorf("ListMutes: %v %v %v, want quiet then muted", ids(list), cursors, err)
	}
	if list, _, err = db.ListMutes(ctx, alice.ID, now, storage.Page{Before: cursors[0]}); err != nil ||
		!slices.Equal(ids(list), []int64{muted.ID}) {
		t.Errorf("ListMutes before the newest: %v %v", ids(list), err)
	}
	if list, _, err = db.ListAccountBlocks(ctx, alice.ID, storage.Page{}); err != nil || !slices.Equal(ids(list), []int64{blocked.ID}) {
		t.Errorf("ListAccountBlocks: %v %v", ids(list), err)
	}

	// Timelines: a public note of each; alice's own stays.
	notes := map[int64]*storage.Note{}
	for _, a := range []*storage.Actor{alice, zed, blocked, muted, quiet, ended, friend} {
		notes[a.ID] = mustNote(t, db, a, "1", storage.Public)
	}
	shown := []int64{alice.ID, ended.ID, friend.ID}
	public, err := db.ListPublic(ctx, true, true, storage.Page{HiddenFor: alice.ID, HiddenAt: now})
	if err != nil || !slices.Equal(noteAuthors(public), shown) {
		t.Errorf("public timeline hidden for alice: authors %v %v, want %v", noteAuthors(public), err, shown)
	}
	if all, _ := db.ListPublic(ctx, true, true, storage.Page{}); len(all) != 7 {
		t.Errorf("public timeline for nobody: %d notes, want 7", len(all))
	}
	if later, _ := db.ListPublic(ctx, true, true, storage.Page{HiddenFor: alice.ID, HiddenAt: now.Add(2 * time.Hour)}); len(later) != 4 {
		t.Errorf("public timeline after quiet's mute ended: %d notes, want 4", len(later))
	}

	// The home feed: notes of the hidden, and a boost by one of them of a friend's note.
	err = db.Update(ctx, func(tx storage.Tx) error {
		for _, a := range []*storage.Actor{friend, muted, blocked} {
			if err := tx.AddToFeed(ctx, []int64{alice.ID}, notes[a.ID].ID, 0, now); err != nil {
				return err
			}
		}
		boost := &storage.Reaction{URI: muted.URI + "/boosts/1", ActorID: muted.ID, NoteID: notes[ended.ID].ID, Created: now}
		if _, err := tx.PutReaction(ctx, storage.Announce, boost); err != nil {
			return err
		}
		if err := tx.AddToFeed(ctx, []int64{alice.ID}, notes[ended.ID].ID, boost.ID, now); err != nil {
			return err
		}
		for _, a := range []*storage.Actor{blocked, muted, quiet, ended, zed} {
			if err := tx.Notify(ctx, alice.ID, storage.NotificationMention, a.ID, notes[a.ID].ID, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	feed, err := db.ListFeed(ctx, alice.ID, storage.Page{HiddenFor: alice.ID, HiddenAt: now})
	if err != nil || len(feed) != 1 || feed[0].Note.ActorID != friend.ID {
		t.Errorf("home feed hidden for alice: %d items %v, want the friend's note only", len(feed), err)
	}
	got, err := db.ListNotifications(ctx, alice.ID, storage.Page{HiddenFor: alice.ID, HiddenAt: now})
	var from []int64
	for _, n := range got {
		from = append(from, n.Actor.ID)
	}
	slices.Sort(from)
	if want := []int64{zed.ID, quiet.ID, ended.ID}; err != nil || !slices.Equal(from, want) {
		t.Errorf("notifications hidden for alice from %v %v, want from %v (zed, quiet, ended)", from, err, want)
	}

	// Lifting: once, then NotFound.
	err = db.Update(ctx, func(tx storage.Tx) error {
		if b, err := tx.DeleteAccountBlock(ctx, alice.ID, blocked.ID); err != nil || b.ID != first.ID {
			t.Errorf("DeleteAccountBlock: %+v %v", b, err)
		}
		if _, err := tx.DeleteAccountBlock(ctx, alice.ID, blocked.ID); storage.KindOf(err) != storage.NotFound {
			t.Errorf("DeleteAccountBlock again: %v, want NotFound", err)
		}
		if err := tx.DeleteMute(ctx, alice.ID, muted.ID); err != nil {
			t.Errorf("DeleteMute: %v", err)
		}
		if err := tx.DeleteMute(ctx, alice.ID, muted.ID); storage.KindOf(err) != storage.NotFound {
			t.Errorf("DeleteMute again: %v, want NotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPostingDefaults: none stored reads as the zero value; stored ones are replaced whole.
func TestPostingDefaults(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	if d, err := db.GetPostingDefaults(ctx, alice.ID); err != nil || d != (storage.PostingDefaults{}) {
		t.Errorf("none stored: %+v %v", d, err)
	}
	for _, want := range []storage.PostingDefaults{
		{Privacy: storage.Followers, Sensitive: true, Language: "de"},
		{Privacy: storage.Public},
	} {
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutPostingDefaults(ctx, alice.ID, want) }); err != nil {
			t.Fatal(err)
		}
		if d, err := db.GetPostingDefaults(ctx, alice.ID); err != nil || d != want {
			t.Errorf("stored %+v, read %+v %v", want, d, err)
		}
	}
}

// TestHideReblogs: a follow that hides its followee's boosts keeps them, not the followee's
// own notes, out of the follower's feed when the feed is read as the follower's.
func TestHideReblogs(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	bob := mustActor(t, db, "bob", "peer.example", false)
	carol := mustActor(t, db, "carol", "peer.example", false)
	own, boosted := mustNote(t, db, bob, "own", storage.Public), mustNote(t, db, carol, "boosted", storage.Public)
	f := &storage.Follow{URI: alice.URI + "/follows/1", FollowerID: alice.ID, FolloweeID: bob.ID, Accepted: true}
	err := db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.PutFollow(ctx, f); err != nil {
			return err
		}
		boost := &storage.Reaction{URI: bob.URI + "/boosts/1", ActorID: bob.ID, NoteID: boosted.ID}
		if _, err := tx.PutReaction(ctx, storage.Announce, boost); err != nil {
			return err
		}
		if err := tx.AddToFeed(ctx, []int64{alice.ID}, own.ID, 0, time.Now()); err != nil {
			return err
		}
		return tx.AddToFeed(ctx, []int64{alice.ID}, boosted.ID, boost.ID, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, hide := range []bool{true, false} {
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.SetHideReblogs(ctx, f.ID, hide) }); err != nil {
			t.Fatal(err)
		}
		if got, err := db.GetFollow(ctx, alice.ID, bob.ID); err != nil || got.HideReblogs != hide {
			t.Errorf("follow %+v %v, want HideReblogs %v", got, err, hide)
		}
		feed, err := db.ListFeed(ctx, alice.ID, storage.Page{HiddenFor: alice.ID})
		want := map[bool]int{true: 1, false: 2}[hide]
		if err != nil || len(feed) != want || feed[len(feed)-1].Note.ID != own.ID {
			t.Errorf("feed with boosts hidden %v: %d items %v, want %d ending with bob's own", hide, len(feed), err, want)
		}
	}
}

// noteAuthors are the ids of the authors of list, sorted.
func noteAuthors(list []*storage.Note) []int64 {
	var out []int64
	for _, n := range list {
		out = append(out, n.ActorID)
	}
	slices.Sort(out)
	return out
}

// TestHidesAnyone: an account hides others' posts from itself when it blocks, mutes (until
// the mute ends) or blocks a server, or when someone blocks it; otherwise not at all.
func TestHidesAnyone(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Now()
	other := mustActor(t, db, "other", "peer.example", false)
	tests := []struct {
		name string
		put  func(tx storage.Tx, a *storage.Actor) error
		want bool
	}{
		{"nothing", func(storage.Tx, *storage.Actor) error { return nil }, false},
		{"blocks someone", func(tx storage.Tx, a *storage.Actor) error {
			_, err := tx.PutAccountBlock(ctx, &storage.AccountBlock{URI: a.URI + "/blocks/1", ActorID: a.ID, TargetID: other.ID})
			return err
		}, true},
		{"is blocked", func(tx storage.Tx, a *storage.Actor) error {
			_, err := tx.PutAccountBlock(ctx, &storage.AccountBlock{URI: other.URI + "/blocks/" + a.Name, ActorID: other.ID, TargetID: a.ID})
			return err
		}, true},
		{"mutes someone", func(tx storage.Tx, a *storage.Actor) error {
			return tx.PutMute(ctx, &storage.Mute{ActorID: a.ID, TargetID: other.ID, Expires: now.Add(time.Hour)})
		}, true},
		{"a mute that ended", func(tx storage.Tx, a *storage.Actor) error {
			return tx.PutMute(ctx, &storage.Mute{ActorID: a.ID, TargetID: other.ID, Expires: now.Add(-time.Minute)})
		}, false},
		{"blocks a server", func(tx storage.Tx, a *storage.Actor) error {
			_, err := tx.PutAccountDomainBlock(ctx, &storage.AccountDomainBlock{ActorID: a.ID, Domain: "far.example", Created: now})
			return err
		}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustActor(t, db, fmt.Sprintf("a%d", i), "refuge.example", true)
			if err := db.Update(ctx, func(tx storage.Tx) error { return tt.put(tx, a) }); err != nil {
				t.Fatal(err)
			}
			if got, err := db.HidesAnyone(ctx, a.ID, now); err != nil || got != tt.want {
				t.Errorf("HidesAnyone = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
