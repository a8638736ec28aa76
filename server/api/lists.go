package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/reader"
	"refuge/storage"
)

// Lists: Mastodon's lists API (/api/v1/lists, their accounts, /api/v1/accounts/:id/lists)
// and list timelines (/api/v1/timelines/list/:list_id). outbox checks and stores them;
// reader reads their timelines from the owner's home feed. Another account's list is not
// found, as Mastodon answers.

// List is a list of the viewer's (Mastodon's List entity).
type List struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	RepliesPolicy string `json:"replies_policy"`
	Exclusive     bool   `json:"exclusive"`
}

func listEntity(l *storage.List) List {
	return List{ID: rowID(l.ID), Title: l.Title, RepliesPolicy: string(l.RepliesPolicy), Exclusive: l.Exclusive}
}

func listEntities(ls []*storage.List) []List {
	out := []List{}
	for _, l := range ls {
		out = append(out, listEntity(l))
	}
	return out
}

func (h *Handler) lists(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	ls, err := h.Read.Lists(r.Context(), viewer.ID)
	if err != nil {
		return err
	}
	return ok(w, listEntities(ls))
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "list")
	if err != nil {
		return err
	}
	l, err := h.Read.List(r.Context(), viewer.ID, id)
	if err != nil {
		return err
	}
	return ok(w, listEntity(l))
}

// listEditOf reads a list's title, replies_policy and exclusive parameters; those not sent
// stay as they are.
func listEditOf(q url.Values) outbox.ListEdit {
	var e outbox.ListEdit
	if _, sent := q["title"]; sent {
		e.Title = ptr(q.Get("title"))
	}
	if _, sent := q["replies_policy"]; sent {
		e.RepliesPolicy = ptr(q.Get("replies_policy"))
	}
	if _, sent := q["exclusive"]; sent {
		e.Exclusive = ptr(boolParam(q, "exclusive"))
	}
	return e
}

func (h *Handler) createList(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	l, err := h.Outbox.CreateList(r.Context(), viewer, listEditOf(q))
	if err != nil {
		return err
	}
	return ok(w, listEntity(l))
}

func (h *Handler) updateList(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "list")
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	l, err := h.Outbox.EditList(r.Context(), viewer, id, listEditOf(q))
	if err != nil {
		return err
	}
	return ok(w, listEntity(l))
}

func (h *Handler) deleteList(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "list")
	if err != nil {
		return err
	}
	if err := h.Outbox.DeleteList(r.Context(), viewer, id); err != nil {
		return err
	}
	return ok(w, struct{}{})
}

// listAccounts answers the members of a list: a page of 40 (80 at most) by default, or,
// with limit=0, all of them without paging, as Mastodon.
func (h *Handler) listAccounts(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "list")
	if err != nil {
		return err
	}
	if r.URL.Query().Get("limit") == "0" {
		actors, _, err := h.Read.ListMembers(r.Context(), viewer.ID, id, storage.Page{Limit: outbox.MaxListMembers})
		if err != nil {
			return err
		}
		rn := h.render(r.Context(), viewer)
		out := []*Account{}
		for _, a := range actors {
			acc, err := rn.account(a)
			if err != nil {
				return err
			}
			out = append(out, acc)
		}
		return ok(w, out)
	}
	return h.accountPage(w, r, viewer, func(p storage.Page) ([]*storage.Actor, []int64, error) {
		return h.Read.ListMembers(r.Context(), viewer.ID, id, p)
	})
}

// accountIDs reads the account_ids[] parameter: an id that is no number is an account that
// is not found.
func accountIDs(q url.Values) ([]int64, error) {
	vals, err := listParam(q, "account_ids", outbox.MaxListMembers)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(vals))
	for _, v := range vals {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, storage.Errorf(storage.NotFound, "no such account")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (h *Handler) addListAccounts(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.changeListAccounts(w, r, viewer, h.Outbox.AddToList)
}

func (h *Handler) removeListAccounts(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.changeListAccounts(w, r, viewer, h.Outbox.RemoveFromList)
}

// changeListAccounts adds or removes, by change, the accounts of account_ids[] to the list
// of the path, and answers an empty object, as Mastodon.
func (h *Handler) changeListAccounts(w http.ResponseWriter, r *http.Request, viewer *storage.Actor,
	change func(ctx context.Context, account *storage.Actor, id int64, ids []int64) error) error {
	id, err := pathID(r, "list")
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	ids, err := accountIDs(q)
	if err != nil {
		return err
	}
	if err := change(r.Context(), viewer, id, ids); err != nil {
		return err
	}
	return ok(w, struct{}{})
}

// accountLists answers the viewer's lists that have the account of the path.
func (h *Handler) accountLists(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	a, err := h.actorOf(r)
	if err != nil {
		return err
	}
	ls, err := h.Read.ListsWith(r.Context(), viewer.ID, a.ID)
	if err != nil {
		return err
	}
	return ok(w, listEntities(ls))
}

func (h *Handler) listTimeline(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, good := plainRow(mux.Vars(r)["list_id"])
	if !good {
		return storage.Errorf(storage.NotFound, "no such list")
	}
	if _, err := h.Read.List(r.Context(), viewer.ID, id); err != nil {
		return err // before the paging, whose ids are read from the feed
	}
	return h.feedTimeline(w, r, viewer, func(p storage.Page) (*reader.HomePage, error) {
		return h.Read.ListTimeline(r.Context(), viewer.ID, id, p)
	})
}
