package templates

import (
	"bytes"
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

// The "In reply to" line names the parent's author as the byline does: the custom emoji of
// its name shown as pictures, another server's from the cache and this instance's own (a
// local account's) from here, never as the raw :shortcode:.
func TestReplyToEmoji(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	remote := &storage.Actor{ID: 3, URI: "https://remote.example/users/rita", Username: "rita", Host: "remote.example",
		Name: "Rita :blobcat:", Emojis: []storage.Tag{{Type: storage.TagEmoji, Name: ":blobcat:", Href: "https://remote.example/blobcat.png"}}}
	local := &storage.Actor{ID: 4, URI: "https://refuge.example/users/lou", Local: true, Username: "lou", Host: "refuge.example",
		Name: "Lou :party:", Emojis: []storage.Tag{{Type: storage.TagEmoji, Name: ":party:", Href: "https://refuge.example/media/party.png"}}}
	for _, c := range []struct {
		author *storage.Actor
		want   string
	}{
		{remote, `In reply to <a href="/notes/7" dir="auto">Rita <img class="emoji" src="` + servedURL("https://remote.example/blobcat.png", false) +
			`" alt=":blobcat:"`},
		{local, `In reply to <a href="/notes/7" dir="auto">Lou <img class="emoji" src="https://refuge.example/media/party.png" alt=":party:"`},
	} {
		reply := &storage.Note{ID: 8, URI: "https://refuge.example/users/me/statuses/8", Author: localViewer(), Local: true,
			Content: "<p>yes</p>", Visibility: storage.Public, InReplyToURI: "https://elsewhere.example/parent"}
		p := &Page{Title: "Reply", Instance: "refuge.example", Body: &NoteData{Note: reply},
			Parents: map[string]storage.ReplyParent{reply.InReplyToURI: {ID: 7, Author: c.author}}}
		var buf bytes.Buffer
		if err := r.Render(&buf, "note", p); err != nil {
			t.Fatal(err)
		}
		if out := buf.String(); !strings.Contains(out, c.want) {
			t.Errorf("%s: the reply's page lacks\n%s\nin\n%s", c.author.Name, c.want, out)
		}
	}
}

// A local account's name and bio show its custom emoji, which are this instance's own, from
// here; another server's account's from the cache.
func TestProfileEmoji(t *testing.T) {
	tag := func(href string) []storage.Tag {
		return []storage.Tag{{Type: storage.TagEmoji, Name: ":party:", Href: href}}
	}
	local := &storage.Actor{URI: "https://refuge.example/users/lou", Local: true, Name: "Lou :party:", Emojis: tag("https://refuge.example/media/party.png")}
	remote := &storage.Actor{URI: "https://remote.example/users/rita", Name: "Rita :party:", Emojis: tag("https://remote.example/party.png")}
	for _, c := range []struct {
		a   *storage.Actor
		src string
	}{{local, "https://refuge.example/media/party.png"}, {remote, servedURL("https://remote.example/party.png", false)}} {
		img := `<img class="emoji" src="` + c.src + `" alt=":party:"`
		if got := string(emojiName(c.a)); !strings.Contains(got, img) {
			t.Errorf("emojiName(%s) = %s, want %s", c.a.Name, got, img)
		}
		if got := string(emojiText("a :party: bio", c.a)); !strings.Contains(got, img) {
			t.Errorf("emojiText for %s = %s, want %s", c.a.Name, got, img)
		}
	}
}
