package api_test

import (
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestTagEndpoints: GET /api/v1/tags/:name answers the Tag, with following only for a
// signed-in viewer; follow and unfollow are idempotent and answer the Tag with following
// true and false; followed_tags lists the follows newest first, paged with Link headers;
// each needs its scope, and a name that can be no hashtag is refused with a reason.
func TestTagEndpoints(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	w := &world{in: in}
	aliceTok, _ := in.Account("alice", false)
	bobTok, _ := in.Account("bob", false)
	readOnly := w.oauthToken(t, "alice", "read:follows")
	writeOnly := w.oauthToken(t, "alice", "write:follows")
	statuses := w.oauthToken(t, "alice", "read:statuses write:statuses")

	tag := func(method, path, token string, want int) map[string]any {
		t.Helper()
		status, v := send(t, in, request{method: method, path: path, token: token})
		if status != want {
			t.Fatalf("%s %s: %d %v, want %d", method, path, status, v, want)
		}
		m, _ := v.(map[string]any)
		return m
	}
	if got := tag("GET", "/api/v1/tags/Gardening", "", 200); got["name"] != "gardening" || got["url"] != in.Base+"/tags/gardening" {
		t.Errorf("the tag to a visitor: %v", got)
	} else if _, has := got["following"]; has {
		t.Errorf("a visitor is told following: %v", got)
	}
	if got := tag("GET", "/api/v1/tags/gardening", aliceTok, 200); got["following"] != false {
		t.Errorf("alice before following: %v", got)
	}
	for range 2 { // twice: a second follow changes nothing
		if got := tag("POST", "/api/v1/tags/Gardening/follow", writeOnly, 200); got["following"] != true || got["name"] != "gardening" {
			t.Errorf("follow: %v", got)
		}
	}
	if got := tag("POST", "/api/v1/tags/%E5%9C%92%E8%8A%B8/follow", bobTok, 200); got["name"] != "園芸" || got["following"] != true {
		t.Errorf("following a Chinese hashtag: %v", got)
	}
	tag("POST", "/api/v1/tags/cats/follow", aliceTok, 200)
	tag("POST", "/api/v1/tags/tea/follow", aliceTok, 200)
	tag("POST", "/api/v1/tags/tea/follow", bobTok, 200)
	if got := tag("GET", "/api/v1/tags/gardening", aliceTok, 200); got["following"] != true {
		t.Errorf("alice after following: %v", got)
	}
	if got := tag("GET", "/api/v1/tags/gardening", bobTok, 200); got["following"] != false {
		t.Errorf("bob, who does not follow it: %v", got)
	}
	// The hashtags search answers carry following as well.
	in.PostNote("bob", bobTok, map[string]any{"content": "Tomatoes #gardening"})
	for who, c := range map[string]struct {
		token string
		want  any
	}{"alice": {aliceTok, true}, "bob": {bobTok, false}, "a visitor": {"", nil}} {
		_, found, _ := get(t, in, "/api/v2/search?type=hashtags&q=%23garden", c.token)
		tags, _ := found.(map[string]any)["hashtags"].([]any)
		if len(tags) != 1 || field(tags[0], "name") != "gardening" || tags[0].(map[string]any)["following"] != c.want {
			t.Errorf("hashtags found by %s: %v, want following %v", who, found, c.want)
		}
	}

	names := func(v any) string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, field(x, "name"))
			if x.(map[string]any)["following"] != true {
				t.Errorf("a followed tag without following: %v", x)
			}
		}
		return strings.Join(out, ",")
	}
	status, v, h := get(t, in, "/api/v1/followed_tags", readOnly)
	if status != 200 || names(v) != "tea,cats,gardening" || linkOf(h, "next") == "" {
		t.Fatalf("followed tags: %d %v, Link %q", status, v, h.Get("Link"))
	}
	status, v, h = get(t, in, "/api/v1/followed_tags?limit=2", readOnly)
	next := linkOf(h, "next")
	if status != 200 || names(v) != "tea,cats" || next == "" || linkOf(h, "prev") == "" {
		t.Fatalf("first page of two: %d %v, Link %q", status, v, h.Get("Link"))
	}
	u, err := url.Parse(next)
	if err != nil {
		t.Fatal(err)
	}
	if status, v, _ = get(t, in, u.RequestURI(), readOnly); status != 200 || names(v) != "gardening" {
		t.Errorf("the next page (%s): %d %v", next, status, v)
	}

	for range 2 {
		if got := tag("POST", "/api/v1/tags/cats/unfollow", aliceTok, 200); got["following"] != false || got["name"] != "cats" {
			t.Errorf("unfollow: %v", got)
		}
	}
	if _, v, _ = get(t, in, "/api/v1/followed_tags", aliceTok); names(v) != "tea,gardening" {
		t.Errorf("after unfollowing cats: %v", v)
	}
	if _, v, _ = get(t, in, "/api/v1/followed_tags", bobTok); names(v) != "tea,園芸" {
		t.Errorf("bob's followed tags: %v", v)
	}

	for _, c := range []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/api/v1/followed_tags", "", 401},
		{"POST", "/api/v1/tags/cats/follow", "", 401},
		{"GET", "/api/v1/followed_tags", writeOnly, 403},
		{"GET", "/api/v1/followed_tags", statuses, 403},
		{"POST", "/api/v1/tags/cats/follow", readOnly, 403},
		{"POST", "/api/v1/tags/cats/unfollow", statuses, 403},
		{"POST", "/api/v1/tags/not-a-tag/follow", aliceTok, 422},
		{"POST", "/api/v1/tags/12345/follow", aliceTok, 422},
		{"POST", "/api/v1/tags/" + strings.Repeat("a", 101) + "/follow", aliceTok, 422},
		{"POST", "/api/v1/tags/bad%20name/unfollow", aliceTok, 422},
		{"GET", "/api/v1/tags/not-a-tag", aliceTok, 404},
		{"GET", "/api/v1/followed_tags?limit=x", aliceTok, 422},
	} {
		status, v := send(t, in, request{method: c.method, path: c.path, token: c.token})
		if status != c.want {
			t.Errorf("%s %s: %d %v, want %d", c.method, c.path, status, v, c.want)
		} else if c.want >= 400 && field(v, "error") == "" {
			t.Errorf("%s %s: %d without a reason: %v", c.method, c.path, status, v)
		}
	}
	if _, v, _ = get(t, in, "/api/v1/followed_tags", aliceTok); names(v) != "tea,gardening" {
		t.Errorf("refused follows changed the followed tags: %v", v)
	}
}
