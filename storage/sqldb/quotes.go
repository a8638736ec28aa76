package sqldb

import (
	"context"
	"fmt"

	"refuge/storage"
)

// GetQuoteApproval returns an approval of a quote of a note.
func (r reader) GetQuoteApproval(ctx context.Context, noteID, id int64) (*storage.QuoteApproval, error) {
	a := &storage.QuoteApproval{ID: id, NoteID: noteID}
	var created string
	err := r.q.QueryRowContext(ctx, `SELECT quote_uri, actor_id, created FROM quote_approvals WHERE id = ? AND note_id = ?`,
		id, noteID).Scan(&a.QuoteURI, &a.ActorID, &created)
	if err != nil {
		return nil, notFound("quote approval", err)
	}
	a.Created = parseTS(created)
	return a, nil
}

// PutQuoteApproval records an approval, or finds the one given before.
func (tx *Tx) PutQuoteApproval(ctx context.Context, a *storage.QuoteApproval) error {
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO quote_approvals (note_id, quote_uri, actor_id, created) VALUES (?,?,?,?)
		ON CONFLICT (note_id, quote_uri) DO NOTHING RETURNING id`, a.NoteID, a.QuoteURI, a.ActorID, ts(a.Created)).Scan(&a.ID)
	if err == nil {
		return nil
	}
	if err := tx.tx.QueryRowContext(ctx, `SELECT id FROM quote_approvals WHERE note_id = ? AND quote_uri = ?`,
		a.NoteID, a.QuoteURI).Scan(&a.ID); err != nil {
		return fmt.Errorf("quote approval: %w", err)
	}
	return nil
}

// SetQuoteState sets a note's quote's state and stamp.
func (tx *Tx) SetQuoteState(ctx context.Context, noteID int64, state storage.QuoteState, authorization string) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE notes SET quote_state = ?, quote_authorization = ? WHERE id = ? AND quote_uri <> ''`,
		state, authorization, noteID); err != nil {
		return fmt.Errorf("quote state: %w", err)
	}
	return nil
}

// RevokeQuotes marks revoked the quotes a deleted stamp approved.
func (tx *Tx) RevokeQuotes(ctx context.Context, authorization string) ([]int64, error) {
	rows, err := tx.tx.QueryContext(ctx, `UPDATE notes SET quote_state = 'revoked'
		WHERE quote_authorization = ? AND quote_state = 'accepted' RETURNING id`, authorization)
	if err != nil {
		return nil, fmt.Errorf("revoke quotes: %w", err)
	}
	return column[int64](rows, nil)
}

// SetReplyApproval records a local reply's approval.
func (tx *Tx) SetReplyApproval(ctx context.Context, noteID int64, a storage.ReplyApproval) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE notes SET reply_state = ?, reply_authorization = ?, reply_approved_by = ?
		WHERE id = ? AND local = TRUE`, a.State, a.Authorization, a.ApprovedBy, noteID); err != nil {
		return fmt.Errorf("reply approval: %w", err)
	}
	return nil
}
