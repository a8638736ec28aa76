package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestEmailTokens: a link is found by its hash and purpose until it expires; a second link
// of the same purpose replaces the first, one of another purpose does not; a deleted link
// is gone, and so are an account's links with the account.
func TestEmailTokens(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	put := func(hash string, purpose storage.EmailPurpose, email string) {
		t.Helper()
		err := db.Update(ctx, func(tx storage.Tx) error {
			return tx.PutEmailToken(ctx, &storage.EmailToken{Hash: hash, ActorID: alice.ID, Purpose: purpose, Email: email,
				Created: now, Expires: now.Add(6 * time.Hour)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	found := func(hash string, purpose storage.EmailPurpose, at time.Time) bool {
		t.Helper()
		tok, err := db.GetEmailToken(ctx, hash, purpose, at)
		if storage.KindOf(err) == storage.NotFound {
			return false
		}
		if err != nil || tok.ActorID != alice.ID || tok.Purpose != purpose || !tok.Expires.Equal(now.Add(6*time.Hour)) {
			t.Fatalf("GetEmailToken(%s) = %+v, %v", hash, tok, err)
		}
		return true
	}
	put("reset-1", storage.EmailReset, "alice@example.org")
	put("confirm-1", storage.EmailConfirm, "new@example.org")
	if !found("reset-1", storage.EmailReset, now) || !found("confirm-1", storage.EmailConfirm, now) {
		t.Fatal("a stored link is not found")
	}
	if found("reset-1", storage.EmailConfirm, now) {
		t.Error("a reset link was taken for a confirmation")
	}
	if found("reset-1", storage.EmailReset, now.Add(6*time.Hour)) {
		t.Error("an expired link is found")
	}
	put("reset-2", storage.EmailReset, "alice@example.org")
	if found("reset-1", storage.EmailReset, now) || !found("reset-2", storage.EmailReset, now) {
		t.Error("a second reset link does not replace the first")
	}
	if p, err := db.PendingEmailToken(ctx, alice.ID, storage.EmailConfirm, now); err != nil || p.Email != "new@example.org" {
		t.Errorf("pending confirmation: %+v, %v", p, err)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteEmailTokens(ctx, alice.ID, storage.EmailReset) }); err != nil {
		t.Fatal(err)
	}
	if found("reset-2", storage.EmailReset, now) || !found("confirm-1", storage.EmailConfirm, now) {
		t.Error("deleting the reset link did the wrong thing")
	}
}
