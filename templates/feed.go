package templates

import (
	"encoding/xml"
	"html"
	"io"
	"strconv"
	"strings"
	"time"

	"refuge/storage"
)

// FeedInfo describes a feed of notes.
type FeedInfo struct {
	Title       string
	Link        string // the HTML page the feed follows
	Self        string // the feed's own URL
	Description string
	Updated     time.Time // when zero, the newest note's date
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Self          *rssSelf  `xml:"atom:link"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Items         []rssItem `xml:"item"`
}

type rssSelf struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Description string  `xml:"description"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	ID          string `xml:",chardata"`
}

// RSS writes notes as an RSS 2.0 feed. Deleted notes are left out. Each item's guid is
// the note's URI (a permalink only when it is also the note's URL) and its description is
// the note's HTML, escaped as RSS wants.
func RSS(w io.Writer, f FeedInfo, notes []*storage.Note) error {
	doc := rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", Channel: rssChannel{
		Title: f.Title, Link: f.Link, Description: cmp(f.Description, f.Title)}}
	if f.Self != "" {
		doc.Channel.Self = &rssSelf{Href: f.Self, Rel: "self", Type: "application/rss+xml"}
	}
	if u := feedUpdated(f, notes); !u.IsZero() {
		doc.Channel.LastBuildDate = u.Format(time.RFC1123Z)
	}
	for _, n := range notes {
		if n.Deleted() {
			continue
		}
		doc.Channel.Items = append(doc.Channel.Items, rssItem{
			Title:       excerpt(n, 80),
			Link:        noteURL(n),
			GUID:        rssGUID{IsPermaLink: n.URI == noteURL(n), ID: n.URI},
			PubDate:     n.Published.Format(time.RFC1123Z),
			Description: feedHTML(n),
		})
	}
	return writeXML(w, doc)
}

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Entries  []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Link      atomLink   `xml:"link"`
	Content   atomText   `xml:"content"`
	Author    atomPerson `xml:"author"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Lang string `xml:"xml:lang,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

// Atom writes notes as an Atom 1.0 feed. Deleted notes are left out. The feed's id is
// Self (or Link); each entry's id is the note's URI.
func Atom(w io.Writer, f FeedInfo, notes []*storage.Note) error {
	doc := atomFeed{ID: cmp(f.Self, f.Link), Title: f.Title, Subtitle: f.Description,
		Updated: rfc3339(feedUpdated(f, notes))}
	if f.Link != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "alternate", Type: "text/html", Href: f.Link})
	}
	if f.Self != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "self", Type: "application/atom+xml", Href: f.Self})
	}
	for _, n := range notes {
		if n.Deleted() {
			continue
		}
		a := actorOr(n.Author)
		updated := n.Updated
		if updated.IsZero() {
			updated = n.Published
		}
		doc.Entries = append(doc.Entries, atomEntry{
			ID:        n.URI,
			Title:     excerpt(n, 80),
			Updated:   rfc3339(updated),
			Published: rfc3339(n.Published),
			Link:      atomLink{Rel: "alternate", Type: "text/html", Href: noteURL(n)},
			Content:   atomText{Type: "html", Lang: n.Language, Body: feedHTML(n)},
			Author:    atomPerson{Name: displayName(a), URI: profileURL(a)},
		})
	}
	return writeXML(w, doc)
}

func writeXML(w io.Writer, doc any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// feedUpdated is the feed's date: the one given, or the newest note's.
func feedUpdated(f FeedInfo, notes []*storage.Note) time.Time {
	if !f.Updated.IsZero() {
		return f.Updated
	}
	var u time.Time
	for _, n := range notes {
		if n.Published.After(u) {
			u = n.Published
		}
	}
	return u
}

// feedHTML is a note as one HTML fragment for a feed reader: the content warning, the
// sanitized content, then the images, video and sound with their descriptions.
func feedHTML(n *storage.Note) string {
	var b strings.Builder
	if n.Summary != "" {
		b.WriteString("<p><strong>CW: " + html.EscapeString(n.Summary) + "</strong></p>")
	}
	b.WriteString(n.Content)
	for _, m := range n.Media {
		u, alt := html.EscapeString(m.URL), html.EscapeString(m.Description)
		size := ""
		if m.Width > 0 && m.Height > 0 {
			size = ` width="` + strconv.Itoa(m.Width) + `" height="` + strconv.Itoa(m.Height) + `"`
		}
		switch {
		case strings.HasPrefix(m.MediaType, "video/"):
			b.WriteString(`<p><video src="` + u + `" controls aria-label="` + alt + `"` + size + `><a href="` + u + `">` + cmp(alt, "Video") + `</a></video></p>`)
		case strings.HasPrefix(m.MediaType, "audio/"):
			b.WriteString(`<p><audio src="` + u + `" controls aria-label="` + alt + `"><a href="` + u + `">` + cmp(alt, "Audio") + `</a></audio></p>`)
		default:
			b.WriteString(`<p><a href="` + u + `"><img src="` + u + `" alt="` + alt + `"` + size + `></a></p>`)
		}
	}
	return b.String()
}

// excerpt is a short plain-text title for a note: its content warning when it has one,
// else the start of its text, cut at max characters.
func excerpt(n *storage.Note, max int) string {
	s := n.Summary
	if n.Card != nil && strings.TrimSpace(n.Card.Title) != "" {
		s = n.Card.Title // an article's or a video's title says what it is
	}
	if strings.TrimSpace(s) == "" {
		s = PlainText(n.Content)
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = strings.TrimSpace(string(r[:max-1])) + "…"
	}
	return s
}

// PlainText turns an HTML fragment into its text: tags dropped, line and paragraph
// breaks kept as newlines, entities decoded. It is not a sanitizer: its result is text
// and must still be escaped wherever it is written (html/template does so).
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '<')
		if i < 0 || i == len(s)-1 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		c := s[1]
		isTag := c == '/' || c == '!' || c == '?' || 'a' <= c|0x20 && c|0x20 <= 'z'
		end := strings.IndexByte(s, '>')
		if !isTag || end < 0 {
			b.WriteByte('<')
			s = s[1:]
			continue
		}
		name := strings.ToLower(strings.TrimLeft(s[1:end], "/"))
		if k := strings.IndexAny(name, " \t\n/"); k >= 0 {
			name = name[:k]
		}
		switch name {
		case "br":
			b.WriteByte('\n')
		case "p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6":
			if s[1] == '/' {
				b.WriteString("\n\n")
			}
		}
		s = s[end+1:]
	}
	t := html.UnescapeString(b.String())
	for strings.Contains(t, "\n\n\n") {
		t = strings.ReplaceAll(t, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(t)
}
