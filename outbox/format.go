package outbox

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// MentionResolver finds the actor behind @user (host "" for this instance) or @user@host.
// A mention it cannot resolve is left as plain text, as Mastodon does.
type MentionResolver func(ctx context.Context, user, host string) (*storage.Actor, error)

// Bounds on resolving the mentions of one text, so that a post naming hundreds of accounts
// on hosts that never answer is still answered within seconds. Mentions past the cap stay
// plain text rather than refusing the post: it is what the person wrote, and a mention that
// cannot be resolved has always stayed text. Nobody is notified or delivered to through
// them, so the cap also bounds what one post can send.
const (
	MaxMentions     = 50               // distinct accounts resolved (and linked) in one text
	MentionLookups  = 8                // resolved at once
	MentionDeadline = 10 * time.Second // for all the mentions of a text together
)

// token finds the three things plain text can link: URLs, @mentions and #hashtags.
var token = regexp.MustCompile(`https?://[^\s<>"]+|@[A-Za-z0-9_]+(?:@[A-Za-z0-9.\-]+(?::[0-9]+)?)?|#[\p{L}\p{N}_]+`)

// Format turns what a person typed into the HTML a note carries, and the Mention and Hashtag
// tags that go with it. Everything typed is escaped; only the links it makes are markup.
// base is this instance's URL prefix (for tag links); localHost its domain, so that a
// mention of @name@localHost is recognised as local. The first MaxMentions accounts
// mentioned are resolved, each once, MentionLookups at a time, within MentionDeadline.
func Format(ctx context.Context, text, base, localHost string, resolve MentionResolver) (string, []storage.Tag) {
	local := uris.New(base)
	paragraphs := splitParagraphs(text)
	found := resolveMentions(ctx, paragraphs, localHost, resolve)
	var b strings.Builder
	var tags []storage.Tag
	seen := map[string]bool{}
	for _, para := range paragraphs {
		b.WriteString("<p>")
		lines := strings.Split(para, "\n")
		for i, line := range lines {
			if i > 0 {
				b.WriteString("<br>")
			}
			last := 0
			for _, m := range token.FindAllStringIndex(line, -1) {
				start, end := m[0], m[1]
				if start < last || !boundaryBefore(line, start) {
					continue
				}
				word := line[start:end]
				var out string
				var tag *storage.Tag
				switch word[0] {
				case 'h':
					word = trimURL(word)
					if storage.HostOf(word) == "" {
						continue // a link whose host a browser reads otherwise than it shows stays text
					}
					out = `<a href="` + html.EscapeString(word) + `" rel="nofollow noopener noreferrer" target="_blank">` +
						html.EscapeString(displayURL(word)) + `</a>`
				case '@':
					word = strings.TrimRight(word, ".-:")
					out, tag = mention(found[mentionOf(word, localHost)])
				case '#':
					out, tag = hashtag(word, local)
				}
				if out == "" {
					continue
				}
				end = start + len(word)
				b.WriteString(html.EscapeString(line[last:start]))
				b.WriteString(out)
				last = end
				if tag != nil && !seen[tag.Type+tag.Href] {
					seen[tag.Type+tag.Href] = true
					tags = append(tags, *tag)
				}
			}
			b.WriteString(html.EscapeString(line[last:]))
		}
		b.WriteString("</p>")
	}
	return b.String(), tags
}

// handle is an account a text mentions: its name in lower case (names are unique regardless
// of case) and its host, "" for this instance.
type handle struct{ user, host string }

// mentionOf is the account a mention word (@user or @user@host) names.
func mentionOf(word, localHost string) handle {
	user, host, _ := strings.Cut(word[1:], "@")
	if strings.EqualFold(host, localHost) {
		host = ""
	}
	return handle{strings.ToLower(user), strings.ToLower(host)}
}

// resolveMentions resolves the first MaxMentions accounts the paragraphs mention, each once,
// MentionLookups at a time, and all within MentionDeadline; what is not resolved by then
// is missing from the result.
func resolveMentions(ctx context.Context, paragraphs []string, localHost string, resolve MentionResolver) map[handle]*storage.Actor {
	if resolve == nil {
		return nil
	}
	var wanted []handle
	var typed []string // the name as first written, for servers that mind its case
	seen := map[handle]bool{}
	for _, para := range paragraphs {
		for _, line := range strings.Split(para, "\n") {
			for _, m := range token.FindAllStringIndex(line, -1) {
				if line[m[0]] != '@' || !boundaryBefore(line, m[0]) {
					continue
				}
				word := strings.TrimRight(line[m[0]:m[1]], ".-:")
				h := mentionOf(word, localHost)
				if !seen[h] && len(wanted) < MaxMentions {
					seen[h] = true
					wanted = append(wanted, h)
					user, _, _ := strings.Cut(word[1:], "@")
					typed = append(typed, user)
				}
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, MentionDeadline)
	defer cancel()
	actors := make([]*storage.Actor, len(wanted))
	slots := make(chan struct{}, MentionLookups)
	var wg sync.WaitGroup
	for i, h := range wanted {
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-slots }()
			if a, err := resolve(ctx, typed[i], h.host); err == nil {
				actors[i] = a
			}
		})
	}
	wg.Wait()
	found := make(map[handle]*storage.Actor, len(wanted))
	for i, h := range wanted {
		if actors[i] != nil {
			found[h] = actors[i]
		}
	}
	return found
}

func splitParagraphs(text string) []string {
	text = strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.Trim(p, "\n"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// boundaryBefore reports whether a token may start at i: at the start of a line or after a
// character that cannot be part of a word, so that "a@b" and "x#y" stay text.
func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '@' || r == '#' || r == '/' || r == '&')
}

// trimURL drops punctuation that ends a sentence rather than the URL, keeping a closing
// parenthesis that has its opening one inside the URL.
func trimURL(u string) string {
	for len(u) > 0 {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?'\"", last) >= 0:
			u = u[:len(u)-1]
		case last == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
			u = u[:len(u)-1]
		default:
			return u
		}
	}
	return u
}

func displayURL(u string) string {
	d := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if utf8.RuneCountInString(d) > 40 {
		d = string([]rune(d)[:39]) + "…"
	}
	return d
}

// mention is the link and the Mention tag for a resolved account; nothing for nil.
func mention(a *storage.Actor) (string, *storage.Tag) {
	if a == nil {
		return "", nil
	}
	href := a.URL
	if !storage.SameHost(href, a.URI) {
		href = a.URI // an actor stored before its url was checked: link what it is, not what it says
	}
	out := `<span class="h-card"><a href="` + html.EscapeString(href) + `" class="u-url mention">@<span>` +
		html.EscapeString(a.Username) + `</span></a></span>`
	return out, &storage.Tag{Type: federation.TypeMention, Name: "@" + a.Username + "@" + a.Host, Href: a.URI}
}

func hashtag(word string, local uris.Local) (string, *storage.Tag) {
	name := word[1:]
	if strings.TrimFunc(name, unicode.IsDigit) == "" || utf8.RuneCountInString(name) > 100 {
		return "", nil
	}
	// The name percent-encoded, as Mastodon writes it: importers of its archives (slurp, for
	// GoToSocial) match the text's link with the tag's href once the text is Markdown, whose
	// converters encode a raw name.
	href := local.Tag(url.PathEscape(strings.ToLower(name)))
	out := `<a href="` + html.EscapeString(href) + `" class="mention hashtag" rel="tag">#<span>` +
		html.EscapeString(name) + `</span></a>`
	return out, &storage.Tag{Type: federation.TypeHashtag, Name: "#" + strings.ToLower(name), Href: href}
}
