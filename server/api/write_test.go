package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// request is one write as an app sends it: a body of JSON (a map), a form (url.Values) or a
// multipart form (multipartBody), with headers.
type request struct {
	method, path, token string
	body                any
	header              map[string]string
}

// multipartBody is a multipart form with files.
type multipartBody struct {
	form  url.Values
	files []testrig.Upload
}

// send sends req to in and decodes the JSON answer.
func send(t *testing.T, in *testrig.Instance, req request) (int, any) {
	t.Helper()
	var body io.Reader
	var contentType string
	switch b := req.body.(type) {
	case nil:
	case url.Values:
		body, contentType = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case multipartBody:
		var raw []byte
		raw, contentType = testrig.Multipart(t, b.form, b.files...)
		body = bytes.NewReader(raw)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body, contentType = bytes.NewReader(raw), "application/json"
	}
	r, err := http.NewRequest(req.method, in.Base+req.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %v: %s", req.method, req.path, resp.StatusCode, err, raw)
	}
	return resp.StatusCode, v
}

// pngImage is a small picture, as a phone would upload one.
func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadImage uploads a picture as name through the API and returns its media id.
func uploadImage(t *testing.T, in *testrig.Instance, token, description string) string {
	t.Helper()
	status, v := send(t, in, request{method: "POST", path: "/api/v2/media", token: token, body: multipartBody{
		form: url.Values{"description": {description}}, files: []testrig.Upload{{Field: "file", Name: "a.png",
			ContentType: "image/png", Body: pngImage(t)}}}})
	if status != 200 {
		t.Fatalf("upload: %d %v", status, v)
	}
	return idOf(v)
}

// field reads a string attribute of a decoded object, "" when absent or not a string.
func field(v any, name string) string {
	m, _ := v.(map[string]any)
	s, _ := m[name].(string)
	return s
}

// writeCase is one request and what it must answer; a refusal must store nothing.
type writeCase struct {
	name   string
	req    request
	status int
	check  func(v any) bool // nil: only the status
}

// runWrites sends each case in order, over HTTP; each refused one must leave every table
// as it was.
func runWrites(t *testing.T, in *testrig.Instance, cases []writeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := in.RowCounts()
			status, v := send(t, in, c.req)
			if status != c.status {
				t.Fatalf("%s %s: %d %v, want %d", c.req.method, c.req.path, status, v, c.status)
			}
			if status >= 400 {
				if field(v, "error") == "" {
					t.Errorf("error body %v, want {\"error\": \"...\"}", v)
				}
				if after := in.RowCounts(); !maps.Equal(before, after) {
					t.Errorf("refused, yet stored: %v, was %v", after, before)
				}
				return
			}
			if c.check != nil && !c.check(v) {
				t.Errorf("%s %s: %v", c.req.method, c.req.path, v)
			}
		})
	}
}

// TestPostStatus posts through POST /api/v1/statuses as forms, JSON and query parameters,
// and refuses what cannot be posted with 422 and nothing stored.
func TestPostStatus(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bobMedia := uploadImage(t, w.in, w.bobTok, "bob's")
	aliceMedia := uploadImage(t, w.in, w.aliceTok, "a red line")
	post := func(token string, body any) request {
		return request{method: "POST", path: "/api/v1/statuses", token: token, body: body}
	}
	runWrites(t, w.in, []writeCase{
		{"no token", post("", url.Values{"status": {"hi"}}), 401, nil},
		{"bad token", post("nope", url.Values{"status": {"hi"}}), 401, nil},
		{"read scopes only", post(w.oauthToken(t, "alice", "read"), url.Values{"status": {"hi"}}), 403, nil},
		{"an app's own token", post(w.oauthToken(t, "", "write"), url.Values{"status": {"hi"}}), 403, nil},
		{"form, with write:statuses", post(w.oauthToken(t, "alice", "write:statuses"), url.Values{"status": {"hello #api"}}), 200,
			func(v any) bool {
				return strings.Contains(field(v, "content"), "hello") && field(v, "visibility") == "public" &&
					field(v.(map[string]any)["account"], "acct") == "alice"
			}},
		{"JSON, followers-only with a warning", post(w.aliceTok, map[string]any{"status": "quiet", "visibility": "private",
			"spoiler_text": "cw", "language": "en"}), 200, func(v any) bool {
			m := v.(map[string]any)
			return m["visibility"] == "private" && m["spoiler_text"] == "cw" && m["sensitive"] == true && m["language"] == "en"
		}},
		{"direct", post(w.aliceTok, url.Values{"status": {"@bob psst"}, "visibility": {"direct"}}), 200,
			func(v any) bool { return field(v, "visibility") == "direct" }},
		{"query parameters", request{method: "POST", path: "/api/v1/statuses?status=asked&visibility=unlisted", token: w.aliceTok},
			200, func(v any) bool { return field(v, "visibility") == "unlisted" }},
		{"a reply", post(w.bobTok, map[string]any{"status": "@alice again", "in_reply_to_id": w.public}), 200,
			func(v any) bool {
				return field(v, "in_reply_to_id") == w.public && field(v, "in_reply_to_account_id") == w.aliceID
			}},
		{"a reply to a followers-only post its follower sees", post(w.bobTok, url.Values{"status": {"ok"},
			"in_reply_to_id": {w.private}}), 200, nil},
		{"with media", post(w.aliceTok, map[string]any{"status": "", "media_ids": []string{aliceMedia}}), 200, func(v any) bool {
			atts, _ := v.(map[string]any)["media_attachments"].([]any)
			return len(atts) == 1 && idOf(atts[0]) == aliceMedia && field(atts[0], "description") == "a red line"
		}},
		{"media already posted", post(w.aliceTok, url.Values{"status": {"again"}, "media_ids[]": {aliceMedia}}), 422, nil},
		{"empty", post(w.aliceTok, url.Values{"status": {"  "}}), 422, nil},
		{"nothing at all", post(w.aliceTok, nil), 422, nil},
		{"too long", post(w.aliceTok, url.Values{"status": {strings.Repeat("é", 5001)}}), 422, nil},
		{"unknown media", post(w.aliceTok, url.Values{"status": {"x"}, "media_ids[]": {"987654"}}), 422, nil},
		{"not a media id", post(w.aliceTok, url.Values{"status": {"x"}, "media_ids[]": {"abc"}}), 422, nil},
		{"someone else's media", post(w.aliceTok, url.Values{"status": {"x"}, "media_ids[]": {bobMedia}}), 422, nil},
		{"too many media", post(w.aliceTok, url.Values{"status": {"x"}, "media_ids[]": {"1", "2", "3", "4", "5"}}), 422, nil},
		{"unknown in_reply_to_id", post(w.aliceTok, url.Values{"status": {"x"}, "in_reply_to_id": {"999999998"}}), 422, nil},
		{"in_reply_to_id of a post hidden from the poster", post(w.carolTok, url.Values{"status": {"x"},
			"in_reply_to_id": {w.private}}), 422, nil},
		{"bad visibility", post(w.aliceTok, url.Values{"status": {"x"}, "visibility": {"followers"}}), 422, nil},
		{"bad language", post(w.aliceTok, url.Values{"status": {"x"}, "language": {"not a language"}}), 422, nil},
		{"bad JSON", post(w.aliceTok, json.RawMessage(`[1]`)), 422, nil},
		{"replies from followers, GoToSocial's form", post(w.aliceTok, url.Values{"status": {"mine"},
			"interaction_policy[can_reply][automatic_approval][]": {"author", "followers", "mentioned"}}), 200, func(v any) bool {
			return fmt.Sprint(v.(map[string]any)["interaction_policy"].(map[string]any)["can_reply"]) ==
				"map[automatic_approval:[author followers mentioned] manual_approval:[]]"
		}},
		{"replies from those mentioned, as JSON in its older words", post(w.aliceTok, map[string]any{"status": "mine",
			"interaction_policy": map[string]any{"can_reply": map[string]any{"always": []string{"mentioned", "me"}}}}), 200,
			func(v any) bool {
				return fmt.Sprint(v.(map[string]any)["interaction_policy"].(map[string]any)["can_reply"]) ==
					"map[automatic_approval:[author mentioned] manual_approval:[]]"
			}},
		{"replies held for approval", post(w.aliceTok, url.Values{"status": {"x"},
			"interaction_policy[can_reply][manual_approval][]": {"public"}}), 422, nil},
		{"replies from a list Refuge does not keep", post(w.aliceTok, url.Values{"status": {"x"},
			"interaction_policy[can_reply][automatic_approval][]": {"mutuals"}}), 422, nil},
	})
}

// TestIdempotencyKey: the same Idempotency-Key from the same account answers the first
// status and stores nothing; another account's key is its own.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	post := func(token, key, text string) (int, any) {
		return send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: token,
			body: url.Values{"status": {text}}, header: map[string]string{"Idempotency-Key": key}})
	}
	status, first := post(w.aliceTok, "k1", "once")
	if status != 200 {
		t.Fatalf("first: %d %v", status, first)
	}
	before := w.in.RowCounts()
	status, again := post(w.aliceTok, "k1", "once, retried")
	if status != 200 || idOf(again) != idOf(first) || !strings.Contains(field(again, "content"), "once") {
		t.Errorf("retry: %d %v, want the first status %s", status, again, idOf(first))
	}
	if after := w.in.RowCounts(); !maps.Equal(before, after) {
		t.Errorf("a retry stored: %v, was %v", after, before)
	}
	if status, other := post(w.bobTok, "k1", "bob's own"); status != 200 || idOf(other) == idOf(first) {
		t.Errorf("bob with alice's key: %d %v", status, other)
	}
	if status, next := post(w.aliceTok, "k2", "twice"); status != 200 || idOf(next) == idOf(first) {
		t.Errorf("another key: %d %v", status, next)
	}
}

// TestDeleteStatus deletes through the API, answering the source; another's or an unknown
// status is 404.
func TestDeleteStatus(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, posted := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok,
		body: url.Values{"status": {"gone soon #x"}}})
	id := idOf(posted)
	del := func(token, id string) request {
		return request{method: "DELETE", path: "/api/v1/statuses/" + id, token: token}
	}
	runWrites(t, w.in, []writeCase{
		{"no token", del("", id), 401, nil},
		{"read scopes only", del(w.oauthToken(t, "alice", "read write:favourites"), id), 403, nil},
		{"someone else's", del(w.bobTok, id), 404, nil},
		{"unknown", del(w.aliceTok, "999999998"), 404, nil},
		{"not an id", del(w.aliceTok, "abc"), 404, nil},
		{"own", del(w.oauthToken(t, "alice", "write:statuses"), id), 200, func(v any) bool {
			m := v.(map[string]any)
			return idOf(v) == id && m["text"] == "gone soon #x" && strings.Contains(field(v, "content"), "gone soon")
		}},
		{"again", del(w.aliceTok, id), 404, nil},
	})
	if status, v, _ := get(t, w.in, "/api/v1/statuses/"+id, w.aliceTok); status != 404 {
		t.Errorf("the deleted status: %d %v", status, v)
	}
}

// TestReactions favourites and reblogs through the API, twice each and back, as Mastodon
// does: idempotent, with the viewer's state in the answer.
func TestReactions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	act := func(token, id, action string) request {
		return request{method: "POST", path: "/api/v1/statuses/" + id + "/" + action, token: token}
	}
	state := func(attr string, on bool, count string, n float64) func(v any) bool {
		return func(v any) bool {
			m := v.(map[string]any)
			return idOf(v) == w.public && m[attr] == on && m[count] == n
		}
	}
	var reblogID string
	wrapper := func(v any) bool {
		m := v.(map[string]any)
		inner, _ := m["reblog"].(map[string]any)
		if reblogID == "" {
			reblogID = idOf(v)
		}
		return inner != nil && idOf(inner) == w.public && m["reblogged"] == true && inner["reblogs_count"] == 1.0 &&
			idOf(v) == reblogID && field(m["account"], "acct") == "bob"
	}
	runWrites(t, w.in, []writeCase{
		{"favourite, no token", act("", w.public, "favourite"), 401, nil},
		{"favourite with write:statuses only", act(w.oauthToken(t, "bob", "write:statuses"), w.public, "favourite"), 403, nil},
		{"reblog with write:favourites only", act(w.oauthToken(t, "bob", "write:favourites"), w.public, "reblog"), 403, nil},
		{"favourite", act(w.oauthToken(t, "bob", "write:favourites"), w.public, "favourite"), 200,
			state("favourited", true, "favourites_count", 1)},
		{"favourite again", act(w.bobTok, w.public, "favourite"), 200, state("favourited", true, "favourites_count", 1)},
		{"unfavourite", act(w.bobTok, w.public, "unfavourite"), 200, state("favourited", false, "favourites_count", 0)},
		{"unfavourite again", act(w.bobTok, w.public, "unfavourite"), 200, state("favourited", false, "favourites_count", 0)},
		{"favourite, hidden", act(w.carolTok, w.private, "favourite"), 404, nil},
		{"favourite, unknown", act(w.bobTok, "999999998", "favourite"), 404, nil},
		{"unfavourite, hidden", act(w.carolTok, w.private, "unfavourite"), 404, nil},
		{"reblog", act(w.bobTok, w.public, "reblog"), 200, wrapper},
		{"reblog again", act(w.bobTok, w.public, "reblog"), 200, wrapper},
		{"unreblog", act(w.bobTok, w.public, "unreblog"), 200, state("reblogged", false, "reblogs_count", 0)},
		{"unreblog again", act(w.bobTok, w.public, "unreblog"), 200, state("reblogged", false, "reblogs_count", 0)},
		{"reblog, followers-only", act(w.bobTok, w.private, "reblog"), 403, nil},
		{"reblog, hidden", act(w.carolTok, w.private, "reblog"), 404, nil},
		{"unreblog, unknown", act(w.bobTok, "999999998", "unreblog"), 404, nil},
	})
}

// TestMedia uploads through POST /api/v2/media, reads and describes the upload; only its
// owner may.
func TestMedia(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	image := func(form url.Values, body []byte) multipartBody {
		return multipartBody{form: form, files: []testrig.Upload{{Field: "file", Name: "a.png", ContentType: "image/png", Body: body}}}
	}
	up := func(token string, body any) request {
		return request{method: "POST", path: "/api/v2/media", token: token, body: body}
	}
	id := uploadImage(t, w.in, w.aliceTok, "first")
	runWrites(t, w.in, []writeCase{
		{"upload, no token", up("", image(nil, pngImage(t))), 401, nil},
		{"upload, read scopes only", up(w.oauthToken(t, "alice", "read write:statuses"), image(nil, pngImage(t))), 403, nil},
		{"upload", up(w.oauthToken(t, "alice", "write:media"), image(url.Values{"description": {"a line"},
			"focus": {"0.0,0.0"}}, pngImage(t))), 200, func(v any) bool {
			m := v.(map[string]any)
			meta, _ := m["meta"].(map[string]any)
			return m["type"] == "image" && m["description"] == "a line" && strings.HasPrefix(field(v, "url"), w.in.Base) &&
				meta["original"] != nil
		}},
		{"upload on the v1 path", up(w.aliceTok, image(nil, pngImage(t))), 200, nil},
		{"upload, not an image", up(w.aliceTok, image(nil, []byte("GIF89a, or not"))), 422, nil},
		{"upload, no file", up(w.aliceTok, multipartBody{form: url.Values{"description": {"x"}}}), 422, nil},
		{"upload, not a form", up(w.aliceTok, map[string]any{"file": "x"}), 422, nil},
		{"get", request{method: "GET", path: "/api/v1/media/" + id, token: w.aliceTok}, 200,
			func(v any) bool { return idOf(v) == id && field(v, "description") == "first" }},
		{"get, someone else's", request{method: "GET", path: "/api/v1/media/" + id, token: w.bobTok}, 404, nil},
		{"get, unknown", request{method: "GET", path: "/api/v1/media/987654", token: w.aliceTok}, 404, nil},
		{"describe", request{method: "PUT", path: "/api/v1/media/" + id, token: w.aliceTok,
			body: map[string]any{"description": "second"}}, 200, func(v any) bool { return field(v, "description") == "second" }},
		{"describe, someone else's", request{method: "PUT", path: "/api/v1/media/" + id, token: w.bobTok,
			body: url.Values{"description": {"bob's"}}}, 404, nil},
		{"describe, too long", request{method: "PUT", path: "/api/v1/media/" + id, token: w.aliceTok,
			body: url.Values{"description": {strings.Repeat("x", 5000)}}}, 422, nil},
	})
	// Posted, it carries the description it was given last.
	status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok,
		body: map[string]any{"media_ids": []string{id}}})
	atts, _ := v.(map[string]any)["media_attachments"].([]any)
	if status != 200 || len(atts) != 1 || field(atts[0], "description") != "second" {
		t.Errorf("posted: %d %v", status, v)
	}
	if status, v = send(t, w.in, request{method: "PUT", path: "/api/v1/media/" + id, token: w.aliceTok,
		body: url.Values{"description": {"third"}}}); status != 404 {
		t.Errorf("describing a posted image: %d %v, want 404 (edit the status)", status, v)
	}
}

// TestWritesAcrossInstances: alice on A follows bob on B and, through A's API, favourites
// bob's post from her home timeline and replies to it; bob's notifications on B's API show
// both, and B holds the reply under bob's post.
func TestWritesAcrossInstances(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	a, b, aliceTok, bobTok := x.a, x.b, x.aliceTok, x.bobTok
	id := idOf(x.home[0])
	if status, v := send(t, a, request{method: "POST", path: "/api/v1/statuses/" + id + "/favourite", token: aliceTok}); status != 200 ||
		v.(map[string]any)["favourited"] != true {
		t.Fatalf("favourite: %d %v", status, v)
	}
	status, reply := send(t, a, request{method: "POST", path: "/api/v1/statuses", token: aliceTok,
		body: map[string]any{"status": "nice one", "in_reply_to_id": id}})
	if status != 200 || field(reply, "in_reply_to_id") != id {
		t.Fatalf("reply: %d %v", status, reply)
	}
	var notes []any
	testrig.Eventually(t, testrig.FederationWait, "bob's notifications of the favourite and the reply", func() bool {
		_, v, _ := get(t, b, "/api/v1/notifications?types[]=favourite&types[]=mention", bobTok)
		notes, _ = v.([]any)
		return len(notes) == 2
	})
	types := map[string]bool{}
	for _, n := range notes {
		m := n.(map[string]any)
		types[field(n, "type")] = true
		if acct := field(m["account"], "acct"); acct != "alice@"+a.Cfg.Domain {
			t.Errorf("notification from %q, want alice@A", acct)
		}
		if field(n, "type") == "mention" && field(m["status"], "uri") != field(reply, "uri") {
			t.Errorf("mention of %v, want the reply %s", m["status"], field(reply, "uri"))
		}
	}
	if !types["favourite"] || !types["mention"] {
		t.Errorf("bob's notifications: %v", notes)
	}
	_, list, _ := get(t, b, "/api/v1/accounts/"+accountID(t, b, "bob")+"/statuses", bobTok)
	if s := list.([]any); len(s) != 1 || s[0].(map[string]any)["favourites_count"] != 1.0 || s[0].(map[string]any)["replies_count"] != 1.0 {
		t.Errorf("bob's post on B: %v", list)
	}
	// Deleted through A's API, the reply goes from B as well: the Delete federates.
	if status, v := send(t, a, request{method: "DELETE", path: "/api/v1/statuses/" + idOf(reply), token: aliceTok}); status != 200 {
		t.Fatalf("delete the reply: %d %v", status, v)
	}
	testrig.Eventually(t, testrig.FederationWait, "the reply deleted on B", func() bool {
		n := b.Note(field(reply, "uri"))
		return n != nil && n.Deleted()
	})
}

// TestReactedBy lists who favourited and reblogged a status, newest first, paged by Link,
// only for a status the viewer may read.
func TestReactedBy(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tok := range []string{w.bobTok, w.carolTok} {
		if status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses/" + w.public + "/favourite", token: tok}); status != 200 {
			t.Fatalf("favourite: %d %v", status, v)
		}
	}
	if status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses/" + w.public + "/reblog", token: w.bobTok}); status != 200 {
		t.Fatalf("reblog: %d %v", status, v)
	}
	carolID := accountID(t, w.in, "carol")
	accounts := func(ids ...string) func(v any) bool { return accountsAre(t, ids...) }
	for _, c := range []struct {
		name, path, token string
		status            int
		check             func(v any) bool
	}{
		{"favourited_by", "/api/v1/statuses/" + w.public + "/favourited_by", "", 200, accounts(carolID, w.bobID)},
		{"reblogged_by", "/api/v1/statuses/" + w.public + "/reblogged_by", w.aliceTok, 200, accounts(w.bobID)},
		{"favourited_by, limit 1", "/api/v1/statuses/" + w.public + "/favourited_by?limit=1", "", 200, accounts(carolID)},
		{"favourited_by, nobody", "/api/v1/statuses/" + w.private + "/favourited_by", w.bobTok, 200, accounts()},
		{"favourited_by, hidden", "/api/v1/statuses/" + w.private + "/favourited_by", w.carolTok, 404, nil},
		{"reblogged_by, unknown", "/api/v1/statuses/999999998/reblogged_by", "", 404, nil},
		{"favourited_by, bad limit", "/api/v1/statuses/" + w.public + "/favourited_by?limit=x", "", 422, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, v, _ := get(t, w.in, c.path, c.token)
			if status != c.status || (c.check != nil && !c.check(v)) {
				t.Errorf("GET %s: %d %v, want %d", c.path, status, v, c.status)
			}
		})
	}
	_, _, h := get(t, w.in, "/api/v1/statuses/"+w.public+"/favourited_by?limit=1", "")
	next := linkOf(h, "next")
	if status, v, _ := get(t, w.in, strings.TrimPrefix(next, w.in.Base), ""); status != 200 || !accounts(w.bobID)(v) {
		t.Errorf("next page %q: %d %v, want bob", next, status, v)
	}
}

// TestPostingDefaults: what an app leaves out of a post, the account's posting defaults
// (update_credentials' source) fill in, and /api/v1/preferences shows them; what it says wins.
func TestPostingDefaults(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	tok, _ := in.Account("gina", false)
	if status, v := send(t, in, request{method: "PATCH", path: "/api/v1/accounts/update_credentials", token: tok,
		body: url.Values{"source[privacy]": {"private"}, "source[sensitive]": {"true"}, "source[language]": {"de"}}}); status != 200 {
		t.Fatalf("update_credentials: %d %v", status, v)
	}
	_, prefs, _ := get(t, in, "/api/v1/preferences", tok)
	if p, _ := prefs.(map[string]any); p["posting:default:visibility"] != "private" || p["posting:default:sensitive"] != true ||
		p["posting:default:language"] != "de" {
		t.Errorf("preferences: %v", prefs)
	}
	for _, c := range []struct {
		name                        string
		form                        url.Values
		visibility, sensitive, lang string
	}{
		{"nothing said: the defaults", url.Values{"status": {"Hallo"}}, "private", "true", "de"},
		{"all said", url.Values{"status": {"Hello"}, "visibility": {"public"}, "sensitive": {"false"}, "language": {"en"}}, "public", "false", "en"},
	} {
		status, v := send(t, in, request{method: "POST", path: "/api/v1/statuses", token: tok, body: c.form})
		m, _ := v.(map[string]any)
		if status != 200 || m["visibility"] != c.visibility || fmt.Sprint(m["sensitive"]) != c.sensitive || m["language"] != c.lang {
			t.Errorf("%s: %d visibility %v sensitive %v language %v, want %s %s %s", c.name, status,
				m["visibility"], m["sensitive"], m["language"], c.visibility, c.sensitive, c.lang)
		}
	}
}
