package sqldb

import (
	"context"
	"fmt"
	"time"

	"refuge/storage"
)

const listColumns = `id, actor_id, title, replies_policy, exclusive, created`

// ListLists returns actorID's lists, oldest first.
func (r reader) ListLists(ctx context.Context, actorID int64) ([]*storage.List, error) {
	return r.lists(ctx, `SELECT `+listColumns+` FROM lists WHERE actor_id = ? ORDER BY id`, actorID)
}

// GetList returns actorID's list id.
func (r reader) GetList(ctx context.Context, actorID, id int64) (*storage.List, error) {
	ls, err := r.lists(ctx, `SELECT `+listColumns+` FROM lists WHERE id = ? AND actor_id = ?`, id, actorID)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, storage.Errorf(storage.NotFound, "Record not found")
	}
	return ls[0], nil
}

// ListsWith returns actorID's lists that have memberID, oldest first.
func (r reader) ListsWith(ctx context.Context, actorID, memberID int64) ([]*storage.List, error) {
	return r.lists(ctx, `SELECT `+listColumns+` FROM lists WHERE actor_id = ? AND id IN
		(SELECT list_id FROM list_accounts WHERE account_id = ?) ORDER BY id`, actorID, memberID)
}

// ListListMembers returns a page of list id's members, newest first.
func (r reader) ListListMembers(ctx context.Context, id int64, p storage.Page) ([]*storage.Actor, []int64, error) {
	return r.listActors(ctx, `list_accounts`, `f.account_id`, `f.list_id = ?`, []any{id}, p)
}

func (r reader) lists(ctx context.Context, q string, args ...any) ([]*storage.List, error) {
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list lists: %w", err)
	}
	defer rows.Close()
	var out []*storage.List
	for rows.Next() {
		l := &storage.List{}
		var policy, created string
		if err := rows.Scan(&l.ID, &l.ActorID, &l.Title, &policy, &l.Exclusive, &created); err != nil {
			return nil, fmt.Errorf("scan list: %w", err)
		}
		l.RepliesPolicy, l.Created = storage.RepliesPolicy(policy), parseTS(created)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list lists: %w", err)
	}
	return out, nil
}

// CreateList stores l.
func (tx *Tx) CreateList(ctx context.Context, l *storage.List) error {
	if l.Created.IsZero() {
		l.Created = time.Now()
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO lists (actor_id, title, replies_policy, exclusive, created)
		VALUES (?,?,?,?,?) RETURNING id`, l.ActorID, l.Title, string(l.RepliesPolicy), l.Exclusive, ts(l.Created)).Scan(&l.ID)
	if err != nil {
		return fmt.Errorf("create list: %w", err)
	}
	return nil
}

// UpdateList stores l's title, replies policy and exclusiveness.
func (tx *Tx) UpdateList(ctx context.Context, l *storage.List) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ? AND actor_id = ?`,
		l.Title, string(l.RepliesPolicy), l.Exclusive, l.ID, l.ActorID)
	if err != nil {
		return fmt.Errorf("update list: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "Record not found")
	}
	return nil
}

// DeleteList removes actorID's list id and its memberships.
func (tx *Tx) DeleteList(ctx context.Context, actorID, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM list_accounts WHERE list_id IN
		(SELECT id FROM lists WHERE id = ? AND actor_id = ?)`, id, actorID); err != nil {
		return fmt.Errorf("delete list: %w", err)
	}
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM lists WHERE id = ? AND actor_id = ?`, id, actorID)
	if err != nil {
		return fmt.Errorf("delete list: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "Record not found")
	}
	return nil
}

// AddListMembers adds the accounts ids to list id.
func (tx *Tx) AddListMembers(ctx context.Context, id int64, ids []int64) error {
	now := ts(time.Now())
	for _, a := range ids {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO list_accounts (list_id, account_id, created) VALUES (?,?,?)
			ON CONFLICT DO NOTHING`, id, a, now); err != nil {
			return fmt.Errorf("add to list: %w", err)
		}
	}
	return nil
}

// RemoveListMembers takes the accounts ids out of list id.
func (tx *Tx) RemoveListMembers(ctx context.Context, id int64, ids []int64) error {
	for _, a := range ids {
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM list_accounts WHERE list_id = ? AND account_id = ?`, id, a); err != nil {
			return fmt.Errorf("remove from list: %w", err)
		}
	}
	return nil
}

// leaveLists takes followee out of follower's lists: a follow that ends ends the
// membership, as Mastodon's list members are accounts their owner follows.
func (tx *Tx) leaveLists(ctx context.Context, followID int64) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM list_accounts WHERE id IN (SELECT la.id FROM list_accounts la
		JOIN lists l ON l.id = la.list_id JOIN follows f ON f.follower_id = l.actor_id AND f.followee_id = la.account_id
		WHERE f.id = ?)`, followID)
	if err != nil {
		return fmt.Errorf("leave lists: %w", err)
	}
	return nil
}
