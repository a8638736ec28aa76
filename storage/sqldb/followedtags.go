package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"refuge/storage"
)

// ListFollowedTags returns a page of the hashtags accountID follows, newest first.
func (r reader) ListFollowedTags(ctx context.Context, accountID int64, p storage.Page) ([]storage.FollowedTag, error) {
	limit := p.Limit
	if limit <= 0 || limit > 200 {
		limit = 100
	}
	q, args := `SELECT id, name, created FROM followed_tags WHERE account_id = ?`, []any{accountID}
	order := ` ORDER BY id DESC`
	if p.Before > 0 {
		q, args = q+` AND id < ?`, append(args, p.Before)
	} else if ascending(p) {
		if p.After > 0 {
			q, args = q+` AND id > ?`, append(args, p.After)
		}
		order = ` ORDER BY id ASC`
	}
	rows, err := r.q.QueryContext(ctx, q+order+fmt.Sprintf(` LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list followed tags: %w", err)
	}
	defer rows.Close()
	var out []storage.FollowedTag
	for rows.Next() {
		var t storage.FollowedTag
		var created string
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			return nil, fmt.Errorf("scan followed tag: %w", err)
		}
		t.Created = parseTS(created)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list followed tags: %w", err)
	}
	if ascending(p) {
		reverse(out)
	}
	return out, nil
}

// FollowedTagsAmong returns which of names accountID follows.
func (r reader) FollowedTagsAmong(ctx context.Context, accountID int64, names []string) (map[string]bool, error) {
	out := make(map[string]bool, len(names))
	if len(names) == 0 {
		return out, nil
	}
	args := []any{accountID}
	for _, n := range names {
		args = append(args, n)
	}
	rows, err := r.q.QueryContext(ctx, `SELECT name FROM followed_tags WHERE account_id = ? AND name IN (?`+
		strings.Repeat(",?", len(names)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("followed tags among: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("scan followed tag: %w", err)
		}
		out[n] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("followed tags among: %w", err)
	}
	return out, nil
}

// CountFollowedTags counts the hashtags accountID follows.
func (r reader) CountFollowedTags(ctx context.Context, accountID int64) (int, error) {
	var n int
	if err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM followed_tags WHERE account_id = ?`, accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count followed tags: %w", err)
	}
	return n, nil
}

// TagFollowers returns the local accounts, but authorID, that follow one of names. The
// names come from the note (not a join with note_tags by its id), so that the index on
// followed_tags.name is what the query walks whatever the tables' sizes.
func (r reader) TagFollowers(ctx context.Context, names []string, authorID int64) ([]int64, error) {
	if len(names) == 0 {
		return nil, nil
	}
	args := []any{authorID}
	for _, n := range names {
		args = append(args, n)
	}
	where := ` FROM followed_tags WHERE account_id <> ? AND name IN (?` + strings.Repeat(",?", len(names)-1) + `)`
	// Most hashtags are followed by nobody here. Asked first with one row (a statement the
	// inbox's writer connection keeps; one of several rows it prepares anew each time, a
	// tenth of a delivery's CPU in the inbox scenario), the common answer costs little.
	var followed bool
	if err := r.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1`+where+`)`, args...).Scan(&followed); err != nil {
		return nil, fmt.Errorf("tag followers: %w", err)
	}
	if !followed {
		return nil, nil
	}
	rows, err := r.q.QueryContext(ctx, `SELECT DISTINCT account_id`+where+` ORDER BY account_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("tag followers: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan tag follower: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tag followers: %w", err)
	}
	return out, nil
}

// FollowTag makes accountID follow name; a second follow changes nothing.
func (tx *Tx) FollowTag(ctx context.Context, accountID int64, name string, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO followed_tags (account_id, name, created) VALUES (?,?,?)
		ON CONFLICT DO NOTHING`, accountID, name, ts(at)); err != nil {
		return fmt.Errorf("follow tag: %w", err)
	}
	return nil
}

// UnfollowTag ends accountID's follow of name, if any.
func (tx *Tx) UnfollowTag(ctx context.Context, accountID int64, name string) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM followed_tags WHERE account_id = ? AND name = ?`, accountID, name); err != nil {
		return fmt.Errorf("unfollow tag: %w", err)
	}
	return nil
}
