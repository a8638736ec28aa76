package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"refuge/storage"
)

// This file holds the queries only the web interface needs.

// CountUnreadNotifications counts an account's notifications it has not seen yet, of those
// ListNotifications shows (fromShown).
func (r reader) CountUnreadNotifications(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE account_id = ? AND read = FALSE`+fromShown, accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count notifications: %w", err)
	}
	return n, nil
}

// MarkNotificationsRead marks an account's notifications up to row id upTo as seen.
func (tx *Tx) MarkNotificationsRead(ctx context.Context, accountID, upTo int64) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE notifications SET read = TRUE WHERE account_id = ? AND id <= ? AND read = FALSE`,
		accountID, upTo); err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	return nil
}

// ListPublicActorNotes returns an actor's public notes (not unlisted, not deleted), newest
// first: what a feed reader may show anyone.
func (r reader) ListPublicActorNotes(ctx context.Context, actorID int64, p storage.Page) ([]*storage.Note, error) {
	return r.listNotes(ctx, `n.actor_id = :actor AND n.visibility = 'public' AND n.deleted_at = {never}`,
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

// orphanMedia is the condition under which a media row is an upload nobody uses, created
// before the argument: no note has it, and no local profile shows it as its header or,
// by the image or its thumbnail (which is what an avatar shows), as its avatar.
const orphanMedia = `note_id IS NULL AND created < ? AND NOT EXISTS (SELECT 1 FROM actors pa WHERE pa.local = TRUE
	AND (pa.image_url = media.url OR pa.icon_url = media.url OR (media.thumb_path <> ''
		AND substr(pa.icon_url, length(pa.icon_url) - length(media.thumb_path)) = '/' || media.thumb_path)))`

// DeleteOrphanMedia removes the media rows no note or profile uses that were created before
// before, and returns them so that the caller removes their files.
func (tx *Tx) DeleteOrphanMedia(ctx context.Context, before time.Time) ([]storage.Media, error) {
	gone, err := tx.listMedia(ctx, orphanMedia, ts(before))
	if err != nil {
		return nil, err
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM media WHERE `+orphanMedia, ts(before)); err != nil {
		return nil, fmt.Errorf("delete orphan media: %w", err)
	}
	return gone, nil
}

// DeleteActorMedia removes every media row of actorID and returns them, so that the caller
// removes their files.
func (tx *Tx) DeleteActorMedia(ctx context.Context, actorID int64) ([]storage.Media, error) {
	gone, err := tx.listMedia(ctx, `actor_id = ?`, actorID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM media WHERE actor_id = ?`, actorID); err != nil {
		return nil, fmt.Errorf("delete media of %d: %w", actorID, err)
	}
	return gone, nil
}

// ListMediaFiles lists the names of every file a media row points at.
func (r reader) ListMediaFiles(ctx context.Context) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT path FROM media WHERE path != '' UNION SELECT thumb_path FROM media WHERE thumb_path != ''
		UNION SELECT path FROM custom_emojis`)
	if err != nil {
		return nil, fmt.Errorf("list media files: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("scan media file: %w", err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list media files: %w", err)
	}
	return out, nil
}

// CountMedia counts the media rows an actor owns, attached or not.
func (r reader) CountMedia(ctx context.Context, actorID int64) (int, error) {
	var n int
	if err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM media WHERE actor_id = ?`, actorID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count media: %w", err)
	}
	return n, nil
}
