package templates

import (
	"strings"
	"testing"

	"refuge/storage"
)

func TestEmojify(t *testing.T) {
	tags := []storage.Tag{{Type: storage.TagEmoji, Name: ":cat:", Href: "https://x.example/cat.png"},
		{Type: storage.TagEmoji, Name: ":dog@y.example:", Href: "https://y.example/dog.png"},
		{Type: "Hashtag", Name: ":tag:", Href: "https://x.example/tags/tag"}}
	img := func(code, url string) string {
		return `<img class="emoji" src="` + servedURL(url, false) + `" alt="` + code + `" title="` + code + `" width="20" height="20" loading="lazy">`
	}
	cat, dog := img(":cat:", "https://x.example/cat.png"), img(":dog@y.example:", "https://y.example/dog.png")
	for _, c := range []struct{ in, want string }{
		{"<p>a :cat: b</p>", "<p>a " + cat + " b</p>"},
		{"<p>:cat::cat:</p>", "<p>" + cat + cat + "</p>"},
		{"<p>12:30:cat: and :dog@y.example:</p>", "<p>12:30" + cat + " and " + dog + "</p>"},
		{`<a href="https://x.example/:cat:">:cat:</a>`, `<a href="https://x.example/:cat:">` + cat + `</a>`},
		{"<p>:tag: and :nope:</p>", "<p>:tag: and :nope:</p>"},
		{"<p>unclosed <b", "<p>unclosed <b"},
		{"no colon", "no colon"},
	} {
		if got := string(emojify(c.in, tags, "")); got != c.want {
			t.Errorf("emojify(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
	if got := emojiName(&storage.Actor{Name: "<b>Eve</b> :cat:", Emojis: tags}); !strings.HasPrefix(string(got), "&lt;b&gt;Eve&lt;/b&gt; <img") {
		t.Errorf("a name is escaped before its emoji: %q", got)
	}
}
