package main

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"refuge/storage"
	"refuge/templates"
)

var (
	errNotFound = storage.Errorf(storage.NotFound, "page not found")
	errMethod   = storage.Errorf(storage.Invalid, "method not allowed here")
)

// maxAncestors bounds how far up a reply chain a thread page walks (and fetches).
const maxAncestors = 20

// page builds the data every page shares: the viewer, CSRF token and instance name.
func (a *App) page(r *http.Request, title string, body any) *templates.Page {
	p := &templates.Page{Title: title, Instance: a.cfg.Domain, Body: body}
	if viewer, sess := a.session(r); viewer != nil {
		p.Viewer, p.CSRF = viewer, sess.CSRF
		if n, err := a.db.CountUnreadNotifications(r.Context(), viewer.ID); err == nil {
			p.Unread = n
		}
	}
	return p
}

// render writes a page, marking which of its notes the viewer liked, boosted or pinned, and
// showing the notice a form left for it. Pages of a signed-in account are never cached.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, name string, p *templates.Page, notes ...*storage.Note) error {
	if p.Viewer != nil && len(notes) > 0 {
		ids := make([]int64, 0, len(notes))
		for _, n := range notes {
			if n != nil {
				ids = append(ids, n.ID)
			}
		}
		var err error
		if p.Liked, p.Boosted, p.Pinned, err = a.db.ViewerState(r.Context(), p.Viewer.ID, ids); err != nil {
			return err
		}
	}
	if p.Notice == "" {
		p.Notice = a.takeNotice(w, r)
	}
	var buf strings.Builder
	if err := a.pages.Render(&buf, name, p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "Accept, Cookie")
	if p.Viewer != nil {
		w.Header().Set("Cache-Control", "private, no-cache")
	}
	w.WriteHeader(status)
	_, err := w.Write([]byte(buf.String()))
	return err
}

// pageLinks makes the older/newer links of a list page from its first and last row ids.
func pageLinks(r *http.Request, n int, first, last int64, limit int) (next, prev string) {
	base := r.URL.Path + "?"
	if n == limit {
		next = base + "max_id=" + strconv.FormatInt(last, 10)
	}
	if r.URL.Query().Get("max_id") != "" || r.URL.Query().Get("min_id") != "" {
		prev = base + "min_id=" + strconv.FormatInt(first, 10)
	}
	return next, prev
}

const perPage = 20

func listPage(r *http.Request) (storage.Page, error) {
	_, p, err := pageOf(r)
	p.Limit = perPage
	return p, err
}

func noteBounds(notes []*storage.Note) (first, last int64) {
	if len(notes) == 0 {
		return 0, 0
	}
	return notes[0].ID, notes[len(notes)-1].ID
}

// frontPage is the instance's front page: what it is and its local public timeline. A
// signed-in account sees its home timeline instead.
func (a *App) frontPage(w http.ResponseWriter, r *http.Request) error {
	if viewer, _ := a.session(r); viewer != nil && r.URL.RawQuery == "" {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return nil
	}
	p, err := listPage(r)
	if err != nil {
		return err
	}
	notes, err := a.db.ListLocalPublic(r.Context(), p)
	if err != nil {
		return err
	}
	data := &templates.HomeData{Notes: notes}
	first, last := noteBounds(notes)
	data.Next, data.Prev = pageLinks(r, len(notes), first, last, perPage)
	pg := a.page(r, "", data)
	pg.Canonical = a.cfg.Base() + "/"
	return a.render(w, r, http.StatusOK, "home", pg, notes...)
}

// profilePage shows a local account: profile, pinned and recent posts, follow buttons.
func (a *App) profilePage(w http.ResponseWriter, r *http.Request) error {
	actor, err := a.localActor(r)
	if err != nil {
		return err
	}
	if actor.Type != "Person" {
		return errNotFound
	}
	pg := a.page(r, actor.Name, nil)
	var viewerID int64
	if pg.Viewer != nil {
		viewerID = pg.Viewer.ID
	}
	p, err := listPage(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	notes, err := a.db.ListActorNotes(ctx, actor.ID, viewerID, p)
	if err != nil {
		return err
	}
	var pinned []*storage.Note
	if p.Before == 0 && p.After == 0 {
		if pinned, err = a.db.ListPinned(ctx, actor.ID, viewerID); err != nil {
			return err
		}
	}
	followers, following, err := a.db.CountFollows(ctx, actor.ID)
	if err != nil {
		return err
	}
	posts, err := a.db.CountActorNotes(ctx, actor.ID, viewerID)
	if err != nil {
		return err
	}
	data := &templates.ProfileData{Actor: actor, Followers: followers, Following: following, Posts: posts,
		FollowersURL: actor.FollowersURI, FollowingURL: actor.FollowingURI, Fields: actor.Fields,
		Pinned: pinned, Notes: notes, Relationship: a.relationship(r, pg.Viewer, actor)}
	first, last := noteBounds(notes)
	data.Next, data.Prev = pageLinks(r, len(notes), first, last, perPage)
	if pg.Title == "" {
		pg.Title = "@" + actor.Username
	}
	pg.Body = data
	pg.Canonical, pg.ActivityJSON = actor.URL, actor.URI
	pg.Feeds = []templates.Feed{
		{Title: "RSS", Type: "application/rss+xml", URL: actor.URL + ".rss"},
		{Title: "Atom", Type: "application/atom+xml", URL: actor.URL + ".atom"},
	}
	return a.render(w, r, http.StatusOK, "profile", pg, append(notes, pinned...)...)
}

// relationship tells how the signed-in viewer and another account stand.
func (a *App) relationship(r *http.Request, v, other *storage.Actor) templates.Relationship {
	var rel templates.Relationship
	if v == nil || other == nil || v.ID == other.ID {
		return rel
	}
	if f, err := a.db.GetFollow(r.Context(), v.ID, other.ID); err == nil {
		rel.Following, rel.Requested = f.Accepted, !f.Accepted
	}
	if f, err := a.db.GetFollow(r.Context(), other.ID, v.ID); err == nil {
		rel.FollowsYou = f.Accepted
	}
	return rel
}

// notePage shows a local note with its thread: ancestors (fetched from their origins when
// missing, at most maxAncestors up) and the replies stored here.
func (a *App) notePage(w http.ResponseWriter, r *http.Request) error {
	n, err := a.visibleNote(r)
	if storage.KindOf(err) == storage.Gone {
		return storage.Errorf(storage.Gone, "this post was deleted")
	}
	if err != nil {
		return err
	}
	return a.threadPage(w, r, n)
}

func (a *App) threadPage(w http.ResponseWriter, r *http.Request, n *storage.Note) error {
	pg := a.page(r, "", nil)
	var viewerID int64
	if pg.Viewer != nil {
		viewerID = pg.Viewer.ID
	}
	ctx := r.Context()
	var ancestors []*storage.Note
	for parent, i := n.InReplyToURI, 0; parent != "" && i < maxAncestors; i++ {
		p, err := a.remote.Note(ctx, parent)
		if err != nil {
			break // an unreachable ancestor ends the walk; the thread shows what it has
		}
		if ok, _ := a.db.CanSee(ctx, p.ID, viewerID); !ok {
			break
		}
		ancestors = append([]*storage.Note{p}, ancestors...)
		parent = p.InReplyToURI
	}
	replies, err := a.descendants(ctx, n.URI, viewerID)
	if err != nil {
		return err
	}
	pg.Title = n.Author.Name
	if pg.Title == "" {
		pg.Title = "@" + n.Author.Username
	}
	pg.Body = &templates.NoteData{Ancestors: ancestors, Note: n, Replies: replies}
	pg.Canonical, pg.ActivityJSON = n.URL, n.URI
	all := append(append([]*storage.Note{n}, ancestors...), replies...)
	return a.render(w, r, http.StatusOK, "note", pg, all...)
}

// Bounds on the replies a thread page shows: how many, and how deep it looks for them.
const (
	maxDescendants = 60
	maxReplyDepth  = 8
)

// descendants lists the replies to uri that viewer may see, and the replies to those, in
// conversation order: each reply followed by its own answers.
func (a *App) descendants(ctx context.Context, uri string, viewerID int64) ([]*storage.Note, error) {
	var out []*storage.Note
	var walk func(uri string, depth int) error
	walk = func(uri string, depth int) error {
		replies, err := a.db.ListReplies(ctx, uri, viewerID)
		if err != nil {
			return err
		}
		for _, r := range replies {
			if len(out) == maxDescendants {
				return nil
			}
			out = append(out, r)
			if depth < maxReplyDepth {
				if err := walk(r.URI, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(uri, 1)
}

// tagPage lists public posts with a hashtag, local and remote.
func (a *App) tagPage(w http.ResponseWriter, r *http.Request) error {
	tag := strings.ToLower(mux.Vars(r)["tag"])
	if tag == "" || len(tag) > 100 {
		return storage.Errorf(storage.Invalid, "bad tag")
	}
	p, err := listPage(r)
	if err != nil {
		return err
	}
	notes, err := a.db.ListTagged(r.Context(), tag, p)
	if err != nil {
		return err
	}
	data := &templates.TagData{Tag: tag, Notes: notes}
	first, last := noteBounds(notes)
	data.Next, data.Prev = pageLinks(r, len(notes), first, last, perPage)
	pg := a.page(r, "#"+tag, data)
	feed := a.cfg.Base() + "/tags/" + url.PathEscape(tag)
	pg.Canonical = feed
	pg.Feeds = []templates.Feed{
		{Title: "RSS", Type: "application/rss+xml", URL: feed + ".rss"},
		{Title: "Atom", Type: "application/atom+xml", URL: feed + ".atom"},
	}
	return a.render(w, r, http.StatusOK, "tag", pg, notes...)
}

// followsPage lists an account's followers or the accounts it follows.
func (a *App) followsPage(followers bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		actor, err := a.localActor(r)
		if err != nil {
			return err
		}
		_, p, err := pageOf(r)
		if err != nil {
			return err
		}
		p.Limit = 40
		var actors []*storage.Actor
		var cursors []int64
		title := "Following"
		if followers {
			title = "Followers"
			actors, cursors, err = a.db.ListFollowers(r.Context(), actor.ID, false, p)
		} else {
			actors, cursors, err = a.db.ListFollowing(r.Context(), actor.ID, p)
		}
		if err != nil {
			return err
		}
		data := &templates.FollowsData{Actor: actor, Title: title, Actors: actors}
		if len(cursors) > 0 {
			data.Next, data.Prev = pageLinks(r, len(cursors), cursors[0], cursors[len(cursors)-1], 40)
		}
		return a.render(w, r, http.StatusOK, "follows", a.page(r, title, data))
	}
}
