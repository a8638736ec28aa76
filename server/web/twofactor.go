package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// Two-factor sign-in on the web: set up and confirmed in the settings, turned off with the
// password and a code, and asked for at sign-in after the password, on a page of its own
// bound to that sign-in by a short-lived cookie (see outbox.BeginSignin).

// SigninStepCookie carries a pending sign-in's secret from the password to the code. It
// goes only to /signin paths.
const SigninStepCookie = "refuge_signin_step"

// signinStepPath is the second step of signing in.
const signinStepPath = "/signin/two_factor"

// beginSecondStep starts actor's second step of signing in and sends the browser to it.
func (h *Handler) beginSecondStep(w http.ResponseWriter, r *http.Request, actor *storage.Actor) error {
	secret, err := h.Outbox.BeginSignin(r.Context(), actor)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SigninStepCookie, Value: secret, Path: "/signin",
		MaxAge: int((5 * time.Minute).Seconds()), HttpOnly: true, Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
	to := signinStepPath
	if next := h.URIs.Target(r.URL.Query().Get("next")); next != "" {
		to += "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// pendingSignin is the pending sign-in of the request's cookie and its account.
func (h *Handler) pendingSignin(r *http.Request) (*storage.Token, *storage.Actor, error) {
	var secret string
	if c, err := r.Cookie(SigninStepCookie); err == nil {
		secret = c.Value
	}
	return h.Outbox.PendingSignin(r.Context(), secret)
}

// signinStepPage asks for the code of a sign-in whose password was right. Without one
// (never started, expired, or finished) it is back to the password.
func (h *Handler) signinStepPage(w http.ResponseWriter, r *http.Request) error {
	p, _, err := h.pendingSignin(r)
	if storage.KindOf(err) == storage.NotFound {
		to := "/signin"
		if next := h.URIs.Target(r.URL.Query().Get("next")); next != "" {
			to += "?next=" + url.QueryEscape(next)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	return h.renderSigninStep(w, r, http.StatusOK, p, "")
}

func (h *Handler) renderSigninStep(w http.ResponseWriter, r *http.Request, status int, p *storage.Token, problem string) error {
	data := &templates.SignInStepData{Next: h.URIs.Target(r.URL.Query().Get("next"))}
	pg := h.page(r, "Two-factor sign-in", data)
	pg.CSRF, pg.Error = maskToken(p.CSRF), problem
	return h.render(w, r, status, "signin_step", pg)
}

// signinStep finishes a sign-in with a code from the authenticator app or a recovery code,
// and only then starts the session. Attempts count against the same limits as passwords.
func (h *Handler) signinStep(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, actor, err := h.pendingSignin(r)
	if storage.KindOf(err) == storage.NotFound {
		return storage.Errorf(storage.Forbidden, "%s", storage.Message(err))
	}
	if err != nil {
		return err
	}
	if err := h.checkCSRF(r, p.CSRF); err != nil {
		return err
	}
	now := time.Now()
	if ok, err := h.Limits.SigninAddr.Allow(r.Context(), httpx.ClientAddr(r), now); err != nil {
		return err
	} else if !ok {
		return storage.Errorf(storage.TooMany, "too many sign-in attempts from your address; wait a minute")
	}
	if ok, err := h.Limits.SigninAccount.Allow(r.Context(), strings.ToLower(actor.Username), now); err != nil {
		return err
	} else if !ok {
		return storage.Errorf(storage.TooMany, "too many sign-in attempts for this account; wait a minute")
	}
	secret, err := h.Outbox.FinishSignin(r.Context(), actor, p, r.PostFormValue("code"))
	if storage.KindOf(err) == storage.Forbidden {
		h.Log.Info("sign-in code refused", "username", actor.Username, "addr", httpx.ClientAddr(r))
		return h.renderSigninStep(w, r, http.StatusUnauthorized, p, "Wrong or used code.")
	}
	if err != nil {
		return err
	}
	h.startSession(w, secret)
	http.SetCookie(w, &http.Cookie{Name: SigninStepCookie, Value: "", Path: "/signin", MaxAge: -1,
		HttpOnly: true, Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, h.nextPath(r), http.StatusSeeOther)
	return nil
}

// twoFactorPage shows the secret being set up, with the form for the first code.
func (h *Handler) twoFactorPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	setup, err := h.Outbox.PendingTwoFactor(r.Context(), viewer)
	switch storage.KindOf(err) {
	case storage.NotFound, storage.Conflict:
		http.Redirect(w, r, "/edit_profile", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	return h.renderTwoFactor(w, r, http.StatusOK, &templates.TwoFactorData{Secret: setup.Secret, URI: template.URL(setup.URI)}, "")
}

func (h *Handler) renderTwoFactor(w http.ResponseWriter, r *http.Request, status int, data *templates.TwoFactorData, problem string) error {
	pg := h.page(r, "Two-factor sign-in", data)
	pg.Error = problem
	w.Header().Set("Cache-Control", "no-store") // the secret, or the recovery codes
	return h.render(w, r, status, "two_factor", pg)
}

// setUpTwoFactor makes a new secret for the viewer and shows it.
func (h *Handler) setUpTwoFactor(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	if _, err := h.Outbox.SetUpTwoFactor(r.Context(), viewer); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/two_factor", http.StatusSeeOther)
	return nil
}

// enableTwoFactor switches two-factor sign-in on with the first code from the app, and
// shows the recovery codes, this once.
func (h *Handler) enableTwoFactor(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	codes, err := h.Outbox.EnableTwoFactor(ctx, viewer, r.PostFormValue("code"))
	if storage.KindOf(err) == storage.Invalid {
		setup, perr := h.Outbox.PendingTwoFactor(ctx, viewer)
		if perr != nil {
			return perr
		}
		return h.renderTwoFactor(w, r, http.StatusBadRequest, &templates.TwoFactorData{Secret: setup.Secret, URI: template.URL(setup.URI)},
			"Not switched on: "+storage.Message(err)+".")
	}
	if err != nil {
		return err
	}
	data := &templates.TwoFactorData{RecoveryCodes: codes}
	pg := h.page(r, "Two-factor sign-in", data)
	pg.Notice = notices["twofactor-on"]
	w.Header().Set("Cache-Control", "no-store")
	return h.render(w, r, http.StatusOK, "two_factor", pg)
}

// disableTwoFactor switches two-factor sign-in off, given the password and a code.
func (h *Handler) disableTwoFactor(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	if err := h.Outbox.DisableTwoFactor(r.Context(), viewer, r.PostFormValue("current_password"), r.PostFormValue("code")); err != nil {
		return err
	}
	h.flash(w, "twofactor-off")
	http.Redirect(w, r, "/edit_profile", http.StatusSeeOther)
	return nil
}
