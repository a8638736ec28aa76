package httpx

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"refuge/reader"
	"refuge/storage"
)

// SessionCookie holds a web session's secret; only its hash is stored.
const SessionCookie = "refuge_session"

// TokenStore is what Auth reads: tokens by hash and their accounts.
type TokenStore interface {
	GetToken(ctx context.Context, hash string, now time.Time) (*storage.Token, error)
	GetActorByID(ctx context.Context, id int64) (*storage.Actor, error)
	GetSession(ctx context.Context, hash string, now time.Time) (*storage.Token, *storage.Actor, error)
}

// Auth finds who is asking: a local account by API token or web session, or a remote actor
// by HTTP signature.
type Auth struct {
	DB TokenStore
	// Verify checks a request's HTTP signature and returns its signer, nil when unsigned.
	Verify func(ctx context.Context, r *http.Request) (*storage.Actor, error)
	// AuthorizedFetch requires a signature (or a local account) on every JSON answer at an
	// ActivityPub address (see Fetcher).
	AuthorizedFetch bool
	// Commits, when set, lets sessions be kept between requests while the database is
	// unchanged (see keptSession).
	Commits func() int64
	// Unconfirmed, when set (the instance sends mail), says whether an account's e-mail
	// address waits for confirmation: its tokens are then refused (ErrLoginUnconfirmed).
	Unconfirmed func(ctx context.Context, actor *storage.Actor) (bool, error)

	mu       sync.Mutex
	sessions map[string]keptSession
}

// A session's look-up is the one query a signed-in page kept for its reader still costs
// (a third of its CPU). What it finds holds until something is written: signing out,
// suspending, deleting the account or its sessions are all commits, seen here through
// Commits (another process's within a quarter second on SQLite, at once on PostgreSQL), so
// a session is kept while the commit count is the one it was read at, and never past its
// expiry. keptSessions bounds the memory; then it starts over.
const keptSessions = 4096

type keptSession struct {
	commits int64
	token   storage.Token
	actor   storage.Actor
}

// requestMemo keeps what was learnt about who is asking, for the rest of one request: a
// page and the handler under it would otherwise each look up the session (and verify a
// signature) again. Handle installs one in every request's context.
type requestMemo struct {
	sessionDone bool
	viewer      *storage.Actor
	token       *storage.Token

	whoDone bool
	who     reader.Viewer
	whoErr  error
	sigErr  error // why a signature the request carried names nobody (see identify)

	bearerDone  bool
	bearer      *storage.Token
	bearerActor *storage.Actor
	bearerErr   error
}

type memoKey struct{}

// withMemo gives the request an empty memo, unless a wrapper (LimitAPI) gave it one already.
func withMemo(r *http.Request) *http.Request {
	if _, ok := r.Context().Value(memoKey{}).(*requestMemo); ok {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), memoKey{}, &requestMemo{}))
}

func memoOf(r *http.Request) *requestMemo {
	if m, ok := r.Context().Value(memoKey{}).(*requestMemo); ok {
		return m
	}
	return &requestMemo{} // outside Handle: remember nothing
}

// Bearer returns the account of an `Authorization: Bearer` token that allows scope, nil
// when there is no such header: ErrTokenInvalid when the token is not valid, ErrOutOfScope
// when it does not allow scope, ErrNeedsUser when it is an app's own, acting for nobody.
// Tokens of `refuge token` allow every scope.
func (a *Auth) Bearer(r *http.Request, scope string) (*storage.Actor, error) {
	t, actor, err := a.bearerToken(r)
	switch {
	case errors.Is(err, ErrLoginUnconfirmed) && !Allows(t.Scopes, scope):
		return nil, ErrOutOfScope
	case errors.Is(err, ErrLoginUnconfirmed):
		return actor, err // refused, unless what it asks for is a new confirmation link
	case err != nil || t == nil:
		return nil, err
	case !Allows(t.Scopes, scope):
		return nil, ErrOutOfScope
	case actor == nil:
		return nil, ErrNeedsUser
	}
	return actor, nil
}

// bearerToken returns the API or OAuth token of the Authorization header and its account
// (nil for an app's own token); nils when there is no bearer token. It is looked up once a
// request: the rate limits and the handler both ask.
func (a *Auth) bearerToken(r *http.Request) (*storage.Token, *storage.Actor, error) {
	m := memoOf(r)
	if !m.bearerDone {
		m.bearer, m.bearerActor, m.bearerErr = a.lookupBearer(r)
		m.bearerDone = true
	}
	return m.bearer, m.bearerActor, m.bearerErr
}

func (a *Auth) lookupBearer(r *http.Request) (*storage.Token, *storage.Actor, error) {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, nil, nil
	}
	return a.TokenOf(r.Context(), strings.TrimSpace(secret))
}

// TokenOf returns the API or OAuth token whose secret is secret, and its account (nil for
// an app's own token): ErrTokenInvalid when there is no such token, ErrLoginDisabled when
// its account is suspended, ErrLoginPending while it waits for approval. For the streaming API,
// whose apps send the token elsewhere too (a query parameter, the WebSocket protocol).
func (a *Auth) TokenOf(ctx context.Context, secret string) (*storage.Token, *storage.Actor, error) {
	t, err := a.DB.GetToken(ctx, storage.HashToken(secret), time.Now())
	if err != nil || (t.Kind != storage.TokenAPI && t.Kind != storage.TokenOAuth) {
		return nil, nil, ErrTokenInvalid
	}
	if t.ActorID == 0 {
		return t, nil, nil
	}
	actor, err := a.DB.GetActorByID(ctx, t.ActorID)
	if err != nil || !actor.DeletedAt.IsZero() {
		return nil, nil, ErrTokenInvalid
	}
	if actor.Suspended() {
		return nil, nil, ErrLoginDisabled
	}
	if actor.Pending {
		return nil, nil, ErrLoginPending
	}
	if a.Unconfirmed != nil {
		unconfirmed, err := a.Unconfirmed(ctx, actor)
		if err != nil {
			return nil, nil, err
		}
		if unconfirmed {
			return t, actor, ErrLoginUnconfirmed
		}
	}
	return t, actor, nil
}

// Session returns the signed-in account and its session, or nils when signed out. A stale or
// unknown cookie counts as signed out, and so does a suspended account's session (kept, for
// when the suspension is lifted).
func (a *Auth) Session(r *http.Request) (*storage.Actor, *storage.Token) {
	m := memoOf(r)
	if !m.sessionDone {
		m.viewer, m.token = a.lookupSession(r)
		m.sessionDone = true
	}
	return m.viewer, m.token
}

func (a *Auth) lookupSession(r *http.Request) (*storage.Actor, *storage.Token) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	hash, now := storage.HashToken(c.Value), time.Now()
	var commits int64
	if a.Commits != nil {
		commits = a.Commits()
		a.mu.Lock()
		k, ok := a.sessions[hash]
		a.mu.Unlock()
		if ok && k.commits == commits && now.Before(k.token.Expires) {
			// Copies: a handler may change what it is given.
			actor, t := k.actor, k.token
			return &actor, &t
		}
	}
	t, actor, err := a.DB.GetSession(r.Context(), hash, now)
	if err != nil || !actor.DeletedAt.IsZero() || actor.Suspended() || actor.Pending {
		return nil, nil
	}
	if a.Commits != nil && !t.Expires.IsZero() {
		a.mu.Lock()
		if a.sessions == nil || len(a.sessions) >= keptSessions {
			a.sessions = map[string]keptSession{}
		}
		a.sessions[hash] = keptSession{commits: commits, token: *t, actor: *actor}
		a.mu.Unlock()
	}
	return actor, t
}

// BearerOrSession returns the local account making the request by either means; a bearer
// token must allow scope.
func (a *Auth) BearerOrSession(r *http.Request, scope string) (*storage.Actor, error) {
	actor, err := a.Bearer(r, scope)
	if err != nil || actor != nil {
		return actor, err
	}
	actor, _ = a.Session(r)
	return actor, nil
}

// Who identifies the requester of a read: bearer token or session first, then an HTTP
// signature. Anyone may read a page, so it refuses nobody; an ActivityPub document is read
// through Fetcher.
func (a *Auth) Who(r *http.Request) (reader.Viewer, error) {
	m := memoOf(r)
	if !m.whoDone {
		m.who, m.whoErr = a.identify(r)
		m.whoDone = true
	}
	return m.who, m.whoErr
}

// Fetcher identifies the requester of a JSON document at an ActivityPub address. With
// AuthorizedFetch the request must be signed or made by a local account, whatever its
// Accept header says: a JSON answer needs a signature because of what it is, not because
// the client asked for it by name.
func (a *Auth) Fetcher(r *http.Request) (reader.Viewer, error) {
	v, err := a.Who(r)
	if err != nil {
		return reader.Viewer{}, err
	}
	if a.AuthorizedFetch && v.Local == nil && v.Remote == nil {
		if err := memoOf(r).sigErr; err != nil {
			return reader.Viewer{}, storage.Wrap(storage.Unauthorized, err, "this instance requires signed requests (authorized fetch), and the signature is not good")
		}
		return reader.Viewer{}, storage.Errorf(storage.Unauthorized, "this instance requires signed requests (authorized fetch)")
	}
	return v, nil
}

func (a *Auth) identify(r *http.Request) (reader.Viewer, error) {
	// What a token reads as its account here is posts and the collections around them.
	local, err := a.BearerOrSession(r, "read:statuses")
	if err == ErrNeedsUser {
		err = nil // an app's own token reads what anyone may
	}
	if err != nil || local != nil {
		return reader.Viewer{Local: local}, err
	}
	remote, err := a.Verify(r.Context(), r)
	if k := storage.KindOf(err); k == storage.Unauthorized || k == storage.Transient {
		// A signature that does not verify, of a scheme not read here (RFC 9421), or whose
		// key cannot be had now, names nobody: the request reads what anyone may read, as
		// if it were not signed, and where a signature is required (authorized fetch)
		// Fetcher refuses it with this reason.
		memoOf(r).sigErr = err
		return reader.Viewer{}, nil
	}
	if err != nil {
		return reader.Viewer{}, err
	}
	return reader.Viewer{Remote: remote}, nil
}
