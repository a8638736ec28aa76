package outbox

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

var validName = regexp.MustCompile(`^[A-Za-z0-9_]{1,30}$`)

// ValidUsername checks Mastodon's rule for local names: letters, digits and underscore, 1 to
// 30 characters.
func ValidUsername(name string) error {
	if !validName.MatchString(name) {
		return storage.Errorf(storage.Invalid, "invalid username %q: use 1 to 30 letters, digits or underscores", name)
	}
	return nil
}

// CreateAccount creates a local Person with a fresh RSA-2048 key pair; the account and its
// credentials are stored together.
func (s *Service) CreateAccount(ctx context.Context, name, password string, admin bool) (*storage.Actor, error) {
	return s.CreateAccountWithEmail(ctx, name, password, "", admin)
}

// CreateAccountWithEmail is CreateAccount with the account's e-mail address ("" for none),
// confirmed at once: it is the admin's command line that gives it. Conflict, with nothing
// stored, when another account has the address.
func (s *Service) CreateAccountWithEmail(ctx context.Context, name, password, email string, admin bool) (*storage.Actor, error) {
	if err := newAccountProblems(name, password).err(); err != nil {
		return nil, err
	}
	var confirmed time.Time
	if email != "" {
		var err error
		if email, err = CheckEmail(email); err != nil {
			return nil, err
		}
		confirmed = s.now()
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	a, priv, err := s.newLocalActor(name, federation.TypePerson)
	if err != nil {
		return nil, err
	}
	a.Admin = admin
	err = s.createLocalActor(ctx, a, &storage.Credentials{PasswordHash: hash, PrivateKeyPEM: priv,
		Email: email, EmailConfirmedAt: confirmed})
	if err != nil {
		return nil, fmt.Errorf("create account %s: %w", name, err)
	}
	return a, nil
}

// newLocalActor makes a local actor of the given type with a fresh key pair, and returns it
// with the private key (PEM), which is kept apart from the actor.
func (s *Service) newLocalActor(name, kind string) (*storage.Actor, string, error) {
	priv, pub, err := federation.GenerateKey()
	if err != nil {
		return nil, "", err
	}
	u := s.uris()
	a := &storage.Actor{
		URI: u.Actor(name), Local: true, Type: kind, Username: name, Host: s.Domain,
		URL: u.Profile(name), Inbox: u.Inbox(name), SharedInbox: u.SharedInbox(), Outbox: u.Outbox(name),
		FollowersURI: u.Followers(name), FollowingURI: u.Following(name), FeaturedURI: u.Featured(name),
		KeyID: uris.KeyID(u.Actor(name)), PublicKeyPEM: pub, Discoverable: true, Published: s.now(),
	}
	return a, priv, nil
}

// createLocalActor stores a new local actor and its credentials in one transaction, so that
// no account is ever without its key.
func (s *Service) createLocalActor(ctx context.Context, a *storage.Actor, c *storage.Credentials) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		if err := tx.CreateActor(ctx, a); err != nil {
			return err
		}
		c.ActorID = a.ID
		return tx.PutCredentials(ctx, c)
	})
}

// InstanceActor returns the instance actor (an Application named after the domain, which no
// user name can clash with), creating it on first use.
func (s *Service) InstanceActor(ctx context.Context) (*storage.Actor, error) {
	u := s.uris()
	a, err := s.DB.GetActorByURI(ctx, u.InstanceActor())
	if err == nil {
		return a, nil
	}
	if storage.KindOf(err) != storage.NotFound {
		return nil, err
	}
	a, priv, err := s.newLocalActor(s.Domain, federation.TypeApplication)
	if err != nil {
		return nil, err
	}
	a.URI, a.URL, a.Inbox, a.Outbox = u.InstanceActor(), u.Root(), u.InstanceInbox(), u.InstanceOutbox()
	a.KeyID = uris.KeyID(a.URI)
	a.FollowersURI, a.FollowingURI, a.FeaturedURI = "", "", ""
	a.Locked, a.Discoverable = true, false
	err = s.createLocalActor(ctx, a, &storage.Credentials{PrivateKeyPEM: priv})
	if storage.KindOf(err) == storage.Conflict {
		return s.DB.GetActorByURI(ctx, a.URI)
	}
	return a, err
}

// LocalActor returns the live local account name, or NotFound / Gone.
func (s *Service) LocalActor(ctx context.Context, name string) (*storage.Actor, error) {
	return storage.LiveLocalActor(ctx, s.DB, name)
}

// Signer returns the key that signs requests made on behalf of local actor a.
func (s *Service) Signer(ctx context.Context, a *storage.Actor) (*federation.Signer, error) {
	return federation.LocalSigner(ctx, s.DB, a)
}

// dummyHash is checked against when an account does not exist, so that a wrong name takes
// as long as a wrong password and the timing tells nobody which names exist.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword(NewSecret(16))
	return h
})

// ErrSuspended refuses the right password of a suspended account: saying so is Mastodon's
// way, and only someone who knows the password learns it.
var ErrSuspended = storage.Errorf(storage.Forbidden, "This account is suspended.")

// Authenticate checks a local account's name and password. It returns the account, or nil
// when the name or the password is wrong (or the account cannot sign in), taking as long
// either way; ErrSuspended for the right password of a suspended account, ErrPending for
// that of an account waiting for an admin's approval.
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
	// A bot is a Service; the instance's own actor (an Application) has no password.
	if !ok || actor == nil || actor.Type != federation.TypePerson && actor.Type != federation.TypeService || !actor.DeletedAt.IsZero() {
		return nil, nil
	}
	if actor.Suspended() {
		return nil, ErrSuspended
	}
	if actor.Pending {
		return nil, ErrPending
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

// ChangePassword gives local account actor a new password and signs out every web session
// of it but keep (the hash of the session the change was made from; "" for none, as when
// the admin resets it): whoever knew the old password is signed out. API tokens stay, as
// on Mastodon: apps are revoked one by one.
func (s *Service) ChangePassword(ctx context.Context, actor *storage.Actor, password, keep string) error {
	if actor.Type != federation.TypePerson && actor.Type != federation.TypeService {
		return storage.Errorf(storage.Invalid, "%s is the instance's own actor, not an account", actor.Username)
	}
	hash, err := newPasswordHash(password)
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error { return setPassword(ctx, tx, actor, hash, keep) })
}

// newPasswordHash checks a new password and hashes it.
func newPasswordHash(password string) (string, error) {
	if len(password) < 8 {
		return "", storage.Errorf(storage.Invalid, "password must be at least 8 characters")
	}
	return HashPassword(password)
}

// setPassword stores hash as actor's password and ends its web sessions but keep.
func setPassword(ctx context.Context, tx storage.Tx, actor *storage.Actor, hash, keep string) error {
	creds, err := tx.GetCredentials(ctx, actor.ID)
	if err != nil {
		return err
	}
	creds.PasswordHash = hash
	if err := tx.PutCredentials(ctx, creds); err != nil {
		return err
	}
	return tx.DeleteOtherTokens(ctx, actor.ID, storage.TokenSession, keep)
}
