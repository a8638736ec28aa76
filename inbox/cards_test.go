package inbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"refuge/federation"
	"refuge/inbox/mediacache"
	"refuge/storage"
)

// TestCreateCards: each kind of object shown as a card, as its server sends it (the
// federation package's fixtures), is stored from a Create by a followed remote author: it
// reaches the follower's home feed with its card, the picture is queued for the remote
// media cache, and a video's or a track's file is an attachment.
func TestCreateCards(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	rows := []struct {
		fixture string
		title   string
		media   []string // the media types of its attachments
		check   func(t *testing.T, c *storage.Card)
	}{
		{"lemmy_create_page.json", "Growing tomatoes on a balcony: what worked for us", nil, func(t *testing.T, c *storage.Card) {
			if c.Link != "https://blog.example/balcony-tomatoes" {
				t.Errorf("link %q", c.Link)
			}
		}},
		{"writefreely_create_article.json", "On slow mornings", nil, nil},
		{"peertube_create_video.json", "Repairing a bicycle chain in five minutes", []string{"video/mp4"}, nil},
		{"mobilizon_create_event.json", "Repair café at the library", []string{"image/jpeg"}, func(t *testing.T, c *storage.Card) {
			if !c.Start.Equal(time.Date(2026, 7, 11, 12, 0, 0, 0, time.UTC)) || c.Place != "Stadtbibliothek" ||
				c.Address != "Hauptstraße 12, 10827, Berlin, Berlin, Germany" {
				t.Errorf("event card %+v", c)
			}
		}},
		{"funkwhale_create_audio.json", "Sam Rivers - Harbour Lights", []string{"audio/mpeg"}, nil},
	}
	for _, row := range rows {
		t.Run(row.fixture, func(t *testing.T) {
			object := cardFixtureObject(t, row.fixture)
			doc, err := federation.DecodeNote(object)
			if err != nil {
				t.Fatal(err)
			}
			author := r.remoteAt(doc.AttributedTo)
			r.follow(alice, author, true)
			body, err := json.Marshal(map[string]any{"id": doc.ID + "#create", "type": "Create", "actor": author.URI,
				"to": doc.To, "cc": doc.Cc, "object": object})
			if err != nil {
				t.Fatal(err)
			}
			act, err := federation.DecodeActivity(body)
			if err != nil {
				t.Fatal(err)
			}
			if res, err := handlers[federation.TypeCreate](r.in, r.ctx, author, act); res != Stored || err != nil {
				t.Fatalf("Create of a %s: %q, %v", doc.Type, res, err)
			}
			n, err := r.db.GetNoteByURI(r.ctx, doc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n.Card == nil || n.Card.Type != doc.Type || n.Card.Title != row.title {
				t.Fatalf("card %+v, want a %s titled %q", n.Card, doc.Type, row.title)
			}
			if !slices.Contains(r.feed(alice), n.URI) {
				t.Error("not in the follower's home feed")
			}
			var media []string
			for _, m := range n.Media {
				media = append(media, m.MediaType)
			}
			if !slices.Equal(media, row.media) {
				t.Errorf("media %v, want %v", media, row.media)
			}
			if n.Card.Image != "" {
				if _, err := r.db.GetRemoteMedia(r.ctx, storage.MediaKey(n.Card.Image)); err != nil {
					t.Errorf("card picture not queued for the cache: %v", err)
				}
			}
			if row.check != nil {
				row.check(t, n.Card)
			}
		})
	}
}

// cardFixtureObject is the object of the activity in the federation package's fixture: a
// Create's, or for Lemmy's Announce by a community, the Create's inside it.
func cardFixtureObject(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "federation", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var act struct {
		Type   string
		Object json.RawMessage
	}
	for {
		if err := json.Unmarshal(b, &act); err != nil {
			t.Fatal(err)
		}
		if act.Type != federation.TypeAnnounce {
			return act.Object
		}
		b = act.Object
	}
}

// TestPlayableFitsTheCache: the file of a video preferred by its size is one the remote
// media cache keeps.
func TestPlayableFitsTheCache(t *testing.T) {
	if federation.MaxPlayableBytes != mediacache.DefaultMaxFileBytes {
		t.Errorf("federation.MaxPlayableBytes %d, the cache keeps files up to %d", federation.MaxPlayableBytes,
			mediacache.DefaultMaxFileBytes)
	}
}
