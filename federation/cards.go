package federation

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"refuge/storage"
)

// Other servers' objects that are not notes (a Lemmy post is a Page, a WriteFreely post an
// Article, a PeerTube video a Video, a Mobilizon event an Event, a Funkwhale track an
// Audio) are stored as notes too, so that they reach timelines, with a card: what a page
// shows of them (a title, a summary, a picture, when and where), the rest being the note's
// content and attachments as for any post. Mastodon shows them the same way: the name as a
// title and a link to the original.

// TypePlace is where an Event happens.
const TypePlace = "Place"

// Limits on a card as stored: a title as long as a long headline, a summary a few
// paragraphs, a place's name and address a few lines.
const (
	MaxTitleChars       = 500
	MaxCardSummaryChars = 2_000
	MaxPlaceChars       = 500
)

// HasCard reports whether objects of type typ are shown as a card: every type stored as
// a note but a Note and a Question (a poll).
func HasCard(typ string) bool {
	return NoteTypes[typ] && typ != TypeNote && typ != TypeQuestion
}

// readCard reads what a card needs from w into n, after the attachments: the first image,
// an Event's times and place; a Link attachment that is a web page becomes n.Link rather
// than media (no page is a picture); a Video's or an Audio's playable file, from its url
// list, becomes its first attachment.
func (n *Note) readCard(w *wireDoc) {
	n.Image = imageURL(w.Image)
	if n.Image == "" {
		n.Image = widestImage(w.Icon)
	}
	if HasCard(n.Type) { // a Question's endTime is when its poll ends
		n.StartTime, n.EndTime = timeOf(w.StartTime), timeOf(w.EndTime)
		n.Location = placeOf(w.Location)
	}
	media := n.Attachments[:0]
	for _, a := range n.Attachments {
		if a.Type == TypeLink && !playableType(a.MediaType) && !strings.HasPrefix(a.MediaType, "image/") {
			if n.Link == "" {
				n.Link = a.URL
			}
			continue
		}
		media = append(media, a)
	}
	n.Attachments = media
	if n.Type == TypeVideo || n.Type == TypeAudio {
		if a, ok := playableLink(w.URL); ok {
			a.Type, a.Name, a.Duration = n.Type, text(w.Name), durationOf(w.Duration)
			n.Attachments = append([]Attachment{a}, n.Attachments...)
		}
	}
}

// playableType reports whether a file of mediaType plays in a page's video or audio
// element.
func playableType(mediaType string) bool {
	return strings.HasPrefix(mediaType, "video/") || strings.HasPrefix(mediaType, "audio/")
}

// maxPlayableHeight is the height of the file preferred among a video's: PeerTube lists
// one per resolution, and 720 lines is sharp on a page without costing a reader gigabytes.
const maxPlayableHeight = 720

// MaxPlayableBytes is the largest file preferred among a video's, where its size is
// given: the remote media cache keeps no larger one (mediacache.DefaultMaxFileBytes, which
// a test holds equal), so a smaller resolution that it keeps plays where a sharper one
// would not.
const MaxPlayableBytes = 40 << 20

// playableLink picks from a url list (PeerTube's, Funkwhale's: Links with a mediaType and
// an href) the file to play: the first audio, or the tallest video not over
// maxPlayableHeight (else the least tall), among those not over MaxPlayableBytes when any
// is. Streams (PeerTube's HLS playlist, with its fragments nested in its tag), torrents
// and pages are not files a page plays.
func playableLink(raw json.RawMessage) (Attachment, bool) {
	list, err := elements(raw, maxTags, "links")
	if err != nil {
		return Attachment{}, false
	}
	var best Attachment
	bestFits, found := false, false
	for _, e := range list {
		var l struct{ MediaType, Href, Width, Height, Size json.RawMessage }
		if json.Unmarshal(e, &l) != nil {
			continue
		}
		a := Attachment{MediaType: text(l.MediaType), URL: text(l.Href), Width: intOf(l.Width), Height: intOf(l.Height)}
		if !playableType(a.MediaType) || httpURL(a.URL) == "" {
			continue
		}
		fits := true // a size not given, or unreadable, says nothing
		if s := strings.Trim(string(bytes.TrimSpace(l.Size)), `"`); s != "" && s != "null" {
			f, err := strconv.ParseFloat(s, 64)
			fits = err != nil || f <= MaxPlayableBytes
		}
		switch {
		case !found:
			best, bestFits, found = a, fits, true
		case strings.HasPrefix(best.MediaType, "audio/"):
			// the first audio file is as good as any other
		case fits != bestFits:
			if fits {
				best, bestFits = a, fits
			}
		case taller(a.Height, best.Height):
			best = a
		}
	}
	return best, found
}

// taller reports whether a video h lines tall is better than one of best lines: the
// tallest up to maxPlayableHeight, else the least tall over it.
func taller(h, best int) bool {
	if h <= maxPlayableHeight {
		return best > maxPlayableHeight || h > best
	}
	return best > maxPlayableHeight && h < best
}

// widestImage reads icon as imageURL does, but from a list takes the widest picture:
// PeerTube gives a small thumbnail first and the preview a card wants after it.
func widestImage(raw json.RawMessage) string {
	list, err := elements(raw, maxTags, "icons")
	if err != nil || len(list) < 2 {
		return imageURL(raw)
	}
	url, width := "", -1
	for _, e := range list {
		var o struct{ Width json.RawMessage }
		_ = json.Unmarshal(e, &o) // a bare URL has no width
		if u := hrefOf(e); u != "" && intOf(o.Width) > width {
			url, width = u, intOf(o.Width)
		}
	}
	return url
}

// placeOf reads an Event's location: a Place with a name and an address, which is text or
// a schema.org PostalAddress (Mobilizon's), written out on one line; a list's first
// place. Anything else (a number, a bare link) is no place.
func placeOf(raw json.RawMessage) Place {
	list, err := elements(raw, maxTags, "locations")
	if err != nil || len(list) == 0 {
		return Place{}
	}
	var p struct{ Name, Address json.RawMessage }
	if json.Unmarshal(list[0], &p) != nil {
		return Place{}
	}
	place := Place{Name: text(p.Name), Address: text(p.Address)}
	var a struct {
		StreetAddress, PostalCode, AddressLocality, AddressRegion, AddressCountry json.RawMessage
	}
	if place.Address == "" && json.Unmarshal(p.Address, &a) == nil {
		var parts []string
		for _, f := range []json.RawMessage{a.StreetAddress, a.PostalCode, a.AddressLocality, a.AddressRegion, a.AddressCountry} {
			if s := strings.TrimSpace(text(f)); s != "" {
				parts = append(parts, s)
			}
		}
		place.Address = strings.Join(parts, ", ")
	}
	return place
}

// cardFromDoc is the card of a remote object shown as one, as stored: plain text clamped,
// only an http(s) picture and link kept; nil for a Note or a Question.
func cardFromDoc(doc *Note) *storage.Card {
	if !HasCard(doc.Type) {
		return nil
	}
	return &storage.Card{
		Type:    doc.Type,
		Title:   clampText(strings.TrimSpace(PlainText(doc.Name)), MaxTitleChars),
		Summary: clampText(strings.TrimSpace(PlainText(doc.Summary)), MaxCardSummaryChars),
		Image:   keepURL(httpURL(doc.Image)),
		Link:    keepURL(httpURL(doc.Link)),
		Start:   doc.StartTime, End: doc.EndTime,
		Place:   clampText(strings.TrimSpace(PlainText(doc.Location.Name)), MaxPlaceChars),
		Address: clampText(strings.TrimSpace(PlainText(doc.Location.Address)), MaxPlaceChars),
	}
}
