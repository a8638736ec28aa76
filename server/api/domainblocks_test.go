package api_test

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"refuge/internal/testrig"
)

// domainList checks a GET /api/v1/domain_blocks answer: a list of strings, these in order.
func domainList(want ...string) func(v any) bool {
	return func(v any) bool {
		list, ok := v.([]any)
		if !ok {
			return false
		}
		got := []string{}
		for _, d := range list {
			s, ok := d.(string)
			if !ok {
				return false
			}
			got = append(got, s)
		}
		return slices.Equal(got, append([]string{}, want...))
	}
}

// emptyObject checks the {} that POST and DELETE /api/v1/domain_blocks answer.
func emptyObject(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}

// TestDomainBlocks: alice on A and bob on B follow each other; alice blocks B's whole
// server through the API (Mastodon's user domain blocks). Refusals (no token, wrong scope,
// a bad domain, our own) store nothing; the block ends both follows, which B learns; bob's
// posts and mentions no longer reach alice's timelines or notifications, while others on A
// still see them; the list pages with a Link header; unblocking brings bob's posts back.
func TestDomainBlocks(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	a, b := x.a, x.b
	w := &world{in: a}
	B := b.Cfg.Domain
	b.FollowRemote("bob", x.bobTok, a, "alice")
	carolTok, _ := a.Account("carol", false)
	_, found, _ := get(t, a, "/api/v1/accounts/lookup?acct="+url.QueryEscape("bob@"+B), x.aliceTok)
	bobOnA := idOf(found)
	publicHas := func(token, uri string) bool {
		_, v, _ := get(t, a, "/api/v1/timelines/public?remote=true", token)
		list, _ := v.([]any)
		for _, s := range list {
			if field(s, "uri") == uri {
				return true
			}
		}
		return false
	}
	if !publicHas(x.aliceTok, x.uri) {
		t.Fatalf("bob's post is not in alice's public timeline before the block")
	}

	path := "/api/v1/domain_blocks"
	post := func(token string, body any) request {
		return request{method: "POST", path: path, token: token, body: body}
	}
	del := func(token string, body any) request {
		return request{method: "DELETE", path: path, token: token, body: body}
	}
	list := func(token string) request { return request{method: "GET", path: path, token: token} }
	domain := func(d string) url.Values { return url.Values{"domain": {d}} }
	runWrites(t, a, []writeCase{
		{"block, no token", post("", domain(B)), 401, nil},
		{"block, bad token", post("nope", domain(B)), 401, nil},
		{"block with read:blocks only", post(w.oauthToken(t, "alice", "read:blocks"), domain(B)), 403, nil},
		{"block with write:mutes only", post(w.oauthToken(t, "alice", "write:mutes"), domain(B)), 403, nil},
		{"list with write:blocks only", list(w.oauthToken(t, "alice", "write:blocks")), 403, nil},
		{"list, no token", list(""), 401, nil},
		{"unblock, no token", del("", domain(B)), 401, nil},
		{"block without a domain", post(x.aliceTok, nil), 422, nil},
		{"block a URL", post(x.aliceTok, domain("https://"+B+"/users/bob")), 422, nil},
		{"block a handle", post(x.aliceTok, domain("bob@"+B)), 422, nil},
		{"block a name with a space", post(x.aliceTok, domain("evil .example")), 422, nil},
		{"block our own server", post(x.aliceTok, domain(a.Cfg.Domain)), 422, nil},
		{"unblock a bad domain", del(x.aliceTok, domain("a/b")), 422, nil},
		{"nothing blocked yet", list(x.aliceTok), 200, domainList()},
		{"block B", post(w.oauthToken(t, "alice", "write:blocks"), domain(B)), 200, emptyObject},
		{"block B again, as JSON", post(x.aliceTok, map[string]any{"domain": B}), 200, emptyObject},
		{"block another, in capitals, with the follow scope", post(w.oauthToken(t, "alice", "follow"), domain("Other.Example")), 200, emptyObject},
		{"list with read:blocks", list(w.oauthToken(t, "alice", "read:blocks")), 200, domainList("other.example", B)},
		{"another's list is its own", list(carolTok), 200, domainList()},
		{"unblock one never blocked", del(x.aliceTok, domain("never.example")), 200, emptyObject},
	})

	// Paging: newest first, one a page, with Link.
	status, v, h := get(t, a, path+"?limit=1", x.aliceTok)
	if status != 200 || !domainList("other.example")(v) {
		t.Fatalf("first page: %d %v", status, v)
	}
	next := linkOf(h, "next")
	if next == "" {
		t.Fatalf("no next link: %v", h)
	}
	u, _ := url.Parse(next)
	if status, v, h = get(t, a, u.RequestURI(), x.aliceTok); status != 200 || !domainList(B)(v) {
		t.Errorf("next page %s: %d %v", next, status, v)
	}
	if u, _ = url.Parse(linkOf(h, "prev")); u == nil {
		t.Fatalf("no prev link: %v", h)
	}
	if status, v, _ = get(t, a, u.RequestURI(), x.aliceTok); status != 200 || !domainList("other.example")(v) {
		t.Errorf("prev page of the second: %d %v", status, v)
	}
	if status, v, _ = get(t, a, path+"?max_id=x", x.aliceTok); status != 422 {
		t.Errorf("bad max_id: %d %v", status, v)
	}

	// The follows ended both ways, on A at once and on B once told.
	if status, v, _ = get(t, a, "/api/v1/accounts/relationships?id[]="+bobOnA, x.aliceTok); status != 200 ||
		!relationship(t, bobOnA, map[string]any{"domain_blocking": true, "following": false, "followed_by": false,
			"requested": false, "blocking": false})(v.([]any)[0]) {
		t.Errorf("alice's relationship with bob after the block: %d %v", status, v)
	}
	aliceOnB := ""
	testrig.Eventually(t, testrig.FederationWait, "B to learn both follows ended", func() bool {
		_, found, _ := get(t, b, "/api/v1/accounts/lookup?acct="+url.QueryEscape("alice@"+a.Cfg.Domain), x.bobTok)
		aliceOnB = idOf(found)
		_, rels, _ := get(t, b, "/api/v1/accounts/relationships?id[]="+aliceOnB, x.bobTok)
		l, _ := rels.([]any)
		return len(l) == 1 && field(l[0], "id") == aliceOnB && l[0].(map[string]any)["following"] == false &&
			l[0].(map[string]any)["followed_by"] == false && l[0].(map[string]any)["requested"] == false
	})

	// Hidden from alice, not from carol or a visitor: bob's post, and a new one mentioning
	// alice (which reaches A, as B still knows her), with its notification.
	if publicHas(x.aliceTok, x.uri) {
		t.Errorf("bob's post is still in alice's public timeline")
	}
	if !publicHas(carolTok, x.uri) || !publicHas("", x.uri) {
		t.Errorf("bob's post left carol's or a visitor's public timeline")
	}
	if _, v, _ = get(t, a, "/api/v1/timelines/home", x.aliceTok); len(v.([]any)) != 0 {
		t.Errorf("alice's home timeline after the block: %v", v)
	}
	mention := b.PostNote("bob", x.bobTok, map[string]any{"content": "hello @alice@" + a.Cfg.Domain})
	testrig.Eventually(t, testrig.FederationWait, "bob's mention stored on A", func() bool {
		_, err := a.App.DB().GetNoteByURI(context.Background(), mention)
		return err == nil
	})
	if _, v, _ = get(t, a, "/api/v1/notifications", x.aliceTok); len(v.([]any)) != 0 {
		t.Errorf("alice's notifications after the block: %v", v)
	}

	// Unblocking: bob's posts are shown again; the follows stay ended.
	runWrites(t, a, []writeCase{
		{"unblock B", del(w.oauthToken(t, "alice", "write:blocks"), domain(B)), 200, emptyObject},
		{"unblock B again", del(x.aliceTok, map[string]any{"domain": B}), 200, emptyObject},
		{"list after the unblock", list(x.aliceTok), 200, domainList("other.example")},
	})
	if !publicHas(x.aliceTok, x.uri) {
		t.Errorf("bob's post is not back in alice's public timeline after the unblock")
	}
	if _, v, _ = get(t, a, "/api/v1/notifications?types[]=mention", x.aliceTok); len(v.([]any)) != 1 {
		t.Errorf("alice's mentions after the unblock: %v, want bob's", v)
	}
	if _, v, _ = get(t, a, "/api/v1/accounts/relationships?id[]="+bobOnA, x.aliceTok); !relationship(t, bobOnA,
		map[string]any{"domain_blocking": false, "following": false})(v.([]any)[0]) {
		t.Errorf("relationship after the unblock: %v", v)
	}
}
