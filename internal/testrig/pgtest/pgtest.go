// Package pgtest gives a test its own PostgreSQL database, on the throwaway cluster that
// .ci/postgres starts on 127.0.0.1.
//
// The environment variable REFUGE_TEST_POSTGRES (EnvVar) is the only switch between the two
// databases: .ci/run sets it to the cluster's admin DSN for its PostgreSQL run, and a run
// without it is a SQLite run. Tests ask Admin() and call NewDatabase only when it is set.
//
// Each database is new and empty, made from template0 and dropped when its test ends, so
// tests share nothing and may run in parallel, in one test binary or in several at once (go
// test runs packages in parallel processes): the names hold the process id.
//
// It imports nothing of this module, so that the storage package's own tests can use it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar holds the admin DSN of the test cluster, as .ci/postgres prints it:
// postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable.
const EnvVar = "REFUGE_TEST_POSTGRES"

// Admin is the admin DSN from EnvVar, or "" for a SQLite run.
func Admin() string { return os.Getenv(EnvVar) }

// seq numbers the databases of this process; with the pid and a random part, names are unique
// across parallel tests, test binaries and leftovers of a killed run.
var seq atomic.Uint64

// NewDatabase creates an empty database on the cluster named by EnvVar, drops it (closing
// any connection the test left open) when t ends, and returns its DSN: the admin DSN with
// the database name replaced.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := Admin()
	if admin == "" {
		t.Fatalf("pgtest: %s is unset, so this is a SQLite run: call NewDatabase only when Admin() != \"\"", EnvVar)
	}
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("pgtest: %s must be a postgres:// URL, as .ci/postgres prints it; got %q", EnvVar, admin)
	}

	random := make([]byte, 4)
	if _, err := rand.Read(random); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	// Lower case letters, digits and _: a valid identifier that needs no quoting.
	name := fmt.Sprintf("refuge_t_%d_%d_%s", os.Getpid(), seq.Add(1), hex.EncodeToString(random))

	// template0 takes no connections, so any number of CREATE DATABASE can copy it at once
	// (template1 refuses while someone is connected to it).
	if err := adminExec(admin, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		t.Fatalf("pgtest: create database %s on %s: %v", name, admin, err)
	}
	t.Cleanup(func() {
		// FORCE (PostgreSQL 13+) ends connections that the test did not close, e.g. a pool
		// still open when its own cleanup has not run yet.
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})

	u.Path = "/" + name
	return u.String()
}

// adminExec runs one statement on a connection of its own: CREATE and DROP DATABASE cannot
// run in a transaction, and a plain connection is all they need.
func adminExec(dsn, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
