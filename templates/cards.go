package templates

import (
	"net/url"
	"strings"
	"time"

	"refuge/storage"
)

// cardView is a remote Article, Page, Event, Video or Audio as a post shows it: its title
// as a heading linking to the original, its picture from the remote media cache, an
// event's time and place, its summary, or when its text is long a plain excerpt of it.
type cardView struct {
	Kind       string // what it is, for the reader: "Article", "Event"…
	Title      string
	OriginURL  string
	Image      string // served from here
	Summary    string
	Excerpt    string // the start of a long text, plain
	Link       string // the page a Lemmy post links to
	LinkHost   string
	StartISO   string
	Start, End string
	EndISO     string
	Place      string
	Address    string
}

// maxExcerptChars is how much of a long text a card shows before "Show more": a few lines.
const maxExcerptChars = 280

// cardKinds names each type for the reader.
var cardKinds = map[string]string{"Article": "Article", "Page": "Post", "Event": "Event", "Video": "Video",
	"Audio": "Audio", "Image": "Picture"}

// cardViewOf is n's card, with content the text shown for it; nil when n has none.
func cardViewOf(n *storage.Note, content string) *cardView {
	c := n.Card
	if c == nil {
		return nil
	}
	kind, ok := cardKinds[c.Type]
	if !ok {
		kind = "Post"
	}
	v := &cardView{Kind: kind, Title: c.Title, OriginURL: noteURL(n), Summary: c.Summary,
		Place: c.Place, Address: c.Address, Link: c.Link}
	if c.Image != "" {
		v.Image = servedURL(c.Image, false)
	}
	if u, err := url.Parse(c.Link); err == nil && c.Link != "" {
		v.LinkHost = strings.TrimPrefix(u.Hostname(), "www.")
	}
	if !c.Start.IsZero() {
		v.StartISO, v.Start = iso(c.Start), date(c.Start)
	}
	if !c.End.IsZero() {
		v.EndISO, v.End = iso(c.End), date(c.End)
		if !c.Start.IsZero() && sameDay(c.Start, c.End) {
			v.End = c.End.UTC().Format("15:04 UTC")
		}
	}
	if v.Summary == "" && n.Summary == "" {
		if _, _, long := splitLong(content); long {
			v.Excerpt = shorten(PlainText(content), maxExcerptChars)
		}
	}
	return v
}

// sameDay reports whether a and b fall on one day in UTC, as dates are shown.
func sameDay(a, b time.Time) bool {
	a, b = a.UTC(), b.UTC()
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// shorten is s on one line, cut at a space before max characters with an ellipsis.
func shorten(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := string(r[:max])
	if i := strings.LastIndexByte(cut, ' '); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}
