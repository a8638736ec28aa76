package api

import (
	"errors"
	"net/http"

	"refuge/outbox"
	"refuge/server/httpx"
	"refuge/storage"
)

// Token is Mastodon's Token: an access token and what it allows.
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
}

// validationFailed is Mastodon's 422 for a new account: every problem, by field, with its
// code and description.
type validationFailed struct {
	Error   string                       `json:"error"`
	Details map[string][]validationError `json:"details"`
}

type validationError struct {
	Error       string `json:"error"`
	Description string `json:"description"`
}

// registerAccount is POST /api/v1/accounts: an app's token with write:accounts signs
// someone up (outbox.SignUp decides who may and what is right) and gets a token for the
// new account with its own scopes, as Mastodon's AppSignUpService. While sign-ups need
// approval the token is given all the same, as Mastodon does, and is refused (403, "Your
// login is currently pending approval") until an admin approves the account. 403 while
// sign-up is closed (or by invitation, without a valid invite_code), 422 with Mastodon's
// details for bad fields, 429 past the sign-ups per address; nothing is stored on any
// refusal.
func (h *Handler) registerAccount(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	tok, _, err := h.Auth.Require(r, "write:accounts")
	if err != nil {
		return err
	}
	q, err := params(w, r, 1<<16)
	if err != nil {
		return err
	}
	if err := h.Limits.AllowSignUp(r); err != nil {
		return err
	}
	app := &storage.App{ID: tok.AppID}
	done, err := h.Outbox.SignUp(r.Context(), outbox.SignUpInput{Username: q.Get("username"), Email: q.Get("email"),
		Password: q.Get("password"), Agreement: boolParam(q, "agreement"), Reason: q.Get("reason"),
		InviteCode: q.Get("invite_code"), App: app, Scopes: tok.Scopes})
	var problems outbox.Problems
	if errors.As(err, &problems) {
		body := validationFailed{Error: problems.Error(), Details: map[string][]validationError{}}
		for _, p := range problems {
			body.Details[p.Field] = append(body.Details[p.Field], validationError{Error: p.Code, Description: p.Description})
		}
		return httpx.WriteJSON(w, http.StatusUnprocessableEntity, "application/json", body)
	}
	if err != nil {
		return err
	}
	return ok(w, Token{AccessToken: done.Secret, TokenType: "Bearer", Scope: done.Token.Scopes, CreatedAt: done.Token.Created.Unix()})
}

// adminApprove is POST /api/v1/admin/accounts/:id/approve: the account waiting for
// approval may be used from now on; it answers the Admin::Account, and 403 for an account
// that does not wait, as Mastodon's policy.
func (h *Handler) adminApprove(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	m, err := h.adminTarget(r, viewer)
	if err != nil {
		return err
	}
	if !m.Actor.Pending {
		return errNotAllowed
	}
	if _, err := h.Outbox.ApproveAccount(r.Context(), viewer, m.Actor.ID); err != nil {
		return err
	}
	return h.adminAccount(w, r, viewer)
}

// adminReject is POST /api/v1/admin/accounts/:id/reject: the account waiting for approval
// is removed and its name is free again; it answers the Admin::Account as it was, and 403
// for an account that does not wait, as Mastodon's policy.
func (h *Handler) adminReject(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	m, err := h.adminTarget(r, viewer)
	if err != nil {
		return err
	}
	if !m.Actor.Pending {
		return errNotAllowed
	}
	acc, err := h.render(r.Context(), viewer).adminAccount(m)
	if err != nil {
		return err
	}
	if _, err := h.Outbox.RejectAccount(r.Context(), viewer, m.Actor.ID); err != nil {
		return err
	}
	return ok(w, acc)
}

// registrations is how the instance entities say who may sign up, as Mastodon maps its
// modes: open and approval are open (approval_required for the one), closed and invite are
// closed to those without an invite, and invites are enabled for everyone in invite mode.
func (h *Handler) registrations() (reg InstanceRegistrations, invites bool) {
	mode := h.Outbox.Mode()
	reg.Enabled = mode == outbox.RegistrationsOpen || mode == outbox.RegistrationsApproval
	reg.ApprovalRequired = mode == outbox.RegistrationsApproval
	return reg, mode == outbox.RegistrationsInvite
}
