package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"refuge/storage"
)

// Emoji reactions (migrations sqlite/0048, postgres/0040): rows of their own, not likes,
// since one actor may react to a note with several emoji.

const emojiReactionColumns = `r.id, r.uri, r.actor_id, r.note_id, r.emoji, r.image_url, r.created`

func scanEmojiReaction(s scanner, x *storage.EmojiReaction, extra ...any) error {
	var created string
	if err := s.Scan(append([]any{&x.ID, &x.URI, &x.ActorID, &x.NoteID, &x.Emoji, &x.ImageURL, &created}, extra...)...); err != nil {
		return err
	}
	x.Created = parseTS(created)
	return nil
}

// PutEmojiReaction records an emoji reaction. A repeat of the same actor's emoji on the
// same note, or of the same activity id, is a no-op that reports false.
func (tx *Tx) PutEmojiReaction(ctx context.Context, r *storage.EmojiReaction) (bool, error) {
	if r.Created.IsZero() {
		r.Created = time.Now()
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO emoji_reactions (uri, actor_id, note_id, emoji, image_url, created)
		VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id`,
		r.URI, r.ActorID, r.NoteID, r.Emoji, r.ImageURL, ts(r.Created)).Scan(&r.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("put emoji reaction: %w", err)
	}
	// A custom emoji's picture is shown from the remote media cache, never from its server.
	if r.ImageURL != "" && fetchable(r.ImageURL) {
		if err := tx.queueRemoteMedia(ctx, r.ImageURL, storage.RemoteEmoji, "", r.Created); err != nil {
			return false, err
		}
	}
	return true, nil
}

// DeleteEmojiReaction removes an emoji reaction by row id.
func (tx *Tx) DeleteEmojiReaction(ctx context.Context, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM emoji_reactions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete emoji reaction %d: %w", id, err)
	}
	return nil
}

// GetEmojiReaction returns actorID's reaction with emoji to noteID.
func (r reader) GetEmojiReaction(ctx context.Context, actorID, noteID int64, emoji string) (*storage.EmojiReaction, error) {
	return r.getEmojiReaction(ctx, `r.actor_id = ? AND r.note_id = ? AND r.emoji = ?`, actorID, noteID, emoji)
}

// GetEmojiReactionByURI returns the emoji reaction whose activity id is uri.
func (r reader) GetEmojiReactionByURI(ctx context.Context, uri string) (*storage.EmojiReaction, error) {
	return r.getEmojiReaction(ctx, `r.uri = ?`, uri)
}

func (r reader) getEmojiReaction(ctx context.Context, where string, args ...any) (*storage.EmojiReaction, error) {
	x := &storage.EmojiReaction{}
	row := r.q.QueryRowContext(ctx, `SELECT `+emojiReactionColumns+` FROM emoji_reactions r WHERE `+where, args...)
	if err := scanEmojiReaction(row, x); err != nil {
		return nil, notFound("emoji reaction", err)
	}
	return x, nil
}

// ReactionGroups returns the emoji reactions to each of noteIDs grouped by emoji, in the
// order each emoji was first given, with whether viewer is among each group: one query for
// a page of notes (two past the longest IN list). A custom emoji is told apart by its
// picture as well as its shortcode, since two servers may each have a :blobcat: of their own.
func (r reader) ReactionGroups(ctx context.Context, viewer int64, noteIDs []int64) (map[int64][]storage.ReactionGroup, error) {
	out := map[int64][]storage.ReactionGroup{}
	most := inListSizes[len(inListSizes)-1]
	for start := 0; start < len(noteIDs); start += most {
		in, ids := inList(noteIDs[start:min(start+most, len(noteIDs))])
		rows, err := r.q.QueryContext(ctx, `SELECT r.note_id, r.emoji, r.image_url, count(*),
				max(CASE WHEN r.actor_id = ? THEN 1 ELSE 0 END), min(r.id)
			FROM emoji_reactions r JOIN actors a ON a.id = r.actor_id
			WHERE r.note_id IN `+in+` AND a.suspended_at = {never}
			GROUP BY r.note_id, r.emoji, r.image_url ORDER BY r.note_id, min(r.id)`, append([]any{viewer}, ids...)...)
		if err != nil {
			return nil, fmt.Errorf("reaction groups: %w", err)
		}
		for rows.Next() {
			var noteID, first int64
			var g storage.ReactionGroup
			var me int
			if err := rows.Scan(&noteID, &g.Emoji, &g.ImageURL, &g.Count, &me, &first); err != nil {
				rows.Close()
				return nil, fmt.Errorf("reaction groups: %w", err)
			}
			g.Me = viewer != 0 && me == 1
			out[noteID] = append(out[noteID], g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("reaction groups: %w", err)
		}
	}
	return out, nil
}

// ListEmojiReactors returns who reacted to noteID with what (only emoji, when given),
// oldest first.
func (r reader) ListEmojiReactors(ctx context.Context, noteID int64, emoji string, limit int) ([]storage.EmojiReactor, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q := `SELECT ` + emojiReactionColumns + `, ` + actorColumns + ` FROM emoji_reactions r JOIN actors a ON a.id = r.actor_id
		WHERE r.note_id = ? AND a.suspended_at = {never}`
	args := []any{noteID}
	if emoji != "" {
		q, args = q+` AND r.emoji = ?`, append(args, emoji)
	}
	rows, err := r.q.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY r.id LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list emoji reactors: %w", err)
	}
	defer rows.Close()
	var out []storage.EmojiReactor
	for rows.Next() {
		x := storage.EmojiReactor{Reaction: &storage.EmojiReaction{}, Actor: &storage.Actor{}}
		var id, actorID, noteID int64
		var uri, emoji, image, created string
		if err := scanActor(&prefixScanner{rows, []any{&id, &uri, &actorID, &noteID, &emoji, &image, &created}}, x.Actor); err != nil {
			return nil, fmt.Errorf("list emoji reactors: %w", err)
		}
		*x.Reaction = storage.EmojiReaction{ID: id, URI: uri, ActorID: actorID, NoteID: noteID, Emoji: emoji,
			ImageURL: image, Created: parseTS(created)}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list emoji reactors: %w", err)
	}
	return out, nil
}
