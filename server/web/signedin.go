package web

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/outbox/media"
	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// timelinePage is the signed-in account's home timeline: its own posts, the posts of the
// accounts it follows and what they boosted, newest first, each note once.
func (h *Handler) timelinePage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := listPage(r)
	if err != nil {
		return err
	}
	home, err := h.Read.Home(r.Context(), viewer.ID, p)
	if err != nil {
		return err
	}
	data := &templates.TimelineData{Items: home.Items}
	if home.Rows > 0 {
		data.Next, data.Prev = pageLinks(r, home.Rows, home.First, home.Last, perPage)
	}
	notes := make([]*storage.Note, 0, len(home.Items))
	for _, it := range home.Items {
		notes = append(notes, it.Note)
	}
	return h.render(w, r, http.StatusOK, "timeline", h.page(r, "Home", data), notes...)
}

// notificationsPage lists the account's notifications and marks the ones shown as read.
func (h *Handler) notificationsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := listPage(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	list, err := h.Read.Notifications(ctx, viewer.ID, p)
	if err != nil {
		return err
	}
	data := &templates.NotificationsData{Notifications: list}
	var notes []*storage.Note
	var newest int64
	for _, n := range list {
		if n.Note != nil {
			notes = append(notes, n.Note)
		}
		newest = max(newest, n.ID)
	}
	if len(list) > 0 {
		data.Next, data.Prev = pageLinks(r, len(list), list[0].ID, list[len(list)-1].ID, perPage)
	}
	pg := h.page(r, "Notifications", data)
	if err := h.render(w, r, http.StatusOK, "notifications", pg, notes...); err != nil {
		return err
	}
	if pg.Unread > 0 && newest > 0 {
		// Shown once as unread, then read: the page itself is the "mark as read".
		return h.Outbox.MarkNotificationsRead(ctx, viewer, newest)
	}
	return nil
}

// followRequestsPage lists the accounts waiting for the viewer to approve their follow.
func (h *Handler) followRequestsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	_, p, err := httpx.PageOf(r)
	if err != nil {
		return err
	}
	p.Limit = 40
	actors, cursors, err := h.Read.Follows(r.Context(), viewer.ID, true, true, p)
	if err != nil {
		return err
	}
	data := &templates.FollowsData{Title: "Follow requests", Actors: actors, Pending: true}
	if len(cursors) > 0 {
		data.Next, data.Prev = pageLinks(r, len(cursors), cursors[0], cursors[len(cursors)-1], 40)
	}
	return h.render(w, r, http.StatusOK, "follows", h.page(r, "Follow requests", data))
}

// composePage shows the post form; ?reply_to=ID answers a note, naming its author and the
// others it mentions, keeping its content warning, its language and no wider an audience
// than it had.
func (h *Handler) composePage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	data := composeData()
	if id := r.URL.Query().Get("reply_to"); id != "" {
		parent, err := h.replyTarget(r, viewer, id)
		if err != nil {
			return err
		}
		data.ReplyTo = parent
		data.Content = replyMentions(viewer, parent)
		data.Summary = parent.Summary
		data.Visibility = replyVisibility(parent.Visibility)
		data.Language = parent.Language // the writer may change it; "" leaves the default
	}
	if id := r.URL.Query().Get("quote"); id != "" {
		quoted, err := h.Read.NoteByID(r.Context(), reader.Local(viewer), reader.ParseID(id))
		if err != nil {
			return err
		}
		data.Quote = quoted
	}
	return h.render(w, r, http.StatusOK, "compose", h.page(r, composeTitle(data), data), composeNotes(data)...)
}

// composeData is an empty compose form with the limits the server keeps, which are also
// those the API's instance configuration reports.
func composeData() *templates.ComposeData {
	return &templates.ComposeData{MaxChars: outbox.MaxNoteChars, MaxFiles: media.MaxAttachments,
		PollOptions: make([]string, storage.MaxPollOptions), PollSeconds: 86400, PollChars: storage.MaxPollOptionChars}
}

// composeTitle is the title of the compose page.
func composeTitle(d *templates.ComposeData) string {
	if d.ReplyTo != nil {
		return "Reply"
	}
	return "New post"
}

// composeNotes are the notes the compose page shows: the one answered and the one quoted,
// if any.
func composeNotes(d *templates.ComposeData) []*storage.Note {
	var out []*storage.Note
	for _, n := range []*storage.Note{d.ReplyTo, d.Quote} {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}

// replyTarget finds the note with row id id that viewer may answer.
func (h *Handler) replyTarget(r *http.Request, viewer *storage.Actor, id string) (*storage.Note, error) {
	n, err := h.Read.NoteByID(r.Context(), reader.Local(viewer), reader.ParseID(id))
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "the post you answer is not there any more")
	}
	return n, nil
}

// replyMentions is the start of a reply: the parent's author and the accounts it mentions,
// except the one replying.
func replyMentions(viewer *storage.Actor, parent *storage.Note) string {
	var names []string
	add := func(handle string) {
		handle = "@" + strings.TrimPrefix(handle, "@")
		if handle != "@"+viewer.Handle() && !slices.Contains(names, handle) {
			names = append(names, handle)
		}
	}
	if parent.Author != nil {
		add(parent.Author.Handle())
	}
	for _, t := range parent.Tags {
		if t.Type == "Mention" && strings.Count(t.Name, "@") == 2 {
			add(t.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return strings.Join(names, " ") + " "
}

// replyVisibility is the default audience of a reply: never wider than the parent's.
func replyVisibility(parent storage.Visibility) string {
	switch parent {
	case storage.Direct, storage.Followers, storage.Unlisted:
		return string(parent)
	}
	return string(storage.Public)
}

// searchLimit bounds each kind of result the search page shows.
const searchLimit = 20

// searchPage searches accounts by name or handle (local and known remote ones), hashtags,
// posts by their text (newest first, or best first with sort=relevance), and a post or
// account by its address, with the client API's search (reader.Search): a
// handle or address not stored yet is looked up on its server, within the look-up deadline.
// Only signed-in accounts search: a search makes this server fetch from others. What could
// not be looked up is said on the page; a query that finds nothing says so.
func (h *Handler) searchPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	data := &templates.SearchData{Query: q}
	pg := h.page(r, "Search", data)
	if q == "" {
		return h.render(w, r, http.StatusOK, "search", pg)
	}
	ctx := r.Context()
	data.ByRelevance = r.URL.Query().Get("sort") == "relevance"
	res, err := h.Read.Search(ctx, reader.Local(viewer), reader.SearchQuery{Text: q, Accounts: true, Notes: true, Tags: true,
		Resolve: true, ByRelevance: data.ByRelevance, Limit: searchLimit})
	switch {
	case err != nil:
		h.Log.Warn("search failed", "q", q, "err", err)
		pg.Error = "The search failed; try again later."
		res = &reader.SearchResults{}
	case res.Unresolved != nil && storage.KindOf(res.Unresolved) != storage.NotFound:
		pg.Error = "Could not look that up: " + storage.Message(res.Unresolved)
	}
	data.Accounts, data.Tags, data.Notes = res.Actors, res.Tags, res.Notes
	data.Relationships = make(map[int64]storage.Relationship, len(res.Actors))
	for _, a := range res.Actors {
		data.Relationships[a.ID] = h.Read.Relationship(ctx, viewer, a)
	}
	return h.render(w, r, http.StatusOK, "search", pg, res.Notes...)
}

// lookUp finds what q names for the viewer, fetching it when it is not stored, and what a
// page showing it needs: the relationship with an account found, the note found as the
// page's one note. A failure is said on the page, not as an error page.
func (h *Handler) lookUp(r *http.Request, pg *templates.Page, viewer *storage.Actor, q string) (*storage.Actor, *storage.Note,
	storage.Relationship, []*storage.Note) {
	actor, note, err := h.Read.Lookup(r.Context(), reader.Local(viewer), q)
	switch {
	case err != nil && storage.KindOf(err) == storage.Internal:
		h.Log.Warn("look-up failed", "q", q, "err", err)
		pg.Error = "The look-up failed; try again later."
	case err != nil && storage.KindOf(err) != storage.NotFound:
		pg.Error = "Could not look that up: " + storage.Message(err)
	}
	var rel storage.Relationship
	var notes []*storage.Note
	if actor != nil {
		rel = h.Read.Relationship(r.Context(), viewer, actor)
	}
	if note != nil {
		notes = append(notes, note)
	}
	return actor, note, rel, notes
}

// interactPage is where someone lands who asked on another server's page to follow an
// account or answer a post from their account here (our subscribe template, through
// /authorize_interaction): it says what they are about to follow, with the button. A
// visitor is asked to sign in first and brought back; only a signed-in reader's visit
// looks anything up on other servers.
func (h *Handler) interactPage(w http.ResponseWriter, r *http.Request) error {
	uri := strings.TrimSpace(r.URL.Query().Get("uri"))
	if uri == "" {
		return storage.Errorf(storage.Invalid, "uri must be the address or handle of an account or a post")
	}
	data := &templates.InteractData{URI: uri}
	pg := h.page(r, "Follow or interact", data)
	viewer := pg.Viewer
	if viewer == nil {
		data.Next = r.URL.RequestURI()
		return h.render(w, r, http.StatusOK, "interact", pg)
	}
	var notes []*storage.Note
	data.Actor, data.Note, data.Relationship, notes = h.lookUp(r, pg, viewer, uri)
	if data.Actor != nil {
		pg.Title = "Follow " + cmp.Or(data.Actor.Name, data.Actor.Username)
	}
	return h.render(w, r, http.StatusOK, "interact", pg, notes...)
}

// maxDomainBlocksShown bounds the blocked servers the profile form lists: more than anyone
// blocks by hand (a client reads them all through the API's pages).
const maxDomainBlocksShown = 1000

// editProfilePage shows the viewer's profile form and the servers it blocks.
func (h *Handler) editProfilePage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	typed := outbox.ProfileOf(viewer)
	twoFactor, err := h.Outbox.TwoFactorEnabled(r.Context(), viewer)
	if err != nil {
		return err
	}
	blocks, err := h.Read.DomainBlocks(r.Context(), viewer.ID, storage.Page{Limit: maxDomainBlocksShown})
	if err != nil {
		return err
	}
	domains := make([]string, len(blocks))
	for i, b := range blocks {
		domains[i] = b.Domain
	}
	return h.render(w, r, http.StatusOK, "edit_profile", h.page(r, "Edit profile",
		&templates.EditProfileData{Actor: viewer, Summary: typed.Summary, Fields: typed.Fields, TwoFactor: twoFactor,
			DomainBlocks: domains}))
}

// storedNotePage shows any stored note the viewer may read, with its thread: the local view
// of a remote note. A local note has its own address and is sent there.
func (h *Handler) storedNotePage(w http.ResponseWriter, r *http.Request) error {
	viewer, _ := h.Auth.Session(r)
	n, err := h.Read.NoteByID(r.Context(), reader.Local(viewer), reader.ParseID(mux.Vars(r)["id"]))
	if err != nil {
		return err
	}
	if p := h.URIs.Path(n.URL); n.Local && p != "" {
		http.Redirect(w, r, p, http.StatusFound)
		return nil
	}
	return h.threadPage(w, r, n)
}
