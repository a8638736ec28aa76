package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestInvitesAndPending: an invite is used while it may be (uses below its maximum, not
// expired) and refused after; an expiry stays at the earlier time; a pending account is
// counted and searched by nobody, and deleting it frees its name with everything it had.
func TestInvitesAndPending(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	update := func(fn func(tx storage.Tx) error) error { return db.Update(ctx, fn) }

	twice := &storage.Invite{Code: "twice", ActorID: alice.ID, MaxUses: 2, CreatedAt: now}
	hour := &storage.Invite{Code: "hour", ActorID: alice.ID, ExpiresAt: now.Add(time.Hour), CreatedAt: now}
	for _, inv := range []*storage.Invite{twice, hour} {
		if err := update(func(tx storage.Tx) error { return tx.PutInvite(ctx, inv) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := update(func(tx storage.Tx) error {
		return tx.PutInvite(ctx, &storage.Invite{Code: "twice", ActorID: alice.ID, CreatedAt: now})
	}); storage.KindOf(err) != storage.Conflict {
		t.Errorf("a taken code: %v, want Conflict", err)
	}
	use := func(code string, at time.Time) (*storage.Invite, error) {
		var got *storage.Invite
		err := update(func(tx storage.Tx) (err error) { got, err = tx.UseInvite(ctx, code, at); return err })
		return got, err
	}
	for _, c := range []struct {
		code string
		at   time.Time
		kind storage.Kind // "" for a use
		uses int
	}{
		{"twice", now, "", 1},
		{"twice", now.Add(100 * 24 * time.Hour), "", 2}, // no expiry
		{"twice", now, storage.Gone, 0},                 // used up
		{"hour", now.Add(59 * time.Minute), "", 1},
		{"hour", now.Add(time.Hour), storage.Gone, 0}, // expired
		{"nope", now, storage.NotFound, 0},
	} {
		got, err := use(c.code, c.at)
		if c.kind == "" && (err != nil || got.Uses != c.uses) || c.kind != "" && storage.KindOf(err) != c.kind {
			t.Errorf("use %s at %s: %+v %v", c.code, c.at, got, err)
		}
	}
	if got, err := db.GetInvite(ctx, "twice"); err != nil || got.Uses != 2 || !got.Expired(now) {
		t.Errorf("twice: %+v %v", got, err)
	}
	if err := update(func(tx storage.Tx) error { return tx.ExpireInvite(ctx, hour.ID, now.Add(2*time.Hour)) }); err != nil {
		t.Error(err)
	}
	if got, err := db.GetInviteByID(ctx, hour.ID); err != nil || !got.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("expired later than it did: %+v %v", got, err)
	}
	if err := update(func(tx storage.Tx) error { return tx.ExpireInvite(ctx, 999, now) }); storage.KindOf(err) != storage.NotFound {
		t.Errorf("expire an unknown invite: %v", err)
	}
	if list, err := db.ListInvites(ctx, alice.ID); err != nil || len(list) != 2 || list[0].Code != "hour" {
		t.Errorf("alice's invites, newest first: %+v %v", list, err)
	}

	// bob waits for approval: he holds his name, and nothing counts or finds him.
	bob := &storage.Actor{URI: "https://refuge.example/users/bob", Local: true, Type: "Person", Username: "bob",
		Host: "refuge.example", Pending: true}
	err := update(func(tx storage.Tx) error {
		if err := tx.CreateActor(ctx, bob); err != nil {
			return err
		}
		if err := tx.PutCredentials(ctx, &storage.Credentials{ActorID: bob.ID, PasswordHash: "h", Email: "bob@mail.example"}); err != nil {
			return err
		}
		if err := tx.PutToken(ctx, &storage.Token{Hash: "bob-token", ActorID: bob.ID, Kind: storage.TokenOAuth, Created: now}); err != nil {
			return err
		}
		return tx.PutSignUp(ctx, &storage.SignUp{ActorID: bob.ID, Reason: "cats", InviteID: twice.ID, CreatedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.GetLocalActor(ctx, "BOB"); err != nil || !got.Pending {
		t.Errorf("bob: %+v %v", got, err)
	}
	if _, err := storage.LiveLocalActor(ctx, db, "bob"); storage.KindOf(err) != storage.NotFound {
		t.Errorf("LiveLocalActor of a pending account: %v", err)
	}
	if n, err := db.CountLocalUsers(ctx); err != nil || n != 1 {
		t.Errorf("users: %d %v", n, err)
	}
	if found, err := db.SearchActors(ctx, storage.ActorQuery{Name: "bob", Limit: 5}); err != nil || len(found) != 0 {
		t.Errorf("search finds a pending account: %v %v", found, err)
	}
	if s, err := db.GetSignUp(ctx, bob.ID); err != nil || s.Reason != "cats" || s.InviteID != twice.ID || !s.CreatedAt.Equal(now) {
		t.Errorf("bob's sign-up: %+v %v", s, err)
	}
	if err := update(func(tx storage.Tx) error { return tx.DeletePendingAccount(ctx, alice.ID) }); storage.KindOf(err) != storage.NotFound {
		t.Errorf("deleting alice, who is not pending: %v", err)
	}
	if err := update(func(tx storage.Tx) error { return tx.DeletePendingAccount(ctx, bob.ID) }); err != nil {
		t.Fatal(err)
	}
	counts, err := db.RowCounts(ctx)
	if err != nil || counts["credentials"] != 0 || counts["tokens"] != 0 || counts["sign_ups"] != 0 || counts["actors"] != 1 {
		t.Errorf("after deleting bob: %v %v", counts, err)
	}
	if _, err := db.AccountByEmail(ctx, "bob@mail.example"); storage.KindOf(err) != storage.NotFound {
		t.Errorf("bob's address after: %v", err)
	}
	mustActor(t, db, "bob", "refuge.example", true) // the name is free again
}
