package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/storage"
	"refuge/templates"
)

// SignUpCookie carries the sign-up form's CSRF token, as SigninCookie does the sign-in
// form's: whoever signs up has no session yet.
const SignUpCookie = "refuge_signup"

// signUpPath is the sign-up form's address, Mastodon's.
const signUpPath = "/auth/sign_up"

// signUpOpen reports whether pages offer sign-up: the mode is not closed.
func (h *Handler) signUpOpen() bool { return h.Outbox.Mode() != outbox.RegistrationsClosed }

// signUpPage shows the sign-up form, with the invite of ?invite=CODE; or says why there is
// none: sign-up is closed, by invitation only, or the invite cannot be used (403).
func (h *Handler) signUpPage(w http.ResponseWriter, r *http.Request) error {
	if viewer, _ := h.Auth.Session(r); viewer != nil {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return nil
	}
	data := &templates.SignUpData{Approval: h.Outbox.Mode() == outbox.RegistrationsApproval}
	status := http.StatusOK
	if code := r.URL.Query().Get("invite"); code != "" {
		if _, err := h.Outbox.UsableInvite(r.Context(), code); err != nil {
			if storage.KindOf(err) != storage.Forbidden {
				return err
			}
			data.Refusal, status = storage.Message(err), http.StatusForbidden
		} else {
			data.InviteCode = code
		}
	} else {
		switch h.Outbox.Mode() {
		case outbox.RegistrationsClosed:
			data.Refusal = outbox.ErrRegistrationsClosed.Msg
		case outbox.RegistrationsInvite:
			data.Refusal = outbox.ErrInviteNeeded.Msg
		}
	}
	return h.renderSignUp(w, r, status, data)
}

// renderSignUp renders the sign-up page with a new CSRF token for its form.
func (h *Handler) renderSignUp(w http.ResponseWriter, r *http.Request, status int, data *templates.SignUpData) error {
	in, err := h.Read.Instance(r.Context())
	if err != nil {
		return err
	}
	data.Rules, data.Domain = in.Rules, h.Domain
	p := h.page(r, "Sign up", data)
	if data.Refusal == "" {
		token := outbox.NewSecret(24)
		http.SetCookie(w, &http.Cookie{Name: SignUpCookie, Value: token, Path: signUpPath, MaxAge: 3600,
			HttpOnly: true, Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
		p.CSRF = maskToken(token)
	}
	return h.render(w, r, status, "sign_up", p)
}

// signUp makes an account from the sign-up form (outbox.SignUp decides who may and what is
// right): on problems the form comes back with them (422), a refusal says why (403), and
// past the rate limit per address it is 429. A new account is sent to sign in; one waiting
// for approval is told so.
func (h *Handler) signUp(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	c, err := r.Cookie(SignUpCookie)
	if err != nil || c.Value == "" || !tokenMatches(r.PostFormValue("csrf"), c.Value) {
		return storage.Errorf(storage.Forbidden, "the sign-up form expired or was sent from another site; reload it and try again")
	}
	if err := h.Limits.AllowSignUp(r); err != nil {
		return err
	}
	again := r.PostFormValue("password_confirmation")
	in := outbox.SignUpInput{Username: r.PostFormValue("username"), Email: r.PostFormValue("email"),
		Password: r.PostFormValue("password"), PasswordConfirmation: &again, Agreement: r.PostFormValue("agreement") != "",
		Reason: r.PostFormValue("reason"), InviteCode: r.PostFormValue("invite_code")}
	done, err := h.Outbox.SignUp(r.Context(), in)
	var problems outbox.Problems
	switch {
	case errors.As(err, &problems):
		data := &templates.SignUpData{Approval: h.Outbox.Mode() == outbox.RegistrationsApproval, InviteCode: in.InviteCode,
			Username: in.Username, Email: in.Email, Reason: in.Reason, Agreement: in.Agreement}
		for _, p := range problems {
			data.Problems = append(data.Problems, p.String())
		}
		return h.renderSignUp(w, r, http.StatusUnprocessableEntity, data)
	case storage.KindOf(err) == storage.Forbidden:
		return h.renderSignUp(w, r, http.StatusForbidden, &templates.SignUpData{Refusal: storage.Message(err)})
	case err != nil:
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SignUpCookie, Value: "", Path: signUpPath, MaxAge: -1,
		HttpOnly: true, Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
	switch {
	case h.Outbox.MailEnabled() && !done.Mailed:
		h.flash(w, "signup-mail-failed")
	case h.Outbox.MailEnabled() && done.Actor.Pending:
		h.flash(w, "signup-confirm-pending")
	case h.Outbox.MailEnabled():
		h.flash(w, "signup-confirm")
	case done.Actor.Pending:
		h.flash(w, "signup-pending")
	default:
		h.flash(w, "signedup")
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

// inviteLink is where an invite link leads: the sign-up form with its code.
func (h *Handler) inviteLink(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, signUpPath+"?invite="+url.QueryEscape(mux.Vars(r)["code"]), http.StatusSeeOther)
	return nil
}

// invitesPage lists the viewer's invite links (an admin's: everyone's) with the form that
// makes one; Forbidden to whoever may not invite.
func (h *Handler) invitesPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	if !h.Outbox.MayInvite(viewer) {
		return storage.Errorf(storage.Forbidden, "only admins make invite links while sign-up is not by invitation")
	}
	list, err := h.Read.Invites(r.Context(), viewer, viewer.Admin)
	if err != nil {
		return err
	}
	data := &templates.InvitesData{All: viewer.Admin, Base: h.URIs.Base(), Now: time.Now()}
	for _, inv := range list {
		data.Invites = append(data.Invites, templates.InviteItem{Invite: inv.Invite, Maker: inv.Maker})
	}
	for _, d := range outbox.InviteExpiries {
		data.Expiries = append(data.Expiries, templates.Choice{Value: strconv.Itoa(int(d.Seconds())), Label: expiryLabel(d),
			Checked: d == outbox.DefaultInviteExpiry})
	}
	for _, n := range outbox.InviteUses {
		label := "No limit"
		if n > 0 {
			label = fmt.Sprintf("%d use%s", n, map[bool]string{true: "", false: "s"}[n == 1])
		}
		data.Uses = append(data.Uses, templates.Choice{Value: strconv.Itoa(n), Label: label, Checked: n == 0})
	}
	return h.render(w, r, http.StatusOK, "invites", h.page(r, "Invites", data))
}

// expiryLabel says how long an invite lasts, as the form offers it.
func expiryLabel(d time.Duration) string {
	switch {
	case d == 0:
		return "Never"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d == time.Hour:
		return "1 hour"
	case d < 24*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	case d == 24*time.Hour:
		return "1 day"
	case d == 7*24*time.Hour:
		return "1 week"
	}
	return d.String()
}

// makeInvite makes an invite link of the viewer's, lasting expires_in seconds (0: for
// ever) for max_uses sign-ups (0: any number).
func (h *Handler) makeInvite(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	secs, err1 := strconv.Atoi(r.PostFormValue("expires_in"))
	uses, err2 := strconv.Atoi(r.PostFormValue("max_uses"))
	if err1 != nil || err2 != nil {
		return storage.Errorf(storage.Invalid, "choose how long the invite lasts and how many may use it")
	}
	if _, err := h.Outbox.CreateInvite(r.Context(), viewer, time.Duration(secs)*time.Second, uses); err != nil {
		return err
	}
	h.flash(w, "invite-made")
	http.Redirect(w, r, "/invites", http.StatusSeeOther)
	return nil
}

// expireInvite ends an invite link: the viewer's own, or anyone's for an admin.
func (h *Handler) expireInvite(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Outbox.ExpireInvite(r.Context(), viewer, id); err != nil {
		return err
	}
	h.flash(w, "invite-expired")
	http.Redirect(w, r, "/invites", http.StatusSeeOther)
	return nil
}

// answerSignUp approves or rejects a sign-up waiting for approval.
func (h *Handler) answerSignUp(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	action := mux.Vars(r)["action"]
	if action == "approve" {
		_, err = h.Outbox.ApproveAccount(r.Context(), viewer, id)
	} else {
		_, err = h.Outbox.RejectAccount(r.Context(), viewer, id)
	}
	if err != nil {
		return err
	}
	h.flash(w, "signup-"+action)
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
	return nil
}
