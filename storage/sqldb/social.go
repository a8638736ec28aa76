package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"refuge/storage"
)

const followColumns = `id, uri, follower_id, followee_id, accepted, created, hide_reblogs`

func scanFollow(s scanner) (*storage.Follow, error) {
	f := &storage.Follow{}
	var created string
	if err := s.Scan(&f.ID, &f.URI, &f.FollowerID, &f.FolloweeID, &f.Accepted, &created, &f.HideReblogs); err != nil {
		return nil, err
	}
	f.Created = parseTS(created)
	return f, nil
}

// PutFollow records a follow. When the pair already follows, the stored row keeps its
// state but takes the new URI, because a repeated Follow is how peers re-sync, and the
// Accept or Undo that comes next names the newest id.
func (tx *Tx) PutFollow(ctx context.Context, f *storage.Follow) error {
	if f.Created.IsZero() {
		f.Created = time.Now()
	}
	tx.followed = true
	err := tx.guard(ctx, func() error {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO follows (uri, follower_id, followee_id, accepted, created)
		VALUES (?,?,?,?,?) ON CONFLICT (follower_id, followee_id) DO UPDATE SET uri = excluded.uri,
		accepted = (follows.accepted OR excluded.accepted)`,
			f.URI, f.FollowerID, f.FolloweeID, f.Accepted, ts(f.Created))
		return err
	})
	if isUnique(err) {
		return storage.Wrap(storage.Conflict, err, "follow id already used")
	}
	if err != nil {
		return fmt.Errorf("put follow: %w", err)
	}
	got, err := tx.GetFollow(ctx, f.FollowerID, f.FolloweeID)
	if err != nil {
		return err
	}
	*f = *got
	return nil
}

// GetFollow returns the follow of follower to followee.
func (r reader) GetFollow(ctx context.Context, follower, followee int64) (*storage.Follow, error) {
	f, err := scanFollow(r.q.QueryRowContext(ctx, `SELECT `+followColumns+` FROM follows
		WHERE follower_id = ? AND followee_id = ?`, follower, followee))
	if err != nil {
		return nil, notFound("follow", err)
	}
	return f, nil
}

// GetFollowByURI returns the follow whose Follow activity had id uri.
func (r reader) GetFollowByURI(ctx context.Context, uri string) (*storage.Follow, error) {
	f, err := scanFollow(r.q.QueryRowContext(ctx, `SELECT `+followColumns+` FROM follows WHERE uri = ?`, uri))
	if err != nil {
		return nil, notFound("follow", err)
	}
	return f, nil
}

// AcceptFollow marks a follow accepted.
func (tx *Tx) AcceptFollow(ctx context.Context, id int64) error {
	tx.followed = true
	if _, err := tx.tx.ExecContext(ctx, `UPDATE follows SET accepted = TRUE WHERE id = ?`, id); err != nil {
		return fmt.Errorf("accept follow %d: %w", id, err)
	}
	return nil
}

// SetHideReblogs sets whether a follow keeps the followee's boosts out of the home timeline.
func (tx *Tx) SetHideReblogs(ctx context.Context, id int64, hide bool) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE follows SET hide_reblogs = ? WHERE id = ?`, hide, id); err != nil {
		return fmt.Errorf("set hide_reblogs of follow %d: %w", id, err)
	}
	return nil
}

// DeleteFollow removes a follow (Undo, Reject, unfollow).
func (tx *Tx) DeleteFollow(ctx context.Context, id int64) error {
	tx.followed = true
	if err := tx.leaveLists(ctx, id); err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM follows WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete follow %d: %w", id, err)
	}
	return nil
}

// ListFollowers returns the actors following actorID (accepted, or pending when pending is
// true), newest first. Page.Before/After refer to follow row ids, returned in cursor.
func (r reader) ListFollowers(ctx context.Context, actorID int64, pending bool, p storage.Page) ([]*storage.Actor, []int64, error) {
	return r.listActors(ctx, `follows`, `f.follower_id`, `f.followee_id = ? AND f.accepted = ?`, []any{actorID, !pending}, p)
}

// ListFollowing returns the actors actorID follows (accepted), newest first.
func (r reader) ListFollowing(ctx context.Context, actorID int64, p storage.Page) ([]*storage.Actor, []int64, error) {
	return r.listActors(ctx, `follows`, `f.followee_id`, `f.follower_id = ? AND f.accepted = TRUE`, []any{actorID}, p)
}

// ListReactors returns the actors who reacted to noteID with kind, newest first.
func (r reader) ListReactors(ctx context.Context, kind storage.ReactionKind, noteID int64, p storage.Page) ([]*storage.Actor, []int64, error) {
	return r.listActors(ctx, reactionTable(kind), `f.actor_id`, `f.note_id = ?`, []any{noteID}, p)
}

// listActors pages the actors that rows of table (follows, likes or announces) name in
// column join, by the rows' ids, which it returns as the cursors.
func (r reader) listActors(ctx context.Context, table, join, where string, args []any, p storage.Page) ([]*storage.Actor, []int64, error) {
	limit := p.Limit
	if limit <= 0 || limit > 1000 {
		limit = 40
	}
	q := `SELECT f.id, ` + actorColumns + ` FROM ` + table + ` f JOIN actors a ON a.id = ` + join + ` WHERE ` + where
	order := ` ORDER BY f.id DESC`
	if p.Before > 0 {
		q += ` AND f.id < ?`
		args = append(args, p.Before)
	} else if ascending(p) {
		if p.After > 0 {
			q += ` AND f.id > ?`
			args = append(args, p.After)
		}
		order = ` ORDER BY f.id ASC`
	}
	rows, err := r.q.QueryContext(ctx, q+order+fmt.Sprintf(` LIMIT %d`, limit), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", table, err)
	}
	defer rows.Close()
	var actors []*storage.Actor
	var cursors []int64
	for rows.Next() {
		var fid int64
		a := &storage.Actor{}
		if err := scanActor(&prefixScanner{rows, []any{&fid}}, a); err != nil {
			return nil, nil, fmt.Errorf("scan %s: %w", table, err)
		}
		actors, cursors = append(actors, a), append(cursors, fid)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", table, err)
	}
	if ascending(p) {
		reverse(actors)
		reverse(cursors)
	}
	return actors, cursors, nil
}

// prefixScanner scans extra leading columns before handing the rest to a row scanner.
type prefixScanner struct {
	s     scanner
	first []any
}

func (p *prefixScanner) Scan(dest ...any) error { return p.s.Scan(append(p.first, dest...)...) }

// CountFollows returns how many accepted followers and followings actorID has (kept by
// triggers: migrations sqlite/0019 and postgres/0011 and 0015).
func (r reader) CountFollows(ctx context.Context, actorID int64) (followers, following int, err error) {
	err = r.q.QueryRowContext(ctx, `SELECT a.followers_count + {pending_followers}, a.following_count + {pending_following}
		FROM actors a WHERE a.id = ?`, actorID).Scan(&followers, &following)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("count follows: %w", err)
	}
	return followers, following, nil
}

// CountAccounts returns the counts of each of the actors ids in one query: a page of statuses
// shows its authors' counts, and a query each cost more than the rest of the page.
func (r reader) CountAccounts(ctx context.Context, ids []int64) (map[int64]storage.AccountCounts, error) {
	out := make(map[int64]storage.AccountCounts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := r.q.QueryContext(ctx, `SELECT a.id, a.notes_public + a.notes_followers, a.followers_count + {pending_followers}, a.following_count + {pending_following}
		FROM actors a WHERE a.id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("count accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c storage.AccountCounts
		if err := rows.Scan(&id, &c.Posts, &c.Followers, &c.Following); err != nil {
			return nil, fmt.Errorf("count accounts: %w", err)
		}
		out[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count accounts: %w", err)
	}
	return out, nil
}

// FollowerInboxes returns the distinct delivery inboxes (shared when known) of the remote
// accepted followers of actorID: one entry per server in practice.
func (r reader) FollowerInboxes(ctx context.Context, actorID int64) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT DISTINCT CASE WHEN a.shared_inbox != '' THEN a.shared_inbox ELSE a.inbox END
		FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND f.accepted = TRUE AND a.local = FALSE AND a.deleted_at = {never}`, actorID)
	if err != nil {
		return nil, fmt.Errorf("follower inboxes: %w", err)
	}
	return column[string](rows, nil)
}

// KnownInboxes returns the distinct delivery inboxes of the live remote actors that know
// actorID: its follows both ways, and the authors it reacted to (likes, boosts, emoji) or
// answered and who reacted to or answered it.
func (r reader) KnownInboxes(ctx context.Context, actorID int64) ([]string, error) {
	const known = `SELECT follower_id FROM follows WHERE followee_id = ?
		UNION SELECT followee_id FROM follows WHERE follower_id = ?
		UNION SELECT n.actor_id FROM likes l JOIN notes n ON n.id = l.note_id WHERE l.actor_id = ?
		UNION SELECT l.actor_id FROM likes l JOIN notes n ON n.id = l.note_id WHERE n.actor_id = ?
		UNION SELECT n.actor_id FROM announces b JOIN notes n ON n.id = b.note_id WHERE b.actor_id = ?
		UNION SELECT b.actor_id FROM announces b JOIN notes n ON n.id = b.note_id WHERE n.actor_id = ?
		UNION SELECT n.actor_id FROM emoji_reactions e JOIN notes n ON n.id = e.note_id WHERE e.actor_id = ?
		UNION SELECT e.actor_id FROM emoji_reactions e JOIN notes n ON n.id = e.note_id WHERE n.actor_id = ?
		UNION SELECT p.actor_id FROM notes c JOIN notes p ON p.uri = c.in_reply_to_uri WHERE c.actor_id = ? AND c.in_reply_to_uri != ''
		UNION SELECT c.actor_id FROM notes c JOIN notes p ON p.uri = c.in_reply_to_uri WHERE p.actor_id = ? AND c.in_reply_to_uri != ''`
	args := make([]any, strings.Count(known, "?"))
	for i := range args {
		args[i] = actorID
	}
	rows, err := r.q.QueryContext(ctx, `SELECT DISTINCT CASE WHEN a.shared_inbox != '' THEN a.shared_inbox ELSE a.inbox END
		FROM actors a WHERE a.local = FALSE AND a.deleted_at = {never} AND a.id IN (`+known+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("known inboxes: %w", err)
	}
	return column[string](rows, nil)
}

// LocalFollowers returns the ids of local accounts that follow actorID (accepted).
func (r reader) LocalFollowers(ctx context.Context, actorID int64) ([]int64, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT f.follower_id FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND f.accepted = TRUE AND a.local = TRUE`, actorID)
	if err != nil {
		return nil, fmt.Errorf("local followers: %w", err)
	}
	return column[int64](rows, nil)
}

// reactionTable names the two tables that hold reactions; nothing else is ever spliced in.
func reactionTable(kind storage.ReactionKind) string {
	if kind == storage.Announce {
		return "announces"
	}
	return "likes"
}

// PutReaction records a Like or an Announce (kind). A repeat by the same actor of the same note
// is a no-op that reports false.
func (tx *Tx) PutReaction(ctx context.Context, kind storage.ReactionKind, r *storage.Reaction) (bool, error) {
	if r.Created.IsZero() {
		r.Created = time.Now()
	}
	query := `INSERT INTO likes (uri, actor_id, note_id, created) VALUES (?,?,?,?) ON CONFLICT DO NOTHING RETURNING id`
	if kind == storage.Announce { // a boost is a status too: its id is in the notes' sequence (see nextStatusRow)
		query = `INSERT INTO announces (id, uri, actor_id, note_id, created) VALUES (` + nextStatusRow + `,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id`
	}
	err := tx.tx.QueryRowContext(ctx, query, r.URI, r.ActorID, r.NoteID, ts(r.Created)).Scan(&r.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // a repeat: nothing inserted, nothing returned
	}
	if err != nil {
		return false, fmt.Errorf("put %s: %w", kind, err)
	}
	return true, nil
}

// GetReaction returns actorID's Like or Announce (kind) of noteID.
func (r reader) GetReaction(ctx context.Context, kind storage.ReactionKind, actorID, noteID int64) (*storage.Reaction, error) {
	return r.getReaction(ctx, kind, `actor_id = ? AND note_id = ?`, actorID, noteID)
}

// GetReactionByURI returns the Like or Announce (kind) whose activity id is uri.
func (r reader) GetReactionByURI(ctx context.Context, kind storage.ReactionKind, uri string) (*storage.Reaction, error) {
	return r.getReaction(ctx, kind, `uri = ?`, uri)
}

func (r reader) getReaction(ctx context.Context, kind storage.ReactionKind, where string, args ...any) (*storage.Reaction, error) {
	x := &storage.Reaction{}
	var created string
	err := r.q.QueryRowContext(ctx, `SELECT id, uri, actor_id, note_id, created FROM `+reactionTable(kind)+` WHERE `+where, args...).
		Scan(&x.ID, &x.URI, &x.ActorID, &x.NoteID, &created)
	if err != nil {
		return nil, notFound(string(kind), err)
	}
	x.Created = parseTS(created)
	return x, nil
}

// DeleteReaction removes a Like or Announce (kind) by row id.
// A boost's removal is an event: the status that wrapped it is gone from timelines.
func (tx *Tx) DeleteReaction(ctx context.Context, kind storage.ReactionKind, id int64) error {
	var actorID int64
	err := tx.tx.QueryRowContext(ctx, `DELETE FROM `+reactionTable(kind)+` WHERE id = ? RETURNING actor_id`, id).Scan(&actorID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("delete %s: %w", kind, err)
	}
	if kind == storage.Announce {
		tx.record(storage.Event{Kind: storage.EventDelete, AnnounceID: id, ActorID: actorID})
	}
	return nil
}

// Pin adds or removes a note from its author's featured collection.
func (tx *Tx) Pin(ctx context.Context, actorID, noteID int64, pinned bool) error {
	q := `INSERT INTO pins (actor_id, note_id, created) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
	args := []any{actorID, noteID, ts(time.Now())}
	if !pinned {
		q, args = `DELETE FROM pins WHERE actor_id = ? AND note_id = ?`, args[:2]
	}
	if _, err := tx.tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("pin: %w", err)
	}
	return nil
}

// ListPinned returns the actor's pinned notes visible to viewer, newest note first, with
// p's filters.
func (r reader) ListPinned(ctx context.Context, actorID, viewer int64, p storage.Page) ([]*storage.Note, error) {
	filters := storage.Page{Limit: 20, NoReplies: p.NoReplies, OnlyMedia: p.OnlyMedia, Tag: p.Tag}
	return r.listNotes(ctx, `n.id IN (SELECT note_id FROM pins WHERE actor_id = :actor) AND n.deleted_at = {never} AND `+visibleTo,
		[]any{sql.Named("actor", actorID), sql.Named("viewer", viewer)}, filters)
}

// ViewerState returns which of noteIDs the viewer has liked, boosted, pinned and
// bookmarked, in one query however many notes a page shows.
func (r reader) ViewerState(ctx context.Context, viewer int64, noteIDs []int64) (*storage.ViewerState, error) {
	st := &storage.ViewerState{Liked: map[int64]bool{}, Boosted: map[int64]bool{}, Pinned: map[int64]bool{},
		Bookmarked: map[int64]bool{}}
	if viewer == 0 || len(noteIDs) == 0 {
		return st, nil
	}
	args := []any{sql.Named("viewer", viewer)}
	in := ""
	for i, id := range noteIDs {
		if i > 0 {
			in += ","
		}
		name := "n" + strconv.Itoa(i)
		in += ":" + name
		args = append(args, sql.Named(name, id))
	}
	var q string
	for i, table := range []string{"likes", "announces", "pins", "bookmarks"} {
		if i > 0 {
			q += ` UNION ALL `
		}
		q += `SELECT ` + strconv.Itoa(i) + `, note_id FROM ` + table + ` WHERE actor_id = :viewer AND note_id IN (` + in + `)`
	}
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("viewer state: %w", err)
	}
	defer rows.Close()
	marks := []map[int64]bool{st.Liked, st.Boosted, st.Pinned, st.Bookmarked}
	for rows.Next() {
		var which int
		var id int64
		if err := rows.Scan(&which, &id); err != nil {
			return nil, fmt.Errorf("viewer state: %w", err)
		}
		marks[which][id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("viewer state: %w", err)
	}
	return st, nil
}
