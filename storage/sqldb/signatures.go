package sqldb

import (
	"context"
	"fmt"

	"refuge/storage"
)

// ListPeerSignatures returns what was learnt of every server's signatures.
func (r reader) ListPeerSignatures(ctx context.Context) ([]storage.PeerSignature, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT host, scheme, how, learnt FROM peer_signatures`)
	if err != nil {
		return nil, fmt.Errorf("peer signatures: %w", err)
	}
	defer rows.Close()
	var out []storage.PeerSignature
	for rows.Next() {
		var p storage.PeerSignature
		var learnt string
		if err := rows.Scan(&p.Host, &p.Scheme, &p.How, &learnt); err != nil {
			return nil, fmt.Errorf("peer signatures: %w", err)
		}
		p.Learnt = parseTS(learnt)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PutPeerSignature adds or replaces a server's entry.
func (tx *Tx) PutPeerSignature(ctx context.Context, p storage.PeerSignature) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO peer_signatures (host, scheme, how, learnt) VALUES (?,?,?,?)
		ON CONFLICT (host) DO UPDATE SET scheme = excluded.scheme, how = excluded.how, learnt = excluded.learnt`,
		p.Host, p.Scheme, p.How, ts(p.Learnt))
	if err != nil {
		return fmt.Errorf("put peer signature of %s: %w", p.Host, err)
	}
	return nil
}
