package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// limitIdle is how long a bucket may go untouched before it is dropped; any bucket idle
// that long is full again at the rates used (a few tokens a minute and more).
const limitIdle = time.Hour

// TakeToken takes a token from the bucket key. The bucket is read and written in the
// caller's transaction, so that concurrent takes, from any process, are counted one by one.
func (tx *Tx) TakeToken(ctx context.Context, key string, rate, burst float64, now time.Time) (bool, float64, error) {
	var tokens float64
	var at string
	err := tx.tx.QueryRowContext(ctx, `SELECT tokens, at FROM limits WHERE key = ?`, key).Scan(&tokens, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		tokens = burst
		// A new bucket: the moment to drop those nobody used for a while, so that the table
		// holds only the keys of the last hour.
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM limits WHERE at < ?`, ts(now.Add(-limitIdle))); err != nil {
			return false, 0, fmt.Errorf("limits: %w", err)
		}
	case err != nil:
		return false, 0, fmt.Errorf("limit %s: %w", key, err)
	default:
		tokens = min(burst, tokens+max(0, now.Sub(parseTS(at)).Seconds())*rate)
	}
	ok := tokens >= 1
	if ok {
		tokens--
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO limits (key, tokens, at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, at = excluded.at`, key, tokens, ts(now)); err != nil {
		return false, 0, fmt.Errorf("limit %s: %w", key, err)
	}
	return ok, tokens, nil
}
