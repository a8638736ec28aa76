package api

import (
	"cmp"
	"html"
	"strings"

	"refuge/storage"
)

// cardContent is the content of a remote Article, Page, Event, Video or Audio as a Status:
// Mastodon's apps show no cards of ours, so, as Mastodon does with such objects, the title
// leads in bold, then when and where, the summary, the text, and a link to the original.
// Every part but the sanitized content is plain text, escaped here.
func cardContent(n *storage.Note) string {
	c := n.Card
	var b strings.Builder
	para := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			b.WriteString("<p>" + html.EscapeString(s) + "</p>")
		}
	}
	if c.Title != "" {
		b.WriteString("<p><strong>" + html.EscapeString(c.Title) + "</strong></p>")
	}
	if !c.Start.IsZero() {
		when := c.Start.UTC().Format("2 Jan 2006, 15:04 UTC")
		if !c.End.IsZero() {
			when += " – " + c.End.UTC().Format("2 Jan 2006, 15:04 UTC")
		}
		para("When: " + when)
	}
	where := c.Place
	if c.Place != "" && c.Address != "" {
		where += ", "
	}
	if where += c.Address; where != "" {
		para("Where: " + where)
	}
	para(c.Summary)
	b.WriteString(n.Content)
	original := cmp.Or(n.URL, n.URI)
	u := html.EscapeString(original)
	b.WriteString(`<p><a href="` + u + `" rel="nofollow noopener noreferrer" target="_blank">` + u + `</a></p>`)
	return b.String()
}
