package storage

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// Field is one profile field (Mastodon's PropertyValue attachment). Value is HTML.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Source is what the owner typed, which Value is made from; local accounts only, and
	// "" for fields saved before it was kept.
	Source string `json:"source,omitempty"`
}

// Actor is a local account or a remote actor: what anyone may know of it. The secrets of a
// local account are kept apart, in Credentials.
type Actor struct {
	// Emojis are the custom emoji an actor's name, bio and fields use: Emoji tags, Name
	// ":shortcode:" and Href the picture's URL. A remote actor's are as its server tags
	// them; a local account's are the instance's own, tagged when its profile is saved.
	Emojis []Tag

	ID           int64
	URI          string
	Local        bool
	Type         string
	Username     string
	Host         string
	Name         string
	Summary      string
	URL          string
	Inbox        string
	SharedInbox  string
	Outbox       string
	FollowersURI string
	FollowingURI string
	FeaturedURI  string
	KeyID        string
	PublicKeyPEM string
	// Ed25519KeyID and Ed25519KeyPEM are a remote actor's Ed25519 key (a Multikey of its
	// assertionMethod, PKIX PEM), "" when it has none: some servers sign with it.
	Ed25519KeyID, Ed25519KeyPEM string
	Admin                       bool
	Locked                      bool
	Discoverable                bool
	// Indexable: the account's posts may be found by the full-text search of anyone, not
	// only of those who interacted with them (Mastodon 4.2's indexable).
	Indexable bool
	IconURL   string
	ImageURL  string
	Fields    []Field
	Published time.Time
	FetchedAt time.Time
	DeletedAt time.Time

	// SuspendedAt is when an admin here suspended a local account, or when a remote actor's
	// server said it is suspended (its actor's `suspended: true`); zero when it is not.
	// Unlike a deletion it removes nothing: while it lasts the account cannot sign in or act,
	// and others see only that it is suspended; lifting it brings everything back.
	SuspendedAt time.Time

	// SilencedAt is when an admin here silenced the account, local or remote ("limited",
	// as Mastodon says); zero when not. ServerSilenced is read with it: the actor's server
	// (or the actor by its URI) is under an instance block of severity silence. Either makes
	// the actor Limited. Only SetActorSilenced and the blocks change them, never UpdateActor:
	// they are this instance's decision, not what the actor's server says.
	SilencedAt     time.Time
	ServerSilenced bool

	// SummarySource is what the owner typed, which Summary (HTML) is made from; local
	// accounts only, and "" for a bio saved before it was kept.
	SummarySource string

	// Pending marks a local account that signed up while sign-ups need an admin's approval
	// and is not approved yet: it holds its name, but it is shown nowhere, found by no
	// look-up (LiveLocalActor) and cannot sign in.
	Pending bool

	// AlsoKnownAs are the URIs of the other accounts this actor says it also is (its
	// aliases): an account names its old one here before that one moves to it.
	AlsoKnownAs []string
	// MovedTo is the URI of the account this one moved to ("" when it did not); MovedAt is
	// when we learnt it (a local account's move, for the once-per-30-days rule).
	MovedTo string
	MovedAt time.Time
}

// Moved reports whether the actor moved to another account (see MovedTo).
func (a *Actor) Moved() bool { return a.MovedTo != "" }

// Suspended reports whether the actor is suspended (see SuspendedAt).
func (a *Actor) Suspended() bool { return !a.SuspendedAt.IsZero() }

// Limited reports whether the actor is silenced, on its own or with its server (see
// SilencedAt): its posts leave the public timelines, hashtag pages and searches of those
// who do not follow it, and its notifications reach only those who do.
func (a *Actor) Limited() bool { return !a.SilencedAt.IsZero() || a.ServerSilenced }

// Handle is the actor's user@host form, without a leading @.
func (a *Actor) Handle() string { return a.Username + "@" + a.Host }

// DeliveryInbox is where activities for this actor go: the shared inbox when it has one.
func (a *Actor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

// Credentials is the secret half of a local account: what signs its requests and what checks
// its password. It is never handed to templates or encoders, and only the code that signs
// or signs in reads it, which is why it is not part of Actor.
type Credentials struct {
	ActorID       int64
	PasswordHash  string // "" for an account nobody signs in to, such as the instance actor
	PrivateKeyPEM string
	// Two-factor sign-in: the TOTP secret in base32 ("" for none), set up but only asked
	// for once TOTPEnabled; the last time step whose code was taken (never taken twice);
	// the SHA-256 hashes (hex) of the recovery codes not used yet.
	TOTPSecret    string
	TOTPEnabled   bool
	TOTPStep      int64
	RecoveryCodes []string
	// Email is the account's address ("" for none), unique in any case across accounts;
	// EmailConfirmedAt is when a link mailed to it was followed (zero until then).
	Email            string
	EmailConfirmedAt time.Time
}

// HostOf returns the host of an absolute http(s) URL, lower-cased and with its port, exactly
// as a browser and our outgoing client read it; "" for anything else. A URL that a browser
// and net/url would read differently is not clean and has no host here: userinfo
// ("http://evil.example\@social.example/" is evil.example to a browser, and
// "http://name@social.example/" shows another host than it reaches), a backslash, a
// control character or a space anywhere, a host that is not plain ASCII, a trailing dot or
// an empty port (other spellings of a host that a comparison would miss).
func HostOf(uri string) string {
	if strings.ContainsFunc(uri, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return ""
	}
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.User != nil {
		return ""
	}
	name := u.Hostname()
	if name == "" || strings.HasSuffix(name, ".") || strings.HasSuffix(u.Host, ":") ||
		strings.ContainsFunc(u.Host, func(r rune) bool { return !hostChar(r) }) {
		return ""
	}
	return strings.ToLower(u.Host)
}

// hostChar reports whether r may appear in a host as we compare it: a DNS name, an IPv4
// address or a bracketed IPv6 one, and a port.
func hostChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune(".-_:[]", r)
}

// SameHost reports whether two URLs are clean (see HostOf) and on the same host: two
// strings that are no URLs are on no host, not on one.
func SameHost(a, b string) bool {
	h := HostOf(a)
	return h != "" && h == HostOf(b)
}

// ActorReader finds actors, local and remote.
type ActorReader interface {
	// GetActorByID returns the actor with the given row id; NotFound when there is none.
	GetActorByID(ctx context.Context, id int64) (*Actor, error)
	// GetActorByURI returns the actor whose ActivityPub id is uri; NotFound when unknown.
	GetActorByURI(ctx context.Context, uri string) (*Actor, error)
	// GetActorByKeyID returns the actor owning the public key keyID; NotFound when unknown.
	GetActorByKeyID(ctx context.Context, keyID string) (*Actor, error)
	// GetActorByHandle returns the actor username@host, matching the name regardless of
	// case; NotFound when unknown.
	GetActorByHandle(ctx context.Context, username, host string) (*Actor, error)
	// GetLocalActor returns the local account with the given name (any case), deleted or
	// not; NotFound when there is none.
	GetLocalActor(ctx context.Context, username string) (*Actor, error)
	// ListLocalActors returns the local accounts of type Person that are not deleted,
	// suspended or not, pending approval or not, oldest first.
	ListLocalActors(ctx context.Context) ([]*Actor, error)
	// CountLocalUsers counts local Person accounts that are neither deleted, suspended nor
	// pending approval.
	CountLocalUsers(ctx context.Context) (int, error)
	// ListActors returns the accounts q asks for, local and remote, that are not deleted,
	// newest first, paged by id. The instance's own actor is never listed.
	ListActors(ctx context.Context, q AccountQuery) ([]*Actor, error)
	// ListSilencedActors returns the live actors, local and remote, that an admin silenced
	// one by one (SilencedAt), the most recently silenced first.
	ListSilencedActors(ctx context.Context) ([]*Actor, error)
}

// AccountQuery picks accounts for the admins' list. The names are matched at their start,
// in any case.
type AccountQuery struct {
	Local, Remote bool   // which accounts: local ones, remote ones; neither or both is all
	Suspended     bool   // only suspended accounts, and remote ones blocked here (by URI or host)
	NotSuspended  bool   // only accounts that are neither
	Silenced      bool   // only accounts silenced, on their own or with their server (Limited)
	Pending       bool   // only local accounts that signed up and wait for an admin's approval
	Admins        bool   // only admins
	Username      string // only accounts whose username starts so, when set
	Name          string // only accounts whose display name starts so, when set
	Host          string // only accounts of this host (with its port, if any), when set
	Email         string // only local accounts whose e-mail address starts so, when set
	Page          Page   // by id; Limit at most 200
	Since         int64  // the newest accounts with an id above this, when not 0
}

// ActorWriter stores actors.
type ActorWriter interface {
	// CreateActor inserts a new actor and sets a.ID (and a.Published when zero). A name
	// taken on its host (in any case) or a known URI is a Conflict. A local account's
	// credentials go in with PutCredentials, in the same transaction.
	CreateActor(ctx context.Context, a *Actor) error
	// UpdateActor writes every mutable column of a (SuspendedAt among them), found by a.ID;
	// its credentials stay as they are. Conflict when the new values clash with another actor.
	UpdateActor(ctx context.Context, a *Actor) error
	// PutRemoteActor stores a fetched remote actor: inserted when new, refreshed when known
	// by URI; it sets a.ID. A known actor under the same name on the same host is renamed
	// out of the way (its account was replaced). Forbidden when uri is a local account's.
	PutRemoteActor(ctx context.Context, a *Actor) error
	// MarkActorDeleted records that the actor is gone. Its notes are tombstoned with it,
	// and its follows, likes, boosts and queued deliveries removed, so that nothing of it
	// is served or delivered to again.
	MarkActorDeleted(ctx context.Context, id int64, at time.Time) error
	// SetActorSilenced silences actor id as of at, or lifts its silence when at is zero;
	// NotFound when there is no such actor.
	SetActorSilenced(ctx context.Context, id int64, at time.Time) error
}

// CredentialReader reads the secrets of local accounts.
type CredentialReader interface {
	// GetCredentials returns the secrets of local account actorID; NotFound when it has
	// none (a remote actor, or no such account).
	GetCredentials(ctx context.Context, actorID int64) (*Credentials, error)
	// AccountByEmail returns the id of the local account whose address is email, in any
	// case; NotFound when none has it.
	AccountByEmail(ctx context.Context, email string) (int64, error)
}

// CredentialWriter stores the secrets of local accounts.
type CredentialWriter interface {
	// PutCredentials stores c for local account c.ActorID, replacing what it had; NotFound
	// when there is no such local account, Conflict when another account has c.Email.
	PutCredentials(ctx context.Context, c *Credentials) error
}

// LiveLocalActor returns the live local account name: NotFound when there is none or it
// is pending approval (it does not exist yet for anyone but the admins), Gone once it was
// deleted. It is the one rule for "this local account exists", used by every package that
// looks an account up by name.
func LiveLocalActor(ctx context.Context, r ActorReader, name string) (*Actor, error) {
	a, err := r.GetLocalActor(ctx, name)
	if err != nil {
		return nil, err
	}
	if a.Pending {
		return nil, Wrap(NotFound, ErrNotFound, "account not found")
	}
	if !a.DeletedAt.IsZero() {
		return nil, Errorf(Gone, "account %s is gone", name)
	}
	return a, nil
}
