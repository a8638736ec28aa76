package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"refuge/storage"
	"refuge/storage/textindex"
)

// The full-text index of notes, note_search, is kept by the same transaction that stores,
// edits or deletes a note: CreateNote, ImportNote and UpdateNote write a note's terms,
// tombstone removes them. Its terms come from textindex, the one segmentation of stored
// text and searched text; each dialect keeps them in its own full-text index (SQLite's FTS5,
// PostgreSQL's tsvector and GIN), written so that neither parses them again, and so both
// find the same notes.

// postgres reports whether r reads a PostgreSQL database.
func (r reader) postgres() bool {
	c, ok := r.q.(*cachedQuerier)
	if !ok {
		return false
	}
	_, pg := c.d.(*postgresDialect)
	return pg
}

// noteTerms is what the index holds for n: its text, content warning, the other languages
// of its text, its hashtags and mentions, and its media's descriptions.
func noteTerms(n *storage.Note) []string {
	texts := []string{textindex.PlainText(n.Content), n.Summary}
	for _, c := range n.ContentMap {
		if c != n.Content {
			texts = append(texts, textindex.PlainText(c))
		}
	}
	for _, t := range n.Tags {
		texts = append(texts, t.Name)
	}
	for _, m := range n.Media {
		texts = append(texts, m.Description)
	}
	return textindex.Document(texts...)
}

// indexNote writes the terms of the live note n into the index, in place of any it had.
func (tx *Tx) indexNote(ctx context.Context, n *storage.Note) error {
	terms := noteTerms(n)
	if len(terms) == 0 {
		_, err := tx.tx.ExecContext(ctx, tx.unindexStatement(`?`), n.ID)
		return wrapIndex(n.ID, err)
	}
	var err error
	if tx.postgres() {
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO note_search (note_id, terms) VALUES (?, CAST(? AS tsvector))
			ON CONFLICT (note_id) DO UPDATE SET terms = excluded.terms`, n.ID, tsvector(terms))
	} else {
		_, err = tx.tx.ExecContext(ctx, `INSERT OR REPLACE INTO note_search (rowid, terms) VALUES (?, ?)`, n.ID, strings.Join(terms, " "))
	}
	return wrapIndex(n.ID, err)
}

func wrapIndex(id int64, err error) error {
	if err != nil {
		return fmt.Errorf("index note %d: %w", id, err)
	}
	return nil
}

// unindexStatement deletes from the index the notes whose ids the SQL in selects.
func (r reader) unindexStatement(in string) string {
	if r.postgres() {
		return `DELETE FROM note_search WHERE note_id IN (` + in + `)`
	}
	return `DELETE FROM note_search WHERE rowid IN (` + in + `)`
}

// tsvector writes terms as a tsvector literal, each lexeme quoted as it is (no parser, no
// dictionary) with its positions, so that PostgreSQL's phrase search sees the terms in the
// order they stand. A lexeme keeps at most 255 positions, as to_tsvector does.
func tsvector(terms []string) string {
	positions := map[string][]int{}
	var order []string
	for i, t := range terms {
		if _, ok := positions[t]; !ok {
			order = append(order, t)
		}
		if len(positions[t]) < 255 {
			positions[t] = append(positions[t], i+1)
		}
	}
	var b strings.Builder
	for i, t := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pgLexeme(t))
		for j, p := range positions[t] {
			if j == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(min(p, 16383)))
		}
	}
	return b.String()
}

// pgLexeme quotes a term as tsvector and tsquery literals take it.
func pgLexeme(t string) string {
	return `'` + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(t) + `'`
}

// ftsString quotes a term as an FTS5 string.
func ftsString(t string) string {
	return `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
}

// searchMatch is the full-text condition of terms in the dialect of r: an FTS5 query or a
// tsquery literal. All terms must match; a term of several words is a phrase.
func (r reader) searchMatch(terms []textindex.Term) string {
	parts := make([]string, 0, len(terms))
	for _, t := range terms {
		if r.postgres() {
			words := make([]string, len(t.Words))
			for i, w := range t.Words {
				words[i] = pgLexeme(w)
			}
			if t.Prefix {
				words[len(words)-1] += ":*"
			}
			parts = append(parts, "("+strings.Join(words, " <-> ")+")")
			continue
		}
		part := ftsString(strings.Join(t.Words, " "))
		if t.Prefix {
			part += "*"
		}
		parts = append(parts, part)
	}
	if r.postgres() {
		return strings.Join(parts, " & ")
	}
	return strings.Join(parts, " AND ")
}

// reindexBatch is how many notes ReindexNotes reads and indexes at a time.
const reindexBatch = 500

// ReindexNotes writes the index terms of every live note again, a batch of notes to a
// transaction so that memory stays flat and writers are held up only briefly, and then
// removes the rows of notes that are gone or deleted. The index answers searches
// throughout. progress, when not nil, is told after each batch how many notes of how many
// are done.
func (db *DB) ReindexNotes(ctx context.Context, progress func(done, total int)) error {
	var total int
	if err := db.reader.q.QueryRowContext(ctx, `SELECT count(*) FROM notes WHERE deleted_at = {never}`).Scan(&total); err != nil {
		return fmt.Errorf("reindex: count notes: %w", err)
	}
	done, after := 0, int64(0)
	for {
		notes, err := collectNotes(db.reader.q.QueryContext(ctx, noteSelect+` WHERE n.id > ? AND n.deleted_at = {never}
			ORDER BY n.id LIMIT `+strconv.Itoa(reindexBatch), after))
		if err != nil {
			return fmt.Errorf("reindex: read notes after %d: %w", after, err)
		}
		if len(notes) == 0 {
			break
		}
		if err := db.fillParts(ctx, notes); err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		err = db.update(ctx, func(tx *Tx) error {
			for _, n := range notes {
				if err := tx.indexNote(ctx, n); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		done += len(notes)
		after = notes[len(notes)-1].ID
		if progress != nil {
			progress(done, max(total, done))
		}
	}
	return db.update(ctx, func(tx *Tx) error {
		if _, err := tx.tx.ExecContext(ctx, tx.unindexStatement(`SELECT id FROM notes WHERE deleted_at <> {never}`)); err != nil {
			return fmt.Errorf("reindex: remove deleted notes: %w", err)
		}
		if !tx.postgres() { // PostgreSQL's rows go with their notes (ON DELETE CASCADE)
			if _, err := tx.tx.ExecContext(ctx, `DELETE FROM note_search WHERE rowid NOT IN (SELECT id FROM notes)`); err != nil {
				return fmt.Errorf("reindex: remove notes gone: %w", err)
			}
		}
		return nil
	})
}

// backfillSearch indexes the notes stored before the index was made, or copied from
// another database without it: when the database is opened with live notes and an empty
// index.
func (db *DB) backfillSearch(ctx context.Context) error {
	var needed bool
	err := db.reader.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notes WHERE deleted_at = {never})
		AND NOT EXISTS (SELECT 1 FROM note_search)`).Scan(&needed)
	if err != nil || !needed {
		return err
	}
	return db.ReindexNotes(ctx, nil)
}
