package templates

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"refuge/federation/uris"
	"refuge/storage"
)

// storedParentURI is the note that the fixtures' reply with a stored parent answers; the
// other reply answers a note not stored here.
const (
	storedParentURI   = "https://remote.example/notes/parent"
	unstoredParentURI = "https://elsewhere.example/notes/unknown"
)

// longContent is sanitized HTML of many paragraphs of text: a post Mastodon collapses.
func longContent(text string) string {
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "<p>%d. %s</p>", i, html.EscapeString(text))
	}
	return b.String()
}

// displayNotes are posts showing every badge and way of display: each visibility, a reply
// to a stored note and one to a note not stored, a long post without a content warning and
// one with (ids ending in 1 have a content warning, as in bodies).
func (v variant) displayNotes() []*storage.Note {
	if v.empty {
		return nil
	}
	a := v.actor(2)
	public := v.note(50, a, false)
	longCW := v.note(51, a, true)
	longCW.Content = longContent(v.text)
	long := v.note(52, a, false)
	long.Content, long.Media = longContent(v.text), nil
	unlisted, followers, direct := v.note(53, a, false), v.note(54, a, false), v.note(55, a, false)
	unlisted.Visibility, followers.Visibility, direct.Visibility = storage.Unlisted, storage.Followers, storage.Direct
	stored, unstored := v.note(56, a, false), v.note(57, a, false)
	stored.InReplyToURI, unstored.InReplyToURI = storedParentURI, unstoredParentURI
	return []*storage.Note{public, longCW, long, unlisted, followers, direct, stored, unstored}
}

// displayParents are the stored parents the fixtures' replies name.
func (v variant) displayParents() map[string]storage.ReplyParent {
	return map[string]storage.ReplyParent{storedParentURI: {ID: 7, Author: v.actor(3)}}
}

// mediaBody is the viewer page of the first attachment of a post: an image with a
// description, or without one for the empty variant.
func (v variant) mediaBody() *MediaData {
	n := v.note(60, v.actor(2), true)
	if v.empty {
		n.Media[0].Description = ""
	}
	return &MediaData{Note: n, Media: n.Media[0], N: 1, Count: len(n.Media), Next: uris.StoredMedia(60, 2)}
}

// TestPathsAgree: the pages link the addresses the web surface serves (federation/uris,
// which templates may not import).
func TestPathsAgree(t *testing.T) {
	if got, want := storedNotePath(42), uris.StoredNote(42); got != want {
		t.Errorf("stored note %s, want %s", got, want)
	}
	if got, want := viewerPath(42, 3), uris.StoredMedia(42, 3); got != want {
		t.Errorf("viewer %s, want %s", got, want)
	}
}

// TestPostDisplay checks what a post shows of its audience, what it answers, its length
// and its images.
func TestPostDisplay(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	v := variants()[0]
	notes := v.displayNotes()
	byID := func(id int64) *storage.Note {
		for _, n := range notes {
			if n.ID == id {
				return n
			}
		}
		t.Fatalf("no fixture note %d", id)
		return nil
	}
	noAlt := v.note(58, v.actor(2), false)
	noAlt.Media = noAlt.Media[:1]
	noAlt.Media[0].Description = ""
	tests := []struct {
		name     string
		note     *storage.Note
		want     []string
		dontWant []string
	}{
		{"public", byID(50), []string{`<span class="visibility public" title="Public"><img src="/static/visibility.svg?v=`, `<span class="sr-only">Public</span>`},
			[]string{`class="reply-to"`, `details class="more"`}},
		{"unlisted", byID(53), []string{`<span class="visibility unlisted" title="Unlisted">`, `<span class="visibility-label">Unlisted</span>`}, nil},
		{"followers only", byID(54), []string{`<span class="visibility followers" title="Followers only">`, `<span class="visibility-label">Followers only</span>`}, nil},
		{"direct", byID(55), []string{`<span class="visibility direct" title="Mentioned people only">`, `<span class="visibility-label">Mentioned people only</span>`}, nil},
		{"reply to a stored post", byID(56), []string{`<p class="reply-to"><span aria-hidden="true">↩</span> In reply to <a href="/notes/7" dir="auto">Alice</a></p>`},
			[]string{`a post</a>`}},
		{"reply to a post not stored", byID(57), []string{`In reply to <a href="https://elsewhere.example/notes/unknown">a post</a></p>`}, nil},
		{"long post collapsed", byID(52), []string{`<details class="more">`, `<summary><span class="more-label">Show more</span><span class="less-label">Show less</span></summary>`,
			`<p>0. Hello, fediverse!</p>`, `<p>39. Hello, fediverse!</p>`}, []string{`<details class="more" open`}},
		{"long post behind a content warning is whole once opened", byID(51), []string{`<details class="cw">`, `<p>39. Hello, fediverse!</p>`},
			[]string{`details class="more"`}},
		{"image with a description", byID(50), []string{`<a class="thumb" href="/notes/50/media/1"><img`, `alt="A cat on a mat"`,
			`<span class="alt-badge" aria-hidden="true">ALT</span></a>`}, nil},
		{"image without a description", noAlt, []string{`<a class="thumb" href="/notes/58/media/1"><img`, `alt="Image without a description"`},
			[]string{`alt-badge`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			renderShows(t, r, "note", &NoteData{Note: tt.note}, tt.want, tt.dontWant)
		})
	}
}

// renderShows renders page with body for a signed-in reader and checks that it shows what
// is wanted and not what is not, and what every page must do.
func renderShows(t *testing.T, r *Renderer, page string, body any, want, dontWant []string) {
	t.Helper()
	v := variants()[0]
	p := &Page{Title: "Image", Instance: "refuge.example", Viewer: localViewer(), CSRF: "tok", Body: body, Parents: v.displayParents()}
	var buf bytes.Buffer
	if err := r.Render(&buf, page, p); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("missing %s", w)
		}
	}
	for _, w := range dontWant {
		if strings.Contains(out, w) {
			t.Errorf("unwanted %s", w)
		}
	}
	checkPage(t, out, p, v, func(id string) bool { return strings.HasSuffix(id, "1") })
}

// TestDisplayPages checks the public timelines and the media viewer.
func TestDisplayPages(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	v := variants()[0]
	withAlt, noAlt := v.mediaBody(), variant{empty: true}.mediaBody()
	last := v.mediaBody()
	last.N, last.Media, last.Next, last.Prev = 3, last.Note.Media[2], "", uris.StoredMedia(60, 2)
	tests := []struct {
		name     string
		page     string
		body     any
		want     []string
		dontWant []string
	}{
		{"local timeline", "public", &PublicData{Local: true, Notes: v.displayNotes(), Next: "/public/local?max_id=50"},
			[]string{`<h1>Local timeline</h1>`, `<a href="/public/local" aria-current="page">Local timeline</a>`, `<a href="/public">Federated timeline</a>`,
				`href="/public/local?max_id=50" rel="next"`, `id="note-57"`}, []string{`No public posts yet`}},
		{"federated timeline", "public", &PublicData{}, []string{`<h1>Federated timeline</h1>`, `<a href="/public" aria-current="page">Federated timeline</a>`,
			`<a href="/public/local">Local timeline</a>`, `No public posts yet`}, nil},
		{"the menu elsewhere", "timeline", &TimelineData{}, []string{`<a href="/public/local">Local timeline</a>`, `<a href="/public">Federated timeline</a>`,
			`<summary>More</summary>`}, nil},
		{"the menu's More marked on its own pages", "public", &PublicData{Local: true}, []string{`<summary class="current">More</summary>`}, nil},
		{"viewer with a description", "media", withAlt, []string{`<img src="/media/remote/`, `alt="A cat on a mat"`,
			`<p class="alt-text" lang="en" dir="auto">A cat on a mat</p>`, `From a post by <a href="https://remote.example/@alice" dir="auto">Alice</a>`,
			`<a class="button" href="/notes/60">Back to the post</a>`, `<a href="/notes/60/media/2" rel="next">Next →</a>`, `1 of 3`,
			`<span class="cw-label">Content warning:</span> <span dir="auto">spoilers</span>`, `<title>Image · refuge.example</title>`},
			[]string{`rel="prev"`, `No description`}},
		{"viewer without a description", "media", noAlt, []string{`<p class="alt-text none">No description</p>`, `alt="Image without a description"`}, nil},
		{"viewer of the last attachment", "media", last, []string{`<audio src=`, `<a href="/notes/60/media/2" rel="prev">← Previous</a>`, `3 of 3`},
			[]string{`rel="next"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { renderShows(t, r, tt.page, tt.body, tt.want, tt.dontWant) })
	}
}

// TestSplitLong checks where long posts are cut and that both halves are whole HTML.
func TestSplitLong(t *testing.T) {
	para := strings.Repeat("word ", 24) // 120 characters: two lines and a blank one
	tests := []struct {
		name             string
		content          string
		long             bool
		leadHas, restHas string
	}{
		{"short", "<p>hello</p>", false, "", ""},
		{"32 lines is not long", strings.Repeat("<p>"+para+"</p>", 10) + "<p>x</p>", false, "", ""},
		{"paragraphs cut after the fifth", strings.Repeat("<p>"+para+"</p>", 12), true, "</p>", "<p>word"},
		{"one long paragraph cut in its text", "<p><a href=\"https://x.example/\">" + strings.Repeat("word ", 500) + "</a></p>", true,
			"word…</a></p>", `<p><a href="https://x.example/">word`},
		{"line breaks", "<p>" + strings.Repeat("line<br>", 40) + "</p>", true, "line<br></p>", "<p>line<br>"},
		{"code", "<pre><code>" + strings.Repeat("x := 1\n", 40) + "</code></pre>", true, "x := 1\n…</code></pre>", "<pre><code>x := 1\n"},
		{"a little code", "<pre><code>" + strings.Repeat("x := 1\n", 20) + "</code></pre>", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lead, rest, ok := splitLong(tt.content)
			if ok != tt.long {
				t.Fatalf("long = %v, want %v", ok, tt.long)
			}
			if !ok {
				return
			}
			if !strings.HasSuffix(string(lead), tt.leadHas) || !strings.HasPrefix(string(rest), tt.restHas) {
				t.Errorf("lead ends …%s, rest starts %s…", tail(string(lead), 40), string(rest)[:min(40, len(rest))])
			}
			if n := strings.Count(string(lead)+string(rest), "word"); strings.Contains(tt.content, "word") && n != strings.Count(tt.content, "word") {
				t.Errorf("%d words after the cut, want %d", n, strings.Count(tt.content, "word"))
			}
			for _, half := range []string{string(lead), string(rest)} {
				if strings.Count(half, "<p>") != strings.Count(half, "</p>") || strings.Count(half, "<a ") != strings.Count(half, "</a>") ||
					strings.Count(half, "<pre>") != strings.Count(half, "</pre>") {
					t.Errorf("half not balanced: %s", half)
				}
			}
			lines := strings.Count(string(lead), "<p>")*3 + strings.Count(string(lead), "<br>")
			if lines > collapsedLines*2 {
				t.Errorf("lead too long: %d", lines)
			}
		})
	}
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }
