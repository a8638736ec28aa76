package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Shapes of the search and trends entities, as Mastodon documents them.
var (
	searchShape     = map[string]string{"accounts": "array", "statuses": "array", "hashtags": "array"}
	hashtagShape    = map[string]string{"name": "string", "url": "string", "history": "array"}
	tagHistoryShape = map[string]string{"day": "string", "uses": "string", "accounts": "string"}
)

// get is a GET as runWrites sends it.
func getReq(path, token string) request { return request{method: "GET", path: path, token: token} }

// found checks what a Search answer holds: the accts of its accounts, the ids of its
// statuses and the names of its hashtags, each in order.
func found(accts, statuses, tags []string) func(v any) bool {
	return func(v any) bool {
		m, _ := v.(map[string]any)
		list := func(key, attr string) []string {
			out := []string{}
			items, _ := m[key].([]any)
			for _, it := range items {
				out = append(out, field(it, attr))
			}
			return out
		}
		return strings.Join(list("accounts", "acct"), ",") == strings.Join(accts, ",") &&
			strings.Join(list("statuses", "id"), ",") == strings.Join(statuses, ",") &&
			strings.Join(list("hashtags", "name"), ",") == strings.Join(tags, ",")
	}
}

// acctsAre checks the accts of a list of accounts, in order.
func acctsAre(want ...string) func(v any) bool {
	return func(v any) bool { return strings.Join(accts(v), ",") == strings.Join(want, ",") }
}

// TestSearch searches accounts, statuses and hashtags over HTTP, as Mastodon answers, and
// refuses what Mastodon refuses with nothing stored.
func TestSearch(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	host := w.in.Cfg.Domain
	none := []string{}
	olgaTok, _ := w.in.Account("olga", false)
	w.in.Account("oscar", false)
	search := func(query, token string) request { return getReq("/api/v2/search?"+query, token) }
	// bob likes alice's post: it is then among those his search of statuses reads.
	if status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses/" + w.public + "/favourite", token: w.bobTok}); status != 200 {
		t.Fatalf("favourite: %d %v", status, v)
	}
	runWrites(t, w.in, []writeCase{
		{"an account by name", search("q=ali", ""), 200, found([]string{"alice"}, none, none)},
		{"an account by handle", search("q=@alice@"+host, ""), 200, found([]string{"alice"}, none, none)},
		{"by handle, this host by its beginning", search("q=bob@"+host[:4], ""), 200, found([]string{"bob"}, none, none)},
		{"a hashtag, any case", search("q=%23REF&type=hashtags", ""), 200, found(none, none, []string{"refuge"})},
		{"a word: accounts and hashtags", search("q=refuge", ""), 200, found(none, none, []string{"refuge"})},
		{"statuses alice wrote", search("q=HELLO&type=statuses", w.aliceTok), 200, found(none, []string{w.public}, none)},
		{"statuses bob liked", search("q=hello", w.bobTok), 200, found(none, []string{w.public}, none)},
		{"statuses carol never touched", search("q=hello", w.carolTok), 200, found(none, none, none)},
		{"statuses, anonymous: none", search("q=hello", ""), 200, found(none, none, none)},
		{"statuses of another account", search("q=hello&account_id="+w.bobID, w.bobTok), 200, found(none, none, none)},
		{"statuses older than max_id", search("q=hello&type=statuses&max_id="+w.private, w.aliceTok), 200,
			found(none, []string{w.public}, none)},
		{"none newer than max_id", search("q=hello&type=statuses&max_id="+w.public, w.aliceTok), 200,
			found(none, none, none)},
		{"statuses newer than min_id", search("q=followers&type=statuses&min_id="+w.public, w.aliceTok), 200,
			found(none, []string{w.private}, none)},
		{"a bad max_id", search("q=o&max_id=x", w.aliceTok), 422, nil},
		{"statuses of their author", search("q=hello&account_id="+w.aliceID, w.bobTok), 200, found(none, []string{w.public}, none)},
		{"following, bob follows alice", search("q=alice&following=true&type=accounts", w.bobTok), 200, found([]string{"alice"}, none, none)},
		{"following, carol follows nobody", search("q=alice&following=true", w.carolTok), 200, found(none, none, none)},
		{"a percent sign is no wildcard", search("q=%25", ""), 200, found(none, none, none)},
		{"limit", search("q=o&type=accounts&limit=1", w.aliceTok), 200, found([]string{"olga"}, none, none)},
		{"offset, with a type", search("q=o&type=accounts&offset=1", w.aliceTok), 200, found([]string{"oscar"}, none, none)},
		{"offset without a type counts for nothing", search("q=o&offset=1", olgaTok), 200,
			found([]string{"olga", "oscar"}, none, none)},
		{"an unknown type finds nothing", search("q=alice&type=people", ""), 200, found(none, none, none)},
		{"an address without resolve finds nothing", search("q="+url.QueryEscape(w.in.Base+"/users/alice")+"&type=accounts", w.bobTok),
			200, found(none, none, none)},
		{"a local address, resolved", search("q="+url.QueryEscape(w.in.Base+"/users/alice")+"&resolve=true", w.bobTok), 200,
			found([]string{"alice"}, none, none)},
		{"no q", search("", ""), 400, nil},
		{"blank q", search("q=+", w.aliceTok), 400, nil},
		{"resolve without a token", search("q=alice&resolve=true", ""), 401, nil},
		{"offset without a token", search("q=alice&type=accounts&offset=0", ""), 401, nil},
		{"a bad token", search("q=alice", "nope"), 401, nil},
		{"a token without read:search", search("q=alice", w.oauthToken(t, "alice", "write")), 403, nil},
		{"with read:search: alice, and the post that mentions her", search("q=alice", w.oauthToken(t, "alice", "read:search")), 200,
			found([]string{"alice"}, []string{w.reply}, none)},
		{"bad limit", search("q=alice&limit=x", ""), 422, nil},
		{"negative offset", search("q=alice&type=accounts&offset=-1", w.aliceTok), 422, nil},
		{"too long", search("q="+strings.Repeat("a", 2049), ""), 422, nil},
	})

	// Once alice lets anyone's search find her public posts, carol and a visitor find
	// them, by word or hashtag; her followers-only post stays hers and her followers'.
	indexable := func(on string) request {
		return request{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: w.aliceTok,
			body: url.Values{"indexable": {on}}}
	}
	runWrites(t, w.in, []writeCase{
		{"alice becomes indexable", indexable("true"), 200, func(v any) bool {
			m, _ := v.(map[string]any)
			src, _ := m["source"].(map[string]any)
			return m["indexable"] == true && src["indexable"] == true
		}},
		{"carol finds alice's public post", search("q=hello", w.carolTok), 200, found(none, []string{w.public}, none)},
		{"a visitor finds it", search("q=HELLO&type=statuses", ""), 200, found(none, []string{w.public}, none)},
		{"by its hashtag", search("q=%23refuge&type=statuses", ""), 200, found(none, []string{w.public}, none)},
		{"not the followers-only one", search("q=followers&type=statuses", w.carolTok), 200, found(none, none, none)},
		{"bob's reply: bob is not indexable", search("q=back&type=statuses", ""), 200, found(none, none, none)},
		{"alice no longer indexable", indexable("false"), 200, func(v any) bool { return field(v, "indexable") == "false" || v.(map[string]any)["indexable"] == false }},
		{"a visitor finds nothing", search("q=hello&type=statuses", ""), 200, found(none, none, none)},
	})
}

// TestAccountSearch searches accounts through GET /api/v1/accounts/search.
func TestAccountSearch(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	path := func(query string) string { return "/api/v1/accounts/search?" + query }
	w.in.Account("olga", false)
	w.in.Account("oscar", false)
	runWrites(t, w.in, []writeCase{
		{"by name", getReq(path("q=car"), w.aliceTok), 200, acctsAre("carol")},
		{"exact name first", getReq(path("q=bob"), w.aliceTok), 200, acctsAre("bob")},
		{"by handle", getReq(path("q=alice@"+w.in.Cfg.Domain), w.bobTok), 200, acctsAre("alice")},
		{"following", getReq(path("q=a&following=true"), w.bobTok), 200, acctsAre("alice")},
		{"limit past the most", getReq(path("q=o&limit=500"), w.bobTok), 200, acctsAre("olga", "oscar")},
		{"offset", getReq(path("q=o&offset=1"), w.bobTok), 200, acctsAre("oscar")},
		{"a hashtag is no account", getReq(path("q=%23refuge"), w.bobTok), 200, acctsAre()},
		{"no token", getReq(path("q=bob"), ""), 401, nil},
		{"without read:accounts", getReq(path("q=bob"), w.oauthToken(t, "alice", "read:statuses")), 403, nil},
		{"no q", getReq(path(""), w.aliceTok), 400, nil},
		{"bad offset", getReq(path("q=bob&offset=x"), w.aliceTok), 422, nil},
	})
}

// TestSearchResolve looks an account and a post of another instance up through search, as
// an app does with resolve=true: found by WebFinger and fetched, stored on A from then on.
func TestSearchResolve(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	doraTok, _ := x.b.Account("dora", false)
	post := x.b.PostNote("dora", doraTok, map[string]any{"content": "dora's own #federation"})
	handle := "dora@" + x.b.Cfg.Domain
	search := func(q, token string, resolve bool) (int, any) {
		path := "/api/v2/search?q=" + url.QueryEscape(q)
		if resolve {
			path += "&resolve=true"
		}
		return send(t, x.a, getReq(path, token))
	}
	if status, v := search(handle, x.aliceTok, false); status != 200 || !found(nil, nil, nil)(v) {
		t.Fatalf("dora before she is looked up: %d %v", status, v)
	}
	for _, q := range []string{handle, "@" + handle, x.b.Base + "/users/dora"} {
		status, v := search(q, x.aliceTok, true)
		if status != 200 || !found([]string{handle}, nil, nil)(v) {
			t.Errorf("resolve %s: %d %v", q, status, v)
		}
	}
	status, v := search(post, x.aliceTok, true)
	statuses, _ := v.(map[string]any)["statuses"].([]any)
	if status != 200 || len(statuses) != 1 || field(statuses[0], "uri") != post {
		t.Fatalf("resolve the post %s: %d %v", post, status, v)
	}
	shape(t, "Status", statuses[0], statusShape)
	// Known now: found without resolving, by anyone.
	if status, v := search("dora", "", false); status != 200 || !found([]string{handle}, nil, nil)(v) {
		t.Errorf("dora once stored: %d %v", status, v)
	}
	// A handle nobody answers for is no result, and no error.
	if status, v := search("nobody@"+x.b.Cfg.Domain, x.aliceTok, true); status != 200 || !found(nil, nil, nil)(v) {
		t.Errorf("an unknown handle: %d %v", status, v)
	}
	if status, v := send(t, x.a, getReq("/api/v1/accounts/search?resolve=true&q="+url.QueryEscape("@bob@"+x.b.Cfg.Domain), x.aliceTok)); status != 200 || !acctsAre("bob@"+x.b.Cfg.Domain)(v) {
		t.Errorf("accounts/search resolving bob: %d %v", status, v)
	}
	// B is a peer of A's now.
	if status, v := send(t, x.a, getReq("/api/v1/instance/peers", "")); status != 200 || len(v.([]any)) != 1 || v.([]any)[0] != x.b.Cfg.Domain {
		t.Errorf("A's peers: %d %v", status, v)
	}
	// The hashtag of posts received from B is found on A.
	if status, v := search("#federation", "", false); status != 200 || !found(nil, nil, []string{"federation"})(v) {
		t.Errorf("a hashtag received: %d %v", status, v)
	}
}

// TestSearchShapes checks the Search entity and the Tag entity with its history.
func TestSearchShapes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	status, v, _ := get(t, w.in, "/api/v2/search?q=refuge", w.aliceTok)
	if status != http.StatusOK {
		t.Fatalf("search: %d %v", status, v)
	}
	shape(t, "Search", v, searchShape)
	tags, _ := v.(map[string]any)["hashtags"].([]any)
	if len(tags) != 1 {
		t.Fatalf("hashtags: %v", v)
	}
	shape(t, "Tag", tags[0], hashtagShape)
	tag := tags[0].(map[string]any)
	if tag["following"] != false || tag["url"] != w.in.Base+"/tags/refuge" {
		t.Errorf("tag: %v", tag)
	}
	history, _ := tag["history"].([]any)
	if len(history) != 7 {
		t.Fatalf("history: %v", history)
	}
	for _, d := range history {
		shape(t, "Tag history", d, tagHistoryShape)
	}
	if today := history[0].(map[string]any); today["uses"] != "1" || today["accounts"] != "1" {
		t.Errorf("today's use: %v", today)
	}
}
