package federation

import (
	"testing"

	"refuge/storage"
)

// TestNoteLanguageFromContentMap: a stored remote note's language is the one its content
// is written in when its contentMap says so, whatever the languages' order; else the
// first language by tag.
func TestNoteLanguageFromContentMap(t *testing.T) {
	author := &storage.Actor{ID: 1, URI: "https://remote.example/users/a", FollowersURI: "https://remote.example/users/a/followers"}
	tests := []struct {
		name    string
		content string
		cmap    map[string]string
		want    string
	}{
		{"Chinese first: content in zh-Hans", "<p>你好</p>", map[string]string{"en": "<p>Hello</p>", "zh-Hans": "<p>你好</p>"}, "zh-Hans"},
		{"English content", "<p>Hello</p>", map[string]string{"en": "<p>Hello</p>", "zh-Hans": "<p>你好</p>"}, "en"},
		{"content in none: the first", "<p>Hi</p>", map[string]string{"fr": "<p>Salut</p>", "de": "<p>Hallo</p>"}, "de"},
		{"one language, as Mastodon sends it", "<p>Hallo</p>", map[string]string{"de": "<p>Hallo</p>"}, "de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := &Note{ID: "https://remote.example/notes/1", Type: TypeNote, AttributedTo: author.URI,
				Content: tt.content, ContentMap: tt.cmap, To: []string{PublicCollection}}
			if n := NoteFromDoc(doc, author, "refuge.example"); n.Language != tt.want {
				t.Errorf("language %q, want %q", n.Language, tt.want)
			}
		})
	}
}
