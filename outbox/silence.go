package outbox

import (
	"context"
	"fmt"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// Silencing an account is Mastodon's "limit": nothing is deleted and nothing refused. Its
// posts stay on its profile and reach its followers, but leave the public timelines,
// hashtag pages and searches of everyone else, and its notifications reach only those who
// follow it (the reader's rule, storage.Actor.Limited). As on Mastodon it is this
// instance's own decision and is not federated: the account's server is told nothing, and
// a remote account is silenced here only.

// Silence silences the live account of row id actorID, local or remote, as an admin does:
// NotFound when there is none, Gone when it was deleted, Invalid for the instance's own
// actor, Conflict when it is silenced already.
func (s *Service) Silence(ctx context.Context, actorID int64) (*storage.Actor, error) {
	return s.setSilenced(ctx, actorID, true)
}

// Unsilence lifts the silence of account actorID: NotFound or Gone when there is no such
// account, Conflict when it is not silenced on its own (a silence of its whole server is
// lifted with the server's block).
func (s *Service) Unsilence(ctx context.Context, actorID int64) (*storage.Actor, error) {
	return s.setSilenced(ctx, actorID, false)
}

func (s *Service) setSilenced(ctx context.Context, actorID int64, silence bool) (*storage.Actor, error) {
	var a *storage.Actor
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		stored, err := tx.GetActorByID(ctx, actorID)
		if storage.KindOf(err) == storage.NotFound {
			return storage.Errorf(storage.NotFound, "there is no account %d", actorID)
		}
		if err != nil {
			return err
		}
		a = stored
		switch {
		case !a.DeletedAt.IsZero():
			return storage.Errorf(storage.Gone, "account %s was deleted", a.Handle())
		case a.Local && a.Type == federation.TypeApplication:
			return storage.Errorf(storage.Invalid, "%s is the instance's own actor, not an account", a.Username)
		case silence && !a.SilencedAt.IsZero():
			return storage.Errorf(storage.Conflict, "account %s is already silenced (since %s)", a.Handle(),
				a.SilencedAt.UTC().Format("2006-01-02 15:04 MST"))
		case !silence && a.SilencedAt.IsZero():
			return storage.Errorf(storage.Conflict, "account %s is not silenced", a.Handle())
		}
		a.SilencedAt = time.Time{}
		if silence {
			a.SilencedAt = s.now()
		}
		return tx.SetActorSilenced(ctx, a.ID, a.SilencedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("%s %d: %w", map[bool]string{true: "silence", false: "unsilence"}[silence], actorID, err)
	}
	return a, nil
}
