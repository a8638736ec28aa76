package reader

import (
	"context"
	"strings"

	"refuge/storage"
)

// RemoteAccount is the account user@host of another server, for v's view of its page here:
// as stored, or, for a local viewer, looked up on its server (WebFinger, then its actor
// document, within the look-up deadline) as a search of its handle is. An anonymous viewer
// never makes this server fetch anything: NotFound when it is not stored. An account
// deleted is Gone.
func (rd *Reader) RemoteAccount(ctx context.Context, v Viewer, user, host string) (*storage.Actor, error) {
	host = strings.ToLower(host)
	if user == "" || host == "" || host == strings.ToLower(rd.Domain) {
		return nil, storage.Errorf(storage.Invalid, "@%s@%s is not an account of another server", user, host)
	}
	a, err := rd.ActorByHandle(ctx, user, host)
	if storage.KindOf(err) != storage.NotFound || v.Local == nil {
		return a, err
	}
	return rd.Handle(ctx, user, host)
}
