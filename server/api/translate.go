package api

import (
	"net/http"

	"refuge/outbox/translate"
	"refuge/server/httpx"
	"refuge/storage"
)

// Translation is Mastodon's Translation entity: a status's text machine-translated.
type Translation struct {
	Content                string            `json:"content"`
	SpoilerText            string            `json:"spoiler_text"`
	Poll                   *struct{}         `json:"poll"`              // Refuge has no polls: always null
	MediaAttachments       []TranslatedMedia `json:"media_attachments"` // those with a description
	DetectedSourceLanguage string            `json:"detected_source_language"`
	Language               string            `json:"language"` // the language translated into
	Provider               string            `json:"provider"`
}

// TranslatedMedia is an attachment's description, translated.
type TranslatedMedia struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// translateStatus answers POST /api/v1/statuses/:id/translate: the status the viewer may
// read (404 otherwise), translated into lang, or the language the viewer posts in, or the
// one its app asks for in Accept-Language. As Mastodon: 403 when translation is off or the
// status is in that language already, 503 when the translation server is down or slow.
func (h *Handler) translateStatus(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	if viewer == nil {
		return httpx.ErrNeedsUser
	}
	n, err := h.statusOf(r, viewer)
	if err != nil {
		return err
	}
	lang := r.URL.Query().Get("lang")
	if r.ContentLength != 0 { // apps often send none
		p, err := params(w, r, maxParamsBytes)
		if err != nil {
			return err
		}
		lang = p.Get("lang")
	}
	if lang == "" {
		d, err := h.Read.PostingDefaults(r.Context(), viewer.ID)
		if err != nil {
			return err
		}
		lang = translate.ReaderLanguage(d.Language, r.Header.Get("Accept-Language"))
	}
	t, err := h.Translate.Translate(r.Context(), n, lang)
	if err != nil {
		return err
	}
	out := Translation{Content: t.Content, SpoilerText: t.Summary, MediaAttachments: []TranslatedMedia{},
		DetectedSourceLanguage: t.Source, Language: t.Target, Provider: t.Provider}
	for _, m := range t.Media {
		out.MediaAttachments = append(out.MediaAttachments, TranslatedMedia{ID: rowID(m.MediaID), Description: m.Description})
	}
	return ok(w, out)
}

// translationLanguages answers GET /api/v1/instance/translation_languages: each language
// the translation server translates from, and those it translates it into; {} when
// translation is off; 503 when the server cannot say and never did.
func (h *Handler) translationLanguages(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	langs, err := h.Translate.Languages(r.Context())
	if err != nil {
		return err
	}
	return ok(w, langs)
}
