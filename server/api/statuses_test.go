package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// The endpoints of statuses.go: edits with their history and source, bookmarks,
// favourites, pins, and the filters of an account's statuses.

var (
	statusEditShape = map[string]string{"content": "string", "spoiler_text": "string", "sensitive": "bool",
		"created_at": "string", "account": "object", "media_attachments": "array", "emojis": "array"}
	statusSourceShape = map[string]string{"id": "string", "text": "string", "spoiler_text": "string"}
)

// statusPath is the path of a status, or of one of its actions.
func statusPath(id string, action ...string) string {
	return strings.Join(append([]string{"/api/v1/statuses/" + id}, action...), "/")
}

// list is a decoded JSON array, nil when the value is not one.
func list(v any) []any { l, _ := v.([]any); return l }

// ids lists the ids of a decoded list of entities.
func ids(v any) []string {
	var out []string
	for _, x := range list(v) {
		out = append(out, idOf(x))
	}
	return out
}

// attachments are the media attachments of a decoded status or status edit.
func attachments(v any) []any {
	m, _ := v.(map[string]any)
	return list(m["media_attachments"])
}

// TestEditStatus edits through PUT /api/v1/statuses/:id as forms and JSON, with media and
// their descriptions; only the author may, and a refused edit stores nothing.
func TestEditStatus(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first := uploadImage(t, w.in, w.aliceTok, "first picture")
	second := uploadImage(t, w.in, w.aliceTok, "second picture")
	bobMedia := uploadImage(t, w.in, w.bobTok, "bob's")
	_, other := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok,
		body: map[string]any{"status": "with a picture", "media_ids": []string{uploadImage(t, w.in, w.aliceTok, "taken")}}})
	taken := idOf(attachments(other)[0])
	if status, v, _ := get(t, w.in, statusPath(w.public), w.aliceTok); status != 200 || v.(map[string]any)["edited_at"] != nil {
		t.Fatalf("before any edit: %d %v, want edited_at null", status, v)
	}
	edit := func(token, id string, body any) request {
		return request{method: "PUT", path: statusPath(id), token: token, body: body}
	}
	edited := func(text string, media ...string) func(v any) bool {
		return func(v any) bool {
			m := v.(map[string]any)
			atts := attachments(v)
			if idOf(v) != w.public || !strings.Contains(field(v, "content"), text) || m["edited_at"] == nil ||
				len(atts) != len(media) {
				return false
			}
			for i, desc := range media {
				if field(atts[i], "description") != desc {
					return false
				}
			}
			return true
		}
	}
	runWrites(t, w.in, []writeCase{
		{"no token", edit("", w.public, url.Values{"status": {"x"}}), 401, nil},
		{"bad token", edit("nope", w.public, url.Values{"status": {"x"}}), 401, nil},
		{"read and favourites only", edit(w.oauthToken(t, "alice", "read write:favourites"), w.public, url.Values{"status": {"x"}}), 403, nil},
		{"someone else's, readable", edit(w.bobTok, w.public, url.Values{"status": {"mine now"}}), 404, nil},
		{"someone else's, hidden", edit(w.carolTok, w.private, url.Values{"status": {"mine now"}}), 404, nil},
		{"unknown", edit(w.aliceTok, "999999998", url.Values{"status": {"x"}}), 404, nil},
		{"not an id", edit(w.aliceTok, "abc", url.Values{"status": {"x"}}), 404, nil},
		{"empty", edit(w.aliceTok, w.public, url.Values{"status": {" "}}), 422, nil},
		{"too long", edit(w.aliceTok, w.public, url.Values{"status": {strings.Repeat("é", 5001)}}), 422, nil},
		{"bad language", edit(w.aliceTok, w.public, url.Values{"status": {"x"}, "language": {"not a language"}}), 422, nil},
		{"media not yours", edit(w.aliceTok, w.public, map[string]any{"status": "x", "media_ids": []string{bobMedia}}), 422, nil},
		{"media of another post", edit(w.aliceTok, w.public, map[string]any{"status": "x", "media_ids": []string{taken}}), 422, nil},
		{"unknown media", edit(w.aliceTok, w.public, url.Values{"status": {"x"}, "media_ids[]": {"987654"}}), 422, nil},
		{"too many media", edit(w.aliceTok, w.public, url.Values{"status": {"x"}, "media_ids[]": {first, second, "3", "4", "5"}}), 422, nil},
		{"a description too long", edit(w.aliceTok, w.public, map[string]any{"status": "x", "media_ids": []string{first},
			"media_attributes": []any{map[string]any{"id": first, "description": strings.Repeat("x", 5000)}}}), 422, nil},
		{"bad JSON", edit(w.aliceTok, w.public, []int{1}), 422, nil},
		{"form, with write:statuses", edit(w.oauthToken(t, "alice", "write:statuses"), w.public,
			url.Values{"status": {"Hello again @bob"}, "spoiler_text": {"new cw"}}), 200, func(v any) bool {
			return edited("Hello again")(v) && field(v, "spoiler_text") == "new cw" && v.(map[string]any)["sensitive"] == true
		}},
		{"JSON, with media and a new description", edit(w.aliceTok, w.public, map[string]any{"status": "pictures",
			"media_ids": []string{first, second}, "language": "de",
			"media_attributes": []any{map[string]any{"id": second, "description": "described anew", "focus": "0.0,0.0"}}}), 200,
			func(v any) bool {
				return edited("pictures", "first picture", "described anew")(v) && field(v, "language") == "de" &&
					field(v, "spoiler_text") == ""
			}},
		{"form, media reordered, described in a form's list", edit(w.aliceTok, w.public, url.Values{"status": {"reordered"},
			"media_ids[]": {second, first}, "media_attributes[][id]": {first}, "media_attributes[][description]": {"one"}}), 200,
			edited("reordered", "described anew", "one")},
		{"media_ids left out: the media go", edit(w.aliceTok, w.public, url.Values{"status": {"words only"}}), 200,
			edited("words only")},
	})
	// The picture the last edit left out is the author's to post again.
	status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok,
		body: map[string]any{"status": "reposted", "media_ids": []string{first}}})
	if status != 200 || len(attachments(v)) != 1 {
		t.Errorf("posting a picture an edit let go: %d %v", status, v)
	}

	_, hist, _ := get(t, w.in, statusPath(w.public, "history"), "")
	versions := list(hist)
	wantText := []string{"#<span>Refuge", "Hello again", "pictures", "reordered", "words only"}
	if len(versions) != len(wantText) {
		t.Fatalf("history: %d versions, want %d: %v", len(versions), len(wantText), hist)
	}
	for i, v := range versions {
		shape(t, "StatusEdit", v, statusEditShape)
		if !strings.Contains(field(v, "content"), wantText[i]) {
			t.Errorf("version %d: %q, want %q", i, field(v, "content"), wantText[i])
		}
		if i > 0 && field(v, "created_at") < field(versions[i-1], "created_at") {
			t.Errorf("version %d dated %s, before the one before it", i, field(v, "created_at"))
		}
	}
	if field(versions[0], "spoiler_text") != "cw" || len(attachments(versions[2])) != 2 ||
		field(attachments(versions[2])[1], "description") != "described anew" || len(attachments(versions[4])) != 0 {
		t.Errorf("history: %v", versions)
	}
	_, now, _ := get(t, w.in, statusPath(w.public), "")
	if field(versions[len(versions)-1], "created_at") != field(now, "edited_at") {
		t.Errorf("the last version dated %s, the status edited at %s", field(versions[len(versions)-1], "created_at"),
			field(now, "edited_at"))
	}
}

// TestHistoryAndSource reads a status's versions, anyone who may read it, and its source,
// its author alone.
func TestHistoryAndSource(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, c := range []struct {
		name, path, token string
		status            int
		check             func(v any) bool
	}{
		{"history, never edited", statusPath(w.public, "history"), "", 200, func(v any) bool {
			l := list(v)
			if len(l) != 1 {
				return false
			}
			shape(t, "StatusEdit", l[0], statusEditShape)
			shape(t, "Account", l[0].(map[string]any)["account"], accountShape)
			return strings.Contains(field(l[0], "content"), "Hello") && field(l[0], "spoiler_text") == "cw" &&
				l[0].(map[string]any)["sensitive"] == true && idOf(l[0].(map[string]any)["account"]) == w.aliceID
		}},
		{"history of a followers-only post, to a follower", statusPath(w.private, "history"), w.bobTok, 200, count(1)},
		{"history of a followers-only post, to a stranger", statusPath(w.private, "history"), w.carolTok, 404, nil},
		{"history of a followers-only post, anonymous", statusPath(w.private, "history"), "", 404, nil},
		{"history, unknown", statusPath("999999998", "history"), "", 404, nil},
		{"history, bad token", statusPath(w.public, "history"), "nope", 401, nil},
		{"source", statusPath(w.public, "source"), w.oauthToken(t, "alice", "read:statuses"), 200, func(v any) bool {
			shape(t, "StatusSource", v, statusSourceShape)
			return idOf(v) == w.public && field(v, "text") == "Hello @bob #Refuge" && field(v, "spoiler_text") == "cw"
		}},
		{"source, no token", statusPath(w.public, "source"), "", 401, nil},
		{"source, write only", statusPath(w.public, "source"), w.oauthToken(t, "alice", "write"), 403, nil},
		{"source, someone else's", statusPath(w.public, "source"), w.bobTok, 404, nil},
		{"source, unknown", statusPath("999999998", "source"), w.aliceTok, 404, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, v, _ := get(t, w.in, c.path, c.token)
			if status != c.status {
				t.Fatalf("GET %s: %d %v, want %d", c.path, status, v, c.status)
			}
			if status >= 400 && field(v, "error") == "" {
				t.Errorf("error body %v", v)
			}
			if c.check != nil && !c.check(v) {
				t.Errorf("GET %s: %v", c.path, v)
			}
		})
	}
}

// flag checks that a status answer is id with attr set to on.
func flag(id, attr string, on bool) func(v any) bool {
	return func(v any) bool { m, _ := v.(map[string]any); return idOf(v) == id && m[attr] == on }
}

// TestBookmarks bookmarks statuses the viewer may read, lists them newest bookmark first,
// paged by the bookmarks' own ids, and shows bookmarked wherever the status appears.
func TestBookmarks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	act := func(token, id, action string) request {
		return request{method: "POST", path: statusPath(id, action), token: token}
	}
	runWrites(t, w.in, []writeCase{
		{"no token", act("", w.public, "bookmark"), 401, nil},
		{"favourites scope only", act(w.oauthToken(t, "bob", "write:favourites"), w.public, "bookmark"), 403, nil},
		{"hidden", act(w.carolTok, w.private, "bookmark"), 404, nil},
		{"unknown", act(w.bobTok, "999999998", "bookmark"), 404, nil},
		{"not an id", act(w.bobTok, "x", "bookmark"), 404, nil},
		// The reply is newer than the post it answers, but bookmarked first.
		{"bookmark the reply", act(w.oauthToken(t, "bob", "write:bookmarks"), w.reply, "bookmark"), 200, flag(w.reply, "bookmarked", true)},
		{"bookmark the post", act(w.bobTok, w.public, "bookmark"), 200, flag(w.public, "bookmarked", true)},
		{"bookmark again", act(w.bobTok, w.public, "bookmark"), 200, flag(w.public, "bookmarked", true)},
		{"bookmark a followers-only post", act(w.bobTok, w.private, "bookmark"), 200, flag(w.private, "bookmarked", true)},
		{"unbookmark", act(w.bobTok, w.private, "unbookmark"), 200, flag(w.private, "bookmarked", false)},
		{"unbookmark again", act(w.bobTok, w.private, "unbookmark"), 200, flag(w.private, "bookmarked", false)},
		{"unbookmark, hidden", act(w.carolTok, w.private, "unbookmark"), 404, nil},
	})
	checkMarkedList(t, w, "/api/v1/bookmarks", "read:bookmarks", w.bobTok, []string{w.public, w.reply})
	// Bookmarked shows for its viewer wherever statuses are shown, and only for it.
	_, home, _ := get(t, w.in, "/api/v1/timelines/home", w.bobTok)
	for _, s := range list(home) {
		want := idOf(s) == w.public || idOf(s) == w.reply
		if s.(map[string]any)["bookmarked"] != want {
			t.Errorf("bob's home: %s bookmarked %v, want %v", idOf(s), s.(map[string]any)["bookmarked"], want)
		}
	}
	if _, v, _ := get(t, w.in, statusPath(w.public), w.aliceTok); v.(map[string]any)["bookmarked"] != false {
		t.Errorf("alice sees bob's bookmark: %v", v)
	}
	// A bookmark is the account's own: nothing is queued for anyone.
	if !w.in.QueueEmpty() {
		t.Error("a bookmark queued deliveries")
	}
}

// checkMarkedList checks a list of what token's account marked (want, newest mark
// first): its scope, its paging by Link both ways, its refusals.
func checkMarkedList(t *testing.T, w *world, path, scope, token string, want []string) {
	t.Helper()
	for _, c := range []struct {
		name, path, token string
		status            int
		want              []string
	}{
		{"list", path, w.oauthToken(t, "bob", scope), 200, want},
		{"limit 1", path + "?limit=1", token, 200, want[:1]},
		{"nobody's", path, w.carolTok, 200, nil},
		{"no token", path, "", 401, nil},
		{"wrong scope", path, w.oauthToken(t, "bob", "read:statuses"), 403, nil},
		{"bad limit", path + "?limit=x", token, 422, nil},
		{"bad max_id", path + "?max_id=x", token, 422, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, v, _ := get(t, w.in, c.path, c.token)
			if status != c.status {
				t.Fatalf("GET %s: %d %v, want %d", c.path, status, v, c.status)
			}
			if status == 200 && strings.Join(ids(v), ",") != strings.Join(c.want, ",") {
				t.Errorf("GET %s: %v, want %v", c.path, ids(v), c.want)
			}
		})
	}
	_, v, h := get(t, w.in, path+"?limit=1", token)
	next := strings.TrimPrefix(linkOf(h, "next"), w.in.Base)
	_, older, h2 := get(t, w.in, next, token)
	if strings.Join(ids(older), ",") != strings.Join(want[1:2], ",") {
		t.Fatalf("next page %s: %v, want %v", next, ids(older), want[1:2])
	}
	prev := strings.TrimPrefix(linkOf(h2, "prev"), w.in.Base)
	if _, newer, _ := get(t, w.in, prev, token); strings.Join(ids(newer), ",") != strings.Join(ids(v), ",") {
		t.Errorf("prev page %s: %v, want %v", prev, ids(newer), ids(v))
	}
}

// TestFavourites lists the viewer's liked statuses, newest like first, paged by the likes.
func TestFavourites(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, id := range []string{w.reply, w.public} {
		if status, v := send(t, w.in, request{method: "POST", path: statusPath(id, "favourite"), token: w.bobTok}); status != 200 {
			t.Fatalf("favourite: %d %v", status, v)
		}
	}
	checkMarkedList(t, w, "/api/v1/favourites", "read:favourites", w.bobTok, []string{w.public, w.reply})
	_, v, _ := get(t, w.in, "/api/v1/favourites", w.bobTok)
	for _, s := range list(v) {
		if s.(map[string]any)["favourited"] != true {
			t.Errorf("a favourite not favourited: %v", s)
		}
	}
}

// TestPins pins the viewer's own public and unlisted statuses, up to Mastodon's limit,
// refusing the rest as Mastodon does.
func TestPins(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	act := func(token, id, action string) request {
		return request{method: "POST", path: statusPath(id, action), token: token}
	}
	var more []string
	for i := range 5 {
		_, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok,
			body: url.Values{"status": {"pin me " + string(rune('a'+i))}, "visibility": {"unlisted"}}})
		more = append(more, idOf(v))
	}
	message := func(want string) func(v any) bool {
		return func(v any) bool { return field(v, "error") == want }
	}
	cases := []writeCase{
		{"no token", act("", w.public, "pin"), 401, nil},
		{"statuses scope only", act(w.oauthToken(t, "alice", "write:statuses"), w.public, "pin"), 403, nil},
		{"hidden", act(w.carolTok, w.private, "pin"), 404, nil},
		{"unknown", act(w.aliceTok, "999999998", "pin"), 404, nil},
		{"own public", act(w.oauthToken(t, "alice", "write:accounts"), w.public, "pin"), 200, flag(w.public, "pinned", true)},
		{"again", act(w.aliceTok, w.public, "pin"), 200, flag(w.public, "pinned", true)},
		{"own followers-only, as on Mastodon", act(w.aliceTok, w.private, "pin"), 200, flag(w.private, "pinned", true)},
		{"someone else's", act(w.bobTok, w.public, "pin"), 422, nil},
	}
	for i, id := range more[:3] {
		cases = append(cases, writeCase{"own unlisted " + string(rune('a'+i)), act(w.aliceTok, id, "pin"), 200, flag(id, "pinned", true)})
	}
	cases = append(cases,
		writeCase{"a sixth", act(w.aliceTok, more[3], "pin"), 422, nil},
		writeCase{"unpin", act(w.aliceTok, more[0], "unpin"), 200, flag(more[0], "pinned", false)},
		writeCase{"unpin again", act(w.aliceTok, more[0], "unpin"), 200, flag(more[0], "pinned", false)},
		writeCase{"a sixth, after one went", act(w.aliceTok, more[3], "pin"), 200, flag(more[3], "pinned", true)},
	)
	runWrites(t, w.in, cases)
	for _, c := range []struct {
		name, id, token, want string
	}{
		{"someone else's", w.public, w.bobTok, "Validation failed: Someone else's post cannot be pinned"},
		{"the limit", more[0], w.aliceTok, "Validation failed: You have already pinned the maximum number of posts"},
	} {
		if status, v := send(t, w.in, act(c.token, c.id, "pin")); status != 422 || !message(c.want)(v) {
			t.Errorf("%s: %d %v, want 422 %q", c.name, status, v, c.want)
		}
	}
	// The followers-only pin shows to a follower, not to anyone else.
	_, v, _ := get(t, w.in, "/api/v1/accounts/"+w.aliceID+"/statuses?pinned=true", w.bobTok)
	if got := ids(v); len(got) != 5 || !slices.Contains(got, w.private) {
		t.Errorf("pinned statuses, to bob who follows alice: %v, want 5 with the followers-only one", got)
	}
	_, v, _ = get(t, w.in, "/api/v1/accounts/"+w.aliceID+"/statuses?pinned=true", "")
	if got := ids(v); len(got) != 4 || slices.Contains(got, w.private) {
		t.Errorf("pinned statuses, to anyone: %v, want 4 without the followers-only one", got)
	}
	for _, s := range list(v) {
		if _, shown := s.(map[string]any)["pinned"]; shown {
			t.Errorf("pinned shown to an anonymous viewer: %v", s)
		}
	}
}

// TestAccountStatusesFilters: exclude_replies, exclude_reblogs, only_media, pinned and
// tagged, alone and together, filtered where the page is read so that pages stay full.
func TestAccountStatusesFilters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	post := func(body map[string]any) string {
		t.Helper()
		status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok, body: body})
		if status != 200 {
			t.Fatalf("post: %d %v", status, v)
		}
		return idOf(v)
	}
	media := post(map[string]any{"status": "a picture #cats", "media_ids": []string{uploadImage(t, w.in, w.aliceTok, "")}})
	reply := post(map[string]any{"status": "@bob #cats answer", "in_reply_to_id": w.reply})
	for range 3 {
		post(map[string]any{"status": "filler"})
	}
	if status, v := send(t, w.in, request{method: "POST", path: statusPath(media, "pin"), token: w.aliceTok}); status != 200 {
		t.Fatalf("pin: %d %v", status, v)
	}
	base := "/api/v1/accounts/" + w.aliceID + "/statuses?"
	for _, c := range []struct {
		name, query string
		status      int
		want        []string
	}{
		{"tagged", "tagged=cats", 200, []string{reply, media}},
		{"tagged, any case, with #", "tagged=%23CATS", 200, []string{reply, media}},
		{"tagged, one a page", "tagged=cats&limit=1", 200, []string{reply}},
		{"tagged, next page", "tagged=cats&limit=1&max_id=" + reply, 200, []string{media}},
		{"tagged, no replies", "tagged=cats&exclude_replies=true", 200, []string{media}},
		{"tagged refuge", "tagged=refuge", 200, []string{w.public}},
		{"tagged, unknown", "tagged=nothing", 200, nil},
		{"only media", "only_media=1", 200, []string{media}},
		{"only media, excluding reblogs", "only_media=true&exclude_reblogs=true", 200, []string{media}},
		{"pinned", "pinned=true", 200, []string{media}},
		{"pinned, tagged otherwise", "pinned=true&tagged=refuge", 200, nil},
		{"pinned, no replies", "pinned=true&exclude_replies=true", 200, []string{media}},
		{"no replies, one a page", "exclude_replies=true&limit=4", 200, nil},
		{"tagged, too long", "tagged=" + strings.Repeat("x", 101), 422, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, v, _ := get(t, w.in, base+c.query, w.bobTok)
			if status != c.status {
				t.Fatalf("GET %s: %d %v, want %d", c.query, status, v, c.status)
			}
			if c.name == "no replies, one a page" {
				for _, s := range list(v) {
					if idOf(s) == reply {
						t.Errorf("a reply to bob among alice's statuses without replies")
					}
				}
				if len(list(v)) != 4 {
					t.Errorf("a page of 4 without replies has %d", len(list(v)))
				}
				return
			}
			if status == 200 && strings.Join(ids(v), ",") != strings.Join(c.want, ",") {
				t.Errorf("GET %s: %v, want %v", c.query, ids(v), c.want)
			}
		})
	}
}

// TestEditAcrossInstances: alice on A follows bob on B; bob edits his post through B's API,
// and A's API shows alice the new text, its edit time and both versions.
func TestEditAcrossInstances(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	onA := idOf(x.home[0])
	if x.home[0].(map[string]any)["edited_at"] != nil {
		t.Fatalf("before the edit: %v", x.home[0])
	}
	_, list, _ := get(t, x.b, "/api/v1/accounts/"+accountID(t, x.b, "bob")+"/statuses", x.bobTok)
	onB := idOf(list.([]any)[0])
	status, edited := send(t, x.b, request{method: "PUT", path: statusPath(onB), token: x.bobTok,
		body: map[string]any{"status": "from B, edited #federation", "spoiler_text": "now with a warning"}})
	if status != 200 || edited.(map[string]any)["edited_at"] == nil {
		t.Fatalf("edit on B: %d %v", status, edited)
	}
	var got any
	testrig.Eventually(t, testrig.FederationWait, "the edit on A", func() bool {
		_, got, _ = get(t, x.a, statusPath(onA), x.aliceTok)
		return strings.Contains(field(got, "content"), "edited")
	})
	if got.(map[string]any)["edited_at"] == nil || field(got, "spoiler_text") != "now with a warning" {
		t.Errorf("on A: %v", got)
	}
	_, hist, _ := get(t, x.a, statusPath(onA, "history"), x.aliceTok)
	versions := hist.([]any)
	if len(versions) != 2 || strings.Contains(field(versions[0], "content"), "edited") ||
		!strings.Contains(field(versions[1], "content"), "edited") || field(versions[1], "spoiler_text") != "now with a warning" {
		t.Errorf("history on A: %v", hist)
	}
	for _, v := range versions {
		if field(v.(map[string]any)["account"], "acct") != "bob@"+x.b.Cfg.Domain {
			t.Errorf("a version by %v, want bob@B", v.(map[string]any)["account"])
		}
	}
}
