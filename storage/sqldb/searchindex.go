package sqldb

import (
	"context"
	"database/sql"
	"errors"
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

// indexNote writes the terms of the live note n into the index, in place of any it had,
// and into the visitors' index (note_search_open) too when it is a public note of a local
// indexable account.
func (tx *Tx) indexNote(ctx context.Context, n *storage.Note) error {
	terms := noteTerms(n)
	open := false
	if n.Local && n.Visibility == storage.Public && len(terms) > 0 {
		err := tx.tx.QueryRowContext(ctx, `SELECT indexable FROM actors WHERE id = ? AND local = TRUE`, n.ActorID).Scan(&open)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return wrapIndex(n.ID, err)
		}
	}
	for _, table := range []string{"note_search", "note_search_open"} {
		if table == "note_search_open" && !n.Local {
			break // a remote note is never in it, and an edit does not make it local
		}
		if len(terms) == 0 || (table == "note_search_open" && !open) {
			_, err := tx.tx.ExecContext(ctx, tx.unindexFrom(table, `?`), n.ID)
			if err != nil {
				return wrapIndex(n.ID, err)
			}
			continue
		}
		if err := tx.writeTerms(ctx, table, n.ID, terms); err != nil {
			return wrapIndex(n.ID, err)
		}
	}
	return nil
}

// writeTerms writes the row of note id into the index table, in place of any it had.
func (tx *Tx) writeTerms(ctx context.Context, table string, id int64, terms []string) error {
	if tx.postgres() {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO `+table+` (note_id, terms) VALUES (?, CAST(? AS tsvector))
			ON CONFLICT (note_id) DO UPDATE SET terms = excluded.terms`, id, tsvector(terms))
		return err
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT OR REPLACE INTO `+table+` (rowid, terms) VALUES (?, ?)`, id, strings.Join(terms, " "))
	return err
}

func wrapIndex(id int64, err error) error {
	if err != nil {
		return fmt.Errorf("index note %d: %w", id, err)
	}
	return nil
}

// unindexStatements delete from both indexes the notes whose ids the SQL in selects.
func (r reader) unindexStatements(in string) []string {
	return []string{r.unindexFrom("note_search", in), r.unindexFrom("note_search_open", in)}
}

// unindexFrom deletes from the index table the notes whose ids the SQL in selects.
func (r reader) unindexFrom(table, in string) string {
	if r.postgres() {
		return `DELETE FROM ` + table + ` WHERE note_id IN (` + in + `)`
	}
	return `DELETE FROM ` + table + ` WHERE rowid IN (` + in + `)`
}

// openNotes selects the live public notes of the local account :author.
const openNotes = `SELECT n.id FROM notes n WHERE n.actor_id = :author AND n.visibility = 'public' AND n.deleted_at = {never}`

// reindexOpen brings the visitors' index in line with the local account a's indexable: its
// public notes are taken out when it is not, and put in when it is (a batch at a time, so
// that an account of many posts does not hold them all in memory).
func (tx *Tx) reindexOpen(ctx context.Context, a *storage.Actor) error {
	if !a.Indexable {
		_, err := tx.tx.ExecContext(ctx, tx.unindexFrom("note_search_open", openNotes), sql.Named("author", a.ID))
		if err != nil {
			return fmt.Errorf("take the posts of account %d out of the visitors' index: %w", a.ID, err)
		}
		return nil
	}
	after := int64(0)
	for {
		notes, err := collectNotes(tx.q.QueryContext(ctx, noteSelect+` WHERE n.actor_id = :author AND n.visibility = 'public'
			AND n.deleted_at = {never} AND n.id > :after ORDER BY n.id LIMIT `+strconv.Itoa(reindexBatch),
			sql.Named("author", a.ID), sql.Named("after", after)))
		if err == nil {
			err = tx.fillParts(ctx, notes)
		}
		if err != nil {
			return fmt.Errorf("put the posts of account %d in the visitors' index: %w", a.ID, err)
		}
		if len(notes) == 0 {
			return nil
		}
		for _, n := range notes {
			if terms := noteTerms(n); len(terms) > 0 {
				if err := tx.writeTerms(ctx, "note_search_open", n.ID, terms); err != nil {
					return wrapIndex(n.ID, err)
				}
			}
		}
		after = notes[len(notes)-1].ID
	}
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
		for _, s := range tx.unindexStatements(`SELECT id FROM notes WHERE deleted_at <> {never}`) {
			if _, err := tx.tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("reindex: remove deleted notes: %w", err)
			}
		}
		if !tx.postgres() { // PostgreSQL's rows go with their notes (ON DELETE CASCADE)
			for _, table := range []string{"note_search", "note_search_open"} {
				if _, err := tx.tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE rowid NOT IN (SELECT id FROM notes)`); err != nil {
					return fmt.Errorf("reindex: remove notes gone: %w", err)
				}
			}
		}
		return nil
	})
}

// backfillSearch indexes the notes stored before the index was made, or copied from
// another database without it: when the database is opened with live notes and an empty
// index. The visitors' index, made later, is filled the same way on its own: when it is
// empty and a local indexable account has public posts.
func (db *DB) backfillSearch(ctx context.Context) error {
	var all, open bool
	err := db.reader.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notes WHERE deleted_at = {never})
		AND NOT EXISTS (SELECT 1 FROM note_search),
		EXISTS (SELECT 1 FROM notes n JOIN actors a ON a.id = n.actor_id WHERE a.local = TRUE AND a.indexable = TRUE
			AND n.visibility = 'public' AND n.deleted_at = {never}) AND NOT EXISTS (SELECT 1 FROM note_search_open)`).Scan(&all, &open)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if all {
		return db.ReindexNotes(ctx, nil)
	}
	if !open {
		return nil
	}
	authors, err := column[int64](db.reader.q.QueryContext(ctx, `SELECT id FROM actors WHERE local = TRUE AND indexable = TRUE ORDER BY id`))
	if err != nil {
		return fmt.Errorf("visitors' search index: %w", err)
	}
	for _, id := range authors {
		err := db.update(ctx, func(tx *Tx) error { return tx.reindexOpen(ctx, &storage.Actor{ID: id, Indexable: true}) })
		if err != nil {
			return err
		}
	}
	return nil
}
