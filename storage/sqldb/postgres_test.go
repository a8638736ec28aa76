package sqldb

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"refuge/internal/testrig/pgtest"
	"refuge/storage"
)

// TestPostgresAnnouncements: two processes' handles on one PostgreSQL database. A commit of
// one changes the other's Commits (what its page cache keys on); a commit that queued
// deliveries also wakes the other's delivery workers (OnQueued), and one that did not,
// does not.
func TestPostgresAnnouncements(t *testing.T) {
	if pgtest.Admin() == "" {
		t.Skipf("needs PostgreSQL: set %s", pgtest.EnvVar)
	}
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	open := func() *DB {
		db, err := OpenPostgres(ctx, dsn, PostgresOptions{MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	one, two := open(), open()
	var woken atomic.Int64
	two.OnQueued(func() { woken.Add(1) })
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("not within 5 s: %s", what)
			}
		}
	}
	eventually("the second handle listens", func() bool { return !two.pg.deaf.Load() })

	before := two.Commits()
	a := mustActor(t, one, "a", "a.test", true) // a commit that queues nothing
	eventually("the second handle counts the first's commit", func() bool { return two.Commits() != before })
	time.Sleep(100 * time.Millisecond) // what a wake would have taken
	if n := woken.Load(); n != 0 {
		t.Fatalf("a commit that queued nothing woke the workers %d times", n)
	}

	act := &storage.Activity{URI: "https://a.test/act/1", ActorID: a.ID, Local: true, Type: "Create", JSON: `{"id":"x"}`}
	err := one.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.PutActivity(ctx, act); err != nil {
			return err
		}
		return tx.EnqueueDeliveries(ctx, act.ID, []string{"https://b.test/inbox"}, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually("the second handle's workers woken by the first's queueing", func() bool { return woken.Load() == 1 })
}

// TestRetryable: which PostgreSQL errors run a transaction again.
func TestRetryable(t *testing.T) {
	for _, row := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40001", Message: "could not serialize access"}, true},
		{&pgconn.PgError{Code: "40P01", Message: "deadlock detected"}, true},
		{fmt.Errorf("create note x: %w", &pgconn.PgError{Code: "XX000",
			Message: "new multixact has more than one updating member: 0 3[28834 (nokeyupd), 28836 (keysh), 28836 (nokeyupd)]"}), true},
		{&pgconn.PgError{Code: "XX000", Message: "could not read block"}, false},
		{&pgconn.PgError{Code: "23505", Message: "duplicate key value"}, false},
		{errors.New("plain"), false},
	} {
		if got := retryable(row.err); got != row.want {
			t.Errorf("retryable(%v) = %v, want %v", row.err, got, row.want)
		}
	}
}
