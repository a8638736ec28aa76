package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/translator"
	"refuge/server"
)

// translateTimeout is the instances' bound on a translation in these tests.
const translateTimeout = 500 * time.Millisecond

// withTranslation configures an instance to translate through the stand-in lt.
func withTranslation(lt *translator.Server) func(*server.Config) {
	return func(c *server.Config) {
		c.TranslateURL, c.TranslateKey, c.TranslateTimeout = lt.URL, translator.Key, translateTimeout
	}
}

// postIn posts status in language lang as token's account and returns its id.
func postIn(t *testing.T, in *testrig.Instance, token, status, lang, visibility string) string {
	t.Helper()
	code, v := send(t, in, request{method: "POST", path: "/api/v1/statuses", token: token,
		body: map[string]any{"status": status, "language": lang, "visibility": visibility}})
	if code != http.StatusOK {
		t.Fatalf("post: %d %v", code, v)
	}
	return idOf(v)
}

// TestTranslateStatus: on an instance with a translation server, a remote post and a local
// one are translated for a reader who may read them, into lang, or the reader's language;
// the second translation is the kept one (the server counts one call); an edit is
// translated afresh; a post the reader may not read is 404, one in the language asked 403,
// a bad lang 422, no token 401; a server down, slow or talking nonsense is 503 with a
// reason, in bounded time. The instance API says translation is on and lists the languages.
func TestTranslateStatus(t *testing.T) {
	t.Parallel()
	lt := translator.Start(t)
	lt.RequireKey(true)
	a := testrig.Start(t, withTranslation(lt))
	b := testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	carolTok, _ := a.Account("carol", false)
	bobTok, _ := b.Account("bob", false)
	a.FollowRemote("alice", aliceTok, b, "bob")
	postIn(t, b, bobTok, "你好，朋友们", "zh", "public")
	var remote string
	testrig.Eventually(t, testrig.FederationWait, "bob's post on A", func() bool {
		_, v, _ := get(t, a, "/api/v1/timelines/home", aliceTok)
		if l := list(v); len(l) == 1 {
			remote = idOf(l[0])
		}
		return remote != ""
	})
	own := postIn(t, a, aliceTok, "hello world", "en", "public")
	private := postIn(t, a, carolTok, "只给关注者", "zh", "private")

	translate := func(token, id string, body any, header map[string]string) (int, map[string]any) {
		t.Helper()
		code, v := send(t, a, request{method: "POST", path: statusPath(id, "translate"), token: token, body: body, header: header})
		m, _ := v.(map[string]any)
		return code, m
	}
	code, tr := translate(aliceTok, remote, map[string]any{"lang": "en"}, nil)
	if code != http.StatusOK || tr["content"] != "<p>[en] 你好，朋友们</p>" || tr["detected_source_language"] != "zh" ||
		tr["provider"] != "LibreTranslate" || tr["spoiler_text"] != "" || tr["poll"] != nil || len(list(tr["media_attachments"])) != 0 {
		t.Fatalf("remote post: %d %v", code, tr)
	}
	if last := lt.Last(); last.Source != "zh" || last.Target != "en" || last.APIKey != translator.Key {
		t.Errorf("asked the server: %+v", last)
	}
	if code, again := translate(aliceTok, remote, url.Values{"lang": {"en"}}, nil); code != http.StatusOK ||
		again["content"] != tr["content"] || lt.Translations() != 1 {
		t.Errorf("again (a form): %d %v, %d calls", code, again, lt.Translations())
	}
	if code, fr := translate(aliceTok, remote, nil, map[string]string{"Accept-Language": "fr-CH, en;q=0.5"}); code != http.StatusOK ||
		fr["content"] != "<p>[fr] 你好，朋友们</p>" || lt.Translations() != 2 {
		t.Errorf("into the app's language: %d %v", code, fr)
	}

	// A local post only its followers read: 404 to others, translated for its author.
	if code, v := translate(aliceTok, private, map[string]any{"lang": "en"}, nil); code != http.StatusNotFound {
		t.Errorf("a post alice may not read: %d %v", code, v)
	}
	if code, v := translate(carolTok, private, map[string]any{"lang": "en"}, nil); code != http.StatusOK || v["content"] != "<p>[en] 只给关注者</p>" {
		t.Errorf("carol's own post: %d %v", code, v)
	}
	// Edited: translated afresh.
	before := lt.Translations()
	if code, v := send(t, a, request{method: "PUT", path: statusPath(private), token: carolTok,
		body: map[string]any{"status": "只给关注者，改过了", "language": "zh"}}); code != http.StatusOK {
		t.Fatalf("edit: %d %v", code, v)
	}
	if code, v := translate(carolTok, private, map[string]any{"lang": "en"}, nil); code != http.StatusOK ||
		v["content"] != "<p>[en] 只给关注者，改过了</p>" || lt.Translations() != before+1 {
		t.Errorf("after the edit: %d %v, %d calls", code, v, lt.Translations()-before)
	}

	// A picture's description is translated too, by the attachment's id.
	media := uploadImage(t, a, aliceTok, "一只猫在睡觉")
	code, v := send(t, a, request{method: "POST", path: "/api/v1/statuses", token: aliceTok,
		body: map[string]any{"status": "我的猫", "language": "zh", "media_ids": []string{media}}})
	if code != http.StatusOK {
		t.Fatalf("post with a picture: %d %v", code, v)
	}
	if code, tr := translate(aliceTok, idOf(v), map[string]any{"lang": "en"}, nil); code != http.StatusOK ||
		len(list(tr["media_attachments"])) != 1 || field(list(tr["media_attachments"])[0], "id") != media ||
		field(list(tr["media_attachments"])[0], "description") != "[en] 一只猫在睡觉" {
		t.Errorf("with a picture: %d %v", code, tr)
	}

	refused := []struct {
		name, token, id string
		body            any
		code            int
	}{
		{"the post's own language", aliceTok, own, map[string]any{"lang": "en-GB"}, http.StatusForbidden},
		{"not a language", aliceTok, remote, map[string]any{"lang": "<b>"}, http.StatusUnprocessableEntity},
		{"no token", "", remote, map[string]any{"lang": "en"}, http.StatusUnauthorized},
		{"no such status", aliceTok, "12345", map[string]any{"lang": "en"}, http.StatusNotFound},
	}
	for _, row := range refused {
		if code, v := translate(row.token, row.id, row.body, nil); code != row.code || v["error"] == nil {
			t.Errorf("%s: %d %v, want %d", row.name, code, v, row.code)
		}
	}

	// The instance says translation is on, and what it translates.
	_, in, _ := get(t, a, "/api/v2/instance", "")
	if cfg, _ := in.(map[string]any)["configuration"].(map[string]any); cfg["translation"].(map[string]any)["enabled"] != true {
		t.Errorf("v2 instance: %v", cfg["translation"])
	}
	_, langs, _ := get(t, a, "/api/v1/instance/translation_languages", "")
	if zh, _ := langs.(map[string]any)["zh"].([]any); fmtList(zh) != "[en es fr ja zt]" {
		t.Errorf("translation languages: %v", langs)
	}

	// The server failing, each way, on translations not kept yet: 503 with a reason.
	failures := []struct {
		name  string
		setup func()
		lang  string
		want  string
	}{
		{"bad JSON", func() { lt.SetBadJSON(true) }, "ja", "unavailable"},
		{"slow", func() { lt.SetBadJSON(false); lt.SetDelay(20 * translateTimeout) }, "es", "did not answer in time"},
		{"down", func() { lt.Close() }, "zt", "unavailable"},
	}
	for _, row := range failures {
		row.setup()
		start := time.Now()
		code, v := translate(aliceTok, remote, map[string]any{"lang": row.lang}, nil)
		if code != http.StatusServiceUnavailable || !strings.Contains(v["error"].(string), row.want) {
			t.Errorf("%s: %d %v", row.name, code, v)
		}
		if took := time.Since(start); took > 10*translateTimeout { // generous: only that it did not wait for the server
			t.Errorf("%s: took %s", row.name, took)
		}
	}
	// What was kept is still given with the server down.
	if code, v := translate(aliceTok, remote, map[string]any{"lang": "en"}, nil); code != http.StatusOK || v["content"] != tr["content"] {
		t.Errorf("kept, with the server down: %d %v", code, v)
	}
}

// fmtList is a JSON list of strings as "[a b c]".
func fmtList(l []any) string {
	var parts []string
	for _, v := range l {
		s, _ := v.(string)
		parts = append(parts, s)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestTranslateOff: without a translation server, the instance says translation is off,
// lists no languages, and refuses to translate as Mastodon does (403).
func TestTranslateOff(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	tok, _ := in.Account("alice", false)
	id := postIn(t, in, tok, "你好", "zh", "public")
	code, v := send(t, in, request{method: "POST", path: statusPath(id, "translate"), token: tok, body: map[string]any{"lang": "en"}})
	if code != http.StatusForbidden || !strings.Contains(field(v, "error"), "not set up") {
		t.Errorf("translate: %d %v", code, v)
	}
	_, inst, _ := get(t, in, "/api/v2/instance", "")
	if cfg, _ := inst.(map[string]any)["configuration"].(map[string]any); cfg["translation"].(map[string]any)["enabled"] != false {
		t.Errorf("v2 instance: %v", cfg["translation"])
	}
	if code, langs, _ := get(t, in, "/api/v1/instance/translation_languages", ""); code != http.StatusOK || len(langs.(map[string]any)) != 0 {
		t.Errorf("translation languages: %d %v", code, langs)
	}
}
