package outbox

import (
	"context"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// otherAccount returns the stored live actor uri names, refusing account itself with what:
// blocking or muting oneself is Invalid, as on Mastodon.
func (s *Service) otherAccount(ctx context.Context, account *storage.Actor, uri, what string) (*storage.Actor, error) {
	t, err := s.DB.GetActorByURI(ctx, uri)
	if err != nil {
		return nil, err
	}
	if !t.DeletedAt.IsZero() {
		return nil, storage.Errorf(storage.Gone, "%s is gone", uri)
	}
	if t.ID == account.ID {
		return nil, storage.Errorf(storage.Invalid, "you cannot %s yourself", what)
	}
	return t, nil
}

// Block makes account block the actor target (a URI): neither follows the other any
// longer (follow requests included, each side told as by an unfollow and a rejection), and
// a remote target is sent a Block, on which its server does the same. Blocking twice
// changes nothing and sends nothing.
func (s *Service) Block(ctx context.Context, account *storage.Actor, target string) (*storage.AccountBlock, error) {
	t, err := s.otherAccount(ctx, account, target, "block")
	if err != nil {
		return nil, err
	}
	b := &storage.AccountBlock{URI: s.activityURI(account, uris.Blocks), ActorID: account.ID, TargetID: t.ID, Created: s.now()}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		added, err := tx.PutAccountBlock(ctx, b)
		if err != nil || !added {
			return err
		}
		if err := s.endFollows(ctx, tx, account, t); err != nil {
			return err
		}
		if t.Local {
			return nil
		}
		_, err = s.emit(ctx, tx, account, &federation.Activity{ID: b.URI, Type: federation.TypeBlock, To: []string{t.URI}},
			t.URI, 0, storage.Direct, []string{t.Inbox})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return b, nil
}

// endFollows ends the follows of account and t both ways, inside tx: account's of t as an
// unfollow does, t's of account as a rejection does.
func (s *Service) endFollows(ctx context.Context, tx storage.Tx, account, t *storage.Actor) error {
	if f, err := tx.GetFollow(ctx, account.ID, t.ID); err == nil {
		if err := s.unfollow(ctx, tx, account, t, f); err != nil {
			return err
		}
	} else if storage.KindOf(err) != storage.NotFound {
		return err
	}
	if f, err := tx.GetFollow(ctx, t.ID, account.ID); err == nil {
		_, err := s.answerFollow(ctx, tx, account, t, f, false)
		return err
	} else if storage.KindOf(err) != storage.NotFound {
		return err
	}
	return nil
}

// Unblock lifts account's block of target; a remote target is sent the Undo of the Block.
// NotFound when account does not block target.
func (s *Service) Unblock(ctx context.Context, account *storage.Actor, target string) error {
	t, err := s.otherAccount(ctx, account, target, "unblock")
	if err != nil {
		return err
	}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		b, err := tx.DeleteAccountBlock(ctx, account.ID, t.ID)
		if err != nil || t.Local {
			return err
		}
		block := withObject(&federation.Activity{ID: b.URI, Type: federation.TypeBlock, Actor: account.URI}, t.URI)
		_, err = s.emit(ctx, tx, account, &federation.Activity{ID: uris.Undo(b.URI), Type: federation.TypeUndo,
			To: []string{t.URI}}, block, 0, storage.Direct, []string{t.Inbox})
		return err
	})
	if err == nil {
		s.wake()
	}
	return err
}

// Mute makes account mute target (a URI) for duration (0: until unmuted), and its
// notifications too when notifications is set. It is never federated: the muted account
// is not told. Muting again replaces the settings.
func (s *Service) Mute(ctx context.Context, account *storage.Actor, target string, notifications bool, duration time.Duration) (*storage.Mute, error) {
	if duration < 0 {
		return nil, storage.Errorf(storage.Invalid, "a mute's duration cannot be negative")
	}
	t, err := s.otherAccount(ctx, account, target, "mute")
	if err != nil {
		return nil, err
	}
	m := &storage.Mute{ActorID: account.ID, TargetID: t.ID, Notifications: notifications, Created: s.now()}
	if duration > 0 {
		m.Expires = m.Created.Add(duration)
	}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutMute(ctx, m) }); err != nil {
		return nil, err
	}
	return m, nil
}

// Unmute lifts account's mute of target; NotFound when there is none.
func (s *Service) Unmute(ctx context.Context, account *storage.Actor, target string) error {
	t, err := s.otherAccount(ctx, account, target, "unmute")
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteMute(ctx, account.ID, t.ID) })
}

// blocked refuses, Forbidden, a follow between a and b when either blocks the other.
func blocked(ctx context.Context, r storage.Reader, a, b int64) error {
	for _, pair := range [][2]int64{{a, b}, {b, a}} {
		_, err := r.GetAccountBlock(ctx, pair[0], pair[1])
		if err == nil {
			return storage.Errorf(storage.Forbidden, "a block stands between these accounts")
		}
		if storage.KindOf(err) != storage.NotFound {
			return err
		}
	}
	return nil
}
