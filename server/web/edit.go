package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/reader"
	"refuge/storage"
	"refuge/templates"
)

// Editing a post, and the versions of an edited one. The pages are at /notes/ID/edit and
// /notes/ID/history, next to the stored note's page, so that the row id names the post
// whether it is local or remote. Mastodon's web app edits in its compose column and shows
// the history in a dialog, neither of which has an address; these pages are their
// script-free equals.

// editNotePage is the form that edits one of the viewer's posts; anyone else's is not
// found, as the API's source is.
func (h *Handler) editNotePage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.Read.OwnNote(r.Context(), viewer, reader.ParseID(mux.Vars(r)["id"]))
	if err != nil {
		return err
	}
	data := &templates.EditNoteData{Note: n, Content: n.Source, Summary: n.Summary, Sensitive: n.Sensitive,
		Language: n.Language, Media: n.Media, Translations: storedTranslations(n)}
	if data.Content == "" && n.Content != "" { // posted before the source was kept
		data.Content = templates.PlainText(n.Content)
	}
	return h.render(w, r, http.StatusOK, "edit_note", h.page(r, "Edit post", data))
}

// editNote saves the edit form through the outbox's UpdateNote, the API's edit too: the
// note changes, its version is kept and the Update goes to everyone who had it. The
// attachments stay as they are, with the descriptions typed; the audience never changes.
// A form that cannot be saved comes back with what was typed and the reason.
func (h *Handler) editNote(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	n, err := h.Read.OwnNote(ctx, viewer, reader.ParseID(mux.Vars(r)["id"]))
	if err != nil {
		return err
	}
	in := outbox.NoteInput{Content: r.PostFormValue("content"), Summary: r.PostFormValue("summary"),
		Sensitive: r.PostFormValue("sensitive") != "", Language: strings.TrimSpace(r.PostFormValue("language")),
		Media: describedMedia(n.Media, r), ReplaceMedia: true}
	// The form shows every translation: those it sends are the post's, none removing all.
	var typed []templates.Translation
	in.ContentMap, typed, err = translationsOf(r)
	if err == nil {
		_, err = h.Outbox.UpdateNote(ctx, viewer, n.URI, in)
	}
	if err == nil {
		h.flash(w, "edited")
		http.Redirect(w, r, h.noteLink(n)+"#note-"+strconv.FormatInt(n.ID, 10), http.StatusSeeOther)
		return nil
	}
	if storage.KindOf(err) == storage.Invalid {
		pg := h.page(r, "Edit post", &templates.EditNoteData{Note: n, Content: in.Content, Summary: in.Summary,
			Sensitive: in.Sensitive, Language: in.Language, Media: in.Media, Translations: typed})
		pg.Error = "Not saved: " + storage.Message(err)
		return h.render(w, r, http.StatusBadRequest, "edit_note", pg)
	}
	return err
}

// describedMedia is the note's attachments with the descriptions of the form's
// description_ID fields; one the form does not name keeps its own.
func describedMedia(media []storage.Media, r *http.Request) []storage.Media {
	out := slices.Clone(media)
	for i := range out {
		if d, ok := r.PostForm["description_"+strconv.FormatInt(out[i].ID, 10)]; ok && len(d) > 0 {
			out[i].Description = d[0]
		}
	}
	return out
}

// historyPage lists the versions of a post the viewer may read, newest first: a post it
// may not read has no history either.
func (h *Handler) historyPage(w http.ResponseWriter, r *http.Request) error {
	viewer, _ := h.Auth.Session(r)
	n, versions, err := h.Read.History(r.Context(), reader.Local(viewer), reader.ParseID(mux.Vars(r)["id"]))
	if err != nil {
		return err
	}
	slices.Reverse(versions)
	return h.render(w, r, http.StatusOK, "history", h.page(r, "Edit history", &templates.HistoryData{Note: n, Versions: versions}))
}
