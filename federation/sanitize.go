package federation

import (
	"html"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// htmlPolicy keeps the markup Mastodon and its peers put in posts and profiles (paragraphs,
// links, mention and hashtag classes, the invisible/ellipsis spans that shorten links) and
// nothing else. UGCPolicy would drop those classes. A policy is safe for concurrent use once
// built, so it is built once.
var htmlPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "em", "b", "i", "u", "s", "del", "code", "pre",
		"blockquote", "ul", "ol", "li", "span", "a")
	p.AllowAttrs("href").OnElements("a")
	// Only absolute links with a host: "https:0" has an allowed scheme but a browser reads it
	// as a path on our own site. No userinfo: "https://trusted.example@evil.example/" shows
	// one host and leads to another.
	hasHost := func(u *url.URL) bool { return u.Host != "" && u.Opaque == "" && u.User == nil }
	p.AllowURLSchemeWithCustomPolicy("http", hasHost)
	p.AllowURLSchemeWithCustomPolicy("https", hasHost)
	p.RequireParseableURLs(true)
	p.AllowAttrs("class").Matching(classList("mention", "hashtag", "u-url", "h-card", "status-link")).OnElements("a")
	p.AllowAttrs("class").Matching(classList("h-card", "invisible", "ellipsis", "mention", "hashtag", "quote-inline")).OnElements("span")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true) // also adds noopener
	return p
}()

// classList matches a class attribute made only of the given classes.
func classList(classes ...string) *regexp.Regexp {
	alt := strings.Join(classes, "|")
	return regexp.MustCompile(`^(?:` + alt + `)(?:\s+(?:` + alt + `))*$`)
}

// SanitizeHTML makes remote HTML safe to show: an allowlist of formatting elements, http and
// https links opened with rel="nofollow noopener noreferrer" in a new tab, and the classes
// Mastodon uses for mentions and hashtags. Scripts, styles, frames, images, event handlers
// and style attributes are removed.
func SanitizeHTML(s string) string {
	return htmlPolicy.Sanitize(s)
}

var (
	stripPolicy = bluemonday.StrictPolicy()
	breakRe     = regexp.MustCompile(`(?i)<br\s*/?>|</p\s*>\s*<p[^>]*>`)
)

// PlainText strips all markup from html for summaries, titles and feeds, turning line and
// paragraph breaks into newlines. The result is plain text: escape it again to put it in
// HTML.
func PlainText(s string) string {
	s = breakRe.ReplaceAllString(s, "\n")
	return strings.TrimSpace(html.UnescapeString(stripPolicy.Sanitize(s)))
}
