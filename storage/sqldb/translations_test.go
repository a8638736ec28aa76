package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestTranslationsKeptByVersion: a translation is found by note, version and language
// only; keeping one of a newer version removes those of older versions (all languages),
// keeping one again replaces it, and deleting the note takes its text's translations along.
func TestTranslationsKeptByVersion(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	bob := mustActor(t, db, "bob", "remote.example", false)
	n := mustNote(t, db, bob, "1", storage.Public)
	put := func(tr storage.Translation) {
		t.Helper()
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutTranslation(ctx, &tr) }); err != nil {
			t.Fatal(err)
		}
	}
	get := func(version, target string) (*storage.Translation, storage.Kind) {
		t.Helper()
		tr, err := db.GetTranslation(ctx, n.ID, version, target)
		if err != nil {
			return nil, storage.KindOf(err)
		}
		return tr, ""
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	put(storage.Translation{NoteID: n.ID, Version: "v1", Target: "en", Source: "zh", Content: "<p>hello</p>", Provider: "P", Created: at})
	put(storage.Translation{NoteID: n.ID, Version: "v1", Target: "fr", Source: "zh", Content: "<p>bonjour</p>", Summary: "cw",
		Media: []storage.TranslatedMedia{{MediaID: 7, Description: "un chat"}}})
	rows := []struct {
		name, version, target string
		want                  string
		kind                  storage.Kind
	}{
		{"kept", "v1", "en", "<p>hello</p>", ""},
		{"another language", "v1", "fr", "<p>bonjour</p>", ""},
		{"a language never asked", "v1", "de", "", storage.NotFound},
		{"another version", "v2", "en", "", storage.NotFound},
	}
	for _, row := range rows {
		tr, kind := get(row.version, row.target)
		if kind != row.kind || (tr != nil && tr.Content != row.want) {
			t.Errorf("%s: %+v, %q", row.name, tr, kind)
		}
	}
	if tr, _ := get("v1", "en"); tr == nil || tr.Source != "zh" || tr.Provider != "P" || !tr.Created.Equal(at) || len(tr.Media) != 0 {
		t.Errorf("fields: %+v", tr)
	}
	if tr, _ := get("v1", "fr"); tr == nil || tr.Summary != "cw" || tr.Created.IsZero() || len(tr.Media) != 1 || tr.Media[0] != (storage.TranslatedMedia{MediaID: 7, Description: "un chat"}) {
		t.Errorf("fields: %+v", tr)
	}

	put(storage.Translation{NoteID: n.ID, Version: "v1", Target: "en", Source: "zh", Content: "<p>hi</p>"})
	if tr, _ := get("v1", "en"); tr == nil || tr.Content != "<p>hi</p>" {
		t.Errorf("replaced: %+v", tr)
	}
	put(storage.Translation{NoteID: n.ID, Version: "v2", Target: "en", Source: "zh", Content: "<p>hello again</p>"})
	for _, target := range []string{"en", "fr"} {
		if _, kind := get("v1", target); kind != storage.NotFound {
			t.Errorf("the older version's %s translation is still kept: %q", target, kind)
		}
	}
	if tr, _ := get("v2", "en"); tr == nil || tr.Content != "<p>hello again</p>" {
		t.Errorf("new version: %+v", tr)
	}

	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNote(ctx, n.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if counts, err := db.RowCounts(ctx); err != nil || counts["note_translations"] != 0 {
		t.Errorf("after the note is deleted: %d rows (%v)", counts["note_translations"], err)
	}
}
