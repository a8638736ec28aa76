package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"refuge/storage"
)

// PutBlock blocks target (normalised by BlockTarget). Blocking twice is no error.
func (tx *Tx) PutBlock(ctx context.Context, target string, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO blocks (target, created) VALUES (?, ?) ON CONFLICT (target) DO NOTHING`,
		target, ts(at)); err != nil {
		return fmt.Errorf("put block %s: %w", target, err)
	}
	return nil
}

// DeleteBlock lifts the block of target; NotFound when there was none.
func (tx *Tx) DeleteBlock(ctx context.Context, target string) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM blocks WHERE target = ?`, target)
	if err != nil {
		return fmt.Errorf("delete block %s: %w", target, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "%s is not blocked", target)
	}
	return nil
}

// ListBlocks returns every block, oldest first.
func (r reader) ListBlocks(ctx context.Context) ([]storage.Block, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT target, created FROM blocks ORDER BY created, target`)
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	defer rows.Close()
	var out []storage.Block
	for rows.Next() {
		var b storage.Block
		var created string
		if err := rows.Scan(&b.Target, &created); err != nil {
			return nil, fmt.Errorf("list blocks: %w", err)
		}
		b.Created = parseTS(created)
		out = append(out, b)
	}
	return out, rows.Err()
}

// IsBlocked reports whether the actor with URI uri, or its host, is blocked. An empty uri
// is never blocked.
func (r reader) IsBlocked(ctx context.Context, uri string) (bool, error) {
	if uri == "" {
		return false, nil
	}
	return r.anyBlocked(ctx, append([]string{uri}, storage.BlockedBy(storage.HostOf(uri))...))
}

// IsHostBlocked reports whether host (with its port, if any; any case) is blocked as a whole.
func (r reader) IsHostBlocked(ctx context.Context, host string) (bool, error) {
	return r.anyBlocked(ctx, storage.BlockedBy(host))
}

// BlockedHosts is IsHostBlocked for many hosts at once: the set of those of hosts that are
// blocked, from one query over every block target that would cover any of them.
func (r reader) BlockedHosts(ctx context.Context, hosts []string) (map[string]bool, error) {
	var targets []string
	by := make(map[string][]string, len(hosts))
	for _, h := range hosts {
		by[h] = storage.BlockedBy(h)
		targets = append(targets, by[h]...)
	}
	found := map[string]bool{}
	for len(targets) > 0 {
		n := min(len(targets), inListSizes[len(inListSizes)-1])
		q, args := inList(targets[:n])
		blocked, err := column[string](r.q.QueryContext(ctx, `SELECT target FROM blocks WHERE target IN `+q, args...))
		if err != nil {
			return nil, fmt.Errorf("check blocked hosts: %w", err)
		}
		for _, t := range blocked {
			found[t] = true
		}
		targets = targets[n:]
	}
	out := map[string]bool{}
	for h, ts := range by {
		if slices.ContainsFunc(ts, func(t string) bool { return found[t] }) {
			out[h] = true
		}
	}
	return out, nil
}

// anyBlocked reports whether any of targets is blocked.
func (r reader) anyBlocked(ctx context.Context, targets []string) (bool, error) {
	if len(targets) == 0 {
		return false, nil
	}
	args := make([]any, len(targets))
	for i, t := range targets {
		args[i] = t
	}
	var n int
	q := `SELECT count(*) FROM blocks WHERE target IN (?` + strings.Repeat(`, ?`, len(targets)-1) + `)`
	if err := r.q.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return false, fmt.Errorf("check block: %w", err)
	}
	return n > 0, nil
}
