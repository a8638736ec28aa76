package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestEmailAndRules: an address belongs to one account in any case, is found in any case,
// and a clash stores nothing; rules keep their ids when edited and are not found once gone.
func TestEmailAndRules(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	bob := mustActor(t, db, "bob", "refuge.example", true)
	put := func(c *storage.Credentials) error {
		return db.Update(ctx, func(tx storage.Tx) error { return tx.PutCredentials(ctx, c) })
	}
	confirmed := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	if err := put(&storage.Credentials{ActorID: alice.ID, PasswordHash: "a", Email: "Alice@Example.org", EmailConfirmedAt: confirmed}); err != nil {
		t.Fatal(err)
	}
	if err := put(&storage.Credentials{ActorID: bob.ID, PasswordHash: "b"}); err != nil {
		t.Fatal(err)
	}
	if c, err := db.GetCredentials(ctx, alice.ID); err != nil || c.Email != "Alice@Example.org" || !c.EmailConfirmedAt.Equal(confirmed) {
		t.Errorf("alice's credentials: %+v, %v", c, err)
	}
	if c, err := db.GetCredentials(ctx, bob.ID); err != nil || c.Email != "" || !c.EmailConfirmedAt.IsZero() {
		t.Errorf("bob's credentials: %+v, %v", c, err)
	}
	for _, email := range []string{"alice@example.org", "ALICE@EXAMPLE.ORG"} {
		if id, err := db.AccountByEmail(ctx, email); err != nil || id != alice.ID {
			t.Errorf("AccountByEmail(%q) = %d, %v", email, id, err)
		}
	}
	for _, email := range []string{"", "bob@example.org"} {
		if _, err := db.AccountByEmail(ctx, email); storage.KindOf(err) != storage.NotFound {
			t.Errorf("AccountByEmail(%q): %v, want NotFound", email, err)
		}
	}
	err := put(&storage.Credentials{ActorID: bob.ID, PasswordHash: "changed", Email: "alice@EXAMPLE.org"})
	if storage.KindOf(err) != storage.Conflict {
		t.Errorf("bob taking alice's address: %v, want Conflict", err)
	}
	if c, err := db.GetCredentials(ctx, bob.ID); err != nil || c.PasswordHash != "b" || c.Email != "" {
		t.Errorf("bob's credentials after the clash: %+v, %v", c, err)
	}

	var rules []*storage.Rule
	err = db.Update(ctx, func(tx storage.Tx) error {
		rules = nil
		for _, text := range []string{"Be kind", "No spam", "No ads"} {
			r := &storage.Rule{Text: text, CreatedAt: confirmed}
			if err := tx.PutRule(ctx, r); err != nil {
				return err
			}
			rules = append(rules, r)
		}
		rules[1].Hint = "Nor ads"
		if err := tx.PutRule(ctx, rules[1]); err != nil {
			return err
		}
		return tx.DeleteRule(ctx, rules[2].ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.ListRules(ctx)
	if err != nil || len(list) != 2 || list[0].ID != rules[0].ID || list[1].ID != rules[1].ID ||
		list[1].Hint != "Nor ads" || !list[0].CreatedAt.Equal(confirmed) {
		t.Errorf("rules: %+v, %v", list, err)
	}
	err = db.Update(ctx, func(tx storage.Tx) error { return tx.PutRule(ctx, &storage.Rule{ID: rules[2].ID, Text: "back"}) })
	if storage.KindOf(err) != storage.NotFound {
		t.Errorf("editing a deleted rule: %v", err)
	}
	err = db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteRule(ctx, rules[2].ID) })
	if storage.KindOf(err) != storage.NotFound {
		t.Errorf("deleting a deleted rule: %v", err)
	}
}
