package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"refuge/storage"
)

// PutActivity records an activity. It reports false, storing nothing, when one with the same
// URI is already stored: that is how duplicate deliveries become no-ops.
func (tx *Tx) PutActivity(ctx context.Context, a *storage.Activity) (bool, error) {
	if a.Published.IsZero() {
		a.Published = time.Now()
	}
	if a.Visibility == "" {
		a.Visibility = storage.Public
	}
	return tx.insertActivity(ctx, a, nextActivityRow)
}

// insertActivity inserts a with the row id the SQL expression id gives, as PutActivity.
func (tx *Tx) insertActivity(ctx context.Context, a *storage.Activity, id string) (bool, error) {
	var noteID any
	if a.NoteID != 0 {
		noteID = a.NoteID
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO activities (id, uri, actor_id, local, type, object_uri, note_id,
		visibility, json, published) VALUES (`+id+`,?,?,?,?,?,?,?,?,?) ON CONFLICT (uri) DO NOTHING RETURNING id`,
		a.URI, a.ActorID, a.Local, a.Type, a.ObjectURI, noteID, a.Visibility, a.JSON, ts(a.Published)).Scan(&a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // stored already: nothing inserted, nothing returned
	}
	if err != nil {
		return false, fmt.Errorf("put activity %s: %w", a.URI, err)
	}
	return true, nil
}

// SetActivityJSON stores the JSON of an activity whose id was only known after insert.
func (tx *Tx) SetActivityJSON(ctx context.Context, id int64, uri, json string) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE activities SET uri = ?, json = ? WHERE id = ?`, uri, json, id); err != nil {
		return fmt.Errorf("set activity json: %w", err)
	}
	return nil
}

const activityColumns = `id, uri, actor_id, local, type, object_uri, coalesce(note_id, 0), visibility, json, published`

func scanActivity(s scanner) (*storage.Activity, error) {
	a := &storage.Activity{}
	var published string
	if err := s.Scan(&a.ID, &a.URI, &a.ActorID, &a.Local, &a.Type, &a.ObjectURI, &a.NoteID, &a.Visibility,
		&a.JSON, &published); err != nil {
		return nil, err
	}
	a.Published = parseTS(published)
	return a, nil
}

// GetActivityByURI returns the stored activity with id uri.
func (r reader) GetActivityByURI(ctx context.Context, uri string) (*storage.Activity, error) {
	a, err := scanActivity(r.q.QueryRowContext(ctx, `SELECT `+activityColumns+` FROM activities WHERE uri = ?`, uri))
	if err != nil {
		return nil, notFound("activity", err)
	}
	return a, nil
}

// GetActivityByID returns the stored activity with row id id.
func (r reader) GetActivityByID(ctx context.Context, id int64) (*storage.Activity, error) {
	a, err := scanActivity(r.q.QueryRowContext(ctx, `SELECT `+activityColumns+` FROM activities WHERE id = ?`, id))
	if err != nil {
		return nil, notFound("activity", err)
	}
	return a, nil
}

// outboxWhere selects the Create and Announce activities of a local actor that a viewer may
// see: anonymous readers get public and unlisted ones only.
const outboxWhere = `actor_id = :actor AND local = TRUE AND type IN ('Create', 'Announce') AND json != ''
	AND (visibility IN ('public', 'unlisted') OR :owner = TRUE)
	AND (note_id IS NULL OR NOT EXISTS (SELECT 1 FROM notes n WHERE n.id = note_id AND n.deleted_at != {never}))
	AND (type <> 'Announce' OR EXISTS (SELECT 1 FROM announces b WHERE b.uri = activities.uri))`

// ListOutbox returns a local actor's Create and Announce activities (not those of deleted
// notes or undone boosts), newest first. Only the owner (owner=true) sees followers-only and
// direct ones.
func (r reader) ListOutbox(ctx context.Context, actorID int64, owner bool, p storage.Page) ([]*storage.Activity, error) {
	cond, pargs, order := pageClause(p, "id")
	args := append([]any{sql.Named("actor", actorID), sql.Named("owner", owner)}, pargs...)
	rows, err := r.q.QueryContext(ctx, `SELECT `+activityColumns+` FROM activities WHERE `+outboxWhere+cond+order, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []*storage.Activity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, fmt.Errorf("scan activity: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	if ascending(p) {
		reverse(out)
	}
	return out, nil
}

// CountOutbox counts what ListOutbox would page through, and gives the newest and oldest ids.
//
// It counts from the notes' counts kept on the actor (migrations/sqlite/0003) and the
// actor's boosts, not the outbox's activities one by one: ListOutbox's rule, at a cost that
// does not grow with the posts (TestCountOutboxMatchesList holds the two together).
func (r reader) CountOutbox(ctx context.Context, actorID int64, owner bool) (count int, err error) {
	err = r.q.QueryRowContext(ctx, `SELECT CASE WHEN :owner = TRUE THEN a.notes_total ELSE a.notes_public END
		+ (SELECT count(*) FROM announces b JOIN notes n ON n.id = b.note_id
			WHERE b.actor_id = a.id AND n.deleted_at = {never} AND (b.visibility IN ('public', 'unlisted') OR :owner = TRUE))
		FROM actors a WHERE a.id = :actor AND a.local = TRUE`,
		sql.Named("actor", actorID), sql.Named("owner", owner)).Scan(&count)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return count, nil
}

// EnqueueDeliveries queues the activity for each inbox, due now. Repeats are ignored.
func (tx *Tx) EnqueueDeliveries(ctx context.Context, activityID int64, inboxes []string, now time.Time) error {
	if activityID <= 0 && len(inboxes) > 0 {
		// What a caller gets that took the ID of an activity PutActivity did not store.
		return storage.Errorf(storage.Internal, "enqueue deliveries: activity id %d was never stored", activityID)
	}
	// Many rows a statement (a fan-out queues one a follower server): the list is padded
	// like inList's, with the last row again, which the conflict clause then ignores.
	for rest := inboxes; len(rest) > 0; {
		n := min(len(rest), enqueueRows[len(enqueueRows)-1])
		size := enqueueRows[len(enqueueRows)-1]
		for _, s := range enqueueRows {
			if s >= n {
				size = s
				break
			}
		}
		args := make([]any, 0, 5*size)
		for i := range size {
			inbox := rest[min(i, n-1)]
			args = append(args, activityID, inbox, storage.HostOf(inbox), ts(now), ts(now))
		}
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO deliveries (activity_id, inbox, host, next_try, created)
			VALUES (?,?,?,?,?)`+strings.Repeat(`, (?,?,?,?,?)`, size-1)+` ON CONFLICT DO NOTHING`, args...); err != nil {
			return fmt.Errorf("enqueue %d deliveries: %w", n, err)
		}
		tx.queued = true
		rest = rest[n:]
	}
	return nil
}

// enqueueRows are the numbers of rows EnqueueDeliveries writes a statement, so that its
// statements are a few texts, each prepared once and kept.
var enqueueRows = []int{1, 4, 16, 64}

// ClaimDeliveries returns up to limit deliveries due at now, oldest first, and leases them
// until now+lease so that no other worker takes them; a crash leaves the lease to expire and
// the delivery to be retried.
func (db *DB) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*storage.Delivery, error) {
	if db.pg != nil {
		return db.pgClaimDeliveries(ctx, now, lease, limit)
	}
	var out []*storage.Delivery
	err := db.update(ctx, func(tx *Tx) error {
		out = nil // an update may run again
		rows, err := tx.tx.QueryContext(ctx, `SELECT d.id, d.activity_id, d.inbox, d.host, d.attempts, d.next_try,
			d.last_error, d.created, a.actor_id, a.json FROM deliveries d JOIN activities a ON a.id = d.activity_id
			WHERE d.next_try <= ? ORDER BY d.next_try, d.id LIMIT ?`, ts(now), limit)
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanClaimed(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		rows.Close()
		for rest := out; len(rest) > 0; {
			n := min(len(rest), inListSizes[len(inListSizes)-1])
			ids := make([]int64, n)
			for i, d := range rest[:n] {
				ids[i] = d.ID
			}
			q, args := inList(ids)
			if _, err := tx.tx.ExecContext(ctx, `UPDATE deliveries SET next_try = ? WHERE id IN `+q,
				append([]any{ts(now.Add(lease))}, args...)...); err != nil {
				return fmt.Errorf("lease deliveries: %w", err)
			}
			rest = rest[n:]
		}
		return nil
	})
	return out, err
}

// pgClaimDeliveries is ClaimDeliveries in one statement: the rows another process's worker
// has locked meanwhile are skipped, not waited for, so that each delivery is leased by
// exactly one worker of all the processes.
func (db *DB) pgClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*storage.Delivery, error) {
	rows, err := db.rcache.QueryContext(ctx, `WITH due AS (SELECT id FROM deliveries WHERE next_try <= ?
			ORDER BY next_try, id LIMIT ? FOR UPDATE SKIP LOCKED),
		leased AS (UPDATE deliveries d SET next_try = ? FROM due WHERE d.id = due.id
			RETURNING d.id, d.activity_id, d.inbox, d.host, d.attempts, d.next_try, d.last_error, d.created)
		SELECT l.id, l.activity_id, l.inbox, l.host, l.attempts, l.next_try, l.last_error, l.created, a.actor_id, a.json
		FROM leased l JOIN activities a ON a.id = l.activity_id ORDER BY l.id`, ts(now), limit, ts(now.Add(lease)))
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	var out []*storage.Delivery
	for rows.Next() {
		d, err := scanClaimed(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return out, nil
}

// scanClaimed reads a claimed delivery with its activity's actor and JSON.
func scanClaimed(s scanner) (*storage.Delivery, error) {
	d := &storage.Delivery{}
	var next, created string
	if err := s.Scan(&d.ID, &d.ActivityID, &d.Inbox, &d.Host, &d.Attempts, &next, &d.LastError,
		&created, &d.ActorID, &d.JSON); err != nil {
		return nil, fmt.Errorf("scan delivery: %w", err)
	}
	d.NextTry, d.Created = parseTS(next), parseTS(created)
	return d, nil
}

// NextDeliveryDue returns when the earliest queued delivery is due, or zero when none is queued.
func (r reader) NextDeliveryDue(ctx context.Context) (time.Time, error) {
	var next sql.NullString
	if err := r.q.QueryRowContext(ctx, `SELECT min(next_try) FROM deliveries`).Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("next delivery: %w", err)
	}
	return parseTS(next.String), nil
}

// CountDeliveries counts queued deliveries.
func (r reader) CountDeliveries(ctx context.Context) (int, error) {
	var n int
	if err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM deliveries`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count deliveries: %w", err)
	}
	return n, nil
}

// ListDeliveries returns the queued deliveries of one activity, oldest first.
func (r reader) ListDeliveries(ctx context.Context, activityID int64) ([]*storage.Delivery, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, activity_id, inbox, host, attempts, next_try, last_error, created
		FROM deliveries WHERE activity_id = ? ORDER BY id`, activityID)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []*storage.Delivery
	for rows.Next() {
		d := &storage.Delivery{}
		var next, created string
		if err := rows.Scan(&d.ID, &d.ActivityID, &d.Inbox, &d.Host, &d.Attempts, &next, &d.LastError, &created); err != nil {
			return nil, fmt.Errorf("scan delivery: %w", err)
		}
		d.NextTry, d.Created = parseTS(next), parseTS(created)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return out, nil
}

// FinishDeliveries removes deliveries that succeeded or will never succeed, all in one
// transaction: a fan-out settles its deliveries in batches, not with a write each.
func (db *DB) FinishDeliveries(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	return db.update(ctx, func(tx *Tx) error {
		for rest := ids; len(rest) > 0; {
			n := min(len(rest), inListSizes[len(inListSizes)-1])
			q, args := inList(rest[:n])
			if _, err := tx.tx.ExecContext(ctx, `DELETE FROM deliveries WHERE id IN `+q, args...); err != nil {
				return fmt.Errorf("finish %d deliveries: %w", len(ids), err)
			}
			rest = rest[n:]
		}
		return nil
	})
}

// inListSizes are the lengths inList pads a list to, so that a statement over a list of
// values is one of a few texts, each prepared once and kept.
var inListSizes = []int{1, 4, 16, 64, 256}

// inList is "(?, ?, ...)" and its arguments for values (at most the last of inListSizes,
// at least one), padded with the last value to the next of inListSizes: a repeat changes
// nothing in IN.
func inList[T any](values []T) (string, []any) {
	size := inListSizes[len(inListSizes)-1]
	for _, s := range inListSizes {
		if s >= len(values) {
			size = s
			break
		}
	}
	args := make([]any, size)
	for i := range args {
		args[i] = values[min(i, len(values)-1)]
	}
	return "(?" + strings.Repeat(", ?", size-1) + ")", args
}

// ReleaseDelivery hands a claimed delivery back, due at next, without counting an attempt.
func (db *DB) ReleaseDelivery(ctx context.Context, id int64, next time.Time) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE deliveries SET next_try = ? WHERE id = ?`, ts(next), id)
		return err
	})
}

// RetryDelivery records a failed attempt and when to try again.
func (db *DB) RetryDelivery(ctx context.Context, id int64, next time.Time, reason string) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE deliveries SET attempts = attempts + 1, next_try = ?, last_error = ?
			WHERE id = ?`, ts(next), reason, id)
		return err
	})
}

// RemoveActorsByInbox marks the remote actors whose personal inbox answered 410 Gone as
// deleted. A shared inbox that is gone removes nobody: the server may be moving.
func (db *DB) RemoveActorsByInbox(ctx context.Context, inbox string, at time.Time) error {
	return db.update(ctx, func(tx *Tx) error {
		ids, err := column[int64](tx.tx.QueryContext(ctx, `SELECT id FROM actors WHERE inbox = ? AND local = FALSE AND deleted_at = {never}`, inbox))
		if err != nil {
			return fmt.Errorf("actors by inbox: %w", err)
		}
		for _, id := range ids {
			if err := tx.MarkActorDeleted(ctx, id, at); err != nil {
				return err
			}
		}
		return nil
	})
}
