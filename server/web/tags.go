package web

import (
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"refuge/storage"
	"refuge/templates"
)

// followedTagsPerPage is how many followed hashtags the settings page lists at once.
const followedTagsPerPage = 100

// followedTagsPage lists the hashtags the viewer follows, each with an Unfollow button.
func (h *Handler) followedTagsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := listPage(r)
	if err != nil {
		return err
	}
	p.Limit = followedTagsPerPage
	tags, err := h.Read.FollowedTags(r.Context(), viewer.ID, p)
	if err != nil {
		return err
	}
	data := &templates.FollowedTagsData{Tags: tags}
	if len(tags) > 0 {
		data.Next, data.Prev = pageLinks(r, len(tags), tags[0].ID, tags[len(tags)-1].ID, followedTagsPerPage)
	}
	return h.render(w, r, http.StatusOK, "followed_tags", h.page(r, "Followed tags", data))
}

// tagFollowAction follows or unfollows the hashtag of the path, from its page or from the
// followed tags' page (from=settings), and goes back there saying what was done.
func (h *Handler) tagFollowAction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	vars := mux.Vars(r)
	act, notice := h.Outbox.FollowTag, "tag-followed"
	if vars["action"] == "unfollow" {
		act, notice = h.Outbox.UnfollowTag, "tag-unfollowed"
	}
	name, err := act(r.Context(), viewer, vars["tag"])
	if err != nil {
		return err
	}
	back := "/tags/" + url.PathEscape(name)
	if r.PostFormValue("from") == "settings" {
		back = "/settings/tags"
	}
	h.flash(w, notice)
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
