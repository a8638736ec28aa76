package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Shapes of the grouped notifications, the unread count and the marker, as Mastodon
// documents them.
var (
	groupedResultsShape    = map[string]string{"accounts": "array", "statuses": "array", "notification_groups": "array"}
	notificationGroupShape = map[string]string{"group_key": "string", "notifications_count": "number", "type": "string",
		"most_recent_notification_id": "string", "page_min_id": "string", "page_max_id": "string",
		"latest_page_notification_at": "string", "sample_account_ids": "array"}
	unreadCountShape = map[string]string{"count": "number"}
	markerShape      = map[string]string{"last_read_id": "string", "version": "number", "updated_at": "string"}
)

// notified is a world where alice was followed by bob and carol, liked by both on her public
// post, and mentioned by bob: five notifications, of which the likes group, and the
// follows when they came in the same window (keys tells).
type notified struct {
	*world
	keys  map[string][]string // alice's notification ids by group key, newest first
	order []string            // the group keys, the group of the newest notification first
	ids   []string            // alice's notification ids, newest first
	byID  map[string]string   // their group keys
	likes string              // the key of the likes' group
}

// groupsBelow are the group keys of the notifications older than id, in the order their
// newest comes.
func (x *notified) groupsBelow(id string) []string {
	var out []string
	for _, n := range x.ids {
		if len(n) < len(id) || len(n) == len(id) && n < id {
			if key := x.byID[n]; !slices.Contains(out, key) {
				out = append(out, key)
			}
		}
	}
	return out
}

func newNotified(t *testing.T) *notified {
	t.Helper()
	w := newWorld(t)
	for _, tok := range []string{w.bobTok, w.carolTok} {
		if status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses/" + w.public + "/favourite", token: tok}); status != 200 {
			t.Fatalf("favourite: %d %v", status, v)
		}
	}
	w.in.FollowRemote("carol", w.carolTok, w.in, "alice")
	x := &notified{world: w, keys: map[string][]string{}, byID: map[string]string{}}
	_, list, _ := get(t, w.in, "/api/v1/notifications", w.aliceTok)
	for _, n := range list.([]any) {
		key := field(n, "group_key")
		if _, seen := x.keys[key]; !seen {
			x.order = append(x.order, key)
		}
		x.keys[key] = append(x.keys[key], idOf(n))
		x.ids, x.byID[idOf(n)] = append(x.ids, idOf(n)), key
		if field(n, "type") == "favourite" {
			x.likes = key
		}
	}
	if len(list.([]any)) != 5 || len(x.keys[x.likes]) != 2 {
		t.Fatalf("alice's notifications: %v", list)
	}
	return x
}

// groupsAre checks the group keys of a page of groups and their counts.
func groupsAre(keys []string, counts ...int) func(v any) bool {
	return func(v any) bool {
		groups, _ := v.(map[string]any)["notification_groups"].([]any)
		if len(groups) != len(keys) {
			return false
		}
		for i, g := range groups {
			if field(g, "group_key") != keys[i] || (i < len(counts) && g.(map[string]any)["notifications_count"] != float64(counts[i])) {
				return false
			}
		}
		return true
	}
}

// countIs checks an unread count.
func countIs(n int) func(v any) bool {
	return func(v any) bool { c, _ := v.(map[string]any)["count"].(float64); return int(c) == n }
}

// TestGroupedNotifications reads alice's notifications grouped, over HTTP.
func TestGroupedNotifications(t *testing.T) {
	t.Parallel()
	x := newNotified(t)
	tok := x.aliceTok
	ungrouped := 0
	for _, ids := range x.keys {
		ungrouped += len(ids)
	}
	runWrites(t, x.in, []writeCase{
		{"every group", getReq("/api/v2/notifications", tok), 200, groupsAre(x.order)},
		{"the likes, grouped", getReq("/api/v2/notifications?types[]=favourite", tok), 200, func(v any) bool {
			g := v.(map[string]any)["notification_groups"].([]any)[0].(map[string]any)
			samples, _ := g["sample_account_ids"].([]any)
			accounts, _ := v.(map[string]any)["accounts"].([]any)
			statuses, _ := v.(map[string]any)["statuses"].([]any)
			return groupsAre([]string{x.likes}, 2)(v) && g["status_id"] == x.public && len(samples) == 2 &&
				len(accounts) == 2 && len(statuses) == 1 && idOf(statuses[0]) == x.public &&
				g["most_recent_notification_id"] == x.keys[x.likes][0] && g["page_max_id"] == x.keys[x.likes][0] &&
				g["page_min_id"] == x.keys[x.likes][1]
		}},
		{"no grouping the app cannot show", getReq("/api/v2/notifications?grouped_types[]=mention", tok), 200, func(v any) bool {
			groups, _ := v.(map[string]any)["notification_groups"].([]any)
			return len(groups) == ungrouped && strings.HasPrefix(field(groups[0], "group_key"), "ungrouped-")
		}},
		{"limit counts groups", getReq("/api/v2/notifications?limit=1", tok), 200, groupsAre(x.order[:1])},
		{"max_id", getReq("/api/v2/notifications?max_id="+x.ids[0], tok), 200, groupsAre(x.groupsBelow(x.ids[0]))},
		{"since_id", getReq("/api/v2/notifications?since_id="+x.ids[1], tok), 200, groupsAre([]string{x.byID[x.ids[0]]})},
		{"min_id", getReq("/api/v2/notifications?limit=1&min_id="+x.ids[len(x.ids)-1], tok), 200,
			groupsAre([]string{x.byID[x.ids[len(x.ids)-2]]})},
		{"account_id", getReq("/api/v2/notifications?types[]=favourite&account_id="+accountID(t, x.in, "carol"), tok), 200,
			groupsAre([]string{x.likes}, 2)},
		{"exclude_types", getReq("/api/v2/notifications?exclude_types[]=favourite&exclude_types[]=follow", tok), 200,
			func(v any) bool { return len(v.(map[string]any)["notification_groups"].([]any)) == 1 }},
		{"one group", getReq("/api/v2/notifications/"+x.likes, tok), 200, func(v any) bool {
			g := v.(map[string]any)["notification_groups"].([]any)[0].(map[string]any)
			_, paged := g["page_min_id"]
			return groupsAre([]string{x.likes}, 2)(v) && !paged
		}},
		{"one ungrouped", getReq("/api/v2/notifications/ungrouped-"+x.mentionNotification, tok), 200,
			groupsAre([]string{"ungrouped-" + x.mentionNotification}, 1)},
		{"another account's group", getReq("/api/v2/notifications/"+x.likes, x.bobTok), 404, nil},
		{"an unknown group", getReq("/api/v2/notifications/like-999999-1", tok), 404, nil},
		{"no group key", getReq("/api/v2/notifications/nonsense", tok), 404, nil},
		{"unread groups", getReq("/api/v2/notifications/unread_count", tok), 200, countIs(len(x.order))},
		{"unread groups, limit", getReq("/api/v2/notifications/unread_count?limit=1", tok), 200, countIs(1)},
		{"unread notifications", getReq("/api/v1/notifications/unread_count", tok), 200, countIs(5)},
		{"unread notifications, limit", getReq("/api/v1/notifications/unread_count?limit=2", tok), 200, countIs(2)},
		{"unread notifications, types", getReq("/api/v1/notifications/unread_count?types[]=follow", tok), 200, countIs(2)},
		{"unread notifications, only unknown types", getReq("/api/v1/notifications/unread_count?types[]=poll", tok), 200, countIs(0)},
		{"v1 list by account_id", getReq("/api/v1/notifications?account_id="+accountID(t, x.in, "carol"), tok), 200, count(2)},
		{"v1 list by a bad account_id", getReq("/api/v1/notifications?account_id=x", tok), 200, count(0)},
		{"no token", getReq("/api/v2/notifications", ""), 401, nil},
		{"without read:notifications", getReq("/api/v2/notifications", x.oauthToken(t, "alice", "read:statuses")), 403, nil},
		{"unread, no token", getReq("/api/v1/notifications/unread_count", ""), 401, nil},
		{"bad limit", getReq("/api/v2/notifications?limit=0", tok), 422, nil},
		{"bad unread limit", getReq("/api/v1/notifications/unread_count?limit=x", tok), 422, nil},
	})
	// Paging by the Link header walks every notification once, each page the groups it
	// spans: a group whose notifications are far apart comes again on a later page, as in
	// Mastodon, where apps merge it.
	var walked, spanned []string
	for next := "/api/v2/notifications?limit=1"; next != ""; {
		status, v, h := get(t, x.in, next, tok)
		if status != 200 {
			t.Fatalf("GET %s: %d", next, status)
		}
		for _, g := range v.(map[string]any)["notification_groups"].([]any) {
			if key := field(g, "group_key"); !slices.Contains(walked, key) {
				walked = append(walked, key)
			}
			for _, id := range x.ids {
				if x.byID[id] == field(g, "group_key") && !newerID(field(g, "page_min_id"), id) && !newerID(id, field(g, "page_max_id")) {
					spanned = append(spanned, id)
				}
			}
		}
		next = strings.TrimPrefix(linkOf(h, "next"), x.in.Base)
		if len(spanned) > 10 {
			t.Fatalf("walked too far: %v", walked)
		}
	}
	if !slices.Equal(walked, x.order) {
		t.Errorf("walked %v, want %v", walked, x.order)
	}
	slices.SortFunc(spanned, func(a, b string) int {
		if newerID(a, b) {
			return -1
		}
		return 1
	})
	if !slices.Equal(spanned, x.ids) {
		t.Errorf("the pages spanned %v, want each of %v once", spanned, x.ids)
	}
}

// newerID reports whether id a is newer than b.
func newerID(a, b string) bool { return len(a) > len(b) || len(a) == len(b) && a > b }

// TestDismissNotifications dismisses one notification, a group, then all.
func TestDismissNotifications(t *testing.T) {
	t.Parallel()
	x := newNotified(t)
	tok := x.aliceTok
	post := func(path, token string) request { return request{method: "POST", path: path, token: token} }
	empty := func(v any) bool { m, ok := v.(map[string]any); return ok && len(m) == 0 }
	left := func(n int) func(v any) bool {
		return func(any) bool {
			_, list, _ := get(t, x.in, "/api/v1/notifications", tok)
			return len(list.([]any)) == n
		}
	}
	runWrites(t, x.in, []writeCase{
		{"dismiss, read scope only", post("/api/v1/notifications/"+x.mentionNotification+"/dismiss", x.oauthToken(t, "alice", "read")), 403, nil},
		{"dismiss, no token", post("/api/v1/notifications/"+x.mentionNotification+"/dismiss", ""), 401, nil},
		{"dismiss another's", post("/api/v1/notifications/"+x.mentionNotification+"/dismiss", x.bobTok), 404, nil},
		{"dismiss unknown", post("/api/v1/notifications/987654/dismiss", tok), 404, nil},
		{"dismiss not an id", post("/api/v1/notifications/x/dismiss", tok), 404, nil},
		{"dismiss", post("/api/v1/notifications/"+x.mentionNotification+"/dismiss", x.oauthToken(t, "alice", "write:notifications")),
			200, func(v any) bool { return empty(v) && left(4)(v) }},
		{"dismiss again", post("/api/v1/notifications/"+x.mentionNotification+"/dismiss", tok), 404, nil},
		{"dismiss a group, read scope only", post("/api/v2/notifications/"+x.likes+"/dismiss", x.oauthToken(t, "alice", "read")), 403, nil},
		{"dismiss another's group", post("/api/v2/notifications/"+x.likes+"/dismiss", x.bobTok), 200, left(4)},
		{"dismiss a group", post("/api/v2/notifications/"+x.likes+"/dismiss", tok), 200, func(v any) bool { return empty(v) && left(2)(v) }},
		{"dismiss no group", post("/api/v2/notifications/nonsense/dismiss", tok), 200, left(2)},
		{"clear, read scope only", post("/api/v1/notifications/clear", x.oauthToken(t, "alice", "read")), 403, nil},
		{"clear", post("/api/v1/notifications/clear", tok), 200, func(v any) bool { return empty(v) && left(0)(v) }},
	})
	// bob's own notifications stay.
	if _, list, _ := get(t, x.in, "/api/v1/notifications", x.bobTok); len(list.([]any)) == 0 {
		t.Errorf("clearing alice's cleared bob's")
	}
}

// TestMarkers saves and reads where alice stopped reading; the notifications marker marks
// her notifications read.
func TestMarkers(t *testing.T) {
	t.Parallel()
	x := newNotified(t)
	tok := x.aliceTok
	newest := x.keys[x.order[0]][0]
	save := func(token string, body any) request {
		return request{method: "POST", path: "/api/v1/markers", token: token, body: body}
	}
	marker := func(timeline, id string, version int) func(v any) bool {
		return func(v any) bool {
			m, _ := v.(map[string]any)[timeline].(map[string]any)
			return m != nil && m["last_read_id"] == id && m["version"] == float64(version)
		}
	}
	runWrites(t, x.in, []writeCase{
		{"none yet", getReq("/api/v1/markers?timeline[]=home&timeline[]=notifications", tok), 200,
			func(v any) bool { return len(v.(map[string]any)) == 0 }},
		{"no token", getReq("/api/v1/markers?timeline[]=home", ""), 401, nil},
		{"save, no token", save("", url.Values{"home[last_read_id]": {x.public}}), 401, nil},
		{"save, read scope only", save(x.oauthToken(t, "alice", "read"), url.Values{"home[last_read_id]": {x.public}}), 403, nil},
		{"save, empty id", save(tok, url.Values{"home[last_read_id]": {""}}), 422, nil},
		{"save, an id too long", save(tok, url.Values{"home[last_read_id]": {strings.Repeat("1", 101)}}), 422, nil},
		{"save, JSON not nested", save(tok, map[string]any{"home": "1"}), 422, nil},
		{"save, one good and one bad: neither", save(tok, url.Values{"home[last_read_id]": {x.public},
			"notifications[last_read_id]": {" "}}), 422, nil},
		{"save home, a form", save(tok, url.Values{"home[last_read_id]": {x.public}}), 200, marker("home", x.public, 0)},
		{"save home again, JSON", save(tok, map[string]any{"home": map[string]any{"last_read_id": x.private}}), 200,
			marker("home", x.private, 1)},
		{"save notifications", save(x.oauthToken(t, "alice", "write:statuses"), url.Values{"notifications[last_read_id]": {newest}}),
			200, marker("notifications", newest, 0)},
		{"nothing unread once marked", getReq("/api/v1/notifications/unread_count", tok), 200, countIs(0)},
		{"read both", getReq("/api/v1/markers?timeline[]=home&timeline[]=notifications", x.oauthToken(t, "alice", "read:statuses")),
			200, func(v any) bool { return marker("home", x.private, 1)(v) && marker("notifications", newest, 0)(v) }},
		{"read one", getReq("/api/v1/markers?timeline[]=notifications", tok), 200, func(v any) bool {
			_, home := v.(map[string]any)["home"]
			return marker("notifications", newest, 0)(v) && !home
		}},
		{"bob's are his own", getReq("/api/v1/markers?timeline[]=home", x.bobTok), 200,
			func(v any) bool { return len(v.(map[string]any)) == 0 }},
	})
}

// TestNotificationShapes checks GroupedNotificationsResults, NotificationGroup, the unread
// count and Marker.
func TestNotificationShapes(t *testing.T) {
	t.Parallel()
	x := newNotified(t)
	status, v, _ := get(t, x.in, "/api/v2/notifications?types[]=favourite", x.aliceTok)
	if status != 200 {
		t.Fatalf("grouped: %d %v", status, v)
	}
	shape(t, "GroupedNotificationsResults", v, groupedResultsShape)
	groups := v.(map[string]any)["notification_groups"].([]any)
	shape(t, "NotificationGroup", groups[0], notificationGroupShape)
	shape(t, "NotificationGroup (a status's)", groups[0], map[string]string{"status_id": "string"})
	shape(t, "Account", v.(map[string]any)["accounts"].([]any)[0], accountShape)
	shape(t, "Status", v.(map[string]any)["statuses"].([]any)[0], statusShape)
	_, v, _ = get(t, x.in, "/api/v2/notifications/unread_count", x.aliceTok)
	shape(t, "unread count", v, unreadCountShape)
	_, v, _ = get(t, x.in, "/api/v1/notifications/unread_count", x.aliceTok)
	shape(t, "unread count (v1)", v, unreadCountShape)
	status, v = send(t, x.in, request{method: "POST", path: "/api/v1/markers", token: x.aliceTok,
		body: url.Values{"notifications[last_read_id]": {"1"}}})
	if status != 200 {
		t.Fatalf("markers: %d %v", status, v)
	}
	shape(t, "Marker", v.(map[string]any)["notifications"], markerShape)
}
