package web

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"refuge/federation/uris"
	"refuge/reader"
	"refuge/storage"
	"refuge/templates"
)

// publicPage is a public timeline of a signed-in reader at Mastodon's web paths: the local
// one (/public/local: the public posts of this instance's accounts) or the federated one
// (/public: every public post known here). They are read as the client API's
// /api/v1/timelines/public reads them, so the reader's blocks, mutes, blocked servers and
// keyword filters for public timelines leave out the same posts.
func (h *Handler) publicPage(local bool) PageHandler {
	return func(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
		p, err := listPage(r)
		if err != nil {
			return err
		}
		notes, err := h.Read.PublicTimeline(r.Context(), reader.Local(viewer), local, false, p)
		if err != nil {
			return err
		}
		data := &templates.PublicData{Local: local, Notes: notes}
		first, last := noteBounds(notes)
		data.Next, data.Prev = pageLinks(r, len(notes), first, last, perPage)
		title := "Federated"
		if local {
			title = "Local"
		}
		return h.render(w, r, http.StatusOK, "public", h.page(r, title, data), notes...)
	}
}

// mediaPage shows attachment number n (from 1) of a stored note large, with its description,
// instead of the bare file: to whoever may read the note, exactly as its page, and to
// nobody else.
func (h *Handler) mediaPage(w http.ResponseWriter, r *http.Request) error {
	vars := mux.Vars(r)
	viewer, _ := h.Auth.Session(r)
	n, err := h.Read.NoteByID(r.Context(), reader.Local(viewer), reader.ParseID(vars["id"]))
	if err != nil {
		return err
	}
	i, err := strconv.Atoi(vars["n"])
	if err != nil || i < 1 || i > len(n.Media) {
		return storage.Errorf(storage.NotFound, "the post has no such attachment")
	}
	data := &templates.MediaData{Note: n, Media: n.Media[i-1], N: i, Count: len(n.Media)}
	if i > 1 {
		data.Prev = uris.StoredMedia(n.ID, i-1)
	}
	if i < len(n.Media) {
		data.Next = uris.StoredMedia(n.ID, i+1)
	}
	what := "Attachment"
	if strings.HasPrefix(data.Media.MediaType, "image/") || data.Media.MediaType == "" {
		what = "Image"
	}
	title := what + " by " + cmp.Or(n.Author.Name, "@"+n.Author.Username)
	return h.render(w, r, http.StatusOK, "media", h.page(r, title, data), n)
}
