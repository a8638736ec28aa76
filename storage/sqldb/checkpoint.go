package sqldb

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// Checkpoints. SQLite's own checkpoint runs inside the commit that pushes the WAL past 1,000
// pages: that commit, and with group commit everyone waiting behind it, waits for the pages
// to be copied into the database file and for two fsyncs. Under a stream of inbox
// deliveries that was a checkpoint every few dozen commits and the CPUs idle a quarter of
// the time. Here commits never checkpoint; a goroutine of the DB checkpoints on its own
// connection (PASSIVE: it waits for no reader or writer) every checkpointEvery while
// anything was committed. Checkpointing less often also copies a page rewritten by many
// commits once. A checkpoint is also when the WAL reaches the disk (synchronous=NORMAL), so
// what is committed is on disk within about checkpointEvery, idle or busy.

// checkpointEvery is the longest a commit waits to be copied into the database file.
const checkpointEvery = 500 * time.Millisecond

type checkpointer struct {
	conn *sql.DB
	wake chan struct{}
	stop chan struct{}
	done sync.WaitGroup
}

// startCheckpointer opens its connection with dsn and starts the goroutine.
func startCheckpointer(dsn string) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	c := &checkpointer{conn: conn, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	c.done.Add(1)
	go c.run()
	return c, nil
}

// committed tells the checkpointer there is something to copy.
func (c *checkpointer) committed() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer c.done.Done()
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		// Gather what commits in the next moments into one checkpoint.
		t := time.NewTimer(checkpointEvery)
		select {
		case <-c.stop:
			t.Stop()
			return
		case <-t.C:
		}
		// A failure (the disk is full) leaves the pages in the WAL, where readers find
		// them; the next commit tries again.
		c.conn.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
	}
}

// close stops the goroutine and closes its connection; the last connection of the DB to
// close makes the final checkpoint.
func (c *checkpointer) close() error {
	close(c.stop)
	c.done.Wait()
	return c.conn.Close()
}
