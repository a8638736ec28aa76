package api_test

import (
	"context"
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/storage"
)

// relationship checks a Relationship answer: its shape, whose it is, and the attributes
// named (the others need not be false: a check names what the case is about).
func relationship(t *testing.T, id string, want map[string]any) func(v any) bool {
	return func(v any) bool {
		t.Helper()
		shape(t, "Relationship", v, relationshipShape)
		m, _ := v.(map[string]any)
		if idOf(v) != id {
			return false
		}
		for k, x := range want {
			if m[k] != x {
				return false
			}
		}
		return true
	}
}

// act is a POST to an account's action, or to another path under /api/v1.
func act(token, path string, body any) request {
	return request{method: "POST", path: "/api/v1/" + path, token: token, body: body}
}

// TestRelationshipActions follows, mutes and blocks through the API, each answering the
// Relationship, with the scopes Mastodon asks (the old follow scope covering them all), and
// refuses what cannot be done with nothing stored.
func TestRelationshipActions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	daveTok, _ := w.in.Account("dave", true) // locked
	daveID, carolID := accountID(t, w.in, "dave"), accountID(t, w.in, "carol")
	acc := func(id, action string) string { return "accounts/" + id + "/" + action }
	runWrites(t, w.in, []writeCase{
		{"follow, no token", act("", acc(w.aliceID, "follow"), nil), 401, nil},
		{"follow, bad token", act("nope", acc(w.aliceID, "follow"), nil), 401, nil},
		{"follow with read only", act(w.oauthToken(t, "carol", "read"), acc(w.aliceID, "follow"), nil), 403, nil},
		{"follow with write:blocks only", act(w.oauthToken(t, "carol", "write:blocks"), acc(w.aliceID, "follow"), nil), 403, nil},
		{"follow, an app's own token", act(w.oauthToken(t, "", "write follow"), acc(w.aliceID, "follow"), nil), 403, nil},
		{"follow, unknown account", act(w.carolTok, acc("999999", "follow"), nil), 404, nil},
		{"follow, not an id", act(w.carolTok, acc("abc", "follow"), nil), 404, nil},
		{"follow yourself", act(w.carolTok, acc(carolID, "follow"), nil), 422, nil},
		{"follow, too many languages", act(w.carolTok, acc(w.aliceID, "follow"),
			url.Values{"languages[]": strings.Split(strings.Repeat("en,", 101), ",")}), 422, nil},
		{"follow, bad JSON", act(w.carolTok, acc(w.aliceID, "follow"), "not an object"), 422, nil},
		{"follow with the follow scope", act(w.oauthToken(t, "carol", "follow"), acc(w.aliceID, "follow"),
			map[string]any{"reblogs": false, "notify": true, "languages": []string{"en"}}), 200,
			relationship(t, w.aliceID, map[string]any{"following": true, "requested": false, "showing_reblogs": false})},
		{"follow again", act(w.carolTok, acc(w.aliceID, "follow"), nil), 200,
			relationship(t, w.aliceID, map[string]any{"following": true, "showing_reblogs": false})},
		{"follow again, with boosts", act(w.carolTok, acc(w.aliceID, "follow"), url.Values{"reblogs": {"true"}}), 200,
			relationship(t, w.aliceID, map[string]any{"following": true, "showing_reblogs": true})},
		{"follow a locked account", act(w.oauthToken(t, "carol", "write:follows"), acc(daveID, "follow"), nil), 200,
			relationship(t, daveID, map[string]any{"following": false, "requested": true})},
		{"unfollow", act(w.carolTok, acc(w.aliceID, "unfollow"), nil), 200,
			relationship(t, w.aliceID, map[string]any{"following": false})},
		{"unfollow again", act(w.carolTok, acc(w.aliceID, "unfollow"), nil), 200,
			relationship(t, w.aliceID, map[string]any{"following": false})},
		{"unfollow with write:mutes only", act(w.oauthToken(t, "carol", "write:mutes"), acc(w.aliceID, "unfollow"), nil), 403, nil},

		{"mute with write:blocks only", act(w.oauthToken(t, "alice", "write:blocks"), acc(w.bobID, "mute"), nil), 403, nil},
		{"mute yourself", act(w.aliceTok, acc(w.aliceID, "mute"), nil), 422, nil},
		{"mute, duration not a number", act(w.aliceTok, acc(w.bobID, "mute"), url.Values{"duration": {"soon"}}), 422, nil},
		{"mute, negative duration", act(w.aliceTok, acc(w.bobID, "mute"), map[string]any{"duration": -5}), 422, nil},
		{"mute, unknown account", act(w.aliceTok, acc("999999", "mute"), nil), 404, nil},
		{"mute, posts only, for an hour", act(w.oauthToken(t, "alice", "write:mutes"), acc(w.bobID, "mute"),
			map[string]any{"notifications": false, "duration": 3600}), 200,
			relationship(t, w.bobID, map[string]any{"muting": true, "muting_notifications": false, "followed_by": true})},
		{"mute again, with notifications", act(w.aliceTok, acc(w.bobID, "mute"), nil), 200,
			relationship(t, w.bobID, map[string]any{"muting": true, "muting_notifications": true})},
		{"unmute", act(w.oauthToken(t, "alice", "follow"), acc(w.bobID, "unmute"), nil), 200,
			relationship(t, w.bobID, map[string]any{"muting": false, "muting_notifications": false})},
		{"unmute again", act(w.aliceTok, acc(w.bobID, "unmute"), nil), 200,
			relationship(t, w.bobID, map[string]any{"muting": false})},

		{"block with write:mutes only", act(w.oauthToken(t, "alice", "write:mutes"), acc(w.bobID, "block"), nil), 403, nil},
		{"block, no token", act("", acc(w.bobID, "block"), nil), 401, nil},
		{"block yourself", act(w.aliceTok, acc(w.aliceID, "block"), nil), 422, nil},
		{"block, unknown account", act(w.aliceTok, acc("999999", "block"), nil), 404, nil},
		{"block a follower", act(w.oauthToken(t, "alice", "write:blocks"), acc(w.bobID, "block"), nil), 200,
			relationship(t, w.bobID, map[string]any{"blocking": true, "followed_by": false, "following": false})},
		{"block again", act(w.aliceTok, acc(w.bobID, "block"), nil), 200,
			relationship(t, w.bobID, map[string]any{"blocking": true})},
		{"follow whoever blocks you", act(w.bobTok, acc(w.aliceID, "follow"), nil), 403, nil},
		{"follow whom you block", act(w.aliceTok, acc(w.bobID, "follow"), nil), 403, nil},
		{"unblock", act(w.aliceTok, acc(w.bobID, "unblock"), nil), 200,
			relationship(t, w.bobID, map[string]any{"blocking": false, "followed_by": false})},
		{"unblock again", act(w.aliceTok, acc(w.bobID, "unblock"), nil), 200,
			relationship(t, w.bobID, map[string]any{"blocking": false})},

		{"follow requests, authorize with read:follows only", act(w.oauthToken(t, "dave", "read:follows"),
			"follow_requests/"+carolID+"/authorize", nil), 403, nil},
		{"follow requests, authorize one never asked", act(daveTok, "follow_requests/"+w.bobID+"/authorize", nil), 404, nil},
		{"follow requests, reject an unknown account", act(daveTok, "follow_requests/999999/reject", nil), 404, nil},
		{"follow requests, authorize", act(w.oauthToken(t, "dave", "write:follows"), "follow_requests/"+carolID+"/authorize", nil),
			200, relationship(t, carolID, map[string]any{"followed_by": true, "requested_by": false})},
		{"follow requests, authorize again", act(daveTok, "follow_requests/"+carolID+"/authorize", nil), 404, nil},
	})
	// Bob sees alice's block, and no follow either way, from his side.
	_, rels, _ := get(t, w.in, "/api/v1/accounts/relationships?id[]="+w.aliceID, w.bobTok)
	if list, _ := rels.([]any); len(list) != 1 || !relationship(t, w.aliceID, map[string]any{"following": false,
		"blocked_by": false})(list[0]) {
		t.Errorf("bob's relationship with alice after the unblock: %v", rels)
	}
	// A follow request rejected is gone for both.
	if status, v := send(t, w.in, act(w.bobTok, "accounts/"+daveID+"/follow", nil)); status != 200 {
		t.Fatalf("bob asks dave: %d %v", status, v)
	}
	status, v := send(t, w.in, act(daveTok, "follow_requests/"+w.bobID+"/reject", nil))
	if status != 200 || !relationship(t, w.bobID, map[string]any{"followed_by": false, "requested_by": false})(v) {
		t.Errorf("reject: %d %v", status, v)
	}
	_, rels, _ = get(t, w.in, "/api/v1/accounts/relationships?id[]="+daveID, w.bobTok)
	if list, _ := rels.([]any); len(list) != 1 || !relationship(t, daveID, map[string]any{"requested": false, "following": false})(list[0]) {
		t.Errorf("bob's relationship with dave after the rejection: %v", rels)
	}
}

// TestBlockedAndMutedDisappear: what alice blocks or mutes leaves her timelines, the
// context of a post and (for a mute, unless it spares them) her notifications; a mute that
// ended hides nothing.
func TestBlockedAndMutedDisappear(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// Alice follows bob, who posts with a tag, and boosts alice's post.
	if status, v := send(t, w.in, act(w.aliceTok, "accounts/"+w.bobID+"/follow", nil)); status != 200 {
		t.Fatalf("follow: %d %v", status, v)
	}
	w.in.PostNote("bob", w.bobTok, map[string]any{"content": "bob says #Refuge"})
	if status, v := send(t, w.in, act(w.bobTok, "statuses/"+w.public+"/reblog", nil)); status != 200 {
		t.Fatalf("reblog: %d %v", status, v)
	}
	// Carol answers bob's reply: bob's is then an ancestor in the context of carol's.
	status, below := send(t, w.in, act(w.carolTok, "statuses", url.Values{"status": {"and me"}, "in_reply_to_id": {w.reply}}))
	if status != 200 {
		t.Fatalf("carol's reply: %d %v", status, below)
	}
	bobs := func(path string) int {
		t.Helper()
		status, v, _ := get(t, w.in, path, w.aliceTok)
		if status != 200 {
			t.Fatalf("GET %s: %d %v", path, status, v)
		}
		n := 0
		for _, s := range statusesIn(v) {
			m := s.(map[string]any)
			if field(m["account"], "acct") == "bob" {
				n++
			}
		}
		return n
	}
	where := []struct {
		name, path string
		before     int
		notices    bool // a notification list: spared by a mute without notifications
	}{
		{"home", "/api/v1/timelines/home", 3, false}, // bob's post, his reply to alice and his boost
		{"public", "/api/v1/timelines/public", 2, false},
		{"tag", "/api/v1/timelines/tag/refuge", 1, false},
		{"context", "/api/v1/statuses/" + w.public + "/context", 1, false},
		{"context above", "/api/v1/statuses/" + idOf(below) + "/context", 1, false},
		{"notifications", "/api/v1/notifications", 3, true}, // the follow, the reply, the boost
	}
	check := func(state string, hidden, noticesHidden bool) {
		t.Helper()
		for _, c := range where {
			want := c.before
			if hidden && !c.notices || noticesHidden && c.notices {
				want = 0
			}
			if got := bobs(c.path); got != want {
				t.Errorf("%s: %s shows %d of bob's, want %d", state, c.name, got, want)
			}
		}
	}
	check("before", false, false)
	steps := []struct {
		state                 string
		req                   request
		hidden, noticesHidden bool
	}{
		{"muted", act(w.aliceTok, "accounts/"+w.bobID+"/mute", nil), true, true},
		{"muted, notifications spared", act(w.aliceTok, "accounts/"+w.bobID+"/mute", url.Values{"notifications": {"false"}}), true, false},
		{"unmuted", act(w.aliceTok, "accounts/"+w.bobID+"/unmute", nil), false, false},
		{"blocked", act(w.aliceTok, "accounts/"+w.bobID+"/block", nil), true, true},
	}
	for _, s := range steps {
		if status, v := send(t, w.in, s.req); status != 200 {
			t.Fatalf("%s: %d %v", s.state, status, v)
		}
		if s.state == "blocked" {
			where[0].before = 0 // the block ended alice's follow: bob's post left her feed
		}
		check(s.state, s.hidden, s.noticesHidden)
	}
	// Bob, blocked, no longer sees alice's posts in the public timeline either.
	_, v, _ := get(t, w.in, "/api/v1/timelines/public", w.bobTok)
	for _, s := range v.([]any) {
		if field(s.(map[string]any)["account"], "acct") == "alice" {
			t.Errorf("bob, blocked by alice, sees her post %v", idOf(s))
		}
	}
	if status, v := send(t, w.in, act(w.aliceTok, "accounts/"+w.bobID+"/unblock", nil)); status != 200 {
		t.Fatalf("unblock: %d %v", status, v)
	}
	// A mute for a second ends by itself.
	if status, v := send(t, w.in, act(w.aliceTok, "accounts/"+w.bobID+"/mute", url.Values{"duration": {"1"}})); status != 200 ||
		!relationship(t, w.bobID, map[string]any{"muting": true})(v) {
		t.Fatalf("mute for a second: %d %v", status, v)
	}
	if bobs("/api/v1/timelines/public") != 0 {
		t.Error("bob's posts shown while the mute holds")
	}
	time.Sleep(1100 * time.Millisecond)
	if got := bobs("/api/v1/timelines/public"); got != 2 {
		t.Errorf("after the mute ended, the public timeline shows %d of bob's, want 2", got)
	}
	if _, rels, _ := get(t, w.in, "/api/v1/accounts/relationships?id[]="+w.bobID, w.aliceTok); !relationship(t, w.bobID,
		map[string]any{"muting": false})(rels.([]any)[0]) {
		t.Errorf("relationship after the mute ended: %v", rels)
	}
}

// TestFollowWithoutReblogs: a follow with reblogs=false keeps the followee's boosts, not
// its posts, out of the home timeline, until followed again with them.
func TestFollowWithoutReblogs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	follow := func(reblogs string) {
		t.Helper()
		status, v := send(t, w.in, act(w.carolTok, "accounts/"+w.bobID+"/follow", url.Values{"reblogs": {reblogs}}))
		if status != 200 || !relationship(t, w.bobID, map[string]any{"following": true, "showing_reblogs": reblogs == "true"})(v) {
			t.Fatalf("follow with reblogs=%s: %d %v", reblogs, status, v)
		}
	}
	follow("false")
	w.in.PostNote("bob", w.bobTok, map[string]any{"content": "bob's own"})
	if status, v := send(t, w.in, act(w.bobTok, "statuses/"+w.public+"/reblog", nil)); status != 200 {
		t.Fatalf("reblog: %d %v", status, v)
	}
	home := func() (posts, boosts int) {
		t.Helper()
		_, v, _ := get(t, w.in, "/api/v1/timelines/home", w.carolTok)
		for _, s := range v.([]any) {
			m := s.(map[string]any)
			if m["reblog"] != nil {
				boosts++
			} else if field(m["account"], "acct") == "bob" {
				posts++
			}
		}
		return posts, boosts
	}
	if posts, boosts := home(); posts != 1 || boosts != 0 {
		t.Errorf("without boosts: %d of bob's posts, %d boosts; want 1, 0", posts, boosts)
	}
	follow("true")
	if posts, boosts := home(); posts != 1 || boosts != 1 {
		t.Errorf("with boosts: %d of bob's posts, %d boosts; want 1, 1", posts, boosts)
	}
}

// TestAccountLists: followers, following, blocks, mutes and follow requests, newest first,
// paged by Link; each with its scope; a viewer blocked by the account sees none of its
// network.
func TestAccountLists(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	daveTok, _ := w.in.Account("dave", true)
	daveID, carolID := accountID(t, w.in, "dave"), accountID(t, w.in, "carol")
	for _, req := range []request{
		act(w.carolTok, "accounts/"+w.aliceID+"/follow", nil),
		act(w.aliceTok, "accounts/"+w.bobID+"/block", nil),
		act(w.aliceTok, "accounts/"+carolID+"/block", nil),
		act(w.aliceTok, "accounts/"+daveID+"/mute", nil),
		act(w.aliceTok, "accounts/"+carolID+"/mute", nil),
		act(w.bobTok, "accounts/"+daveID+"/follow", nil),
		act(w.carolTok, "accounts/"+daveID+"/follow", nil),
	} {
		if status, v := send(t, w.in, req); status != 200 {
			t.Fatalf("%s: %d %v", req.path, status, v)
		}
	}
	ids := func(want ...string) func(v any) bool { return accountsAre(t, want...) }
	for _, c := range []struct {
		name, path, token string
		status            int
		check             func(v any) bool
	}{
		// bob followed alice in newWorld, and was removed by her block; carol followed her
		// before she blocked her too.
		{"followers of alice", "/api/v1/accounts/" + w.aliceID + "/followers", "", 200, ids()},
		{"followers of dave", "/api/v1/accounts/" + daveID + "/followers", "", 200, ids()},
		{"following of dave", "/api/v1/accounts/" + daveID + "/following", w.aliceTok, 200, ids()},
		{"followers, unknown", "/api/v1/accounts/999999/followers", "", 404, nil},
		{"following, bad limit", "/api/v1/accounts/" + w.aliceID + "/following?limit=0", "", 422, nil},
		{"blocks", "/api/v1/blocks", w.oauthToken(t, "alice", "read:blocks"), 200, ids(carolID, w.bobID)},
		{"blocks, limit 1", "/api/v1/blocks?limit=1", w.aliceTok, 200, ids(carolID)},
		{"blocks with the follow scope", "/api/v1/blocks", w.oauthToken(t, "alice", "follow"), 200, ids(carolID, w.bobID)},
		{"blocks with read:mutes", "/api/v1/blocks", w.oauthToken(t, "alice", "read:mutes"), 403, nil},
		{"blocks, no token", "/api/v1/blocks", "", 401, nil},
		{"blocks, bad max_id", "/api/v1/blocks?max_id=x", w.aliceTok, 422, nil},
		{"mutes", "/api/v1/mutes", w.oauthToken(t, "alice", "read"), 200, ids(carolID, daveID)},
		{"mutes with read:blocks", "/api/v1/mutes", w.oauthToken(t, "alice", "read:blocks"), 403, nil},
		{"someone else's mutes are not mine", "/api/v1/mutes", w.bobTok, 200, ids()},
		{"follow requests", "/api/v1/follow_requests", w.oauthToken(t, "dave", "read:follows"), 200, ids(carolID, w.bobID)},
		{"follow requests with read:statuses", "/api/v1/follow_requests", w.oauthToken(t, "dave", "read:statuses"), 403, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, v, _ := get(t, w.in, c.path, c.token)
			if status != c.status || (c.check != nil && !c.check(v)) {
				t.Errorf("GET %s: %d %v, want %d", c.path, status, v, c.status)
			}
			if status >= 400 && field(v, "error") == "" {
				t.Errorf("error body %v", v)
			}
		})
	}
	// Paged by Link: the next page of blocks after the newest is bob's.
	_, _, h := get(t, w.in, "/api/v1/blocks?limit=1", w.aliceTok)
	next := linkOf(h, "next")
	if status, v, _ := get(t, w.in, strings.TrimPrefix(next, w.in.Base), w.aliceTok); status != 200 || !ids(w.bobID)(v) {
		t.Errorf("next page of blocks %q: %d %v, want bob", next, status, v)
	}
	// Followers and following across a block: dave accepts bob, who follows him; carol, whom
	// dave then blocks, sees none of dave's network, others do.
	if status, v := send(t, w.in, act(daveTok, "follow_requests/"+w.bobID+"/authorize", nil)); status != 200 {
		t.Fatalf("authorize: %d %v", status, v)
	}
	if status, v := send(t, w.in, act(daveTok, "accounts/"+carolID+"/block", nil)); status != 200 {
		t.Fatalf("dave blocks carol: %d %v", status, v)
	}
	for _, c := range []struct {
		path, token string
		want        []string
	}{
		{"/api/v1/accounts/" + daveID + "/followers", w.aliceTok, []string{w.bobID}},
		{"/api/v1/accounts/" + daveID + "/followers", "", []string{w.bobID}},
		{"/api/v1/accounts/" + daveID + "/followers", w.carolTok, nil},
		{"/api/v1/accounts/" + w.bobID + "/following", w.carolTok, []string{daveID}},
		{"/api/v1/follow_requests", daveTok, nil}, // carol's request went with the block
	} {
		if status, v, _ := get(t, w.in, c.path, c.token); status != 200 || !ids(c.want...)(v) {
			t.Errorf("GET %s as %q: %d %v, want %v", c.path, c.token, status, v, c.want)
		}
	}
}

// TestUpdateCredentials changes the profile through the API as forms, JSON and multipart
// with images, answering the account with its source; what is refused stores nothing.
func TestUpdateCredentials(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	patch := func(token string, body any) request {
		return request{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: token, body: body}
	}
	image := func(field string, body []byte) testrig.Upload {
		return testrig.Upload{Field: field, Name: "a.png", ContentType: "image/png", Body: body}
	}
	credentials := func(check func(m, src map[string]any) bool) func(v any) bool {
		return func(v any) bool {
			shape(t, "CredentialAccount", v, accountShape)
			m := v.(map[string]any)
			shape(t, "Source", m["source"], sourceShape)
			src, _ := m["source"].(map[string]any)
			return idOf(v) == w.aliceID && check(m, src)
		}
	}
	fields := func(list any, pairs ...string) bool {
		l, _ := list.([]any)
		if len(l)*2 != len(pairs) {
			return false
		}
		for i, f := range l {
			if field(f, "name") != pairs[2*i] || !strings.Contains(field(f, "value"), pairs[2*i+1]) {
				return false
			}
		}
		return true
	}
	before := w.in.RowCounts()
	runWrites(t, w.in, []writeCase{
		{"no token", patch("", url.Values{"display_name": {"x"}}), 401, nil},
		{"read scopes only", patch(w.oauthToken(t, "alice", "read"), url.Values{"display_name": {"x"}}), 403, nil},
		{"write:statuses only", patch(w.oauthToken(t, "alice", "write:statuses"), url.Values{"display_name": {"x"}}), 403, nil},
		{"a form", patch(w.oauthToken(t, "alice", "write:accounts"), url.Values{"display_name": {" Alice A. "},
			"note": {"Hi, I am #alice"}, "locked": {"true"}, "bot": {"1"}, "discoverable": {"false"},
			"fields_attributes[1][name]": {"Site"}, "fields_attributes[1][value]": {"https://alice.example"},
			"fields_attributes[0][name]": {"Pronouns"}, "fields_attributes[0][value]": {"she/her"},
			"source[privacy]": {"private"}, "source[sensitive]": {"true"}, "source[language]": {"de"}}), 200,
			credentials(func(m, src map[string]any) bool {
				return m["display_name"] == "Alice A." && strings.Contains(field(m, "note"), "alice") && m["locked"] == true &&
					m["bot"] == true && m["discoverable"] == false &&
					fields(m["fields"], "Pronouns", "she/her", "Site", `href="https://alice.example"`) &&
					src["privacy"] == "private" && src["sensitive"] == true && src["language"] == "de" &&
					src["note"] == "Hi, I am #alice" && fields(src["fields"], "Pronouns", "she/her", "Site", "https://alice.example")
			})},
		{"JSON, only what is sent changes", patch(w.aliceTok, map[string]any{"locked": false,
			"fields_attributes": []map[string]string{{"name": "Only", "value": "one"}}, "source": map[string]any{"privacy": "unlisted"}}),
			200, credentials(func(m, src map[string]any) bool {
				return m["display_name"] == "Alice A." && m["locked"] == false && m["bot"] == true &&
					fields(m["fields"], "Only", "one") && src["privacy"] == "unlisted" && src["language"] == "de"
			})},
		{"multipart with an avatar and a header", patch(w.aliceTok, multipartBody{form: url.Values{"display_name": {"Pictured"}},
			files: []testrig.Upload{image("avatar", pngImage(t)), image("header", pngImage(t))}}), 200,
			credentials(func(m, src map[string]any) bool {
				return m["display_name"] == "Pictured" && strings.HasPrefix(field(m, "avatar"), w.in.Base+"/media/") &&
					strings.HasPrefix(field(m, "header"), w.in.Base+"/media/") && field(m, "avatar") != field(m, "header")
			})},
		{"a good avatar with a header that is no image", patch(w.aliceTok, multipartBody{form: url.Values{"display_name": {"Broken"}},
			files: []testrig.Upload{image("avatar", pngImage(t)), image("header", []byte("GIF89a, or not"))}}), 422, nil},
		{"bad privacy", patch(w.aliceTok, url.Values{"source[privacy]": {"followers"}}), 422, nil},
		{"empty privacy", patch(w.aliceTok, url.Values{"source[privacy]": {""}}), 422, nil},
		{"bad language", patch(w.aliceTok, map[string]any{"source": map[string]any{"language": "not a language"}}), 422, nil},
		{"name too long", patch(w.aliceTok, url.Values{"display_name": {strings.Repeat("x", 101)}}), 422, nil},
		{"five fields", patch(w.aliceTok, url.Values{"fields_attributes[0][name]": {"a"}, "fields_attributes[1][name]": {"b"},
			"fields_attributes[2][name]": {"c"}, "fields_attributes[3][name]": {"d"}, "fields_attributes[4][name]": {"e"}}), 422, nil},
		{"a field named wrong", patch(w.aliceTok, url.Values{"fields_attributes[x][name]": {"a"}}), 422, nil},
		{"bad JSON", patch(w.aliceTok, "not an object"), 422, nil},
	})
	// Two images kept (and their rows), and an Update of the profile for each change.
	after := w.in.RowCounts()
	if after["media"]-before["media"] != 2 || after["activities"]-before["activities"] != 3 {
		t.Errorf("media %d → %d, activities %d → %d; want two images and three Updates",
			before["media"], after["media"], before["activities"], after["activities"])
	}
	status, v, _ := get(t, w.in, "/api/v1/accounts/verify_credentials", w.aliceTok)
	if status != 200 || !credentials(func(m, src map[string]any) bool {
		return m["display_name"] == "Pictured" && src["privacy"] == "unlisted" && src["sensitive"] == true
	})(v) {
		t.Errorf("verify_credentials: %d %v", status, v)
	}
	if maps.Equal(before, after) {
		t.Error("nothing stored")
	}

	// The pictures are taken away one at a time (Mastodon 4.2's profile API); taking away
	// what is not there succeeds and sends nothing.
	remove := func(token, what string) request {
		return request{method: "DELETE", path: "/api/v1/profile/" + what, token: token}
	}
	pictured := field(v, "header")
	runWrites(t, w.in, []writeCase{
		{"remove without a token", remove("", "avatar"), 401, nil},
		{"remove with read scopes", remove(w.oauthToken(t, "alice", "read"), "avatar"), 403, nil},
		{"remove the avatar", remove(w.aliceTok, "avatar"), 200, credentials(func(m, src map[string]any) bool {
			return !strings.HasPrefix(field(m, "avatar"), w.in.Base+"/media/") && field(m, "avatar") != "" && field(m, "header") == pictured
		})},
		{"remove the header", remove(w.aliceTok, "header"), 200, credentials(func(m, src map[string]any) bool {
			return !strings.HasPrefix(field(m, "header"), w.in.Base+"/media/") && m["display_name"] == "Pictured"
		})},
	})
	again := w.in.RowCounts()
	if status, v := send(t, w.in, remove(w.aliceTok, "avatar")); status != 200 || !maps.Equal(again, w.in.RowCounts()) {
		t.Errorf("removing no avatar: %d %v, and rows changed: %v", status, v, !maps.Equal(again, w.in.RowCounts()))
	}
	if a := w.in.LocalActor("alice"); a.IconURL != "" || a.ImageURL != "" {
		t.Errorf("pictures still stored: %q %q", a.IconURL, a.ImageURL)
	}

	// Unlocked, an account accepts the follow requests waiting.
	daveTok, _ := w.in.Account("dave", true)
	daveID := accountID(t, w.in, "dave")
	if status, v := send(t, w.in, act(w.carolTok, "accounts/"+daveID+"/follow", nil)); status != 200 {
		t.Fatalf("carol asks dave: %d %v", status, v)
	}
	if status, v := send(t, w.in, patch(daveTok, url.Values{"locked": {"false"}})); status != 200 || field(v, "id") != daveID {
		t.Fatalf("dave unlocks: %d %v", status, v)
	}
	_, rels, _ := get(t, w.in, "/api/v1/accounts/relationships?id[]="+daveID, w.carolTok)
	if l, _ := rels.([]any); len(l) != 1 || !relationship(t, daveID, map[string]any{"following": true, "requested": false})(l[0]) {
		t.Errorf("carol's relationship with dave once unlocked: %v", rels)
	}
}

// TestBlocksAndRequestsAcrossInstances: alice on A and bob on B follow each other; alice
// blocks bob through A's API, B receives the Block and neither follows the other there
// any longer. Then alice follows carol, locked, on B: requested until carol authorizes
// through B's API, when A shows alice following her.
func TestBlocksAndRequestsAcrossInstances(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	a, b := x.a, x.b
	ctx := context.Background()
	aliceOnB := accountID(t, b, "alice@"+a.Cfg.Domain)
	bobOnA := accountID(t, a, "bob@"+b.Cfg.Domain)
	if status, v := send(t, b, act(x.bobTok, "accounts/"+aliceOnB+"/follow", nil)); status != 200 {
		t.Fatalf("bob follows alice: %d %v", status, v)
	}
	following := func(in *testrig.Instance, token, id string, want map[string]any) bool {
		_, v, _ := get(t, in, "/api/v1/accounts/relationships?id[]="+id, token)
		l, _ := v.([]any)
		return len(l) == 1 && relationship(t, id, want)(l[0])
	}
	testrig.Eventually(t, testrig.FederationWait, "bob and alice following each other on B", func() bool {
		return following(b, x.bobTok, aliceOnB, map[string]any{"following": true, "followed_by": true})
	})

	status, v := send(t, a, act(x.aliceTok, "accounts/"+bobOnA+"/block", nil))
	if status != 200 || !relationship(t, bobOnA, map[string]any{"blocking": true, "following": false, "followed_by": false})(v) {
		t.Fatalf("block: %d %v", status, v)
	}
	alice, bob := a.LocalActor("alice"), b.LocalActor("bob")
	blk, err := a.App.DB().GetAccountBlock(ctx, alice.ID, a.ActorByURI(bob.URI).ID)
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, testrig.FederationWait, "the Block received on B", func() bool {
		got, err := b.App.DB().GetActivityByURI(ctx, blk.URI)
		return err == nil && got.Type == "Block"
	})
	testrig.Eventually(t, testrig.FederationWait, "no follow either way on B", func() bool {
		return following(b, x.bobTok, aliceOnB, map[string]any{"following": false, "followed_by": false, "requested": false})
	})
	if status, v := send(t, a, act(x.aliceTok, "accounts/"+bobOnA+"/follow", nil)); status != 403 {
		t.Errorf("alice follows whom she blocks: %d %v", status, v)
	}
	if status, v := send(t, a, act(x.aliceTok, "accounts/"+bobOnA+"/unblock", nil)); status != 200 ||
		!relationship(t, bobOnA, map[string]any{"blocking": false})(v) {
		t.Errorf("unblock: %d %v", status, v)
	}

	// A locked account on B, found by A as a search would.
	carolTok, carolURI := b.Account("carol", true)
	if _, err := a.App.Remote().Actor(ctx, carolURI); err != nil {
		t.Fatal(err)
	}
	carolOnA := accountID(t, a, "carol@"+b.Cfg.Domain)
	if status, v := send(t, a, act(x.aliceTok, "accounts/"+carolOnA+"/follow", nil)); status != 200 ||
		!relationship(t, carolOnA, map[string]any{"requested": true, "following": false})(v) {
		t.Fatalf("follow carol: %d %v", status, v)
	}
	var requests []any
	testrig.Eventually(t, testrig.FederationWait, "alice's request on B", func() bool {
		_, v, _ := get(t, b, "/api/v1/follow_requests", carolTok)
		requests, _ = v.([]any)
		return len(requests) == 1
	})
	if field(requests[0], "acct") != "alice@"+a.Cfg.Domain {
		t.Fatalf("follow requests: %v", requests)
	}
	if status, v := send(t, b, act(carolTok, "follow_requests/"+idOf(requests[0])+"/authorize", nil)); status != 200 ||
		!relationship(t, idOf(requests[0]), map[string]any{"followed_by": true})(v) {
		t.Fatalf("authorize: %d %v", status, v)
	}
	testrig.Eventually(t, testrig.FederationWait, "alice following carol on A", func() bool {
		return following(a, x.aliceTok, carolOnA, map[string]any{"following": true, "requested": false})
	})
	if _, v, _ := get(t, a, "/api/v1/accounts/"+carolOnA+"/followers", x.aliceTok); !strings.Contains(
		strings.Join(accts(v), " "), "alice") {
		t.Errorf("carol's followers as A knows them: %v", v)
	}
}

// accountsAre checks a list of accounts: their shape, and their ids, in order.
func accountsAre(t *testing.T, ids ...string) func(v any) bool {
	return func(v any) bool {
		t.Helper()
		l, _ := v.([]any)
		if len(l) != len(ids) {
			return false
		}
		for i, a := range l {
			shape(t, "Account", a, accountShape)
			if idOf(a) != ids[i] {
				return false
			}
		}
		return true
	}
}

// accts are the accts of a list of accounts.
func accts(v any) []string {
	var out []string
	items, _ := v.([]any)
	for _, a := range items {
		out = append(out, field(a, "acct"))
	}
	return out
}

// TestSuspendedAccount: a suspended account's entity has every attribute Mastodon documents,
// with suspended: true and nothing of its profile, for anyone; its statuses are listed and
// given to nobody (404, as Mastodon's API answers); its own token is refused with Mastodon's
// 403. Unsuspended, all of it is back.
func TestSuspendedAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t)
	aliceTok, _ := in.Account("alice", false)
	bobTok, _ := in.Account("bob", false)
	profile := testrig.Profile(in.LocalActor("alice"))
	profile.Name, profile.Summary = "Alice A.", "bio"
	profile.Fields = append(profile.Fields, storage.Field{Name: "site", Value: "alice.example"})
	if _, err := in.App.Outbox().UpdateProfile(ctx, in.LocalActor("alice"), profile); err != nil {
		t.Fatal(err)
	}
	in.PostNote("alice", aliceTok, map[string]any{"content": "hello"})
	id := accountID(t, in, "alice")
	if code, body, _ := in.Do("POST", "/api/v1/accounts/"+accountID(t, in, "bob")+"/follow", aliceTok, nil); code != 200 {
		t.Fatalf("alice follows bob: %d %s", code, body)
	}
	notified := func() int {
		t.Helper()
		_, v, _ := get(t, in, "/api/v1/notifications", bobTok)
		return len(v.([]any))
	}
	if n := notified(); n != 1 {
		t.Fatalf("bob's notifications before: %d", n)
	}
	_, list, _ := get(t, in, "/api/v1/accounts/"+id+"/statuses", "")
	status := idOf(list.([]any)[0])
	if _, err := in.App.Outbox().Suspend(ctx, "alice"); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, path, token string
		code              int
		check             func(t *testing.T, v any)
	}{
		{"the account, anonymous", "/api/v1/accounts/" + id, "", 200, func(t *testing.T, v any) {
			shape(t, "Account", v, accountShape)
			shape(t, "Account", v, map[string]string{"suspended": "bool"})
			m := v.(map[string]any)
			if m["suspended"] != true || m["display_name"] != "" || m["note"] != "" || len(m["fields"].([]any)) != 0 ||
				!strings.Contains(m["avatar"].(string), "/avatar.svg") || m["username"] != "alice" {
				t.Errorf("suspended account: %v", m)
			}
		}},
		{"the account, looked up by bob", "/api/v1/accounts/lookup?acct=alice", bobTok, 200, func(t *testing.T, v any) {
			if v.(map[string]any)["suspended"] != true {
				t.Errorf("lookup: %v", v)
			}
		}},
		{"its statuses", "/api/v1/accounts/" + id + "/statuses", bobTok, 200, func(t *testing.T, v any) {
			if len(v.([]any)) != 0 {
				t.Errorf("statuses of a suspended account: %v", v)
			}
		}},
		{"its pinned statuses", "/api/v1/accounts/" + id + "/statuses?pinned=true", "", 200, func(t *testing.T, v any) {
			if len(v.([]any)) != 0 {
				t.Errorf("pinned statuses of a suspended account: %v", v)
			}
		}},
		{"one of its statuses", "/api/v1/statuses/" + status, bobTok, 404, nil},
		{"an account search", "/api/v1/accounts/search?q=ali", bobTok, 200, func(t *testing.T, v any) {
			if len(v.([]any)) != 0 {
				t.Errorf("a suspended account found by a search: %v", v)
			}
		}},
		{"its own token", "/api/v1/accounts/verify_credentials", aliceTok, 403, func(t *testing.T, v any) {
			if v.(map[string]any)["error"] != "Your login is currently disabled" {
				t.Errorf("error: %v", v)
			}
		}},
		{"its own token on a public timeline", "/api/v1/timelines/public", aliceTok, 403, nil},
		{"an unknown id still 404", "/api/v1/accounts/999999", "", 404, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, v, _ := get(t, in, c.path, c.token)
			if code != c.code {
				t.Fatalf("%s: %d %v, want %d", c.path, code, v, c.code)
			}
			if c.check != nil {
				c.check(t, v)
			}
		})
	}
	if n := notified(); n != 0 {
		t.Errorf("bob is shown alice's follow while she is suspended: %d notifications", n)
	}
	// Nobody may follow it meanwhile (Mastodon's FollowService finds no such account).
	before := in.RowCounts()
	if code, body, _ := in.Do("POST", "/api/v1/accounts/"+id+"/follow", bobTok, nil); code != 404 || !strings.Contains(string(body), "Record not found") {
		t.Errorf("following a suspended account: %d %s", code, body)
	}
	if after := in.RowCounts(); !maps.Equal(before, after) {
		t.Errorf("a refused follow stored something: %v, then %v", before, after)
	}
	// An account that is not suspended has no suspended attribute, as in Mastodon.
	if _, err := in.App.Outbox().Unsuspend(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	_, v, _ := get(t, in, "/api/v1/accounts/"+id, "")
	if m := v.(map[string]any); m["suspended"] != nil || m["display_name"] != "Alice A." || len(m["fields"].([]any)) != 1 {
		t.Errorf("alice unsuspended: %v", m)
	}
	if code, v, _ := get(t, in, "/api/v1/statuses/"+status, aliceTok); code != 200 {
		t.Errorf("her status after unsuspending: %d %v", code, v)
	}
	if n := notified(); n != 1 {
		t.Errorf("bob's notification of alice's follow after she was unsuspended: %d", n)
	}
	if _, v, _ := get(t, in, "/api/v1/accounts/search?q=ali", bobTok); len(v.([]any)) != 1 {
		t.Errorf("alice not found by a search after unsuspending: %v", v)
	}
}
