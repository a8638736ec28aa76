package federation

import (
	"testing"
	"unicode/utf8"

	"refuge/internal/testrig/testhtml"
)

func TestClampHTML(t *testing.T) {
	rows := []struct {
		name, in string
		max      int
		want     string
	}{
		{"within the limit, untouched (even unbalanced)", "<p>a<b>b", 100, "<p>a<b>b"},
		{"text cut, the open elements closed", "<p><strong>hello world</strong></p>", 30, "<p><strong>hello </strong></p>"},
		{"a tag that does not fit is left out", "<p>ab<em>cd</em></p>", 14, "<p>ab</p>"},
		{"cut at a character boundary", "<p>日本語</p>", 12, "<p>日</p>"},
		{"never inside an entity", "<p>a &amp; b</p>", 12, "<p>a </p>"},
		{"a stray end tag is dropped", "<p>a</b>bcdefghijklmnop</p>", 12, "<p>abcde</p>"},
		{"br takes no end tag", "<p>a<br>bcdefghij</p>", 16, "<p>a<br>bcde</p>"},
		{"no room at all", "<p>abc</p>", 3, ""},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			got := clampHTML(r.in, r.max)
			if got != r.want {
				t.Errorf("clampHTML(%q, %d) = %q, want %q", r.in, r.max, got, r.want)
			}
			if len(got) > r.max {
				t.Errorf("%d bytes, over %d", len(got), r.max)
			}
		})
	}
}

func TestClampText(t *testing.T) {
	rows := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"日本語の名前", 3, "日本語"},
		{"abc def", 4, "abc"},
	}
	for _, r := range rows {
		if got := clampText(r.in, r.max); got != r.want {
			t.Errorf("clampText(%q, %d) = %q, want %q", r.in, r.max, got, r.want)
		}
	}
}

// FuzzClampHTML: whatever a peer sends, the stored HTML is sanitized, within its limit, valid
// text, and well-formed when it had to be cut.
func FuzzClampHTML(f *testing.F) {
	f.Add(`<p>Hello <a href="https://x.example/@a" class="u-url mention">@<span>a</span></a> &amp; 日本</p>`, 40)
	f.Add(`<ul><li>one<li>two</ul><blockquote><p>q</blockquote>`, 20)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<16 || !utf8.ValidString(s) { // documents are valid UTF-8, checked first
			return
		}
		safe := SanitizeHTML(s)
		out := clampHTML(safe, max)
		checkInert(t, out)
		if out == safe {
			return
		}
		if len(out) > max || !utf8.ValidString(out) {
			t.Fatalf("%d bytes (valid: %v), over %d: %q", len(out), utf8.ValidString(out), max, out)
		}
		if why := testhtml.WellFormed(out); why != "" {
			t.Fatalf("%s: %q from %q", why, out, safe)
		}
	})
}
