package api_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	filterShape        = map[string]string{"id": "string", "title": "string", "context": "array", "expires_at": "string|null", "filter_action": "string", "keywords": "array", "statuses": "array"}
	filterKeywordShape = map[string]string{"id": "string", "keyword": "string", "whole_word": "bool"}
	filterResultShape  = map[string]string{"filter": "object", "keyword_matches": "array|null", "status_matches": "array|null"}
	filterV1Shape      = map[string]string{"id": "string", "phrase": "string", "context": "array", "whole_word": "bool", "expires_at": "string|null", "irreversible": "bool"}
)

// keywordsOf is the keywords of a Filter entity, as "keyword/whole_word".
func keywordsOf(v any) []string {
	m, _ := v.(map[string]any)
	list, _ := m["keywords"].([]any)
	var out []string
	for _, k := range list {
		km, _ := k.(map[string]any)
		w := "part"
		if km["whole_word"] == true {
			w = "whole"
		}
		out = append(out, field(k, "keyword")+"/"+w)
	}
	return out
}

// contextOf is the context list of a Filter (or v1 Filter) entity.
func contextOf(v any) []string {
	m, _ := v.(map[string]any)
	list, _ := m["context"].([]any)
	var out []string
	for _, c := range list {
		s, _ := c.(string)
		out = append(out, s)
	}
	return out
}

// TestFiltersAPI: bob keeps keyword filters through /api/v2/filters, their keywords and
// each keyword at /api/v2/filters/keywords/:id (the path Mastodon routes and client
// libraries call), and through v1's one-keyword filters on the same rows. Every endpoint
// wants its scope; bad input is 422 and stores nothing; another account's filter
// or keyword is 404, as is one that does not exist.
func TestFiltersAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	in := w.in
	req := func(method, path, token string, body any) request {
		return request{method: method, path: path, token: token, body: body}
	}
	tok := w.bobTok
	good := url.Values{"title": {"Spoilers"}, "context[]": {"home", "public"}, "filter_action": {"warn"},
		"keywords_attributes[][keyword]": {"finale", "ネタバレ"}, "keywords_attributes[][whole_word]": {"true", "false"}}
	without := func(key string, set ...string) url.Values {
		v := url.Values{}
		for k, vals := range good {
			v[k] = vals
		}
		delete(v, key)
		if len(set) == 2 {
			v[set[0]] = []string{set[1]}
		}
		return v
	}
	var spoilers string // the filter made from good
	runWrites(t, in, []writeCase{
		{"create, no token", req("POST", "/api/v2/filters", "", good), 401, nil},
		{"create with read:filters", req("POST", "/api/v2/filters", w.oauthToken(t, "bob", "read:filters"), good), 403, nil},
		{"list with write:filters", req("GET", "/api/v2/filters", w.oauthToken(t, "bob", "write:filters"), nil), 403, nil},
		{"no title", req("POST", "/api/v2/filters", tok, without("title")), 422, nil},
		{"blank title", req("POST", "/api/v2/filters", tok, without("title", "title", "  ")), 422, nil},
		{"no context", req("POST", "/api/v2/filters", tok, without("context[]")), 422, nil},
		{"unknown context", req("POST", "/api/v2/filters", tok, without("context[]", "context[]", "everywhere")), 422, nil},
		{"bad action", req("POST", "/api/v2/filters", tok, without("filter_action", "filter_action", "delete")), 422, nil},
		{"empty keyword", req("POST", "/api/v2/filters", tok, map[string]any{"title": "t", "context": []string{"home"},
			"keywords_attributes": []map[string]any{{"keyword": "ok"}, {"keyword": ""}}}), 422, nil},
		{"a keyword with no keyword", req("POST", "/api/v2/filters", tok, map[string]any{"title": "t", "context": []string{"home"},
			"keywords_attributes": []map[string]any{{"whole_word": false}}}), 422, nil},
		{"bad expires_in", req("POST", "/api/v2/filters", tok, without("expires_in", "expires_in", "soon")), 422, nil},
		{"negative expires_in", req("POST", "/api/v2/filters", tok, without("expires_in", "expires_in", "-5")), 422, nil},
		{"unknown keyword attribute", req("POST", "/api/v2/filters", tok, without("x", "keywords_attributes[][colour]", "red")), 422, nil},
		{"unpaired keyword attributes", req("POST", "/api/v2/filters", tok, without("keywords_attributes[][whole_word]",
			"keywords_attributes[][whole_word]", "true")), 422, nil},
		{"create, a form", req("POST", "/api/v2/filters", w.oauthToken(t, "bob", "write:filters"), good), 200, func(v any) bool {
			spoilers = idOf(v)
			shape(t, "Filter", v, filterShape)
			list, _ := v.(map[string]any)["keywords"].([]any)
			for _, k := range list {
				shape(t, "FilterKeyword", k, filterKeywordShape)
			}
			return field(v, "title") == "Spoilers" && field(v, "filter_action") == "warn" &&
				slices.Equal(contextOf(v), []string{"home", "public"}) &&
				slices.Equal(keywordsOf(v), []string{"finale/whole", "ネタバレ/part"}) && v.(map[string]any)["expires_at"] == nil
		}},
		{"create, JSON, expiring, hide", req("POST", "/api/v2/filters", tok, map[string]any{"title": "Gore",
			"context": []string{"thread", "home", "home"}, "filter_action": "hide", "expires_in": 2592000,
			"keywords_attributes": []map[string]any{{"keyword": "gore"}}}), 200, func(v any) bool {
			return field(v, "filter_action") == "hide" && field(v, "expires_at") != "" &&
				slices.Equal(contextOf(v), []string{"home", "thread"}) && slices.Equal(keywordsOf(v), []string{"gore/whole"})
		}},
		{"list with read:filters", req("GET", "/api/v2/filters", w.oauthToken(t, "bob", "read:filters"), nil), 200, count(2)},
		{"another's list is its own", req("GET", "/api/v2/filters", w.carolTok, nil), 200, count(0)},
	})
	keywordIDs := func(filterID string) []string {
		_, v, _ := get(t, in, "/api/v2/filters/"+filterID+"/keywords", tok)
		var ids []string
		for _, k := range v.([]any) {
			ids = append(ids, idOf(k))
		}
		return ids
	}
	kws := keywordIDs(spoilers)
	if len(kws) != 2 {
		t.Fatalf("keywords of %s: %v", spoilers, kws)
	}
	one := "/api/v2/filters/" + spoilers
	runWrites(t, in, []writeCase{
		{"get", req("GET", one, tok, nil), 200, func(v any) bool { return idOf(v) == spoilers }},
		{"get another's", req("GET", one, w.carolTok, nil), 404, nil},
		{"get a bad id", req("GET", "/api/v2/filters/x", tok, nil), 404, nil},
		{"get an unknown id", req("GET", "/api/v2/filters/999999", tok, nil), 404, nil},
		{"update another's", req("PUT", one, w.carolTok, url.Values{"title": {"mine"}}), 404, nil},
		{"delete another's", req("DELETE", one, w.carolTok, nil), 404, nil},
		{"update, blank title", req("PUT", one, tok, url.Values{"title": {""}}), 422, nil},
		{"update, no contexts", req("PUT", one, tok, url.Values{"context[]": {""}}), 422, nil},
		{"update, another's keyword", req("PUT", one, tok, map[string]any{"keywords_attributes": []map[string]any{
			{"keyword": "new"}, {"id": "999999", "_destroy": true}}}), 404, nil},
		{"update, blank keyword", req("PUT", one, tok, map[string]any{"title": "Renamed", "keywords_attributes": []map[string]any{
			{"id": kws[0], "keyword": ""}}}), 422, nil},
		{"update: title, action, expiry, keywords added, changed and removed", req("PUT", one, tok, map[string]any{
			"title": "Renamed", "filter_action": "hide", "expires_in": 3600, "keywords_attributes": []map[string]any{
				{"id": kws[0], "keyword": "ending", "whole_word": false}, {"id": kws[1], "_destroy": "1"},
				{"keyword": "twist"}}}), 200, func(v any) bool {
			return field(v, "title") == "Renamed" && field(v, "filter_action") == "hide" && field(v, "expires_at") != "" &&
				slices.Equal(contextOf(v), []string{"home", "public"}) &&
				slices.Equal(keywordsOf(v), []string{"ending/part", "twist/whole"})
		}},
		{"update: no expiry, warn", req("PUT", one, tok, url.Values{"expires_in": {""}, "filter_action": {"warn"}}), 200, func(v any) bool {
			return v.(map[string]any)["expires_at"] == nil && field(v, "filter_action") == "warn" && len(keywordsOf(v)) == 2
		}},
		// Keywords one at a time.
		{"keywords of another's", req("GET", one+"/keywords", w.carolTok, nil), 404, nil},
		{"add a keyword to another's", req("POST", one+"/keywords", w.carolTok, url.Values{"keyword": {"x"}}), 404, nil},
		{"add an empty keyword", req("POST", one+"/keywords", tok, url.Values{"keyword": {""}}), 422, nil},
		{"add no keyword", req("POST", one+"/keywords", tok, url.Values{"whole_word": {"true"}}), 422, nil},
		{"add a keyword without write:filters", req("POST", one+"/keywords", w.oauthToken(t, "bob", "read:filters"), url.Values{"keyword": {"x"}}), 403, nil},
		{"add a keyword", req("POST", one+"/keywords", tok, url.Values{"keyword": {"reveal"}, "whole_word": {"false"}}), 200, func(v any) bool {
			shape(t, "FilterKeyword", v, filterKeywordShape)
			return field(v, "keyword") == "reveal" && v.(map[string]any)["whole_word"] == false
		}},
		{"keywords", req("GET", one+"/keywords", tok, nil), 200, count(3)},
	})
	kws = keywordIDs(spoilers)
	kw := "/api/v2/filters/keywords/" + kws[2]
	runWrites(t, in, []writeCase{
		{"get a keyword", req("GET", kw, tok, nil), 200, func(v any) bool { return field(v, "keyword") == "reveal" }},
		{"a keyword at a path Mastodon does not have", req("GET", "/api/v2/filter_keywords/"+kws[2], tok, nil), 404, nil},
		{"get another's keyword", req("GET", kw, w.carolTok, nil), 404, nil},
		{"change another's keyword", req("PUT", kw, w.carolTok, url.Values{"keyword": {"x"}}), 404, nil},
		{"delete another's keyword", req("DELETE", kw, w.carolTok, nil), 404, nil},
		{"blank a keyword", req("PUT", kw, tok, url.Values{"keyword": {""}}), 422, nil},
		{"change a keyword", req("PUT", kw, tok, url.Values{"keyword": {"reveals"}, "whole_word": {"true"}}), 200, func(v any) bool {
			return field(v, "keyword") == "reveals" && v.(map[string]any)["whole_word"] == true
		}},
		{"delete a keyword", req("DELETE", kw, tok, nil), 200, emptyObject},
		{"get it deleted", req("GET", kw, tok, nil), 404, nil},
		{"keywords after", req("GET", one+"/keywords", tok, nil), 200, count(2)},
	})

	// v1: each keyword a filter, its id the keyword's.
	var v1 string
	runWrites(t, in, []writeCase{
		{"v1 create, no token", req("POST", "/api/v1/filters", "", url.Values{"phrase": {"x"}, "context[]": {"home"}}), 401, nil},
		{"v1 create, read scope", req("POST", "/api/v1/filters", w.oauthToken(t, "bob", "read:filters"), url.Values{"phrase": {"x"}, "context[]": {"home"}}), 403, nil},
		{"v1 create, no phrase", req("POST", "/api/v1/filters", tok, url.Values{"context[]": {"home"}}), 422, nil},
		{"v1 create, no context", req("POST", "/api/v1/filters", tok, url.Values{"phrase": {"x"}}), 422, nil},
		{"v1 create, unknown context", req("POST", "/api/v1/filters", tok, url.Values{"phrase": {"x"}, "context[]": {"list"}}), 422, nil},
		{"v1 create", req("POST", "/api/v1/filters", tok, map[string]any{"phrase": "Politics", "context": []string{"public", "notifications"},
			"irreversible": true, "whole_word": false, "expires_in": 86400}), 200, func(v any) bool {
			v1 = idOf(v)
			shape(t, "V1 Filter", v, filterV1Shape)
			m := v.(map[string]any)
			return m["phrase"] == "Politics" && m["irreversible"] == true && m["whole_word"] == false && m["expires_at"] != nil &&
				slices.Equal(contextOf(v), []string{"notifications", "public"})
		}},
		{"v1 list: every keyword", req("GET", "/api/v1/filters", tok, nil), 200, count(4)},
		{"v2 list: the v1 filter too", req("GET", "/api/v2/filters", tok, nil), 200, count(3)},
	})
	runWrites(t, in, []writeCase{
		{"v1 get", req("GET", "/api/v1/filters/"+v1, tok, nil), 200, func(v any) bool { return field(v, "phrase") == "Politics" }},
		{"v1 get another's", req("GET", "/api/v1/filters/"+v1, w.carolTok, nil), 404, nil},
		{"v1 update another's", req("PUT", "/api/v1/filters/"+v1, w.carolTok, url.Values{"phrase": {"x"}}), 404, nil},
		{"v1 update, empty phrase", req("PUT", "/api/v1/filters/"+v1, tok, url.Values{"phrase": {""}}), 422, nil},
		{"v1 update", req("PUT", "/api/v1/filters/"+v1, tok, url.Values{"phrase": {"Elections"}, "irreversible": {"false"},
			"context[]": {"home"}, "whole_word": {"true"}}), 200, func(v any) bool {
			m := v.(map[string]any)
			return m["phrase"] == "Elections" && m["irreversible"] == false && m["whole_word"] == true &&
				slices.Equal(contextOf(v), []string{"home"}) && idOf(v) == v1
		}},
		// A keyword of a filter of several: its own settings may change, the filter's not.
		{"v1 update of a filter of several keywords", req("PUT", "/api/v1/filters/"+kws[0], tok, url.Values{"context[]": {"thread"}}), 422, nil},
		{"v1 update of its keyword alone", req("PUT", "/api/v1/filters/"+kws[0], tok, url.Values{"whole_word": {"true"}}), 200, func(v any) bool {
			return v.(map[string]any)["whole_word"] == true && field(v, "phrase") == "ending"
		}},
		{"v1 delete another's", req("DELETE", "/api/v1/filters/"+v1, w.carolTok, nil), 404, nil},
		{"v1 delete", req("DELETE", "/api/v1/filters/"+v1, tok, nil), 200, emptyObject},
		{"v1 get deleted", req("GET", "/api/v1/filters/"+v1, tok, nil), 404, nil},
		{"delete", req("DELETE", one, tok, nil), 200, emptyObject},
		{"get deleted", req("GET", one, tok, nil), 404, nil},
		{"its keyword went with it", req("GET", "/api/v2/filters/keywords/"+kws[0], tok, nil), 404, nil},
		{"delete again", req("DELETE", one, tok, nil), 404, nil},
	})
}

// TestFiltersApplied: bob's filters act on what he reads through the API. A warn filter
// marks alice's post (filtered, with the keyword that matched) in his home, public, profile
// and thread lists and his notifications; a hide filter leaves her other post out of them,
// and its mention out of his notifications; each only in the contexts it names; nobody
// else's view changes, and his own posts are never filtered.
func TestFiltersApplied(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	in := w.in
	post := func(token, text string, extra map[string]any) string {
		t.Helper()
		body := map[string]any{"status": text}
		for k, v := range extra {
			body[k] = v
		}
		status, v := send(t, in, request{method: "POST", path: "/api/v1/statuses", token: token, body: body})
		if status != 200 {
			t.Fatalf("post %q: %d %v", text, status, v)
		}
		return idOf(v)
	}
	spoiler := post(w.aliceTok, "@bob who watched the FINALE?", map[string]any{"in_reply_to_id": w.public})
	gore := post(w.aliceTok, "@bob so much gore", map[string]any{"in_reply_to_id": w.public})
	cw := post(w.aliceTok, "nothing to see", map[string]any{"spoiler_text": "Gore warning"})
	own := post(w.bobTok, "my own finale and gore", nil)
	filter := func(body map[string]any) {
		t.Helper()
		if status, v := send(t, in, request{method: "POST", path: "/api/v2/filters", token: w.bobTok, body: body}); status != 200 {
			t.Fatalf("filter: %d %v", status, v)
		}
	}
	everywhere := []string{"home", "notifications", "public", "thread", "account"}
	filter(map[string]any{"title": "Spoilers", "context": everywhere, "filter_action": "warn",
		"keywords_attributes": []map[string]any{{"keyword": "finale", "whole_word": true}}})
	filter(map[string]any{"title": "Gore", "context": []string{"home", "notifications", "thread", "account"}, "filter_action": "hide",
		"keywords_attributes": []map[string]any{{"keyword": "gore", "whole_word": true}}})
	filter(map[string]any{"title": "Expired", "context": everywhere, "filter_action": "hide", "expires_in": 1,
		"keywords_attributes": []map[string]any{{"keyword": "Hello"}}})
	time.Sleep(1100 * time.Millisecond) // the expired filter's second passes

	// statuses reads a list of statuses (or of notifications' statuses) by id.
	statuses := func(path, token string) map[string]map[string]any {
		t.Helper()
		status, v, _ := get(t, in, path, token)
		if status != 200 {
			t.Fatalf("GET %s: %d %v", path, status, v)
		}
		out := map[string]map[string]any{}
		for _, s := range statusesIn(v) {
			m := s.(map[string]any)
			if st, ok := m["status"].(map[string]any); ok { // a notification
				m = st
			} else if m["type"] != nil {
				continue // a notification about no status
			}
			out[m["id"].(string)] = m
		}
		return out
	}
	// verdict says how a status stands in a list: "gone", "shown" or "warned:<title>/<keywords>".
	verdict := func(list map[string]map[string]any, id string) string {
		s, present := list[id]
		if !present {
			return "gone"
		}
		f, _ := s["filtered"].([]any)
		if len(f) == 0 {
			return "shown"
		}
		shape(t, "FilterResult", f[0], filterResultShape)
		shape(t, "FilterResult.filter", f[0].(map[string]any)["filter"], filterShape)
		r := f[0].(map[string]any)
		kw := ""
		for _, k := range r["keyword_matches"].([]any) {
			kw += k.(string)
		}
		return "warned:" + field(r["filter"], "title") + "/" + kw
	}
	for _, c := range []struct {
		name, path, token, id, want string
	}{
		{"home: warned", "/api/v1/timelines/home", w.bobTok, spoiler, "warned:Spoilers/finale"},
		{"home: hidden", "/api/v1/timelines/home", w.bobTok, gore, "gone"},
		{"home: hidden by its content warning", "/api/v1/timelines/home", w.bobTok, cw, "gone"},
		{"home: own post", "/api/v1/timelines/home", w.bobTok, own, "shown"},
		{"home: an expired filter", "/api/v1/timelines/home", w.bobTok, w.public, "shown"},
		{"public: warned", "/api/v1/timelines/public", w.bobTok, spoiler, "warned:Spoilers/finale"},
		{"public: the hide filter is not for public", "/api/v1/timelines/public", w.bobTok, gore, "shown"},
		{"local: the hide filter is not for public", "/api/v1/timelines/public?local=true", w.bobTok, cw, "shown"},
		{"profile: warned", "/api/v1/accounts/" + w.aliceID + "/statuses", w.bobTok, spoiler, "warned:Spoilers/finale"},
		{"profile: hidden", "/api/v1/accounts/" + w.aliceID + "/statuses", w.bobTok, gore, "gone"},
		{"thread: warned", "/api/v1/statuses/" + w.public + "/context", w.bobTok, spoiler, "warned:Spoilers/finale"},
		{"thread: hidden", "/api/v1/statuses/" + w.public + "/context", w.bobTok, gore, "gone"},
		{"notifications: warned", "/api/v1/notifications", w.bobTok, spoiler, "warned:Spoilers/finale"},
		{"notifications: hidden", "/api/v1/notifications", w.bobTok, gore, "gone"},
		{"alice's home is hers", "/api/v1/timelines/home", w.aliceTok, gore, "shown"},
		{"carol's public timeline is hers", "/api/v1/timelines/public", w.carolTok, spoiler, "shown"},
		{"anonymous", "/api/v1/timelines/public", "", spoiler, "shown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := verdict(statuses(c.path, c.token), c.id); got != c.want {
				t.Errorf("%s: %s, want %s", c.path, got, c.want)
			}
		})
	}
	// A page whose posts a filter hides comes back short, or empty, but still says where
	// the next one starts: paging by one through alice's profile, bob meets her newest two
	// posts hidden and still reaches the third.
	path := "/api/v1/accounts/" + w.aliceID + "/statuses?limit=1"
	var pages []int
	for range 4 {
		status, v, header := get(t, in, path, w.bobTok)
		if status != 200 {
			t.Fatalf("GET %s: %d %v", path, status, v)
		}
		pages = append(pages, len(statusesIn(v)))
		next := regexp.MustCompile(`<[^>]*(/api/v1/[^>]+)>; rel="next"`).FindStringSubmatch(header.Get("Link"))
		if next == nil {
			t.Fatalf("GET %s: no next page in %q after pages of %v", path, header.Get("Link"), pages)
		}
		path = next[1]
		if len(statusesIn(v)) == 1 {
			if id := field(statusesIn(v)[0], "id"); id != spoiler {
				t.Errorf("the first post shown is %s, want the spoiler %s", id, spoiler)
			}
			break
		}
	}
	if !slices.Equal(pages, []int{0, 0, 1}) {
		t.Errorf("pages of alice's profile, one at a time: %v posts, want 0, 0, 1", pages)
	}

	// Without a viewer there is no filtered attribute; with one, an empty list.
	_, v, _ := get(t, in, "/api/v1/statuses/"+w.public, "")
	if _, present := v.(map[string]any)["filtered"]; present {
		t.Errorf("anonymous status has filtered: %v", v)
	}
	_, v, _ = get(t, in, "/api/v1/statuses/"+w.public, w.bobTok)
	if f, ok := v.(map[string]any)["filtered"].([]any); !ok || len(f) != 0 {
		t.Errorf("bob's status: filtered %v, want []", v.(map[string]any)["filtered"])
	}
	// A status asked for by itself is shown as at the centre of its thread: marked with
	// every thread filter it matches, hide ones too (an app hides those), never refused.
	for id, want := range map[string]string{spoiler: "Spoilers/warn", gore: "Gore/hide"} {
		status, v, _ := get(t, in, "/api/v1/statuses/"+id, w.bobTok)
		f, _ := v.(map[string]any)["filtered"].([]any)
		if status != 200 || len(f) != 1 {
			t.Errorf("bob's status %s: %d, filtered %v", id, status, f)
			continue
		}
		if got := field(field0(f), "title") + "/" + field(field0(f), "filter_action"); got != want {
			t.Errorf("bob's status %s: filtered by %s, want %s", id, got, want)
		}
	}
	// v2 grouped notifications apply the filters as v1's do.
	_, v, _ = get(t, in, "/api/v2/notifications", w.bobTok)
	for _, s := range v.(map[string]any)["statuses"].([]any) {
		if idOf(s) == gore {
			t.Errorf("grouped notifications name the hidden post: %v", s)
		}
	}
}

// TestFiltersStreamed: what bob's filters hide never reaches his user and public streams,
// nor does its edit; what they warn about arrives marked.
func TestFiltersStreamed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, f := range []map[string]any{
		{"title": "Gore", "context": []string{"home", "public"}, "filter_action": "hide", "keywords_attributes": []map[string]any{{"keyword": "gore"}}},
		{"title": "Spoilers", "context": []string{"home", "public"}, "keywords_attributes": []map[string]any{{"keyword": "finale"}}},
	} {
		if status, v := send(t, w.in, request{method: "POST", path: "/api/v2/filters", token: w.bobTok, body: f}); status != 200 {
			t.Fatalf("filter: %d %v", status, v)
		}
	}
	user := mustStream(t, w.in, w.bobTok, url.Values{"stream": {"user"}})
	public := mustStream(t, w.in, w.bobTok, url.Values{"stream": {"public:local"}})
	gore := postStatus(t, w.in, w.aliceTok, "so much gore")
	if status, v := send(t, w.in, request{method: "PUT", path: "/api/v1/statuses/" + gore, token: w.aliceTok,
		body: url.Values{"status": {"so much gore, edited"}}}); status != 200 {
		t.Fatalf("edit: %d %v", status, v)
	}
	postStatus(t, w.in, w.aliceTok, "the finale!")
	for name, c := range map[string]*wsClient{"user": user, "public:local": public} {
		e := next(t, c.events, "an update", func(e streamEvent) bool { return e.Event == "update" || e.Event == "status.update" })
		f, _ := e.Entity["filtered"].([]any)
		if e.Event != "update" || !strings.Contains(e.Payload, "the finale!") || len(f) != 1 || field(field0(f), "title") != "Spoilers" {
			t.Errorf("%s: the first update is %s %s, want the finale post, marked", name, e.Event, e.Payload)
		}
	}
}

// field0 is the filter of the first FilterResult of a list.
func field0(list []any) any { return list[0].(map[string]any)["filter"] }
