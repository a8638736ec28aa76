package api

import (
	"net/http"
	"refuge/server/httpx"

	"refuge/storage"
)

// The two endpoints of moving accounts, as GoToSocial has them (Mastodon has none in its
// client API): setting the aliases that let another account move here, and moving away.

// setAliases is POST /api/v1/accounts/alias: also_known_as_uris (each an account's URI or
// @user@host) replace the viewer's aliases; none sent clears them. The answer is the
// account, as update_credentials gives it.
func (h *Handler) setAliases(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	names := append(q["also_known_as_uris[]"], q["also_known_as_uris"]...)
	updated, err := h.Outbox.SetAliases(r.Context(), viewer, names)
	if err != nil {
		return err
	}
	acc, err := h.credentialAccount(r.Context(), updated)
	if err != nil {
		return err
	}
	return ok(w, acc)
}

// moveAccount is POST /api/v1/accounts/move: password and moved_to_uri (a URI or
// @user@host). 202 Accepted once the move is stored and its Moves queued, as GoToSocial
// answers; a target that does not name the viewer as an alias, a wrong password or a second
// move within 30 days are refused with the reason.
func (h *Handler) moveAccount(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	target := q.Get("moved_to_uri")
	if target == "" {
		return storage.Errorf(storage.Invalid, "moved_to_uri is missing")
	}
	if _, err := h.Outbox.Move(r.Context(), viewer, q.Get("password"), target); err != nil {
		return err
	}
	// GoToSocial's answer, which its clients parse.
	return httpx.WriteJSON(w, http.StatusAccepted, "application/json; charset=utf-8", map[string]string{"message": "accepted"})
}
