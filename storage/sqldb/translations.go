package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"refuge/storage"
)

// GetTranslation returns the translation of version of note noteID into target.
func (r reader) GetTranslation(ctx context.Context, noteID int64, version, target string) (*storage.Translation, error) {
	t := &storage.Translation{NoteID: noteID, Version: version, Target: target}
	var created, media string
	err := r.q.QueryRowContext(ctx, `SELECT source, content, summary, media_json, provider, created FROM note_translations
		WHERE note_id = ? AND version = ? AND target = ?`, noteID, version, target).
		Scan(&t.Source, &t.Content, &t.Summary, &media, &t.Provider, &created)
	if err != nil {
		return nil, notFound("translation", err)
	}
	if err := json.Unmarshal([]byte(media), &t.Media); err != nil {
		return nil, fmt.Errorf("get translation: media_json: %w", err)
	}
	t.Created = parseTS(created)
	return t, nil
}

// PutTranslation keeps t, and removes the note's translations of other versions.
func (tx *Tx) PutTranslation(ctx context.Context, t *storage.Translation) error {
	if t.Created.IsZero() {
		t.Created = time.Now()
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM note_translations WHERE note_id = ? AND version <> ?`,
		t.NoteID, t.Version); err != nil {
		return fmt.Errorf("put translation: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO note_translations (note_id, version, target, source, content, summary, media_json, provider, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (note_id, version, target) DO UPDATE SET source = excluded.source,
		content = excluded.content, summary = excluded.summary, media_json = excluded.media_json, provider = excluded.provider,
		created = excluded.created`,
		t.NoteID, t.Version, t.Target, t.Source, t.Content, t.Summary, mustJSON(t.Media, []storage.TranslatedMedia{}), t.Provider, ts(t.Created))
	if err != nil {
		return fmt.Errorf("put translation: %w", err)
	}
	return nil
}
