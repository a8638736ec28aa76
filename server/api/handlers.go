package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/outbox/media"
	"refuge/reader"
	"refuge/storage"
)

// mastodonVersion is the Mastodon API version these endpoints follow; clients read the
// version to know what a server offers, so Refuge's own comes after it, as others do.
const mastodonVersion = "4.3.0"

// configuration is the limits a client must respect, from the ones outbox enforces.
func configuration() Configuration {
	return Configuration{
		Accounts: ConfigAccounts{MaxFeaturedTags: 0, MaxPinnedStatuses: 5},
		Statuses: ConfigStatuses{MaxCharacters: outbox.MaxNoteChars, MaxMediaAttachments: media.MaxAttachments,
			CharactersReservedPerURL: 23},
		MediaAttachments: ConfigMedia{SupportedMIMETypes: media.Types(), ImageSizeLimit: media.MaxUploadBytes,
			ImageMatrixLimit: media.MaxImagePixels, VideoSizeLimit: media.MaxVideoBytes,
			VideoFrameRateLimit: media.MaxVideoFrameRate, VideoMatrixLimit: media.MaxVideoPixels},
		Polls: ConfigPolls{MaxOptions: storage.MaxPollOptions, MaxCharactersPerOption: storage.MaxPollOptionChars,
			MinExpiration: int(storage.MinPollDuration.Seconds()), MaxExpiration: int(storage.MaxPollDuration.Seconds())},
	}
}

// streamingURL is where the streaming API answers (apps add /api/v1/streaming): this host,
// over WebSocket.
func (h *Handler) streamingURL() string {
	base := h.URIs.Base()
	if rest, ok := strings.CutPrefix(base, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(base, "http://")
}

func (h *Handler) version() string {
	return mastodonVersion + " (compatible; Refuge " + h.Version + ")"
}

func (h *Handler) instanceV1(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	users, posts, err := h.Read.InstanceCounts(r.Context())
	if err != nil {
		return err
	}
	in, contact, err := h.instance(r.Context(), viewer)
	if err != nil {
		return err
	}
	reg, invites := h.registrations()
	return ok(w, InstanceV1{URI: h.Domain, Title: in.Name, ShortDescription: in.Description, Description: in.Description,
		Email: in.ContactEmail, Version: h.version(),
		URLs: map[string]string{"streaming_api": h.streamingURL()}, Stats: InstanceStats{UserCount: users, StatusCount: posts},
		Languages: []string{}, Configuration: configuration(), ContactAccount: contact, Rules: rulesOf(in.Rules),
		Registrations: reg.Enabled, ApprovalRequired: reg.ApprovalRequired, InvitesEnabled: invites})
}

func (h *Handler) instanceV2(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	users, _, err := h.Read.InstanceCounts(r.Context())
	if err != nil {
		return err
	}
	desc, contact, err := h.instance(r.Context(), viewer)
	if err != nil {
		return err
	}
	in := InstanceV2{Domain: h.Domain, Title: desc.Name, Version: h.version(), SourceURL: "https://github.com/refuge-social/refuge",
		Description: desc.Description, Thumbnail: InstanceThumbnail{URL: h.URIs.Base() + "/static/avatar.svg"}, Languages: []string{},
		Configuration: configuration(), Contact: InstanceContact{Email: desc.ContactEmail, Account: contact},
		Rules: rulesOf(desc.Rules)}
	in.Usage.Users.ActiveMonth = users
	in.Registrations, _ = h.registrations()
	in.Configuration.URLs = map[string]string{"streaming": h.streamingURL()}
	in.Configuration.Translation = &ConfigTranslation{Enabled: h.Translate.Enabled()}
	in.Configuration.VAPID = &ConfigVAPID{PublicKey: h.VAPIDKey}
	return ok(w, in)
}

// instance reads the instance's description and its contact account's entity (nil when
// none is set, or it is gone since).
func (h *Handler) instance(ctx context.Context, viewer *storage.Actor) (*reader.Instance, *Account, error) {
	in, err := h.Read.Instance(ctx)
	if err != nil {
		return nil, nil, err
	}
	if in.ContactAccount == "" {
		return in, nil, nil
	}
	a, err := storage.LiveLocalActor(ctx, h.Read.DB, in.ContactAccount)
	if k := storage.KindOf(err); k == storage.NotFound || k == storage.Gone {
		return in, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	acc, err := h.render(ctx, viewer).account(a)
	return in, acc, err
}

// rulesOf is the rules as the API gives them: never null.
func rulesOf(list []storage.Rule) []Rule {
	out := make([]Rule, 0, len(list))
	for _, r := range list {
		out = append(out, Rule{ID: strconv.FormatInt(r.ID, 10), Text: r.Text, Hint: r.Hint})
	}
	return out
}

// instanceRules answers GET /api/v1/instance/rules.
func (h *Handler) instanceRules(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	in, err := h.Read.Instance(r.Context())
	if err != nil {
		return err
	}
	return ok(w, rulesOf(in.Rules))
}

// ExtendedDescription is Mastodon's ExtendedDescription: the about page's longer text.
type ExtendedDescription struct {
	UpdatedAt *string `json:"updated_at"` // null while never set, as Mastodon
	Content   string  `json:"content"`
}

// extendedDescription answers GET /api/v1/instance/extended_description: the about text,
// plain text made into HTML paragraphs.
func (h *Handler) extendedDescription(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	in, err := h.Read.Instance(r.Context())
	if err != nil {
		return err
	}
	var d ExtendedDescription
	if in.About != "" {
		d.Content, _ = outbox.Format(r.Context(), in.About, h.URIs.Base(), h.Domain, nil)
	}
	if !in.UpdatedAt.IsZero() {
		at := timeOf(in.UpdatedAt)
		d.UpdatedAt = &at
	}
	return ok(w, d)
}

func (h *Handler) verifyCredentials(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	acc, err := h.credentialAccount(r.Context(), viewer)
	if err != nil {
		return err
	}
	return ok(w, acc)
}

// actorOf finds the live account whose id is in the path.
func (h *Handler) actorOf(r *http.Request) (*storage.Actor, error) {
	id, good := plainRow(mux.Vars(r)["id"])
	if !good {
		return nil, storage.Errorf(storage.NotFound, "no such account")
	}
	a, err := h.Read.ActorByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !a.DeletedAt.IsZero() {
		return nil, storage.Errorf(storage.Gone, "account gone")
	}
	return a, nil
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	a, err := h.actorOf(r)
	return h.answerAccount(w, r, viewer, a, err)
}

// answerAccount answers a's entity, or err when a could not be found.
func (h *Handler) answerAccount(w http.ResponseWriter, r *http.Request, viewer, a *storage.Actor, err error) error {
	if err != nil {
		return err
	}
	acc, err := h.render(r.Context(), viewer).account(a)
	if err != nil {
		return err
	}
	return ok(w, acc)
}

func (h *Handler) lookup(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	acct := strings.TrimPrefix(r.URL.Query().Get("acct"), "@")
	if acct == "" || len(acct) > maxParamLength {
		return storage.Errorf(storage.Invalid, "acct is missing or too long")
	}
	user, host, _ := strings.Cut(acct, "@")
	a, err := h.Read.ActorByHandle(r.Context(), user, host)
	return h.answerAccount(w, r, viewer, a, err)
}

func (h *Handler) relationships(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	ids, err := listParam(r.URL.Query(), "id", maxRelationships)
	if err != nil {
		return err
	}
	rn := h.render(r.Context(), viewer)
	out := []Relationship{}
	for _, s := range ids {
		id, good := plainRow(s)
		if !good {
			continue // as Mastodon: an id that names no account gets no entry
		}
		a, err := h.Read.ActorByID(r.Context(), id)
		if err != nil {
			if storage.KindOf(err) == storage.NotFound {
				continue
			}
			return err
		}
		out = append(out, rn.relationship(a))
	}
	return ok(w, out)
}

func (h *Handler) accountStatuses(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	a, err := h.actorOf(r)
	if err != nil {
		return err
	}
	p, err := pagingOf(r, statusesLimit, statusesMax, noteRow)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	// exclude_reblogs needs nothing: an account's statuses here are its own posts, never
	// its boosts.
	p.page.NoReplies, p.page.OnlyMedia = boolParam(q, "exclude_replies"), boolParam(q, "only_media")
	if tag := q.Get("tagged"); tag != "" {
		if p.page.Tag, err = reader.NormalizeTag(tag); err != nil {
			return err
		}
	}
	v := reader.Local(viewer)
	var notes []*storage.Note
	if boolParam(q, "pinned") {
		if p.page.Before == 0 && p.page.After == 0 {
			notes, err = h.Read.Pinned(r.Context(), v, a, p.page)
		}
	} else {
		notes, err = h.Read.ActorNotes(r.Context(), v, a, p.page)
	}
	if err != nil {
		return err
	}
	return h.noteList(w, r, viewer, notes, p.since)
}

// noteList answers a page of notes, newest first, with its Link header.
func (h *Handler) noteList(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, notes []*storage.Note, since string) error {
	list, err := h.render(r.Context(), viewer).statuses(notes)
	if err != nil {
		return err
	}
	list = sinceCut(list, since, func(s *Status) string { return s.ID })
	if len(list) > 0 {
		link(w, r, h.URIs.Base(), list[0].ID, list[len(list)-1].ID)
	}
	// The page is bounded by the notes as stored; the hidden ones are left out only now.
	return ok(w, slices.DeleteFunc(list, func(s *Status) bool { return s.hidden }))
}

// statusOf finds the note whose status id is in the path, when viewer may read it.
func (h *Handler) statusOf(r *http.Request, viewer *storage.Actor) (*storage.Note, error) {
	row, good := noteRow(mux.Vars(r)["id"])
	if !good {
		return nil, storage.Errorf(storage.NotFound, "no such status")
	}
	return h.Read.NoteByID(r.Context(), reader.Local(viewer), row)
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.statusOf(r, viewer)
	if err != nil {
		return err
	}
	if n, err = h.Read.Focus(r.Context(), reader.Local(viewer), n); err != nil {
		return err
	}
	return h.answerNote(w, r, viewer, n)
}

func (h *Handler) context(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.statusOf(r, viewer)
	if err != nil {
		return err
	}
	t, err := h.Read.Thread(r.Context(), reader.Local(viewer), n)
	if err != nil {
		return err
	}
	rn := h.render(r.Context(), viewer)
	var c Context
	if c.Ancestors, err = rn.statuses(t.Ancestors); err != nil {
		return err
	}
	if c.Descendants, err = rn.statuses(t.Replies); err != nil {
		return err
	}
	return ok(w, c)
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.feedTimeline(w, r, viewer, func(p storage.Page) (*reader.HomePage, error) {
		return h.Read.Home(r.Context(), viewer.ID, p)
	})
}

// feedTimeline answers a page of a timeline read from the viewer's home feed by read: the
// home timeline, or a list's.
func (h *Handler) feedTimeline(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, read func(storage.Page) (*reader.HomePage, error)) error {
	// A client pages by the ids of the statuses it shows; the feed pages by its own rows,
	// where each note (or boost) stands.
	var bad bool
	p, err := pagingOf(r, statusesLimit, statusesMax, func(s string) (int64, bool) {
		row, boost, good := parseStatusID(s)
		if !good {
			return 0, false
		}
		pos, err := h.Read.HomePosition(r.Context(), viewer.ID, row, boost)
		bad = bad || err != nil
		return pos, pos > 0 && err == nil
	})
	if err != nil {
		if bad {
			return storage.Errorf(storage.Transient, "could not read the home timeline")
		}
		return err
	}
	hp, err := read(p.page)
	if err != nil {
		return err
	}
	list, err := h.render(r.Context(), viewer).feed(hp.Items)
	if err != nil {
		return err
	}
	list = sinceCut(list, p.since, func(s *Status) string { return s.ID })
	if len(list) > 0 {
		link(w, r, h.URIs.Base(), list[0].ID, list[len(list)-1].ID)
	}
	return ok(w, list)
}

func (h *Handler) public(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := pagingOf(r, statusesLimit, statusesMax, noteRow)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p.page.OnlyMedia = boolParam(q, "only_media")
	notes, err := h.Read.PublicTimeline(r.Context(), reader.Local(viewer), boolParam(q, "local"), boolParam(q, "remote"), p.page)
	if err != nil {
		return err
	}
	return h.noteList(w, r, viewer, notes, p.since)
}

func (h *Handler) tagged(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	tag, err := reader.NormalizeTag(mux.Vars(r)["hashtag"])
	if err != nil {
		return err
	}
	p, err := pagingOf(r, statusesLimit, statusesMax, noteRow)
	if err != nil {
		return err
	}
	p.page.OnlyMedia = boolParam(r.URL.Query(), "only_media")
	notes, err := h.Read.Tagged(r.Context(), reader.Local(viewer), tag, p.page)
	if err != nil {
		return err
	}
	return h.noteList(w, r, viewer, notes, p.since)
}
