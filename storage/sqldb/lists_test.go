package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestListsLeaveWithTheFollow: a list's members are accounts its owner follows. Whatever
// ends a follow (DeleteFollow: an unfollow, a Reject, a block) takes the account out of
// the follower's lists, and only hers; deleting the owner removes her lists, deleting a
// member takes it out of every list.
func TestListsLeaveWithTheFollow(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	carol := mustActor(t, db, "carol", "refuge.example", true)
	bob := mustActor(t, db, "bob", "remote.example", false)
	dave := mustActor(t, db, "dave", "remote.example", false)
	var aliceList, carolList storage.List
	follows := map[[2]int64]*storage.Follow{}
	err := db.Update(ctx, func(tx storage.Tx) error {
		for _, pair := range [][2]*storage.Actor{{alice, bob}, {alice, dave}, {carol, bob}} {
			f := &storage.Follow{URI: pair[0].URI + "/follows/" + pair[1].Username, FollowerID: pair[0].ID, FolloweeID: pair[1].ID,
				Accepted: true, Created: time.Now()}
			if err := tx.PutFollow(ctx, f); err != nil {
				return err
			}
			follows[[2]int64{pair[0].ID, pair[1].ID}] = f
		}
		aliceList = storage.List{ActorID: alice.ID, Title: "Friends", RepliesPolicy: storage.RepliesList}
		carolList = storage.List{ActorID: carol.ID, Title: "Remote", RepliesPolicy: storage.RepliesNone, Exclusive: true}
		for _, l := range []*storage.List{&aliceList, &carolList} {
			if err := tx.CreateList(ctx, l); err != nil {
				return err
			}
		}
		if err := tx.AddListMembers(ctx, aliceList.ID, []int64{bob.ID, dave.ID}); err != nil {
			return err
		}
		return tx.AddListMembers(ctx, carolList.ID, []int64{bob.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	members := func(l storage.List) []string {
		t.Helper()
		actors, _, err := db.ListListMembers(ctx, l.ID, storage.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range actors {
			out = append(out, a.Username)
		}
		return out
	}
	if got, err := db.GetList(ctx, carol.ID, carolList.ID); err != nil || got.Title != "Remote" || !got.Exclusive || got.RepliesPolicy != storage.RepliesNone {
		t.Errorf("carol's list read back as %+v, %v", got, err)
	}
	if _, err := db.GetList(ctx, alice.ID, carolList.ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("alice reading carol's list: %v, want NotFound", err)
	}

	// Alice's follow of bob ends: bob leaves her list, not carol's.
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteFollow(ctx, follows[[2]int64{alice.ID, bob.ID}].ID) }); err != nil {
		t.Fatal(err)
	}
	if got := members(aliceList); len(got) != 1 || got[0] != "dave" {
		t.Errorf("alice's list after her unfollow of bob: %v, want dave", got)
	}
	if got := members(carolList); len(got) != 1 || got[0] != "bob" {
		t.Errorf("carol's list after alice's unfollow of bob: %v, want bob", got)
	}
	if lists, err := db.ListsWith(ctx, carol.ID, bob.ID); err != nil || len(lists) != 1 || lists[0].ID != carolList.ID {
		t.Errorf("carol's lists with bob: %v, %v", lists, err)
	}

	// Bob is deleted: he leaves carol's list. Alice is deleted: her list goes.
	err = db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.MarkActorDeleted(ctx, bob.ID, time.Now()); err != nil {
			return err
		}
		return tx.MarkActorDeleted(ctx, alice.ID, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := members(carolList); len(got) != 0 {
		t.Errorf("carol's list after bob's deletion: %v", got)
	}
	if lists, err := db.ListLists(ctx, alice.ID); err != nil || len(lists) != 0 {
		t.Errorf("deleted alice's lists: %v, %v", lists, err)
	}
}
