package sqldb

import (
	"context"
	"fmt"
	"time"

	"refuge/storage"
)

// PutAccountDomainBlock stores a local account's block of a whole server; a second block
// of the same domain keeps the first.
func (tx *Tx) PutAccountDomainBlock(ctx context.Context, b *storage.AccountDomainBlock) (bool, error) {
	if b.Created.IsZero() {
		b.Created = time.Now()
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO account_domain_blocks (actor_id, domain, created) VALUES (?,?,?)
		ON CONFLICT (actor_id, domain) DO NOTHING`, b.ActorID, b.Domain, ts(b.Created))
	if err != nil {
		return false, fmt.Errorf("put domain block: %w", err)
	}
	added, _ := res.RowsAffected()
	var created string
	if err := tx.tx.QueryRowContext(ctx, `SELECT id, created FROM account_domain_blocks WHERE actor_id = ? AND domain = ?`,
		b.ActorID, b.Domain).Scan(&b.ID, &created); err != nil {
		return false, fmt.Errorf("put domain block: %w", err)
	}
	b.Created = parseTS(created)
	return added > 0, nil
}

// DeleteAccountDomainBlock lifts actorID's block of domain.
func (tx *Tx) DeleteAccountDomainBlock(ctx context.Context, actorID int64, domain string) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM account_domain_blocks WHERE actor_id = ? AND domain = ?`, actorID, domain)
	if err != nil {
		return fmt.Errorf("delete domain block: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no such domain block")
	}
	return nil
}

// ListAccountDomainBlocks returns the domains actorID blocks, newest block first.
func (r reader) ListAccountDomainBlocks(ctx context.Context, actorID int64, p storage.Page) ([]*storage.AccountDomainBlock, error) {
	limit := p.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := `SELECT id, actor_id, domain, created FROM account_domain_blocks WHERE actor_id = ?`
	args := []any{actorID}
	order := ` ORDER BY id DESC`
	if p.Before > 0 {
		q += ` AND id < ?`
		args = append(args, p.Before)
	} else if ascending(p) {
		if p.After > 0 {
			q += ` AND id > ?`
			args = append(args, p.After)
		}
		order = ` ORDER BY id ASC`
	}
	rows, err := r.q.QueryContext(ctx, q+order+fmt.Sprintf(` LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list domain blocks: %w", err)
	}
	defer rows.Close()
	var out []*storage.AccountDomainBlock
	for rows.Next() {
		b := &storage.AccountDomainBlock{}
		var created string
		if err := rows.Scan(&b.ID, &b.ActorID, &b.Domain, &created); err != nil {
			return nil, fmt.Errorf("scan domain block: %w", err)
		}
		b.Created = parseTS(created)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list domain blocks: %w", err)
	}
	if ascending(p) {
		reverse(out)
	}
	return out, nil
}

// ListFollowsOnHost returns the actors on host that actorID follows or that follow it,
// requests included: those a block of their server parts it from.
func (r reader) ListFollowsOnHost(ctx context.Context, actorID int64, host string) ([]*storage.Actor, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors a WHERE a.host = ? AND a.id <> ?
		AND (EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = ? AND f.followee_id = a.id)
		OR EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = ? AND f.follower_id = a.id)) ORDER BY a.id`,
		host, actorID, actorID, actorID)
	if err != nil {
		return nil, fmt.Errorf("follows on %s: %w", host, err)
	}
	return collectActors(rows)
}
