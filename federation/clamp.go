package federation

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Limits on what is stored of a remote actor or note, applied where a remote document
// becomes a storage struct (actorFromDoc, NoteFromDoc). A document may be 1 MiB, and what
// it says is shown on every page that shows the actor or the post: these keep one of them
// from bloating all of those. Text is cut at a character boundary; HTML is cut between
// tags or inside text, with the elements left open closed, so that it stays well-formed;
// a URL or a tag longer than any real one is dropped, since a cut link is a wrong one.
// Mastodon's hard limits for federated content are looser (display name 2,048 characters,
// bio 20 KB, field 2,047 characters, media description 1,500 to 10,000); ours are what a
// page can show sensibly and still far above what real servers send.
const (
	MaxNameChars      = 200     // an actor's display name
	MaxBioBytes       = 10_000  // an actor's summary, as sanitized HTML
	MaxFieldNameChars = 255     // a profile field's name (Mastodon's local limit)
	MaxFieldBytes     = 2_000   // a profile field's value, as sanitized HTML
	MaxContentBytes   = 100_000 // a note's content and each contentMap value, as sanitized HTML
	MaxWarningChars   = 1_000   // a note's summary (its content warning)
	MaxAltChars       = 1_500   // an attachment's description (Mastodon's local limit)
	MaxTagChars       = 512     // the name of a Mention or Hashtag; longer ones are dropped
	MaxLanguages      = 32      // contentMap entries; the first in order are kept
	MaxURLBytes       = 2_048   // any URL or id; a longer one is dropped (or refused, for ids)
	MaxAliases        = 20      // alsoKnownAs entries kept (Mastodon lets an account set a few)
	MaxUsernameBytes  = 2_048   // preferredUsername (Mastodon's hard limit); an actor past it is refused
	maxLanguageBytes  = 35      // a contentMap key (a BCP 47 tag); longer keys are dropped
	maxTokenBytes     = 255     // a media type or blurhash; longer ones are dropped
)

// clampText cuts plain text to at most max characters.
func clampText(s string, max int) string {
	if len(s) <= max { // bytes ≥ characters
		return s
	}
	i, n := 0, 0
	for i < len(s) && n < max {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return strings.TrimSpace(s[:i])
}

// keepURL is s when it is at most MaxURLBytes long, else "".
func keepURL(s string) string {
	if len(s) > MaxURLBytes {
		return ""
	}
	return s
}

// keepToken is s when it is at most maxTokenBytes long, else "".
func keepToken(s string) string {
	if len(s) > maxTokenBytes {
		return ""
	}
	return s
}

// clampHTML cuts sanitized HTML to at most max bytes, well-formed: whole tags only, text cut
// at a character boundary and never inside an entity, and every element still open closed
// at the end (an end tag that closes nothing open is dropped). HTML within max is returned
// as it is.
func clampHTML(s string, max int) string {
	if len(s) <= max {
		return s
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	var open []string // elements open, innermost last
	closing := 0      // bytes their end tags take
	room := func() int { return max - closing - b.Len() }
tokens:
	for {
		tt := z.Next()
		raw := z.Raw()
		switch tt {
		case html.ErrorToken:
			break tokens
		case html.StartTagToken:
			name, _ := z.TagName()
			if string(name) == "br" {
				if len(raw) > room() {
					break tokens
				}
				b.Write(raw)
				continue
			}
			end := len(name) + 3
			if len(raw)+end > room() {
				break tokens
			}
			b.Write(raw)
			open = append(open, string(name))
			closing += end
		case html.EndTagToken:
			name, _ := z.TagName()
			if n := len(open); n > 0 && open[n-1] == string(name) {
				b.Write(raw) // its room was kept in closing
				open = open[:n-1]
				closing -= len(name) + 3
			}
		case html.SelfClosingTagToken:
			if len(raw) > room() {
				break tokens
			}
			b.Write(raw)
		case html.TextToken:
			if len(raw) <= room() {
				b.Write(raw)
				continue
			}
			b.WriteString(cutEscaped(string(raw), room()))
			break tokens
		}
	}
	for i := len(open) - 1; i >= 0; i-- {
		b.WriteString("</" + open[i] + ">")
	}
	return b.String()
}

// cutEscaped cuts escaped HTML text to at most n bytes, at a character boundary and not
// inside an entity such as &amp;.
func cutEscaped(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	s = s[:n]
	if amp := strings.LastIndexByte(s, '&'); amp >= 0 && !strings.Contains(s[amp:], ";") {
		s = s[:amp]
	}
	return s
}
