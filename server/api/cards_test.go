package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/storage"
)

// TestCardStatus: a remote event and video, served as Statuses, lead with their title in
// bold, say when and where, keep their text and link the original, all escaped; the
// video's file is a media attachment.
func TestCardStatus(t *testing.T) {
	ctx := context.Background()
	in := testrig.Start(t)
	tok, _ := in.Account("reader", false)
	db := in.App.DB()
	author := &storage.Actor{URI: "https://events.example/@hanna", Type: "Person", Username: "hanna", Host: "events.example",
		Inbox: "https://events.example/@hanna/inbox", KeyID: "https://events.example/@hanna#main-key"}
	event := &storage.Note{URI: "https://events.example/events/1", URL: "https://events.example/events/1?x=1&y=2",
		Content: "<p>Bring a broken lamp.</p>", Visibility: storage.Public, Published: time.Now(),
		Card: &storage.Card{Type: "Event", Title: `Repair café <b>&</b> tea`, Image: "https://events.example/banner.jpg",
			Start: time.Date(2026, 7, 11, 12, 0, 0, 0, time.UTC), End: time.Date(2026, 7, 11, 16, 0, 0, 0, time.UTC),
			Place: "Stadtbibliothek", Address: "Hauptstraße 12, Berlin"}}
	video := &storage.Note{URI: "https://events.example/videos/2", URL: "https://events.example/w/2",
		Content: "<p>A chain.</p>", Visibility: storage.Public, Published: time.Now(),
		Card:  &storage.Card{Type: "Video", Title: "Repairing a chain"},
		Media: []storage.Media{{URL: "https://events.example/2-720.mp4", MediaType: "video/mp4", Duration: 312}}}
	err := db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.PutRemoteActor(ctx, author); err != nil {
			return err
		}
		for _, n := range []*storage.Note{event, video} {
			n.ActorID = author.ID
			if err := tx.CreateNote(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name  string
		note  *storage.Note
		want  []string
		media string
	}{
		{"an event", event, []string{
			`<p><strong>Repair café &lt;b&gt;&amp;&lt;/b&gt; tea</strong></p>`,
			`<p>When: 11 Jul 2026, 12:00 UTC – 11 Jul 2026, 16:00 UTC</p>`,
			`<p>Where: Stadtbibliothek, Hauptstraße 12, Berlin</p>`, `<p>Bring a broken lamp.</p>`,
			`<a href="https://events.example/events/1?x=1&amp;y=2" rel="nofollow noopener noreferrer" target="_blank">`}, ""},
		{"a video", video, []string{`<p><strong>Repairing a chain</strong></p><p>A chain.</p><p><a href="https://events.example/w/2"`}, "video"},
	}
	status, list, _ := get(t, in, "/api/v1/timelines/public", tok)
	if status != http.StatusOK {
		t.Fatalf("public timeline: %d %v", status, list)
	}
	byURI := map[string]map[string]any{}
	for _, v := range statusesIn(list) {
		s := v.(map[string]any)
		byURI[s["uri"].(string)] = s
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			s := byURI[row.note.URI]
			if s == nil {
				t.Fatalf("%s not in the public timeline", row.note.URI)
			}
			content, _ := s["content"].(string)
			for _, w := range row.want {
				if !strings.Contains(content, w) {
					t.Errorf("content lacks %s: %s", w, content)
				}
			}
			media, _ := s["media_attachments"].([]any)
			if row.media == "" && len(media) != 0 || row.media != "" && (len(media) != 1 || media[0].(map[string]any)["type"] != row.media) {
				t.Errorf("media_attachments %v, want %q", media, row.media)
			}
		})
	}
}
