package httpx

import (
	"context"
	"net/http"
	"strings"
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
}

type memoKey struct{}

// withMemo gives the request an empty memo.
func withMemo(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), memoKey{}, &requestMemo{}))
}

func memoOf(r *http.Request) *requestMemo {
	if m, ok := r.Context().Value(memoKey{}).(*requestMemo); ok {
		return m
	}
	return &requestMemo{} // outside Handle: remember nothing
}

// Bearer returns the account of an `Authorization: Bearer` API token, nil when there is no
// such header, and Unauthorized when the token is not valid.
func (a *Auth) Bearer(r *http.Request) (*storage.Actor, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, nil
	}
	return a.tokenActor(r, strings.TrimSpace(secret), storage.TokenAPI)
}

// Session returns the signed-in account and its session, or nils when signed out. A stale or
// unknown cookie counts as signed out.
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
	t, err := a.DB.GetToken(r.Context(), storage.HashToken(c.Value), time.Now())
	if err != nil || t.Kind != storage.TokenSession {
		return nil, nil
	}
	actor, err := a.DB.GetActorByID(r.Context(), t.ActorID)
	if err != nil || !actor.DeletedAt.IsZero() {
		return nil, nil
	}
	return actor, t
}

// BearerOrSession returns the local account making the request by either means.
func (a *Auth) BearerOrSession(r *http.Request) (*storage.Actor, error) {
	actor, err := a.Bearer(r)
	if err != nil || actor != nil {
		return actor, err
	}
	actor, _ = a.Session(r)
	return actor, nil
}

func (a *Auth) tokenActor(r *http.Request, secret string, kind storage.TokenKind) (*storage.Actor, error) {
	t, err := a.DB.GetToken(r.Context(), storage.HashToken(secret), time.Now())
	if err != nil || t.Kind != kind {
		return nil, storage.Errorf(storage.Unauthorized, "invalid or expired token")
	}
	actor, err := a.DB.GetActorByID(r.Context(), t.ActorID)
	if err != nil || !actor.DeletedAt.IsZero() {
		return nil, storage.Errorf(storage.Unauthorized, "the token's account is gone")
	}
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
		return reader.Viewer{}, storage.Errorf(storage.Unauthorized, "this instance requires signed requests (authorized fetch)")
	}
	return v, nil
}

func (a *Auth) identify(r *http.Request) (reader.Viewer, error) {
	local, err := a.BearerOrSession(r)
	if err != nil || local != nil {
		return reader.Viewer{Local: local}, err
	}
	remote, err := a.Verify(r.Context(), r)
	if err != nil {
		return reader.Viewer{}, err
	}
	return reader.Viewer{Remote: remote}, nil
}
