package outbox

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// Service performs local actions. Base is the instance's URL prefix (scheme://domain);
// every local URI is built from it by package uris.
type Service struct {
	DB       storage.DB
	Base     string
	Domain   string
	Remote   *federation.Remote
	Log      *slog.Logger
	Now      func() time.Time
	OnQueue  func() // nudges the delivery workers after something was queued; may be nil
	Software string
	DataDir  string // where uploads live (under media/), so that deleting a note deletes its files
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) wake() {
	if s.OnQueue != nil {
		s.OnQueue()
	}
}

// uris are the URLs of this instance.
func (s *Service) uris() uris.Local { return uris.New(s.Base) }

// ActorURI is the id of the local actor name.
func (s *Service) ActorURI(name string) string { return s.uris().Actor(name) }

// ProfileURL is the HTML profile page of the local actor name.
func (s *Service) ProfileURL(name string) string { return s.uris().Profile(name) }

// InstanceActorURI is the id of the instance actor that signs fetches.
func (s *Service) InstanceActorURI() string { return s.uris().InstanceActor() }

// SharedInbox is the instance's shared inbox.
func (s *Service) SharedInbox() string { return s.uris().SharedInbox() }

// newID returns a short id that sorts by creation time: 48 bits of milliseconds then 32
// random bits, in lower-case base32.
func newID(now time.Time) string {
	var b [10]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	rand.Read(b[6:])
	return strings.ToLower(strings.TrimRight(base32.HexEncoding.EncodeToString(b[:]), "="))
}

// activityURI makes a new id for an activity of the local account a.
func (s *Service) activityURI(a *storage.Actor, kind uris.Kind) string {
	return s.uris().Activity(a.Username, kind, newID(s.now()))
}

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
	if err := ValidUsername(name); err != nil {
		return nil, err
	}
	if len(password) < 8 {
		return nil, storage.Errorf(storage.Invalid, "password must be at least 8 characters")
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
	err = s.createLocalActor(ctx, a, &storage.Credentials{PasswordHash: hash, PrivateKeyPEM: priv})
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
	a, err := s.DB.GetLocalActor(ctx, name)
	if err != nil {
		return nil, err
	}
	if !a.DeletedAt.IsZero() {
		return nil, storage.Errorf(storage.Gone, "account %s is gone", name)
	}
	return a, nil
}

// Signer returns the key that signs requests made on behalf of local actor a.
func (s *Service) Signer(ctx context.Context, a *storage.Actor) (*federation.Signer, error) {
	return signerOf(ctx, s.DB, a)
}

// signerOf reads the private key of local actor a from db.
func signerOf(ctx context.Context, db storage.CredentialReader, a *storage.Actor) (*federation.Signer, error) {
	c, err := db.GetCredentials(ctx, a.ID)
	if err != nil {
		return nil, fmt.Errorf("key of %s: %w", a.URI, err)
	}
	key, err := federation.ParsePrivateKey(c.PrivateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("key of %s: %w", a.URI, err)
	}
	return &federation.Signer{KeyID: a.KeyID, Key: key}, nil
}

// Wake nudges the delivery workers; the inbox calls it after queueing an Accept.
func (s *Service) Wake() { s.wake() }
