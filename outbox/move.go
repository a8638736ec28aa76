package outbox

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// MoveCooldown is how long a local account waits between two moves, as on Mastodon (its
// "you can only move once every 30 days"): followers are moved in bulk, and an account
// moving back and forth would drag them along each time.
const MoveCooldown = 30 * 24 * time.Hour

// MaxAliases is how many accounts a local account may name as its aliases.
const MaxAliases = federation.MaxAliases

// ResolveAccount finds the actor an alias or a move target names: "@user@host" (or
// "user@host", "acct:user@host") or its profile page's address (https://host/@user)
// through WebFinger, or the actor's URI, fetched from its origin when it is not fresh here. NotFound (or the fetch's error) when there is none.
func (s *Service) ResolveAccount(ctx context.Context, name string) (*storage.Actor, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, storage.Errorf(storage.Invalid, "no account given")
	}
	if storage.HostOf(name) == "" {
		user, host, err := federation.ParseHandle(name)
		if err != nil {
			return nil, storage.Errorf(storage.Invalid, "%q is neither @user@host nor an account's URL", name)
		}
		if s.Remote == nil || host == s.Domain {
			return storage.LiveLocalActor(ctx, s.DB, user)
		}
		return s.Remote.Handle(ctx, user, host)
	}
	if u, err := url.Parse(name); err == nil && strings.HasPrefix(u.Path, "/@") && u.RawQuery == "" &&
		!strings.Contains(u.Path[2:], "/") && !strings.Contains(u.Path[2:], "@") {
		// A profile page's address (https://host/@user), as Mastodon and GoToSocial show
		// them: the account is found by its handle, as one typed would be.
		return s.ResolveAccount(ctx, u.Path[1:]+"@"+storage.HostOf(name))
	}
	if storage.HostOf(name) == s.Domain || s.Remote == nil {
		a, err := s.DB.GetActorByURI(ctx, name)
		if err != nil || a.Pending || !a.DeletedAt.IsZero() || a.Type == federation.TypeApplication {
			return nil, storage.Errorf(storage.NotFound, "no account %s here", name)
		}
		return a, nil
	}
	return s.Remote.Actor(ctx, name)
}

// SetAliases replaces the accounts the local account says it also is (its alsoKnownAs),
// each given as ResolveAccount takes it and stored as the actor's URI, and tells its
// followers with an Update. An alias that cannot be found is refused (Invalid, naming it),
// and nothing changes; so is the account itself.
func (s *Service) SetAliases(ctx context.Context, actor *storage.Actor, names []string) (*storage.Actor, error) {
	var aka []string
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			continue
		}
		a, err := s.ResolveAccount(ctx, n)
		if err != nil {
			return nil, storage.Wrap(storage.Invalid, err,
				fmt.Sprintf("alias %s: no such account (%s)", strings.TrimSpace(n), storage.Message(err)))
		}
		if a.ID == actor.ID {
			return nil, storage.Errorf(storage.Invalid, "an account cannot be its own alias")
		}
		if !slices.Contains(aka, a.URI) {
			aka = append(aka, a.URI)
		}
	}
	if len(aka) > MaxAliases {
		return nil, storage.Errorf(storage.Invalid, "at most %d aliases", MaxAliases)
	}
	var a *storage.Actor
	changed := false
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		var err error
		if a, err = tx.GetActorByID(ctx, actor.ID); err != nil { // as stored, not as the caller read it
			return err
		}
		if changed = !slices.Equal(a.AlsoKnownAs, aka); !changed {
			return nil
		}
		a.AlsoKnownAs = aka
		if err := tx.UpdateActor(ctx, a); err != nil {
			return err
		}
		return s.updateFollowers(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.wake()
	}
	return a, nil
}

// errMoved is what a moved account gets when it tries to post: it can still sign in, read
// and export, but it speaks from its new account now.
func errMoved(a *storage.Actor) error {
	return storage.Errorf(storage.Forbidden, "this account has moved to %s", a.MovedTo)
}

// CheckNotMoved refuses (Forbidden, naming the new account) an account that moved away.
func CheckNotMoved(a *storage.Actor) error {
	if a.Moved() {
		return errMoved(a)
	}
	return nil
}

// Move moves the local account to the account target names (see ResolveAccount), as
// Mastodon's "Moving to a different account" does: the password must be the account's; the
// target, fetched fresh from its origin, must list the account among its aliases; and an
// account moves at most once per MoveCooldown. The account then says movedTo, every
// remote follower's server is sent a Move (actor and object the account, target the new
// one) and an Update of the actor, and its local followers follow the new account at once.
// The account can no longer post afterwards.
func (s *Service) Move(ctx context.Context, actor *storage.Actor, password, target string) (*storage.Actor, error) {
	creds, err := s.DB.GetCredentials(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	if creds.PasswordHash == "" || !CheckPassword(creds.PasswordHash, password) {
		return nil, storage.Errorf(storage.Forbidden, "the password is wrong")
	}
	if err := moveAllowed(actor, s.now()); err != nil {
		return nil, err
	}
	t, err := s.moveTarget(ctx, actor, target)
	if err != nil {
		return nil, err
	}
	var a *storage.Actor
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		// Read again in the transaction: two moves at once must not both pass the check.
		var err error
		if a, err = tx.GetActorByID(ctx, actor.ID); err != nil {
			return err
		}
		now := s.now()
		if err := moveAllowed(a, now); err != nil {
			return err
		}
		a.MovedTo, a.MovedAt = t.URI, now
		if err := tx.UpdateActor(ctx, a); err != nil {
			return err
		}
		inboxes, err := tx.FollowerInboxes(ctx, a.ID)
		if err != nil {
			return err
		}
		move := &federation.Activity{ID: uris.Move(a.URI, newID(now)), Type: federation.TypeMove,
			Target: t.URI, To: []string{a.FollowersURI}, Published: now}
		if _, err := s.emit(ctx, tx, a, move, a.URI, 0, storage.Direct, inboxes); err != nil {
			return err
		}
		return s.updateFollowers(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	if _, err := s.MoveFollowers(ctx, a, t); err != nil {
		// The move stands; the local followers that were not moved still follow the old
		// account, which says where it went.
		s.Log.Warn("move: moving local followers", "from", a.URI, "to", t.URI, "err", err)
	}
	return a, nil
}

// moveAllowed refuses (TooMany, saying when it becomes possible) a move within
// MoveCooldown of the account's last one.
func moveAllowed(a *storage.Actor, now time.Time) error {
	if next := a.MovedAt.Add(MoveCooldown); !a.MovedAt.IsZero() && now.Before(next) {
		return storage.Errorf(storage.TooMany, "this account moved on %s; it can move again from %s",
			a.MovedAt.UTC().Format("2006-01-02"), next.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return nil
}

// moveTarget finds the account a local account moves to and checks it may: fetched fresh
// (a stale copy might not list the new alias yet), not the account itself, not moved away
// itself, and naming the account in its alsoKnownAs.
func (s *Service) moveTarget(ctx context.Context, actor *storage.Actor, target string) (*storage.Actor, error) {
	t, err := s.ResolveAccount(ctx, target)
	if err != nil {
		return nil, storage.Wrap(storage.KindOf(err), err,
			fmt.Sprintf("move to %s: no such account (%s)", strings.TrimSpace(target), storage.Message(err)))
	}
	if !t.Local && s.Remote != nil {
		if t, err = s.Remote.FetchActor(ctx, t.URI); err != nil {
			return nil, storage.Wrap(storage.Invalid, err,
				fmt.Sprintf("move to %s: the account could not be fetched (%s)", target, storage.Message(err)))
		}
	}
	switch {
	case t.ID == actor.ID:
		return nil, storage.Errorf(storage.Invalid, "an account cannot move to itself")
	case t.Suspended() || !t.DeletedAt.IsZero():
		return nil, storage.Errorf(storage.Invalid, "%s is suspended or gone", t.Handle())
	case t.Moved():
		return nil, storage.Errorf(storage.Invalid, "%s has moved away itself (to %s)", t.Handle(), t.MovedTo)
	case !slices.Contains(t.AlsoKnownAs, actor.URI):
		return nil, storage.Errorf(storage.Invalid,
			"%s does not list this account (%s) among its aliases: add it there first, then move", t.Handle(), actor.URI)
	}
	return t, nil
}

// MoveFollowers moves the local followers of the account from to the account to, as a
// Move does for them: each follows to (a Follow sent to a remote one, a request when it is
// locked) with the choices its follow of from had, puts to in the lists from was in, stops
// following from (an Undo sent to a remote one) and is notified ("move"). A follower that
// a block keeps apart from to keeps following from. Blocks and mutes of from are carried
// over to to (carryHiding). It returns how many followers were moved.
func (s *Service) MoveFollowers(ctx context.Context, from, to *storage.Actor) (int, error) {
	ids, err := s.DB.LocalFollowers(ctx, from.ID)
	if err != nil {
		return 0, err
	}
	moved := 0
	for _, id := range ids {
		if id == to.ID {
			continue // the new account followed the old one: it does not follow itself
		}
		follower, err := s.DB.GetActorByID(ctx, id)
		if err != nil {
			return moved, err
		}
		ok, err := s.moveFollower(ctx, follower, from, to)
		if err != nil {
			return moved, fmt.Errorf("move follower %s: %w", follower.Handle(), err)
		}
		if ok {
			moved++
		}
	}
	if err := s.carryHiding(ctx, from, to); err != nil {
		return moved, err
	}
	s.wake()
	return moved, nil
}

// carryHiding makes the local accounts that block or mute from block or mute to as well,
// as Mastodon does on a move: whoever did not want to hear from the old account does not
// want to hear from the new one either. A mute keeps its settings and its end.
func (s *Service) carryHiding(ctx context.Context, from, to *storage.Actor) error {
	blockers, mutes, err := s.DB.ListHiders(ctx, from.ID, s.now())
	if err != nil {
		return err
	}
	for _, id := range blockers {
		if id == to.ID {
			continue
		}
		account, err := s.DB.GetActorByID(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.Block(ctx, account, to.URI); err != nil {
			return fmt.Errorf("carry %s's block over to %s: %w", account.Handle(), to.URI, err)
		}
	}
	for _, m := range mutes {
		if m.ActorID == to.ID {
			continue
		}
		carried := &storage.Mute{ActorID: m.ActorID, TargetID: to.ID, Notifications: m.Notifications, Expires: m.Expires,
			Created: s.now()}
		if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutMute(ctx, carried) }); err != nil {
			return fmt.Errorf("carry a mute over to %s: %w", to.URI, err)
		}
	}
	return nil
}

// moveFollower moves one local follower's follow of from to to, in one transaction.
func (s *Service) moveFollower(ctx context.Context, follower, from, to *storage.Actor) (bool, error) {
	moved := false
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		moved = false
		old, err := tx.GetFollow(ctx, follower.ID, from.ID)
		if storage.KindOf(err) == storage.NotFound {
			return nil // unfollowed meanwhile
		}
		if err != nil {
			return err
		}
		if err := blocked(ctx, tx, follower.ID, to.ID); storage.KindOf(err) == storage.Forbidden {
			return nil
		} else if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.GetFollow(ctx, follower.ID, to.ID); storage.KindOf(err) == storage.NotFound {
			f := &storage.Follow{URI: s.activityURI(follower, uris.Follows), FollowerID: follower.ID, FolloweeID: to.ID,
				Accepted: to.Local && !to.Locked, Created: now}
			if err := tx.PutFollow(ctx, f); err != nil {
				return err
			}
			if old.HideReblogs {
				if err := tx.SetHideReblogs(ctx, f.ID, true); err != nil {
					return err
				}
			}
			if to.Local {
				kind := storage.NotificationFollow
				if !f.Accepted {
					kind = storage.NotificationFollowRequest
				}
				err = tx.Notify(ctx, to.ID, kind, follower.ID, 0, now)
			} else {
				err = s.sendFollow(ctx, tx, follower, to, f)
			}
			if err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		lists, err := tx.ListsWith(ctx, follower.ID, from.ID)
		if err != nil {
			return err
		}
		for _, l := range lists {
			if err := tx.AddListMembers(ctx, l.ID, []int64{to.ID}); err != nil {
				return err
			}
		}
		if err := s.unfollow(ctx, tx, follower, from, old); err != nil {
			return err
		}
		moved = true
		return tx.Notify(ctx, follower.ID, storage.NotificationMove, from.ID, 0, now)
	})
	return moved, err
}
