package reader

import (
	"context"
	"fmt"

	"refuge/federation"
	"refuge/storage"
)

// AccountDetails is a local account as an admin sees it in the accounts list.
type AccountDetails struct {
	Actor     *storage.Actor
	TwoFactor bool // two-factor sign-in is on
}

// LocalAccounts lists the local accounts that are not deleted, suspended or not, oldest
// first. Only admins may read it.
func (rd *Reader) LocalAccounts(ctx context.Context, viewer *storage.Actor) ([]AccountDetails, error) {
	if viewer == nil || !viewer.Admin {
		return nil, storage.Errorf(storage.Forbidden, "only admins see the accounts")
	}
	list, err := rd.DB.ListLocalActors(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]AccountDetails, 0, len(list))
	for _, a := range list {
		c, err := rd.DB.GetCredentials(ctx, a.ID)
		if err != nil && storage.KindOf(err) != storage.NotFound {
			return nil, fmt.Errorf("account %s: credentials: %w", a.Username, err)
		}
		out = append(out, AccountDetails{Actor: a, TwoFactor: c != nil && c.TOTPEnabled})
	}
	return out, nil
}

// LocalAccount is the live local account of row id, for an admin: NotFound for any other
// id (a remote actor's, a deleted account's, the instance actor's).
func (rd *Reader) LocalAccount(ctx context.Context, viewer *storage.Actor, id int64) (*storage.Actor, error) {
	if viewer == nil || !viewer.Admin {
		return nil, storage.Errorf(storage.Forbidden, "only admins see the accounts")
	}
	a, err := rd.DB.GetActorByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Local || a.Type != federation.TypePerson || !a.DeletedAt.IsZero() {
		return nil, storage.Errorf(storage.NotFound, "no local account %d", id)
	}
	return a, nil
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
