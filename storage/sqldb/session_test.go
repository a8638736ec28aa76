package sqldb

import (
	"context"
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
