package federation

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"refuge/storage"
)

// cardObject decodes the object a fixture's activity carries: a Create's, or for Lemmy's
// Announce by a community the Create's inside it.
func cardObject(t *testing.T, file string) *Note {
	t.Helper()
	a, err := DecodeActivity(readFixture(t, file))
	if err != nil {
		t.Fatal(err)
	}
	if a.Type == TypeAnnounce {
		if a, err = a.Object.Activity(); err != nil {
			t.Fatal(err)
		}
	}
	n, err := a.Object.Note()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDecodeCards: each kind of object shown as a card, as its server writes it, decoded
// field by field; then as stored.
func TestDecodeCards(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, n *Note, s *storage.Note)
	}{
		{"lemmy_create_page.json", func(t *testing.T, n *Note, s *storage.Note) {
			eq(t, "Type", n.Type, "Page")
			eq(t, "ID", n.ID, "https://lemmy.example/post/4821")
			eq(t, "AttributedTo", n.AttributedTo, "https://lemmy.example/u/rosa")
			eq(t, "Name", n.Name, "Growing tomatoes on a balcony: what worked for us")
			eq(t, "Image", n.Image, "https://lemmy.example/pictrs/image/5d2f1c0a-thumb.jpeg")
			eq(t, "Link", n.Link, "https://blog.example/balcony-tomatoes")
			eq(t, "Attachments", len(n.Attachments), 0) // the link is a page, not media
			eq(t, "Content", strings.Contains(n.Content, "Cherry tomatoes did best"), true)
			eq(t, "Card.Title", s.Card.Title, n.Name)
			eq(t, "Card.Link", s.Card.Link, n.Link)
			eq(t, "Card.Image", s.Card.Image, n.Image)
			eq(t, "Media", len(s.Media), 0)
		}},
		{"writefreely_create_article.json", func(t *testing.T, n *Note, s *storage.Note) {
			eq(t, "Type", n.Type, "Article")
			eq(t, "Name", n.Name, "On slow mornings")
			eq(t, "URL", n.URL, "https://write.example/notebook/on-slow-mornings")
			eq(t, "Content", strings.HasPrefix(n.Content, "<p>There is a kind of morning"), true)
			eq(t, "Image", n.Image, "")
			eq(t, "Card.Title", s.Card.Title, "On slow mornings")
			eq(t, "Card.Type", s.Card.Type, "Article")
			eq(t, "URL stored", s.URL, "https://write.example/notebook/on-slow-mornings")
		}},
		{"peertube_create_video.json", func(t *testing.T, n *Note, s *storage.Note) {
			eq(t, "Type", n.Type, "Video")
			eq(t, "AttributedTo", n.AttributedTo, "https://tube.example/accounts/lena")
			eq(t, "Name", n.Name, "Repairing a bicycle chain in five minutes")
			eq(t, "URL", n.URL, "https://tube.example/w/hT3qY9kLmN2pR4sV")
			eq(t, "Image", n.Image, "https://tube.example/lazy-static/previews/b7e21d.jpg")
			eq(t, "Content", strings.Contains(n.Content, "breaking and joining"), true)
			eq(t, "Attachments", len(n.Attachments), 1)
			eq(t, "Attachments[0]", n.Attachments[0], Attachment{Type: "Video", MediaType: "video/mp4",
				URL: "https://tube.example/static/web-videos/8a1d6c2e-360.mp4", Name: n.Name, Height: 360, Duration: 312})
			eq(t, "Media[0].URL", s.Media[0].URL, n.Attachments[0].URL)
			eq(t, "Media[0].Duration", s.Media[0].Duration, 312.0)
			eq(t, "Card.Image", s.Card.Image, n.Image)
		}},
		{"mobilizon_create_event.json", func(t *testing.T, n *Note, s *storage.Note) {
			eq(t, "Type", n.Type, "Event")
			eq(t, "Name", n.Name, "Repair café at the library")
			eq(t, "StartTime", n.StartTime, time.Date(2026, 7, 11, 12, 0, 0, 0, time.UTC))
			eq(t, "EndTime", n.EndTime, time.Date(2026, 7, 11, 16, 0, 0, 0, time.UTC))
			eq(t, "Location", n.Location, Place{Name: "Stadtbibliothek",
				Address: "Hauptstraße 12, 10827, Berlin, Berlin, Germany"})
			eq(t, "Attachments", len(n.Attachments), 1)
			eq(t, "Attachments[0].URL", n.Attachments[0].URL, "https://mobilizon.example/media/9c1e4b7a.jpg")
			eq(t, "Card.Start", s.Card.Start, n.StartTime)
			eq(t, "Card.End", s.Card.End, n.EndTime)
			eq(t, "Card.Place", s.Card.Place, "Stadtbibliothek")
			eq(t, "Card.Address", s.Card.Address, n.Location.Address)
		}},
		{"funkwhale_create_audio.json", func(t *testing.T, n *Note, s *storage.Note) {
			eq(t, "Type", n.Type, "Audio")
			eq(t, "AttributedTo", n.AttributedTo, "https://music.example/federation/actors/sam")
			eq(t, "Name", n.Name, "Sam Rivers - Harbour Lights")
			eq(t, "URL", n.URL, "https://music.example/library/tracks/381")
			eq(t, "Image", n.Image, "https://music.example/media/attachments/cover-381.jpg")
			eq(t, "Attachments", n.Attachments, []Attachment{{Type: "Audio", MediaType: "audio/mpeg",
				URL:  "https://music.example/api/v1/listen/4d2c8e1a-5b7f-4a90-8c3d-1e6f9b2a7c54/?upload=6e0f2b48-7c1d-4a93-b5e8-2d9a1c7f3e60",
				Name: n.Name, Duration: 214}})
			eq(t, "Media", len(s.Media), 1)
			eq(t, "Card.Title", s.Card.Title, n.Name)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			n := cardObject(t, tt.file)
			author := &storage.Actor{ID: 1, URI: n.AttributedTo, FollowersURI: n.AttributedTo + "/followers"}
			s := NoteFromDoc(n, author, "refuge.example")
			if s.Card == nil {
				t.Fatal("stored without a card")
			}
			tt.check(t, n, s)
		})
	}
}

// TestHostileCards: what a card keeps of a hostile object.
func TestHostileCards(t *testing.T) {
	author := &storage.Actor{ID: 1, URI: "https://evil.example/u/x", FollowersURI: "https://evil.example/u/x/followers"}
	doc := func(extra string) []byte {
		return []byte(`{"type": "Event", "id": "https://evil.example/e/1", "attributedTo": "https://evil.example/u/x",
			"to": ["https://www.w3.org/ns/activitystreams#Public"]` + extra + `}`)
	}
	tests := []struct {
		name  string
		extra string
		check func(t *testing.T, c *storage.Card)
	}{
		{"a title of 100 KB", `, "name": "` + strings.Repeat("A", 100_000) + `"`, func(t *testing.T, c *storage.Card) {
			eq(t, "title length", len(c.Title), MaxTitleChars)
		}},
		{"a title in HTML", `, "name": "<script>alert(1)</script><b>Bold</b>"`, func(t *testing.T, c *storage.Card) {
			eq(t, "Title", c.Title, "Bold")
		}},
		{"javascript: urls", `, "url": "javascript:alert(1)", "image": "javascript:alert(2)",
			"attachment": {"type": "Link", "href": "javascript:alert(3)"}`, func(t *testing.T, c *storage.Card) {
			eq(t, "Image", c.Image, "")
			eq(t, "Link", c.Link, "")
		}},
		{"a location that is a number", `, "location": 42`, func(t *testing.T, c *storage.Card) {
			eq(t, "Place", c.Place, "")
			eq(t, "Address", c.Address, "")
		}},
		{"an address that is a number", `, "location": {"type": "Place", "name": "Hall", "address": 7}`, func(t *testing.T, c *storage.Card) {
			eq(t, "Place", c.Place, "Hall")
			eq(t, "Address", c.Address, "")
		}},
		{"an address as text", `, "location": [{"type": "Place", "name": "Hall", "address": "1 Main St"}]`, func(t *testing.T, c *storage.Card) {
			eq(t, "Address", c.Address, "1 Main St")
		}},
		{"times that are not times", `, "startTime": 5, "endTime": "tomorrow"`, func(t *testing.T, c *storage.Card) {
			eq(t, "Start", c.Start.IsZero(), true)
			eq(t, "End", c.End.IsZero(), true)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := DecodeNote(doc(tt.extra))
			if err != nil {
				t.Fatal(err)
			}
			s := NoteFromDoc(n, author, "refuge.example")
			if s.Card == nil {
				t.Fatal("no card")
			}
			if s.URL != n.ID {
				t.Errorf("URL %q, want the id", s.URL)
			}
			tt.check(t, s.Card)
		})
	}
}

// TestNoCardForNotes: a Note and a Question are shown as posts, and their summary stays
// a content warning.
func TestNoCardForNotes(t *testing.T) {
	author := &storage.Actor{ID: 1, URI: "https://remote.example/u/a"}
	for _, typ := range []string{TypeNote, TypeQuestion} {
		n := &Note{ID: "https://remote.example/n/1", Type: typ, AttributedTo: author.URI, Name: "x", Summary: "cw"}
		if s := NoteFromDoc(n, author, "refuge.example"); s.Card != nil || s.Summary != "cw" {
			t.Errorf("%s: card %+v, summary %q", typ, s.Card, s.Summary)
		}
	}
}

// TestPlayableLink: which of a video's files plays here.
func TestPlayableLink(t *testing.T) {
	mp4 := func(height int, size string) string {
		return fmt.Sprintf(`{"type": "Link", "mediaType": "video/mp4", "href": "https://tube.example/%d.mp4", "height": %d, "size": %s}`,
			height, height, size)
	}
	tests := []struct {
		name, url string
		want      string // "" for none
	}{
		{"the tallest up to 720 lines", `[` + mp4(1080, "null") + `,` + mp4(480, "null") + `,` + mp4(720, "null") + `]`, "https://tube.example/720.mp4"},
		{"the least tall over 720", `[` + mp4(2160, "1") + `,` + mp4(1080, "1") + `]`, "https://tube.example/1080.mp4"},
		{"one the cache keeps before a sharper one", `[` + mp4(720, "50000000") + `,` + mp4(480, "30000000") + `,` + mp4(240, "9000000") + `]`,
			"https://tube.example/480.mp4"},
		{"too large for the cache: still the best there is", `[` + mp4(720, "50000000") + `,` + mp4(1080, "90000000") + `]`,
			"https://tube.example/720.mp4"},
		{"a lone link", mp4(360, `"12"`), "https://tube.example/360.mp4"},
		{"audio: the first", `[{"mediaType": "audio/ogg", "href": "https://m.example/a.ogg"}, {"mediaType": "audio/mpeg", "href": "https://m.example/a.mp3"}]`,
			"https://m.example/a.ogg"},
		{"no file, only a stream and a page", `[{"mediaType": "application/x-mpegURL", "href": "https://t.example/m.m3u8"}, {"mediaType": "text/html", "href": "https://t.example/w/1"}]`, ""},
		{"not http", `{"mediaType": "video/mp4", "href": "javascript:alert(1)"}`, ""},
		{"a number", `42`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := playableLink(json.RawMessage(tt.url))
			if a.URL != tt.want || ok != (tt.want != "") {
				t.Errorf("%q %v, want %q", a.URL, ok, tt.want)
			}
		})
	}
}
