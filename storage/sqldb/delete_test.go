package sqldb

import (
	"context"
	"slices"
	"testing"

	"refuge/storage"
)

// TestKnownInboxes: the servers told of a deleted account are those of the remote actors
// that know it — its follows both ways (asked or accepted), and the reactions and replies
// either way — each inbox once, shared when known; deleted actors, local accounts and
// strangers are left out.
func TestKnownInboxes(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	mustActor(t, db, "bob", "refuge.example", true) // local: never sent anything
	follower := mustActor(t, db, "follower", "followers.example", false)
	also := mustActor(t, db, "also", "followers.example", false) // same server: the same shared inbox
	followed := mustActor(t, db, "followed", "followed.example", false)
	liked := mustActor(t, db, "liked", "liked.example", false)
	liker := mustActor(t, db, "liker", "liker.example", false)
	booster := mustActor(t, db, "booster", "booster.example", false)
	reacted := mustActor(t, db, "reacted", "reacted.example", false)
	reactor := mustActor(t, db, "reactor", "reactor.example", false)
	answered := mustActor(t, db, "answered", "answered.example", false)
	replier := mustActor(t, db, "replier", "replier.example", false)
	gone := mustActor(t, db, "gone", "gone.example", false)
	mustActor(t, db, "stranger", "stranger.example", false)
	noShared := &storage.Actor{URI: "https://own.example/u", Type: "Person", Username: "own", Host: "own.example", Inbox: "https://own.example/u/inbox"}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.CreateActor(ctx, noShared) }); err != nil {
		t.Fatal(err)
	}
	hers := mustNote(t, db, alice, "1", storage.Public)
	theirs := mustNote(t, db, liked, "1", storage.Public)
	toAnswer := mustNote(t, db, answered, "1", storage.Public)
	toReact := mustNote(t, db, reacted, "1", storage.Public)
	err := db.Update(ctx, func(tx storage.Tx) error {
		for i, f := range []*storage.Follow{
			{FollowerID: follower.ID, FolloweeID: alice.ID, Accepted: true},
			{FollowerID: also.ID, FolloweeID: alice.ID, Accepted: true},
			{FollowerID: alice.ID, FolloweeID: followed.ID}, // asked, not yet accepted
			{FollowerID: gone.ID, FolloweeID: alice.ID, Accepted: true},
			{FollowerID: noShared.ID, FolloweeID: alice.ID},
		} {
			f.URI = "https://f.example/" + string(rune('a'+i))
			if err := tx.PutFollow(ctx, f); err != nil {
				return err
			}
		}
		for _, r := range []struct {
			kind storage.ReactionKind
			r    storage.Reaction
		}{
			{storage.Like, storage.Reaction{URI: "https://r.example/1", ActorID: alice.ID, NoteID: theirs.ID}},
			{storage.Like, storage.Reaction{URI: "https://r.example/2", ActorID: liker.ID, NoteID: hers.ID}},
			{storage.Announce, storage.Reaction{URI: "https://r.example/3", ActorID: booster.ID, NoteID: hers.ID}},
		} {
			if _, err := tx.PutReaction(ctx, r.kind, &r.r); err != nil {
				return err
			}
		}
		for _, x := range []*storage.EmojiReaction{
			{URI: "https://r.example/4", ActorID: alice.ID, NoteID: toReact.ID, Emoji: "🔥"},
			{URI: "https://r.example/5", ActorID: reactor.ID, NoteID: hers.ID, Emoji: "🎉"},
		} {
			if _, err := tx.PutEmojiReaction(ctx, x); err != nil {
				return err
			}
		}
		for _, n := range []*storage.Note{
			{URI: alice.URI + "/statuses/2", ActorID: alice.ID, Local: true, InReplyToURI: toAnswer.URI, Visibility: storage.Public},
			{URI: replier.URI + "/statuses/1", ActorID: replier.ID, InReplyToURI: hers.URI, Visibility: storage.Public},
		} {
			n.Published = hers.Published
			if err := tx.CreateNote(ctx, n); err != nil {
				return err
			}
		}
		return tx.MarkActorDeleted(ctx, gone.ID, hers.Published)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.KnownInboxes(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{"https://answered.example/inbox", "https://booster.example/inbox", "https://followed.example/inbox",
		"https://followers.example/inbox", "https://liked.example/inbox", "https://liker.example/inbox",
		"https://own.example/u/inbox", "https://reacted.example/inbox", "https://reactor.example/inbox", "https://replier.example/inbox"}
	if !slices.Equal(got, want) {
		t.Errorf("known inboxes:\n got %v\nwant %v", got, want)
	}
}

// TestDeleteActorMedia: every media row of the account goes, attached or not, and is
// returned for its files; another account's stay.
func TestDeleteActorMedia(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	bob := mustActor(t, db, "bob", "refuge.example", true)
	rows := []*storage.Media{
		{ActorID: alice.ID, Path: "a.png", ThumbPath: "a-thumb.png", MediaType: "image/png"},
		{ActorID: alice.ID, Path: "b.png", MediaType: "image/png"},
		{ActorID: bob.ID, Path: "c.png", MediaType: "image/png"},
	}
	err := db.Update(ctx, func(tx storage.Tx) error {
		for _, m := range rows {
			if err := tx.CreateMedia(ctx, m); err != nil {
				return err
			}
		}
		n := &storage.Note{URI: alice.URI + "/statuses/1", ActorID: alice.ID, Local: true, Visibility: storage.Public,
			Published: rows[0].Created, Media: []storage.Media{*rows[0]}}
		return tx.CreateNote(ctx, n)
	})
	if err != nil {
		t.Fatal(err)
	}
	var gone []storage.Media
	if err := db.Update(ctx, func(tx storage.Tx) (err error) { gone, err = tx.DeleteActorMedia(ctx, alice.ID); return err }); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range gone {
		paths = append(paths, m.Path, m.ThumbPath)
	}
	slices.Sort(paths)
	if !slices.Equal(paths, []string{"", "a-thumb.png", "a.png", "b.png"}) {
		t.Errorf("removed %v", paths)
	}
	for who, want := range map[*storage.Actor]int{alice: 0, bob: 1} {
		if n, err := db.CountMedia(ctx, who.ID); err != nil || n != want {
			t.Errorf("%s has %d media rows (%v), want %d", who.Username, n, err, want)
		}
	}
}
