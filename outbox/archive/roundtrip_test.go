package archive_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"refuge/outbox/archive"
	"refuge/storage"
)

// TestArchiveRoundTrip exports alice's account from A and imports it into zoe's on B (the
// instance of carol, whom alice answered): every post comes back with its date, text,
// warning, language (and its other languages), visibility and media, its thread mapped onto zoe's posts, and the
// reply to carol still linking to carol's post. Importing the export again adds nothing.
var linkAttrs = regexp.MustCompile(` (rel|target)="[^"]*"`)

func TestArchiveRoundTrip(t *testing.T) {
	ctx := context.Background()
	f := NewFixture(t)
	data, _ := Export(t, f.A, "alice")
	file := filepath.Join(t.TempDir(), "alice.zip")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f.B.Account("zoe", false)
	zoe := f.B.LocalActor("zoe")
	im := &archive.Importer{Out: f.B.App.Outbox(), DataDir: f.B.Cfg.Data}
	rep, err := im.Import(ctx, zoe.ID, file, nil)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if rep.SkippedBoosts != 1 {
		t.Errorf("boosts skipped: %d, want the 1 boost of carol's post", rep.SkippedBoosts)
	}

	// Each side's posts as its export lists them (oldest first), read back from storage.
	notes := func(db storage.DB, data []byte) []*storage.Note {
		t.Helper()
		var out []*storage.Note
		for _, it := range ReadArchive(t, data).Items(t) {
			if it.Type != "Create" {
				continue
			}
			var n Note
			if err := json.Unmarshal(it.Object, &n); err != nil {
				t.Fatal(err)
			}
			sn, err := db.GetNoteByURI(ctx, n.ID)
			if err != nil {
				t.Fatalf("note %s: %v", n.ID, err)
			}
			out = append(out, sn)
		}
		return out
	}
	back, _ := Export(t, f.B, "zoe")
	want, got := notes(f.A.App.DB(), data), notes(f.B.App.DB(), back)
	if len(got) != len(want) || len(want) < 7 {
		t.Fatalf("zoe has %d posts, alice had %d (want at least 7)", len(got), len(want))
	}
	mapped := map[string]string{} // alice's note URI → zoe's
	for i, w := range want {
		mapped[w.URI] = got[i].URI
	}
	for i, w := range want {
		g := got[i]
		// The archive keeps dates to the second, as ActivityStreams documents do, and the
		// importer sanitizes content as it does remote posts (links get its rel and target).
		if !g.Published.Equal(w.Published.Truncate(time.Second)) || linkAttrs.ReplaceAllString(g.Content, "") != linkAttrs.ReplaceAllString(w.Content, "") || g.Summary != w.Summary ||
			g.Sensitive != w.Sensitive || g.Language != w.Language || g.Visibility != w.Visibility {
			t.Errorf("post %d:\n got %v %q %q %v %q %s\nwant %v %q %q %v %q %s", i,
				g.Published, g.Content, g.Summary, g.Sensitive, g.Language, g.Visibility,
				w.Published, w.Content, w.Summary, w.Sensitive, w.Language, w.Visibility)
		}
		if len(g.ContentMap) != len(w.ContentMap) || linkAttrs.ReplaceAllString(g.ContentMap["zh-Hans"], "") != w.ContentMap["zh-Hans"] {
			t.Errorf("post %d: contentMap %v, want %v", i, g.ContentMap, w.ContentMap)
		}
		wantReply := w.InReplyToURI
		if m, ok := mapped[wantReply]; ok {
			wantReply = m
		}
		if g.InReplyToURI != wantReply {
			t.Errorf("post %d %q answers %q, want %q", i, w.Content, g.InReplyToURI, wantReply)
		}
		for _, tag := range g.Tags {
			if tag.Type == "Hashtag" && (!isURI(tag.Href) || !strings.HasPrefix(tag.Href, f.B.App.Outbox().Base+"/tags/")) {
				t.Errorf("post %d: hashtag %s links %q, want a URI of B's tag page", i, tag.Name, tag.Href)
			}
		}
		if len(g.Media) != len(w.Media) {
			t.Errorf("post %d: %d media, want %d", i, len(g.Media), len(w.Media))
			continue
		}
		for j := range w.Media {
			gm, wm := g.Media[j], w.Media[j]
			if gm.Description != wm.Description || gm.Width != wm.Width || gm.Height != wm.Height || gm.Path == "" {
				t.Errorf("post %d media %d: got %q %dx%d %q, want %q %dx%d", i, j,
					gm.Description, gm.Width, gm.Height, gm.Path, wm.Description, wm.Width, wm.Height)
			}
		}
	}

	before, err := f.B.App.DB().RowCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err = im.Import(ctx, zoe.ID, file, nil); err != nil {
		t.Fatalf("import again: %v", err)
	}
	after, err := f.B.App.DB().RowCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 0 || after["notes"] != before["notes"] || after["media"] != before["media"] {
		t.Errorf("importing again imported %d; notes %d → %d, media %d → %d", rep.Imported,
			before["notes"], after["notes"], before["media"], after["media"])
	}
}
