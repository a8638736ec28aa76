package sqldb

import (
	"context"
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

// TestFilters: a filter is stored with its keywords and contexts, read back by its owner
// only, changed, its keywords added, changed and removed; deleting it removes its keywords,
// and deleting the account removes its filters.
func TestFilters(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	bob := mustActor(t, db, "bob", "refuge.example", true)
	expires := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	f := &storage.Filter{ActorID: alice.ID, Title: "Spoilers", Action: storage.FilterWarn, Expires: expires,
		Contexts: []storage.FilterContext{storage.FilterHome, storage.FilterPublic},
		Keywords: []storage.FilterKeyword{{Keyword: "finale", WholeWord: true}, {Keyword: "ネタバレ"}}}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.CreateFilter(ctx, f) }); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetFilter(ctx, alice.ID, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Spoilers" || got.Action != storage.FilterWarn || !got.Expires.Equal(expires) ||
		!slices.Equal(got.Contexts, f.Contexts) || len(got.Keywords) != 2 || got.Keywords[0].Keyword != "finale" ||
		!got.Keywords[0].WholeWord || got.Keywords[1].WholeWord || got.Keywords[1].ID == 0 {
		t.Errorf("filter read back as %+v", got)
	}
	if _, err := db.GetFilter(ctx, bob.ID, f.ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("bob reading alice's filter: %v, want NotFound", err)
	}
	if _, err := db.GetFilterKeyword(ctx, bob.ID, got.Keywords[0].ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("bob reading alice's keyword: %v, want NotFound", err)
	}

	err = db.Update(ctx, func(tx storage.Tx) error {
		got.Title, got.Action, got.Expires, got.Contexts = "Plot", storage.FilterHide, time.Time{}, []storage.FilterContext{storage.FilterThread}
		if err := tx.UpdateFilter(ctx, got); err != nil {
			return err
		}
		k := got.Keywords[0]
		k.Keyword, k.WholeWord = "ending", false
		if err := tx.PutFilterKeyword(ctx, &k); err != nil {
			return err
		}
		if err := tx.DeleteFilterKeyword(ctx, f.ID, got.Keywords[1].ID); err != nil {
			return err
		}
		if err := tx.PutFilterKeyword(ctx, &storage.FilterKeyword{FilterID: f.ID, Keyword: "twist", WholeWord: true}); err != nil {
			return err
		}
		if err := tx.DeleteFilterKeyword(ctx, f.ID, got.Keywords[1].ID); storage.KindOf(err) != storage.NotFound {
			t.Errorf("deleting a keyword twice: %v", err)
		}
		if err := tx.UpdateFilter(ctx, &storage.Filter{ID: f.ID, ActorID: bob.ID, Title: "x"}); storage.KindOf(err) != storage.NotFound {
			t.Errorf("bob changing alice's filter: %v", err)
		}
		return tx.DeleteFilter(ctx, bob.ID, f.ID)
	})
	if storage.KindOf(err) != storage.NotFound {
		t.Fatalf("bob deleting alice's filter: %v, want NotFound", err)
	}
	// The refused deletion rolled the whole transaction back: nothing changed.
	if again, _ := db.GetFilter(ctx, alice.ID, f.ID); again.Title != "Spoilers" || len(again.Keywords) != 2 {
		t.Errorf("after a rolled back update: %+v", again)
	}
	err = db.Update(ctx, func(tx storage.Tx) error {
		got.Title, got.Action, got.Expires = "Plot", storage.FilterHide, time.Time{}
		if err := tx.UpdateFilter(ctx, got); err != nil {
			return err
		}
		return tx.PutFilterKeyword(ctx, &storage.FilterKeyword{FilterID: f.ID, Keyword: "twist", WholeWord: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.ListFilters(ctx, alice.ID)
	if err != nil || len(list) != 1 || list[0].Title != "Plot" || list[0].Action != storage.FilterHide ||
		!list[0].Expires.IsZero() || len(list[0].Keywords) != 3 {
		t.Fatalf("alice's filters: %v, %+v", err, list)
	}
	if list, err := db.ListFilters(ctx, bob.ID); err != nil || len(list) != 0 {
		t.Errorf("bob's filters: %v, %+v", err, list)
	}

	second := &storage.Filter{ActorID: alice.ID, Title: "Other", Action: storage.FilterWarn,
		Contexts: []storage.FilterContext{storage.FilterAccount}, Keywords: []storage.FilterKeyword{{Keyword: "x"}}}
	err = db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.CreateFilter(ctx, second); err != nil {
			return err
		}
		return tx.DeleteFilter(ctx, alice.ID, f.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := db.RowCounts(ctx)
	if err != nil || counts["filters"] != 1 || counts["filter_keywords"] != 1 {
		t.Errorf("after deleting a filter: %v, %v", err, counts)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.MarkActorDeleted(ctx, alice.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	counts, err = db.RowCounts(ctx)
	if err != nil || counts["filters"] != 0 || counts["filter_keywords"] != 0 {
		t.Errorf("after deleting the account: %v, %v", err, counts)
	}
}
