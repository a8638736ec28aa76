package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"refuge/storage"
)

// Communities (migrations sqlite/0057, postgres/0049): a group's settings, moderators, bans,
// what it announced and its moderation log; and what each server runs.

const groupColumns = `actor_id, owner_id, posting_restricted, rules, created`

func scanGroup(s scanner) (*storage.Group, error) {
	g := &storage.Group{}
	var created string
	if err := s.Scan(&g.ActorID, &g.OwnerID, &g.PostingRestricted, &g.Rules, &created); err != nil {
		return nil, err
	}
	g.Created = parseTS(created)
	return g, nil
}

// GetGroup returns the group of the local actor actorID.
func (r reader) GetGroup(ctx context.Context, actorID int64) (*storage.Group, error) {
	g, err := scanGroup(r.q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM local_groups WHERE actor_id = ?`, actorID))
	if err != nil {
		return nil, notFound("group", err)
	}
	return g, nil
}

// ListGroups returns every group, oldest first.
func (r reader) ListGroups(ctx context.Context) ([]*storage.Group, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+groupColumns+` FROM local_groups ORDER BY created, actor_id`)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	defer rows.Close()
	var out []*storage.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("list groups: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GroupModerators returns a group's moderators, its owner first.
func (r reader) GroupModerators(ctx context.Context, groupID int64) ([]int64, error) {
	ids, err := column[int64](r.q.QueryContext(ctx, `SELECT m.actor_id FROM group_moderators m
		JOIN local_groups g ON g.actor_id = m.group_id WHERE m.group_id = ?
		ORDER BY CASE WHEN m.actor_id = g.owner_id THEN 0 ELSE 1 END, m.created, m.actor_id`, groupID))
	if err != nil {
		return nil, fmt.Errorf("group moderators: %w", err)
	}
	return ids, nil
}

// GroupBanned reports whether actorID or host is banned from groupID.
func (r reader) GroupBanned(ctx context.Context, groupID, actorID int64, host string) (bool, error) {
	var one int
	err := r.q.QueryRowContext(ctx, `SELECT 1 FROM group_bans WHERE group_id = ?
		AND ((actor_id = ? AND actor_id <> 0) OR (actor_id = 0 AND host = ?)) LIMIT 1`, groupID, actorID, host).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("group banned: %w", err)
	}
	return true, nil
}

// ListGroupBans returns a group's bans, newest first.
func (r reader) ListGroupBans(ctx context.Context, groupID int64) ([]*storage.GroupBan, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, group_id, actor_id, host, reason, created FROM group_bans
		WHERE group_id = ? ORDER BY id DESC`, groupID)
	if err != nil {
		return nil, fmt.Errorf("list group bans: %w", err)
	}
	defer rows.Close()
	var out []*storage.GroupBan
	for rows.Next() {
		b := &storage.GroupBan{}
		var created string
		if err := rows.Scan(&b.ID, &b.GroupID, &b.ActorID, &b.Host, &b.Reason, &created); err != nil {
			return nil, fmt.Errorf("list group bans: %w", err)
		}
		b.Created = parseTS(created)
		out = append(out, b)
	}
	return out, rows.Err()
}

const groupPostColumns = `group_id, note_id, author_id, announce_uri, activity_uri, created, removed`

func scanGroupPost(s scanner) (*storage.GroupPost, error) {
	p := &storage.GroupPost{}
	var created, removed string
	if err := s.Scan(&p.GroupID, &p.NoteID, &p.AuthorID, &p.AnnounceURI, &p.ActivityURI, &created, &removed); err != nil {
		return nil, err
	}
	p.Created, p.Removed = parseTS(created), parseTS(removed)
	return p, nil
}

// GetGroupPost returns what groupID announced of noteID.
func (r reader) GetGroupPost(ctx context.Context, groupID, noteID int64) (*storage.GroupPost, error) {
	p, err := scanGroupPost(r.q.QueryRowContext(ctx, `SELECT `+groupPostColumns+` FROM group_posts
		WHERE group_id = ? AND note_id = ?`, groupID, noteID))
	if err != nil {
		return nil, notFound("group post", err)
	}
	return p, nil
}

// GroupsOfNote returns the group posts of noteID.
func (r reader) GroupsOfNote(ctx context.Context, noteID int64) ([]*storage.GroupPost, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+groupPostColumns+` FROM group_posts WHERE note_id = ? ORDER BY group_id`, noteID)
	if err != nil {
		return nil, fmt.Errorf("groups of note: %w", err)
	}
	defer rows.Close()
	var out []*storage.GroupPost
	for rows.Next() {
		p, err := scanGroupPost(rows)
		if err != nil {
			return nil, fmt.Errorf("groups of note: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountGroupPosts counts what groupID announced since, of authorID alone when not 0.
func (r reader) CountGroupPosts(ctx context.Context, groupID, authorID int64, since time.Time) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM group_posts WHERE group_id = ? AND created >= ?
		AND (? = 0 OR author_id = ?)`, groupID, ts(since), authorID, authorID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count group posts: %w", err)
	}
	return n, nil
}

// ListGroupLog returns a group's moderation log, newest first.
func (r reader) ListGroupLog(ctx context.Context, groupID int64, limit int) ([]*storage.GroupLogEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := r.q.QueryContext(ctx, `SELECT id, group_id, moderator_id, action, target, reason, created FROM group_log
		WHERE group_id = ? ORDER BY id DESC LIMIT ?`, groupID, limit)
	if err != nil {
		return nil, fmt.Errorf("group log: %w", err)
	}
	defer rows.Close()
	var out []*storage.GroupLogEntry
	for rows.Next() {
		e := &storage.GroupLogEntry{}
		var created string
		if err := rows.Scan(&e.ID, &e.GroupID, &e.ModeratorID, &e.Action, &e.Target, &e.Reason, &created); err != nil {
			return nil, fmt.Errorf("group log: %w", err)
		}
		e.Created = parseTS(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CreateGroup stores a group, with its owner as its first moderator.
func (tx *Tx) CreateGroup(ctx context.Context, g *storage.Group) error {
	if g.Created.IsZero() {
		g.Created = time.Now()
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO local_groups (`+groupColumns+`) VALUES (?,?,?,?,?)`,
		g.ActorID, g.OwnerID, g.PostingRestricted, g.Rules, ts(g.Created))
	if isUnique(err) {
		return storage.Wrap(storage.Conflict, err, "the group exists already")
	}
	if err != nil {
		return fmt.Errorf("create group: %w", err)
	}
	return tx.PutGroupModerator(ctx, g.ActorID, g.OwnerID)
}

// UpdateGroup saves a group's rules and posting restriction.
func (tx *Tx) UpdateGroup(ctx context.Context, g *storage.Group) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE local_groups SET posting_restricted = ?, rules = ? WHERE actor_id = ?`,
		g.PostingRestricted, g.Rules, g.ActorID)
	if err != nil {
		return fmt.Errorf("update group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no group %d", g.ActorID)
	}
	return nil
}

// PutGroupModerator makes actorID a moderator of groupID.
func (tx *Tx) PutGroupModerator(ctx context.Context, groupID, actorID int64) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO group_moderators (group_id, actor_id, created) VALUES (?,?,?)
		ON CONFLICT DO NOTHING`, groupID, actorID, ts(time.Now()))
	if err != nil {
		return fmt.Errorf("put group moderator: %w", err)
	}
	return nil
}

// DeleteGroupModerator removes a moderator.
func (tx *Tx) DeleteGroupModerator(ctx context.Context, groupID, actorID int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM group_moderators WHERE group_id = ? AND actor_id = ?`, groupID, actorID)
	if err != nil {
		return fmt.Errorf("delete group moderator: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "not a moderator of the group")
	}
	return nil
}

// PutGroupBan bans an account or a server.
func (tx *Tx) PutGroupBan(ctx context.Context, b *storage.GroupBan) (bool, error) {
	if b.Created.IsZero() {
		b.Created = time.Now()
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO group_bans (group_id, actor_id, host, reason, created)
		VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id`, b.GroupID, b.ActorID, b.Host, b.Reason, ts(b.Created)).Scan(&b.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("put group ban: %w", err)
	}
	return true, nil
}

// DeleteGroupBan lifts a ban.
func (tx *Tx) DeleteGroupBan(ctx context.Context, groupID, actorID int64, host string) error {
	q, args := `DELETE FROM group_bans WHERE group_id = ? AND actor_id = ?`, []any{groupID, actorID}
	if actorID == 0 {
		q, args = q+` AND host = ?`, append(args, host)
	}
	res, err := tx.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("delete group ban: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no such ban")
	}
	return nil
}

// PutGroupPost records what a group announced.
func (tx *Tx) PutGroupPost(ctx context.Context, p *storage.GroupPost) (bool, error) {
	if p.Created.IsZero() {
		p.Created = time.Now()
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO group_posts (group_id, note_id, author_id, announce_uri, activity_uri, created, removed)
		VALUES (?,?,?,?,?,?,{never}) ON CONFLICT DO NOTHING`, p.GroupID, p.NoteID, p.AuthorID, p.AnnounceURI, p.ActivityURI, ts(p.Created))
	if err != nil {
		return false, fmt.Errorf("put group post: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RemoveGroupPost marks a group post removed.
func (tx *Tx) RemoveGroupPost(ctx context.Context, groupID, noteID int64, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE group_posts SET removed = ? WHERE group_id = ? AND note_id = ? AND removed = {never}`,
		ts(at), groupID, noteID)
	if err != nil {
		return fmt.Errorf("remove group post: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "the group has no such post")
	}
	return nil
}

// AddGroupLog appends to a group's moderation log.
func (tx *Tx) AddGroupLog(ctx context.Context, e *storage.GroupLogEntry) error {
	if e.Created.IsZero() {
		e.Created = time.Now()
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO group_log (group_id, moderator_id, action, target, reason, created)
		VALUES (?,?,?,?,?,?) RETURNING id`, e.GroupID, e.ModeratorID, e.Action, e.Target, e.Reason, ts(e.Created)).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("add group log: %w", err)
	}
	return nil
}

// GetPeerSoftware returns what host runs, as last read.
func (r reader) GetPeerSoftware(ctx context.Context, host string) (*storage.PeerSoftware, error) {
	p := &storage.PeerSoftware{}
	var fetched string
	err := r.q.QueryRowContext(ctx, `SELECT host, software, version, fetched FROM peer_software WHERE host = ?`, host).
		Scan(&p.Host, &p.Software, &p.Version, &fetched)
	if err != nil {
		return nil, notFound("peer software", err)
	}
	p.Fetched = parseTS(fetched)
	return p, nil
}

// PeerSoftwareOf returns what each of hosts runs, as far as known.
func (r reader) PeerSoftwareOf(ctx context.Context, hosts []string) (map[string]string, error) {
	out := map[string]string{}
	most := inListSizes[len(inListSizes)-1]
	for start := 0; start < len(hosts); start += most {
		in, args := inList(hosts[start:min(start+most, len(hosts))])
		rows, err := r.q.QueryContext(ctx, `SELECT host, software FROM peer_software WHERE host IN `+in, args...)
		if err != nil {
			return nil, fmt.Errorf("peer software: %w", err)
		}
		for rows.Next() {
			var host, software string
			if err := rows.Scan(&host, &software); err != nil {
				rows.Close()
				return nil, fmt.Errorf("peer software: %w", err)
			}
			out[host] = software
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("peer software: %w", err)
		}
	}
	return out, nil
}

// PutPeerSoftware adds or replaces a server's entry.
func (tx *Tx) PutPeerSoftware(ctx context.Context, p *storage.PeerSoftware) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO peer_software (host, software, version, fetched) VALUES (?,?,?,?)
		ON CONFLICT (host) DO UPDATE SET software = excluded.software, version = excluded.version, fetched = excluded.fetched`,
		p.Host, p.Software, p.Version, ts(p.Fetched))
	if err != nil {
		return fmt.Errorf("put peer software of %s: %w", p.Host, err)
	}
	return nil
}
