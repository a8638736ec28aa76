package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"refuge/storage"
)

// PutAccountBlock stores a local account's block of another actor; a second block of the
// same pair keeps the first.
func (tx *Tx) PutAccountBlock(ctx context.Context, b *storage.AccountBlock) (bool, error) {
	if b.Created.IsZero() {
		b.Created = time.Now()
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO account_blocks (uri, actor_id, target_id, created) VALUES (?,?,?,?)
		ON CONFLICT (actor_id, target_id) DO NOTHING`, b.URI, b.ActorID, b.TargetID, ts(b.Created))
	if isUnique(err) {
		return false, storage.Wrap(storage.Conflict, err, "block id already used")
	}
	if err != nil {
		return false, fmt.Errorf("put block: %w", err)
	}
	added, _ := res.RowsAffected()
	got, err := tx.GetAccountBlock(ctx, b.ActorID, b.TargetID)
	if err != nil {
		return false, err
	}
	*b = *got
	return added > 0, nil
}

// GetAccountBlock returns actorID's block of targetID.
func (r reader) GetAccountBlock(ctx context.Context, actorID, targetID int64) (*storage.AccountBlock, error) {
	b := &storage.AccountBlock{}
	var created string
	err := r.q.QueryRowContext(ctx, `SELECT id, uri, actor_id, target_id, created FROM account_blocks
		WHERE actor_id = ? AND target_id = ?`, actorID, targetID).Scan(&b.ID, &b.URI, &b.ActorID, &b.TargetID, &created)
	if err != nil {
		return nil, notFound("block", err)
	}
	b.Created = parseTS(created)
	return b, nil
}

// DeleteAccountBlock lifts actorID's block of targetID and returns it.
func (tx *Tx) DeleteAccountBlock(ctx context.Context, actorID, targetID int64) (*storage.AccountBlock, error) {
	b, err := tx.GetAccountBlock(ctx, actorID, targetID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM account_blocks WHERE id = ?`, b.ID); err != nil {
		return nil, fmt.Errorf("delete block: %w", err)
	}
	return b, nil
}

// ListAccountBlocks returns the actors actorID blocks, newest block first.
func (r reader) ListAccountBlocks(ctx context.Context, actorID int64, p storage.Page) ([]*storage.Actor, []int64, error) {
	return r.listActors(ctx, `account_blocks`, `f.target_id`, `f.actor_id = ?`, []any{actorID}, p)
}

// liveMute is the condition under which mute f holds at the argument after it.
const liveMute = `(f.expires = {never} OR f.expires > ?)`

// PutMute stores a mute, replacing the settings of one of the same pair.
func (tx *Tx) PutMute(ctx context.Context, m *storage.Mute) error {
	if m.Created.IsZero() {
		m.Created = time.Now()
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO mutes (actor_id, target_id, notifications, expires, created)
		VALUES (?,?,?,?,?) ON CONFLICT (actor_id, target_id) DO UPDATE SET notifications = excluded.notifications,
		expires = excluded.expires, created = excluded.created RETURNING id`,
		m.ActorID, m.TargetID, m.Notifications, ts(m.Expires), ts(m.Created)).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("put mute: %w", err)
	}
	return nil
}

// ListHiders returns the accounts that block targetID (only local accounts block) and the
// live mutes of it.
func (r reader) ListHiders(ctx context.Context, targetID int64, now time.Time) ([]int64, []*storage.Mute, error) {
	var blockers []int64
	rows, err := r.q.QueryContext(ctx, `SELECT actor_id FROM account_blocks WHERE target_id = ? ORDER BY id`, targetID)
	if err != nil {
		return nil, nil, fmt.Errorf("list blockers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, nil, fmt.Errorf("list blockers: %w", err)
		}
		blockers = append(blockers, id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("list blockers: %w", err)
	}
	rows.Close()
	var mutes []*storage.Mute
	mrows, err := r.q.QueryContext(ctx, `SELECT id, actor_id, target_id, notifications, expires, created FROM mutes f
		WHERE target_id = ? AND `+liveMute+` ORDER BY id`, targetID, ts(now))
	if err != nil {
		return nil, nil, fmt.Errorf("list muters: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		m := &storage.Mute{}
		var expires, created string
		if err := mrows.Scan(&m.ID, &m.ActorID, &m.TargetID, &m.Notifications, &expires, &created); err != nil {
			return nil, nil, fmt.Errorf("list muters: %w", err)
		}
		m.Expires, m.Created = parseTS(expires), parseTS(created)
		mutes = append(mutes, m)
	}
	if err := mrows.Err(); err != nil {
		return nil, nil, fmt.Errorf("list muters: %w", err)
	}
	return blockers, mutes, nil
}

// GetMute returns actorID's mute of targetID that holds at now.
func (r reader) GetMute(ctx context.Context, actorID, targetID int64, now time.Time) (*storage.Mute, error) {
	m := &storage.Mute{}
	var expires, created string
	err := r.q.QueryRowContext(ctx, `SELECT id, actor_id, target_id, notifications, expires, created FROM mutes f
		WHERE actor_id = ? AND target_id = ? AND `+liveMute, actorID, targetID, ts(now)).
		Scan(&m.ID, &m.ActorID, &m.TargetID, &m.Notifications, &expires, &created)
	if err != nil {
		return nil, notFound("mute", err)
	}
	m.Expires, m.Created = parseTS(expires), parseTS(created)
	return m, nil
}

// GetRelationship reads actor's follow of other and other's of actor, their blocks of each
// other and actor's live mute of other, in one query: a profile page shows it to every
// signed-in reader.
func (r reader) GetRelationship(ctx context.Context, actor, other int64, now time.Time) (storage.Relationship, error) {
	var rel storage.Relationship
	var following, hideReblogs, followsYou, muteNotifications sql.NullBool
	err := r.q.QueryRowContext(ctx, `SELECT
		(SELECT accepted FROM follows WHERE follower_id = :actor AND followee_id = :other),
		(SELECT hide_reblogs FROM follows WHERE follower_id = :actor AND followee_id = :other),
		(SELECT accepted FROM follows WHERE follower_id = :other AND followee_id = :actor),
		EXISTS (SELECT 1 FROM account_blocks WHERE actor_id = :actor AND target_id = :other),
		EXISTS (SELECT 1 FROM account_blocks WHERE actor_id = :other AND target_id = :actor),
		(SELECT notifications FROM mutes f WHERE actor_id = :actor AND target_id = :other
			AND (f.expires = {never} OR f.expires > :now)),
		EXISTS (SELECT 1 FROM account_domain_blocks d JOIN actors o ON o.host = d.domain
			WHERE d.actor_id = :actor AND o.id = :other)`,
		sql.Named("actor", actor), sql.Named("other", other), sql.Named("now", ts(now))).
		Scan(&following, &hideReblogs, &followsYou, &rel.Blocking, &rel.BlockedBy, &muteNotifications, &rel.DomainBlocking)
	if err != nil {
		return storage.Relationship{}, fmt.Errorf("relationship: %w", err)
	}
	if following.Valid {
		rel.Following, rel.Requested, rel.ShowingReblogs = following.Bool, !following.Bool, !hideReblogs.Bool
	}
	if followsYou.Valid {
		rel.FollowsYou, rel.RequestsYou = followsYou.Bool, !followsYou.Bool
	}
	rel.Muting, rel.MutingNotifications = muteNotifications.Valid, muteNotifications.Bool
	return rel, nil
}

// HidesAnyone reports whether actorID blocks, mutes or is blocked by anyone, or blocks a
// server, at now: four probes of indexes, in one query.
func (r reader) HidesAnyone(ctx context.Context, actorID int64, now time.Time) (bool, error) {
	var hides bool
	err := r.q.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM account_blocks WHERE actor_id = :actor)
		OR EXISTS (SELECT 1 FROM account_blocks WHERE target_id = :actor)
		OR EXISTS (SELECT 1 FROM mutes f WHERE actor_id = :actor AND (f.expires = {never} OR f.expires > :now))
		OR EXISTS (SELECT 1 FROM account_domain_blocks WHERE actor_id = :actor)`,
		sql.Named("actor", actorID), sql.Named("now", ts(now))).Scan(&hides)
	if err != nil {
		return false, fmt.Errorf("hides anyone: %w", err)
	}
	return hides, nil
}

// DeleteMute lifts actorID's mute of targetID.
func (tx *Tx) DeleteMute(ctx context.Context, actorID, targetID int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM mutes WHERE actor_id = ? AND target_id = ?`, actorID, targetID)
	if err != nil {
		return fmt.Errorf("delete mute: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no such mute")
	}
	return nil
}

// ListMutes returns the actors actorID mutes at now, newest mute first.
func (r reader) ListMutes(ctx context.Context, actorID int64, now time.Time, p storage.Page) ([]*storage.Actor, []int64, error) {
	return r.listActors(ctx, `mutes`, `f.target_id`, `f.actor_id = ? AND `+liveMute, []any{actorID, ts(now)}, p)
}

// GetPostingDefaults returns actorID's posting defaults, the zero value when it set none.
func (r reader) GetPostingDefaults(ctx context.Context, actorID int64) (storage.PostingDefaults, error) {
	var d storage.PostingDefaults
	err := r.q.QueryRowContext(ctx, `SELECT privacy, sensitive, language FROM posting_defaults WHERE actor_id = ?`, actorID).
		Scan(&d.Privacy, &d.Sensitive, &d.Language)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("get posting defaults: %w", err)
	}
	return d, nil
}

// PutPostingDefaults stores actorID's posting defaults.
func (tx *Tx) PutPostingDefaults(ctx context.Context, actorID int64, d storage.PostingDefaults) error {
	if d.Privacy == "" {
		d.Privacy = storage.Public
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO posting_defaults (actor_id, privacy, sensitive, language) VALUES (?,?,?,?)
		ON CONFLICT (actor_id) DO UPDATE SET privacy = excluded.privacy, sensitive = excluded.sensitive,
		language = excluded.language`, actorID, d.Privacy, d.Sensitive, d.Language); err != nil {
		return fmt.Errorf("put posting defaults: %w", err)
	}
	return nil
}

// hiddenFor is the condition under which nothing that the actor in column col wrote or
// boosted is shown to the account of the :hidden_for argument: it blocks the actor or the
// actor's whole server, the actor blocks it, or it mutes the actor as of :hidden_at. With notifications, only the
// mutes that hide notifications count, and not being blocked by the actor (a notification
// from someone who blocked you afterwards stays, as on Mastodon).
func hiddenFor(col string, notifications bool) string {
	blocks := `SELECT 1 FROM account_blocks hb WHERE (hb.actor_id = :hidden_for AND hb.target_id = ` + col + `)`
	if !notifications {
		blocks += ` OR (hb.actor_id = ` + col + ` AND hb.target_id = :hidden_for)`
	}
	mutes := `SELECT 1 FROM mutes hm WHERE hm.actor_id = :hidden_for AND hm.target_id = ` + col +
		` AND (hm.expires = {never} OR hm.expires > :hidden_at)`
	if notifications {
		mutes += ` AND hm.notifications = TRUE`
	}
	domains := `SELECT 1 FROM account_domain_blocks hd JOIN actors ha ON ha.host = hd.domain
		WHERE hd.actor_id = :hidden_for AND ha.id = ` + col
	return ` AND NOT EXISTS (` + blocks + `) AND NOT EXISTS (` + mutes + `) AND NOT EXISTS (` + domains + `)`
}

// hiddenArgs are the arguments of hiddenFor for page p.
func hiddenArgs(p storage.Page) []any {
	at := p.HiddenAt
	if at.IsZero() {
		at = time.Now()
	}
	return []any{sql.Named("hidden_for", p.HiddenFor), sql.Named("hidden_at", ts(at))}
}
