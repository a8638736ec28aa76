package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"refuge/federation/uris"
	"refuge/outbox"
	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// page builds the data every page shares: the viewer, CSRF token and instance name.
func (h *Handler) page(r *http.Request, title string, body any) *templates.Page {
	p := &templates.Page{Title: title, Instance: h.Domain, Body: body, Prefer: readingLanguages(r)}
	if in, err := h.Read.Instance(r.Context()); err == nil { // else the domain: a page must not fail for its header
		p.Instance = in.Name
	}
	if viewer, sess := h.Auth.Session(r); viewer != nil {
		p.Viewer, p.CSRF = viewer, maskToken(sess.CSRF) // masked anew for every page: see maskToken
		p.Invites = h.Outbox.MayInvite(viewer)
		if keptForAccount(r) {
			p.CSRF = csrfPlaceholder // masked for each answer as it is given (pagecache.go)
		}
		if n, err := h.Read.Unread(r.Context(), viewer.ID); err == nil {
			p.Unread = n
		}
		if n, err := h.Read.UnreadConversations(r.Context(), viewer); err == nil {
			p.UnreadConversations = n
		}
		p.Translatable = h.translatable(r, viewer)
	}
	return p
}

// viewerOf is the reader's viewer of a page: the signed-in account, or anonymous.
func viewerOf(p *templates.Page) reader.Viewer { return reader.Local(p.Viewer) }

// render writes a page, marking which of its notes the viewer liked, boosted or pinned, with
// their emoji reactions, and
// showing the notice a form left for it. Pages of a signed-in account are never cached.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *templates.Page, notes ...*storage.Note) error {
	st, err := h.Read.ViewerState(r.Context(), p.Viewer, notes)
	if err != nil {
		return err
	}
	p.Liked, p.Boosted, p.Pinned, p.Bookmarked, p.Votes = st.Liked, st.Boosted, st.Pinned, st.Bookmarked, st.Votes
	if p.Reactions, err = h.Read.ReactionGroups(r.Context(), p.Viewer, notes); err != nil {
		return err
	}
	if p.Parents, err = h.Read.ReplyParents(r.Context(), viewerOf(p), notes); err != nil {
		return err
	}
	p.Quotes = map[string]templates.QuotedPost{}
	for uri, q := range h.Read.Quotes(r.Context(), viewerOf(p), notes) {
		p.Quotes[uri] = templates.QuotedPost{State: q.State, Note: q.Note}
	}
	if p.Notice == "" {
		p.Notice = h.takeNotice(w, r)
	}
	var buf bytes.Buffer
	if err := h.Templates.Render(&buf, name, p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "Accept, Accept-Language, Cookie") // Accept-Language: see languages.go
	if p.Viewer != nil && w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "private, no-cache")
	}
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}

// Render writes one of the templates' pages with the site's frame and the signed-in
// account: for the pages of other surfaces (the OAuth approval).
func (h *Handler) Render(w http.ResponseWriter, r *http.Request, status int, name, title string, body any) error {
	return h.render(w, r, status, name, h.page(r, title, body))
}

// ErrorPage shows an error to a browser, with the page's usual frame.
func (h *Handler) ErrorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	body := &templates.ErrorData{Status: status, Message: msg, Back: h.cameFrom(r)}
	if err := h.Templates.Render(w, "error", h.page(r, http.StatusText(status), body)); err != nil {
		h.Log.Warn("render error page", "err", err)
	}
}

// cameFrom is the page of this instance that led to r, from its Referer (sent within the
// instance only: pages ask for same-origin referrers), or "" when there is none or it is r.
func (h *Handler) cameFrom(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != h.Domain || ref.Path == "" || ref.Path[0] != '/' || ref.RequestURI() == r.URL.RequestURI() {
		return ""
	}
	return ref.RequestURI()
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
	_, p, err := httpx.PageOf(r)
	p.Limit = perPage
	return p, err
}

func noteBounds(notes []*storage.Note) (first, last int64) {
	if len(notes) == 0 {
		return 0, 0
	}
	return notes[0].ID, notes[len(notes)-1].ID
}

// trendsShown is how many hashtags the front page lists as trending today and this week.
const trendsShown = 10

// frontPage is the instance's front page: what it is, the trending hashtags and its local
// public timeline. A signed-in account sees its home timeline instead.
func (h *Handler) frontPage(w http.ResponseWriter, r *http.Request) error {
	viewer, _ := h.Auth.Session(r)
	if viewer != nil && r.URL.RawQuery == "" {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return nil
	}
	p, err := listPage(r)
	if err != nil {
		return err
	}
	notes, err := h.Read.LocalTimeline(r.Context(), reader.Local(viewer), p)
	if err != nil {
		return err
	}
	data := &templates.HomeData{Notes: notes, SignUp: h.signUpOpen()}
	if in, err := h.Read.Instance(r.Context()); err == nil {
		data.About = in.Description
	}
	trends, err := h.Read.Trends(r.Context(), time.Now(), trendsShown)
	if err != nil {
		return err
	}
	data.Trends = &templates.Trends{Day: trends.Day, Week: trends.Week}
	first, last := noteBounds(notes)
	data.Next, data.Prev = pageLinks(r, len(notes), first, last, perPage)
	pg := h.page(r, "", data)
	pg.Canonical = h.URIs.Root()
	return h.render(w, r, http.StatusOK, "home", pg, notes...)
}

// localActor finds the live local account named in the route, to show: a suspended one is
// refused (reader.ErrSuspended).
func (h *Handler) localActor(r *http.Request) (*storage.Actor, error) {
	return h.Read.ShownLocalActor(r.Context(), mux.Vars(r)["name"])
}

// ProfilePage shows a local account: profile, pinned and recent posts, follow buttons.
func (h *Handler) ProfilePage(w http.ResponseWriter, r *http.Request) error {
	actor, err := h.localActor(r)
	if err != nil {
		return err
	}
	if actor.Type != "Person" {
		return httpx.ErrNotFound
	}
	pg := h.page(r, actor.Name, nil)
	p, err := listPage(r)
	if err != nil {
		return err
	}
	pr, err := h.Read.Profile(r.Context(), viewerOf(pg), actor, p)
	if err != nil {
		return err
	}
	data := &templates.ProfileData{Actor: actor, Followers: pr.Followers, Following: pr.Following, Posts: pr.Posts,
		FollowersURL: actor.FollowersURI, FollowingURL: actor.FollowingURI, Fields: actor.Fields,
		Pinned: pr.Pinned, Notes: pr.Notes, Relationship: pr.Relationship, Limited: pr.Limited,
		MovedTo: pr.MovedTo}
	first, last := noteBounds(pr.Notes)
	data.Next, data.Prev = pageLinks(r, len(pr.Notes), first, last, perPage)
	if pg.Title == "" {
		pg.Title = "@" + actor.Username
	}
	pg.Body = data
	pg.Canonical, pg.ActivityJSON = actor.URL, actor.URI
	pg.Feeds = []templates.Feed{
		{Title: "RSS", Type: "application/rss+xml", URL: uris.Feed(actor.URL, "rss")},
		{Title: "Atom", Type: "application/atom+xml", URL: uris.Feed(actor.URL, "atom")},
	}
	return h.render(w, r, http.StatusOK, "profile", pg, append(pr.Notes, pr.Pinned...)...)
}

// NotePage shows a local note with its thread: the ancestors and replies stored here (a
// missing ancestor is fetched in the background, never waited for).
func (h *Handler) NotePage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.Auth.Who(r)
	if err != nil {
		return err
	}
	vars := mux.Vars(r)
	n, err := h.Read.AccountNote(r.Context(), v, vars["name"], h.URIs.Note(vars["name"], vars["id"]))
	if err != nil {
		return err
	}
	return h.threadPage(w, r, n)
}

func (h *Handler) threadPage(w http.ResponseWriter, r *http.Request, n *storage.Note) error {
	pg := h.page(r, "", nil)
	t, err := h.Read.Thread(r.Context(), viewerOf(pg), n)
	if err != nil {
		return err
	}
	pg.Title = n.Author.Name
	if pg.Title == "" {
		pg.Title = "@" + n.Author.Username
	}
	pg.Body = &templates.NoteData{Ancestors: t.Ancestors, Note: n, Replies: t.Replies}
	pg.Canonical, pg.ActivityJSON = n.URL, n.URI
	all := append(append([]*storage.Note{n}, t.Ancestors...), t.Replies...)
	return h.render(w, r, http.StatusOK, "note", pg, all...)
}

// tagPage lists public posts with a hashtag, local and remote.
func (h *Handler) tagPage(w http.ResponseWriter, r *http.Request) error {
	tag, err := reader.NormalizeTag(mux.Vars(r)["tag"])
	if err != nil {
		return err
	}
	p, err := listPage(r)
	if err != nil {
		return err
	}
	viewer, _ := h.Auth.Session(r)
	notes, err := h.Read.Tagged(r.Context(), reader.Local(viewer), tag, p)
	if err != nil {
		return err
	}
	data := &templates.TagData{Tag: tag, Notes: notes}
	if _, err := outbox.TagName(tag); err == nil && viewer != nil {
		following, err := h.Read.FollowsTags(r.Context(), reader.Local(viewer), []string{tag})
		if err != nil {
			return err
		}
		data.Followable, data.Following = true, following[tag]
	}
	usage, err := h.Read.TagUsage(r.Context(), tag, time.Now())
	if err != nil {
		return err
	}
	data.Usage = &templates.TagUsage{Uses: usage.Uses, Accounts: usage.Accounts}
	for _, d := range usage.Days {
		data.Usage.Days = append(data.Usage.Days, templates.TagDay{Day: d.Day, Uses: d.Uses, Accounts: d.Accounts})
	}
	first, last := noteBounds(notes)
	data.Next, data.Prev = pageLinks(r, len(notes), first, last, perPage)
	pg := h.page(r, "#"+tag, data)
	page := h.URIs.Tag(url.PathEscape(tag))
	pg.Canonical = page
	pg.Feeds = []templates.Feed{
		{Title: "RSS", Type: "application/rss+xml", URL: uris.Feed(page, "rss")},
		{Title: "Atom", Type: "application/atom+xml", URL: uris.Feed(page, "atom")},
	}
	return h.render(w, r, http.StatusOK, "tag", pg, notes...)
}

// FollowsPage lists an account's followers or the accounts it follows.
func (h *Handler) FollowsPage(followers bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		actor, err := h.localActor(r)
		if err != nil {
			return err
		}
		_, p, err := httpx.PageOf(r)
		if err != nil {
			return err
		}
		p.Limit = 40
		title := "Following"
		if followers {
			title = "Followers"
		}
		actors, cursors, err := h.Read.Follows(r.Context(), actor.ID, followers, false, p)
		if err != nil {
			return err
		}
		data := &templates.FollowsData{Actor: actor, Title: title, Actors: actors}
		if len(cursors) > 0 {
			data.Next, data.Prev = pageLinks(r, len(cursors), cursors[0], cursors[len(cursors)-1], 40)
		}
		return h.render(w, r, http.StatusOK, "follows", h.page(r, title, data))
	}
}
