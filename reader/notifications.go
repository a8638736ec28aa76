package reader

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"refuge/storage"
)

// Grouping. Likes and boosts of one note, and follows, that came within the same twelve
// hours are one group of notifications, as Mastodon groups them, so that an app shows
// "alice and 4 others liked your post" once. Mastodon starts a group at its first
// notification and keeps it open for twelve hours; Refuge cuts time into fixed twelve-hour
// windows (UTC) instead, so that a group's key follows from each notification alone and
// needs no column: two likes a minute apart across a window's edge are two groups.

// GroupWindow is how long a group of notifications gathers.
const GroupWindow = 12 * time.Hour

// Groupable are the kinds of notification that group.
var Groupable = []storage.NotificationKind{storage.NotificationLike, storage.NotificationAnnounce, storage.NotificationFollow}

// GroupKey is the key of the group n falls in when the kinds in grouped group: its kind,
// its note and its window, or "ungrouped-ID" for a notification alone.
func GroupKey(n *storage.Notification, grouped []storage.NotificationKind) string {
	if !slices.Contains(grouped, n.Type) || !slices.Contains(Groupable, n.Type) {
		return "ungrouped-" + strconv.FormatInt(n.ID, 10)
	}
	window := n.Created.Unix() / int64(GroupWindow/time.Second)
	if n.Type == storage.NotificationFollow {
		return fmt.Sprintf("%s-%d", n.Type, window)
	}
	var note int64
	if n.Note != nil {
		note = n.Note.ID
	}
	return fmt.Sprintf("%s-%d-%d", n.Type, note, window)
}

// groupFilter reads a group key as the filter of its notifications, or the id of the one
// notification of an ungrouped key; NotFound for what is no key.
func GroupFilter(key string) (storage.Page, int64, error) {
	bad := storage.Errorf(storage.NotFound, "no such notification group")
	if id, ok := strings.CutPrefix(key, "ungrouped-"); ok {
		n := ParseID(id)
		if n == 0 {
			return storage.Page{}, 0, bad
		}
		return storage.Page{}, n, nil
	}
	parts := strings.Split(key, "-")
	kind := storage.NotificationKind(parts[0])
	want := 3 // kind, note, window
	if kind == storage.NotificationFollow {
		want = 2 // kind, window
	}
	if !slices.Contains(Groupable, kind) || len(parts) != want {
		return storage.Page{}, 0, bad
	}
	window, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if err != nil || window < 0 || window > 1<<40 {
		return storage.Page{}, 0, bad
	}
	from := time.Unix(window*int64(GroupWindow/time.Second), 0)
	p := storage.Page{Kinds: []storage.NotificationKind{kind}, CreatedFrom: from, CreatedUntil: from.Add(GroupWindow)}
	if kind != storage.NotificationFollow {
		if p.AboutNote = ParseID(parts[1]); p.AboutNote == 0 {
			return storage.Page{}, 0, bad
		}
	}
	return p, 0, nil
}

// NotificationGroup is a group of an account's notifications, as one page shows it.
type NotificationGroup struct {
	Key           string
	Kind          storage.NotificationKind
	Note          *storage.Note           // the note the group is about, if any
	Notifications []*storage.Notification // those of the page, newest first
	Count         int                     // in the whole group
	MostRecent    *storage.Notification   // the group's newest, on this page or not
}

// GroupQuery asks for a page of notification groups: p's paging and filters, with Limit
// counting groups; since (a notification id, or 0) keeps only newer ones; Grouped are the
// kinds the asker shows grouped.
type GroupQuery struct {
	Page    storage.Page
	Since   int64
	Grouped []storage.NotificationKind
}

// groupScan bounds the notifications one page of groups reads: a page may end before it is
// full, where one group ran longer than this.
const groupScan = 1000

// NotificationGroups is a page of the account's notification groups, the group with the
// newest notification first. The page walks the notifications from its cursor and takes
// each group as it first meets it, until it has Limit groups: so each group is on the page
// with the notifications of it that the page spans, as Mastodon's pages are made. The
// account's keyword filters for notifications apply, as to Notifications.
func (rd *Reader) NotificationGroups(ctx context.Context, accountID int64, q GroupQuery) ([]*NotificationGroup, error) {
	fs, err := rd.accountFilters(ctx, accountID, storage.FilterNotifications)
	if err != nil {
		return nil, err
	}
	limit := q.Page.Limit
	batch := q.Page
	batch.Limit = 100
	up := batch.After > 0 // walking from older to newer
	var groups []*NotificationGroup
	byKey := map[string]*NotificationGroup{}
	full := false
	for read := 0; !full && read < groupScan; {
		list, err := rd.DB.ListNotifications(ctx, accountID, batch)
		if err != nil {
			return nil, err
		}
		read += len(list)
		if up {
			slices.Reverse(list)
		}
		for _, n := range fs.notifications(list) {
			if n.ID <= q.Since {
				full = true
				break
			}
			key := GroupKey(n, q.Grouped)
			g := byKey[key]
			if g == nil {
				if len(groups) == limit {
					full = true
					break
				}
				g = &NotificationGroup{Key: key, Kind: n.Type, Note: n.Note}
				groups, byKey[key] = append(groups, g), g
			}
			g.Notifications = append(g.Notifications, n)
		}
		if len(list) < batch.Limit {
			break
		}
		if up {
			batch.After = list[len(list)-1].ID
		} else {
			batch.Before = list[len(list)-1].ID
		}
	}
	for _, g := range groups {
		if up {
			slices.Reverse(g.Notifications)
		}
		if err := rd.completeGroup(ctx, accountID, g); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(groups, func(a, b *NotificationGroup) int {
		return cmp.Compare(b.Notifications[0].ID, a.Notifications[0].ID)
	})
	return groups, nil
}

// completeGroup counts g's notifications and finds its newest, beyond the page.
func (rd *Reader) completeGroup(ctx context.Context, accountID int64, g *NotificationGroup) error {
	g.Count, g.MostRecent = 1, g.Notifications[0]
	f, _, err := GroupFilter(g.Key)
	if err != nil || len(f.Kinds) == 0 {
		return nil // one notification alone
	}
	if g.Count, err = rd.DB.CountNotifications(ctx, accountID, f, 1<<30); err != nil {
		return err
	}
	f.Limit = 1
	newest, err := rd.DB.ListNotifications(ctx, accountID, f)
	if err != nil {
		return err
	}
	if len(newest) > 0 {
		g.MostRecent = newest[0]
	}
	return nil
}

// NotificationGroupByKey returns the account's group with key, with its newest
// notifications (up to a page's worth); NotFound when it has none.
func (rd *Reader) NotificationGroupByKey(ctx context.Context, accountID int64, key string) (*NotificationGroup, error) {
	f, id, err := GroupFilter(key)
	if err != nil {
		return nil, err
	}
	var list []*storage.Notification
	if id != 0 {
		n, err := rd.Notification(ctx, accountID, id)
		if err != nil {
			return nil, err
		}
		list = []*storage.Notification{n}
	} else {
		f.Limit = 40
		if list, err = rd.DB.ListNotifications(ctx, accountID, f); err != nil {
			return nil, err
		}
	}
	if len(list) == 0 {
		return nil, storage.Errorf(storage.NotFound, "no such notification group")
	}
	g := &NotificationGroup{Key: key, Kind: list[0].Type, Note: list[0].Note, Notifications: list}
	return g, rd.completeGroup(ctx, accountID, g)
}

// UnreadGroups counts the account's groups with a notification not yet read, up to most.
func (rd *Reader) UnreadGroups(ctx context.Context, accountID int64, f storage.Page, grouped []storage.NotificationKind, most int) (int, error) {
	f.Unread, f.Limit, f.Before, f.After = true, 100, 0, 0
	keys := map[string]bool{}
	for read := 0; len(keys) < most && read < groupScan; {
		list, err := rd.DB.ListNotifications(ctx, accountID, f)
		if err != nil {
			return 0, err
		}
		read += len(list)
		for _, n := range list {
			if keys[GroupKey(n, grouped)] = true; len(keys) == most {
				break
			}
		}
		if len(list) < f.Limit {
			break
		}
		f.Before = list[len(list)-1].ID
	}
	return len(keys), nil
}

// UnreadNotifications counts the account's notifications not yet read that f's filters
// keep, up to most.
func (rd *Reader) UnreadNotifications(ctx context.Context, accountID int64, f storage.Page, most int) (int, error) {
	f.Unread = true
	return rd.DB.CountNotifications(ctx, accountID, f, most)
}

// Markers returns where the account stopped reading the timelines named.
func (rd *Reader) Markers(ctx context.Context, accountID int64, timelines []string) ([]storage.Marker, error) {
	return rd.DB.ListMarkers(ctx, accountID, timelines)
}
