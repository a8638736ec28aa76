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

// E-mail on the web, at Mastodon's paths: "Forgot your password?" (/auth/password/new, the
// link mailed to /auth/password/edit), the confirmation link (/auth/confirmation) and its
// resend form (/auth/confirmation/new), and the signed-in person's address
// (/settings/email). The forms of people not signed in carry a CSRF token of their own,
// from a cookie for /auth, as the sign-in form does.

// AuthCookie carries the CSRF token of the /auth forms, which have no session.
const AuthCookie = "refuge_auth"

// authCSRF gives the browser a new token for the /auth forms and returns it masked, for
// the page.
func (h *Handler) authCSRF(w http.ResponseWriter) string {
	token := outbox.NewSecret(24)
	http.SetCookie(w, &http.Cookie{Name: AuthCookie, Value: token, Path: "/auth", MaxAge: 3600,
		HttpOnly: true, Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
	return maskToken(token)
}

// authForm parses an /auth form and checks its CSRF token against the cookie's.
func (h *Handler) authForm(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	c, err := r.Cookie(AuthCookie)
	if err != nil || c.Value == "" {
		return storage.Errorf(storage.Forbidden, "the form expired or was sent from another site; reload it and try again")
	}
	return h.checkCSRF(r, c.Value)
}

// needMail refuses the mail pages of an instance that sends none: nothing is offered.
func (h *Handler) needMail() error {
	if !h.Outbox.MailEnabled() {
		return storage.Errorf(storage.NotFound, "this server sends no mail; its admin can reset your password")
	}
	return nil
}

// renderMailRequest shows the reset or resend form, with a problem or, when sent, the
// answer that says the same whether or not an account has the address.
func (h *Handler) renderMailRequest(w http.ResponseWriter, r *http.Request, status int, d *templates.MailRequestData, problem string) error {
	title := "Confirm your e-mail address"
	if d.Reset {
		title = "Forgot your password?"
	}
	p := h.page(r, title, d)
	p.CSRF, p.Error = h.authCSRF(w), problem
	return h.render(w, r, status, "mail_request", p)
}

// passwordNewPage is the form that asks for a reset link.
func (h *Handler) passwordNewPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.needMail(); err != nil {
		return err
	}
	return h.renderMailRequest(w, r, http.StatusOK, &templates.MailRequestData{Reset: true}, "")
}

// confirmationNewPage is the form that asks for a new confirmation link.
func (h *Handler) confirmationNewPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.needMail(); err != nil {
		return err
	}
	return h.renderMailRequest(w, r, http.StatusOK, &templates.MailRequestData{}, "")
}

// requestMail handles both forms: the same answer whether or not an account has the
// address, within the limits per client address and per address typed.
func (h *Handler) requestMail(reset bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := h.needMail(); err != nil {
			return err
		}
		if err := h.authForm(w, r); err != nil {
			return err
		}
		email := strings.TrimSpace(r.PostFormValue("email"))
		d := &templates.MailRequestData{Reset: reset, Email: email}
		if email == "" {
			return h.renderMailRequest(w, r, http.StatusBadRequest, d, "Give your e-mail address.")
		}
		if err := h.limitMails(r); err != nil {
			return err
		}
		if err := h.Limits.MailEmail.Limit(r.Context(), strings.ToLower(email), time.Now(),
			"too many mails asked for to this address; wait half an hour"); err != nil {
			return err
		}
		send := h.Outbox.ResendConfirmation
		if reset {
			send = h.Outbox.RequestPasswordReset
		}
		if err := send(r.Context(), email); err == outbox.ErrMailNotSent {
			return h.renderMailRequest(w, r, http.StatusServiceUnavailable, d, "We could not send the mail; try again in a few minutes.")
		} else if err != nil {
			return err
		}
		d.Sent = true
		return h.renderMailRequest(w, r, http.StatusOK, d, "")
	}
}

// passwordEditPage is where a reset link leads: the form of the new password. A wrong,
// used or expired link is refused with the form that asks for a new one.
func (h *Handler) passwordEditPage(w http.ResponseWriter, r *http.Request) error {
	if err := h.needMail(); err != nil {
		return err
	}
	token := r.URL.Query().Get("reset_password_token")
	a, err := h.Outbox.CheckResetLink(r.Context(), token)
	if storage.KindOf(err) == storage.NotFound {
		return h.renderMailRequest(w, r, http.StatusNotFound, &templates.MailRequestData{Reset: true}, storage.Message(err))
	}
	if err != nil {
		return err
	}
	return h.renderPasswordEdit(w, r, http.StatusOK, token, a.Username, "")
}

func (h *Handler) renderPasswordEdit(w http.ResponseWriter, r *http.Request, status int, token, username, problem string) error {
	p := h.page(r, "Choose a new password", &templates.PasswordEditData{Token: token, Username: username})
	p.CSRF, p.Error = h.authCSRF(w), problem
	w.Header().Set("Referrer-Policy", "no-referrer") // the link's secret is in this page's URL
	return h.render(w, r, status, "password_edit", p)
}

// resetPassword sets the new password of a reset link, which signs out everything of the
// account, and sends the person to sign in with it.
func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := h.needMail(); err != nil {
		return err
	}
	if err := h.authForm(w, r); err != nil {
		return err
	}
	token, password := r.PostFormValue("reset_password_token"), r.PostFormValue("password")
	if password != r.PostFormValue("password_confirmation") {
		a, err := h.Outbox.CheckResetLink(r.Context(), token)
		if err == nil {
			return h.renderPasswordEdit(w, r, http.StatusBadRequest, token, a.Username, "The new password and its repetition differ.")
		}
	}
	a, err := h.Outbox.ResetPassword(r.Context(), token, password)
	switch storage.KindOf(err) {
	case storage.NotFound:
		return h.renderMailRequest(w, r, http.StatusNotFound, &templates.MailRequestData{Reset: true}, storage.Message(err))
	case storage.Invalid:
		if a, cerr := h.Outbox.CheckResetLink(r.Context(), token); cerr == nil {
			return h.renderPasswordEdit(w, r, http.StatusBadRequest, token, a.Username, asSentence(storage.Message(err)))
		}
	}
	if err != nil {
		return err
	}
	h.Log.Info("password reset by mail", "username", a.Username, "addr", httpx.ClientAddr(r))
	h.clearSession(w) // whoever this browser was is signed out with the rest
	h.flash(w, "password-reset")
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

// confirmEmail follows a confirmation link (a GET, as Mastodon's: it is the link in the
// mail), then goes on to sign in, or to the settings of a signed-in person.
func (h *Handler) confirmEmail(w http.ResponseWriter, r *http.Request) error {
	if err := h.needMail(); err != nil {
		return err
	}
	a, err := h.Outbox.ConfirmEmail(r.Context(), r.URL.Query().Get("confirmation_token"))
	if storage.KindOf(err) == storage.NotFound {
		w.Header().Set("Referrer-Policy", "no-referrer")
		return h.renderMailRequest(w, r, http.StatusNotFound, &templates.MailRequestData{}, storage.Message(err))
	}
	if err != nil {
		return err
	}
	h.Log.Info("e-mail address confirmed", "username", a.Username)
	h.flash(w, "email-confirmed")
	to := "/signin"
	if viewer, _ := h.Auth.Session(r); viewer != nil {
		to = "/settings/email"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// emailPage is the signed-in person's address, with the form to change it.
func (h *Handler) emailPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	st, err := h.Outbox.Email(r.Context(), viewer)
	if err != nil {
		return err
	}
	d := &templates.EmailData{Email: st.Email, Confirmed: st.Confirmed, Pending: st.Pending, Mail: h.Outbox.MailEnabled()}
	return h.render(w, r, http.StatusOK, "email", h.page(r, "E-mail address", d))
}

// changeEmail asks for a new address: with mail, it is mailed a link and the old address
// stays until it is followed.
func (h *Handler) changeEmail(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	if h.Outbox.MailEnabled() {
		if err := h.limitMails(r); err != nil {
			return err
		}
	}
	if err := h.Outbox.ChangeEmail(r.Context(), viewer, r.PostFormValue("email")); err != nil {
		return err
	}
	if h.Outbox.MailEnabled() {
		h.flash(w, "email-sent")
	} else {
		h.flash(w, "email-saved")
	}
	http.Redirect(w, r, "/settings/email", http.StatusSeeOther)
	return nil
}

// resendEmail mails the signed-in person a new confirmation link.
func (h *Handler) resendEmail(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	if err := h.needMail(); err != nil {
		return err
	}
	if err := h.limitMails(r); err != nil {
		return err
	}
	if err := h.Outbox.SendConfirmation(r.Context(), viewer); err != nil {
		return err
	}
	h.flash(w, "email-sent")
	http.Redirect(w, r, "/settings/email", http.StatusSeeOther)
	return nil
}

// limitMails counts a mail asked for against the limit per client address.
func (h *Handler) limitMails(r *http.Request) error {
	return h.Limits.MailAddr.Limit(r.Context(), httpx.ClientAddr(r), time.Now(),
		"too many mails asked for from your address; wait a few minutes")
}

// asSentence is an error's message as a sentence on a page.
func asSentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}
