package reader

import (
	"context"
	"fmt"

	"refuge/federation"
	"refuge/storage"
)

// LocalAccounts lists the local accounts that are not deleted, suspended or not, waiting
// for approval or not, oldest first. Only admins may read it.
func (rd *Reader) LocalAccounts(ctx context.Context, viewer *storage.Actor) ([]ModeratedAccount, error) {
	return rd.moderatedList(ctx, viewer, rd.DB.ListLocalActors)
}

// moderatedList is what list finds, as the admins see it: Forbidden for anyone else.
func (rd *Reader) moderatedList(ctx context.Context, viewer *storage.Actor,
	list func(context.Context) ([]*storage.Actor, error)) ([]ModeratedAccount, error) {
	if viewer == nil || !viewer.Admin {
		return nil, storage.Errorf(storage.Forbidden, "only admins see the accounts")
	}
	actors, err := list(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ModeratedAccount, 0, len(actors))
	for _, a := range actors {
		m, err := rd.Moderated(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// ModeratedAccount is an account as the admins see it: a remote actor blocked here, by
// itself or its server, counts as suspended, as the admins' suspension of a remote account
// is that block; a local account has its e-mail address, its two-factor sign-in and what it
// told when it signed up.
type ModeratedAccount struct {
	Actor          *storage.Actor
	Suspended      bool
	Email          string // "" for none, and for a remote account
	EmailConfirmed bool   // a link mailed to Email was followed
	TwoFactor      bool   // two-factor sign-in is on
	// SignUp is what a local account told when it signed up (its reason, its invite); nil
	// for one made otherwise, and for a remote account.
	SignUp *storage.SignUp
}

// AdminAccount is the account of row id, local or remote, for an admin: NotFound for a
// deleted account and for the instance's own actor.
func (rd *Reader) AdminAccount(ctx context.Context, viewer *storage.Actor, id int64) (ModeratedAccount, error) {
	if viewer == nil || !viewer.Admin {
		return ModeratedAccount{}, storage.Errorf(storage.Forbidden, "only admins see the accounts")
	}
	a, err := rd.DB.GetActorByID(ctx, id)
	if err != nil {
		return ModeratedAccount{}, err
	}
	if (a.Local && a.Type != federation.TypePerson) || !a.DeletedAt.IsZero() {
		return ModeratedAccount{}, storage.Errorf(storage.NotFound, "no account %d", id)
	}
	return rd.Moderated(ctx, a)
}

// AdminAccounts lists the accounts q asks for, local and remote, newest first, for an admin.
func (rd *Reader) AdminAccounts(ctx context.Context, viewer *storage.Actor, q storage.AccountQuery) ([]ModeratedAccount, error) {
	return rd.moderatedList(ctx, viewer, func(ctx context.Context) ([]*storage.Actor, error) { return rd.DB.ListActors(ctx, q) })
}

// Moderated is a as the admins see it (see ModeratedAccount).
func (rd *Reader) Moderated(ctx context.Context, a *storage.Actor) (ModeratedAccount, error) {
	m := ModeratedAccount{Actor: a, Suspended: a.Suspended()}
	if a.Local {
		c, err := rd.DB.GetCredentials(ctx, a.ID)
		if err != nil && storage.KindOf(err) != storage.NotFound {
			return m, fmt.Errorf("account %d: credentials: %w", a.ID, err)
		}
		if c != nil {
			m.Email, m.EmailConfirmed, m.TwoFactor = c.Email, !c.EmailConfirmedAt.IsZero(), c.TOTPEnabled
		}
		if m.SignUp, err = rd.DB.GetSignUp(ctx, a.ID); err != nil && storage.KindOf(err) != storage.NotFound {
			return m, fmt.Errorf("account %d: sign-up: %w", a.ID, err)
		}
	}
	if !m.Suspended && !a.Local {
		blocked, err := rd.DB.IsBlocked(ctx, a.URI)
		if err != nil {
			return m, fmt.Errorf("account %d: %w", a.ID, err)
		}
		m.Suspended = blocked
	}
	return m, nil
}

// InstanceBlocks lists the instance-level blocks, oldest first. Only admins may read them.
func (rd *Reader) InstanceBlocks(ctx context.Context, viewer *storage.Actor) ([]storage.Block, error) {
	if viewer == nil || !viewer.Admin {
		return nil, storage.Errorf(storage.Forbidden, "only admins see the blocks")
	}
	return rd.DB.ListBlocks(ctx)
}

// SilencedAccounts lists the accounts, local and remote, that admins silenced one by one,
// the most recently silenced first. Only admins may read it.
func (rd *Reader) SilencedAccounts(ctx context.Context, viewer *storage.Actor) ([]*storage.Actor, error) {
	if viewer == nil || !viewer.Admin {
		return nil, storage.Errorf(storage.Forbidden, "only admins see the silenced accounts")
	}
	return rd.DB.ListSilencedActors(ctx)
}

// HostBlocks lists the instance's blocks of whole servers, oldest first, as anyone may read
// them (Mastodon's public list of moderated servers): each host with its severity and public
// reason, never the admins' private comment nor the blocks of single actors.
func (rd *Reader) HostBlocks(ctx context.Context) ([]storage.Block, error) {
	list, err := rd.DB.ListBlocks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]storage.Block, 0, len(list))
	for _, b := range list {
		if b.Host() {
			b.PrivateComment = ""
			out = append(out, b)
		}
	}
	return out, nil
}
