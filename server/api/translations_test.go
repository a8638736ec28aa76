package api_test

import (
	"maps"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// textMap is a stored note's contentMap with each version's HTML reduced to its text.
func textMap(in *testrig.Instance, uri string) map[string]string {
	n := in.Note(uri)
	if n == nil || n.ContentMap == nil {
		return nil
	}
	out := map[string]string{}
	for lang, html := range n.ContentMap {
		out[lang] = strings.TrimSuffix(strings.TrimPrefix(html, "<p>"), "</p>")
	}
	return out
}

// TestPostTranslations: POST /api/v1/statuses takes Refuge's content_map extension, as
// form fields content_map[LANG] or a JSON object, making one note with every language in
// its contentMap; the Status itself carries the main language only (content, language).
func TestPostTranslations(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name     string
		body     any
		status   int
		wantLang string
		wantMap  map[string]string
	}{
		{"form fields", url.Values{"status": {"Hello"}, "language": {"en"}, "content_map[zh-Hans]": {"你好"}}, 200,
			"en", map[string]string{"en": "Hello", "zh-Hans": "你好"}},
		{"JSON object, Chinese main", map[string]any{"status": "你好", "language": "zh-Hans", "content_map": map[string]string{"en": "Hello"}}, 200,
			"zh-Hans", map[string]string{"en": "Hello", "zh-Hans": "你好"}},
		{"no status: the main text from the map", map[string]any{"language": "de", "content_map": map[string]string{"en": "Hello", "de": "Hallo"}}, 200,
			"de", map[string]string{"en": "Hello", "de": "Hallo"}},
		{"no language: the one whose text is status", map[string]any{"status": "Hallo", "content_map": map[string]string{"en": "Hello", "de": "Hallo"}}, 200,
			"de", map[string]string{"en": "Hello", "de": "Hallo"}},
		{"no language and status in none", map[string]any{"status": "Salut", "content_map": map[string]string{"en": "Hello"}}, 422, "", nil},
		{"a key that is no language", url.Values{"status": {"Hello"}, "language": {"en"}, "content_map[zh Hans]": {"你好"}}, 422, "", nil},
		{"content_map as a string", url.Values{"status": {"Hello"}, "language": {"en"}, "content_map": {"你好"}}, 422, "", nil},
		{"a translation too long", url.Values{"status": {"Hello"}, "language": {"en"}, "content_map[de]": {strings.Repeat("x", 5001)}}, 422, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok, body: tt.body})
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, v)
			}
			if status != 200 {
				return
			}
			main := tt.wantMap[tt.wantLang]
			if field(v, "language") != tt.wantLang || field(v, "content") != "<p>"+main+"</p>" {
				t.Errorf("the Status in %q: %q, want the main text %q in %q", field(v, "language"), field(v, "content"), main, tt.wantLang)
			}
			if got := textMap(w.in, field(v, "uri")); !maps.Equal(got, tt.wantMap) {
				t.Errorf("contentMap %v, want %v", got, tt.wantMap)
			}
		})
	}
}

// TestEditTranslations: PUT /api/v1/statuses/:id without content_map keeps the
// translations (a Mastodon app knows nothing of them); with it, they are set, and an
// empty content_map removes them.
func TestEditTranslations(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name    string
		body    any
		wantMap map[string]string
	}{
		{"a Mastodon app's edit keeps the translation", url.Values{"status": {"Hello again"}},
			map[string]string{"en": "Hello again", "zh-Hans": "你好"}},
		{"content_map changes it", url.Values{"status": {"Hello"}, "content_map[zh-Hans]": {"您好"}},
			map[string]string{"en": "Hello", "zh-Hans": "您好"}},
		{"JSON adds one", map[string]any{"status": "Hello", "content_map": map[string]string{"zh-Hans": "你好", "de": "Hallo"}},
			map[string]string{"en": "Hello", "zh-Hans": "你好", "de": "Hallo"}},
		{"an empty JSON content_map removes them", map[string]any{"status": "Hello", "content_map": map[string]string{}}, nil},
		{"an empty form content_map removes them", url.Values{"status": {"Hello"}, "content_map": {""}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok,
				body: url.Values{"status": {"Hello"}, "language": {"en"}, "content_map[zh-Hans]": {"你好"}}})
			status, e := send(t, w.in, request{method: "PUT", path: statusPath(idOf(v)), token: w.aliceTok, body: tt.body})
			if status != 200 {
				t.Fatalf("edit: %d %v", status, e)
			}
			if got := textMap(w.in, field(v, "uri")); !maps.Equal(got, tt.wantMap) {
				t.Errorf("contentMap %v, want %v", got, tt.wantMap)
			}
			if field(e, "language") != "en" {
				t.Errorf("language %q after the edit", field(e, "language"))
			}
			_, src, _ := get(t, w.in, statusPath(idOf(v), "source"), w.aliceTok)
			wantSource := map[string]any{}
			for lang, text := range tt.wantMap {
				if lang != "en" {
					wantSource[lang] = text
				}
			}
			got, _ := src.(map[string]any)["content_map"].(map[string]any)
			if len(got) != len(wantSource) || !maps.EqualFunc(got, wantSource, func(a, b any) bool { return a == b }) {
				t.Errorf("source's content_map %v, want %v", got, wantSource)
			}
		})
	}
}
