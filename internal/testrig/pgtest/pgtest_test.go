package pgtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"refuge/internal/testrig/pgtest"
)

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", dsn, err)
	}
	return conn
}

// Two databases are distinct and usable, and are gone once their test ends, even with a
// connection still open to one of them.
func TestNewDatabase(t *testing.T) {
	if pgtest.Admin() == "" {
		t.Skip("REFUGE_TEST_POSTGRES unset: SQLite run")
	}
	ctx := context.Background()

	var names []string
	var left *pgx.Conn // open across the drop: WITH (FORCE) must end it
	t.Run("two", func(t *testing.T) {
		a, b := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
		if a == b {
			t.Fatalf("both databases are %s", a)
		}
		for _, dsn := range []string{a, b} {
			conn := connect(t, dsn)
			var name string
			if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, "CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL)"); err != nil {
				t.Fatalf("create table in %s: %v", name, err)
			}
			names = append(names, name)
			if left == nil {
				left = conn
			} else {
				conn.Close(ctx)
			}
		}
		if names[0] == names[1] {
			t.Fatalf("both DSNs lead to database %s", names[0])
		}
	})
	if left != nil {
		left.Close(ctx)
	}
	if len(names) != 2 {
		t.FailNow()
	}

	admin := connect(t, pgtest.Admin())
	defer admin.Close(ctx)
	var n int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = ANY($1)", names).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d of %v still exist after cleanup", n, names)
	}
}

// Parallel tests each get their own database.
func TestNewDatabaseParallel(t *testing.T) {
	if pgtest.Admin() == "" {
		t.Skip("REFUGE_TEST_POSTGRES unset: SQLite run")
	}
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			conn := connect(t, pgtest.NewDatabase(t))
			defer conn.Close(context.Background())
			// The same table name in every database: a shared database would refuse all but one.
			if _, err := conn.Exec(context.Background(), "CREATE TABLE notes (id bigint PRIMARY KEY)"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
