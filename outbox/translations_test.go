package outbox

import (
	"maps"
	"strings"
	"testing"

	"refuge/storage"
)

// plainMap is a note's contentMap with each version's HTML reduced to its text, for
// comparing with what was typed.
func plainMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := map[string]string{}
	for lang, html := range m {
		out[lang] = strings.TrimSuffix(strings.TrimPrefix(html, "<p>"), "</p>")
	}
	return out
}

// TestPostTranslations: a post with translations is one note whose contentMap holds every
// language, the main one (content, language) included; a post in one language has none.
func TestPostTranslations(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	rows := []struct {
		name     string
		in       NoteInput
		wantLang string
		wantText string
		wantMap  map[string]string
	}{
		{"content in its language and a translation",
			NoteInput{Content: "Hello", Language: "en", ContentMap: map[string]string{"zh-Hans": "你好"}},
			"en", "Hello", map[string]string{"en": "Hello", "zh-Hans": "你好"}},
		{"the main language may be the Chinese one",
			NoteInput{Content: "你好", Language: "zh-Hans", ContentMap: map[string]string{"en": "Hello"}},
			"zh-Hans", "你好", map[string]string{"en": "Hello", "zh-Hans": "你好"}},
		{"the main text wins over another in its language",
			NoteInput{Content: "Hello", Language: "en", ContentMap: map[string]string{"en": "Hi", "de": "Hallo"}},
			"en", "Hello", map[string]string{"en": "Hello", "de": "Hallo"}},
		{"without a language, the one whose text is the content",
			NoteInput{Content: "Hallo", ContentMap: map[string]string{"en": "Hello", "de": "Hallo"}},
			"de", "Hallo", map[string]string{"en": "Hello", "de": "Hallo"}},
		{"without a language or a matching text, the one the main text is detected in",
			NoteInput{Content: "The garden is full of tomatoes this summer, come and pick some",
				ContentMap: map[string]string{"zh-Hans": "今年夏天花园里满是西红柿，来摘一些吧"}},
			"en", "The garden is full of tomatoes this summer, come and pick some",
			map[string]string{"en": "The garden is full of tomatoes this summer, come and pick some", "zh-Hans": "今年夏天花园里满是西红柿，来摘一些吧"}},
		{"an empty translation is no translation",
			NoteInput{Content: "Hello", Language: "en", ContentMap: map[string]string{"fr": " "}},
			"en", "Hello", nil},
		{"a translation in the main language only is one language",
			NoteInput{Content: "Hello", Language: "en", ContentMap: map[string]string{"en": "Hello"}},
			"en", "Hello", nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			n := r.post(alice, row.in)
			got, err := r.db.GetNoteByURI(r.ctx, n.URI)
			if err != nil {
				t.Fatal(err)
			}
			if got.Language != row.wantLang || got.Source != row.wantText || !maps.Equal(plainMap(got.ContentMap), row.wantMap) {
				t.Errorf("note in %q, %q, contentMap %v; want %q, %q, %v", got.Language, got.Source, got.ContentMap,
					row.wantLang, row.wantText, row.wantMap)
			}
			if row.wantMap != nil && got.ContentMap[got.Language] != got.Content {
				t.Errorf("contentMap[%s] = %q, content %q", got.Language, got.ContentMap[got.Language], got.Content)
			}
			doc := NoteDocument(got)
			if row.wantMap != nil && !maps.Equal(plainMap(doc.ContentMap), row.wantMap) {
				t.Errorf("the document's contentMap %v", doc.ContentMap)
			}
		})
	}
}

func TestPostTranslationsRefused(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	many := map[string]string{}
	for _, l := range []string{"en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv"} {
		many[l] = "text " + l
	}
	rows := []struct {
		name string
		in   NoteInput
	}{
		{"translations without the main text's language", NoteInput{Content: "Hello", ContentMap: map[string]string{"de": "Hallo"}}},
		{"a translation's language that is no tag", NoteInput{Content: "Hello", Language: "en", ContentMap: map[string]string{"zh Hans": "你好"}}},
		{"more languages than a post may have", NoteInput{Content: "text en", Language: "en", ContentMap: many}},
		{"a translation over the limit", NoteInput{Content: "Hello", Language: "en", ContentMap: map[string]string{"de": strings.Repeat("x", MaxNoteChars+1)}}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r.try(t, storage.Invalid, func() error { _, _, err := r.s.PostNote(r.ctx, alice, row.in); return err })
		})
	}
}

// TestEditTranslations: an edit that names no translations keeps them, its main text
// replacing the old one; one that names them sets them, an empty set removing them all.
func TestEditTranslations(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	rows := []struct {
		name    string
		edit    NoteInput
		wantMap map[string]string
	}{
		{"the text changed, the translation kept", NoteInput{Content: "Hello again"},
			map[string]string{"en": "Hello again", "zh-Hans": "你好"}},
		{"the translation changed", NoteInput{Content: "Hello", ContentMap: map[string]string{"zh-Hans": "你好啊"}},
			map[string]string{"en": "Hello", "zh-Hans": "你好啊"}},
		{"a translation added", NoteInput{Content: "Hello", ContentMap: map[string]string{"zh-Hans": "你好", "de": "Hallo"}},
			map[string]string{"en": "Hello", "zh-Hans": "你好", "de": "Hallo"}},
		{"the translations removed", NoteInput{Content: "Hello", ContentMap: map[string]string{}}, nil},
		{"the main language changed, the others kept", NoteInput{Content: "Hallo", Language: "de"},
			map[string]string{"de": "Hallo", "zh-Hans": "你好"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			n := r.post(alice, NoteInput{Content: "Hello", Language: "en", ContentMap: map[string]string{"zh-Hans": "你好"}})
			if _, err := r.s.UpdateNote(r.ctx, alice, n.URI, row.edit); err != nil {
				t.Fatal(err)
			}
			got, err := r.db.GetNoteByURI(r.ctx, n.URI)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(plainMap(got.ContentMap), row.wantMap) {
				t.Errorf("contentMap %v, want %v", got.ContentMap, row.wantMap)
			}
		})
	}
}
