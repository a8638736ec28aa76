package main

import (
	"context"
	"fmt"

	"refuge/storage/sqldb"
)

// countStored counts the notes and home-feed rows stored: a run's accepted activities are
// checked against what it added to both. The instance's SQLite file is opened beside the
// running instance (WAL lets a second process in) on first use. Its PostgreSQL database is
// opened for each count and closed again, so that no listener of this tool's hears the
// run's commits.
func (e *env) countStored(ctx context.Context) (notes, feed int, err error) {
	db, done, err := e.openDB(ctx)
	if err != nil || db == nil {
		return -1, -1, err
	}
	defer done()
	return rowCounts(ctx, db)
}

// openDB opens the instance's database to read it, as countStored says, and returns it
// with what to call when done with it; nil when there is no data folder to read
// (--target without --data).
func (e *env) openDB(ctx context.Context) (*sqldb.DB, func(), error) {
	if e.srv.db != "" {
		db, err := sqldb.OpenPostgres(ctx, e.srv.db, sqldb.PostgresOptions{MaxConns: 2})
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	}
	if e.srv.dbPath() == "" {
		return nil, nil, nil
	}
	if e.db == nil {
		var err error
		if e.db, err = sqldb.Open(ctx, e.srv.dbPath()); err != nil {
			return nil, nil, err
		}
	}
	return e.db, func() {}, nil
}

func rowCounts(ctx context.Context, db *sqldb.DB) (notes, feed int, err error) {
	counts, err := db.RowCounts(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("count stored rows: %w", err)
	}
	return counts["notes"], counts["feed"], nil
}
