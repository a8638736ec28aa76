package sqldb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"refuge/storage"
)

// TestGroupCommit queues updates behind one that is still running, so that they are
// committed as one batch: each failing one must leave no trace and get its own error, the
// others must all be stored and see the writes of those before them.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t) // a batch is SQLite's; PostgreSQL runs transactions side by side
	release, started := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		err := db.Update(ctx, func(tx storage.Tx) error {
			close(started)
			<-release // hold the writer until the others are queued
			return tx.PutMeta(ctx, "first", "1")
		})
		if err != nil {
			t.Error(err)
		}
	})
	<-started
	const n = 20
	errs := make([]error, n)
	boom := errors.New("boom")
	for i := range n {
		wg.Go(func() {
			errs[i] = db.Update(ctx, func(tx storage.Tx) error {
				if err := tx.PutMeta(ctx, fmt.Sprintf("k%d", i), "v"); err != nil {
					return err
				}
				if v, err := tx.GetMeta(ctx, "first"); err != nil || v != "1" {
					return fmt.Errorf("the update before is not visible: %q %v", v, err)
				}
				if i%3 == 0 {
					return boom
				}
				return nil
			})
		})
	}
	for {
		db.group.mu.Lock()
		queued := len(db.group.pending)
		db.group.mu.Unlock()
		if queued == n {
			break
		}
	}
	close(release)
	wg.Wait()
	for i, err := range errs {
		v, gerr := db.GetMeta(ctx, fmt.Sprintf("k%d", i))
		switch {
		case gerr != nil:
			t.Fatal(gerr)
		case i%3 == 0 && (!errors.Is(err, boom) || v != ""):
			t.Errorf("update %d: error %v, stored %q; want boom and nothing stored", i, err, v)
		case i%3 != 0 && (err != nil || v != "v"):
			t.Errorf("update %d: error %v, stored %q; want it stored", i, err, v)
		}
	}
}

// TestUpdatePanic: a panic in fn reaches its caller, and the writer keeps working.
func TestUpdatePanic(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	func() {
		defer func() {
			if p := recover(); p != "oops" {
				t.Errorf("recovered %v, want oops", p)
			}
		}()
		db.Update(ctx, func(tx storage.Tx) error {
			tx.PutMeta(ctx, "half", "done")
			panic("oops")
		})
	}()
	if v, _ := db.GetMeta(ctx, "half"); v != "" {
		t.Errorf("a panicking update stored %q", v)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutMeta(ctx, "after", "ok") }); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateCanceled: an update whose context has ended before its turn does nothing.
func TestUpdateCanceled(t *testing.T) {
	db := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := db.Update(ctx, func(tx storage.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("err %v, ran %v", err, ran)
	}
}
