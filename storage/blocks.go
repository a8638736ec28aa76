package storage

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Block is an instance-level block: Target is a host (every actor there) or one actor's URI.
type Block struct {
	Target  string
	Created time.Time
}

// BlockTarget checks and normalises what an admin gives to block: an http(s) actor URI, kept
// as it is, or a host name with an optional port, lower-cased. Anything else is Invalid.
func BlockTarget(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return "", Errorf(Invalid, "not an actor URI or a host: %q", s)
		}
		return s, nil
	}
	host := strings.ToLower(s)
	if host == "" || strings.ContainsAny(host, "/@?# \t") {
		return "", Errorf(Invalid, "not an actor URI or a host: %q", s)
	}
	return host, nil
}

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
		return Errorf(NotFound, "%s is not blocked", target)
	}
	return nil
}

// ListBlocks returns every block, oldest first.
func (r reader) ListBlocks(ctx context.Context) ([]Block, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT target, created FROM blocks ORDER BY created, target`)
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	defer rows.Close()
	var out []Block
	for rows.Next() {
		var b Block
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
	host := HostOf(uri)
	if uri == "" {
		return false, nil
	}
	var n int
	if err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM blocks WHERE target IN (?, ?)`, uri, host).Scan(&n); err != nil {
		return false, fmt.Errorf("check block: %w", err)
	}
	return n > 0, nil
}

// IsHostBlocked reports whether host (with its port, if any) is blocked as a whole.
func (r reader) IsHostBlocked(ctx context.Context, host string) (bool, error) {
	if host == "" {
		return false, nil
	}
	var n int
	if err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM blocks WHERE target = ?`, strings.ToLower(host)).Scan(&n); err != nil {
		return false, fmt.Errorf("check block: %w", err)
	}
	return n > 0, nil
}
