package sqldb

import (
	"context"
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

// TestFollowedTags: following is idempotent and per account, unfollowing one not followed
// does nothing, the pages run newest first with cursors both ways, and TagFollowers names
// the followers of a note's hashtags once each, never its author, and nobody for a tag no
// one follows or a mention that looks like one.
func TestFollowedTags(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	carol := mustActor(t, db, "carol", "refuge.example", true)
	bob := mustActor(t, db, "bob", "remote.example", false)
	at := time.Now()
	err := db.Update(ctx, func(tx storage.Tx) error {
		for _, f := range []struct {
			who  int64
			name string
		}{{alice.ID, "gardening"}, {alice.ID, "cats"}, {alice.ID, "gardening"}, {carol.ID, "gardening"}, {carol.ID, "tea"}, {bob.ID, "cats"}} {
			if err := tx.FollowTag(ctx, f.who, f.name, at); err != nil {
				return err
			}
		}
		return tx.UnfollowTag(ctx, alice.ID, "never-followed")
	})
	if err != nil {
		t.Fatal(err)
	}
	names := func(p storage.Page) []string {
		t.Helper()
		tags, err := db.ListFollowedTags(ctx, alice.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tg := range tags {
			out = append(out, tg.Name)
		}
		return out
	}
	all, err := db.ListFollowedTags(ctx, alice.ID, storage.Page{})
	if err != nil || len(all) != 2 || all[0].Name != "cats" || all[1].Name != "gardening" {
		t.Fatalf("alice's followed tags: %+v, %v; want cats, gardening", all, err)
	}
	for _, c := range []struct {
		p    storage.Page
		want []string
	}{
		{storage.Page{Limit: 1}, []string{"cats"}},
		{storage.Page{Before: all[0].ID}, []string{"gardening"}},
		{storage.Page{After: all[1].ID}, []string{"cats"}},
		{storage.Page{Before: all[1].ID}, nil},
	} {
		if got := names(c.p); !slices.Equal(got, c.want) {
			t.Errorf("page %+v: %v, want %v", c.p, got, c.want)
		}
	}
	if n, err := db.CountFollowedTags(ctx, alice.ID); err != nil || n != 2 {
		t.Errorf("alice follows %d tags, %v; want 2", n, err)
	}
	among, err := db.FollowedTagsAmong(ctx, alice.ID, []string{"gardening", "tea", "cats"})
	if err != nil || !among["gardening"] || !among["cats"] || among["tea"] {
		t.Errorf("alice follows among gardening, tea, cats: %v, %v", among, err)
	}

	hashtag := func(name string) storage.Tag { return storage.Tag{Type: "Hashtag", Name: "#" + name} }
	for _, c := range []struct {
		author *storage.Actor
		tags   []storage.Tag
		want   []int64
	}{
		{bob, []storage.Tag{hashtag("gardening"), hashtag("cats")}, []int64{alice.ID, carol.ID}},
		{bob, []storage.Tag{{Type: "Hashtag", Name: "#Tea"}, hashtag("tea")}, []int64{carol.ID}},
		{bob, []storage.Tag{hashtag("tea")}, []int64{carol.ID}},
		{carol, []storage.Tag{hashtag("gardening")}, []int64{alice.ID}}, // not carol herself
		{bob, []storage.Tag{hashtag("knitting")}, nil},
		{bob, []storage.Tag{{Type: "Mention", Name: "#gardening"}}, nil},
		{bob, nil, nil},
	} {
		got, err := db.TagFollowers(ctx, storage.HashtagNames(c.tags), c.author.ID)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("followers of %v by %s: %v, %v; want %v", c.tags, c.author.Username, got, err, c.want)
		}
	}

	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UnfollowTag(ctx, alice.ID, "gardening") }); err != nil {
		t.Fatal(err)
	}
	if got := names(storage.Page{}); !slices.Equal(got, []string{"cats"}) {
		t.Errorf("after unfollowing gardening: %v, want cats", got)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.MarkActorDeleted(ctx, carol.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ListFollowedTags(ctx, carol.ID, storage.Page{}); err != nil || len(got) != 0 {
		t.Errorf("a deleted account's followed tags: %v, %v; want none", got, err)
	}
}
