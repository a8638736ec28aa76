package outbox

import (
	"context"
	"fmt"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// Suspending a local account is Mastodon's temporary suspension: nothing is deleted. While
// it lasts the account cannot sign in, its sessions and tokens are refused, its posts and
// profile are withheld from everyone, and its actor document says `suspended: true` and
// little else; the servers of its followers are sent that document in an Update, as
// Mastodon's SuspendAccountService does, so that they show it suspended too. Unsuspending
// sends the whole document again, and everything is as it was.

// Suspend suspends the live local account name: NotFound or Gone when there is none,
// Conflict when it is suspended already, Invalid for the instance actor.
func (s *Service) Suspend(ctx context.Context, name string) (*storage.Actor, error) {
	return s.setSuspended(ctx, name, true)
}

// Unsuspend lifts the suspension of local account name: NotFound or Gone when there is no
// such account, Conflict when it is not suspended.
func (s *Service) Unsuspend(ctx context.Context, name string) (*storage.Actor, error) {
	return s.setSuspended(ctx, name, false)
}

func (s *Service) setSuspended(ctx context.Context, name string, suspend bool) (*storage.Actor, error) {
	var a *storage.Actor
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		stored, err := liveAccount(ctx, tx, name)
		if err != nil {
			return err
		}
		a = stored
		switch {
		case a.Type == federation.TypeApplication:
			return storage.Errorf(storage.Invalid, "%s is the instance's own actor, not an account", name)
		case suspend && a.Suspended():
			return storage.Errorf(storage.Conflict, "account %s is already suspended (since %s)", a.Username,
				a.SuspendedAt.UTC().Format("2006-01-02 15:04 MST"))
		case !suspend && !a.Suspended():
			return storage.Errorf(storage.Conflict, "account %s is not suspended", a.Username)
		}
		a.SuspendedAt = time.Time{}
		if suspend {
			a.SuspendedAt = s.now()
		}
		if err := tx.UpdateActor(ctx, a); err != nil {
			return err
		}
		return s.updateFollowers(ctx, tx, a)
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", map[bool]string{true: "suspend", false: "unsuspend"}[suspend], name, err)
	}
	s.wake()
	return a, nil
}

// updateFollowers sends the followers' servers a's actor document as it is now, in an Update
// of the actor, within tx.
func (s *Service) updateFollowers(ctx context.Context, tx storage.Tx, a *storage.Actor) error {
	inboxes, err := tx.FollowerInboxes(ctx, a.ID)
	if err != nil {
		return err
	}
	now := s.now()
	act := &federation.Activity{ID: uris.Update(a.URI, newID(now)), Type: federation.TypeUpdate,
		To: []string{federation.PublicCollection}, Cc: []string{a.FollowersURI}, Published: now}
	_, err = s.emit(ctx, tx, a, act, s.ActorDocument(a), 0, storage.Direct, inboxes)
	return err
}

// Account is the live local account an admin's command names: NotFound saying so when
// there is none, Gone when it was deleted.
func (s *Service) Account(ctx context.Context, name string) (*storage.Actor, error) {
	return liveAccount(ctx, s.DB, name)
}

// liveAccount is the live local account name for an admin's command: NotFound saying so
// when there is none, Gone when it was deleted.
func liveAccount(ctx context.Context, r storage.ActorReader, name string) (*storage.Actor, error) {
	a, err := storage.LiveLocalActor(ctx, r, name)
	if storage.KindOf(err) == storage.NotFound {
		return nil, storage.Errorf(storage.NotFound, "there is no account %s here", name)
	}
	return a, err
}
