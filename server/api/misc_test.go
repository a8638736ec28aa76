package api_test

import (
	"strconv"
	"testing"
	"time"
)

// Shapes of the preferences and the instance's weekly activity, as Mastodon documents them.
var (
	preferencesShape = map[string]string{"posting:default:visibility": "string", "posting:default:sensitive": "bool",
		"posting:default:language": "string|null", "reading:expand:media": "string", "reading:expand:spoilers": "bool"}
	activityShape = map[string]string{"week": "string", "statuses": "string", "logins": "string", "registrations": "string"}
)

// TestMiscEndpoints asks the endpoints apps read at start-up over HTTP: preferences, the
// lists Refuge has nothing in yet, trends, peers and the weekly activity.
func TestMiscEndpoints(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tok := w.aliceTok
	empty := count(0)
	monday := time.Now().UTC().Truncate(24 * time.Hour)
	monday = monday.AddDate(0, 0, -((int(monday.Weekday()) + 6) % 7))
	// Every local account was made this week: the instance's admin too.
	_, inst, _ := get(t, w.in, "/api/v1/instance", "")
	users := strconv.Itoa(int(inst.(map[string]any)["stats"].(map[string]any)["user_count"].(float64)))
	runWrites(t, w.in, []writeCase{
		{"preferences", getReq("/api/v1/preferences", tok), 200, func(v any) bool {
			m := v.(map[string]any)
			return m["posting:default:visibility"] == "public" && m["posting:default:sensitive"] == false &&
				m["posting:default:language"] == nil && m["reading:expand:media"] == "default"
		}},
		{"preferences with read:accounts", getReq("/api/v1/preferences", w.oauthToken(t, "alice", "read:accounts")), 200, nil},
		{"preferences without read:accounts", getReq("/api/v1/preferences", w.oauthToken(t, "alice", "read:statuses")), 403, nil},
		{"preferences, no token", getReq("/api/v1/preferences", ""), 401, nil},
		{"custom emoji", getReq("/api/v1/custom_emojis", ""), 200, empty},
		{"filters v2", getReq("/api/v2/filters", tok), 200, empty},
		{"filters v1", getReq("/api/v1/filters", tok), 200, empty},
		{"a filter v2", getReq("/api/v2/filters/1", tok), 404, nil},
		{"a filter v1", getReq("/api/v1/filters/1", tok), 404, nil},
		{"filters, no token", getReq("/api/v2/filters", ""), 401, nil},
		{"filters without read:filters", getReq("/api/v2/filters", w.oauthToken(t, "alice", "read:statuses")), 403, nil},
		{"announcements", getReq("/api/v1/announcements", tok), 200, empty},
		{"announcements, no token", getReq("/api/v1/announcements", ""), 401, nil},
		{"followed tags", getReq("/api/v1/followed_tags", tok), 200, empty},
		{"followed tags, no token", getReq("/api/v1/followed_tags", ""), 401, nil},
		{"instance rules", getReq("/api/v1/instance/rules", ""), 200, empty},
		{"trending tags", getReq("/api/v1/trends/tags", ""), 200, func(v any) bool {
			l, _ := v.([]any)
			return len(l) == 1 && field(l[0], "name") == "refuge"
		}},
		{"trending tags, the older path", getReq("/api/v1/trends", ""), 200, count(1)},
		{"trending tags, offset", getReq("/api/v1/trends/tags?offset=1", ""), 200, empty},
		{"trending tags, bad limit", getReq("/api/v1/trends/tags?limit=-1", ""), 422, nil},
		{"trending tags, bad offset", getReq("/api/v1/trends/tags?offset=x", ""), 422, nil},
		{"trending statuses", getReq("/api/v1/trends/statuses", ""), 200, empty},
		{"trending links", getReq("/api/v1/trends/links", ""), 200, empty},
		{"trending statuses, bad limit", getReq("/api/v1/trends/statuses?limit=x", ""), 422, nil},
		{"peers: none yet", getReq("/api/v1/instance/peers", ""), 200, empty},
		{"activity", getReq("/api/v1/instance/activity", ""), 200, func(v any) bool {
			l, _ := v.([]any)
			if len(l) != 12 {
				return false
			}
			week := l[0].(map[string]any)
			last := l[11].(map[string]any)
			return week["week"] == strconv.FormatInt(monday.Unix(), 10) && week["statuses"] == "3" &&
				week["registrations"] == users && week["logins"] != "0" && last["statuses"] == "0" &&
				last["week"] == strconv.FormatInt(monday.AddDate(0, 0, -77).Unix(), 10)
		}},
		{"a bad token anywhere", getReq("/api/v1/instance/activity", "nope"), 401, nil},
	})
	// The shapes.
	_, prefs, _ := get(t, w.in, "/api/v1/preferences", tok)
	shape(t, "Preferences", prefs, preferencesShape)
	_, trends, _ := get(t, w.in, "/api/v1/trends/tags", "")
	tag := trends.([]any)[0]
	shape(t, "Tag (trending)", tag, hashtagShape)
	for _, d := range tag.(map[string]any)["history"].([]any) {
		shape(t, "Tag history", d, tagHistoryShape)
	}
	_, weeks, _ := get(t, w.in, "/api/v1/instance/activity", "")
	for _, wk := range weeks.([]any) {
		shape(t, "Activity", wk, activityShape)
	}
	// A full page of trends links to the next by offset.
	if _, _, h := w.in.Do("GET", "/api/v1/trends/tags?limit=1", "", nil); linkOf(h, "next") != w.in.Base+"/api/v1/trends/tags?limit=1&offset=1" {
		t.Errorf("trends Link: %q", h.Get("Link"))
	}
}
