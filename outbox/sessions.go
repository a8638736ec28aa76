package outbox

import (
	"context"
	"sync"
	"time"

	"refuge/storage"
)

// dummyHash is checked against when an account does not exist, so that a wrong name takes
// as long as a wrong password and the timing tells nobody which names exist.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword(NewSecret(16))
	return h
})

// Authenticate checks a local account's name and password. It returns the account, or nil
// when the name or the password is wrong (or the account cannot sign in), taking as long
// either way.
func (s *Service) Authenticate(ctx context.Context, username, password string) (*storage.Actor, error) {
	actor, err := s.DB.GetLocalActor(ctx, username)
	if err != nil && storage.KindOf(err) != storage.NotFound {
		return nil, err
	}
	var id int64 // 0 for an unknown name: no account has it, and the look-up costs the same
	if actor != nil {
		id = actor.ID
	}
	creds, err := s.DB.GetCredentials(ctx, id)
	if err != nil && storage.KindOf(err) != storage.NotFound {
		return nil, err
	}
	hash := dummyHash()
	if creds != nil && creds.PasswordHash != "" {
		hash = creds.PasswordHash
	}
	ok := CheckPassword(hash, password)
	if !ok || actor == nil || actor.Type != "Person" || !actor.DeletedAt.IsZero() {
		return nil, nil
	}
	return actor, nil
}

// sessionLifetime is how long a web session lasts.
const sessionLifetime = 30 * 24 * time.Hour

// NewToken makes a secret for an API token or a web session of actor, stores its hash and
// returns the secret.
func (s *Service) NewToken(ctx context.Context, actor *storage.Actor, kind storage.TokenKind) (string, error) {
	secret := NewSecret(32)
	t := &storage.Token{Hash: storage.HashToken(secret), ActorID: actor.ID, Kind: kind}
	if kind == storage.TokenSession {
		t.CSRF = NewSecret(24)
		t.Expires = s.now().Add(sessionLifetime)
	}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutToken(ctx, t) }); err != nil {
		return "", err
	}
	return secret, nil
}

// EndSessions signs actor out: of the one session whose hash is given, or of every web
// session when hash is empty (API tokens stay).
func (s *Service) EndSessions(ctx context.Context, actor *storage.Actor, hash string) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		return tx.DeleteTokens(ctx, actor.ID, storage.TokenSession, hash)
	})
}

// MarkNotificationsRead marks actor's notifications up to row id upTo as read.
func (s *Service) MarkNotificationsRead(ctx context.Context, actor *storage.Actor, upTo int64) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.MarkNotificationsRead(ctx, actor.ID, upTo) })
}
