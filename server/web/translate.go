package web

import (
	"net/http"

	"github.com/gorilla/mux"

	"refuge/outbox/translate"
	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// readerLanguage is the language the viewer reads: the one it posts in when it chose one,
// else its browser's.
func (h *Handler) readerLanguage(r *http.Request, viewer *storage.Actor) string {
	chosen := ""
	if d, err := h.Read.PostingDefaults(r.Context(), viewer.ID); err == nil { // else the browser's: a page must not fail for it
		chosen = d.Language
	}
	return translate.ReaderLanguage(chosen, r.Header.Get("Accept-Language"))
}

// translatable is Page.Translatable for viewer: nil when translation is off, so that no
// post offers it; else true for posts not in the viewer's language. Pages never call the
// translation server: the action is a link to translatePage.
func (h *Handler) translatable(r *http.Request, viewer *storage.Actor) func(string) bool {
	if !h.Translate.Enabled() {
		return nil
	}
	lang := h.readerLanguage(r, viewer)
	return func(postLang string) bool { return !translate.SameLanguage(postLang, lang) }
}

// translatePage shows a post the viewer may read (404 otherwise) with its translation
// into the viewer's language (or ?lang=), or a message saying why there is none: a
// translation server down or slow gives a page that says so (503), never an error page.
func (h *Handler) translatePage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.Read.NoteByID(r.Context(), reader.Local(viewer), reader.ParseID(mux.Vars(r)["id"]))
	if err != nil {
		return err
	}
	target := r.URL.Query().Get("lang")
	if target == "" {
		target = h.readerLanguage(r, viewer)
	}
	data := &templates.TranslateData{Note: n, Target: target}
	status := http.StatusOK
	data.Translation, err = h.Translate.Translate(r.Context(), n, target)
	if err != nil {
		kind := storage.KindOf(err)
		if kind == storage.Internal {
			return err
		}
		if kind == storage.Transient {
			h.Log.Warn("translation failed", "note", n.ID, "target", target, "err", err)
		}
		status, data.Error = httpx.StatusOf[kind], storage.Message(err)
	}
	return h.render(w, r, status, "translate", h.page(r, "Translation", data), n)
}
