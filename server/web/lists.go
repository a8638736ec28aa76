package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"refuge/outbox"
	"refuge/storage"
	"refuge/templates"
)

// Lists (/lists, /lists/ID): the viewer's lists, made, renamed and deleted here, each with
// its timeline and its members, chosen from the accounts the viewer follows. outbox checks
// and stores them and reader reads their timelines, as for the client API. Favourites and
// Bookmarks (/favourites, /bookmarks) list the posts the viewer liked or bookmarked.

// repliesPolicyLabels are what the replies policies are called on the page, as Mastodon's
// list settings word them.
var repliesPolicyLabels = map[storage.RepliesPolicy]string{
	storage.RepliesList:     "Replies to members of the list",
	storage.RepliesFollowed: "Replies to anyone you follow",
	storage.RepliesNone:     "No replies to others",
}

// policyChoices are the replies policies as the form offers them, l's checked.
func policyChoices(l *storage.List) []templates.Choice {
	var out []templates.Choice
	for _, p := range storage.RepliesPolicies {
		out = append(out, templates.Choice{Value: string(p), Label: repliesPolicyLabels[p], Checked: l != nil && l.RepliesPolicy == p})
	}
	return out
}

func (h *Handler) listsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	lists, err := h.Read.Lists(r.Context(), viewer.ID)
	if err != nil {
		return err
	}
	data := &templates.ListsData{}
	for _, l := range lists {
		data.Lists = append(data.Lists, templates.ListEntry{List: l, Policies: policyChoices(l)})
	}
	return h.render(w, r, http.StatusOK, "lists", h.page(r, "Lists", data))
}

// listTimelinePage is a list's timeline, paged as the home timeline, with its members and
// the accounts the viewer follows that may be added.
func (h *Handler) listTimelinePage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	ctx := r.Context()
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	l, err := h.Read.List(ctx, viewer.ID, id)
	if err != nil {
		return err
	}
	p, err := listPage(r)
	if err != nil {
		return err
	}
	tl, err := h.Read.ListTimeline(ctx, viewer.ID, id, p)
	if err != nil {
		return err
	}
	data := &templates.ListData{List: l, Items: tl.Items}
	if tl.Rows > 0 {
		data.Next, data.Prev = pageLinks(r, tl.Rows, tl.First, tl.Last, perPage)
	}
	if data.Members, _, err = h.Read.ListMembers(ctx, viewer.ID, id, storage.Page{Limit: outbox.MaxListMembers}); err != nil {
		return err
	}
	following, _, err := h.Read.Follows(ctx, viewer.ID, false, false, storage.Page{Limit: 1000})
	if err != nil {
		return err
	}
	for _, a := range following {
		if !slices.ContainsFunc(data.Members, func(m *storage.Actor) bool { return m.ID == a.ID }) {
			data.Candidates = append(data.Candidates, a)
		}
	}
	notes := make([]*storage.Note, 0, len(tl.Items))
	for _, it := range tl.Items {
		notes = append(notes, it.Note)
	}
	return h.render(w, r, http.StatusOK, "list", h.page(r, l.Title, data), notes...)
}

// listFormEdit reads the list form: its title, and, when the form has them, its replies
// policy and exclusiveness.
func listFormEdit(r *http.Request) outbox.ListEdit {
	title := r.PostFormValue("title")
	e := outbox.ListEdit{Title: &title}
	if _, ok := r.PostForm["replies_policy"]; ok {
		e.RepliesPolicy = new(string)
		*e.RepliesPolicy = r.PostFormValue("replies_policy")
		exclusive := r.PostFormValue("exclusive") != ""
		e.Exclusive = &exclusive
	}
	return e
}

func (h *Handler) createList(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	l, err := h.Outbox.CreateList(r.Context(), viewer, listFormEdit(r))
	if err != nil {
		return err
	}
	h.flash(w, "list-created")
	http.Redirect(w, r, "/lists/"+strconv.FormatInt(l.ID, 10), http.StatusSeeOther)
	return nil
}

func (h *Handler) editList(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Outbox.EditList(r.Context(), viewer, id, listFormEdit(r)); err != nil {
		return err
	}
	return h.listDone(w, r, "list-saved", "/lists")
}

func (h *Handler) deleteList(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Outbox.DeleteList(r.Context(), viewer, id); err != nil {
		return err
	}
	h.flash(w, "list-deleted")
	http.Redirect(w, r, "/lists", http.StatusSeeOther)
	return nil
}

// listMember adds (add) or removes the account of the form's account field (its id) to the
// list of the path.
func (h *Handler) listMember(add bool) FormHandler {
	return func(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
		id, err := routeID(r, "id")
		if err != nil {
			return err
		}
		account, err := strconv.ParseInt(r.PostFormValue("account"), 10, 64)
		if err != nil || account <= 0 {
			return storage.Errorf(storage.Invalid, "choose an account")
		}
		change, notice := h.Outbox.RemoveFromList, "list-removed"
		if add {
			change, notice = h.Outbox.AddToList, "list-added"
		}
		if err := change(r.Context(), viewer, id, []int64{account}); err != nil {
			return err
		}
		return h.listDone(w, r, notice, "/lists/"+strconv.FormatInt(id, 10)+"#members")
	}
}

// listDone sends the viewer back to to, which says what was done.
func (h *Handler) listDone(w http.ResponseWriter, r *http.Request, notice, to string) error {
	h.flash(w, notice)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (h *Handler) favouritesPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.savedPage(w, r, viewer, "Favourites", "Posts you like are kept here.", h.Read.Favourites)
}

func (h *Handler) bookmarksPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.savedPage(w, r, viewer, "Bookmarks", "Bookmark a post to find it here later. Only you see your bookmarks.", h.Read.Bookmarks)
}

// savedPage is a page of the posts the viewer liked or bookmarked (by list), newest first,
// paged by the likes' or bookmarks' own ids.
func (h *Handler) savedPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, title, empty string,
	list func(ctx context.Context, accountID int64, p storage.Page) ([]*storage.Note, []int64, error)) error {
	p, err := listPage(r)
	if err != nil {
		return err
	}
	notes, cursors, err := list(r.Context(), viewer.ID, p)
	if err != nil {
		return err
	}
	data := &templates.SavedData{Heading: title, Empty: empty, Notes: notes}
	if len(cursors) > 0 {
		data.Next, data.Prev = pageLinks(r, len(cursors), cursors[0], cursors[len(cursors)-1], perPage)
	}
	return h.render(w, r, http.StatusOK, "saved", h.page(r, title, data), notes...)
}
