package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"refuge/storage"
)

// putPoll writes the poll of a stored note. A new note's is inserted. On an edit (replace),
// a remote note's poll takes the counts its server sent; a local note's stays as it is, its
// counts being those of its votes, which an edit does not touch.
func (tx *Tx) putPoll(ctx context.Context, n *storage.Note, replace bool) error {
	p := n.Poll
	if p == nil || replace && n.Local {
		return nil
	}
	options := mustJSON(p.Options, []storage.PollOption{})
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO polls (note_id, multiple, expires_at, options_json, voters)
		VALUES (?,?,?,?,?) ON CONFLICT (note_id) DO UPDATE SET multiple = excluded.multiple,
		expires_at = excluded.expires_at, options_json = excluded.options_json, voters = excluded.voters`,
		n.ID, p.Multiple, ts(p.ExpiresAt), options, p.Voters); err != nil {
		return fmt.Errorf("note poll: %w", err)
	}
	if replace {
		// A note that came without a poll and is a Question now (a peer's edit).
		if _, err := tx.tx.ExecContext(ctx, `UPDATE notes SET has_poll = TRUE WHERE id = ? AND has_poll = FALSE`, n.ID); err != nil {
			return fmt.Errorf("note poll: %w", err)
		}
	}
	return nil
}

// fillPolls loads the polls of the notes scanNote marked as having one, in one query.
func (r reader) fillPolls(ctx context.Context, notes []*storage.Note) error {
	byID := map[int64]*storage.Note{}
	var ids []any
	for _, n := range notes {
		if n.Poll != nil {
			byID[n.ID] = n
			ids = append(ids, n.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := r.q.QueryContext(ctx, `SELECT note_id, multiple, expires_at, options_json, voters, ended_at
		FROM polls WHERE note_id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return fmt.Errorf("note polls: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var expires, options, ended string
		p := &storage.Poll{}
		if err := rows.Scan(&id, &p.Multiple, &expires, &options, &p.Voters, &ended); err != nil {
			return fmt.Errorf("scan poll: %w", err)
		}
		if err := json.Unmarshal([]byte(options), &p.Options); err != nil {
			return fmt.Errorf("poll of note %d: %w", id, err)
		}
		p.ExpiresAt, p.EndedAt = parseTS(expires), parseTS(ended)
		byID[id].Poll = p
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("note polls: %w", err)
	}
	for _, n := range byID {
		if len(n.Poll.Options) == 0 {
			n.Poll = nil // marked, but its row went (a rolled-back write's leftover flag)
		}
	}
	return nil
}

// placeholders is n question marks for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// OwnVotes returns the options viewer chose in the polls of noteIDs.
func (r reader) OwnVotes(ctx context.Context, viewer int64, noteIDs []int64) (map[int64][]int, error) {
	out := map[int64][]int{}
	if viewer == 0 || len(noteIDs) == 0 {
		return out, nil
	}
	args := []any{viewer}
	for _, id := range noteIDs {
		args = append(args, id)
	}
	rows, err := r.q.QueryContext(ctx, `SELECT note_id, choice FROM poll_votes WHERE actor_id = ?
		AND note_id IN (`+placeholders(len(noteIDs))+`) ORDER BY note_id, choice`, args...)
	if err != nil {
		return nil, fmt.Errorf("own votes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var choice int
		if err := rows.Scan(&id, &choice); err != nil {
			return nil, fmt.Errorf("own votes: %w", err)
		}
		out[id] = append(out[id], choice)
	}
	return out, rows.Err()
}

// PollVoters lists the accounts that voted in a poll.
func (r reader) PollVoters(ctx context.Context, noteID int64) ([]*storage.Actor, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors a
		WHERE a.id IN (SELECT actor_id FROM poll_votes WHERE note_id = ?) ORDER BY a.id`, noteID)
	if err != nil {
		return nil, fmt.Errorf("poll voters: %w", err)
	}
	return collectActors(rows)
}

// PollsDue lists the polls that ended unhandled and the local ones with results to send.
func (r reader) PollsDue(ctx context.Context, now, changedBy time.Time, limit int) ([]storage.PollDue, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT p.note_id, n.local, TRUE FROM polls p JOIN notes n ON n.id = p.note_id
		WHERE p.ended_at = {never} AND p.expires_at <> {never} AND p.expires_at <= ? AND n.deleted_at = {never}
		UNION
		SELECT p.note_id, n.local, FALSE FROM polls p JOIN notes n ON n.id = p.note_id
		WHERE p.changed_at <> {never} AND p.changed_at <= ? AND n.deleted_at = {never}
		ORDER BY 1 LIMIT ?`, ts(now), ts(changedBy), limit)
	if err != nil {
		return nil, fmt.Errorf("polls due: %w", err)
	}
	defer rows.Close()
	var out []storage.PollDue
	for rows.Next() {
		var d storage.PollDue
		if err := rows.Scan(&d.NoteID, &d.Local, &d.Ended); err != nil {
			return nil, fmt.Errorf("polls due: %w", err)
		}
		// A poll both ended and changed comes twice: its end sends its results too.
		if k := len(out); k > 0 && out[k-1].NoteID == d.NoteID {
			out[k-1].Ended = out[k-1].Ended || d.Ended
			continue
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Vote records and counts an account's choices.
func (tx *Tx) Vote(ctx context.Context, noteID, actorID int64, choices []int, at time.Time) (int, error) {
	var local, multiple bool
	var options string
	var voters int
	err := tx.tx.QueryRowContext(ctx, `SELECT n.local, p.multiple, p.options_json, p.voters FROM polls p
		JOIN notes n ON n.id = p.note_id WHERE p.note_id = ?`, noteID).Scan(&local, &multiple, &options, &voters)
	if err != nil {
		return 0, notFound("poll", err)
	}
	var opts []storage.PollOption
	if err := json.Unmarshal([]byte(options), &opts); err != nil {
		return 0, fmt.Errorf("poll of note %d: %w", noteID, err)
	}
	if len(choices) == 0 {
		return 0, storage.Errorf(storage.Invalid, "a vote chooses at least one option")
	}
	if !multiple && len(choices) > 1 {
		return 0, storage.Errorf(storage.Invalid, "this poll takes one choice")
	}
	for _, c := range choices {
		if c < 0 || c >= len(opts) {
			return 0, storage.Errorf(storage.Invalid, "choice %d is not an option of this poll", c)
		}
	}
	var before []int
	rows, err := tx.tx.QueryContext(ctx, `SELECT choice FROM poll_votes WHERE note_id = ? AND actor_id = ?`, noteID, actorID)
	if err != nil {
		return 0, fmt.Errorf("vote: %w", err)
	}
	for rows.Next() {
		var c int
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return 0, fmt.Errorf("vote: %w", err)
		}
		before = append(before, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("vote: %w", err)
	}
	if !multiple && len(before) > 0 {
		return 0, nil
	}
	var added []int
	for _, c := range choices {
		if slices.Contains(before, c) || slices.Contains(added, c) {
			continue
		}
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO poll_votes (note_id, actor_id, choice, created) VALUES (?,?,?,?)`,
			noteID, actorID, c, ts(at)); err != nil {
			return 0, fmt.Errorf("vote: %w", err)
		}
		added = append(added, c)
	}
	if len(added) == 0 {
		return 0, nil
	}
	// Counted as they come, which holds as many counts as votes for a local poll (each vote
	// row is new, by the unique key, in this one transaction) without reading them all
	// again; a remote poll's server's counts, plus the votes cast here since, as Mastodon
	// shows its own voters' votes at once.
	for _, c := range added {
		opts[c].Votes++
	}
	if len(before) == 0 {
		voters++
	}
	// A local poll's changed results are sent later (outbox.SettlePolls): marked changed.
	if _, err := tx.tx.ExecContext(ctx, `UPDATE polls SET voters = :voters, options_json = :options,
		changed_at = CASE WHEN :local AND changed_at = {never} THEN :at ELSE changed_at END WHERE note_id = :id`,
		sql.Named("voters", voters), sql.Named("options", mustJSON(opts, nil)), sql.Named("local", local),
		sql.Named("at", ts(at)), sql.Named("id", noteID)); err != nil {
		return 0, fmt.Errorf("vote: %w", err)
	}
	return len(added), nil
}

// EndPoll records that a poll's end was handled.
func (tx *Tx) EndPoll(ctx context.Context, noteID int64, at time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE polls SET ended_at = ? WHERE note_id = ? AND ended_at = {never}`, ts(at), noteID)
	if err != nil {
		return false, fmt.Errorf("end poll: %w", err)
	}
	k, err := res.RowsAffected()
	return k == 1, err
}

// PollSent records that a local poll's results went out.
func (tx *Tx) PollSent(ctx context.Context, noteID int64) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE polls SET changed_at = {never} WHERE note_id = ?`, noteID); err != nil {
		return fmt.Errorf("poll sent: %w", err)
	}
	return nil
}
