package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/outbox/media"
	"refuge/reader"
	"refuge/storage"
)

// multipartMemory is how much of a multipart form's files is kept in memory.
const multipartMemory = 8 << 20

// maxParamsBytes bounds a request body of parameters: a post of MaxNoteChars characters,
// each up to four bytes and escaped, fits with room to spare.
const maxParamsBytes = 256 << 10

// params reads a write's parameters as Mastodon does: from the query, then from the body,
// a form (urlencoded or multipart) or a JSON object, whose values win. A JSON array becomes
// a list under its name, as listParam reads it.
func params(w http.ResponseWriter, r *http.Request, most int64) (url.Values, error) {
	q := r.URL.Query()
	r.Body = http.MaxBytesReader(w, r.Body, most)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var body url.Values
	switch ct {
	case "application/json":
		var obj map[string]any
		if err := json.NewDecoder(r.Body).Decode(&obj); err != nil {
			return nil, storage.Wrap(storage.Invalid, err, "the body is not a JSON object")
		}
		body = url.Values{}
		for k, v := range obj {
			addJSON(body, k, v)
		}
	case "multipart/form-data":
		// Files past multipartMemory wait on disk: a video is not held in memory.
		if err := r.ParseMultipartForm(min(most, multipartMemory)); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, storage.Wrap(storage.TooLarge, err, fmt.Sprintf("the form is larger than %d MiB", most>>20))
			}
			return nil, storage.Wrap(storage.Invalid, err, "the form could not be read")
		}
		body = r.MultipartForm.Value
	case "application/x-www-form-urlencoded":
		// Read here, not by ParseForm, which leaves the body of a DELETE unread: Mastodon's
		// clients send DELETE /api/v1/domain_blocks with its domain in a form.
		raw, err := io.ReadAll(r.Body)
		if err == nil {
			body, err = url.ParseQuery(string(raw))
		}
		if err != nil {
			return nil, storage.Wrap(storage.Invalid, err, "the form could not be read")
		}
	}
	for k, v := range body {
		q[k] = v
	}
	return q, nil
}

// addJSON adds a JSON value under key as a form would carry it: an object's members as
// key[member], and an array of objects as key[index][member], as Mastodon reads nested
// parameters (source[privacy], fields_attributes[0][name]); other values by jsonValues.
func addJSON(body url.Values, key string, v any) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			body[key] = append(body[key], "") // there, and empty: content_map {} removes translations
		}
		for k, e := range x {
			addJSON(body, key+"["+k+"]", e)
		}
		return
	case []any:
		if len(x) > 0 {
			if _, objects := x[0].(map[string]any); objects {
				for i, e := range x {
					addJSON(body, fmt.Sprintf("%s[%d]", key, i), e)
				}
				return
			}
		}
	}
	for _, s := range jsonValues(v) {
		body.Add(key, s)
	}
}

// jsonValues writes a JSON value as the strings a form would carry; null is none.
func jsonValues(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, jsonValues(e)...)
		}
		return out
	}
	return []string{fmt.Sprint(v)} // numbers and booleans, as boolParam and the ids read them
}

// visibilities are Mastodon's names of Refuge's visibilities: its "private" is followers-only.
var visibilities = map[string]storage.Visibility{"": storage.Public, "public": storage.Public,
	"unlisted": storage.Unlisted, "private": storage.Followers, "direct": storage.Direct}

func (h *Handler) postStatus(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	vis, known := visibilities[q.Get("visibility")]
	if !known {
		return storage.Errorf(storage.Invalid, "visibility must be public, unlisted, private or direct")
	}
	in := outbox.NoteInput{Content: q.Get("status"), Summary: q.Get("spoiler_text"), Sensitive: boolParam(q, "sensitive"),
		Language: q.Get("language"), Visibility: string(vis), IdempotencyKey: r.Header.Get("Idempotency-Key")}
	if in.ContentMap, err = contentMapParam(q); err != nil {
		return err
	}
	if in.Poll, err = pollParam(q); err != nil {
		return err
	}
	in.QuotePolicy = q.Get("quote_approval_policy")
	if in.ReplyPolicy, err = replyPolicyParam(q); err != nil {
		return err
	}
	ctx := r.Context()
	if in.Quote, err = h.statusParam(ctx, q, "quoted_status_id", viewer); err != nil {
		return err
	}
	// What the app does not say, the account's posting defaults do (update_credentials'
	// source[privacy] and [sensitive]), as on Mastodon; the outbox applies source[language]
	// after a reply's parent's language, as it does for every way of posting.
	defaults, err := h.Read.PostingDefaults(ctx, viewer.ID)
	if err != nil {
		return err
	}
	if q.Get("visibility") == "" && defaults.Privacy != "" {
		in.Visibility = string(defaults.Privacy)
	}
	if !q.Has("sensitive") {
		in.Sensitive = defaults.Sensitive
	}
	if in.InReplyTo, err = h.statusParam(ctx, q, "in_reply_to_id", viewer); err != nil {
		return err
	}
	ids, err := listParam(q, "media_ids", media.MaxAttachments)
	if err != nil {
		return err
	}
	for _, id := range ids {
		// Described as uploaded: attaching writes the description the row has.
		m, err := h.Outbox.Upload(ctx, viewer, reader.ParseID(id))
		if err != nil {
			return storage.Wrap(storage.Invalid, err, fmt.Sprintf("media_ids: no media %q of yours", id))
		}
		in.Media = append(in.Media, *m)
	}
	n, _, err := h.Outbox.PostNote(ctx, viewer, in)
	if err != nil {
		return err
	}
	return h.answerStatus(w, r, viewer, n.ID)
}

// statusParam is the URI of the status whose id the parameter name gives, which viewer may
// read; "" when it is not given.
func (h *Handler) statusParam(ctx context.Context, q url.Values, name string, viewer *storage.Actor) (string, error) {
	id := q.Get(name)
	if id == "" {
		return "", nil
	}
	row, good := noteRow(id)
	if !good {
		return "", storage.Errorf(storage.Invalid, "%s: no such status", name)
	}
	n, err := h.Read.NoteByID(ctx, reader.Local(viewer), row)
	if err != nil {
		return "", storage.Wrap(storage.Invalid, err, name+": no such status")
	}
	return n.URI, nil
}

// answerStatus answers the Status of note id as viewer sees it now.
func (h *Handler) answerStatus(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, id int64) error {
	n, err := h.Read.NoteByID(r.Context(), reader.Local(viewer), id)
	if err != nil {
		return err
	}
	return h.answerNote(w, r, viewer, n)
}

// answerNote answers the Status of n, which viewer may read.
func (h *Handler) answerNote(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, n *storage.Note) error {
	list, err := h.render(r.Context(), viewer).statuses([]*storage.Note{n})
	if err != nil {
		return err
	}
	return ok(w, list[0])
}

// deleteStatus deletes one of the viewer's posts and answers it as it was, with its source
// text, so that an app can offer to redraft it.
func (h *Handler) deleteStatus(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.statusOf(r, viewer)
	if err != nil {
		return err
	}
	list, err := h.render(r.Context(), viewer).statuses([]*storage.Note{n})
	if err != nil {
		return err
	}
	s := list[0]
	s.Text = &n.Source
	if err := h.Outbox.DeleteNote(r.Context(), viewer, n.URI); err != nil {
		if storage.KindOf(err) == storage.Forbidden {
			// As Mastodon: another account's post is not found, rather than not allowed.
			return storage.Wrap(storage.NotFound, err, "no such status")
		}
		return err
	}
	return ok(w, s)
}

func (h *Handler) favourite(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.react(w, r, viewer, storage.Like, true)
}

func (h *Handler) unfavourite(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.react(w, r, viewer, storage.Like, false)
}

func (h *Handler) reblog(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.react(w, r, viewer, storage.Announce, true)
}

func (h *Handler) unreblog(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.react(w, r, viewer, storage.Announce, false)
}

// react likes or boosts a status the viewer may read (on), or takes that back, and answers
// it with the viewer's state; a boost answers the status that wraps it. Both are
// idempotent, as Mastodon's: doing either twice changes nothing, and taking back what was
// never done succeeds.
func (h *Handler) react(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, kind storage.ReactionKind, on bool) error {
	ctx := r.Context()
	n, err := h.statusOf(r, viewer)
	if err != nil {
		return err
	}
	if !on {
		if err := h.Outbox.Unreact(ctx, viewer, kind, n.URI); err != nil && storage.KindOf(err) != storage.NotFound {
			return err
		}
		return h.answerStatus(w, r, viewer, n.ID)
	}
	reaction, err := h.Outbox.React(ctx, viewer, kind, n.URI)
	if err != nil {
		return err
	}
	if n, err = h.Read.NoteByID(ctx, reader.Local(viewer), n.ID); err != nil { // with the new counts
		return err
	}
	if kind != storage.Announce {
		return h.answerNote(w, r, viewer, n)
	}
	list, err := h.render(ctx, viewer).feed([]storage.FeedItem{{Note: n, Booster: viewer, Boost: reaction, Created: reaction.Created}})
	if err != nil {
		return err
	}
	return ok(w, list[0])
}

func (h *Handler) favouritedBy(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.reactors(w, r, viewer, storage.Like)
}

func (h *Handler) rebloggedBy(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.reactors(w, r, viewer, storage.Announce)
}

// reactors answers a page of the accounts that reacted to a status with kind, paged by
// their reactions: max_id and min_id are the reactions' ids the Link header gives.
func (h *Handler) reactors(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, kind storage.ReactionKind) error {
	row, good := noteRow(mux.Vars(r)["id"])
	if !good {
		return storage.Errorf(storage.NotFound, "no such status")
	}
	return h.accountPage(w, r, viewer, func(p storage.Page) ([]*storage.Actor, []int64, error) {
		return h.Read.Reactors(r.Context(), reader.Local(viewer), row, kind, p)
	})
}

// uploadBytes bounds an upload request: the largest file of any kind and a description with
// room to spare. Each kind's own limit is outbox.SaveUpload's to enforce.
const uploadBytes = max(media.MaxUploadBytes, media.MaxVideoBytes, media.MaxAudioBytes) + 64<<10

// upload stores an image, video or audio file (the multipart field file) through the path
// every upload takes, which sniffs it and makes it safe. Nothing is processed after the
// answer (images are re-encoded at once, video and audio kept as uploaded), so it is 200
// with the URLs, not Mastodon's 202 for media still processing.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, uploadBytes)
	if err != nil {
		return err
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return storage.Errorf(storage.Invalid, "file is missing")
	}
	f, err := r.MultipartForm.File["file"][0].Open()
	if err != nil {
		return storage.Wrap(storage.Invalid, err, "the upload could not be read")
	}
	defer f.Close()
	m, err := h.Outbox.SaveUpload(r.Context(), h.DataDir, viewer, f, q.Get("description"))
	if err != nil {
		return err
	}
	return ok(w, mediaOf(h.URIs, *m))
}

// pathID reads the id of the path of a notification, media or such (what): one that is
// not an id is NotFound, as an unknown one is.
func pathID(r *http.Request, what string) (int64, error) {
	id, good := plainRow(mux.Vars(r)["id"])
	if !good {
		return 0, storage.Errorf(storage.NotFound, "no such %s", what)
	}
	return id, nil
}

func (h *Handler) media(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "media")
	if err != nil {
		return err
	}
	m, err := h.Outbox.Upload(r.Context(), viewer, id)
	if err != nil {
		return err
	}
	return ok(w, mediaOf(h.URIs, *m))
}

func (h *Handler) describeMedia(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "media")
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	m, err := h.Outbox.DescribeUpload(r.Context(), viewer, id, q.Get("description"))
	if err != nil {
		return err
	}
	return ok(w, mediaOf(h.URIs, *m))
}

// contentMapKey is one translation of a post in the client API's extension:
// content_map[LANG]=TEXT in a form, or "content_map": {"LANG": "TEXT"} in JSON.
var contentMapKey = regexp.MustCompile(`^content_map\[([^\[\]]*)\]$`)

// contentMapParam reads a post's translations, which Mastodon's API has no parameter for:
// Refuge's extension content_map, language → plain text, like status. Nil when the request
// names none; empty, not nil, for content_map given empty, which an edit reads as "remove
// the translations" (an edit without it keeps them).
func contentMapParam(q url.Values) (map[string]string, error) {
	var m map[string]string
	if q.Has("content_map") {
		if q.Get("content_map") != "" {
			return nil, storage.Errorf(storage.Invalid, "content_map must be an object of language → text, as content_map[LANG]=TEXT")
		}
		m = map[string]string{}
	}
	for k, v := range q {
		sub := contentMapKey.FindStringSubmatch(k)
		if sub == nil || len(v) == 0 {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		m[sub[1]] = v[0]
	}
	return m, nil
}
