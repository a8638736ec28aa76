package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"refuge/internal/testrig"
	"refuge/outbox"
	"refuge/storage"
)

// get asks in for path with token ("" for none) and decodes the JSON answer.
func get(t *testing.T, in *testrig.Instance, path, token string) (int, any, http.Header) {
	t.Helper()
	status, body, h := in.Do("GET", path, token, nil)
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %v: %s", path, status, err, body)
	}
	return status, v, h
}

// kindOf is the JSON kind of a decoded value, as the shape tables name it.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// shape checks that obj has every attribute of want with its kind; a kind "a|b" allows
// either (a nullable attribute).
func shape(t *testing.T, entity string, obj any, want map[string]string) {
	t.Helper()
	m, good := obj.(map[string]any)
	if !good {
		t.Fatalf("%s: %s, want an object", entity, kindOf(obj))
	}
	for attr, kinds := range want {
		v, present := m[attr]
		if !present {
			t.Errorf("%s: no %q", entity, attr)
			continue
		}
		if !strings.Contains("|"+kinds+"|", "|"+kindOf(v)+"|") {
			t.Errorf("%s.%s: %s (%v), want %s", entity, attr, kindOf(v), v, kinds)
		}
	}
}

// The attributes Mastodon documents as always present, with their JSON kinds.
var (
	accountShape = map[string]string{"id": "string", "username": "string", "acct": "string", "url": "string",
		"uri": "string", "display_name": "string", "note": "string", "avatar": "string", "avatar_static": "string",
		"header": "string", "header_static": "string", "locked": "bool", "fields": "array", "emojis": "array",
		"bot": "bool", "group": "bool", "discoverable": "bool|null", "created_at": "string",
		"last_status_at": "string|null", "statuses_count": "number", "followers_count": "number",
		"following_count": "number"}
	statusShape = map[string]string{"id": "string", "uri": "string", "url": "string|null", "account": "object",
		"in_reply_to_id": "string|null", "in_reply_to_account_id": "string|null", "reblog": "object|null",
		"content": "string", "created_at": "string", "edited_at": "string|null", "emojis": "array",
		"replies_count": "number", "reblogs_count": "number", "favourites_count": "number", "sensitive": "bool",
		"spoiler_text": "string", "visibility": "string", "language": "string|null", "media_attachments": "array",
		"mentions": "array", "tags": "array", "card": "null", "poll": "null"}
	// What a status shows the signed-in viewer besides.
	viewerShape = map[string]string{"favourited": "bool", "reblogged": "bool", "muted": "bool", "bookmarked": "bool",
		"pinned": "bool"}
	mentionShape      = map[string]string{"id": "string", "username": "string", "url": "string", "acct": "string"}
	tagShape          = map[string]string{"name": "string", "url": "string"}
	fieldShape        = map[string]string{"name": "string", "value": "string", "verified_at": "string|null"}
	relationshipShape = map[string]string{"id": "string", "following": "bool", "showing_reblogs": "bool",
		"notifying": "bool", "languages": "array", "followed_by": "bool", "blocking": "bool", "blocked_by": "bool",
		"muting": "bool", "muting_notifications": "bool", "requested": "bool", "requested_by": "bool",
		"domain_blocking": "bool", "endorsed": "bool", "note": "string"}
	contextShape      = map[string]string{"ancestors": "array", "descendants": "array"}
	notificationShape = map[string]string{"id": "string", "type": "string", "group_key": "string",
		"created_at": "string", "account": "object"}
	sourceShape = map[string]string{"note": "string", "fields": "array", "privacy": "string", "sensitive": "bool",
		"language": "string", "follow_requests_count": "number"}
	instanceV1Shape = map[string]string{"uri": "string", "title": "string", "short_description": "string",
		"description": "string", "email": "string", "version": "string", "urls": "object", "stats": "object",
		"thumbnail": "string|null", "languages": "array", "registrations": "bool", "approval_required": "bool",
		"invites_enabled": "bool", "configuration": "object", "contact_account": "object|null", "rules": "array"}
	instanceV2Shape = map[string]string{"domain": "string", "title": "string", "version": "string",
		"source_url": "string", "description": "string", "usage": "object", "thumbnail": "object",
		"languages": "array", "configuration": "object", "registrations": "object", "contact": "object",
		"rules": "array"}
	configurationShape = map[string]string{"accounts": "object", "statuses": "object", "media_attachments": "object",
		"polls": "object"}
	statusesConfigShape = map[string]string{"max_characters": "number", "max_media_attachments": "number",
		"characters_reserved_per_url": "number"}
	mediaConfigShape = map[string]string{"supported_mime_types": "array", "image_size_limit": "number",
		"image_matrix_limit": "number", "video_size_limit": "number", "video_frame_rate_limit": "number",
		"video_matrix_limit": "number"}
)

// world is one instance with alice, who posts, and bob, who follows her and talks to her.
type world struct {
	in                  *testrig.Instance
	aliceTok, bobTok    string
	aliceID, bobID      string // account ids
	public, private     string // status ids of alice's public post (with a tag, mentioning bob) and a followers-only one
	reply               string // bob's reply to the public post
	carolTok            string // carol follows nobody
	mentionNotification string // alice's notification of bob's reply
}

var oauthTokens atomic.Int64 // makes each oauthToken's secret its own

// oauthToken stores an OAuth token of the account name ("" for an app's own, acting for
// nobody) with scopes, as the token endpoint would, and returns its secret.
func (w *world) oauthToken(t *testing.T, name, scopes string) string {
	t.Helper()
	ctx := context.Background()
	secret := fmt.Sprintf("oauth-%s-%d", name, oauthTokens.Add(1))
	tok := &storage.Token{Hash: storage.HashToken(secret), Kind: storage.TokenOAuth, Scopes: scopes}
	if name != "" {
		a, err := w.in.App.DB().GetLocalActor(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		tok.ActorID = a.ID
	}
	if err := w.in.App.DB().Update(ctx, func(tx storage.Tx) error { return tx.PutToken(ctx, tok) }); err != nil {
		t.Fatal(err)
	}
	return secret
}

func newWorld(t *testing.T) *world {
	t.Helper()
	in := testrig.Start(t)
	w := &world{in: in}
	w.aliceTok, _ = in.Account("alice", false)
	w.bobTok, _ = in.Account("bob", false)
	w.carolTok, _ = in.Account("carol", false)
	// A profile field, so that the Field entity has one to be checked against.
	alice, err := in.App.DB().GetLocalActor(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	profile := outbox.ProfileOf(alice)
	profile.Fields = []storage.Field{{Name: "Pronouns", Value: "she/her"}}
	if _, err := in.App.Outbox().UpdateProfile(context.Background(), alice, profile); err != nil {
		t.Fatal(err)
	}
	in.FollowRemote("bob", w.bobTok, in, "alice")
	publicURI := in.PostNote("alice", w.aliceTok, map[string]any{"content": "Hello @bob #Refuge", "summary": "cw"})
	in.PostNote("alice", w.aliceTok, map[string]any{"content": "for followers", "to": []string{in.Base + "/users/alice/followers"}})
	in.PostNote("bob", w.bobTok, map[string]any{"content": "@alice hi back", "inReplyTo": publicURI})
	w.aliceID = accountID(t, in, "alice")
	w.bobID = accountID(t, in, "bob")
	_, list, _ := get(t, in, "/api/v1/accounts/"+w.aliceID+"/statuses", w.aliceTok)
	statuses := list.([]any)
	if len(statuses) != 2 {
		t.Fatalf("alice's statuses: %v", list)
	}
	w.private, w.public = idOf(statuses[0]), idOf(statuses[1])
	_, list, _ = get(t, in, "/api/v1/accounts/"+w.bobID+"/statuses", w.bobTok)
	w.reply = idOf(list.([]any)[0])
	_, list, _ = get(t, in, "/api/v1/notifications?types[]=mention", w.aliceTok)
	if n := list.([]any); len(n) > 0 {
		w.mentionNotification = idOf(n[0])
	}
	return w
}

func accountID(t *testing.T, in *testrig.Instance, name string) string {
	t.Helper()
	status, acc, _ := get(t, in, "/api/v1/accounts/lookup?acct="+name, "")
	if status != http.StatusOK {
		t.Fatalf("lookup %s: %d %v", name, status, acc)
	}
	return idOf(acc)
}

// statusesIn is the items of a list answer, or a context's ancestors and descendants.
func statusesIn(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case map[string]any: // a context
		anc, _ := x["ancestors"].([]any)
		desc, _ := x["descendants"].([]any)
		return append(append([]any{}, anc...), desc...)
	}
	return nil
}

func idOf(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["id"].(string)
	return id
}

// TestEntities asserts every attribute Mastodon documents as always present, with its kind,
// on each entity as an endpoint serves it.
func TestEntities(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	one := func(path, token string) any {
		t.Helper()
		status, v, _ := get(t, w.in, path, token)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, status, v)
		}
		return v
	}
	first := func(v any) any {
		t.Helper()
		list, _ := v.([]any)
		if len(list) == 0 {
			t.Fatalf("an empty list: %v", v)
		}
		return list[0]
	}
	field := func(v any, name string) any { m, _ := v.(map[string]any); return m[name] }

	status := one("/api/v1/statuses/"+w.public, w.bobTok)
	creds := one("/api/v1/accounts/verify_credentials", w.aliceTok)
	v1, v2 := one("/api/v1/instance", ""), one("/api/v2/instance", "")
	for _, c := range []struct {
		entity string
		obj    any
		want   map[string]string
	}{
		{"Account", one("/api/v1/accounts/"+w.aliceID, ""), accountShape},
		{"Account (credentials)", creds, accountShape},
		{"Source", field(creds, "source"), sourceShape},
		{"Field", first(field(creds, "fields")), fieldShape},
		{"Status", status, statusShape},
		{"Status (viewer)", status, viewerShape},
		{"Status.account", field(status, "account"), accountShape},
		{"Mention", first(field(status, "mentions")), mentionShape},
		{"Tag", first(field(status, "tags")), tagShape},
		{"Relationship", first(one("/api/v1/accounts/relationships?id[]="+w.aliceID, w.bobTok)), relationshipShape},
		{"Context", one("/api/v1/statuses/"+w.public+"/context", ""), contextShape},
		{"Notification", one("/api/v1/notifications/"+w.mentionNotification, w.aliceTok), notificationShape},
		{"Notification.status", field(one("/api/v1/notifications/"+w.mentionNotification, w.aliceTok), "status"), statusShape},
		{"Instance v1", v1, instanceV1Shape},
		{"Instance v1 configuration", field(v1, "configuration"), configurationShape},
		{"Instance v1 statuses", field(field(v1, "configuration"), "statuses"), statusesConfigShape},
		{"Instance v1 media", field(field(v1, "configuration"), "media_attachments"), mediaConfigShape},
		{"Instance v1 urls", field(v1, "urls"), map[string]string{"streaming_api": "string"}},
		{"Instance v2", v2, instanceV2Shape},
		{"Instance v2 configuration", field(v2, "configuration"), configurationShape},
		{"Instance v2 urls", field(field(v2, "configuration"), "urls"), map[string]string{"streaming": "string"}},
		{"Instance v2 statuses", field(field(v2, "configuration"), "statuses"), statusesConfigShape},
		{"Instance v2 media", field(field(v2, "configuration"), "media_attachments"), mediaConfigShape},
	} {
		t.Run(c.entity, func(t *testing.T) { shape(t, c.entity, c.obj, c.want) })
	}
	t.Run("values", func(t *testing.T) {
		s := status.(map[string]any)
		if s["visibility"] != "public" || s["spoiler_text"] != "cw" || !strings.Contains(s["content"].(string), `class="mention hashtag"`) {
			t.Errorf("status: %v", s)
		}
		if tag := first(s["tags"]).(map[string]any); tag["name"] != "refuge" {
			t.Errorf("tag: %v", tag)
		}
		if m := first(s["mentions"]).(map[string]any); m["acct"] != "bob" || m["id"] != w.bobID {
			t.Errorf("mention: %v", m)
		}
		if acc := s["account"].(map[string]any); acc["acct"] != "alice" || acc["followers_count"] != 1.0 || acc["statuses_count"] != 2.0 {
			t.Errorf("alice's account as bob, who follows her, sees it: %v", acc)
		}
		cfg := field(field(v2, "configuration"), "statuses").(map[string]any)
		if cfg["max_characters"] != 5000.0 || cfg["max_media_attachments"] != 4.0 {
			t.Errorf("statuses configuration: %v", cfg)
		}
		if !strings.HasPrefix(field(field(field(v2, "configuration"), "urls"), "streaming").(string), "ws://") {
			t.Errorf("streaming url: %v", field(v2, "configuration"))
		}
	})
}

// TestEndpoints asks every endpoint, over HTTP, for what it serves and for what it must
// refuse: a bad token 401, an unknown or hidden id 404, bad parameters 422.
func TestEndpoints(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	unknownStatus := "999999998"
	for _, c := range []struct {
		name, path, token string
		status            int
		check             func(v any) bool // nil: only the status
	}{
		{"instance v1", "/api/v1/instance", "", 200, nil},
		{"instance v2", "/api/v2/instance", "", 200, nil},
		{"instance, bad token", "/api/v1/instance", "nope", 401, nil},
		{"home with read:statuses only", "/api/v1/timelines/home", w.oauthToken(t, "alice", "read:statuses"), 200, nil},
		{"notifications with read:statuses only", "/api/v1/notifications", w.oauthToken(t, "alice", "read:statuses"), 403, nil},
		{"verify_credentials with profile only", "/api/v1/accounts/verify_credentials", w.oauthToken(t, "alice", "profile"), 200,
			func(v any) bool { return idOf(v) == w.aliceID }},
		{"verify_credentials with write only", "/api/v1/accounts/verify_credentials", w.oauthToken(t, "alice", "write"), 403, nil},
		{"home with an app's own token", "/api/v1/timelines/home", w.oauthToken(t, "", "read"), 403, nil},
		{"public timeline with an app's own token", "/api/v1/timelines/public", w.oauthToken(t, "", "read"), 200, nil},
		{"verify_credentials", "/api/v1/accounts/verify_credentials", w.aliceTok, 200, func(v any) bool { return idOf(v) == w.aliceID }},
		{"verify_credentials, no token", "/api/v1/accounts/verify_credentials", "", 401, nil},
		{"verify_credentials, bad token", "/api/v1/accounts/verify_credentials", "nope", 401, nil},
		{"account", "/api/v1/accounts/" + w.bobID, "", 200, func(v any) bool { return idOf(v) == w.bobID }},
		{"account, unknown", "/api/v1/accounts/987654", "", 404, nil},
		{"account, not an id", "/api/v1/accounts/x1", "", 404, nil},
		{"lookup", "/api/v1/accounts/lookup?acct=@alice", "", 200, func(v any) bool { return idOf(v) == w.aliceID }},
		{"lookup, with this host", "/api/v1/accounts/lookup?acct=alice@" + w.in.Cfg.Domain, "", 200, nil},
		{"lookup, unknown", "/api/v1/accounts/lookup?acct=nobody", "", 404, nil},
		{"lookup, missing acct", "/api/v1/accounts/lookup", "", 422, nil},
		{"relationships", "/api/v1/accounts/relationships?id[]=" + w.aliceID + "&id[]=424242", w.bobTok, 200, func(v any) bool {
			l := v.([]any)
			return len(l) == 1 && l[0].(map[string]any)["following"] == true
		}},
		{"relationships, no token", "/api/v1/accounts/relationships?id[]=" + w.aliceID, "", 401, nil},
		{"account statuses as a follower", "/api/v1/accounts/" + w.aliceID + "/statuses", w.bobTok, 200, count(2)},
		{"account statuses as a stranger", "/api/v1/accounts/" + w.aliceID + "/statuses", w.carolTok, 200, count(1)},
		{"account statuses, anonymous", "/api/v1/accounts/" + w.aliceID + "/statuses", "", 200, count(1)},
		{"account statuses, exclude_replies", "/api/v1/accounts/" + w.bobID + "/statuses?exclude_replies=true", "", 200, count(0)},
		{"account statuses, only_media", "/api/v1/accounts/" + w.aliceID + "/statuses?only_media=true", w.aliceTok, 200, count(0)},
		{"account statuses, pinned", "/api/v1/accounts/" + w.aliceID + "/statuses?pinned=true", "", 200, count(0)},
		{"account statuses, bad limit", "/api/v1/accounts/" + w.aliceID + "/statuses?limit=x", "", 422, nil},
		{"account statuses, bad max_id", "/api/v1/accounts/" + w.aliceID + "/statuses?max_id=abc", "", 422, nil},
		{"account statuses, unknown", "/api/v1/accounts/987654/statuses", "", 404, nil},
		{"status", "/api/v1/statuses/" + w.public, "", 200, func(v any) bool { return idOf(v) == w.public }},
		{"status, followers-only to a follower", "/api/v1/statuses/" + w.private, w.bobTok, 200, nil},
		{"status, followers-only to a stranger", "/api/v1/statuses/" + w.private, w.carolTok, 404, nil},
		{"status, followers-only anonymous", "/api/v1/statuses/" + w.private, "", 404, nil},
		{"status, unknown", "/api/v1/statuses/" + unknownStatus, "", 404, nil},
		{"status, bad token", "/api/v1/statuses/" + w.public, "nope", 401, nil},
		{"context", "/api/v1/statuses/" + w.public + "/context", "", 200, func(v any) bool {
			d := v.(map[string]any)["descendants"].([]any)
			return len(d) == 1 && idOf(d[0]) == w.reply
		}},
		{"context of the reply", "/api/v1/statuses/" + w.reply + "/context", "", 200, func(v any) bool {
			a := v.(map[string]any)["ancestors"].([]any)
			return len(a) == 1 && idOf(a[0]) == w.public
		}},
		{"context, hidden", "/api/v1/statuses/" + w.private + "/context", w.carolTok, 404, nil},
		{"home", "/api/v1/timelines/home", w.bobTok, 200, count(3)},
		{"home, limit 1", "/api/v1/timelines/home?limit=1", w.bobTok, 200, count(1)},
		{"home, no token", "/api/v1/timelines/home", "", 401, nil},
		{"home, max_id not in the feed", "/api/v1/timelines/home?max_id=" + unknownStatus, w.bobTok, 422, nil},
		{"public", "/api/v1/timelines/public", "", 200, count(2)},
		{"public, local", "/api/v1/timelines/public?local=true", "", 200, count(2)},
		{"public, remote", "/api/v1/timelines/public?remote=true", "", 200, count(0)},
		{"public, limit 0", "/api/v1/timelines/public?limit=0", "", 422, nil},
		{"tag", "/api/v1/timelines/tag/refuge", "", 200, count(1)},
		{"tag, any case", "/api/v1/timelines/tag/REFUGE", "", 200, count(1)},
		{"tag, unknown", "/api/v1/timelines/tag/nothing", "", 200, count(0)},
		{"notifications", "/api/v1/notifications", w.aliceTok, 200, count(2)},
		{"notifications, types", "/api/v1/notifications?types[]=follow", w.aliceTok, 200, count(1)},
		{"notifications, exclude_types", "/api/v1/notifications?exclude_types[]=follow", w.aliceTok, 200, count(1)},
		{"notifications, only unknown types", "/api/v1/notifications?types[]=poll", w.aliceTok, 200, count(0)},
		{"notifications, no token", "/api/v1/notifications", "", 401, nil},
		{"notification", "/api/v1/notifications/" + w.mentionNotification, w.aliceTok, 200, func(v any) bool {
			return v.(map[string]any)["type"] == "mention"
		}},
		{"notification of another account", "/api/v1/notifications/" + w.mentionNotification, w.bobTok, 404, nil},
		{"notification, unknown", "/api/v1/notifications/987654", w.aliceTok, 404, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, v, _ := get(t, w.in, c.path, c.token)
			if status != c.status {
				t.Fatalf("GET %s: %d %v, want %d", c.path, status, v, c.status)
			}
			if status >= 400 {
				if msg, _ := v.(map[string]any)["error"].(string); msg == "" {
					t.Errorf("error body %v, want {\"error\": \"...\"}", v)
				}
				return
			}
			if c.check != nil && !c.check(v) {
				t.Errorf("GET %s: %v", c.path, v)
			}
		})
	}
}

// count checks that a list has n items.
func count(n int) func(v any) bool {
	return func(v any) bool { l, ok := v.([]any); return ok && len(l) == n }
}

// TestPaging walks a timeline by its Link headers, both ways, and by max_id, since_id and
// min_id as clients send them.
func TestPaging(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	tok, _ := in.Account("dora", false)
	for i := range 5 {
		in.PostNote("dora", tok, map[string]any{"content": fmt.Sprintf("post %d", i)})
	}
	ids := func(v any) (out []string) {
		for _, s := range v.([]any) {
			out = append(out, idOf(s))
		}
		return out
	}
	_, all, _ := get(t, in, "/api/v1/timelines/home", tok)
	want := ids(all)
	if len(want) != 5 {
		t.Fatalf("home: %v", want)
	}
	var got []string
	next := "/api/v1/timelines/home?limit=2"
	var prev string
	for next != "" {
		status, page, h := get(t, in, next, tok)
		if status != 200 {
			t.Fatalf("GET %s: %d", next, status)
		}
		got = append(got, ids(page)...)
		if prev == "" {
			prev = linkOf(h, "prev")
		}
		next = linkOf(h, "next")
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("walked %v, want %v", got, want)
	}
	for _, c := range []struct {
		name, query string
		want        []string
	}{
		{"max_id", "max_id=" + want[1], want[2:]},
		{"since_id", "since_id=" + want[3], want[:3]},
		{"since_id with limit: the newest", "since_id=" + want[4] + "&limit=2", want[:2]},
		{"min_id with limit: just after it", "min_id=" + want[4] + "&limit=2", want[2:4]},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/timelines/home?", "/api/v1/timelines/public?", "/api/v1/accounts/" +
				accountID(t, in, "dora") + "/statuses?"} {
				_, page, _ := get(t, in, path+c.query, tok)
				if g := ids(page); strings.Join(g, ",") != strings.Join(c.want, ",") {
					t.Errorf("%s%s: %v, want %v", path, c.query, g, c.want)
				}
			}
		})
	}
	if _, page, _ := get(t, in, strings.TrimPrefix(prev, in.Base), tok); len(page.([]any)) != 0 {
		t.Errorf("prev of the newest page: %v, want nothing newer", page)
	}
}

// TestIDsSortByTime: status ids sort by time across notes and boosts, as apps that keep a
// timeline in order by id (Tusky, Ivory) need: a boost made between two posts has an id
// between theirs.
func TestIDsSortByTime(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	dora, _ := in.Account("dora", false)
	erin, _ := in.Account("erin", false)
	frank, _ := in.Account("frank", false)
	in.FollowRemote("dora", dora, in, "erin")
	in.PostNote("frank", frank, map[string]any{"content": "an older post of someone dora does not follow"})
	in.PostNote("erin", erin, map[string]any{"content": "erin's post"})
	_, franks, _ := get(t, in, "/api/v1/accounts/"+accountID(t, in, "frank")+"/statuses", frank)
	if status, body := send(t, in, request{method: "POST", path: "/api/v1/statuses/" + idOf(franks.([]any)[0]) + "/reblog", token: erin}); status != 200 {
		t.Fatalf("reblog: %d %v", status, body)
	}
	in.PostNote("dora", dora, map[string]any{"content": "dora's newest post"})
	_, home, _ := get(t, in, "/api/v1/timelines/home", dora)
	var ids []string
	for _, s := range home.([]any) {
		ids = append(ids, idOf(s))
	}
	if reblog, _ := home.([]any)[1].(map[string]any)["reblog"].(map[string]any); len(ids) != 3 || reblog == nil {
		t.Fatalf("dora's home: %v, want her post, erin's boost, erin's post", home)
	}
	for i := 1; i < len(ids); i++ {
		if a, b := ids[i-1], ids[i]; len(a) < len(b) || len(a) == len(b) && a <= b { // ids are decimal numbers

			t.Errorf("home ids %v: %s is listed before %s but is not newer", ids, ids[i-1], ids[i])
		}
	}
}

// linkOf is the URL of the Link header's rel, "" when none.
func linkOf(h http.Header, rel string) string {
	for _, part := range strings.Split(h.Get("Link"), ",") {
		u, r, ok := strings.Cut(strings.TrimSpace(part), ">; ")
		if ok && r == `rel="`+rel+`"` {
			return strings.TrimPrefix(u, "<")
		}
	}
	return ""
}

// across is two instances: alice on a follows bob on b, whose post uri is in her home
// timeline on a, as home lists it there.
type across struct {
	a, b             *testrig.Instance
	aliceTok, bobTok string
	uri              string
	home             []any
}

func newAcross(t *testing.T) *across {
	t.Helper()
	x := &across{a: testrig.Start(t), b: testrig.Start(t)}
	x.aliceTok, _ = x.a.Account("alice", false)
	x.bobTok, _ = x.b.Account("bob", false)
	// As an app does: find bob by his handle (resolved through federation) and follow him.
	_, found, _ := get(t, x.a, "/api/v2/search?type=accounts&resolve=true&q="+url.QueryEscape("@bob@"+x.b.Cfg.Domain), x.aliceTok)
	accounts, _ := found.(map[string]any)["accounts"].([]any)
	if len(accounts) != 1 || field(accounts[0], "acct") != "bob@"+x.b.Cfg.Domain {
		t.Fatalf("search for bob from A: %v", found)
	}
	bobOnA := idOf(accounts[0])
	if status, rel := send(t, x.a, request{method: "POST", path: "/api/v1/accounts/" + bobOnA + "/follow", token: x.aliceTok}); status != 200 {
		t.Fatalf("follow: %d %v", status, rel)
	}
	testrig.Eventually(t, testrig.FederationWait, "bob's Accept", func() bool {
		_, rels, _ := get(t, x.a, "/api/v1/accounts/relationships?id[]="+bobOnA, x.aliceTok)
		list, _ := rels.([]any)
		return len(list) == 1 && list[0].(map[string]any)["following"] == true
	})
	x.uri = x.b.PostNote("bob", x.bobTok, map[string]any{"content": "from B #federation"})
	testrig.Eventually(t, testrig.FederationWait, "bob's post in alice's home timeline", func() bool {
		_, v, _ := get(t, x.a, "/api/v1/timelines/home", x.aliceTok)
		x.home, _ = v.([]any)
		return len(x.home) == 1
	})
	return x
}

// TestHomeAcrossInstances: alice on A follows bob on B through the API; A's home timeline shows bob's post
// with bob's account as A knows it, acct bob@B.
func TestHomeAcrossInstances(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	a, b, uri := x.a, x.b, x.uri
	s := x.home[0].(map[string]any)
	shape(t, "Status", s, statusShape)
	acc := s["account"].(map[string]any)
	shape(t, "Account", acc, accountShape)
	if s["uri"] != uri || acc["acct"] != "bob@"+b.Cfg.Domain || acc["username"] != "bob" || acc["uri"] != b.Base+"/users/bob" {
		t.Errorf("status %v\naccount %v", s, acc)
	}
	status, got, _ := get(t, a, "/api/v1/accounts/lookup?acct=bob@"+b.Cfg.Domain, x.aliceTok)
	if status != 200 || idOf(got) != acc["id"] {
		t.Errorf("lookup bob@B on A: %d %v", status, got)
	}
	if status, got, _ = get(t, a, "/api/v1/timelines/public?remote=true", ""); status != 200 || len(got.([]any)) != 1 {
		t.Errorf("A's remote timeline: %d %v", status, got)
	}
}

// TestParentNamedOnlyToWhoMayReadIt: a status names the post it answers only to a viewer who
// may read that post, in a list as alone, as the thread does.
func TestParentNamedOnlyToWhoMayReadIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.bobTok,
		body: url.Values{"status": {"a public answer to a followers-only post"}, "in_reply_to_id": {w.private}}})
	if status != 200 {
		t.Fatalf("reply: %d %v", status, v)
	}
	reply := idOf(v)
	for _, c := range []struct {
		who, token string
		named      bool
	}{{"bob, a follower", w.bobTok, true}, {"carol, who does not follow alice", w.carolTok, false}, {"anyone", "", false}} {
		_, alone, _ := get(t, w.in, "/api/v1/statuses/"+reply, c.token)
		_, list, _ := get(t, w.in, "/api/v1/accounts/"+w.bobID+"/statuses?limit=1", c.token)
		for where, s := range map[string]any{"alone": alone, "in a list": list.([]any)[0]} {
			if got := field(s, "in_reply_to_id"); (got == w.private) != c.named || (!c.named && got != "") {
				t.Errorf("%s, %s: in_reply_to_id %q (the parent is %s)", c.who, where, got, w.private)
			}
		}
	}
}
