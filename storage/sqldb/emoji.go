package sqldb

import (
	"context"
	"fmt"

	"refuge/storage"
)

// ListCustomEmojis returns the instance's custom emoji by shortcode.
func (r reader) ListCustomEmojis(ctx context.Context) ([]storage.CustomEmoji, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, shortcode, path, url, media_type, created FROM custom_emojis ORDER BY shortcode`)
	if err != nil {
		return nil, fmt.Errorf("custom emojis: %w", err)
	}
	defer rows.Close()
	var out []storage.CustomEmoji
	for rows.Next() {
		var e storage.CustomEmoji
		var created string
		if err := rows.Scan(&e.ID, &e.Shortcode, &e.Path, &e.URL, &e.MediaType, &created); err != nil {
			return nil, fmt.Errorf("custom emojis: %w", err)
		}
		e.Created = parseTS(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// PutCustomEmoji adds a custom emoji.
func (tx *Tx) PutCustomEmoji(ctx context.Context, e *storage.CustomEmoji) error {
	err := tx.guard(ctx, func() error {
		return tx.tx.QueryRowContext(ctx, `INSERT INTO custom_emojis (shortcode, path, url, media_type, created)
			VALUES (?,?,?,?,?) RETURNING id`, e.Shortcode, e.Path, e.URL, e.MediaType, ts(e.Created)).Scan(&e.ID)
	})
	if isUnique(err) {
		return storage.Errorf(storage.Conflict, ":%s: is taken", e.Shortcode)
	}
	if err != nil {
		return fmt.Errorf("put custom emoji: %w", err)
	}
	return nil
}

// DeleteCustomEmoji removes a custom emoji.
func (tx *Tx) DeleteCustomEmoji(ctx context.Context, shortcode string) (*storage.CustomEmoji, error) {
	var e storage.CustomEmoji
	var created string
	err := tx.tx.QueryRowContext(ctx, `DELETE FROM custom_emojis WHERE shortcode = ?
		RETURNING id, shortcode, path, url, media_type, created`, shortcode).Scan(&e.ID, &e.Shortcode, &e.Path, &e.URL, &e.MediaType, &created)
	if err != nil {
		return nil, notFound("custom emoji", err)
	}
	e.Created = parseTS(created)
	return &e, nil
}
