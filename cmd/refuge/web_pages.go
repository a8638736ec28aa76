package main

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"refuge/federation"
	"refuge/storage"
	"refuge/templates"
)

// timelinePage is the signed-in account's home timeline: its own posts, the posts of the
// accounts it follows and what they boosted, newest first.
func (a *App) timelinePage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := listPage(r)
	if err != nil {
		return err
	}
	items, err := a.db.ListFeed(r.Context(), viewer.ID, p)
	if err != nil {
		return err
	}
	data := &templates.TimelineData{}
	if len(items) > 0 {
		data.Next, data.Prev = pageLinks(r, len(items), items[0].ID, items[len(items)-1].ID, perPage)
	}
	// A note reaches a feed more than once (posted by someone followed and boosted by
	// another, or mentioning the reader who also follows its author): show it once, where
	// it came newest.
	seen := make(map[int64]bool, len(items))
	notes := make([]*storage.Note, 0, len(items))
	for _, it := range items {
		if !seen[it.Note.ID] {
			seen[it.Note.ID] = true
			data.Items = append(data.Items, it)
			notes = append(notes, it.Note)
		}
	}
	return a.render(w, r, http.StatusOK, "timeline", a.page(r, "Home", data), notes...)
}

// notificationsPage lists the account's notifications and marks the ones shown as read.
func (a *App) notificationsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := listPage(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	list, err := a.db.ListNotifications(ctx, viewer.ID, p)
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
	pg := a.page(r, "Notifications", data)
	if err := a.render(w, r, http.StatusOK, "notifications", pg, notes...); err != nil {
		return err
	}
	if pg.Unread > 0 && newest > 0 {
		// Shown once as unread, then read: the page itself is the "mark as read".
		return a.db.Update(ctx, func(tx storage.Tx) error { return tx.MarkNotificationsRead(ctx, viewer.ID, newest) })
	}
	return nil
}

// followRequestsPage lists the accounts waiting for the viewer to approve their follow.
func (a *App) followRequestsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	_, p, err := pageOf(r)
	if err != nil {
		return err
	}
	p.Limit = 40
	actors, cursors, err := a.db.ListFollowers(r.Context(), viewer.ID, true, p)
	if err != nil {
		return err
	}
	data := &templates.FollowsData{Title: "Follow requests", Actors: actors, Pending: true}
	if len(cursors) > 0 {
		data.Next, data.Prev = pageLinks(r, len(cursors), cursors[0], cursors[len(cursors)-1], 40)
	}
	return a.render(w, r, http.StatusOK, "follows", a.page(r, "Follow requests", data))
}

// composePage shows the post form; ?reply_to=ID answers a note, naming its author and the
// others it mentions, keeping its content warning and no wider an audience than it had.
func (a *App) composePage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	data := &templates.ComposeData{}
	if id := r.URL.Query().Get("reply_to"); id != "" {
		parent, err := a.replyTarget(r.Context(), viewer, id)
		if err != nil {
			return err
		}
		data.ReplyTo = parent
		data.Content = replyMentions(viewer, parent)
		data.Summary = parent.Summary
		data.Visibility = replyVisibility(parent.Visibility)
	}
	title := "New post"
	if data.ReplyTo != nil {
		title = "Reply"
	}
	var notes []*storage.Note
	if data.ReplyTo != nil {
		notes = append(notes, data.ReplyTo)
	}
	return a.render(w, r, http.StatusOK, "compose", a.page(r, title, data), notes...)
}

// replyTarget finds the note with row id id that viewer may answer.
func (a *App) replyTarget(ctx context.Context, viewer *storage.Actor, id string) (*storage.Note, error) {
	n, err := a.noteByRowID(ctx, id, viewer)
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "the post you answer is not there any more")
	}
	return n, nil
}

// noteByRowID returns a live stored note that viewer may read, by its row id.
func (a *App) noteByRowID(ctx context.Context, id string, viewer *storage.Actor) (*storage.Note, error) {
	rowID, err := strconv.ParseInt(id, 10, 64)
	if err != nil || rowID <= 0 {
		return nil, storage.Errorf(storage.Invalid, "bad note id")
	}
	n, err := a.db.GetNoteByID(ctx, rowID)
	if err != nil {
		return nil, err
	}
	var viewerID int64
	if viewer != nil {
		viewerID = viewer.ID
	}
	if n.Deleted() {
		return nil, storage.Errorf(storage.Gone, "this post was deleted")
	}
	if ok, err := a.db.CanSee(ctx, n.ID, viewerID); err != nil || !ok {
		return nil, storage.Errorf(storage.NotFound, "note not found")
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

// searchPage finds an account by handle or URL, or a post by URL, fetching it from its
// server when it is not stored yet. Only signed-in accounts search: a search makes this
// server fetch from others.
func (a *App) searchPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	data := &templates.SearchData{Query: q}
	pg := a.page(r, "Search", data)
	var notes []*storage.Note
	if q != "" {
		actor, note, err := a.lookup(r.Context(), viewer, q)
		switch {
		case err != nil && storage.KindOf(err) == storage.Internal:
			a.log.Warn("search failed", "q", q, "err", err)
			pg.Error = "The search failed; try again later."
		case err != nil && storage.KindOf(err) != storage.NotFound:
			pg.Error = "Could not look that up: " + storage.Message(err)
		}
		data.Result, data.Note = actor, note
		if actor != nil {
			data.Relationship = a.relationship(r, viewer, actor)
		}
		if note != nil {
			notes = append(notes, note)
		}
	}
	return a.render(w, r, http.StatusOK, "search", pg, notes...)
}

// lookup resolves a search: a handle (@user@host, or a local name), an actor's id or
// profile URL, or a note's id. Remote ones are fetched and stored.
func (a *App) lookup(ctx context.Context, viewer *storage.Actor, q string) (*storage.Actor, *storage.Note, error) {
	if len(q) > 2048 {
		return nil, nil, storage.Errorf(storage.Invalid, "that is too long to be a handle or an address")
	}
	if storage.HostOf(q) == "" {
		q = strings.TrimPrefix(q, "acct:")
		if !strings.Contains(strings.TrimPrefix(q, "@"), "@") {
			q += "@" + a.cfg.Domain // a bare name is a local account
		}
		user, host, err := federation.ParseHandle(q)
		if err != nil {
			return nil, nil, storage.Errorf(storage.Invalid, "search takes a handle such as @user@example.social, or the address of a post or profile")
		}
		actor, err := a.remote.Handle(ctx, user, host)
		return actor, nil, err
	}
	if n, err := a.db.GetNoteByURI(ctx, q); err == nil {
		return nil, a.seeNote(ctx, viewer, n), nil
	}
	if actor, err := a.db.GetActorByURI(ctx, q); err == nil && actor.DeletedAt.IsZero() {
		return actor, nil, nil
	}
	if p := a.sitePath(q); p != "" {
		return a.lookupLocal(ctx, viewer, p)
	}
	n, noteErr := a.remote.Note(ctx, q)
	if noteErr == nil {
		return nil, a.seeNote(ctx, viewer, n), nil
	}
	actor, err := a.remote.Actor(ctx, q)
	if err == nil {
		return actor, nil, nil
	}
	// A profile page such as https://host/@user, whose actor has another id.
	if host := storage.HostOf(q); host != "" {
		rest := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(q, "https://"), "http://"), host)
		if name, ok := strings.CutPrefix(strings.TrimSuffix(rest, "/"), "/@"); ok && !strings.ContainsAny(name, "/@?#") {
			if actor, herr := a.remote.Handle(ctx, name, host); herr == nil {
				return actor, nil, nil
			}
		}
	}
	return nil, nil, noteErr
}

// lookupLocal resolves a path of this instance: a profile or a note.
func (a *App) lookupLocal(ctx context.Context, viewer *storage.Actor, p string) (*storage.Actor, *storage.Note, error) {
	p, _, _ = strings.Cut(p, "?")
	if id, ok := strings.CutPrefix(p, "/notes/"); ok {
		n, err := a.noteByRowID(ctx, id, viewer)
		return nil, n, err
	}
	name, ok := strings.CutPrefix(p, "/@")
	if !ok {
		name, ok = strings.CutPrefix(p, "/users/")
	}
	if !ok || strings.Contains(name, "/") {
		return nil, nil, storage.Errorf(storage.NotFound, "nothing here has that address")
	}
	actor, err := a.svc.LocalActor(ctx, name)
	return actor, nil, err
}

// seeNote is n when viewer may read it, else nil.
func (a *App) seeNote(ctx context.Context, viewer *storage.Actor, n *storage.Note) *storage.Note {
	if n.Deleted() {
		return nil
	}
	if ok, err := a.db.CanSee(ctx, n.ID, viewer.ID); err != nil || !ok {
		return nil
	}
	return n
}

// editProfilePage shows the viewer's profile form.
func (a *App) editProfilePage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return a.render(w, r, http.StatusOK, "edit_profile", a.page(r, "Edit profile", &templates.EditProfileData{Actor: viewer}))
}

// storedNotePage shows any stored note the viewer may read, with its thread: the local view
// of a remote note. A local note has its own address and is sent there.
func (a *App) storedNotePage(w http.ResponseWriter, r *http.Request) error {
	viewer, _ := a.session(r)
	n, err := a.noteByRowID(r.Context(), mux.Vars(r)["id"], viewer)
	if err != nil {
		return err
	}
	if p := a.sitePath(n.URL); n.Local && p != "" {
		http.Redirect(w, r, p, http.StatusFound)
		return nil
	}
	return a.threadPage(w, r, n)
}
