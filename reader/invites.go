package reader

import (
	"context"

	"refuge/storage"
)

// InviteDetails is an invite link with the account that made it.
type InviteDetails struct {
	*storage.Invite
	Maker *storage.Actor
}

// Invites lists invite links, newest first: the viewer's own, or every account's when all
// is set and the viewer is an admin (Forbidden for anyone else).
func (rd *Reader) Invites(ctx context.Context, viewer *storage.Actor, all bool) ([]InviteDetails, error) {
	if viewer == nil {
		return nil, storage.Errorf(storage.Unauthorized, "sign in to see your invites")
	}
	var of int64
	switch {
	case !all:
		of = viewer.ID
	case !viewer.Admin:
		return nil, storage.Errorf(storage.Forbidden, "only admins see everyone's invites")
	}
	list, err := rd.DB.ListInvites(ctx, of)
	if err != nil {
		return nil, err
	}
	makers := map[int64]*storage.Actor{viewer.ID: viewer}
	out := make([]InviteDetails, len(list))
	for i, inv := range list {
		m, ok := makers[inv.ActorID]
		if !ok {
			if m, err = rd.DB.GetActorByID(ctx, inv.ActorID); err != nil {
				return nil, err
			}
			makers[inv.ActorID] = m
		}
		out[i] = InviteDetails{Invite: inv, Maker: m}
	}
	return out, nil
}
