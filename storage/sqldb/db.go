// Package sqldb implements the storage interfaces in SQL, on one SQLite file (the default:
// nothing to install or run) or on a PostgreSQL database that several Refuge processes may
// share. It is the only package with SQL. Each query is written once, in SQL both read
// (dialect.go says how the two spellings that differ are handled); each dialect has its own
// embedded, numbered migrations (migrations/sqlite, migrations/postgres), with native types.
//
// On SQLite, writes go through one connection (SQLite has one writer anyway; a single
// connection turns "database is locked" into an orderly queue), committed in groups when
// they arrive together (commit.go), and reads through a separate pool. Both keep their
// prepared statements (stmt.go); checkpoints run beside the writer, not in it
// (checkpoint.go). On PostgreSQL, every write transaction is serializable, retried when
// another one's commit made it unserializable, and what other processes commit is learnt
// through LISTEN/NOTIFY (postgres.go). BENCHMARKS.md at the repository root has the figures
// behind each.
package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"refuge/storage"
)

//go:embed migrations
var migrationFiles embed.FS

// The implementation of each interface, checked by the compiler.
var (
	_ storage.DB = (*DB)(nil)
	_ storage.Tx = (*Tx)(nil)
)

// DB is an open Refuge database. Read methods come from the embedded reader and use the read
// pool; writes happen inside Update.
type DB struct {
	reader
	d      dialect
	read   *sql.DB        // the pool reads use
	rcache *cachedQuerier // the read pool with its kept statements

	// SQLite: the one writer connection and what runs beside it.
	write  *sql.DB
	wconn  *sql.Conn      // the writer's connection, held for the life of the DB
	writer *cachedQuerier // wconn with its kept statements
	group  groupCommit
	ckpt   *checkpointer
	// What other processes committed to the SQLite file (others.go).
	others     atomic.Int64
	othersStop chan struct{}
	othersDone sync.WaitGroup

	// PostgreSQL: see postgres.go.
	pg *pgState

	blocks blockSet // see CheckDelivery

	events atomic.Pointer[func([]storage.Event)] // see OnEvents
	queued atomic.Pointer[func()]                // see OnQueued
}

// Tx is a write transaction. It has every read method too, so that a check and the write it
// guards see the same data.
type Tx struct {
	reader
	tx *cachedQuerier
	// queued: the transaction queued deliveries. On PostgreSQL its commit says so to every
	// process, whose workers may then take part (see OnQueued).
	queued bool
	// followed: the transaction changed follows. On PostgreSQL its commit folds the changes
	// of the follow counts into the actors (foldFollowCounts).
	followed bool
	// events: what the transaction recorded for streaming clients, published after its
	// commit (events.go).
	events []storage.Event
}

// querier is what both *sql.DB and *sql.Tx offer; reads are written once against it.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type reader struct{ q querier }

// Open opens (creating if needed) the SQLite file at path and applies pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	// temp_store(MEMORY) keeps the statement journal of each group-commit savepoint (see
	// commit.go) in memory rather than in a temporary file written page by page.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	// The writer leaves checkpoints to the checkpointer (see checkpoint.go), and keeps the
	// WAL file from staying larger than 64 MiB once it has been copied back.
	write, err := sql.Open("sqlite", dsn+"&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	wconn, err := write.Conn(ctx)
	if err != nil {
		errors.Join(read.Close(), write.Close())
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ckpt, err := startCheckpointer(dsn)
	if err != nil {
		errors.Join(wconn.Close(), read.Close(), write.Close())
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d := &sqliteDialect{}
	db := &DB{d: d, write: write, read: read, wconn: wconn, writer: newCachedQuerier(wconn, d, true),
		rcache: newCachedQuerier(read, d, false), ckpt: ckpt}
	db.reader = reader{q: db.rcache}
	db.group.db = db
	version, err := db.dataVersion()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.othersStop = make(chan struct{})
	db.othersDone.Add(1)
	go db.watchOthers(version)
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.backfillSearch(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("search index: %w", err)
	}
	return db, nil
}

// Close releases the database. On SQLite it stops the checkpointer and closes the kept
// statements and the connections; with WAL the last connection to close copies what
// remains into the database file.
func (db *DB) Close() error {
	if db.pg != nil {
		return db.closePostgres()
	}
	if db.othersStop != nil {
		close(db.othersStop)
		db.othersDone.Wait()
	}
	err := db.ckpt.close()
	db.writer.cache.close()
	db.rcache.cache.close()
	return errors.Join(err, db.wconn.Close(), db.read.Close(), db.write.Close())
}

// Update runs fn in a write transaction, committing when fn returns nil and rolling back
// what fn did otherwise, so that nothing is ever half-stored. It returns once the commit
// is done. On SQLite, updates that arrive while another commits are committed together
// (see groupCommit); each still sees the writes of those before it, as if run one by one.
// On PostgreSQL fn may run more than once (see pgUpdate).
func (db *DB) Update(ctx context.Context, fn func(tx storage.Tx) error) error {
	return db.update(ctx, func(tx *Tx) error { return fn(tx) })
}

// update is Update for this package's own transactions.
func (db *DB) update(ctx context.Context, fn func(tx *Tx) error) error {
	if db.pg != nil {
		return db.pgUpdate(ctx, fn)
	}
	return db.group.update(ctx, fn)
}

// migrate applies the dialect's migrations not applied yet, each in its own transaction.
// What is applied is read first, outside any write: an admin command opens the database
// beside a running serve, and a write transaction a migration on every open would each
// wait for the serve's writes (and on a busy machine, time out) though none is pending.
func (db *DB) migrate(ctx context.Context) error {
	applied, err := column[int](db.read.QueryContext(ctx, `SELECT version FROM schema_migrations`))
	if err != nil { // a new database: no table yet
		if err := db.update(ctx, func(tx *Tx) error {
			_, err := tx.tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`)
			return err
		}); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
	}
	dir := "migrations/" + db.d.name()
	names, err := fs.Glob(migrationFiles, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s: name must start with a number and _", base)
		}
		if slices.Contains(applied, version) {
			continue
		}
		// Checked again inside: another process may have applied it meanwhile.
		err = db.update(ctx, func(tx *Tx) error {
			var n int
			if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := migrationFiles.ReadFile(name)
			if err != nil {
				return err
			}
			// As written: a migration is the dialect's own SQL, several statements, no parameters.
			if _, err := tx.tx.q.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err = tx.tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
				version, base, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY constraint failure.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// column reads the one column of rows (as a query returns them, with its error) and closes
// them, so that the next statement of a transaction may run.
func column[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// notFound turns a missing row into a NotFound error about what, and wraps other errors.
func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return storage.Wrap(storage.NotFound, storage.ErrNotFound, what+" not found")
	}
	return fmt.Errorf("get %s: %w", what, err)
}

// GetMeta returns the value stored under key, or "" when there is none.
func (r reader) GetMeta(ctx context.Context, key string) (string, error) {
	var v string
	err := r.q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("get meta %s: %w", key, err)
	}
	return v, nil
}

// PutMeta stores value under key.
func (tx *Tx) PutMeta(ctx context.Context, key, value string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("put meta %s: %w", key, err)
	}
	return nil
}
