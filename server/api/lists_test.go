package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

var listShape = map[string]string{"id": "string", "title": "string", "replies_policy": "string", "exclusive": "bool"}

// idsIn is the ids of the entities of a list answer.
func idsIn(v any) []string {
	var out []string
	for _, e := range statusesIn(v) {
		out = append(out, idOf(e))
	}
	return out
}

// TestListsAPI: bob keeps a list of the accounts he follows through /api/v1/lists: it holds
// alice, whom he follows, and not carol, whom he does not (422, nothing stored); its
// timeline shows alice's posts and not his own, pages with a Link header, honours the
// replies policy, and an exclusive list takes alice out of his home timeline. Every
// endpoint wants its scope; another account's list, or one that does not exist, is 404;
// unfollowing alice takes her out of the list.
func TestListsAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	in := w.in
	req := func(method, path, token string, body any) request {
		return request{method: method, path: path, token: token, body: body}
	}
	tok := w.bobTok
	carolID := accountID(t, in, "carol")
	var list string // bob's list "Friends"
	lp := func(rest string) string { return "/api/v1/lists/" + list + rest }
	members := func(ids ...string) url.Values { return url.Values{"account_ids[]": ids} }
	runWrites(t, in, []writeCase{
		{"create, no token", req("POST", "/api/v1/lists", "", url.Values{"title": {"Friends"}}), 401, nil},
		{"create with read:lists", req("POST", "/api/v1/lists", w.oauthToken(t, "bob", "read:lists"), url.Values{"title": {"Friends"}}), 403, nil},
		{"read with write:lists", req("GET", "/api/v1/lists", w.oauthToken(t, "bob", "write:lists"), nil), 403, nil},
		{"no title", req("POST", "/api/v1/lists", tok, url.Values{"replies_policy": {"list"}}), 422, nil},
		{"blank title", req("POST", "/api/v1/lists", tok, url.Values{"title": {"  "}}), 422, nil},
		{"title too long", req("POST", "/api/v1/lists", tok, url.Values{"title": {strings.Repeat("x", 257)}}), 422, nil},
		{"unknown replies policy", req("POST", "/api/v1/lists", tok, url.Values{"title": {"Friends"}, "replies_policy": {"some"}}), 422, nil},
		{"create", req("POST", "/api/v1/lists", w.oauthToken(t, "bob", "write:lists"), map[string]any{"title": " Friends "}), 200,
			func(v any) bool {
				shape(t, "List", v, listShape)
				list = idOf(v)
				m := v.(map[string]any)
				return m["title"] == "Friends" && m["replies_policy"] == "list" && m["exclusive"] == false
			}},
	})
	runWrites(t, in, []writeCase{
		{"read", req("GET", lp(""), w.oauthToken(t, "bob", "read:lists"), nil), 200, func(v any) bool { return idOf(v) == list }},
		{"all", req("GET", "/api/v1/lists", tok, nil), 200, func(v any) bool { return slices.Equal(idsIn(v), []string{list}) }},
		{"bad id", req("GET", "/api/v1/lists/abc", tok, nil), 404, nil},
		{"unknown id", req("GET", "/api/v1/lists/99999999", tok, nil), 404, nil},
		{"carol reads bob's", req("GET", lp(""), w.carolTok, nil), 404, nil},
		{"carol renames bob's", req("PUT", lp(""), w.carolTok, url.Values{"title": {"Mine"}}), 404, nil},
		{"carol deletes bob's", req("DELETE", lp(""), w.carolTok, nil), 404, nil},
		{"carol reads bob's members", req("GET", lp("/accounts"), w.carolTok, nil), 404, nil},
		{"carol adds to bob's", req("POST", lp("/accounts"), w.carolTok, members(w.aliceID)), 404, nil},
		{"carol reads bob's timeline", req("GET", "/api/v1/timelines/list/"+list, w.carolTok, nil), 404, nil},
		{"timeline, bad id", req("GET", "/api/v1/timelines/list/x", tok, nil), 404, nil},
		{"timeline, no token", req("GET", "/api/v1/timelines/list/"+list, "", nil), 401, nil},
		{"timeline with write:lists", req("GET", "/api/v1/timelines/list/"+list, w.oauthToken(t, "bob", "write:lists"), nil), 403, nil},
		{"add, no token", req("POST", lp("/accounts"), "", members(w.aliceID)), 401, nil},
		{"add with read:lists", req("POST", lp("/accounts"), w.oauthToken(t, "bob", "read:lists"), members(w.aliceID)), 403, nil},
		{"add nobody", req("POST", lp("/accounts"), tok, nil), 422, nil},
		{"add carol, not followed", req("POST", lp("/accounts"), tok, members(carolID)), 422, nil},
		{"add alice and carol", req("POST", lp("/accounts"), tok, members(w.aliceID, carolID)), 422, nil},
		{"add an unknown account", req("POST", lp("/accounts"), tok, members("99999999")), 404, nil},
		{"add a bad id", req("POST", lp("/accounts"), tok, members("x")), 404, nil},
		{"add alice", req("POST", lp("/accounts"), tok, map[string]any{"account_ids": []string{w.aliceID}}), 200, nil},
		{"add alice again", req("POST", lp("/accounts"), tok, members(w.aliceID)), 422, nil},
		{"members", req("GET", lp("/accounts"), tok, nil), 200, func(v any) bool {
			shape(t, "Account", statusesIn(v)[0], accountShape)
			return slices.Equal(idsIn(v), []string{w.aliceID})
		}},
		{"all members", req("GET", lp("/accounts?limit=0"), tok, nil), 200, func(v any) bool { return slices.Equal(idsIn(v), []string{w.aliceID}) }},
		{"alice's lists", req("GET", "/api/v1/accounts/"+w.aliceID+"/lists", tok, nil), 200, func(v any) bool {
			return slices.Equal(idsIn(v), []string{list})
		}},
		{"carol's lists", req("GET", "/api/v1/accounts/"+carolID+"/lists", tok, nil), 200, func(v any) bool { return len(idsIn(v)) == 0 }},
		{"an unknown account's lists", req("GET", "/api/v1/accounts/99999999/lists", tok, nil), 404, nil},
		{"rename, bad policy", req("PUT", lp(""), tok, url.Values{"replies_policy": {"all"}}), 422, nil},
		{"rename, blank", req("PUT", lp(""), tok, url.Values{"title": {""}}), 422, nil},
	})

	// The timeline: alice's public and followers-only posts, not bob's own reply; paged.
	status, got, _ := get(t, in, "/api/v1/timelines/list/"+list, tok)
	if status != 200 || !slices.Equal(idsIn(got), []string{w.private, w.public}) {
		t.Fatalf("list timeline: %d %v, want %s %s", status, idsIn(got), w.private, w.public)
	}
	shape(t, "Status", statusesIn(got)[0], statusShape)
	status, got, hdr := get(t, in, "/api/v1/timelines/list/"+list+"?limit=1", tok)
	if status != 200 || !slices.Equal(idsIn(got), []string{w.private}) || !strings.Contains(linkOf(hdr, "next"), "max_id=") {
		t.Fatalf("first page of one: %d %v %v", status, idsIn(got), hdr)
	}
	next, _ := url.Parse(linkOf(hdr, "next"))
	if status, got, _ = get(t, in, next.RequestURI(), tok); status != 200 || !slices.Equal(idsIn(got), []string{w.public}) {
		t.Errorf("next page: %d %v", status, idsIn(got))
	}

	// Replies: alice answers carol (whom bob does not follow) and bob. Under the list
	// policy, and none, only the one to bob (the list's owner); under followed, the one to
	// carol as well once bob follows her.
	carolPost := postStatus(t, in, w.carolTok, "carol speaks")
	toCarol := replyTo(t, in, w.aliceTok, carolPost, "@carol answered")
	toBob := replyTo(t, in, w.aliceTok, w.reply, "@bob answered")
	timeline := func() []string {
		t.Helper()
		_, v, _ := get(t, in, "/api/v1/timelines/list/"+list, tok)
		return idsIn(v)
	}
	setList := func(form url.Values) {
		t.Helper()
		if status, v := send(t, in, req("PUT", lp(""), tok, form)); status != 200 {
			t.Fatalf("update list %v: %d %v", form, status, v)
		}
	}
	for _, c := range []struct {
		policy      string
		followCarol bool
		want        []string
	}{
		{"list", false, []string{toBob, w.private, w.public}},
		{"none", false, []string{toBob, w.private, w.public}},
		{"followed", false, []string{toBob, w.private, w.public}},
		{"followed", true, []string{toBob, toCarol, w.private, w.public}},
	} {
		if c.followCarol {
			if status, v := send(t, in, act(tok, "accounts/"+carolID+"/follow", nil)); status != 200 {
				t.Fatalf("follow carol: %d %v", status, v)
			}
		}
		setList(url.Values{"replies_policy": {c.policy}})
		if got := timeline(); !slices.Equal(got, c.want) {
			t.Errorf("policy %s (following carol: %v): %v, want %v", c.policy, c.followCarol, got, c.want)
		}
	}
	// Carol a member too: under the list policy, alice's reply to her is shown.
	if status, v := send(t, in, req("POST", lp("/accounts"), tok, members(carolID))); status != 200 {
		t.Fatalf("add carol, followed now: %d %v", status, v)
	}
	setList(url.Values{"replies_policy": {"list"}})
	carolNew := postStatus(t, in, w.carolTok, "carol, followed")
	if got := timeline(); !slices.Contains(got, toCarol) || !slices.Contains(got, carolNew) {
		t.Errorf("list policy with carol a member: %v, want %s and %s", got, toCarol, carolNew)
	}

	// Exclusive: alice's posts leave bob's home timeline, and come back when it is not.
	home := func() []string {
		t.Helper()
		_, v, _ := get(t, in, "/api/v1/timelines/home", tok)
		return idsIn(v)
	}
	setList(url.Values{"exclusive": {"true"}, "title": {"Close friends"}})
	if status, v, _ := get(t, in, lp(""), tok); status != 200 || field(v, "title") != "Close friends" || v.(map[string]any)["exclusive"] != true {
		t.Errorf("after the update: %d %v", status, v)
	}
	if got := home(); slices.Contains(got, w.public) || slices.Contains(got, carolNew) || !slices.Contains(got, w.reply) {
		t.Errorf("home with an exclusive list of alice and carol: %v; want bob's own reply %s only", got, w.reply)
	}
	setList(url.Values{"exclusive": {"false"}})
	if got := home(); !slices.Contains(got, w.public) {
		t.Errorf("home with the list not exclusive: %v, want %s", got, w.public)
	}

	// Removing carol, unfollowing alice: the list is empty, its timeline too.
	runWrites(t, in, []writeCase{
		{"remove, no token", req("DELETE", lp("/accounts"), "", members(carolID)), 401, nil},
		{"remove nobody", req("DELETE", lp("/accounts"), tok, nil), 422, nil},
		{"remove carol", req("DELETE", lp("/accounts"), tok, members(carolID)), 200, nil},
		{"unfollow alice", act(tok, "accounts/"+w.aliceID+"/unfollow", nil), 200, nil},
		{"members", req("GET", lp("/accounts"), tok, nil), 200, func(v any) bool { return len(idsIn(v)) == 0 }},
		{"timeline", req("GET", "/api/v1/timelines/list/"+list, tok, nil), 200, func(v any) bool { return len(idsIn(v)) == 0 }},
		{"delete", req("DELETE", lp(""), tok, nil), 200, func(v any) bool { return len(v.(map[string]any)) == 0 }},
		{"deleted", req("GET", lp(""), tok, nil), 404, nil},
		{"deleted list's timeline", req("GET", "/api/v1/timelines/list/"+list, tok, nil), 404, nil},
	})
}

// replyTo posts text in reply to status id through the API and returns the reply's id.
func replyTo(t *testing.T, in *testrig.Instance, token, id, text string) string {
	t.Helper()
	status, v := send(t, in, request{method: "POST", path: "/api/v1/statuses", token: token,
		body: url.Values{"status": {text}, "in_reply_to_id": {id}}})
	if status != 200 {
		t.Fatalf("reply %q: %d %v", text, status, v)
	}
	return idOf(v)
}

// TestStreamingList: bob streams his list of alice (the list stream, list=ID, over
// WebSocket and server-sent events): alice's new post comes as an update on ["list", ID];
// carol's, whom he follows but did not list, does not. Carol may not stream bob's list
// (404), a list stream without a list is 400.
func TestStreamingList(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	in := w.in
	carolID := accountID(t, in, "carol")
	if status, v := send(t, in, act(w.bobTok, "accounts/"+carolID+"/follow", nil)); status != 200 {
		t.Fatalf("follow carol: %d %v", status, v)
	}
	status, v := send(t, in, request{method: "POST", path: "/api/v1/lists", token: w.bobTok, body: url.Values{"title": {"Alice"}}})
	if status != 200 {
		t.Fatalf("create: %d %v", status, v)
	}
	list := idOf(v)
	if status, v := send(t, in, request{method: "POST", path: "/api/v1/lists/" + list + "/accounts", token: w.bobTok,
		body: url.Values{"account_ids[]": {w.aliceID}}}); status != 200 {
		t.Fatalf("add alice: %d %v", status, v)
	}
	for _, c := range []struct {
		name  string
		query url.Values
		want  int
	}{
		{"carol, bob's list", url.Values{"stream": {"list"}, "list": {list}, "access_token": {w.carolTok}}, 404},
		{"no list", url.Values{"stream": {"list"}, "access_token": {w.bobTok}}, 400},
		{"no such list", url.Values{"stream": {"list"}, "list": {"99999999"}, "access_token": {w.bobTok}}, 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, resp, err := dialStream(t, in, c.query, nil)
			if resp == nil || resp.StatusCode != c.want {
				t.Fatalf("status %v (%v), want %d", resp, err, c.want)
			}
		})
	}
	ws := mustStream(t, in, w.bobTok, url.Values{"stream": {"list"}, "list": {list}})
	sse, resp := sseStream(t, in, "/api/v1/streaming/list?list="+list, w.bobTok)
	if resp.StatusCode != 200 {
		t.Fatalf("server-sent events: %d", resp.StatusCode)
	}
	postStatus(t, in, w.carolTok, "carol, not listed")
	id := postStatus(t, in, w.aliceTok, "alice, listed")
	for name, events := range map[string]<-chan streamEvent{"websocket": ws.events, "server-sent events": sse} {
		up := next(t, events, "an update on "+name, func(e streamEvent) bool { return e.Event == "update" })
		if up.Entity["id"] != id || (name == "websocket" && strings.Join(up.Stream, ",") != "list,"+list) {
			t.Errorf("%s: first update %v on %v, want alice's %s on list,%s", name, up.Entity["id"], up.Stream, id, list)
		}
		shape(t, "Status", up.Entity, statusShape)
	}
}
