package api

import (
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"refuge/outbox"
	"refuge/reader"
	"refuge/storage"
)

// The endpoints of one account's relationships with others (follow, block, mute, follow
// requests), of its followers and followings, and of its own profile. Each action is
// outbox's, shared with the web pages; each answers the Relationship as it stands after.

// answerRelationship answers how the viewer stands with a now.
func (h *Handler) answerRelationship(w http.ResponseWriter, r *http.Request, viewer, a *storage.Actor) error {
	return ok(w, h.render(r.Context(), viewer).relationship(a))
}

// maxFollowLanguages bounds the languages a follow may name.
const maxFollowLanguages = 100

// follow follows the account, or asks to: a locked or remote account answers later, and
// until then the answer says requested. reblogs (whether its boosts reach the home
// timeline) is kept, and changed by following again; notify and languages are read and
// checked but not kept: a follow notifies of no post and takes every language.
func (h *Handler) follow(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	a, err := h.actorOf(r)
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	if _, err := listParam(q, "languages", maxFollowLanguages); err != nil {
		return err
	}
	var opt outbox.FollowOptions
	if q.Has("reblogs") {
		opt.Reblogs = ptr(boolParam(q, "reblogs"))
	}
	if _, err := h.Outbox.FollowWith(r.Context(), viewer, a.URI, opt); err != nil {
		return err
	}
	return h.answerRelationship(w, r, viewer, a)
}

// unfollow stops following the account, or withdraws the request; not following it
// already is no error, as on Mastodon.
func (h *Handler) unfollow(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.relate(w, r, viewer, h.Outbox.Unfollow)
}

func (h *Handler) block(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.relate(w, r, viewer, func(ctx context.Context, viewer *storage.Actor, uri string) error {
		_, err := h.Outbox.Block(ctx, viewer, uri)
		return err
	})
}

func (h *Handler) unblock(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.relate(w, r, viewer, h.Outbox.Unblock)
}

func (h *Handler) unmute(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.relate(w, r, viewer, h.Outbox.Unmute)
}

// relate does act to the account of the path and answers the relationship; undoing what
// was not done (NotFound) changes nothing and succeeds, as on Mastodon.
func (h *Handler) relate(w http.ResponseWriter, r *http.Request, viewer *storage.Actor,
	act func(ctx context.Context, viewer *storage.Actor, uri string) error) error {
	a, err := h.actorOf(r)
	if err != nil {
		return err
	}
	if err := act(r.Context(), viewer, a.URI); err != nil && storage.KindOf(err) != storage.NotFound {
		return err
	}
	return h.answerRelationship(w, r, viewer, a)
}

// maxMuteSeconds bounds a mute's duration: ten years, far beyond any client's choices.
const maxMuteSeconds = 10 * 365 * 24 * 3600

// mute mutes the account: with its notifications unless notifications is false, for
// duration seconds (0 or none: until unmuted).
func (h *Handler) mute(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	a, err := h.actorOf(r)
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	notifications := q.Get("notifications") == "" || boolParam(q, "notifications")
	var seconds int
	if s := q.Get("duration"); s != "" {
		if seconds, err = strconv.Atoi(s); err != nil || seconds < 0 || seconds > maxMuteSeconds {
			return storage.Errorf(storage.Invalid, "duration must be a number of seconds, 0 for no end")
		}
	}
	if _, err := h.Outbox.Mute(r.Context(), viewer, a.URI, notifications, time.Duration(seconds)*time.Second); err != nil {
		return err
	}
	return h.answerRelationship(w, r, viewer, a)
}

func (h *Handler) followers(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.network(w, r, viewer, true)
}

func (h *Handler) following(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.network(w, r, viewer, false)
}

// network answers a page of the followers of the account (or of the accounts it
// follows), paged by the follows.
func (h *Handler) network(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, followers bool) error {
	a, err := h.actorOf(r)
	if err != nil {
		return err
	}
	return h.accountPage(w, r, viewer, func(p storage.Page) ([]*storage.Actor, []int64, error) {
		return h.Read.Network(r.Context(), reader.Local(viewer), a.ID, followers, p)
	})
}

func (h *Handler) blocks(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.accountPage(w, r, viewer, func(p storage.Page) ([]*storage.Actor, []int64, error) {
		return h.Read.Blocks(r.Context(), viewer.ID, p)
	})
}

func (h *Handler) mutes(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.accountPage(w, r, viewer, func(p storage.Page) ([]*storage.Actor, []int64, error) {
		return h.Read.Mutes(r.Context(), viewer.ID, p)
	})
}

func (h *Handler) followRequests(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.accountPage(w, r, viewer, func(p storage.Page) ([]*storage.Actor, []int64, error) {
		return h.Read.Follows(r.Context(), viewer.ID, true, true, p)
	})
}

// accountPage answers a page of accounts that list reads, paged by the rows it returns as
// cursors (a follow, block, mute or reaction): max_id and min_id are those the Link header
// gives.
func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor,
	list func(p storage.Page) ([]*storage.Actor, []int64, error)) error {
	p, err := pagingOf(r, accountsLimit, accountsMax, plainRow)
	if err != nil {
		return err
	}
	actors, cursors, err := list(p.page)
	if err != nil {
		return err
	}
	rn := h.render(r.Context(), viewer)
	out := []*Account{}
	for i, a := range actors {
		if p.since != "" && !newer(rowID(cursors[i]), p.since) {
			break
		}
		acc, err := rn.account(a)
		if err != nil {
			return err
		}
		out = append(out, acc)
	}
	if len(out) > 0 {
		link(w, r, h.URIs.Base(), rowID(cursors[0]), rowID(cursors[len(out)-1]))
	}
	return ok(w, out)
}

func (h *Handler) authorizeFollow(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.answerFollowRequest(w, r, viewer, true)
}

func (h *Handler) rejectFollow(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.answerFollowRequest(w, r, viewer, false)
}

// answerFollowRequest accepts or rejects the follow request of the account of the path;
// NotFound when it asked nothing or was answered already.
func (h *Handler) answerFollowRequest(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, accept bool) error {
	a, err := h.actorOf(r)
	if err != nil {
		return err
	}
	if !h.Read.Relationship(r.Context(), viewer, a).RequestsYou {
		return storage.Errorf(storage.NotFound, "no follow request of this account waits for an answer")
	}
	if _, err := h.Outbox.AnswerFollowRequest(r.Context(), viewer, a.URI, accept); err != nil {
		return err
	}
	return h.answerRelationship(w, r, viewer, a)
}

// credentialAccount is the account of its owner, with its source: what it typed and the
// settings it posts with.
func (h *Handler) credentialAccount(ctx context.Context, account *storage.Actor) (*Account, error) {
	acc, err := h.render(ctx, account).account(account)
	if err != nil {
		return nil, err
	}
	requests, _, err := h.Read.Follows(ctx, account.ID, true, true, storage.Page{Limit: 100})
	if err != nil {
		return nil, err
	}
	defaults, err := h.Read.PostingDefaults(ctx, account.ID)
	if err != nil {
		return nil, err
	}
	typed := outbox.ProfileOf(account)
	src := &Source{Note: typed.Summary, Fields: []Field{}, Privacy: visibilityOf(defaults.Privacy),
		Sensitive: defaults.Sensitive, Language: defaults.Language, FollowRequestsCount: len(requests),
		AlsoKnownAs: account.AlsoKnownAs, Indexable: account.Indexable}
	if src.Privacy == "" {
		src.Privacy = "public"
	}
	for _, f := range typed.Fields {
		src.Fields = append(src.Fields, Field{Name: f.Name, Value: f.Value})
	}
	withSource := *acc
	withSource.Source = src
	return &withSource, nil
}

// profileImagesBytes bounds an update of the profile: an avatar and a header, with the rest.
const profileImagesBytes = 2*uploadBytes + maxParamsBytes

// fieldAttribute is one parameter of a profile field: fields_attributes[N][name or value].
var fieldAttribute = regexp.MustCompile(`^fields_attributes\[(\d+)\]\[(name|value)\]$`)

// updateCredentials changes the viewer's profile with the parameters sent (those not sent
// stay as they are), as the web profile form does, and answers the account with its
// source. Images are checked and stored as every upload is; nothing is kept of a request
// refused.
func (h *Handler) updateCredentials(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	ctx := r.Context()
	q, err := params(w, r, profileImagesBytes)
	if err != nil {
		return err
	}
	in, err := h.profileInput(ctx, viewer, q)
	if err != nil {
		return err
	}
	updated, err := h.Outbox.UpdateProfileImages(ctx, h.DataDir, viewer, in, imageFile(r, "avatar"), imageFile(r, "header"))
	if err != nil {
		return err
	}
	acc, err := h.credentialAccount(ctx, updated)
	if err != nil {
		return err
	}
	return ok(w, acc)
}

// removeProfileImage is DELETE /api/v1/profile/avatar and /header (Mastodon 4.2): the
// picture is taken away, and the answer is the account, as update_credentials gives it.
// Without a picture to remove, it succeeds all the same.
func (h *Handler) removeProfileImage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	in := outbox.ProfileOf(viewer)
	if strings.HasSuffix(r.URL.Path, "/avatar") {
		in.RemoveIcon = true
	} else {
		in.RemoveImage = true
	}
	updated, err := h.Outbox.UpdateProfile(r.Context(), viewer, in)
	if err != nil {
		return err
	}
	acc, err := h.credentialAccount(r.Context(), updated)
	if err != nil {
		return err
	}
	return ok(w, acc)
}

// imageFile is the file of a multipart field, nil when none was sent.
func imageFile(r *http.Request, name string) *multipart.FileHeader {
	if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
		return nil
	}
	return r.MultipartForm.File[name][0]
}

// profileInput is the viewer's profile with the parameters of update_credentials applied.
func (h *Handler) profileInput(ctx context.Context, viewer *storage.Actor, q url.Values) (outbox.ProfileInput, error) {
	in := outbox.ProfileOf(viewer)
	if v, sent := q["display_name"]; sent {
		in.Name = strings.TrimSpace(v[0])
	}
	if v, sent := q["note"]; sent {
		in.Summary = v[0]
	}
	if _, sent := q["locked"]; sent {
		in.Locked = boolParam(q, "locked")
	}
	for name, dst := range map[string]**bool{"bot": &in.Bot, "discoverable": &in.Discoverable, "indexable": &in.Indexable} {
		if _, sent := q[name]; sent {
			*dst = ptr(boolParam(q, name))
		}
	}
	fields, sent, err := fieldsOf(q)
	if err != nil {
		return in, err
	}
	if sent {
		in.Fields = fields
	}
	if !slices.ContainsFunc([]string{"source[privacy]", "source[sensitive]", "source[language]"}, q.Has) {
		return in, nil
	}
	d, err := h.Read.PostingDefaults(ctx, viewer.ID)
	if err != nil {
		return in, err
	}
	if q.Has("source[privacy]") {
		vis, known := visibilities[q.Get("source[privacy]")]
		if !known || q.Get("source[privacy]") == "" {
			return in, storage.Errorf(storage.Invalid, "source[privacy] must be public, unlisted, private or direct")
		}
		d.Privacy = vis
	}
	if q.Has("source[sensitive]") {
		d.Sensitive = boolParam(q, "source[sensitive]")
	}
	if q.Has("source[language]") {
		d.Language = q.Get("source[language]")
	}
	in.Defaults = &d
	return in, nil
}

// maxFieldIndex bounds the index of fields_attributes: a profile has at most four fields.
const maxFieldIndex = 16

// fieldsOf reads fields_attributes[N][name] and [value] in the order of N, and reports
// whether any was sent: then they replace every field.
func fieldsOf(q url.Values) ([]storage.Field, bool, error) {
	byIndex := map[int]*storage.Field{}
	for key, vals := range q {
		m := fieldAttribute.FindStringSubmatch(key)
		if m == nil {
			if strings.HasPrefix(key, "fields_attributes") {
				return nil, true, storage.Errorf(storage.Invalid, "%s: profile fields are fields_attributes[N][name] and [value]", key)
			}
			continue
		}
		i, err := strconv.Atoi(m[1])
		if err != nil || i > maxFieldIndex {
			return nil, true, storage.Errorf(storage.Invalid, "fields_attributes: at most %d fields", maxFieldIndex)
		}
		if byIndex[i] == nil {
			byIndex[i] = &storage.Field{}
		}
		if m[2] == "name" {
			byIndex[i].Name = vals[0]
		} else {
			byIndex[i].Value = vals[0]
		}
	}
	if len(byIndex) == 0 {
		return nil, false, nil
	}
	var fields []storage.Field
	for i := range maxFieldIndex + 1 {
		if f := byIndex[i]; f != nil {
			fields = append(fields, *f)
		}
	}
	return fields, true, nil
}
