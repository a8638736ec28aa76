package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"

	"github.com/gorilla/mux"

	"refuge/federation"
	"refuge/outbox"
	"refuge/outbox/media"
	"refuge/reader"
	"refuge/storage"
)

// The status endpoints beyond posting and reacting: edits with their history and source,
// bookmarks, favourites and pins. Who may see a status is reader's; what may be done to
// one is outbox's, shared with the web pages.

// StatusEdit is one version of a status, as its history lists them.
type StatusEdit struct {
	Content          string            `json:"content"`
	SpoilerText      string            `json:"spoiler_text"`
	Sensitive        bool              `json:"sensitive"`
	CreatedAt        string            `json:"created_at"`
	Account          *Account          `json:"account"`
	Poll             any               `json:"poll,omitempty"` // a poll's options by version: not kept, so never given
	MediaAttachments []MediaAttachment `json:"media_attachments"`
	Emojis           []Emoji           `json:"emojis"`
}

// StatusSource is what the author of a status typed, to edit it.
type StatusSource struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	SpoilerText string `json:"spoiler_text"`
	// ContentMap is Refuge's extension: a post in several languages gives each other
	// language's text, as PUT's content_map takes it back. Absent for one language.
	ContentMap map[string]string `json:"content_map,omitempty"`
}

// ownStatus finds the viewer's own live status whose id is in the path: anyone else's is
// 404, as on Mastodon, which looks only among the viewer's statuses.
func (h *Handler) ownStatus(r *http.Request, viewer *storage.Actor) (*storage.Note, error) {
	row, good := noteRow(mux.Vars(r)["id"])
	if !good {
		return nil, storage.Errorf(storage.NotFound, "no such status")
	}
	return h.Read.OwnNote(r.Context(), viewer, row)
}

// editStatus edits one of the viewer's statuses: its text, content warning, sensitivity,
// language and attachments (media_ids, all of them: those left out are taken off, as on
// Mastodon), with new descriptions in media_attributes. Outbox stores the edit, its version
// and the Update for every server that had the status in one transaction.
func (h *Handler) editStatus(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.ownStatus(r, viewer)
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	in := outbox.NoteInput{Content: q.Get("status"), Summary: q.Get("spoiler_text"), Sensitive: boolParam(q, "sensitive"),
		Language: q.Get("language"), ReplaceMedia: true}
	if in.ContentMap, err = contentMapParam(q); err != nil {
		return err
	}
	ids, err := listParam(q, "media_ids", media.MaxAttachments)
	if err != nil {
		return err
	}
	attrs, err := mediaAttributes(q)
	if err != nil {
		return err
	}
	for _, id := range ids {
		m, err := h.Outbox.Upload(r.Context(), viewer, reader.ParseID(id))
		if err != nil {
			return storage.Wrap(storage.Invalid, err, fmt.Sprintf("media_ids: no media %q of yours", id))
		}
		if desc, ok := attrs[id]; ok {
			m.Description = desc
		}
		in.Media = append(in.Media, *m)
	}
	if _, err := h.Outbox.UpdateNote(r.Context(), viewer, n.URI, in); err != nil {
		return err
	}
	return h.answerStatus(w, r, viewer, n.ID)
}

// mediaAttribute is one key of media_attributes: media_attributes[0][description] (an
// indexed form, or JSON as params writes it) or media_attributes[][description] (a form
// listing them in order).
var mediaAttribute = regexp.MustCompile(`^media_attributes\[(\d*)\]\[(id|description|focus)\]$`)

// mediaAttributes reads the new descriptions of attachments, by media id. A focus is
// accepted and not kept: Refuge crops no previews.
func mediaAttributes(q url.Values) (map[string]string, error) {
	type attr struct{ id, description []string }
	byIndex := map[string]*attr{}
	for k, vals := range q {
		m := mediaAttribute.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		a := byIndex[m[1]]
		if a == nil {
			a = &attr{}
			byIndex[m[1]] = a
		}
		switch m[2] {
		case "id":
			a.id = vals
		case "description":
			a.description = vals
		}
	}
	if len(byIndex) > media.MaxAttachments+1 {
		return nil, storage.Errorf(storage.Invalid, "at most %d media_attributes", media.MaxAttachments)
	}
	keys := make([]string, 0, len(byIndex))
	for k := range byIndex {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]string{}
	for _, k := range keys {
		a := byIndex[k]
		if len(a.id) > media.MaxAttachments || len(a.description) > len(a.id) {
			return nil, storage.Errorf(storage.Invalid, "media_attributes: each needs an id")
		}
		for i, id := range a.id {
			if i < len(a.description) {
				out[id] = a.description[i]
			}
		}
	}
	return out, nil
}

// history answers the versions of a status, oldest first: the original, each edit, the last
// being the status as it is now; one for a status never edited.
func (h *Handler) history(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	row, good := noteRow(mux.Vars(r)["id"])
	if !good {
		return storage.Errorf(storage.NotFound, "no such status")
	}
	n, edits, err := h.Read.History(r.Context(), reader.Local(viewer), row)
	if err != nil {
		return err
	}
	author, err := h.render(r.Context(), viewer).account(n.Author)
	if err != nil {
		return err
	}
	out := make([]StatusEdit, 0, len(edits))
	for _, e := range edits {
		se := StatusEdit{Content: e.Content, SpoilerText: e.Summary, Sensitive: e.Sensitive, CreatedAt: timeOf(e.Created),
			Account: author, MediaAttachments: []MediaAttachment{}, Emojis: []Emoji{}}
		for _, m := range e.Media {
			se.MediaAttachments = append(se.MediaAttachments, mediaOf(h.URIs, m))
		}
		out = append(out, se)
	}
	return ok(w, out)
}

// source answers what the author typed, to edit it: the author's alone.
func (h *Handler) source(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.ownStatus(r, viewer)
	if err != nil {
		return err
	}
	src := StatusSource{ID: noteStatusID(n.ID), Text: n.Source, SpoilerText: n.Summary}
	for lang, html := range n.ContentMap {
		if lang == n.Language {
			continue
		}
		if src.ContentMap == nil {
			src.ContentMap = map[string]string{}
		}
		src.ContentMap[lang] = federation.PlainText(html) // only the main text's source is kept
	}
	return ok(w, src)
}

func (h *Handler) bookmark(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.mark(w, r, viewer, h.Outbox.Bookmark, true)
}

func (h *Handler) unbookmark(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.mark(w, r, viewer, h.Outbox.Bookmark, false)
}

func (h *Handler) pin(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.mark(w, r, viewer, h.Outbox.Pin, true)
}

func (h *Handler) unpin(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.mark(w, r, viewer, h.Outbox.Pin, false)
}

// mark bookmarks or pins (act) a status the viewer may read, or takes that back, and
// answers the status with the viewer's state: 404 for one it may not read.
func (h *Handler) mark(w http.ResponseWriter, r *http.Request, viewer *storage.Actor,
	act func(context.Context, *storage.Actor, string, bool) error, on bool) error {
	n, err := h.statusOf(r, viewer)
	if err != nil {
		return err
	}
	if err := act(r.Context(), viewer, n.URI, on); err != nil {
		return err
	}
	return h.answerStatus(w, r, viewer, n.ID)
}

func (h *Handler) bookmarks(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.marked(w, r, viewer, h.Read.Bookmarks)
}

func (h *Handler) favourites(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.marked(w, r, viewer, h.Read.Favourites)
}

// marked answers a page of the statuses the viewer bookmarked or liked (by list), newest
// first, paged by the bookmarks' or likes' own ids, which the Link header gives, as
// Mastodon's are.
func (h *Handler) marked(w http.ResponseWriter, r *http.Request, viewer *storage.Actor,
	list func(context.Context, int64, storage.Page) ([]*storage.Note, []int64, error)) error {
	p, err := pagingOf(r, statusesLimit, statusesMax, plainRow)
	if err != nil {
		return err
	}
	notes, cursors, err := list(r.Context(), viewer.ID, p.page)
	if err != nil {
		return err
	}
	if p.since != "" {
		for i, c := range cursors {
			if !newer(rowID(c), p.since) {
				notes, cursors = notes[:i], cursors[:i]
				break
			}
		}
	}
	out, err := h.render(r.Context(), viewer).statuses(notes)
	if err != nil {
		return err
	}
	if len(cursors) > 0 {
		link(w, r, h.URIs.Base(), rowID(cursors[0]), rowID(cursors[len(cursors)-1]))
	}
	return ok(w, out)
}
