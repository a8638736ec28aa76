package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"refuge/storage"
)

// sessionCookie holds a web session's secret; only its hash is stored.
const sessionCookie = "refuge_session"

// bearer returns the account of an `Authorization: Bearer` API token, nil when there is no
// such header, and Unauthorized when the token is not valid.
func (a *App) bearer(r *http.Request) (*storage.Actor, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, nil
	}
	return a.tokenActor(r, strings.TrimSpace(secret), storage.TokenAPI)
}

// requestMemo keeps what was learnt about who is asking, for the rest of one request: a
// page and the handler under it would otherwise each look up the session (and verify a
// signature) again. handle installs one in every request's context.
type requestMemo struct {
	sessionDone bool
	viewer      *storage.Actor
	token       *storage.Token

	whoDone bool
	who     viewer
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
	return &requestMemo{} // outside handle (tests calling helpers directly): remember nothing
}

// session returns the signed-in account and its session, or nils when signed out. A stale or
// unknown cookie counts as signed out.
func (a *App) session(r *http.Request) (*storage.Actor, *storage.Token) {
	m := memoOf(r)
	if !m.sessionDone {
		m.viewer, m.token = a.lookupSession(r)
		m.sessionDone = true
	}
	return m.viewer, m.token
}

func (a *App) lookupSession(r *http.Request) (*storage.Actor, *storage.Token) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	t, err := a.db.GetToken(r.Context(), storage.HashToken(c.Value), time.Now())
	if err != nil || t.Kind != storage.TokenSession {
		return nil, nil
	}
	actor, err := a.db.GetActorByID(r.Context(), t.ActorID)
	if err != nil || !actor.DeletedAt.IsZero() {
		return nil, nil
	}
	return actor, t
}

// bearerOrSession returns the local account making the request by either means.
func (a *App) bearerOrSession(r *http.Request) (*storage.Actor, error) {
	actor, err := a.bearer(r)
	if err != nil || actor != nil {
		return actor, err
	}
	actor, _ = a.session(r)
	return actor, nil
}

func (a *App) tokenActor(r *http.Request, secret string, kind storage.TokenKind) (*storage.Actor, error) {
	t, err := a.db.GetToken(r.Context(), storage.HashToken(secret), time.Now())
	if err != nil || t.Kind != kind {
		return nil, storage.Errorf(storage.Unauthorized, "invalid or expired token")
	}
	actor, err := a.db.GetActorByID(r.Context(), t.ActorID)
	if err != nil || !actor.DeletedAt.IsZero() {
		return nil, storage.Errorf(storage.Unauthorized, "the token's account is gone")
	}
	return actor, nil
}
