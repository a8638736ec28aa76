package web

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"refuge/storage"
	"refuge/templates"
)

// remoteProfilePage shows another server's account here, at /@user@host: its profile, its
// posts as stored here (asked for from its outbox in the background, never waited for: see
// reader.Profile), and the follow, mute and block forms, so that someone here can follow a
// person found in a post or a search without leaving. An account not stored yet is looked
// up on its server as a search for its handle is; one that cannot be found is a 404 saying
// why.
//
// Visitors who are not signed in are sent (302) to the account's own profile: this server
// does not show other servers' content to anonymous visitors or crawlers, nor does a
// visitor's request make it fetch anything. An account it does not know is a 404 to them.
func (h *Handler) remoteProfilePage(w http.ResponseWriter, r *http.Request) error {
	vars := mux.Vars(r)
	user, host := vars["user"], vars["host"]
	if strings.EqualFold(host, h.Domain) {
		http.Redirect(w, r, h.URIs.Path(h.URIs.Profile(user)), http.StatusFound)
		return nil
	}
	pg := h.page(r, "@"+user+"@"+host, nil)
	ctx := r.Context()
	actor, err := h.Read.RemoteAccount(ctx, viewerOf(pg), user, host)
	switch {
	case err == nil:
	case storage.KindOf(err) == storage.Internal || storage.KindOf(err) == storage.Gone:
		return err
	case pg.Viewer == nil:
		return storage.Errorf(storage.NotFound, "@%s@%s is not known here", user, host)
	default:
		return storage.Wrap(storage.NotFound, err, "@"+user+"@"+host+" could not be found: "+storage.Message(err))
	}
	if pg.Viewer == nil {
		http.Redirect(w, r, templates.OriginalProfile(actor), http.StatusFound)
		return nil
	}
	if actor.Local {
		http.Redirect(w, r, h.URIs.Path(actor.URL), http.StatusFound)
		return nil
	}
	p, err := listPage(r)
	if err != nil {
		return err
	}
	pr, err := h.Read.Profile(ctx, viewerOf(pg), actor, p)
	if err != nil {
		return err
	}
	data := &templates.ProfileData{Actor: actor, Followers: pr.Followers, Following: pr.Following, Posts: pr.Posts,
		Fields: actor.Fields, Pinned: pr.Pinned, Notes: pr.Notes, Relationship: pr.Relationship, Limited: pr.Limited,
		MovedTo: pr.MovedTo}
	first, last := noteBounds(pr.Notes)
	data.Next, data.Prev = pageLinks(r, len(pr.Notes), first, last, perPage)
	if actor.Name != "" {
		pg.Title = actor.Name
	}
	pg.Body = data
	return h.render(w, r, http.StatusOK, "profile", pg, append(pr.Notes, pr.Pinned...)...)
}
