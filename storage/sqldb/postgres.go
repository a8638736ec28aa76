package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"refuge/storage"
)

// PostgreSQL. Any number of Refuge processes may share one database, so nothing that must
// hold across them lives in a process:
//
//   - Every write transaction is SERIALIZABLE: each sees, and is seen by, the others as if
//     they ran one by one, which is what the code above was written against on SQLite
//     (one writer at a time). A transaction that another's commit made unserializable is
//     rolled back and run again, so fn may run more than once.
//   - Deliveries are claimed with FOR UPDATE SKIP LOCKED in one statement, so that two
//     processes' workers never take the same one, and a process killed mid-send leaves
//     only a lease that runs out.
//   - Every commit sends a notification on commitChannel; each process listens, and counts
//     other processes' commits with its own in Commits, so that what a process cached from
//     the database (rendered pages) is dropped when any process writes.
//   - A commit's events for streaming clients go out on eventsChannel (events.go).
//   - A commit that queued deliveries says so in its notification (queuedPayload), and every
//     process's listener wakes its delivery workers (OnQueued): all of them share a fan-out,
//     not only the process that queued it.

// PostgresOptions tunes a PostgreSQL database's pool.
type PostgresOptions struct {
	// MaxConns bounds the connections this process opens (0: 16). Across processes the
	// sum must stay under the server's max_connections.
	MaxConns int
	// StatementTimeout ends any one statement that runs longer (0: 30 s), so that a
	// runaway query cannot hold a connection, or a lock, for good.
	StatementTimeout time.Duration
}

// commitChannel is the NOTIFY channel every commit is announced on.
const commitChannel = "refuge_commit"

// queuedPayload is the payload of the notification of a commit that queued deliveries; the
// others have none.
const queuedPayload = "deliveries"

// maxAttempts bounds how often a write transaction is run again after a serialization
// failure before its error is returned (as Transient: the caller may try again later).
const maxAttempts = 20

// queueAfter is the attempt from which a transaction that keeps failing runs only with the
// advisory lock queueLock held: those that collided that often then take turns, across
// every process, instead of colliding again. Serializable transactions collide more than
// their rows suggest, because PostgreSQL watches an index by the page: a crowd of follows
// of one account, each reading and adding keys on the same pages of follows, activities
// and deliveries, failed each other over and over (and in CI ran out of attempts), though
// no two touched the same row.
const (
	queueAfter = 3
	queueLock  = 0x7265667567 // "refug"
)

type pgState struct {
	dsn          string
	commits      atomic.Int64 // this process's commits and the notified commits of others
	retries      atomic.Int64 // write transactions run again after a serialization failure
	mostAttempts atomic.Int64 // the most attempts one write transaction took
	// turn is this process's place in the queue of failing transactions (queue): one at a
	// time waits for the lock, so the waiting holds one connection of the pool, not many.
	turn chan struct{}
	deaf atomic.Bool // the listener is down: nothing read before is known current
	stop context.CancelFunc
	done chan struct{}
}

// OpenPostgres connects to the PostgreSQL database at dsn (postgres://user@host/db?...)
// and applies pending migrations.
func OpenPostgres(ctx context.Context, dsn string, opts PostgresOptions) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 16
	}
	if opts.StatementTimeout <= 0 {
		opts.StatementTimeout = 30 * time.Second
	}
	cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	cfg.RuntimeParams["timezone"] = "UTC"
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(opts.MaxConns)
	pool.SetMaxIdleConns(opts.MaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres %s@%s:%d/%s: %w", cfg.User, cfg.Host, cfg.Port, cfg.Database, err)
	}
	d := &postgresDialect{}
	db := &DB{d: d, read: pool, rcache: newCachedQuerier(pool, d, false), pg: &pgState{dsn: dsn, done: make(chan struct{}), turn: make(chan struct{}, 1)}}
	db.reader = reader{q: db.rcache}
	if err := db.pgMigrate(ctx, cfg); err != nil {
		pool.Close()
		return nil, err
	}
	lctx, stop := context.WithCancel(context.Background())
	db.pg.stop = stop
	db.pg.deaf.Store(true)
	go db.listen(lctx, cfg)
	return db, nil
}

// pgMigrate runs the migrations while holding an advisory lock, so that processes started
// together do not apply the same one twice. The lock is held on a connection of its own,
// outside the pool, which may have room for only one.
func (db *DB) pgMigrate(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	const lock = 0x5265667567 // "Refug"
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lock); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// Closing the connection releases the lock too, however the migration ends.
	if err := db.migrate(ctx); err != nil {
		return err
	}
	if err := db.backfillSearch(ctx); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

func (db *DB) closePostgres() error {
	db.pg.stop()
	<-db.pg.done
	return db.read.Close()
}

// Commits counts the write transactions committed by this process, and by the others on
// the same database as they are announced. While the announcements cannot be heard (the
// listening connection is being made again) every call returns a new number.
func (db *DB) pgCommits() int64 {
	if db.pg.deaf.Load() {
		return db.pg.commits.Add(1)
	}
	return db.pg.commits.Load()
}

// OnQueued has fn called whenever a commit queued work for the workers (deliveries, pushes,
// remote media): on PostgreSQL any process's commit, this process's own included; on
// SQLite this process's. fn must not block.
func (db *DB) OnQueued(fn func()) { db.queued.Store(&fn) }

// listen counts the commits other processes announce, reconnecting until stopped.
func (db *DB) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer close(db.pg.done)
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, cfg)
		db.pg.deaf.Store(true)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("postgres: listening for commits failed; trying again", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (db *DB) listenOnce(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+commitChannel+`; LISTEN `+eventsChannel); err != nil {
		return err
	}
	// Whatever was committed while nobody listened is unknown: count it as a change.
	db.pg.commits.Add(1)
	db.pg.deaf.Store(false)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == eventsChannel {
			db.publish(decodeEvents(n.Payload))
			continue
		}
		db.pg.commits.Add(1)
		if fn := db.queued.Load(); fn != nil && n.Payload == queuedPayload {
			(*fn)()
		}
	}
}

// pgUpdate runs fn in a serializable transaction, again when PostgreSQL finds that it
// could not be serialized with the others, up to maxAttempts times.
func (db *DB) pgUpdate(ctx context.Context, fn func(tx *Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.pgTry(ctx, fn, attempt >= queueAfter)
		if most := db.pg.mostAttempts.Load(); int64(attempt) > most {
			db.pg.mostAttempts.CompareAndSwap(most, int64(attempt))
		}
		if err == nil || !retryable(err) {
			return err
		}
		db.pg.retries.Add(1)
		if attempt == maxAttempts {
			return storage.Wrap(storage.Transient, err, "the database is too busy; try again")
		}
		// Back off at random, so that the transactions that collided do not collide again,
		// and longer each time (up to 100 ms), so that a crowd of them thins out; from
		// queueAfter on they also take turns.
		select {
		case <-ctx.Done():
			return ended(ctx)
		case <-time.After(time.Duration(rand.Int64N(int64(min(1<<attempt, 100)) * int64(time.Millisecond)))):
		}
	}
}

func (db *DB) pgTry(ctx context.Context, fn func(tx *Tx) error, queue bool) (err error) {
	if ctx.Err() != nil {
		return ended(ctx)
	}
	// As on SQLite, the caller's cancellation does not cut a statement short; its end is
	// checked before the commit instead.
	var begin interface {
		BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
	} = db.read
	if queue {
		conn, err := db.queue(ctx)
		if err != nil {
			return err
		}
		defer db.unqueue(conn)
		begin = conn
	}
	sqlTx, err := begin.BeginTx(context.WithoutCancel(ctx), &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			sqlTx.Rollback()
		}
	}()
	q := newCachedQuerier(sqlTx, db.d, true)
	tx := &Tx{reader: reader{q: q}, tx: q}
	if err := fn(tx); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ended(ctx)
	}
	// Delivered to the listeners only if this commits; this process's own listener hears
	// it too, which costs at most one page built again (and a wake of workers that are
	// awake already).
	payload := ""
	if tx.queued {
		payload = queuedPayload
	}
	if _, err := sqlTx.ExecContext(context.WithoutCancel(ctx), `SELECT pg_notify('`+commitChannel+`', $1)`, payload); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	// The events are published by the listeners, this process's own among them.
	for _, p := range encodeEvents(tx.events) {
		if _, err := sqlTx.ExecContext(context.WithoutCancel(ctx), `SELECT pg_notify('`+eventsChannel+`', $1)`, p); err != nil {
			return fmt.Errorf("notify events: %w", err)
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	db.pg.commits.Add(1)
	if tx.followed {
		// The commit stands whatever becomes of this: reads add what is not folded yet,
		// and the next fold takes it along.
		if err := db.foldFollowCounts(context.WithoutCancel(ctx)); err != nil {
			slog.Warn("postgres: folding follow counts", "err", err)
		}
	}
	return nil
}

// queue takes a connection and, on it, the lock of the transactions that keep failing. It
// is the session's lock, taken before the transaction begins: one taken inside would come
// after the transaction's snapshot, which would then predate the commit of the one before
// it in the queue, and fail against it.
func (db *DB) queue(ctx context.Context) (*sql.Conn, error) {
	select {
	case db.pg.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ended(ctx)
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		<-db.pg.turn
		return nil, fmt.Errorf("queue: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, queueLock); err != nil {
		conn.Close()
		<-db.pg.turn
		if ctx.Err() != nil {
			return nil, ended(ctx)
		}
		return nil, fmt.Errorf("queue: %w", err)
	}
	return conn, nil
}

// unqueue lets the next in the queue go and gives the connection back; one whose unlock
// failed is thrown away instead, since the lock would stay with it.
func (db *DB) unqueue(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, queueLock); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	conn.Close()
	<-db.pg.turn
}

// foldFollowCounts adds the follow count changes committed so far to the actors' rows, and
// removes them, in one statement (migrations/postgres/0015). It runs at READ COMMITTED:
// there, two folds adding to one actor wait for each other rather than fail, and each
// takes only the changes the other did not.
func (db *DB) foldFollowCounts(ctx context.Context) error {
	sqlTx, err := db.read.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	if _, err := sqlTx.ExecContext(ctx, `WITH d AS (DELETE FROM follow_count_deltas RETURNING actor_id, followers, following),
		s AS (SELECT actor_id, sum(followers) AS followers, sum(following) AS following FROM d GROUP BY actor_id)
		UPDATE actors a SET followers_count = a.followers_count + s.followers, following_count = a.following_count + s.following
		FROM s WHERE a.id = s.actor_id`); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// retryable reports whether err is PostgreSQL giving up a transaction that may succeed if
// run again: a serialization failure or a deadlock, or the internal error PostgreSQL's row
// locks can raise when rows touched in savepoints meet concurrent updates ("new multixact
// has more than one updating member", seen once in CI during the hostile flood test): it
// depends on the timing of other transactions, and a fresh transaction does not meet it.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01" ||
		pe.Code == "XX000" && strings.Contains(pe.Message, "multixact has more than one updating member"))
}

// guard runs one statement whose failure the caller handles (a unique constraint that means
// "already there"). SQLite undoes only a failed statement; PostgreSQL fails the whole
// transaction, so there the statement runs inside a savepoint that its failure goes back to.
func (tx *Tx) guard(ctx context.Context, stmt func() error) error {
	if _, pg := tx.tx.d.(*postgresDialect); !pg {
		return stmt()
	}
	if _, err := tx.tx.ExecContext(ctx, `SAVEPOINT guard`); err != nil {
		return err
	}
	err := stmt()
	if err != nil && !retryable(err) {
		if _, rerr := tx.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT guard`); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	if _, rerr := tx.tx.ExecContext(ctx, `RELEASE SAVEPOINT guard`); rerr != nil && err == nil {
		return rerr
	}
	return err
}
