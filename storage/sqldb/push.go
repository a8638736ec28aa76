package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"refuge/storage"
)

// alertsText is how a subscription's alerts are stored: space-separated with a space on
// each side, so that queuePushes finds one with LIKE '% name %'.
func alertsText(alerts []string) string {
	if len(alerts) == 0 {
		return " "
	}
	return " " + strings.Join(alerts, " ") + " "
}

const pushSubscriptionColumns = `s.id, s.token_hash, s.account_id, s.endpoint, s.access_token, s.p256dh, s.auth, s.alerts, s.policy, s.created`

func scanPushSubscription(row interface{ Scan(...any) error }, extra ...any) (*storage.PushSubscription, error) {
	s := &storage.PushSubscription{}
	var alerts, policy, created string
	dest := append([]any{&s.ID, &s.TokenHash, &s.AccountID, &s.Endpoint, &s.AccessToken, &s.P256dh, &s.Auth, &alerts, &policy, &created}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	s.Alerts, s.Policy, s.Created = strings.Fields(alerts), storage.PushPolicy(policy), parseTS(created)
	return s, nil
}

// GetPushSubscription returns the token's subscription.
func (r reader) GetPushSubscription(ctx context.Context, tokenHash string) (*storage.PushSubscription, error) {
	s, err := scanPushSubscription(r.q.QueryRowContext(ctx, `SELECT `+pushSubscriptionColumns+`
		FROM push_subscriptions s WHERE s.token_hash = ?`, tokenHash))
	if err != nil {
		return nil, notFound("push subscription", err)
	}
	return s, nil
}

// NextPushDue returns when the earliest queued push is due, or zero when none is queued.
func (r reader) NextPushDue(ctx context.Context) (time.Time, error) {
	var next sql.NullString
	if err := r.q.QueryRowContext(ctx, `SELECT min(next_try) FROM pushes`).Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("next push: %w", err)
	}
	return parseTS(next.String), nil
}

// PutPushSubscription stores the token's subscription in place of any it had: a new row,
// with a new id, as Mastodon makes one.
func (tx *Tx) PutPushSubscription(ctx context.Context, s *storage.PushSubscription) error {
	if s.Created.IsZero() {
		s.Created = time.Now()
	}
	if err := tx.DeletePushSubscription(ctx, s.TokenHash); err != nil {
		return err
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO push_subscriptions (token_hash, account_id, endpoint, access_token,
		p256dh, auth, alerts, policy, created) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id`, s.TokenHash, s.AccountID, s.Endpoint,
		s.AccessToken, s.P256dh,
		s.Auth, alertsText(s.Alerts), string(s.Policy), ts(s.Created)).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("put push subscription: %w", err)
	}
	return nil
}

// UpdatePushSubscription sets the token's subscription's alerts and policy.
func (tx *Tx) UpdatePushSubscription(ctx context.Context, tokenHash string, alerts []string, policy storage.PushPolicy) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE push_subscriptions SET alerts = ?, policy = ? WHERE token_hash = ?`,
		alertsText(alerts), string(policy), tokenHash)
	if err != nil {
		return fmt.Errorf("update push subscription: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "push subscription not found")
	}
	return nil
}

// DeletePushSubscription removes the token's subscription; its queued pushes go with it.
func (tx *Tx) DeletePushSubscription(ctx context.Context, tokenHash string) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("delete push subscription: %w", err)
	}
	return nil
}

// queuePushes queues notification id, of kind, for each of the account's subscriptions
// whose alerts and policy let it through: the policy is decided here, when it happens,
// as Mastodon decides it.
func (tx *Tx) queuePushes(ctx context.Context, id, accountID, actorID int64, kind storage.NotificationKind, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO pushes (subscription_id, notification_id, next_try, created)
		SELECT s.id, :id, :at, :at FROM push_subscriptions s
		WHERE s.account_id = :account AND s.alerts LIKE :alert AND (s.policy = 'all'
			OR s.policy = 'followed' AND EXISTS (SELECT 1 FROM follows f
				WHERE f.follower_id = :account AND f.followee_id = :actor AND f.accepted)
			OR s.policy = 'follower' AND EXISTS (SELECT 1 FROM follows f
				WHERE f.follower_id = :actor AND f.followee_id = :account AND f.accepted))`,
		sql.Named("id", id), sql.Named("at", ts(at)), sql.Named("account", accountID), sql.Named("actor", actorID),
		sql.Named("alert", "% "+storage.PushAlertOf(kind)+" %"))
	if err != nil {
		return fmt.Errorf("queue pushes: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		tx.queued = true // on PostgreSQL, wakes every process's workers
	}
	return nil
}

// ClaimPushes leases up to limit due pushes, with their subscriptions.
func (db *DB) ClaimPushes(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*storage.Push, error) {
	var out []*storage.Push
	err := db.update(ctx, func(tx *Tx) error {
		out = nil // an update may run again
		ids, err := column[int64](tx.tx.QueryContext(ctx, `SELECT id FROM pushes WHERE next_try <= ?
			ORDER BY next_try, id LIMIT ?`, ts(now), limit))
		if err != nil {
			return fmt.Errorf("claim pushes: %w", err)
		}
		for _, id := range ids {
			p := &storage.Push{ID: id}
			var sub int64
			if err := tx.tx.QueryRowContext(ctx, `UPDATE pushes SET next_try = ? WHERE id = ?
				RETURNING subscription_id, notification_id, attempts`, ts(now.Add(lease)), id).
				Scan(&sub, &p.Notification, &p.Attempts); err != nil {
				return fmt.Errorf("lease push: %w", err)
			}
			if p.Subscription, err = scanPushSubscription(tx.tx.QueryRowContext(ctx, `SELECT `+pushSubscriptionColumns+`
				FROM push_subscriptions s WHERE s.id = ?`, sub)); err != nil {
				return fmt.Errorf("lease push: %w", err)
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// FinishPush removes a push.
func (db *DB) FinishPush(ctx context.Context, id int64) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `DELETE FROM pushes WHERE id = ?`, id)
		return err
	})
}

// RetryPush records a failed attempt and when to try again.
func (db *DB) RetryPush(ctx context.Context, id int64, next time.Time, reason string) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE pushes SET attempts = attempts + 1, next_try = ?, last_error = ?
			WHERE id = ?`, ts(next), reason, id)
		return err
	})
}

// RemovePushSubscription removes a subscription whose endpoint is gone, and its pushes.
func (db *DB) RemovePushSubscription(ctx context.Context, id int64) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE id = ?`, id)
		return err
	})
}
