package templates

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"refuge/storage"
)

// TestObjectCards: a remote Article, Event or Video is shown as a card: its title as a
// heading linking to the original, its picture from our own origin, an event's time and
// place, its summary or an excerpt of a long text, and the link to the original.
func TestObjectCards(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	v := variants()[0]
	author := v.actor(2)
	base := func(id int64, card *storage.Card, content string) *storage.Note {
		n := v.note(id, author, false)
		n.Media, n.Card, n.Content = nil, card, content
		return n
	}
	image := "https://events.example/media/banner.jpg"
	long := "<p>" + strings.Repeat("A long article about slow mornings and kettles. ", 120) + "</p>"
	rows := []struct {
		name     string
		note     *storage.Note
		want     []string
		dontWant []string
	}{
		{"an event", base(50, &storage.Card{Type: "Event", Title: "Repair café at the library", Image: image,
			Start: time.Date(2026, 7, 11, 12, 0, 0, 0, time.UTC), End: time.Date(2026, 7, 11, 16, 0, 0, 0, time.UTC),
			Place: "Stadtbibliothek", Address: "Hauptstraße 12, Berlin"}, "<p>Bring a broken lamp.</p>"),
			[]string{`<h3 class="object-card-title" dir="auto"><a href="https://remote.example/@alice/50"`,
				`>Repair café at the library</a></h3>`,
				`<img class="object-card-image" src="` + servedURL(image, false) + `"`,
				`<time datetime="2026-07-11T12:00:00Z">11 Jul 2026, 12:00 UTC</time> – <time datetime="2026-07-11T16:00:00Z">16:00 UTC</time>`,
				`Where: Stadtbibliothek, Hauptstraße 12, Berlin`, `Bring a broken lamp.`,
				`<a href="https://remote.example/@alice/50" rel="nofollow noopener noreferrer">Open the original</a>`},
			[]string{`src="` + image}},
		{"a long article: an excerpt, the whole behind Show more", base(51, &storage.Card{Type: "Article", Title: "On slow mornings"}, long),
			[]string{`>On slow mornings</a></h3>`, `<p class="object-card-excerpt" dir="auto">A long article about slow mornings`,
				`…</p>`, `<span class="more-label">Show more</span>`, `Open the original`},
			[]string{`class="object-card-image"`, `When:`, `Where:`}},
		{"a summary leads", base(52, &storage.Card{Type: "Page", Title: "Balcony tomatoes", Summary: "What worked for us",
			Link: "https://www.blog.example/balcony"}, "<p>Four varieties.</p>"),
			[]string{`<p class="object-card-summary" dir="auto">What worked for us</p>`, `Four varieties.`,
				`Links to <a href="https://www.blog.example/balcony" rel="nofollow noopener noreferrer">blog.example</a>`},
			[]string{`object-card-excerpt`}},
		{"a hostile title is text", base(53, &storage.Card{Type: "Video", Title: `<script>alert(1)</script>`}, ""),
			[]string{`&lt;script&gt;alert(1)&lt;/script&gt;</a></h3>`}, []string{`<script>alert(1)`}},
		{"a note has no card", v.note(54, author, false), nil, []string{`object-card`}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			p := &Page{Instance: "refuge.example", Body: &NoteData{Note: row.note}}
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
		})
	}
}
