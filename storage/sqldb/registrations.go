package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"refuge/storage"
)

const inviteColumns = `id, code, actor_id, max_uses, uses, expires_at, created_at`

func scanInvite(s scanner) (*storage.Invite, error) {
	i := &storage.Invite{}
	var expires, created string
	if err := s.Scan(&i.ID, &i.Code, &i.ActorID, &i.MaxUses, &i.Uses, &expires, &created); err != nil {
		return nil, err
	}
	i.ExpiresAt, i.CreatedAt = parseTS(expires), parseTS(created)
	return i, nil
}

// GetInvite returns the invite with code code.
func (r reader) GetInvite(ctx context.Context, code string) (*storage.Invite, error) {
	i, err := scanInvite(r.q.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM invites WHERE code = ?`, code))
	if err != nil {
		return nil, notFound("invite", err)
	}
	return i, nil
}

// GetInviteByID returns invite id.
func (r reader) GetInviteByID(ctx context.Context, id int64) (*storage.Invite, error) {
	i, err := scanInvite(r.q.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM invites WHERE id = ?`, id))
	if err != nil {
		return nil, notFound("invite", err)
	}
	return i, nil
}

// ListInvites returns the invites of actorID (everyone's for 0), newest first.
func (r reader) ListInvites(ctx context.Context, actorID int64) ([]*storage.Invite, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+inviteColumns+` FROM invites WHERE ? = 0 OR actor_id = ? ORDER BY id DESC`,
		actorID, actorID)
	if err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	defer rows.Close()
	var list []*storage.Invite
	for rows.Next() {
		i, err := scanInvite(rows)
		if err != nil {
			return nil, fmt.Errorf("list invites: %w", err)
		}
		list = append(list, i)
	}
	return list, rows.Err()
}

// GetSignUp returns what local account actorID told when it signed up.
func (r reader) GetSignUp(ctx context.Context, actorID int64) (*storage.SignUp, error) {
	s := &storage.SignUp{ActorID: actorID}
	var created string
	err := r.q.QueryRowContext(ctx, `SELECT reason, invite_id, created_at FROM sign_ups WHERE actor_id = ?`, actorID).
		Scan(&s.Reason, &s.InviteID, &created)
	if err != nil {
		return nil, notFound("sign-up", err)
	}
	s.CreatedAt = parseTS(created)
	return s, nil
}

// PutInvite stores a new invite.
func (tx *Tx) PutInvite(ctx context.Context, i *storage.Invite) error {
	err := tx.guard(ctx, func() error {
		return tx.tx.QueryRowContext(ctx, `INSERT INTO invites (code, actor_id, max_uses, uses, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, i.Code, i.ActorID, i.MaxUses, i.Uses, ts(i.ExpiresAt), ts(i.CreatedAt)).Scan(&i.ID)
	})
	if isUnique(err) {
		return storage.Wrap(storage.Conflict, err, "an invite has that code already")
	}
	if err != nil {
		return fmt.Errorf("put invite: %w", err)
	}
	return nil
}

// ExpireInvite makes invite id expire at at, unless it expired earlier.
func (tx *Tx) ExpireInvite(ctx context.Context, id int64, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE invites SET expires_at = ?
		WHERE id = ? AND (expires_at = {never} OR expires_at > ?)`, ts(at), id, ts(at))
	if err != nil {
		return fmt.Errorf("expire invite %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err := tx.GetInviteByID(ctx, id)
		return err // NotFound, or nil: it had expired already
	}
	return nil
}

// UseInvite counts a use of the invite with code code when it may still be used. The
// condition is in the UPDATE itself, so that of two sign-ups racing for the last use, the
// second finds it used up (PostgreSQL checks the row again once the first one commits).
func (tx *Tx) UseInvite(ctx context.Context, code string, now time.Time) (*storage.Invite, error) {
	i, err := scanInvite(tx.tx.QueryRowContext(ctx, `UPDATE invites SET uses = uses + 1
		WHERE code = ? AND (max_uses = 0 OR uses < max_uses) AND (expires_at = {never} OR expires_at > ?)
		RETURNING `+inviteColumns, code, ts(now)))
	if err == sql.ErrNoRows {
		if _, err := tx.GetInvite(ctx, code); err != nil {
			return nil, err
		}
		return nil, storage.Errorf(storage.Gone, "this invite has expired or is used up")
	}
	if err != nil {
		return nil, fmt.Errorf("use invite: %w", err)
	}
	return i, nil
}

// PutSignUp stores what a new account told when it signed up.
func (tx *Tx) PutSignUp(ctx context.Context, s *storage.SignUp) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO sign_ups (actor_id, reason, invite_id, created_at) VALUES (?, ?, ?, ?)`,
		s.ActorID, s.Reason, s.InviteID, ts(s.CreatedAt))
	if err != nil {
		return fmt.Errorf("put sign-up of %d: %w", s.ActorID, err)
	}
	return nil
}

// DeletePendingAccount removes a pending local account; its credentials, tokens and sign-up
// go with it (their rows cascade), and its name is free again.
func (tx *Tx) DeletePendingAccount(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM actors WHERE id = ? AND local = TRUE AND pending = TRUE`, id)
	if err != nil {
		return fmt.Errorf("delete pending account %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no pending account %d", id)
	}
	return nil
}
