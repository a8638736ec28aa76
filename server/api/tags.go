package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/storage"
)

// Followed tags pages, as Mastodon's: 100 a page unless asked, at most 200.
const (
	followedTagsLimit = 100
	followedTagsMax   = 200
)

// tag is GET /api/v1/tags/:name: the Tag entity, with following for a signed-in viewer. A
// name that can be no hashtag is not found, as Mastodon answers.
func (h *Handler) tag(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	name, err := outbox.TagName(mux.Vars(r)["name"])
	if err != nil {
		return storage.Errorf(storage.NotFound, "Record not found: %v", err)
	}
	return h.answerTag(w, r, viewer, name, nil)
}

// followTag is POST /api/v1/tags/:name/follow: the viewer follows the hashtag (again
// changes nothing) and gets the Tag, following true.
func (h *Handler) followTag(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	name, err := h.Outbox.FollowTag(r.Context(), viewer, mux.Vars(r)["name"])
	return h.answerTag(w, r, viewer, name, err)
}

// unfollowTag is POST /api/v1/tags/:name/unfollow: the follow ends, if there was one, and
// the Tag comes back with following false.
func (h *Handler) unfollowTag(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	name, err := h.Outbox.UnfollowTag(r.Context(), viewer, mux.Vars(r)["name"])
	return h.answerTag(w, r, viewer, name, err)
}

// answerTag answers with the Tag entity of name as the viewer sees it, unless the action
// before it failed (err).
func (h *Handler) answerTag(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, name string, err error) error {
	if err != nil {
		return err
	}
	tag, err := h.render(r.Context(), viewer).hashtag(name)
	if err != nil {
		return err
	}
	return ok(w, tag)
}

// followedTags is GET /api/v1/followed_tags: the hashtags the viewer follows, newest follow
// first, paged by the follows' ids in Link headers.
func (h *Handler) followedTags(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := pagingOf(r, followedTagsLimit, followedTagsMax, plainRow)
	if err != nil {
		return err
	}
	tags, err := h.Read.FollowedTags(r.Context(), viewer.ID, p.page)
	if err != nil {
		return err
	}
	rn := h.render(r.Context(), viewer)
	out := []*Hashtag{}
	var newest, oldest string
	for _, t := range tags {
		if p.since != "" && !newer(rowID(t.ID), p.since) {
			break
		}
		tag, err := rn.hashtag(t.Name)
		if err != nil {
			return err
		}
		tag.Following = ptr(true)
		out = append(out, tag)
		if newest == "" {
			newest = rowID(t.ID)
		}
		oldest = rowID(t.ID)
	}
	link(w, r, h.URIs.Base(), newest, oldest)
	return ok(w, out)
}
