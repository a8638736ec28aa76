package sqldb

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"refuge/internal/testrig/pgtest"
	"refuge/storage"
)

// openTwice opens one fresh database through two DBs, as two processes sharing it would.
func openTwice(t *testing.T) (*DB, *DB) {
	t.Helper()
	ctx := context.Background()
	open := func(path string) *DB {
		t.Helper()
		var db *DB
		var err error
		if pgtest.Admin() != "" {
			db, err = OpenPostgres(ctx, path, PostgresOptions{MaxConns: 4})
		} else {
			db, err = Open(ctx, path)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	path := filepath.Join(t.TempDir(), "shared.db")
	if pgtest.Admin() != "" {
		path = pgtest.NewDatabase(t)
	}
	return open(path), open(path)
}

func take(t *testing.T, db *DB, key string, now time.Time) bool {
	t.Helper()
	var ok bool
	err := db.Update(context.Background(), func(tx storage.Tx) (err error) {
		ok, _, err = tx.TakeToken(context.Background(), key, 1, 3, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestTakeTokenShared: a limit kept in the database holds across the processes that share
// it, one by one and all at once, and refills with time.
func TestTakeTokenShared(t *testing.T) {
	a, b := openTwice(t)
	now := time.Now()
	steps := []struct {
		db    *DB
		after time.Duration
		want  bool
	}{
		{a, 0, true}, {b, 0, true}, {a, 0, true}, // the burst of 3, taken through both
		{b, 0, false}, {a, 0, false}, // empty for both
		{b, 1500 * time.Millisecond, true}, // one token back a second later (rate 1/s)
		{a, 1500 * time.Millisecond, false},
		{a, time.Hour, true}, // long idle: full again
	}
	for i, s := range steps {
		if got := take(t, s.db, "signin alice", now.Add(s.after)); got != s.want {
			t.Fatalf("step %d: took %v, want %v", i, got, s.want)
		}
	}
	if !take(t, b, "signin bob", now) {
		t.Fatal("another key has its own bucket")
	}

	// At once: of 12 takes on a fresh key, through both, exactly the burst succeed.
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for i := range 12 {
		db := []*DB{a, b}[i%2]
		wg.Go(func() {
			if take(t, db, "signin carol", now) {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if granted != 3 {
		t.Fatalf("%d of 12 concurrent takes granted, want the burst of 3", granted)
	}
}
