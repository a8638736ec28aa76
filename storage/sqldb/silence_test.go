package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestSilenceBlocksCoverAsSuspensionsButRefuseNothing: a block of severity silence covers
// the same actors as a suspension would (ports, subdomains, one actor by URI), making them
// ServerSilenced, and refuses nothing: no check of deliveries, fetches or media sees it.
func TestSilenceBlocksCoverAsSuspensionsButRefuseNothing(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	err := db.Update(ctx, func(tx storage.Tx) error {
		for _, target := range coverTargets {
			if err := tx.PutBlock(ctx, storage.Block{Target: target, Severity: storage.BlockSilence}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range coverRows {
		if row.uri == "" {
			continue
		}
		t.Run(row.uri, func(t *testing.T) {
			a := remoteActor(t, db, row.uri)
			if a.ServerSilenced != row.blocked || a.Limited() != row.blocked {
				t.Errorf("ServerSilenced %v, Limited %v, want %v", a.ServerSilenced, a.Limited(), row.blocked)
			}
			if blocked, err := db.IsBlocked(ctx, row.uri); err != nil || blocked {
				t.Errorf("IsBlocked = %v (%v): a silence refuses nothing", blocked, err)
			}
			if blocked, err := db.IsHostBlocked(ctx, a.Host); err != nil || blocked {
				t.Errorf("IsHostBlocked = %v (%v)", blocked, err)
			}
			if got, err := db.BlockedHosts(ctx, []string{a.Host}); err != nil || len(got) != 0 {
				t.Errorf("BlockedHosts = %v (%v)", got, err)
			}
			if _, blocked, err := db.CheckDelivery(ctx, row.uri+"/activities/1", []string{row.uri}); err != nil || blocked {
				t.Errorf("CheckDelivery blocked %v (%v)", blocked, err)
			}
		})
	}
}

// remoteActor stores the remote actor uri and reads it back.
func remoteActor(t *testing.T, db *DB, uri string) *storage.Actor {
	t.Helper()
	ctx := context.Background()
	host := storage.HostOf(uri)
	a := &storage.Actor{URI: uri, Type: "Person", Username: uri[len(uri)-1:] + "_" + host[:3], Host: host,
		Inbox: uri + "/inbox", KeyID: uri + "#main-key", FetchedAt: time.Now()}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetActorByURI(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestSilenceIsThisInstancesOwn: an account's silence is written only by SetActorSilenced;
// a refetch of the remote actor (which knows nothing of it) or an update of its profile
// keeps it, ListSilencedActors lists it until it is lifted; a block given again takes the
// new severity and comments and keeps when it was made.
func TestSilenceIsThisInstancesOwn(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	gus := remoteActor(t, db, "https://remote.example/users/gus")
	since := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.SetActorSilenced(ctx, gus.ID, since) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.SetActorSilenced(ctx, 1<<40, since) }); storage.KindOf(err) != storage.NotFound {
		t.Errorf("silencing nobody: %v, want NotFound", err)
	}
	refetched := remoteActor(t, db, gus.URI) // PutRemoteActor of a fresh copy
	if !refetched.SilencedAt.Equal(since) || !refetched.Limited() {
		t.Errorf("after a refetch: silenced at %v, want %v", refetched.SilencedAt, since)
	}
	refetched.Name = "Gus Renamed"
	refetched.SilencedAt = time.Time{}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateActor(ctx, refetched) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetActorByID(ctx, gus.ID); got == nil || !got.SilencedAt.Equal(since) || got.Name != "Gus Renamed" {
		t.Errorf("after UpdateActor: %+v", got)
	}
	if list, err := db.ListSilencedActors(ctx); err != nil || len(list) != 1 || list[0].ID != gus.ID {
		t.Errorf("silenced actors: %v (%v)", list, err)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.SetActorSilenced(ctx, gus.ID, time.Time{}) }); err != nil {
		t.Fatal(err)
	}
	if list, err := db.ListSilencedActors(ctx); err != nil || len(list) != 0 {
		t.Errorf("silenced actors after lifting: %v (%v)", list, err)
	}

	first := time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Second)
	steps := []struct {
		name string
		put  storage.Block
		want storage.Block
		kind storage.Kind
	}{
		{"a suspension, by default", storage.Block{Target: "Spam.Example", Created: first},
			storage.Block{Target: "spam.example", Created: first, Severity: storage.BlockSuspend}, ""},
		{"made a silence, with reasons", storage.Block{Target: "spam.example", Created: time.Now(), Severity: storage.BlockSilence,
			PublicComment: " spam ", PrivateComment: "see report 7"},
			storage.Block{Target: "spam.example", Created: first, Severity: storage.BlockSilence, PublicComment: "spam",
				PrivateComment: "see report 7"}, ""},
		{"an unknown severity", storage.Block{Target: "spam.example", Severity: "noop"}, storage.Block{}, storage.Invalid},
		{"a reason too long", storage.Block{Target: "spam.example", PublicComment: string(make([]rune, storage.MaxBlockComment+1))},
			storage.Block{}, storage.Invalid},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutBlock(ctx, s.put) })
			if storage.KindOf(err) != s.kind && (err != nil || s.kind != "") {
				t.Fatalf("PutBlock: %v, want kind %q", err, s.kind)
			}
			list, err := db.ListBlocks(ctx)
			if err != nil || len(list) != 1 {
				t.Fatalf("blocks %v (%v)", list, err)
			}
			got := list[0]
			if s.kind != "" {
				return // nothing changed: checked by the next step's expectations
			}
			if !got.Created.Equal(s.want.Created) {
				t.Errorf("created %v, want %v", got.Created, s.want.Created)
			}
			got.Created = s.want.Created
			if got != s.want {
				t.Errorf("got %+v, want %+v", got, s.want)
			}
		})
	}
	if list, _ := db.ListBlocks(ctx); len(list) != 1 || list[0].Severity != storage.BlockSilence || list[0].PublicComment != "spam" {
		t.Errorf("a refused change changed the block: %+v", list)
	}
}
