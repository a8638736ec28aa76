package main

import (
	"context"
	"fmt"

	"refuge/storage/sqlite"
)

// countStored counts the notes whose ids carry prefix, and their home-feed rows: what
// "every accepted activity is stored" is checked against. The instance's file is opened
// beside the running instance (WAL lets a second process in) on first use.
func (e *env) countStored(ctx context.Context, prefix string) (notes, feed int, err error) {
	if e.srv.dbPath() == "" {
		return -1, -1, nil
	}
	if e.db == nil {
		if e.db, err = sqlite.Open(ctx, e.srv.dbPath()); err != nil {
			return 0, 0, err
		}
	}
	like := "%/statuses/" + prefix + "%"
	if notes, err = e.db.CountWhere(ctx, "notes", "uri LIKE ?", like); err != nil {
		return 0, 0, fmt.Errorf("count notes: %w", err)
	}
	if feed, err = e.db.CountWhere(ctx, "feed f JOIN notes n ON n.id = f.note_id", "n.uri LIKE ?", like); err != nil {
		return 0, 0, fmt.Errorf("count feed: %w", err)
	}
	return notes, feed, nil
}
