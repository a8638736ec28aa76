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
	if e.srv.db != "" {
		db, err := sqldb.OpenPostgres(ctx, e.srv.db, sqldb.PostgresOptions{MaxConns: 2})
		if err != nil {
			return 0, 0, err
		}
		defer db.Close()
		return rowCounts(ctx, db)
	}
	if e.srv.dbPath() == "" {
		return -1, -1, nil
	}
	if e.db == nil {
		if e.db, err = sqldb.Open(ctx, e.srv.dbPath()); err != nil {
			return 0, 0, err
		}
	}
	return rowCounts(ctx, e.db)
}

func rowCounts(ctx context.Context, db *sqldb.DB) (notes, feed int, err error) {
	counts, err := db.RowCounts(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("count stored rows: %w", err)
	}
	return counts["notes"], counts["feed"], nil
}
