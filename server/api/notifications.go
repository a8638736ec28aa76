package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"refuge/reader"
	"refuge/storage"
)

// GroupedNotificationsResults is a page of notification groups with the accounts and
// statuses they name, each once.
type GroupedNotificationsResults struct {
	Accounts           []*Account           `json:"accounts"`
	Statuses           []*Status            `json:"statuses"`
	NotificationGroups []*NotificationGroup `json:"notification_groups"`
}

// NotificationGroup is notifications of one kind about one thing, shown as one: likes of a
// post, or follows, within hours of each other. The page_ attributes are set in a page of
// groups: which of the group's notifications the page spans.
type NotificationGroup struct {
	GroupKey                 string   `json:"group_key"`
	NotificationsCount       int      `json:"notifications_count"`
	Type                     string   `json:"type"`
	MostRecentNotificationID string   `json:"most_recent_notification_id"`
	PageMinID                *string  `json:"page_min_id,omitempty"`
	PageMaxID                *string  `json:"page_max_id,omitempty"`
	LatestPageNotificationAt *string  `json:"latest_page_notification_at,omitempty"`
	SampleAccountIDs         []string `json:"sample_account_ids"`
	StatusID                 *string  `json:"status_id,omitempty"` // for the types about a status
}

// UnreadCount is how many notifications (or groups) wait to be read.
type UnreadCount struct {
	Count int `json:"count"`
}

// Limits of the unread counts, and how many accounts a group names, as Mastodon's.
const (
	unreadLimit, unreadMax = 100, 1000
	sampleAccounts         = 8
)

// notificationKinds are the kinds Refuge stores for each of Mastodon's types.
func notificationKinds(types []string) []storage.NotificationKind {
	var out []storage.NotificationKind
	for kind, name := range notificationTypes {
		for _, t := range types {
			if t == name {
				out = append(out, kind)
				break
			}
		}
	}
	return out
}

// notificationFilter reads the filters of a list of notifications: types[],
// exclude_types[] and account_id. none is true when they keep nothing Refuge makes (only
// types it never makes, or no account with that id).
func notificationFilter(r *http.Request, p *storage.Page) (none bool, err error) {
	q := r.URL.Query()
	types, err := listParam(q, "types", 20)
	if err != nil {
		return false, err
	}
	exclude, err := listParam(q, "exclude_types", 20)
	if err != nil {
		return false, err
	}
	p.Kinds, p.ExcludeKinds = notificationKinds(types), notificationKinds(exclude)
	none = len(types) > 0 && len(p.Kinds) == 0
	if s := q.Get("account_id"); s != "" {
		id, good := plainRow(s)
		p.FromActor, none = id, none || !good
	}
	return none, nil
}

func (h *Handler) notifications(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := pagingOf(r, notificationsLimit, notificationsMax, plainRow)
	if err != nil {
		return err
	}
	none, err := notificationFilter(r, &p.page)
	if err != nil || none {
		return answerEmpty(w, err, []*Notification{})
	}
	list, err := h.Read.Notifications(r.Context(), viewer.ID, p.page)
	if err != nil {
		return err
	}
	rn := h.render(r.Context(), viewer)
	out := []*Notification{}
	for _, n := range list {
		x, err := rn.notification(n)
		if err != nil {
			return err
		}
		out = append(out, x)
	}
	out = sinceCut(out, p.since, func(n *Notification) string { return n.ID })
	if len(out) > 0 {
		link(w, r, h.URIs.Base(), out[0].ID, out[len(out)-1].ID)
	}
	return ok(w, out)
}

// answerEmpty answers err, or empty when there is none.
func answerEmpty(w http.ResponseWriter, err error, empty any) error {
	if err != nil {
		return err
	}
	return ok(w, empty)
}

func (h *Handler) notification(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "notification")
	if err != nil {
		return err
	}
	n, err := h.Read.Notification(r.Context(), viewer.ID, id)
	if err != nil {
		return err
	}
	x, err := h.render(r.Context(), viewer).notification(n)
	if err != nil {
		return err
	}
	return ok(w, x)
}

// dismissNotification answers POST /api/v1/notifications/:id/dismiss.
func (h *Handler) dismissNotification(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "notification")
	if err != nil {
		return err
	}
	if err := h.Outbox.DismissNotification(r.Context(), viewer, id); err != nil {
		return err
	}
	return ok(w, struct{}{})
}

// clearNotifications answers POST /api/v1/notifications/clear: every notification goes.
func (h *Handler) clearNotifications(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	if err := h.Outbox.DismissNotifications(r.Context(), viewer, storage.Page{}); err != nil {
		return err
	}
	return ok(w, struct{}{})
}

// unreadFilter reads an unread count's parameters: its limit (100 unless given, at most
// 1,000) and the filters of notificationFilter, with none as it reports.
func unreadFilter(r *http.Request) (f storage.Page, none bool, err error) {
	p, err := pagingOf(r, unreadLimit, unreadMax, plainRow)
	if err != nil {
		return f, false, err
	}
	f.Limit = p.page.Limit
	none, err = notificationFilter(r, &f)
	return f, none, err
}

// unreadCount answers GET /api/v1/notifications/unread_count: the notifications not read
// yet, which setting the notifications marker (or reading them on the web) marks read.
func (h *Handler) unreadCount(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	f, none, err := unreadFilter(r)
	if err != nil || none {
		return answerEmpty(w, err, UnreadCount{})
	}
	n, err := h.Read.UnreadNotifications(r.Context(), viewer.ID, f, f.Limit)
	if err != nil {
		return err
	}
	return ok(w, UnreadCount{Count: n})
}

// groupedKinds reads grouped_types[]: the kinds the app shows grouped; all that group
// when it names none.
func groupedKinds(r *http.Request) ([]storage.NotificationKind, error) {
	names, err := listParam(r.URL.Query(), "grouped_types", 20)
	if err != nil || len(names) == 0 {
		return reader.Groupable, err
	}
	return notificationKinds(names), nil
}

// unreadGroups answers GET /api/v2/notifications/unread_count: the groups with a
// notification not read yet.
func (h *Handler) unreadGroups(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	grouped, err := groupedKinds(r)
	if err != nil {
		return err
	}
	f, none, err := unreadFilter(r)
	if err != nil || none {
		return answerEmpty(w, err, UnreadCount{})
	}
	n, err := h.Read.UnreadGroups(r.Context(), viewer.ID, f, grouped, f.Limit)
	if err != nil {
		return err
	}
	return ok(w, UnreadCount{Count: n})
}

// groupedNotifications answers GET /api/v2/notifications: a page of groups, its limit
// counting groups, paged by the ids of their notifications (page_min_id is where the next
// page starts). Every account is answered whole: expand_accounts=partial_avatars is not
// offered, and clients then read the full accounts, as the parameter allows.
func (h *Handler) groupedNotifications(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := pagingOf(r, notificationsLimit, notificationsMax, plainRow)
	if err != nil {
		return err
	}
	grouped, err := groupedKinds(r)
	if err != nil {
		return err
	}
	none, err := notificationFilter(r, &p.page)
	if err != nil || none {
		return answerEmpty(w, err, GroupedNotificationsResults{Accounts: []*Account{}, Statuses: []*Status{},
			NotificationGroups: []*NotificationGroup{}})
	}
	q := reader.GroupQuery{Page: p.page, Grouped: grouped}
	if p.since != "" {
		q.Since, _ = plainRow(p.since)
	}
	groups, err := h.Read.NotificationGroups(r.Context(), viewer.ID, q)
	if err != nil {
		return err
	}
	out, err := h.render(r.Context(), viewer).groups(groups, true)
	if err != nil {
		return err
	}
	if len(groups) > 0 {
		newest, oldest := groups[0].Notifications[0].ID, groups[0].Notifications[0].ID
		for _, g := range groups {
			newest = max(newest, g.Notifications[0].ID)
			oldest = min(oldest, g.Notifications[len(g.Notifications)-1].ID)
		}
		link(w, r, h.URIs.Base(), rowID(newest), rowID(oldest))
	}
	return ok(w, out)
}

// notificationGroup answers GET /api/v2/notifications/:group_key.
func (h *Handler) notificationGroup(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	g, err := h.Read.NotificationGroupByKey(r.Context(), viewer.ID, mux.Vars(r)["group_key"])
	if err != nil {
		return err
	}
	out, err := h.render(r.Context(), viewer).groups([]*reader.NotificationGroup{g}, false)
	if err != nil {
		return err
	}
	return ok(w, out)
}

// dismissGroup answers POST /api/v2/notifications/:group_key/dismiss: every notification
// of the group goes. As Mastodon, a key that names no group of the account's dismisses
// nothing, and succeeds.
func (h *Handler) dismissGroup(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	f, id, err := reader.GroupFilter(mux.Vars(r)["group_key"])
	switch {
	case err != nil:
	case id != 0:
		if err := h.Outbox.DismissNotification(r.Context(), viewer, id); err != nil && storage.KindOf(err) != storage.NotFound {
			return err
		}
	default:
		if err := h.Outbox.DismissNotifications(r.Context(), viewer, f); err != nil {
			return err
		}
	}
	return ok(w, struct{}{})
}

// groups is the GroupedNotificationsResults of groups; paged sets the page_ attributes.
func (rn *render) groups(groups []*reader.NotificationGroup, paged bool) (*GroupedNotificationsResults, error) {
	out := &GroupedNotificationsResults{Accounts: []*Account{}, Statuses: []*Status{}, NotificationGroups: []*NotificationGroup{}}
	seenAccount, seenStatus := map[int64]bool{}, map[int64]bool{}
	var actors []*storage.Actor
	var notes []*storage.Note
	for _, g := range groups {
		for _, n := range g.Notifications {
			actors = append(actors, n.Actor)
		}
	}
	if err := rn.countAll(actors...); err != nil { // every account's counts in one query
		return nil, err
	}
	for _, g := range groups {
		ng := &NotificationGroup{GroupKey: g.Key, NotificationsCount: g.Count, Type: notificationTypes[g.Kind],
			MostRecentNotificationID: rowID(g.MostRecent.ID), SampleAccountIDs: []string{}}
		if paged {
			newest, oldest := g.Notifications[0], g.Notifications[len(g.Notifications)-1]
			ng.PageMaxID, ng.PageMinID = ptr(rowID(newest.ID)), ptr(rowID(oldest.ID))
			ng.LatestPageNotificationAt = ptr(timeOf(newest.Created))
		}
		sampled := map[int64]bool{}
		for _, n := range g.Notifications {
			if len(sampled) == sampleAccounts || sampled[n.Actor.ID] {
				continue
			}
			sampled[n.Actor.ID] = true
			ng.SampleAccountIDs = append(ng.SampleAccountIDs, rowID(n.Actor.ID))
			if !seenAccount[n.Actor.ID] {
				seenAccount[n.Actor.ID] = true
				acc, err := rn.account(n.Actor)
				if err != nil {
					return nil, err
				}
				out.Accounts = append(out.Accounts, acc)
			}
		}
		if g.Note != nil && rn.h.Read.Visible(rn.ctx, rn.who(), g.Note) == nil {
			ng.StatusID = ptr(noteStatusID(g.Note.ID))
			if !seenStatus[g.Note.ID] {
				seenStatus[g.Note.ID] = true
				notes = append(notes, g.Note)
			}
		}
		out.NotificationGroups = append(out.NotificationGroups, ng)
	}
	var err error
	if out.Statuses, err = rn.statuses(notes); err != nil { // the viewer's state of all in one read
		return nil, err
	}
	return out, nil
}
