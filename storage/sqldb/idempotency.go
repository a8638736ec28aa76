package sqldb

import (
	"context"
	"fmt"
	"time"

	"refuge/storage"
)

// IdempotentNote returns the note actor posted with key at since or later.
func (r reader) IdempotentNote(ctx context.Context, actorID int64, key string, since time.Time) (int64, error) {
	var id int64
	err := r.q.QueryRowContext(ctx, `SELECT note_id FROM idempotency_keys WHERE actor_id = ? AND key = ? AND created >= ?`,
		actorID, key, ts(since)).Scan(&id)
	if err != nil {
		return 0, notFound("idempotency key", err)
	}
	return id, nil
}

// ClaimIdempotencyKey records key for note noteID unless a record since since holds it.
// The insert does nothing on a conflict rather than fail, so that on PostgreSQL a post
// racing another with the same key waits for it and is told the key is taken, instead of
// aborting its transaction.
func (tx *Tx) ClaimIdempotencyKey(ctx context.Context, actorID int64, key string, noteID int64, at, since time.Time) (bool, error) {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE actor_id = ? AND key = ? AND created < ?`,
		actorID, key, ts(since)); err != nil {
		return false, fmt.Errorf("expire idempotency key: %w", err)
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO idempotency_keys (actor_id, key, note_id, created) VALUES (?,?,?,?)
		ON CONFLICT (actor_id, key) DO NOTHING`, actorID, key, noteID, ts(at))
	if err != nil {
		return false, fmt.Errorf("claim idempotency key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim idempotency key: %w", err)
	}
	return n == 1, nil
}

// DescribeMedia sets the description of actor's media row id while no note has it: a
// posted image changes only with its note, which federates the change.
func (tx *Tx) DescribeMedia(ctx context.Context, id, actorID int64, description string) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE media SET description = ? WHERE id = ? AND actor_id = ? AND note_id IS NULL`, description, id, actorID)
	if err != nil {
		return fmt.Errorf("describe media %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("describe media %d: %w", id, err)
	}
	if n != 1 {
		return storage.Errorf(storage.NotFound, "media not found")
	}
	return nil
}
