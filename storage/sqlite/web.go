package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"refuge/storage"
)

// This file holds the queries only the web interface needs.

// CountUnreadNotifications counts an account's notifications it has not seen yet.
func (r reader) CountUnreadNotifications(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE account_id = ? AND read = 0`, accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count notifications: %w", err)
	}
	return n, nil
}

// MarkNotificationsRead marks an account's notifications up to row id upTo as seen.
func (tx *Tx) MarkNotificationsRead(ctx context.Context, accountID, upTo int64) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE notifications SET read = 1 WHERE account_id = ? AND id <= ? AND read = 0`,
		accountID, upTo); err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	return nil
}

// ListPublicActorNotes returns an actor's public notes (not unlisted, not deleted), newest
// first: what a feed reader may show anyone.
func (r reader) ListPublicActorNotes(ctx context.Context, actorID int64, p storage.Page) ([]*storage.Note, error) {
	return r.listNotes(ctx, `n.actor_id = :actor AND n.visibility = 'public' AND n.deleted_at = ''`,
		[]any{sql.Named("actor", actorID)}, p)
}

// DeleteMedia removes a media row that no note uses, such as an upload whose post failed;
// the caller removes its files.
func (tx *Tx) DeleteMedia(ctx context.Context, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM media WHERE id = ? AND note_id IS NULL`, id); err != nil {
		return fmt.Errorf("delete media %d: %w", id, err)
	}
	return nil
}

// CountMedia counts the media rows an actor owns, attached or not.
func (r reader) CountMedia(ctx context.Context, actorID int64) (int, error) {
	var n int
	if err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM media WHERE actor_id = ?`, actorID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count media: %w", err)
	}
	return n, nil
}
