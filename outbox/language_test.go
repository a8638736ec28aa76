package outbox

import (
	"encoding/json"
	"strings"
	"testing"

	"refuge/storage"
)

// Texts long enough for detection to tell, and one too short.
const (
	english  = "Just finished my first sourdough loaf and honestly it came out better than expected"
	spanish  = "Hoy por fin terminé de pintar la cocina y estoy agotada pero feliz"
	chinese  = "今天终于把阳台上的花都种好了，希望这次不要再被鸟吃掉"
	korean   = "오늘 처음으로 김치찌개를 만들어 봤는데 생각보다 맛있었어요"
	tooShort = "lol"
)

// TestPostLanguage checks the order of postLanguage through PostNote and the
// client-to-server outbox: chosen, parent's, posting default, detected.
func TestPostLanguage(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	dora := r.account("dora", false) // her posting default is German
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error {
		return tx.PutPostingDefaults(r.ctx, dora.ID, storage.PostingDefaults{Language: "de"})
	}); err != nil {
		t.Fatal(err)
	}
	japanese := r.post(alice, NoteInput{Content: "ただいま", Language: "ja"})
	remote := r.remote("remote.test", "ren", true)
	unsaid := r.remoteNote(remote, "no-language") // a remote note whose server said no language
	if unsaid.Language != "" {
		t.Fatalf("remote note in %q", unsaid.Language)
	}
	for _, tc := range []struct {
		name   string
		author *storage.Actor
		in     NoteInput
		want   string
	}{
		{"chosen wins over the text", alice, NoteInput{Content: english, Language: "fr"}, "fr"},
		{"detected: English", alice, NoteInput{Content: english}, "en"},
		{"detected: Spanish", alice, NoteInput{Content: spanish}, "es"},
		{"detected: Chinese", alice, NoteInput{Content: chinese}, "zh"},
		{"too short to tell: none", alice, NoteInput{Content: tooShort}, ""},
		{"only a link and a mention: none", alice, NoteInput{Content: "@dora https://example.org/a/long/article/path"}, ""},
		{"a contentMap names its languages", alice, NoteInput{ContentMap: map[string]string{"zh-Hans": chinese, "en": english}}, "en"},
		{"a reply inherits its parent's", alice, NoteInput{Content: english, InReplyTo: japanese.URI}, "ja"},
		{"a reply's chosen language wins", alice, NoteInput{Content: english, InReplyTo: japanese.URI, Language: "en"}, "en"},
		{"a reply to a note with none: detected", alice, NoteInput{Content: spanish, InReplyTo: unsaid.URI}, "es"},
		{"the posting default wins over detection", dora, NoteInput{Content: english}, "de"},
		{"a reply's parent wins over the posting default", dora, NoteInput{Content: english, InReplyTo: japanese.URI}, "ja"},
		{"a chosen language wins over the posting default", dora, NoteInput{Content: english, Language: "en"}, "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := r.post(tc.author, tc.in)
			stored, err := r.db.GetNoteByID(r.ctx, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n.Language != tc.want || stored.Language != tc.want {
				t.Errorf("language %q, stored %q; want %q", n.Language, stored.Language, tc.want)
			}
		})
	}

	// The client-to-server outbox has no language field but contentMap's: the same rule.
	for _, tc := range []struct {
		name string
		note map[string]any
		want string
	}{
		{"C2S: detected", m{"type": "Note", "content": korean}, "ko"},
		{"C2S: a reply inherits", m{"type": "Note", "content": english, "inReplyTo": japanese.URI}, "ja"},
		{"C2S: too short", m{"type": "Note", "content": tooShort}, ""},
		{"C2S: contentMap", m{"type": "Note", "contentMap": m{"es": spanish}}, "es"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(tc.note)
			id, err := r.s.Submit(r.ctx, alice, body)
			if err != nil {
				t.Fatal(err)
			}
			n, err := r.db.GetNoteByURI(r.ctx, strings.TrimSuffix(id, "/activity"))
			if err != nil {
				t.Fatal(err)
			}
			if n.Language != tc.want {
				t.Errorf("language %q, want %q", n.Language, tc.want)
			}
		})
	}
}

// TestEditLanguage checks that an edit keeps a chosen language and detects the language
// of a note whose language was never chosen.
func TestEditLanguage(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	for _, tc := range []struct {
		name     string
		post     NoteInput
		edit     NoteInput
		was, now string
	}{
		{"detected, then detected again", NoteInput{Content: english}, NoteInput{Content: spanish}, "en", "es"},
		{"none, then detected", NoteInput{Content: tooShort}, NoteInput{Content: chinese}, "", "zh"},
		{"chosen, kept", NoteInput{Content: english, Language: "fr"}, NoteInput{Content: spanish}, "fr", "fr"},
		{"detected, kept when the new text is too short", NoteInput{Content: english}, NoteInput{Content: tooShort}, "en", "en"},
		{"the edit chooses", NoteInput{Content: english}, NoteInput{Content: spanish, Language: "ca"}, "en", "ca"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := r.post(alice, tc.post)
			if n.Language != tc.was {
				t.Fatalf("posted in %q, want %q", n.Language, tc.was)
			}
			if _, err := r.s.UpdateNote(r.ctx, alice, n.URI, tc.edit); err != nil {
				t.Fatal(err)
			}
			stored, err := r.db.GetNoteByID(r.ctx, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Language != tc.now {
				t.Errorf("edited into %q, want %q", stored.Language, tc.now)
			}
		})
	}
}
