package web

import (
	"net/http"
	"strings"
	"time"

	"refuge/outbox"
	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// SigninCookie carries the sign-in form's CSRF token before there is a session: a form
// posted from another site has the cookie but cannot know the token, so nobody can be
// signed in to an account of someone else's choosing.
const SigninCookie = "refuge_signin"

// sessionLifetime is how long the session cookie is kept; outbox gives the session the same.
const sessionLifetime = 30 * 24 * time.Hour

// signinPage shows the sign-in form; a signed-in account goes on to where it was headed.
func (h *Handler) signinPage(w http.ResponseWriter, r *http.Request) error {
	next := h.nextPath(r)
	if viewer, _ := h.Auth.Session(r); viewer != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return h.renderSignin(w, r, http.StatusOK, "", "")
}

// nextPath is where to go after signing in: the next parameter when it leads to a page of
// this site (see uris.Local.Target), else the home timeline.
func (h *Handler) nextPath(r *http.Request) string {
	if next := h.URIs.Target(r.URL.Query().Get("next")); next != "" {
		return next
	}
	return "/home"
}

func (h *Handler) renderSignin(w http.ResponseWriter, r *http.Request, status int, username, problem string) error {
	data := &templates.SignInData{Username: username}
	return h.renderSigninData(w, r, status, data, problem)
}

// renderSigninUnconfirmed refuses the right password of an address not confirmed yet, and
// offers a new link.
func (h *Handler) renderSigninUnconfirmed(w http.ResponseWriter, r *http.Request, username string) error {
	data := &templates.SignInData{Username: username, Unconfirmed: true}
	return h.renderSigninData(w, r, http.StatusForbidden, data, outbox.ErrUnconfirmed.Msg)
}

func (h *Handler) renderSigninData(w http.ResponseWriter, r *http.Request, status int, data *templates.SignInData, problem string) error {
	token := outbox.NewSecret(24)
	http.SetCookie(w, &http.Cookie{Name: SigninCookie, Value: token, Path: "/signin", MaxAge: 3600,
		HttpOnly: true, Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
	data.Mail, data.SignUp = h.Outbox.MailEnabled(), h.signUpOpen()
	data.Next = h.URIs.Target(r.URL.Query().Get("next"))
	p := h.page(r, "Sign in", data)
	p.CSRF, p.Error = maskToken(token), problem
	return h.render(w, r, status, "signin", p)
}

// signin checks a name and password and starts a session. Attempts are limited per client
// address and per account name, whether they succeed or not.
func (h *Handler) signin(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	c, err := r.Cookie(SigninCookie)
	got := r.PostFormValue("csrf")
	if err != nil || c.Value == "" || !tokenMatches(got, c.Value) {
		return storage.Errorf(storage.Forbidden, "the sign-in form expired or was sent from another site; reload it and try again")
	}
	username := strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("username")), "@")
	if user, host, ok := strings.Cut(username, "@"); ok && strings.EqualFold(host, h.Domain) {
		username = user // people type their whole handle
	}
	password := r.PostFormValue("password")
	now := time.Now()
	if ok, err := h.Limits.SigninAddr.Allow(r.Context(), httpx.ClientAddr(r), now); err != nil {
		return err
	} else if !ok {
		return storage.Errorf(storage.TooMany, "too many sign-in attempts from your address; wait a minute")
	}
	if ok, err := h.Limits.SigninAccount.Allow(r.Context(), strings.ToLower(username), now); err != nil {
		return err
	} else if !ok {
		return storage.Errorf(storage.TooMany, "too many sign-in attempts for this account; wait a minute")
	}
	actor, err := h.Outbox.Authenticate(r.Context(), username, password)
	if err == outbox.ErrSuspended {
		h.Log.Info("sign-in of a suspended account refused", "username", username, "addr", httpx.ClientAddr(r))
		return h.renderSignin(w, r, http.StatusForbidden, username, "This account is suspended.")
	}
	if err == outbox.ErrPending {
		h.Log.Info("sign-in of an account waiting for approval refused", "username", username, "addr", httpx.ClientAddr(r))
		return h.renderSignin(w, r, http.StatusForbidden, username, outbox.ErrPending.Msg)
	}
	if err != nil {
		return err
	}
	if actor == nil {
		h.Log.Info("sign-in failed", "username", username, "addr", httpx.ClientAddr(r))
		return h.renderSignin(w, r, http.StatusUnauthorized, username, "Wrong username or password.")
	}
	if err := h.Outbox.CheckConfirmed(r.Context(), actor); err == outbox.ErrUnconfirmed {
		h.Log.Info("sign-in of an unconfirmed address refused", "username", username, "addr", httpx.ClientAddr(r))
		return h.renderSigninUnconfirmed(w, r, username)
	} else if err != nil {
		return err
	}
	if on, err := h.Outbox.TwoFactorEnabled(r.Context(), actor); err != nil {
		return err
	} else if on {
		return h.beginSecondStep(w, r, actor) // no session until the code
	}
	secret, err := h.Outbox.NewToken(r.Context(), actor, storage.TokenSession)
	if err != nil {
		return err
	}
	h.startSession(w, secret)
	http.Redirect(w, r, h.nextPath(r), http.StatusSeeOther)
	return nil
}

// startSession gives the browser the session whose secret is secret, and forgets the
// sign-in form's token.
func (h *Handler) startSession(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: httpx.SessionCookie, Value: secret, Path: "/", MaxAge: int(sessionLifetime.Seconds()),
		HttpOnly: true, Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: SigninCookie, Value: "", Path: "/signin", MaxAge: -1,
		HttpOnly: true, Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
}

// signout ends this session.
func (h *Handler) signout(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, sess *storage.Token) error {
	if err := h.Outbox.EndSessions(r.Context(), viewer, sess.Hash); err != nil {
		return err
	}
	h.clearSession(w)
	h.flash(w, "signedoff")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// signoutEverywhere ends every session of the account, on every device (API tokens stay).
func (h *Handler) signoutEverywhere(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	if err := h.Outbox.EndSessions(r.Context(), viewer, ""); err != nil {
		return err
	}
	h.clearSession(w)
	h.flash(w, "signedout")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (h *Handler) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: httpx.SessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
}
