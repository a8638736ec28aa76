package sqldb

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"refuge/storage"
)

// Group commit. A commit writes every page a transaction touched to the WAL: an inbox
// delivery dirties a dozen index pages, and the last page of each table and index is the
// same for the next delivery. Updates that queue up while one transaction commits are
// therefore run one after another in the next transaction, each inside a savepoint so that
// one failing rolls back only its own work, and committed once; every caller returns only
// after that commit. Under load the WAL writes are shared; alone, an update is committed by
// itself exactly as before.
//
// There is no goroutine of its own: the caller that finds nobody committing commits its
// batch, then hands the next batch to the first caller waiting in it.

// maxBatch bounds the updates of one transaction, and so how long the last of them waits.
const maxBatch = 64

// gather is how long the caller about to commit waits for more updates to join its batch
// when the batch before it had company: under load, most of a commit's cost is the pages it
// writes to the WAL (some 18 for a stored note, 2 syscalls each), and a delivery shares most
// of them with the others of its batch (the last page of each table and index). The
// deliveries that arrive meanwhile are still being verified and decoded on the other
// goroutines, so a batch taken at once holds only the two or three that were waiting. The
// wait ends early once as many updates wait as the batch before held, so that writers that
// do nothing else (every one of them already waiting) are not held up; a caller alone (the
// batch before it was alone too) commits at once.
const gather = 500 * time.Microsecond

// pendingUpdate is one caller's Update on its way through a batch.
type pendingUpdate struct {
	ctx      context.Context
	fn       func(tx *Tx) error
	err      error
	panicked any
	lead     chan bool // true: commit the next batch yourself; false: done, see err
}

type groupCommit struct {
	db      *DB
	mu      sync.Mutex
	pending []*pendingUpdate
	busy    bool // a caller is committing a batch
	last    int  // the size of the batch committed last
	// full, while the next batch is gathered, is closed by the update that makes it want
	// updates long (see gather).
	full chan struct{}
	want int

	batches, updates atomic.Int64 // committed so far, for benchmarks and tests
}

func (g *groupCommit) update(ctx context.Context, fn func(tx *Tx) error) error {
	u := &pendingUpdate{ctx: ctx, fn: fn, lead: make(chan bool, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, u)
	lead := !g.busy
	g.busy = true
	if g.full != nil && len(g.pending) >= g.want {
		close(g.full)
		g.full = nil
	}
	g.mu.Unlock()
	// A waiting caller cannot leave early: its fn may be running. One whose ctx ends before
	// its turn is skipped with that error.
	if lead || <-u.lead {
		g.commitNext()
	}
	if u.panicked != nil {
		panic(u.panicked)
	}
	return u.err
}

// Commits counts the write transactions made through this DB so far, and on SQLite those
// of other processes seen since (others.go). Whatever was read from the database is still
// current while it has not changed; another process's commit is seen within othersEvery.
func (db *DB) Commits() int64 {
	if db.pg != nil {
		return db.pgCommits()
	}
	return db.group.batches.Load() + db.others.Load()
}

// commitNext commits the pending updates (at most maxBatch, the caller's own among them),
// tells each caller it is done, and hands the next batch to its first caller.
func (g *groupCommit) commitNext() {
	g.mu.Lock()
	var full chan struct{}
	if g.last > 1 && len(g.pending) < g.last {
		full = make(chan struct{})
		g.full, g.want = full, g.last
	}
	g.mu.Unlock()
	if full != nil {
		t := time.NewTimer(gather)
		select {
		case <-full:
		case <-t.C:
		}
		t.Stop()
		g.mu.Lock()
		g.full = nil
		g.mu.Unlock()
	}
	g.mu.Lock()
	n := min(len(g.pending), maxBatch)
	g.last = n
	batch := g.pending[:n:n]
	g.pending = g.pending[n:]
	g.mu.Unlock()

	g.db.commit(batch)
	g.batches.Add(1)
	g.updates.Add(int64(len(batch)))

	g.mu.Lock()
	var next *pendingUpdate
	if len(g.pending) > 0 {
		next = g.pending[0]
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	for _, u := range batch {
		u.lead <- false // buffered: the leader itself is not waiting and never reads it
	}
	if next != nil {
		next.lead <- true
	}
}

// commit runs a batch in one transaction and sets each update's outcome.
func (db *DB) commit(batch []*pendingUpdate) {
	ctx := context.Background() // the batch's own statements belong to no single caller
	exec := func(q string) error {
		_, err := db.writer.ExecContext(ctx, q)
		return err
	}
	if err := db.begin(exec); err != nil {
		for _, u := range batch {
			u.err = err
		}
		return
	}
	tx := &Tx{reader: reader{q: db.writer}, tx: db.writer}
	savepoints := len(batch) > 1
	var done []*pendingUpdate // run without error, waiting for the commit
	for _, u := range batch {
		if u.ctx.Err() != nil {
			u.err = ended(u.ctx)
			continue
		}
		if savepoints {
			if u.err = exec(`SAVEPOINT u`); u.err != nil {
				continue
			}
		}
		recorded := len(tx.events) // the events of the updates before this one
		u.panicked, u.err = run(tx, u.fn)
		if u.err == nil && u.panicked == nil && u.ctx.Err() != nil {
			u.err = ended(u.ctx) // its caller gave up while it ran: rolled back below
		}
		if u.err == nil && u.panicked == nil && savepoints {
			u.err = exec(`RELEASE u`)
		}
		if u.err == nil && u.panicked == nil {
			done = append(done, u)
			continue
		}
		if !savepoints {
			exec(`ROLLBACK`)
			return
		}
		tx.events = tx.events[:recorded]
		if exec(`ROLLBACK TO u`) == nil && exec(`RELEASE u`) == nil {
			continue
		}
		// SQLite gave up the whole transaction (a full disk, an I/O error): what the updates
		// before this one wrote is gone too, so they fail with it; the rest go on afresh.
		cause := u.err
		if cause == nil {
			cause = fmt.Errorf("panic: %v", u.panicked)
		}
		for _, d := range done {
			d.err = fmt.Errorf("transaction aborted: %w", cause)
		}
		done, tx.events = nil, nil
		if err := db.begin(exec); err != nil {
			for _, r := range batch {
				if r.err == nil && r.panicked == nil {
					r.err = err
				}
			}
			return
		}
	}
	if err := exec(`COMMIT`); err != nil {
		exec(`ROLLBACK`)
		for _, u := range done {
			u.err = fmt.Errorf("commit: %w", err)
		}
		return
	}
	db.ckpt.committed()
	db.publish(tx.events)
	if fn := db.queued.Load(); fn != nil && tx.queued {
		(*fn)()
	}
}

// ended is the error of an update whose caller's context ended before its commit. Nothing
// of it is committed: the caller may have answered, or been answered, with an error
// already (a sender that hung up, a deadline that passed), and must not find it stored.
func ended(ctx context.Context) error {
	return storage.Wrap(storage.Transient, ctx.Err(), "the request ended before it was stored; try again")
}

// begin starts the write transaction. A connection left inside one (a ROLLBACK that failed)
// is rolled back and tried once more.
func (db *DB) begin(exec func(string) error) error {
	err := exec(`BEGIN IMMEDIATE`)
	if err != nil && exec(`ROLLBACK`) == nil {
		err = exec(`BEGIN IMMEDIATE`)
	}
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return nil
}

// run calls fn, turning a panic into a value that its caller re-panics with.
func run(tx *Tx, fn func(tx *Tx) error) (panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return nil, fn(tx)
}
