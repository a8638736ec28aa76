package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"refuge/storage"
)

// UpdateNote rewrites the content of a stored note (an edit by its author, local or
// remote: both come here, so both keep their versions). A deleted note is not touched: the
// check is the write's own condition, so that an Update racing a Delete can never bring
// text back to a tombstone, whichever commits first.
//
// When what a version holds changed, the new version is added to note_edits, after the
// original at the first edit; when nothing of it did (a remote server sends an Update for
// other reasons too), the note keeps its edit time, so that it does not show as edited.
func (tx *Tx) UpdateNote(ctx context.Context, n *storage.Note) error {
	old, err := tx.GetNoteByID(ctx, n.ID)
	if err != nil {
		return err
	}
	changed := versionChanged(old, n)
	if !changed {
		n.Updated = old.Updated
	}
	var q storage.Quote
	if n.Quote != nil {
		q = *n.Quote
	}
	// A local note has no card; a remote one's is its server's, as the Update says.
	cardJSON, cardImage := cardColumns(n.Card)
	res, err := tx.tx.ExecContext(ctx, `UPDATE notes SET content=?, source=?, summary=?, sensitive=?, language=?,
		content_map_json=?, updated=?, quote_uri=?, quote_state=?, quote_authorization=?, quote_policy=?, reply_policy=?,
		card_json=?, card_image=?, like_policy=?, announce_policy=?
		WHERE id = ? AND deleted_at = {never}`, n.Content, n.Source, n.Summary, n.Sensitive,
		n.Language, mustJSON(n.ContentMap, map[string]string{}), ts(n.Updated), q.URI, q.State, q.Authorization,
		n.QuotePolicy, n.ReplyPolicy, cardJSON, cardImage, n.LikePolicy, n.AnnouncePolicy, n.ID)
	if err != nil {
		return fmt.Errorf("update note %s: %w", n.URI, err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return storage.Errorf(storage.Gone, "note %s was deleted", n.URI)
	}
	if changed {
		var versions int
		if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM note_edits WHERE note_id = ?`, n.ID).Scan(&versions); err != nil {
			return fmt.Errorf("note edits: %w", err)
		}
		if versions == 0 {
			// The first edit keeps the original, as it was since it was posted (or last
			// edited, for a note that came here edited already).
			original := storage.NoteEdit{NoteID: n.ID, Content: old.Content, Summary: old.Summary, Sensitive: old.Sensitive,
				Language: old.Language, Media: old.Media, Created: old.Published}
			if old.Updated.After(old.Published) {
				original.Created = old.Updated
			}
			if err := tx.putNoteEdit(ctx, &original); err != nil {
				return err
			}
		}
	}
	if err := tx.putNoteParts(ctx, n, true); err != nil {
		return err
	}
	if err := tx.indexNote(ctx, n); err != nil {
		return err
	}
	if !changed {
		return nil
	}
	tx.record(storage.Event{Kind: storage.EventEdit, NoteID: n.ID, ActorID: n.ActorID})
	return tx.putNoteEdit(ctx, &storage.NoteEdit{NoteID: n.ID, Content: n.Content, Summary: n.Summary,
		Sensitive: n.Sensitive, Language: n.Language, Media: n.Media, Created: n.Updated})
}

// versionChanged reports whether an edit changes what a version of a note holds.
func versionChanged(old, n *storage.Note) bool {
	if old.Content != n.Content || old.Summary != n.Summary || old.Sensitive != n.Sensitive || old.Language != n.Language {
		return true
	}
	return !slices.EqualFunc(old.Media, n.Media, func(a, b storage.Media) bool {
		same := a.ID == b.ID
		if b.ID == 0 { // a remote attachment, stored anew at each edit: the same one has the same URL
			same = a.Path == "" && a.URL == b.URL
		}
		return same && a.Description == b.Description
	})
}

// editMedia is an attachment as a version keeps it: enough to show it again once its row
// has changed or gone (a remote note's attachments are stored anew at each edit).
type editMedia struct {
	ID          int64  `json:"id"`
	URL         string `json:"url"`
	Path        string `json:"path,omitempty"`
	ThumbPath   string `json:"thumb_path,omitempty"`
	MediaType   string `json:"media_type"`
	Description string `json:"description"`
	Blurhash    string `json:"blurhash,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	DurationMS  int64  `json:"duration_ms,omitempty"`
	FrameRate   string `json:"frame_rate,omitempty"`
	Silent      bool   `json:"silent,omitempty"`
}

func (tx *Tx) putNoteEdit(ctx context.Context, e *storage.NoteEdit) error {
	media := make([]editMedia, 0, len(e.Media))
	for _, m := range e.Media {
		media = append(media, editMedia{ID: m.ID, URL: m.URL, Path: m.Path, ThumbPath: m.ThumbPath, MediaType: m.MediaType,
			Description: m.Description, Blurhash: m.Blurhash, Width: m.Width, Height: m.Height,
			DurationMS: durationMS(m.Duration), FrameRate: m.FrameRate, Silent: m.Silent})
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO note_edits (note_id, content, summary, sensitive, language, media_json, created)
		VALUES (?,?,?,?,?,?,?) RETURNING id`, e.NoteID, e.Content, e.Summary, e.Sensitive, e.Language,
		mustJSON(media, []editMedia{}), ts(e.Created)).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("note edit: %w", err)
	}
	return nil
}

// ListNoteEdits returns the versions of an edited note, oldest first.
func (r reader) ListNoteEdits(ctx context.Context, noteID int64) ([]storage.NoteEdit, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, note_id, content, summary, sensitive, language, media_json, created
		FROM note_edits WHERE note_id = ? ORDER BY id`, noteID)
	if err != nil {
		return nil, fmt.Errorf("note edits: %w", err)
	}
	defer rows.Close()
	var out []storage.NoteEdit
	for rows.Next() {
		var e storage.NoteEdit
		var media, created string
		if err := rows.Scan(&e.ID, &e.NoteID, &e.Content, &e.Summary, &e.Sensitive, &e.Language, &media, &created); err != nil {
			return nil, fmt.Errorf("scan note edit: %w", err)
		}
		var ms []editMedia
		if err := json.Unmarshal([]byte(media), &ms); err != nil {
			return nil, fmt.Errorf("note edit %d: %w", e.ID, err)
		}
		for i, m := range ms {
			e.Media = append(e.Media, storage.Media{ID: m.ID, NoteID: noteID, Position: i, URL: m.URL, Path: m.Path,
				ThumbPath: m.ThumbPath, MediaType: m.MediaType, Description: m.Description, Blurhash: m.Blurhash,
				Width: m.Width, Height: m.Height, Duration: float64(m.DurationMS) / 1000, FrameRate: m.FrameRate, Silent: m.Silent})
		}
		e.Created = parseTS(created)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("note edits: %w", err)
	}
	return out, nil
}

// Bookmark adds or removes a bookmark of actorID's on noteID.
func (tx *Tx) Bookmark(ctx context.Context, actorID, noteID int64, on bool, at time.Time) error {
	q := `INSERT INTO bookmarks (actor_id, note_id, created) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
	args := []any{actorID, noteID, ts(at)}
	if !on {
		q, args = `DELETE FROM bookmarks WHERE actor_id = ? AND note_id = ?`, args[:2]
	}
	if _, err := tx.tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("bookmark: %w", err)
	}
	return nil
}

// ListBookmarked returns the live notes actorID bookmarked and may read, newest bookmark
// first, with the bookmarks' row ids.
func (r reader) ListBookmarked(ctx context.Context, actorID int64, p storage.Page) ([]*storage.Note, []int64, error) {
	return r.listMarked(ctx, "bookmarks", actorID, p)
}

// ListLiked returns the live notes actorID liked and may read, newest like first, with the
// likes' row ids.
func (r reader) ListLiked(ctx context.Context, actorID int64, p storage.Page) ([]*storage.Note, []int64, error) {
	return r.listMarked(ctx, "likes", actorID, p)
}

// listMarked lists the notes an actor marked in table (bookmarks or likes; nothing else is
// spliced in), paged by the table's rows. A note the actor may no longer read (a
// followers-only one of an account it unfollowed) is left out in the query, so that a page
// stays full.
func (r reader) listMarked(ctx context.Context, table string, actorID int64, p storage.Page) ([]*storage.Note, []int64, error) {
	cond, pargs, order := pageClause(p, "k.id")
	q := `SELECT k.id, ` + noteSelect[len("SELECT "):] + ` JOIN ` + table + ` k ON k.note_id = n.id
		WHERE k.actor_id = :viewer AND n.deleted_at = {never} AND ` + visibleTo + authorShown + cond + order
	rows, err := r.q.QueryContext(ctx, q, append([]any{sql.Named("viewer", actorID)}, pargs...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", table, err)
	}
	defer rows.Close()
	var notes []*storage.Note
	var cursors []int64
	for rows.Next() {
		var cursor int64
		n := &storage.Note{}
		if err := scanNote(&prefixScanner{rows, []any{&cursor}}, n); err != nil {
			return nil, nil, fmt.Errorf("scan %s: %w", table, err)
		}
		notes, cursors = append(notes, n), append(cursors, cursor)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", table, err)
	}
	rows.Close()
	if ascending(p) {
		reverse(notes)
		reverse(cursors)
	}
	return notes, cursors, r.fillParts(ctx, notes)
}
