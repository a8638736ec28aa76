package outbox

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"refuge/storage"
)

func TestFormat(t *testing.T) {
	resolve := func(ctx context.Context, user, host string) (*storage.Actor, error) {
		known := map[string]*storage.Actor{
			"bob@":             {URI: "https://me.test/users/bob", URL: "https://me.test/@bob", Username: "bob", Host: "me.test"},
			"carol@other.test": {URI: "https://other.test/u/carol", URL: "https://other.test/@carol", Username: "carol", Host: "other.test"},
		}
		if a, ok := known[user+"@"+host]; ok {
			return a, nil
		}
		return nil, storage.ErrNotFound
	}
	rows := []struct {
		name, in string
		want     []string // substrings of the HTML
		notWant  []string
		tags     []string // Type:Name
	}{
		{"escapes markup", `<script>alert(1)</script> & "x"`, []string{"&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;x&#34;"}, []string{"<script"}, nil},
		{"paragraphs and breaks", "one\ntwo\n\nthree", []string{"<p>one<br>two</p><p>three</p>"}, nil, nil},
		{"link", "see https://example.com/a?b=1&c=2.", []string{`<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer" target="_blank">example.com/a?b=1&amp;c=2</a>.`}, nil, nil},
		{"link in parentheses", "(https://example.com/wiki/Foo_(bar))", []string{`href="https://example.com/wiki/Foo_(bar)"`, `</a>)`}, nil, nil},
		{"javascript is not a link", "javascript:alert(1)", []string{"javascript:alert(1)"}, []string{"<a"}, nil},
		{"local mention", "hi @bob!", []string{`<span class="h-card"><a href="https://me.test/@bob" class="u-url mention">@<span>bob</span></a></span>!`}, nil, []string{"Mention:@bob@me.test"}},
		{"local mention with domain", "hi @bob@me.test", []string{`class="u-url mention"`}, nil, []string{"Mention:@bob@me.test"}},
		{"remote mention", "cc @carol@other.test.", []string{`href="https://other.test/@carol"`, "</span>."}, nil, []string{"Mention:@carol@other.test"}},
		{"unknown mention stays text", "hi @nobody@nowhere.test", []string{"hi @nobody@nowhere.test"}, []string{"<a"}, nil},
		{"email is not a mention", "mail bob@me.test", []string{"mail bob@me.test"}, []string{"<a"}, nil},
		{"hashtag", "love #Go and #日本語", []string{`href="https://me.test/tags/go"`, `#<span>Go</span>`, `href="https://me.test/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E"`}, nil, []string{"Hashtag:#go", "Hashtag:#日本語"}},
		{"number is not a hashtag", "issue #123", []string{"issue #123"}, []string{"<a"}, nil},
		{"anchor in URL is not a hashtag", "https://x.test/#frag", []string{`href="https://x.test/#frag"`}, nil, nil},
		{"repeated tags once", "#a #a @bob @bob", nil, nil, []string{"Hashtag:#a", "Mention:@bob@me.test"}},
		{"right to left", "שלום #עברית", []string{"שלום", "#<span>עברית</span>"}, nil, []string{"Hashtag:#עברית"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			html, tags := Format(context.Background(), row.in, "https://me.test", "me.test", resolve)
			for _, w := range row.want {
				if !strings.Contains(html, w) {
					t.Errorf("HTML lacks %q:\n%s", w, html)
				}
			}
			for _, w := range row.notWant {
				if strings.Contains(html, w) {
					t.Errorf("HTML has %q:\n%s", w, html)
				}
			}
			var got []string
			for _, tag := range tags {
				got = append(got, tag.Type+":"+tag.Name)
			}
			if strings.Join(got, ",") != strings.Join(row.tags, ",") {
				t.Errorf("tags %v, want %v", got, row.tags)
			}
		})
	}
}

// TestFormatHashtagHref checks a hashtag's link: the same URL in the text and in its tag, a
// URI with the name percent-encoded as Mastodon writes it, that leads back to the tag's page.
// Importers of Mastodon's archives pair the two (slurp, GoToSocial's, turns the link whose
// URL equals the tag's href back into a hashtag): a name left raw in one and encoded in the
// other, as a Markdown converter encodes a link, becomes a link to the old server.
func TestFormatHashtagHref(t *testing.T) {
	rows := []struct{ in, name, href string }{
		{"#Go", "go", "https://me.test/tags/go"},
		{"#日本語", "日本語", "https://me.test/tags/%E6%97%A5%E6%9C%AC%E8%AA%9E"},
		{"#园艺", "园艺", "https://me.test/tags/%E5%9B%AD%E8%89%BA"},
		{"#ÉtéFR", "étéfr", "https://me.test/tags/%C3%A9t%C3%A9fr"},
		{"#עברית", "עברית", "https://me.test/tags/%D7%A2%D7%91%D7%A8%D7%99%D7%AA"},
	}
	for _, row := range rows {
		t.Run(row.in, func(t *testing.T) {
			html, tags := Format(context.Background(), "tagged "+row.in, "https://me.test", "me.test", nil)
			if len(tags) != 1 || tags[0].Name != "#"+row.name || tags[0].Href != row.href {
				t.Fatalf("tags %+v, want #%s with href %s", tags, row.name, row.href)
			}
			if !strings.Contains(html, `href="`+row.href+`"`) {
				t.Errorf("the text's link is not the tag's href %s:\n%s", row.href, html)
			}
			u, err := url.Parse(row.href)
			if err != nil || u.Path != "/tags/"+row.name {
				t.Errorf("href %s is path %q (%v), want /tags/%s", row.href, u.Path, err, row.name)
			}
		})
	}
}

func TestValidUsername(t *testing.T) {
	for name, ok := range map[string]bool{"alice": true, "A_1": true, "": false, "a-b": false, "a.b": false,
		"ünï": false, strings.Repeat("a", 30): true, strings.Repeat("a", 31): false} {
		if err := ValidUsername(name); (err == nil) != ok {
			t.Errorf("ValidUsername(%q) = %v", name, err)
		}
	}
}

func TestPasswords(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "correct horsE") || CheckPassword("junk", "x") {
		t.Fatal("password check wrong")
	}
	if h2, _ := HashPassword("correct horse"); h2 == h {
		t.Fatal("no salt")
	}
}

// TestFormatMentionBounds: each account is resolved once, at most MaxMentions of them, and
// never more than MentionLookups at a time.
func TestFormatMentionBounds(t *testing.T) {
	rows := []struct {
		name       string
		text       string
		calls      int
		links      int
		concurrent int // at most
	}{
		{"one account thirty times, in any case", strings.Repeat("@dan@x.test @DAN@X.test ", 15), 1, 30, 1},
		{"sixty accounts: the first fifty", mentionList(60), MaxMentions, MaxMentions, MentionLookups},
		{"ten accounts", mentionList(10), 10, 10, MentionLookups},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var mu sync.Mutex
			calls, inFlight, most := 0, 0, 0
			resolve := func(ctx context.Context, user, host string) (*storage.Actor, error) {
				mu.Lock()
				calls, inFlight = calls+1, inFlight+1
				most = max(most, inFlight)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
				mu.Lock()
				inFlight--
				mu.Unlock()
				return &storage.Actor{URI: "https://" + host + "/u/" + user, Username: user, Host: host}, nil
			}
			html, _ := Format(context.Background(), row.text, "https://me.test", "me.test", resolve)
			if links := strings.Count(html, `class="u-url mention"`); calls != row.calls || links != row.links || most > row.concurrent {
				t.Errorf("%d look-ups (want %d), %d links (want %d), %d at once (at most %d)", calls, row.calls, links, row.links, most, row.concurrent)
			}
		})
	}
}

// mentionList mentions n distinct accounts.
func mentionList(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "@u%d@x.test ", i)
	}
	return b.String()
}

// TestTypedTextRoundTrip: the text read back from Format's HTML formats to the same HTML, so
// that a profile saved before its typed text was kept survives an unchanged save.
func TestTypedTextRoundTrip(t *testing.T) {
	resolve := func(ctx context.Context, user, host string) (*storage.Actor, error) {
		if host == "" {
			host = "me.test"
		}
		return &storage.Actor{URI: "https://" + host + "/users/" + user, URL: "https://" + host + "/@" + user, Username: user, Host: host}, nil
	}
	rows := []string{
		"plain words & <symbols> \"quoted\"",
		"see https://example.com/a/very/long/path/that/is/shortened/when/shown?x=1&y=2 and https://x.test",
		"one\ntwo\n\nthree #Tag",
		"hi @bob and @carol@other.test",
		"(https://example.com/wiki/Foo_(bar))",
	}
	for _, text := range rows {
		t.Run(text, func(t *testing.T) {
			html, _ := Format(context.Background(), text, "https://me.test", "me.test", resolve)
			back := TypedText(html)
			again, _ := Format(context.Background(), back, "https://me.test", "me.test", resolve)
			if again != html {
				t.Errorf("read back as %q:\n%s\n%s", back, html, again)
			}
		})
	}
}
