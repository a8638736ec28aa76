package main

import (
	"context"
	"fmt"

	"refuge/storage/sqldb"
)

// countStored counts the notes and home-feed rows stored: a run's accepted activities are
// checked against what it added to both. The instance's file is opened beside the running
// instance (WAL lets a second process in) on first use.
func (e *env) countStored(ctx context.Context) (notes, feed int, err error) {
	if e.srv.dbPath() == "" {
		return -1, -1, nil
	}
	if e.db == nil {
		if e.db, err = sqldb.Open(ctx, e.srv.dbPath()); err != nil {
			return 0, 0, err
		}
	}
	counts, err := e.db.RowCounts(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("count stored rows: %w", err)
	}
	return counts["notes"], counts["feed"], nil
}
