package templates

import (
	"bytes"
	"strings"
	"testing"

	"refuge/storage"
)

// TestPostReactions: a post shows its emoji reactions grouped with their counts; a custom
// emoji's picture comes from the remote media cache, never its own server; a signed-in
// reader may add one or take back its own, with the page's CSRF token, without a script.
func TestPostReactions(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	v := variants()[0]
	n := v.note(40, v.actor(2), false)
	groups := map[int64][]storage.ReactionGroup{40: {
		{Emoji: "🔥", Count: 3, Me: true},
		{Emoji: "🎉", Count: 1},
		{Emoji: ":blobcat:", ImageURL: "https://remote.example/emoji/blobcat.png", Count: 2},
	}}
	served := servedURL("https://remote.example/emoji/blobcat.png", false)
	rows := []struct {
		name     string
		viewer   *storage.Actor
		want     []string
		dontWant []string
	}{
		{"a reader signed in", localViewer(), []string{
			`action="/web/notes/40/unreact"`, `name="emoji" value="🔥"`, `<span class="emoji">🔥</span> <span class="count">3</span>`,
			`action="/web/notes/40/react"`, `name="emoji" value="🎉"`, `<span class="emoji">🎉</span> <span class="count">1</span>`,
			`<img class="emoji" src="` + served + `" alt=":blobcat:"`, `<span class="count">2</span>`,
			`<input type="hidden" name="csrf" value="tok">`, `aria-label="An emoji to react with"`,
		}, []string{`src="https://remote.example/emoji/blobcat.png"`, `name="emoji" value=":blobcat:"`}},
		{"a visitor", nil, []string{`<span class="emoji">🔥</span> <span class="count">3</span>`, `alt=":blobcat:"`},
			[]string{`/web/notes/40/react`, `/web/notes/40/unreact`, `src="https://remote.example/emoji/blobcat.png"`}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			p := &Page{Instance: "refuge.example", Viewer: row.viewer, Body: &NoteData{Note: n}, Reactions: groups}
			if row.viewer != nil {
				p.CSRF = "tok"
			}
			var buf bytes.Buffer
			if err := r.Render(&buf, "note", p); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range row.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %s", w)
				}
			}
			for _, w := range row.dontWant {
				if strings.Contains(out, w) {
					t.Errorf("unwanted %s", w)
				}
			}
			checkPage(t, out, p, variant{}, func(string) bool { return false })
		})
	}
}
