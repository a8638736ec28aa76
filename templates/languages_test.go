package templates

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"refuge/storage"
)

func TestReadingLanguages(t *testing.T) {
	tests := []struct {
		asked, accept string
		want          string
	}{
		{"", "", ""},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN zh en"},
		{"", "en;q=0.5, de", "de en"},
		{"", "fr, en;q=0", "fr"},
		{"zh-Hans", "en-US,en;q=0.9", "zh-Hans en-US en"},
		{"not a language!", "en", "en"},
		{"", "en, de, fr, es, it, nl, pl, pt", "en de fr es"}, // cut: the first 4, a bound only
		{"", ";;;=", ""},
	}
	for _, tt := range tests {
		t.Run(tt.asked+"|"+tt.accept, func(t *testing.T) {
			var got []string
			for _, tag := range ReadingLanguages(tt.asked, tt.accept, 4) {
				got = append(got, tag.String())
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("got %q, want %q", g, tt.want)
			}
		})
	}
}

// bilingual is a note written in English (its main language) and Simplified Chinese.
func bilingual(id int64, main string) *storage.Note {
	v := variants()[0]
	n := v.note(id, v.actor(2), false)
	n.Media = nil
	n.Language, n.ContentMap = main, map[string]string{"en": "<p>Good morning</p>", "zh-Hans": "<p>早上好</p>"}
	n.Content = n.ContentMap[main]
	return n
}

// hostileLanguages is a post received with a contentMap key that is markup (a remote
// key is kept when short enough).
func hostileLanguages() *storage.Note {
	n := bilingual(30, "en")
	n.ContentMap = map[string]string{"en": n.Content, `">` + hostileScript: "<p>x</p>"}
	return n
}

// TestPostInTheReadersLanguage: a post in several languages is shown in the one the
// reader reads best, with its lang; the others follow under a switch, each with its own
// lang, its name and a link to the post read in it; a reader it finds nothing for gets
// the main language, and a post in one language shows no switch.
func TestPostInTheReadersLanguage(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	single := bilingual(31, "en")
	single.ContentMap = map[string]string{"en": single.Content} // as Mastodon sends it
	tests := []struct {
		name     string
		note     *storage.Note
		accept   string
		shown    string // the text shown first, and in what language
		lang     string
		switched []string // what the switch shows; nil: no switch
	}{
		{"a zh-CN reader reads Chinese", bilingual(30, "en"), "zh-CN,zh;q=0.9", "早上好", "zh-Hans",
			[]string{`<summary>Also in <span lang="en">English</span></summary>`,
				`<section class="version" lang="en" aria-label="English">`,
				`<a href="/notes/30?lang=en" hreflang="en">English</a>`,
				`<div class="content" lang="en" dir="auto"><p>Good morning</p></div>`}},
		{"an en reader reads English", bilingual(30, "zh-Hans"), "en-US,en;q=0.9", "Good morning", "en",
			[]string{`<summary>Also in <span lang="zh-Hans">简体中文</span></summary>`,
				`<a href="/notes/30?lang=zh-Hans" hreflang="zh-Hans">简体中文</a>`,
				`<div class="content" lang="zh-Hans" dir="auto"><p>早上好</p></div>`}},
		{"a zh-TW reader reads the Chinese there is", bilingual(30, "en"), "zh-TW", "早上好", "zh-Hans", []string{`lang="en"`}},
		{"the reader's second language when the first is missing", bilingual(30, "en"), "de, zh;q=0.5", "早上好", "zh-Hans", []string{`lang="en"`}},
		{"a reader of neither gets the main language", bilingual(30, "zh-Hans"), "de", "早上好", "zh-Hans", []string{`lang="en"`}},
		{"no Accept-Language: the main language", bilingual(30, "en"), "", "Good morning", "en", []string{`lang="zh-Hans"`}},
		{"a post in one language has no switch", single, "zh-CN", "Good morning", "en", nil},
		{"a hostile language tag from another server stays a value", hostileLanguages(), "en", "Good morning", "en",
			[]string{`<section class="version" lang="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
				`href="/notes/30?lang=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Page{Instance: "refuge.example", Body: &NoteData{Note: tt.note}, Prefer: ReadingLanguages("", tt.accept, 4)}
			var buf bytes.Buffer
			if err := r.Render(&buf, "note", p); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if testing.Verbose() {
				t.Log(out[strings.Index(out, "<article"):strings.Index(out, "</article>")])
			}
			first := fmt.Sprintf(`<div class="content" lang="%s" dir="auto"><p>%s</p></div>`, tt.lang, tt.shown)
			if i, j := strings.Index(out, first), strings.Index(out, `<details class="versions">`); i < 0 || j >= 0 && j < i {
				t.Errorf("missing %s first", first)
			}
			for _, w := range tt.switched {
				if !strings.Contains(out, w) {
					t.Errorf("missing %s", w)
				}
			}
			if tt.switched == nil && strings.Contains(out, `class="versions"`) {
				t.Errorf("a switch for a post in one language")
			}
			checkPage(t, out, p, variant{}, func(string) bool { return false })
		})
	}
}

// TestChooseLanguageOrder: the other versions come main language first, then by tag, so
// that a page is the same for everyone who reads the same languages.
// TestTranslateOnlyWithoutTheReadersLanguage: a post offers Translate to a signed-in
// reader only when none of its versions is in the reader's language.
func TestTranslateOnlyWithoutTheReadersLanguage(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	chinese := bilingual(32, "zh-Hans")
	chinese.ContentMap = nil
	tests := []struct {
		name string
		note *storage.Note
		want bool
	}{
		{"a Chinese post", chinese, true},
		{"a Chinese post with an English version", bilingual(30, "zh-Hans"), false},
		{"an English post with a Chinese version", bilingual(31, "en"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Page{Instance: "refuge.example", Viewer: localViewer(), Body: &NoteData{Note: tt.note},
				Translatable: func(lang string) bool { return lang != "en" }}
			var buf bytes.Buffer
			if err := r.Render(&buf, "note", p); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(buf.String(), `/translate">Translate</a>`); got != tt.want {
				t.Errorf("Translate offered: %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChooseLanguageOrder(t *testing.T) {
	n := &storage.Note{Language: "fr", ContentMap: map[string]string{"en": "a", "fr": "b", "de": "c", "zh-Hans": "d"}}
	shown, others := chooseLanguage(n, []language.Tag{language.MustParse("zh-CN")})
	if shown != "zh-Hans" || strings.Join(others, " ") != "fr de en" {
		t.Errorf("shown %s, others %v", shown, others)
	}
}

// BenchmarkRenderProfile20Bilingual is BenchmarkRenderProfile20 with every post in two
// languages, read by a zh-CN reader: the cost of choosing each post's language and of its
// switch.
func BenchmarkRenderProfile20Bilingual(b *testing.B) {
	r, err := New()
	if err != nil {
		b.Fatal(err)
	}
	v := variants()[0]
	a := v.actor(2)
	notes := make([]*storage.Note, 20)
	for i := range notes {
		notes[i] = v.note(int64(i+1), a, i%4 == 0)
		notes[i].ContentMap = map[string]string{"en": notes[i].Content, "zh-Hans": "<p>你好，联邦宇宙！</p>"}
	}
	p := newPage(v, localViewer(), &ProfileData{Actor: a, Followers: 10, Following: 20, Posts: 200,
		Fields: a.Fields, Notes: notes, Next: "/@alice?before=1"})
	p.Prefer = ReadingLanguages("", "zh-CN,zh;q=0.9,en;q=0.8", 6)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Render(io.Discard, "profile", p); err != nil {
			b.Fatal(err)
		}
	}
}
