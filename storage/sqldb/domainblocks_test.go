package sqldb

import (
	"context"
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

// TestAccountDomainBlocks: an account's blocks of servers are stored once per domain,
// listed newest first and paged; what the accounts on a blocked domain post, boost or
// notify is hidden from the account (storage.Page.HiddenFor) and from no one else; the
// relationship says so; the follows on the domain are listed both ways.
func TestAccountDomainBlocks(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Now()
	alice := mustActor(t, db, "alice", "refuge.example", true)
	bob := mustActor(t, db, "bob", "refuge.example", true)
	wolf := mustActor(t, db, "wolf", "evil.example", false)
	dog := mustActor(t, db, "dog", "evil.example", false)
	cub := mustActor(t, db, "cub", "sub.evil.example", false) // another server: not covered
	friend := mustActor(t, db, "friend", "peer.example", false)
	var first storage.AccountDomainBlock
	err := db.Update(ctx, func(tx storage.Tx) error {
		first = storage.AccountDomainBlock{ActorID: alice.ID, Domain: "evil.example", Created: now}
		if added, err := tx.PutAccountDomainBlock(ctx, &first); err != nil || !added || first.ID == 0 {
			t.Errorf("first domain block: %v, %v, %+v", added, err, first)
		}
		again := storage.AccountDomainBlock{ActorID: alice.ID, Domain: "evil.example"}
		if added, err := tx.PutAccountDomainBlock(ctx, &again); err != nil || added || again.ID != first.ID {
			t.Errorf("second block of the same domain: %v, %v, %+v; want the first kept", added, err, again)
		}
		if _, err := tx.PutAccountDomainBlock(ctx, &storage.AccountDomainBlock{ActorID: alice.ID, Domain: "spam.example:8443"}); err != nil {
			return err
		}
		for _, f := range []*storage.Follow{
			{URI: alice.URI + "/follows/1", FollowerID: alice.ID, FolloweeID: dog.ID, Accepted: true},
			{URI: wolf.URI + "/follows/1", FollowerID: wolf.ID, FolloweeID: alice.ID},
			{URI: friend.URI + "/follows/1", FollowerID: friend.ID, FolloweeID: alice.ID, Accepted: true},
			{URI: bob.URI + "/follows/1", FollowerID: bob.ID, FolloweeID: wolf.ID, Accepted: true},
		} {
			if err := tx.PutFollow(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	list, err := db.ListAccountDomainBlocks(ctx, alice.ID, storage.Page{})
	domains := func(list []*storage.AccountDomainBlock) []string {
		var out []string
		for _, b := range list {
			out = append(out, b.Domain)
		}
		return out
	}
	if err != nil || !slices.Equal(domains(list), []string{"spam.example:8443", "evil.example"}) {
		t.Fatalf("ListAccountDomainBlocks: %v %v", domains(list), err)
	}
	if older, err := db.ListAccountDomainBlocks(ctx, alice.ID, storage.Page{Before: list[0].ID}); err != nil ||
		!slices.Equal(domains(older), []string{"evil.example"}) {
		t.Errorf("ListAccountDomainBlocks before the newest: %v %v", domains(older), err)
	}
	if newer, err := db.ListAccountDomainBlocks(ctx, alice.ID, storage.Page{After: list[1].ID}); err != nil ||
		!slices.Equal(domains(newer), []string{"spam.example:8443"}) {
		t.Errorf("ListAccountDomainBlocks after the oldest: %v %v", domains(newer), err)
	}
	if none, err := db.ListAccountDomainBlocks(ctx, bob.ID, storage.Page{}); err != nil || len(none) != 0 {
		t.Errorf("bob's domain blocks: %v %v, want none", domains(none), err)
	}

	for _, c := range []struct {
		actor, other *storage.Actor
		want         bool
	}{{alice, wolf, true}, {alice, cub, false}, {alice, friend, false}, {bob, wolf, false}} {
		rel, err := db.GetRelationship(ctx, c.actor.ID, c.other.ID, now)
		if err != nil || rel.DomainBlocking != c.want {
			t.Errorf("relationship of %s with %s: domain blocking %v %v, want %v", c.actor.Username, c.other.Username,
				rel.DomainBlocking, err, c.want)
		}
	}
	on, err := db.ListFollowsOnHost(ctx, alice.ID, "evil.example")
	var onIDs []int64
	for _, a := range on {
		onIDs = append(onIDs, a.ID)
	}
	if err != nil || !slices.Equal(onIDs, []int64{wolf.ID, dog.ID}) {
		t.Errorf("ListFollowsOnHost: %v %v, want wolf (a request to alice) and dog (whom alice follows)", onIDs, err)
	}

	notes := map[int64]*storage.Note{}
	for _, a := range []*storage.Actor{alice, wolf, dog, cub, friend} {
		notes[a.ID] = mustNote(t, db, a, "1", storage.Public)
	}
	if public, err := db.ListPublic(ctx, true, true, storage.Page{HiddenFor: alice.ID}); err != nil ||
		!slices.Equal(noteAuthors(public), []int64{alice.ID, cub.ID, friend.ID}) {
		t.Errorf("public timeline for alice: authors %v %v, want alice, cub, friend", noteAuthors(public), err)
	}
	if public, _ := db.ListPublic(ctx, true, true, storage.Page{HiddenFor: bob.ID}); len(public) != 5 {
		t.Errorf("public timeline for bob: %d notes, want all 5", len(public))
	}

	// The home feed: wolf's note, and dog's boost of the friend's note, are hidden.
	err = db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.AddToFeed(ctx, []int64{alice.ID}, notes[wolf.ID].ID, 0, now); err != nil {
			return err
		}
		if err := tx.AddToFeed(ctx, []int64{alice.ID}, notes[friend.ID].ID, 0, now); err != nil {
			return err
		}
		boost := &storage.Reaction{URI: dog.URI + "/boosts/1", ActorID: dog.ID, NoteID: notes[cub.ID].ID, Created: now}
		if _, err := tx.PutReaction(ctx, storage.Announce, boost); err != nil {
			return err
		}
		if err := tx.AddToFeed(ctx, []int64{alice.ID}, notes[cub.ID].ID, boost.ID, now); err != nil {
			return err
		}
		for _, a := range []*storage.Actor{wolf, dog, friend} {
			if err := tx.Notify(ctx, alice.ID, storage.NotificationMention, a.ID, notes[a.ID].ID, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	feed, err := db.ListFeed(ctx, alice.ID, storage.Page{HiddenFor: alice.ID})
	if err != nil || len(feed) != 1 || feed[0].Note.ActorID != friend.ID {
		t.Errorf("home feed for alice: %d items %v, want the friend's note only", len(feed), err)
	}
	got, err := db.ListNotifications(ctx, alice.ID, storage.Page{HiddenFor: alice.ID})
	if err != nil || len(got) != 1 || got[0].Actor.ID != friend.ID {
		t.Errorf("notifications for alice: %d %v, want the friend's only", len(got), err)
	}

	// Lifting: once, then NotFound; then nothing is hidden.
	err = db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.DeleteAccountDomainBlock(ctx, alice.ID, "evil.example"); err != nil {
			t.Errorf("DeleteAccountDomainBlock: %v", err)
		}
		if err := tx.DeleteAccountDomainBlock(ctx, alice.ID, "evil.example"); storage.KindOf(err) != storage.NotFound {
			t.Errorf("DeleteAccountDomainBlock again: %v, want NotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if public, _ := db.ListPublic(ctx, true, true, storage.Page{HiddenFor: alice.ID}); len(public) != 5 {
		t.Errorf("public timeline for alice after the unblock: %d notes, want 5", len(public))
	}
}
