package sqldb

import (
	"context"
	"fmt"
	"time"

	"refuge/storage"
)

// GetEmailToken returns the unexpired mailed link of purpose whose secret hashes to hash.
func (r reader) GetEmailToken(ctx context.Context, hash string, purpose storage.EmailPurpose, now time.Time) (*storage.EmailToken, error) {
	return r.emailToken(ctx, `hash = ?`, hash, purpose, now)
}

// PendingEmailToken returns the account's unexpired mailed link of purpose.
func (r reader) PendingEmailToken(ctx context.Context, actorID int64, purpose storage.EmailPurpose, now time.Time) (*storage.EmailToken, error) {
	return r.emailToken(ctx, `actor_id = ?`, actorID, purpose, now)
}

func (r reader) emailToken(ctx context.Context, where string, key any, purpose storage.EmailPurpose, now time.Time) (*storage.EmailToken, error) {
	t := &storage.EmailToken{Purpose: purpose}
	var created, expires string
	err := r.q.QueryRowContext(ctx, `SELECT hash, actor_id, email, created_at, expires_at FROM email_tokens
		WHERE `+where+` AND purpose = ? AND expires_at > ?`, key, purpose, ts(now)).
		Scan(&t.Hash, &t.ActorID, &t.Email, &created, &expires)
	if err != nil {
		return nil, notFound("mailed link", err)
	}
	t.Created, t.Expires = parseTS(created), parseTS(expires)
	return t, nil
}

// PutEmailToken stores a mailed link in place of the account's earlier one of its purpose.
func (tx *Tx) PutEmailToken(ctx context.Context, t *storage.EmailToken) error {
	if t.Created.IsZero() {
		t.Created = time.Now()
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO email_tokens (hash, actor_id, purpose, email, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (actor_id, purpose) DO UPDATE SET hash = excluded.hash, email = excluded.email,
		created_at = excluded.created_at, expires_at = excluded.expires_at`,
		t.Hash, t.ActorID, t.Purpose, t.Email, ts(t.Created), ts(t.Expires))
	if err != nil {
		return fmt.Errorf("put mailed link: %w", err)
	}
	return nil
}

// DeleteEmailTokens removes the account's mailed link of purpose.
func (tx *Tx) DeleteEmailTokens(ctx context.Context, actorID int64, purpose storage.EmailPurpose) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM email_tokens WHERE actor_id = ? AND purpose = ?`, actorID, purpose); err != nil {
		return fmt.Errorf("delete mailed links: %w", err)
	}
	return nil
}
