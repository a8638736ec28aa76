package api

import (
	"net/http"

	"refuge/storage"
)

// confirmAgain is POST /api/v1/emails/confirmations: a new confirmation link for the
// account's address while one waits to be confirmed, to the address email when given;
// {} once mailed. 403 when nothing waits or the server sends no mail; 503 when the mail
// server did not take it (the link is stored; asking again sends a new one).
// confirmationsPath is the one endpoint an account whose address is not confirmed yet may
// use, as on Mastodon.
const confirmationsPath = "/api/v1/emails/confirmations"

func (h *Handler) confirmAgain(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	_, hasEmail := q["email"]
	if err := h.Outbox.ConfirmAgain(r.Context(), viewer, q.Get("email"), hasEmail); err != nil {
		return err
	}
	return ok(w, struct{}{})
}
