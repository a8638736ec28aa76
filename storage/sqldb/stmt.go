package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
)

// Parsing a statement costs SQLite (compiled to Go here) more than running a small one: a
// fifth of an inbox delivery went to sqlite3_prepare before statements were kept. database/sql
// keeps none by itself, so each pool keeps its statements by query text.

// maxStatements bounds a cache; queries past it run unprepared. Refuge's queries are a few
// hundred distinct texts at most (lists of ids vary in length).
const maxStatements = 1000

// stmtCache keeps the prepared statements of one pool or connection by query text.
type stmtCache struct {
	prepare func(ctx context.Context, query string) (*sql.Stmt, error)
	m       sync.Map // query → *sql.Stmt
	n       atomic.Int32
	mu      sync.Mutex // held while closing
	closed  bool
}

// get returns the prepared statement for query, preparing it on first use, or nil when the
// query is not to be kept (it holds several statements, or the cache is full) or does not
// prepare: the caller then runs it unprepared, which reports any error itself.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	if st, ok := c.m.Load(query); ok {
		return st.(*sql.Stmt)
	}
	// Prepare would compile only the first of several statements (a migration).
	if strings.Contains(query, ";") || c.n.Load() >= maxStatements {
		return nil
	}
	st, err := c.prepare(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		st.Close()
		return nil
	}
	if old, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		return old.(*sql.Stmt)
	}
	c.n.Add(1)
	return st
}

// close closes every kept statement; later gets prepare nothing.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.m.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		c.m.Delete(k)
		return true
	})
}

// plainQuerier is what *sql.DB and *sql.Conn offer.
type plainQuerier interface {
	querier
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// cachedQuerier runs queries through the statement cache of q, a pool or a connection.
//
// On the pool, database/sql runs a statement only on a connection nobody else is using, so
// every kind of query is kept. On the writer's one connection a kept statement whose rows
// were still open would be run again over them, so there only Exec and QueryRow (whose
// Scan closes its rows at once) are kept. The writer also keeps a caller's cancellation
// from interrupting a statement: SQLite rolls back the whole transaction of an interrupted
// write, and with group commit that transaction holds other callers' work too.
//
// Each query is first put in the dialect's own words (see dialect.go). On PostgreSQL
// there is no cache here (cache is nil): pgx keeps each connection's statements itself.
type cachedQuerier struct {
	q      plainQuerier
	d      dialect
	cache  *stmtCache
	writer bool
}

func newCachedQuerier(q plainQuerier, d dialect, writer bool) *cachedQuerier {
	c := &cachedQuerier{q: q, d: d, writer: writer}
	if _, ok := d.(*sqliteDialect); ok {
		c.cache = &stmtCache{prepare: q.PrepareContext}
	}
	return c
}

func (c *cachedQuerier) ctx(ctx context.Context) context.Context {
	if c.writer {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (c *cachedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = c.ctx(ctx)
	query, args = c.d.rewrite(query, args)
	if st := c.cache.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, query, args...)
}

func (c *cachedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = c.ctx(ctx)
	query, args = c.d.rewrite(query, args)
	if c.writer {
		return c.q.QueryContext(ctx, query, args...)
	}
	if st := c.cache.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, query, args...)
}

func (c *cachedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = c.ctx(ctx)
	query, args = c.d.rewrite(query, args)
	if st := c.cache.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, query, args...)
}
