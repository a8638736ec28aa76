package api

import (
	"net/http"

	"refuge/storage"
)

// customEmojis answers GET /api/v1/custom_emojis: the instance's own, which apps offer in
// their pickers.
func (h *Handler) customEmojis(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	emojis, err := h.Read.CustomEmojis(r.Context())
	if err != nil {
		return err
	}
	out := []Emoji{}
	for _, e := range emojis {
		out = append(out, Emoji{Shortcode: e.Shortcode, URL: e.URL, StaticURL: e.URL, VisibleInPicker: true})
	}
	return ok(w, out)
}
