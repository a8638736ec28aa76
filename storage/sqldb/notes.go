package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"refuge/storage"
)

// noteSelect selects a note with its author and counts; the author's columns come last.
// The counts are shown to anyone who may read the note, so they count only what anyone
// may read: replies that are public or unlisted (a followers-only or direct reply is not
// even hinted at), likes and boosts (whose activities are public, and boosts are only of
// public and unlisted notes). Replies are asked for only where in_reply_to_uri is set, not
// the empty string (see ListReplies).
var noteSelect = `SELECT n.id, n.uri, n.actor_id, n.local, n.url, n.content, n.source, n.summary,
	n.sensitive, n.language, n.content_map_json, n.in_reply_to_uri, n.conversation, n.visibility,
	n.to_json, n.cc_json, n.published, n.updated, n.deleted_at, n.imported_from, n.has_poll,
	n.quote_uri, n.quote_state, n.quote_authorization, n.quote_policy,
	n.reply_policy, n.reply_state, n.reply_authorization, n.reply_approved_by, n.card_json, n.card_image,
	n.like_policy, n.announce_policy, n.audience, n.name,
	(SELECT count(*) FROM likes l WHERE l.note_id = n.id),
	(SELECT count(*) FROM announces b WHERE b.note_id = n.id),
	(SELECT count(*) FROM notes r WHERE r.in_reply_to_uri = n.uri AND r.in_reply_to_uri <> '' AND r.deleted_at = {never}
		AND r.visibility IN ('public', 'unlisted')),
	` + actorColumns + ` FROM notes n JOIN actors a ON a.id = n.actor_id`

func scanNote(s scanner, n *storage.Note, extra ...any) error {
	var cmap, to, cc, published, updated, deleted string
	author := &storage.Actor{}
	var fields, apub, afetched, adeleted, asuspended, asilenced, aaka, amoved, aemojis string
	var hasPoll bool
	var cardJSON, cardImage string
	var quote storage.Quote
	var reply storage.ReplyApproval
	dest := []any{&n.ID, &n.URI, &n.ActorID, &n.Local, &n.URL, &n.Content, &n.Source, &n.Summary,
		&n.Sensitive, &n.Language, &cmap, &n.InReplyToURI, &n.Conversation, &n.Visibility,
		&to, &cc, &published, &updated, &deleted, &n.ImportedFrom, &hasPoll,
		&quote.URI, &quote.State, &quote.Authorization, &n.QuotePolicy,
		&n.ReplyPolicy, &reply.State, &reply.Authorization, &reply.ApprovedBy, &cardJSON, &cardImage,
		&n.LikePolicy, &n.AnnouncePolicy, &n.Audience, &n.Name, &n.Likes, &n.Announces, &n.Replies,
		&author.ID, &author.URI, &author.Local, &author.Type, &author.Username, &author.Host, &author.Name,
		&author.Summary, &author.URL, &author.Inbox, &author.SharedInbox, &author.Outbox, &author.FollowersURI,
		&author.FollowingURI, &author.FeaturedURI, &author.KeyID, &author.PublicKeyPEM, &author.Admin,
		&author.Locked, &author.Discoverable, &author.IconURL, &author.ImageURL, &fields, &apub, &afetched, &adeleted, &author.SummarySource,
		&asuspended, &author.Pending, &asilenced, &aaka, &author.MovedTo, &amoved, &aemojis, &author.Indexable,
		&author.Ed25519KeyID, &author.Ed25519KeyPEM, &author.ServerSilenced}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	for _, j := range []struct {
		s string
		v any
	}{{cmap, &n.ContentMap}, {to, &n.To}, {cc, &n.Cc}, {fields, &author.Fields}, {aaka, &author.AlsoKnownAs}} {
		if err := json.Unmarshal([]byte(j.s), j.v); err != nil {
			return fmt.Errorf("note %d: %w", n.ID, err)
		}
	}
	n.Published, n.Updated, n.DeletedAt = parseTS(published), parseTS(updated), parseTS(deleted)
	author.Published, author.FetchedAt, author.DeletedAt = parseTS(apub), parseTS(afetched), parseTS(adeleted)
	author.SuspendedAt, author.SilencedAt, author.MovedAt = parseTS(asuspended), parseTS(asilenced), parseTS(amoved)
	if err := scanEmojis(author, aemojis); err != nil {
		return err
	}
	n.Author = author
	card, err := cardOf(cardJSON, cardImage)
	if err != nil {
		return fmt.Errorf("note %d: %w", n.ID, err)
	}
	n.Card = card
	if hasPoll {
		n.Poll = &storage.Poll{} // filled by fillParts
	}
	if quote.URI != "" {
		n.Quote = &quote
	}
	if reply.State != "" {
		n.Reply = &reply
	}
	return nil
}

// CreateNote inserts n with its tags and sets n.ID; media rows named in n.Media by ID are
// attached to it. A known URI is a Conflict. Its id follows time (see nextStatusRow).
func (tx *Tx) CreateNote(ctx context.Context, n *storage.Note) error {
	if err := tx.insertNote(ctx, n, nextStatusRow); err != nil {
		return err
	}
	if n.Visibility == storage.Public || n.Visibility == storage.Direct {
		tx.record(storage.Event{Kind: storage.EventNote, NoteID: n.ID, ActorID: n.ActorID})
	}
	if err := tx.putNoteParts(ctx, n, false); err != nil {
		return err
	}
	if err := tx.indexNote(ctx, n); err != nil {
		return err
	}
	if n.Visibility == storage.Direct {
		return tx.addToConversations(ctx, n)
	}
	return nil
}

// ImportNote inserts a note from an account archive (n.ImportedFrom set) with the id of its
// original date, storage.StatusID(n.Published, n.ImportedFrom), or the next free one above
// it, so that it sorts among the author's notes by date; and its Create activity create,
// whose id is chosen the same way among the activities, so that the outbox has it in date
// order too. It records no event and joins no conversation: an import is quiet. A note
// already imported from the same URI by the same author is a Conflict.
func (tx *Tx) ImportNote(ctx context.Context, n *storage.Note, create *storage.Activity) error {
	if n.ImportedFrom == "" {
		return storage.Errorf(storage.Invalid, "an imported note needs the URI it was imported from")
	}
	id, err := tx.freeID(ctx, storage.StatusID(n.Published, n.ImportedFrom), "notes", "announces")
	if err != nil {
		return fmt.Errorf("import note %s: %w", n.ImportedFrom, err)
	}
	if err := tx.insertNote(ctx, n, fmt.Sprint(id)); err != nil {
		return err
	}
	if err := tx.putNoteParts(ctx, n, false); err != nil {
		return err
	}
	if err := tx.indexNote(ctx, n); err != nil {
		return err
	}
	if create == nil {
		return nil
	}
	create.NoteID = n.ID
	if id, err = tx.freeID(ctx, storage.StatusID(create.Published, n.ImportedFrom), "activities"); err != nil {
		return fmt.Errorf("import note %s: %w", n.ImportedFrom, err)
	}
	added, err := tx.insertActivity(ctx, create, fmt.Sprint(id))
	if err != nil {
		return err
	}
	if !added {
		return storage.Errorf(storage.Conflict, "activity %s already exists", create.URI)
	}
	return nil
}

// freeID returns id, or the first id above it that none of tables has.
func (tx *Tx) freeID(ctx context.Context, id int64, tables ...string) (int64, error) {
	var q []string
	for _, t := range tables {
		q = append(q, `(SELECT count(*) FROM `+t+` WHERE id = :id)`)
	}
	for {
		var taken int
		if err := tx.tx.QueryRowContext(ctx, `SELECT `+strings.Join(q, " + "), sql.Named("id", id)).Scan(&taken); err != nil {
			return 0, err
		}
		if taken == 0 {
			return id, nil
		}
		id++
	}
}

// insertNote inserts the row of n with the id that the SQL expression id gives.
func (tx *Tx) insertNote(ctx context.Context, n *storage.Note, id string) error {
	cmap, to, cc := mustJSON(n.ContentMap, map[string]string{}), mustJSON(n.To, []string{}), mustJSON(n.Cc, []string{})
	var q storage.Quote
	if n.Quote != nil {
		q = *n.Quote
	}
	var rp storage.ReplyApproval
	if n.Reply != nil {
		rp = *n.Reply
	}
	cardJSON, cardImage := cardColumns(n.Card)
	err := tx.guard(ctx, func() error {
		return tx.tx.QueryRowContext(ctx, `INSERT INTO notes (id, uri, actor_id, local, url, content, source, summary,
		sensitive, language, content_map_json, in_reply_to_uri, conversation, visibility, to_json, cc_json,
		published, updated, imported_from, has_poll, quote_uri, quote_state, quote_authorization, quote_policy,
		reply_policy, reply_state, reply_authorization, reply_approved_by, card_json, card_image, like_policy, announce_policy, audience, name)
		VALUES (`+id+`,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			n.URI, n.ActorID, n.Local, n.URL, n.Content, n.Source, n.Summary, n.Sensitive, n.Language, cmap,
			n.InReplyToURI, n.Conversation, n.Visibility, to, cc, ts(n.Published), ts(n.Updated), n.ImportedFrom,
			n.Poll != nil, q.URI, q.State, q.Authorization, n.QuotePolicy,
			n.ReplyPolicy, rp.State, rp.Authorization, rp.ApprovedBy, cardJSON, cardImage,
			n.LikePolicy, n.AnnouncePolicy, n.Audience, n.Name).Scan(&n.ID)
	})
	if isUnique(err) {
		return storage.Wrap(storage.Conflict, err, "note already exists")
	}
	if err != nil {
		return fmt.Errorf("create note %s: %w", n.URI, err)
	}
	return nil
}

// ImportedNotes returns, by the URI each was imported from, the local URIs of the notes
// actorID imported from an archive, deleted ones included (a post imported and then deleted
// is not imported again).
func (r reader) ImportedNotes(ctx context.Context, actorID int64) (map[string]string, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT imported_from, uri FROM notes WHERE actor_id = ? AND imported_from <> ''`, actorID)
	if err != nil {
		return nil, fmt.Errorf("imported notes: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var from, uri string
		if err := rows.Scan(&from, &uri); err != nil {
			return nil, fmt.Errorf("imported notes: %w", err)
		}
		out[from] = uri
	}
	return out, rows.Err()
}

// putNoteParts writes the tags and media of a stored note, replacing any it had (replace;
// a note just created has none), and queues a remote note's attachments for the cache.
func (tx *Tx) putNoteParts(ctx context.Context, n *storage.Note, replace bool) error {
	if replace {
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM note_tags WHERE note_id = ?`, n.ID); err != nil {
			return fmt.Errorf("note tags: %w", err)
		}
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM media WHERE note_id = ? AND path = ''`, n.ID); err != nil {
			return fmt.Errorf("note media: %w", err)
		}
		// Uploads the edit no longer names are let go (the orphan sweep removes them);
		// those it names again are attached below, in their new order.
		if _, err := tx.tx.ExecContext(ctx, `UPDATE media SET note_id = NULL WHERE note_id = ?`, n.ID); err != nil {
			return fmt.Errorf("note media: %w", err)
		}
	}
	for _, t := range n.Tags {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO note_tags (note_id, type, name, href) VALUES (?,?,?,?)`,
			n.ID, t.Type, t.Name, t.Href); err != nil {
			return fmt.Errorf("note tag: %w", err)
		}
	}
	for i := range n.Media {
		m := &n.Media[i]
		m.NoteID, m.Position = n.ID, i
		// Only a local note attaches uploads by id. A remote note's attachments are stored
		// anew each time: an id one carries is that of a row stored by an attempt that was
		// rolled back (on PostgreSQL fn runs again), or by a version an edit replaced.
		if m.ID != 0 && n.Local {
			res, err := tx.tx.ExecContext(ctx, `UPDATE media SET note_id = ?, position = ?, description = ?
				WHERE id = ? AND actor_id = ? AND (note_id IS NULL OR note_id = ?)`, n.ID, i, m.Description, m.ID, n.ActorID, n.ID)
			if err != nil {
				return fmt.Errorf("attach media %d: %w", m.ID, err)
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return storage.Errorf(storage.Invalid, "media %d is not yours to attach or is attached already", m.ID)
			}
			continue
		}
		m.ActorID = n.ActorID
		if err := tx.CreateMedia(ctx, m); err != nil {
			return err
		}
	}
	if err := tx.putPoll(ctx, n, replace); err != nil {
		return err
	}
	return tx.queueRemoteAttachments(ctx, n)
}

// DeleteNote turns the note into a Tombstone (see tombstone).
func (tx *Tx) DeleteNote(ctx context.Context, id int64, at time.Time) error {
	if err := tx.tombstone(ctx, at, `id = :target`, id); err != nil {
		return fmt.Errorf("delete note %d: %w", id, err)
	}
	return nil
}

// tombstone turns the live notes that cond selects (with :target bound to target) into
// Tombstones. Their text goes: content, source, summary and contentMap, their tags, their
// media with its alt text, their terms in the search index; their URI stays, so that they answer 410, and nothing else refers
// to them any longer. The Create and Update activities of local ones keep only a Tombstone
// as their object, and their deliveries not yet made are cancelled, so that a note deleted
// while a server was down is never sent to it afterwards (the Delete is).
func (tx *Tx) tombstone(ctx context.Context, at time.Time, cond string, target int64) error {
	notes := `(SELECT id FROM notes WHERE ` + cond + ` AND deleted_at = {never})`
	activities := `(SELECT id FROM activities WHERE local = TRUE AND type IN ('Create', 'Update') AND note_id IN ` + notes + `)`
	args := []any{sql.Named("target", target), sql.Named("stamp", ts(at))}
	if err := tx.recordDeletes(ctx, cond, args); err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM deliveries WHERE activity_id IN `+activities, args...); err != nil {
		return err
	}
	if err := tx.tombstoneActivities(ctx, `SELECT id, json, object_uri FROM activities WHERE json != '' AND id IN `+activities, args, at); err != nil {
		return err
	}
	statements := append(conversationDeletes(notes),
		`DELETE FROM note_tags WHERE note_id IN `+notes, `DELETE FROM feed WHERE note_id IN `+notes,
		`DELETE FROM pins WHERE note_id IN `+notes, `DELETE FROM likes WHERE note_id IN `+notes,
		`DELETE FROM emoji_reactions WHERE note_id IN `+notes,
		`DELETE FROM announces WHERE note_id IN `+notes, `DELETE FROM notifications WHERE note_id IN `+notes,
		`DELETE FROM note_edits WHERE note_id IN `+notes, `DELETE FROM bookmarks WHERE note_id IN `+notes,
		`DELETE FROM note_translations WHERE note_id IN `+notes,
		`DELETE FROM poll_votes WHERE note_id IN `+notes, `DELETE FROM polls WHERE note_id IN `+notes,
		`DELETE FROM quote_approvals WHERE note_id IN `+notes,
		`DELETE FROM media WHERE note_id IN `+notes)
	statements = append(statements, tx.unindexStatements(`SELECT id FROM notes WHERE `+cond+` AND deleted_at = {never}`)...)
	statements = append(statements, `UPDATE notes SET deleted_at = :stamp, content = '', source = '', summary = '', content_map_json = '{}',
			has_poll = FALSE, card_json = '', card_image = '' WHERE `+cond+` AND deleted_at = {never}`)
	for _, s := range statements {
		if _, err := tx.tx.ExecContext(ctx, s, args...); err != nil {
			return err
		}
	}
	return nil
}

// recordDeletes records a delete event for each live note that cond selects.
func (tx *Tx) recordDeletes(ctx context.Context, cond string, args []any) error {
	rows, err := tx.tx.QueryContext(ctx, `SELECT id, actor_id, visibility FROM notes WHERE `+cond+` AND deleted_at = {never}`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e := storage.Event{Kind: storage.EventDelete}
		var vis storage.Visibility
		if err := rows.Scan(&e.NoteID, &e.ActorID, &vis); err != nil {
			return err
		}
		e.Public = vis == storage.Public
		tx.record(e)
	}
	return rows.Err()
}

// tombstoneActivities replaces the object of each activity that query selects (id, json,
// object_uri) with a Tombstone of it; the rest of each document stays.
func (tx *Tx) tombstoneActivities(ctx context.Context, query string, args []any, at time.Time) error {
	rows, err := tx.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	type doc struct {
		id             int64
		json, objectID string
	}
	var docs []doc
	for rows.Next() {
		var d doc
		if err := rows.Scan(&d.id, &d.json, &d.objectID); err != nil {
			rows.Close()
			return err
		}
		docs = append(docs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range docs {
		var activity map[string]json.RawMessage
		if err := json.Unmarshal([]byte(d.json), &activity); err != nil {
			return fmt.Errorf("activity %d: %w", d.id, err)
		}
		tombstone := map[string]string{"id": d.objectID, "type": "Tombstone", "deleted": at.UTC().Format(time.RFC3339)}
		var object struct{ Type string }
		if json.Unmarshal(activity["object"], &object) == nil && object.Type != "" {
			tombstone["formerType"] = object.Type
		}
		activity["object"] = json.RawMessage(mustJSON(tombstone, nil))
		if _, err := tx.tx.ExecContext(ctx, `UPDATE activities SET json = ? WHERE id = ?`,
			mustJSON(activity, nil), d.id); err != nil {
			return err
		}
	}
	return nil
}

// GetNoteByURI returns the note with ActivityPub id uri, deleted ones included.
func (r reader) GetNoteByURI(ctx context.Context, uri string) (*storage.Note, error) {
	return r.getNote(ctx, `n.uri = ?`, uri)
}

// GetNoteByID returns the note with row id id, deleted ones included.
func (r reader) GetNoteByID(ctx context.Context, id int64) (*storage.Note, error) {
	return r.getNote(ctx, `n.id = ?`, id)
}

func (r reader) getNote(ctx context.Context, where string, arg any) (*storage.Note, error) {
	n := &storage.Note{}
	if err := scanNote(r.q.QueryRowContext(ctx, noteSelect+` WHERE `+where, arg), n); err != nil {
		return nil, notFound("note", err)
	}
	if err := r.fillParts(ctx, []*storage.Note{n}); err != nil {
		return nil, err
	}
	return n, nil
}

// fillParts loads tags and media for notes in two queries, and the polls of those that
// have one in a third.
func (r reader) fillParts(ctx context.Context, notes []*storage.Note) error {
	if len(notes) == 0 {
		return nil
	}
	byID := make(map[int64]*storage.Note, len(notes))
	ids := make([]any, 0, len(notes))
	for _, n := range notes {
		byID[n.ID] = n
		ids = append(ids, n.ID)
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
	rows, err := r.q.QueryContext(ctx, `SELECT note_id, type, name, href FROM note_tags WHERE note_id IN `+in+` ORDER BY rowid`, ids...)
	if err != nil {
		return fmt.Errorf("note tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t storage.Tag
		if err := rows.Scan(&id, &t.Type, &t.Name, &t.Href); err != nil {
			return fmt.Errorf("scan tag: %w", err)
		}
		byID[id].Tags = append(byID[id].Tags, t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("note tags: %w", err)
	}
	media, err := r.listMedia(ctx, `note_id IN `+in+` ORDER BY note_id, position`, ids...)
	if err != nil {
		return err
	}
	for _, m := range media {
		byID[m.NoteID].Media = append(byID[m.NoteID].Media, m)
	}
	return r.fillPolls(ctx, notes)
}

// ascending reports whether the query for page p walks from older to newer and must be
// reversed.
func ascending(p storage.Page) bool { return p.After > 0 || p.Oldest }

// pageClause is the condition, its arguments and the ORDER BY and LIMIT that select page p
// of a list ordered by column col.
func pageClause(p storage.Page, col string) (string, []any, string) {
	limit := p.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	switch {
	case p.After > 0:
		return ` AND ` + col + ` > :after`, []any{sql.Named("after", p.After)}, fmt.Sprintf(` ORDER BY %s ASC LIMIT %d`, col, limit)
	case p.Oldest:
		return "", nil, fmt.Sprintf(` ORDER BY %s ASC LIMIT %d`, col, limit)
	case p.Before > 0:
		return ` AND ` + col + ` < :before`, []any{sql.Named("before", p.Before)}, fmt.Sprintf(` ORDER BY %s DESC LIMIT %d`, col, limit)
	}
	return "", nil, fmt.Sprintf(` ORDER BY %s DESC LIMIT %d`, col, limit)
}

// visibleTo is the condition under which actor viewer (0: anonymous) may read note n: a
// public or unlisted note, the viewer's own, a followers-only note of an actor it follows
// (accepted), or one addressed to the viewer in to or cc or mentioning it (note_recipients,
// migration 0005, holds exactly those actors of every note that is not public or unlisted).
const visibleTo = `(n.visibility IN ('public','unlisted') OR n.actor_id = :viewer
	OR (n.visibility = 'followers' AND EXISTS (SELECT 1 FROM follows f
		WHERE f.follower_id = :viewer AND f.followee_id = n.actor_id AND f.accepted = TRUE))
	OR EXISTS (SELECT 1 FROM actors v JOIN note_recipients r ON r.actor_uri = v.uri
		AND r.author_id = n.actor_id AND r.note_id = n.id WHERE v.id = :viewer))`

// VisibleNoteRefs returns, by URI, the live notes among uris that viewer may read.
func (r reader) VisibleNoteRefs(ctx context.Context, uris []string, viewer int64) (map[string]storage.NoteRef, error) {
	out := make(map[string]storage.NoteRef, len(uris))
	if len(uris) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(uris)+1)
	for _, u := range uris {
		args = append(args, u)
	}
	args = append(args, sql.Named("viewer", viewer)) // after them: the ? are numbered by place
	rows, err := r.q.QueryContext(ctx, `SELECT n.uri, n.id, n.actor_id FROM notes n
		WHERE n.uri IN (`+strings.TrimSuffix(strings.Repeat("?,", len(uris)), ",")+`) AND n.deleted_at = {never} AND `+visibleTo, args...)
	if err != nil {
		return nil, fmt.Errorf("note refs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uri string
		var ref storage.NoteRef
		if err := rows.Scan(&uri, &ref.ID, &ref.ActorID); err != nil {
			return nil, fmt.Errorf("note refs: %w", err)
		}
		out[uri] = ref
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("note refs: %w", err)
	}
	return out, nil
}

// CanSee reports whether actor viewer (0: anonymous) may read the note.
func (r reader) CanSee(ctx context.Context, noteID, viewer int64) (bool, error) {
	var ok bool
	err := r.q.QueryRowContext(ctx, `SELECT `+visibleTo+` FROM notes n WHERE n.id = :id`,
		sql.Named("viewer", viewer), sql.Named("id", noteID)).Scan(&ok)
	if err != nil {
		return false, notFound("note", err)
	}
	return ok, nil
}

// authorShown leaves out of a list of notes (a query of noteSelect, whose author is a) the
// notes of suspended accounts, which are listed nowhere while the suspension lasts, as
// Mastodon takes them out of every timeline; they come back with the account.
const authorShown = ` AND a.suspended_at = {never}`

func (r reader) listNotes(ctx context.Context, where string, args []any, p storage.Page) ([]*storage.Note, error) {
	cond, pargs, order := pageClause(p, "n.id")
	where += authorShown
	if p.NoReplies {
		where += ` AND (n.in_reply_to_uri = '' OR EXISTS (SELECT 1 FROM notes pr
			WHERE pr.uri = n.in_reply_to_uri AND pr.actor_id = n.actor_id))`
	}
	if p.OnlyMedia {
		where += ` AND EXISTS (SELECT 1 FROM media m WHERE m.note_id = n.id)`
	}
	if p.Tag != "" {
		where += ` AND n.id IN (SELECT note_id FROM note_tags WHERE type = 'Hashtag' AND name = :pagetag)`
		args = append(args, sql.Named("pagetag", "#"+strings.ToLower(p.Tag)))
	}
	if p.HiddenFor != 0 {
		where += hiddenFor("n.actor_id", false)
		args = append(args, hiddenArgs(p)...)
	}
	out, err := collectNotes(r.q.QueryContext(ctx, noteSelect+` WHERE `+where+cond+order, append(args, pargs...)...))
	if err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	if ascending(p) {
		reverse(out)
	}
	return out, r.fillParts(ctx, out)
}

// collectNotes reads the notes of rows (as a query of noteSelect returns them, with its
// error) and closes them; their parts are not filled yet.
func collectNotes(rows *sql.Rows, err error) ([]*storage.Note, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*storage.Note
	for rows.Next() {
		n := &storage.Note{}
		if err := scanNote(rows, n); err != nil {
			return nil, fmt.Errorf("scan note: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// ListActorNotes returns the notes of actor that viewer (0: anonymous) may read, newest first.
func (r reader) ListActorNotes(ctx context.Context, actorID, viewer int64, p storage.Page) ([]*storage.Note, error) {
	return r.listNotes(ctx, `n.actor_id = :actor AND n.deleted_at = {never} AND `+visibleTo,
		[]any{sql.Named("actor", actorID), sql.Named("viewer", viewer)}, p)
}

// CountActorNotes counts the notes of actor that viewer (0: anonymous) may read, by the
// rules of visibleTo: the counts triggers keep on the actor (public and unlisted; every
// note for the actor itself; followers-only ones for an accepted follower), plus the
// followers-only and direct notes addressed to or mentioning the viewer that those do not
// already count, a range of note_recipients' key.
//
// The viewer's URI is read first and the range is asked for by value: joined to actors
// instead, PostgreSQL plans for an unknown URI, and where note_recipients holds few
// distinct ones (a one-account instance: its followers collection and a few addressees)
// it expects half the table and scans all of it (6 ms instead of 0.1 at 50,000 rows).
func (r reader) CountActorNotes(ctx context.Context, actorID, viewer int64) (int, error) {
	var public, total, followers int
	var follows bool
	var viewerURI sql.NullString
	err := r.q.QueryRowContext(ctx, `SELECT notes_public, notes_total, notes_followers,
		EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = :viewer AND f.followee_id = :actor AND f.accepted = TRUE),
		(SELECT v.uri FROM actors v WHERE v.id = :viewer)
		FROM actors WHERE id = :actor`, sql.Named("actor", actorID), sql.Named("viewer", viewer)).
		Scan(&public, &total, &followers, &follows, &viewerURI)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("count notes: %w", err)
	}
	switch viewer {
	case 0:
		return public, nil
	case actorID:
		return total, nil
	}
	seen := public
	if follows {
		seen += followers
	}
	if !viewerURI.Valid {
		return seen, nil // no such viewer: nothing is addressed to it
	}
	var c int
	err = r.q.QueryRowContext(ctx, `SELECT count(DISTINCT r.note_id) FROM note_recipients r
		JOIN notes n ON n.id = r.note_id
		WHERE r.actor_uri = :uri AND r.author_id = :actor AND n.actor_id = :actor AND n.deleted_at = {never}
		AND n.visibility NOT IN ('public', 'unlisted') AND NOT (:follows AND n.visibility = 'followers')`,
		sql.Named("actor", actorID), sql.Named("uri", viewerURI.String), sql.Named("follows", follows)).Scan(&c)
	if err != nil {
		return 0, fmt.Errorf("count notes: %w", err)
	}
	return seen + c, nil
}

// ListLocalPublic returns the local public timeline, newest first.
func (r reader) ListLocalPublic(ctx context.Context, p storage.Page) ([]*storage.Note, error) {
	return r.ListPublic(ctx, true, false, p)
}

// ListPublic returns the public notes of local or remote authors (both when local ==
// remote), newest first; those of limited authors only for p.HiddenFor when it is the
// author or follows it.
func (r reader) ListPublic(ctx context.Context, local, remote bool, p storage.Page) ([]*storage.Note, error) {
	where, args := `n.visibility = 'public' AND n.deleted_at = {never} AND `+limitedShown("a"),
		[]any{sql.Named("limited_viewer", p.HiddenFor)}
	if local != remote {
		where, args = where+` AND n.local = :local`, append(args, sql.Named("local", local))
	}
	return r.listNotes(ctx, where, args, p)
}

// ListTagged returns public notes carrying the hashtag name (without #, any case); those of
// limited authors only for p.HiddenFor when it is the author or follows it.
func (r reader) ListTagged(ctx context.Context, name string, p storage.Page) ([]*storage.Note, error) {
	return r.listNotes(ctx, `n.visibility = 'public' AND n.deleted_at = {never} AND n.id IN
		(SELECT note_id FROM note_tags WHERE type = 'Hashtag' AND name = :tag) AND `+limitedShown("a"),
		[]any{sql.Named("tag", "#"+strings.ToLower(name)), sql.Named("limited_viewer", p.HiddenFor)}, p)
}

// ListReplies returns the replies to uri that viewer may read, oldest first, without those
// hidden from it (see storage.Page.HiddenFor) and those of limited authors it neither is
// nor follows, as Mastodon's threads leave them out.
//
// Replies are asked for only where in_reply_to_uri is set (not the empty string), beside
// the URI, which is never empty but may be unknown when planning: on PostgreSQL the index
// holds only the notes that answer something (migration 0003), and that condition is what
// lets the planner use it. SQLite uses its index either way.
func (r reader) ListReplies(ctx context.Context, uri string, viewer int64) ([]*storage.Note, error) {
	notes, err := r.listNotes(ctx, `n.in_reply_to_uri = :uri AND n.in_reply_to_uri <> '' AND n.deleted_at = {never} AND `+visibleTo+
		` AND `+limitedShown("a"), []any{sql.Named("uri", uri), sql.Named("viewer", viewer), sql.Named("limited_viewer", viewer)},
		storage.Page{Limit: 100, HiddenFor: viewer})
	reverse(notes)
	return notes, err
}

// CountLocalNotes counts the local notes anyone may read (public and unlisted, not deleted),
// for NodeInfo: from the local accounts' counts (migrations/sqlite/0003), which the notes
// of a deleted account leave as they are tombstoned, so that the cost does not grow with
// the notes stored.
func (r reader) CountLocalNotes(ctx context.Context) (int, error) {
	var c int
	if err := r.q.QueryRowContext(ctx, `SELECT coalesce(sum(notes_public), 0) FROM actors WHERE local = TRUE`).Scan(&c); err != nil {
		return 0, fmt.Errorf("count notes: %w", err)
	}
	return c, nil
}

// CreateMedia inserts m and sets m.ID.
func (tx *Tx) CreateMedia(ctx context.Context, m *storage.Media) error {
	if m.Created.IsZero() {
		m.Created = time.Now()
	}
	var noteID any
	if m.NoteID != 0 {
		noteID = m.NoteID
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO media (actor_id, note_id, position, url, path, thumb_path,
		media_type, description, blurhash, width, height, duration_ms, frame_rate, silent, created)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		m.ActorID, noteID, m.Position, m.URL, m.Path, m.ThumbPath, m.MediaType, m.Description, m.Blurhash,
		m.Width, m.Height, durationMS(m.Duration), m.FrameRate, m.Silent, ts(m.Created)).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("create media: %w", err)
	}
	return nil
}

// GetMedia returns the media row with id.
func (r reader) GetMedia(ctx context.Context, id int64) (*storage.Media, error) {
	ms, err := r.listMedia(ctx, `id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, storage.Wrap(storage.NotFound, storage.ErrNotFound, "media not found")
	}
	return &ms[0], nil
}

func (r reader) listMedia(ctx context.Context, where string, args ...any) ([]storage.Media, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, actor_id, coalesce(note_id, 0), position, url, path, thumb_path,
		media_type, description, blurhash, width, height, duration_ms, frame_rate, silent, created FROM media WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list media: %w", err)
	}
	defer rows.Close()
	var out []storage.Media
	for rows.Next() {
		var m storage.Media
		var created string
		var ms int64
		if err := rows.Scan(&m.ID, &m.ActorID, &m.NoteID, &m.Position, &m.URL, &m.Path, &m.ThumbPath, &m.MediaType,
			&m.Description, &m.Blurhash, &m.Width, &m.Height, &ms, &m.FrameRate, &m.Silent, &created); err != nil {
			return nil, fmt.Errorf("scan media: %w", err)
		}
		m.Duration = float64(ms) / 1000
		m.Created = parseTS(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// durationMS is a duration in seconds as the media table keeps it: whole milliseconds, an
// integer in both dialects, so that a copy between them compares equal.
func durationMS(seconds float64) int64 {
	if !(seconds > 0) || seconds > 1e9 {
		return 0
	}
	return int64(math.Round(seconds * 1000))
}

func mustJSON(v any, empty any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		b, _ = json.Marshal(empty)
	}
	return string(b)
}
