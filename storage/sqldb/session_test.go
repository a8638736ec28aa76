package sqldb

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"refuge/storage"
)

// TestGetSession: a web session is read with its account in one go, as GetToken and
// GetActorByID give them; an API token, an expired session or an unknown hash is NotFound.
func TestGetSession(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ann := mustActor(t, db, "ann", "here.example", true)
	now := time.Now()
	tokens := []*storage.Token{
		{Hash: storage.HashToken("live"), ActorID: ann.ID, Kind: storage.TokenSession, CSRF: "ann's csrf", Expires: now.Add(time.Hour)},
		{Hash: storage.HashToken("old"), ActorID: ann.ID, Kind: storage.TokenSession, CSRF: "x", Expires: now.Add(-time.Minute)},
		{Hash: storage.HashToken("api"), ActorID: ann.ID, Kind: storage.TokenAPI, Scopes: "read"},
	}
	if err := db.Update(ctx, func(tx storage.Tx) error {
		for _, tok := range tokens {
			if err := tx.PutToken(ctx, tok); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tok, actor, err := db.GetSession(ctx, storage.HashToken("live"), now)
	if err != nil {
		t.Fatal(err)
	}
	wantTok, _ := db.GetToken(ctx, storage.HashToken("live"), now)
	wantActor, _ := db.GetActorByID(ctx, ann.ID)
	if *tok != *wantTok || actor.ID != wantActor.ID || actor.URI != wantActor.URI || actor.Username != "ann" ||
		!actor.Published.Equal(wantActor.Published) {
		t.Errorf("session %+v of %+v, want %+v of %+v", tok, actor, wantTok, wantActor)
	}
	for _, secret := range []string{"old", "api", "unknown"} {
		if _, _, err := db.GetSession(ctx, storage.HashToken(secret), now); storage.KindOf(err) != storage.NotFound {
			t.Errorf("session %q: %v, want NotFound", secret, err)
		}
	}
}

// TestGetRelationship: the one read gives what a follow, a request, a block and a mute
// each way make of a relationship, and an ended mute is none.
func TestGetRelationship(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Now()
	n := 0
	pair := func(setup func(tx storage.Tx, a, b *storage.Actor) error) (*storage.Actor, *storage.Actor) {
		t.Helper()
		n++
		a := mustActor(t, db, fmt.Sprintf("a%d", n), "here.example", true)
		b := mustActor(t, db, fmt.Sprintf("b%d", n), "there.example", false)
		if err := db.Update(ctx, func(tx storage.Tx) error { return setup(tx, a, b) }); err != nil {
			t.Fatal(err)
		}
		return a, b
	}
	follow := func(tx storage.Tx, from, to *storage.Actor, accepted, hide bool) error {
		f := &storage.Follow{URI: from.URI + "/follows/" + to.Username, FollowerID: from.ID, FolloweeID: to.ID,
			Accepted: accepted, Created: now}
		if err := tx.PutFollow(ctx, f); err != nil || !hide {
			return err
		}
		return tx.SetHideReblogs(ctx, f.ID, true)
	}
	block := func(tx storage.Tx, from, to *storage.Actor) error {
		_, err := tx.PutAccountBlock(ctx, &storage.AccountBlock{URI: from.URI + "/blocks/" + to.Username, ActorID: from.ID,
			TargetID: to.ID, Created: now})
		return err
	}
	mute := func(tx storage.Tx, from, to *storage.Actor, notifications bool, expires time.Time) error {
		return tx.PutMute(ctx, &storage.Mute{ActorID: from.ID, TargetID: to.ID, Notifications: notifications, Expires: expires, Created: now})
	}
	for _, c := range []struct {
		name  string
		setup func(tx storage.Tx, a, b *storage.Actor) error
		want  storage.Relationship
	}{
		{"nothing", func(storage.Tx, *storage.Actor, *storage.Actor) error { return nil }, storage.Relationship{}},
		{"follows, with boosts", func(tx storage.Tx, a, b *storage.Actor) error { return follow(tx, a, b, true, false) },
			storage.Relationship{Following: true, ShowingReblogs: true}},
		{"asked, without boosts", func(tx storage.Tx, a, b *storage.Actor) error { return follow(tx, a, b, false, true) },
			storage.Relationship{Requested: true}},
		{"followed and asked", func(tx storage.Tx, a, b *storage.Actor) error {
			return errors.Join(follow(tx, b, a, true, false), follow(tx, a, b, false, false))
		}, storage.Relationship{FollowsYou: true, Requested: true, ShowingReblogs: true}},
		{"asked by the other", func(tx storage.Tx, a, b *storage.Actor) error { return follow(tx, b, a, false, false) },
			storage.Relationship{RequestsYou: true}},
		{"blocks both ways", func(tx storage.Tx, a, b *storage.Actor) error { return errors.Join(block(tx, a, b), block(tx, b, a)) },
			storage.Relationship{Blocking: true, BlockedBy: true}},
		{"mutes for good, notifications too", func(tx storage.Tx, a, b *storage.Actor) error { return mute(tx, a, b, true, time.Time{}) },
			storage.Relationship{Muting: true, MutingNotifications: true}},
		{"mutes for an hour", func(tx storage.Tx, a, b *storage.Actor) error { return mute(tx, a, b, false, now.Add(time.Hour)) },
			storage.Relationship{Muting: true}},
		{"a mute that ended", func(tx storage.Tx, a, b *storage.Actor) error { return mute(tx, a, b, true, now.Add(-time.Hour)) },
			storage.Relationship{}},
	} {
		a, b := pair(c.setup)
		got, err := db.GetRelationship(ctx, a.ID, b.ID, now)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
		}
	}
}
