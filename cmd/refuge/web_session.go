package main

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"time"

	"refuge/outbox"
	"refuge/storage"
	"refuge/templates"
)

// signinCookie carries the sign-in form's CSRF token before there is a session: a form
// posted from another site has the cookie but cannot know the token, so nobody can be
// signed in to an account of someone else's choosing.
const signinCookie = "refuge_signin"

// sessionLifetime matches the expiry newToken gives a session.
const sessionLifetime = 30 * 24 * time.Hour

// signinPage shows the sign-in form; a signed-in account goes on to where it was headed.
func (a *App) signinPage(w http.ResponseWriter, r *http.Request) error {
	next := nextPath(r)
	if viewer, _ := a.session(r); viewer != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return a.renderSignin(w, r, http.StatusOK, "", "")
}

// nextPath is where to go after signing in: the next parameter when it is a local path.
func nextPath(r *http.Request) string {
	if next := r.URL.Query().Get("next"); localPath(next) {
		return next
	}
	return "/home"
}

func (a *App) renderSignin(w http.ResponseWriter, r *http.Request, status int, username, problem string) error {
	token := outbox.NewSecret(24)
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: token, Path: "/signin", MaxAge: 3600,
		HttpOnly: true, Secure: !a.cfg.HTTP, SameSite: http.SameSiteLaxMode})
	data := &templates.SignInData{Username: username}
	if next := r.URL.Query().Get("next"); localPath(next) {
		data.Next = next
	}
	p := a.page(r, "Sign in", data)
	p.CSRF, p.Error = token, problem
	return a.render(w, r, status, "signin", p)
}

// dummyHash is checked against when an account does not exist, so that a wrong name takes
// as long as a wrong password and the timing tells nobody which names exist.
var dummyHash = sync.OnceValue(func() string {
	h, _ := outbox.HashPassword(outbox.NewSecret(16))
	return h
})

// signin checks a name and password and starts a session. Attempts are limited per client
// address and per account name, whether they succeed or not.
func (a *App) signin(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	c, err := r.Cookie(signinCookie)
	got := r.PostFormValue("csrf")
	if err != nil || c.Value == "" || got == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) != 1 {
		return storage.Errorf(storage.Forbidden, "the sign-in form expired or was sent from another site; reload it and try again")
	}
	username := strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("username")), "@")
	if user, host, ok := strings.Cut(username, "@"); ok && strings.EqualFold(host, a.cfg.Domain) {
		username = user // people type their whole handle
	}
	password := r.PostFormValue("password")
	now := time.Now()
	if !a.limits.signinAddr.allow(clientAddr(r), now) {
		return storage.Errorf(storage.TooMany, "too many sign-in attempts from your address; wait a minute")
	}
	if !a.limits.signinAccount.allow(strings.ToLower(username), now) {
		return storage.Errorf(storage.TooMany, "too many sign-in attempts for this account; wait a minute")
	}
	actor, err := a.db.GetLocalActor(r.Context(), username)
	if err != nil && storage.KindOf(err) != storage.NotFound {
		return err
	}
	var id int64 // 0 for an unknown name: no account has it, and the lookup costs the same
	if actor != nil {
		id = actor.ID
	}
	creds, err := a.db.GetCredentials(r.Context(), id)
	if err != nil && storage.KindOf(err) != storage.NotFound {
		return err
	}
	hash := dummyHash()
	if creds != nil && creds.PasswordHash != "" {
		hash = creds.PasswordHash
	}
	ok := outbox.CheckPassword(hash, password)
	if !ok || actor == nil || actor.Type != "Person" || !actor.DeletedAt.IsZero() {
		a.log.Info("sign-in failed", "username", username, "addr", clientAddr(r))
		return a.renderSignin(w, r, http.StatusUnauthorized, username, "Wrong username or password.")
	}
	secret, err := a.newToken(r.Context(), actor, storage.TokenSession)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", MaxAge: int(sessionLifetime.Seconds()),
		HttpOnly: true, Secure: !a.cfg.HTTP, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: "", Path: "/signin", MaxAge: -1,
		HttpOnly: true, Secure: !a.cfg.HTTP, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, nextPath(r), http.StatusSeeOther)
	return nil
}

// signout ends this session.
func (a *App) signout(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, sess *storage.Token) error {
	if err := a.db.Update(r.Context(), func(tx storage.Tx) error {
		return tx.DeleteTokens(r.Context(), viewer.ID, storage.TokenSession, sess.Hash)
	}); err != nil {
		return err
	}
	a.clearSession(w)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// signoutEverywhere ends every session of the account, on every device (API tokens stay).
func (a *App) signoutEverywhere(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	if err := a.db.Update(r.Context(), func(tx storage.Tx) error {
		return tx.DeleteTokens(r.Context(), viewer.ID, storage.TokenSession, "")
	}); err != nil {
		return err
	}
	a.clearSession(w)
	a.flash(w, "signedout")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (a *App) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: !a.cfg.HTTP, SameSite: http.SameSiteLaxMode})
}
