package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"refuge/storage"
)

// The remote media cache's rows (storage.RemoteMedia). A row is queued in the transaction
// that stores what names its URL, leased and settled by the cache's workers, one
// transaction each, as deliveries are.

const remoteMediaColumns = `r.id, r.key, r.url, r.kind, r.state, r.path, r.thumb_path, r.media_type, r.blurhash,
	r.width, r.height, r.bytes, r.attempts, r.next_try, r.error, r.used, r.created`

func scanRemoteMedia(s scanner) (*storage.RemoteMedia, error) {
	m := &storage.RemoteMedia{}
	var next, used, created string
	if err := s.Scan(&m.ID, &m.Key, &m.URL, &m.Kind, &m.State, &m.Path, &m.ThumbPath, &m.MediaType, &m.Blurhash,
		&m.Width, &m.Height, &m.Bytes, &m.Attempts, &next, &m.Error, &used, &created); err != nil {
		return nil, err
	}
	m.NextTry, m.Used, m.Created = parseTS(next), parseTS(used), parseTS(created)
	return m, nil
}

// remoteMediaRows reads the rows a query returns (with its error) and closes them.
func remoteMediaRows(rows *sql.Rows, err error) ([]*storage.RemoteMedia, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*storage.RemoteMedia
	for rows.Next() {
		m, err := scanRemoteMedia(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// fetchable reports whether u is a URL the cache may fetch: absolute http or https, with a
// host.
func fetchable(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != ""
}

// GetRemoteMedia returns the remote file served under key.
func (r reader) GetRemoteMedia(ctx context.Context, key string) (*storage.RemoteMedia, error) {
	m, err := scanRemoteMedia(r.q.QueryRowContext(ctx, `SELECT `+remoteMediaColumns+` FROM remote_media r WHERE r.key = ?`, key))
	if err != nil {
		return nil, notFound("remote media", err)
	}
	return m, nil
}

// RemoteMediaUsage counts the cache's files by state, and the bytes of the stored ones.
func (r reader) RemoteMediaUsage(ctx context.Context) (storage.RemoteMediaUsage, error) {
	var u storage.RemoteMediaUsage
	rows, err := r.q.QueryContext(ctx, `SELECT state, count(*), CAST(coalesce(sum(bytes), 0) AS BIGINT)
		FROM remote_media GROUP BY state`)
	if err != nil {
		return u, fmt.Errorf("remote media usage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		var bytes int64
		if err := rows.Scan(&state, &n, &bytes); err != nil {
			return u, fmt.Errorf("remote media usage: %w", err)
		}
		switch state {
		case storage.RemotePending:
			u.Pending = n
		case storage.RemoteStored:
			u.Stored, u.StoredBytes = n, bytes
		case storage.RemoteFailed:
			u.Failed = n
		case storage.RemotePruned:
			u.Pruned = n
		}
	}
	if err := rows.Err(); err != nil {
		return u, fmt.Errorf("remote media usage: %w", err)
	}
	return u, nil
}

// QueueRemoteMedia queues url, of kind, due at now, unless it is known already: a row
// stored, failed or pruned stays as it is.
func (tx *Tx) QueueRemoteMedia(ctx context.Context, url, kind string, now time.Time) error {
	if !fetchable(url) {
		return storage.Errorf(storage.Invalid, "remote media %q is not an http(s) URL", url)
	}
	if kind == "" {
		return storage.Errorf(storage.Invalid, "remote media %q has no kind", url)
	}
	return tx.queueRemoteMedia(ctx, url, kind, "", now)
}

// maxBlurhash bounds a remote blurhash kept as a placeholder: 9×9 components, the most the
// format has, take 2 + 4 + 81×2 = 168 characters; ours take 16.
const maxBlurhash = 168

// queueRemoteMedia queues url unless it is known; on PostgreSQL a row inserted wakes every
// process's workers (OnQueued). A conflict on either unique column is "known": two URLs
// with one key would take 130 bits of luck.
//
// blurhash is what the other server said of the picture, kept until it is fetched (when
// the cache's own replaces it): the placeholder readers see meanwhile. Not trusted for
// anything else, and dropped when it is longer than any real one.
func (tx *Tx) queueRemoteMedia(ctx context.Context, url, kind, blurhash string, now time.Time) error {
	if len(blurhash) > maxBlurhash {
		blurhash = ""
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO remote_media (key, url, kind, state, blurhash, next_try, used, created)
		VALUES (?, ?, ?, 'pending', ?, ?, {never}, ?) ON CONFLICT DO NOTHING`,
		storage.MediaKey(url), url, kind, blurhash, ts(now), ts(now))
	if err != nil {
		return fmt.Errorf("queue remote media %s: %w", url, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		tx.queued = true
	}
	return nil
}

// queueRemoteAttachments queues the remote attachments of a remote note (those stored with
// a URL and no file here); a local note's are its own uploads.
func (tx *Tx) queueRemoteAttachments(ctx context.Context, n *storage.Note) error {
	if n.Local {
		return nil
	}
	now := time.Now()
	for _, m := range n.Media {
		if m.Path == "" && fetchable(m.URL) {
			if err := tx.queueRemoteMedia(ctx, m.URL, storage.RemoteAttachment, m.Blurhash, now); err != nil {
				return err
			}
		}
	}
	// A card's picture is fetched as an attachment is: pages never load another server's.
	if n.Card != nil && fetchable(n.Card.Image) {
		if err := tx.queueRemoteMedia(ctx, n.Card.Image, storage.RemoteAttachment, "", now); err != nil {
			return err
		}
	}
	return tx.queueEmojis(ctx, n.Tags, now)
}

// queueEmojis queues the pictures of the custom emoji among tags.
func (tx *Tx) queueEmojis(ctx context.Context, tags []storage.Tag, now time.Time) error {
	for _, t := range tags {
		if t.Type == storage.TagEmoji && fetchable(t.Href) {
			if err := tx.queueRemoteMedia(ctx, t.Href, storage.RemoteEmoji, "", now); err != nil {
				return err
			}
		}
	}
	return nil
}

// queueRemoteProfile queues the avatar and header of a live remote actor.
func (tx *Tx) queueRemoteProfile(ctx context.Context, a *storage.Actor) error {
	if a.Local || !a.DeletedAt.IsZero() {
		return nil
	}
	now := time.Now()
	for _, f := range []struct{ url, kind string }{{a.IconURL, storage.RemoteAvatar}, {a.ImageURL, storage.RemoteHeader}} {
		if fetchable(f.url) {
			if err := tx.queueRemoteMedia(ctx, f.url, f.kind, "", now); err != nil {
				return err
			}
		}
	}
	return tx.queueEmojis(ctx, a.Emojis, now)
}

// LeaseRemoteMedia returns up to limit pending files due at now, oldest first, leased
// until now+lease.
func (db *DB) LeaseRemoteMedia(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*storage.RemoteMedia, error) {
	if db.pg != nil {
		return db.pgLeaseRemoteMedia(ctx, now, lease, limit)
	}
	var out []*storage.RemoteMedia
	err := db.update(ctx, func(tx *Tx) error {
		var err error
		out, err = remoteMediaRows(tx.tx.QueryContext(ctx, `SELECT `+remoteMediaColumns+` FROM remote_media r
			WHERE r.state = 'pending' AND r.next_try <= ? ORDER BY r.next_try, r.id LIMIT ?`, ts(now), limit))
		if err != nil {
			return fmt.Errorf("lease remote media: %w", err)
		}
		for _, m := range out {
			m.NextTry = now.Add(lease)
			if _, err := tx.tx.ExecContext(ctx, `UPDATE remote_media SET next_try = ? WHERE id = ?`, ts(m.NextTry), m.ID); err != nil {
				return fmt.Errorf("lease remote media: %w", err)
			}
		}
		return nil
	})
	return out, err
}

// pgLeaseRemoteMedia is LeaseRemoteMedia in one statement: rows another process's worker
// has locked meanwhile are skipped, not waited for, so that each is leased by one worker.
func (db *DB) pgLeaseRemoteMedia(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*storage.RemoteMedia, error) {
	out, err := remoteMediaRows(db.rcache.QueryContext(ctx, `WITH due AS (SELECT id, next_try AS due FROM remote_media
			WHERE state = 'pending' AND next_try <= ? ORDER BY next_try, id LIMIT ? FOR UPDATE SKIP LOCKED),
		leased AS (UPDATE remote_media r SET next_try = ? FROM due WHERE r.id = due.id
			RETURNING `+remoteMediaColumns+`, due.due)
		SELECT r.id, r.key, r.url, r.kind, r.state, r.path, r.thumb_path, r.media_type, r.blurhash, r.width, r.height,
			r.bytes, r.attempts, r.next_try, r.error, r.used, r.created FROM leased r ORDER BY r.due, r.id`,
		ts(now), limit, ts(now.Add(lease))))
	if err != nil {
		return nil, fmt.Errorf("lease remote media: %w", err)
	}
	return out, nil
}

// ClaimRemoteMedia leases the file served under key for a reader asking for it: one
// pending and due, or pruned (which becomes pending again). It returns the row as it is
// and false when it is stored, failed, or leased by another.
func (db *DB) ClaimRemoteMedia(ctx context.Context, key string, now time.Time, lease time.Duration) (*storage.RemoteMedia, bool, error) {
	var m *storage.RemoteMedia
	var claimed bool
	err := db.update(ctx, func(tx *Tx) error {
		var err error
		m, err = tx.GetRemoteMedia(ctx, key)
		if err != nil {
			return err
		}
		claimed = m.State == storage.RemotePruned || m.State == storage.RemotePending && !m.NextTry.After(now)
		if !claimed {
			return nil
		}
		m.State, m.NextTry = storage.RemotePending, now.Add(lease)
		_, err = tx.tx.ExecContext(ctx, `UPDATE remote_media SET state = 'pending', next_try = ? WHERE id = ?`, ts(m.NextTry), m.ID)
		if err != nil {
			return fmt.Errorf("claim remote media: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return m, claimed, nil
}

// StoreRemoteMedia records that m was fetched and stored, and gives its blurhash and size
// to the attachments of its URL that had none.
func (db *DB) StoreRemoteMedia(ctx context.Context, m *storage.RemoteMedia, now time.Time) error {
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `UPDATE remote_media SET state = 'stored', path = ?, thumb_path = ?,
			media_type = ?, blurhash = ?, width = ?, height = ?, bytes = ?, used = ?, error = '' WHERE id = ?`,
			m.Path, m.ThumbPath, m.MediaType, m.Blurhash, m.Width, m.Height, m.Bytes, ts(now.Truncate(time.Hour)), m.ID)
		if err != nil {
			return fmt.Errorf("store remote media %d: %w", m.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return storage.Errorf(storage.NotFound, "remote media %d is gone", m.ID)
		}
		if m.Blurhash != "" {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE media SET blurhash = ? WHERE url = ? AND path = '' AND blurhash = ''`,
				m.Blurhash, m.URL); err != nil {
				return fmt.Errorf("store remote media %d: %w", m.ID, err)
			}
		}
		if m.Width > 0 && m.Height > 0 {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE media SET width = ?, height = ? WHERE url = ? AND path = '' AND width = 0`,
				m.Width, m.Height, m.URL); err != nil {
				return fmt.Errorf("store remote media %d: %w", m.ID, err)
			}
		}
		return nil
	})
}

// settle runs one statement on remote media row id, NotFound when the row is gone.
func (db *DB) settle(ctx context.Context, what string, id int64, query string, args ...any) error {
	return db.update(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("%s remote media %d: %w", what, id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var ok bool
			if err := tx.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM remote_media WHERE id = ?)`, id).Scan(&ok); err != nil {
				return fmt.Errorf("%s remote media %d: %w", what, id, err)
			}
			if !ok {
				return storage.Errorf(storage.NotFound, "remote media %d is gone", id)
			}
		}
		return nil
	})
}

// FailRemoteMedia records a failed fetch: due again at next, or failed for good when next
// is zero. NotFound when the row is gone.
func (db *DB) FailRemoteMedia(ctx context.Context, id int64, why string, next time.Time) error {
	state := storage.RemotePending
	if next.IsZero() {
		state = storage.RemoteFailed
	}
	return db.settle(ctx, "fail", id, `UPDATE remote_media SET attempts = attempts + 1, error = ?, state = ?, next_try = ?
		WHERE id = ?`, why, state, ts(next), id)
}

// TouchRemoteMedia records that the file was served at at, kept to the hour: within the
// same hour it writes nothing. NotFound when the row is gone.
func (db *DB) TouchRemoteMedia(ctx context.Context, id int64, at time.Time) error {
	hour := ts(at.Truncate(time.Hour))
	return db.settle(ctx, "touch", id, `UPDATE remote_media SET used = ? WHERE id = ? AND used <> ?`, hour, id, hour)
}

// PruneRemoteMedia marks a stored file pruned, its files gone; one in another state is
// left as it is. NotFound when the row is gone.
func (db *DB) PruneRemoteMedia(ctx context.Context, id int64) error {
	return db.settle(ctx, "prune", id, `UPDATE remote_media SET state = 'pruned', path = '', thumb_path = '', bytes = 0
		WHERE id = ? AND state = 'stored'`, id)
}

// remoteMediaKept is the condition under which stored file r is kept whatever the budget:
// it is an attachment of a note that a local account boosted, liked or bookmarked, or the
// avatar or header of a live actor a local account follows (accepted). Whatever its kind:
// one URL named both ways is one file.
const remoteMediaKept = `EXISTS (SELECT 1 FROM media m JOIN announces k ON k.note_id = m.note_id
		JOIN actors l ON l.id = k.actor_id AND l.local = TRUE WHERE m.url = r.url AND m.path = '')
	OR EXISTS (SELECT 1 FROM media m JOIN likes k ON k.note_id = m.note_id
		JOIN actors l ON l.id = k.actor_id AND l.local = TRUE WHERE m.url = r.url AND m.path = '')
	OR EXISTS (SELECT 1 FROM media m JOIN bookmarks k ON k.note_id = m.note_id
		JOIN actors l ON l.id = k.actor_id AND l.local = TRUE WHERE m.url = r.url AND m.path = '')
	OR EXISTS (SELECT 1 FROM actors a JOIN follows f ON f.followee_id = a.id AND f.accepted = TRUE
		JOIN actors l ON l.id = f.follower_id AND l.local = TRUE
		WHERE a.icon_url = r.url AND a.local = FALSE AND a.deleted_at = {never})
	OR EXISTS (SELECT 1 FROM actors a JOIN follows f ON f.followee_id = a.id AND f.accepted = TRUE
		JOIN actors l ON l.id = f.follower_id AND l.local = TRUE
		WHERE a.image_url = r.url AND a.local = FALSE AND a.deleted_at = {never})`

// PrunableRemoteMedia returns up to limit stored files nothing keeps, least recently used
// first.
func (r reader) PrunableRemoteMedia(ctx context.Context, limit int) ([]*storage.RemoteMedia, error) {
	out, err := remoteMediaRows(r.q.QueryContext(ctx, `SELECT `+remoteMediaColumns+` FROM remote_media r
		WHERE r.state = 'stored' AND NOT (`+remoteMediaKept+`) ORDER BY r.used, r.id LIMIT ?`, limit))
	if err != nil {
		return nil, fmt.Errorf("prunable remote media: %w", err)
	}
	return out, nil
}

// remoteMediaOrphan is the condition under which row r is named by nothing any longer: no
// media row (deleted notes have none) and no live remote actor; for a custom emoji's
// picture, no emoji reaction, note's Emoji tag or live actor's emoji. Only the kinds notes, actors and reactions queue are judged so: a kind queued for something else (QueueRemoteMedia) would be
// dropped by rules that do not know what names it.
var remoteMediaOrphan = `((r.kind IN ('` + strings.Join([]string{storage.RemoteAttachment, storage.RemoteAvatar, storage.RemoteHeader}, "', '") + `')
	AND NOT EXISTS (SELECT 1 FROM media m WHERE m.url = r.url)
	AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.card_image <> '' AND n.card_image = r.url)
	AND NOT EXISTS (SELECT 1 FROM actors a WHERE a.icon_url = r.url AND a.local = FALSE AND a.deleted_at = {never})
	AND NOT EXISTS (SELECT 1 FROM actors a WHERE a.image_url = r.url AND a.local = FALSE AND a.deleted_at = {never}))
	OR (r.kind = '` + storage.RemoteEmoji + `' AND NOT EXISTS (SELECT 1 FROM emoji_reactions e WHERE e.image_url = r.url)
	AND NOT EXISTS (SELECT 1 FROM note_tags t WHERE t.type = 'Emoji' AND t.href = r.url)
	AND NOT EXISTS (SELECT 1 FROM actors a WHERE a.local = FALSE AND a.deleted_at = {never} AND a.emojis_json LIKE '%' || r.url || '%')))`

// DropOrphanRemoteMedia removes up to limit rows that nothing names any longer, in any
// state, and returns them: the caller removes their files.
func (db *DB) DropOrphanRemoteMedia(ctx context.Context, limit int) ([]*storage.RemoteMedia, error) {
	var out []*storage.RemoteMedia
	err := db.update(ctx, func(tx *Tx) error {
		var err error
		out, err = remoteMediaRows(tx.tx.QueryContext(ctx, `DELETE FROM remote_media WHERE id IN
			(SELECT r.id FROM remote_media r WHERE `+remoteMediaOrphan+` ORDER BY r.id LIMIT ?)
			RETURNING id, key, url, kind, state, path, thumb_path, media_type, blurhash, width, height, bytes,
				attempts, next_try, error, used, created`, limit))
		if err != nil {
			return fmt.Errorf("drop orphan remote media: %w", err)
		}
		return nil
	})
	return out, err
}

// remoteMediaBlocked is the condition under which stored file r is of a blocked server or
// actor: an attachment of a note whose author, or the avatar or header of a remote actor
// who, is blocked by URI or by host (a block of a domain covers its subdomains and ports,
// as storage.BlockedBy says).
var remoteMediaBlocked = `EXISTS (SELECT 1 FROM media m JOIN notes n ON n.id = m.note_id JOIN actors a ON a.id = n.actor_id
		WHERE m.url = r.url AND m.path = '' AND a.local = FALSE AND ` + actorBlocked + `)
	OR EXISTS (SELECT 1 FROM notes n JOIN actors a ON a.id = n.actor_id
		WHERE n.card_image <> '' AND n.card_image = r.url AND a.local = FALSE AND ` + actorBlocked + `)
	OR EXISTS (SELECT 1 FROM actors a WHERE (a.icon_url = r.url OR a.image_url = r.url) AND a.local = FALSE AND ` + actorBlocked + `)`

// actorBlocked is the condition under which actor a is blocked (suspended, not silenced: a
// silence keeps the media), by its URI or its host.
var actorBlocked = `EXISTS (SELECT 1 FROM blocks b WHERE b.severity = 'suspend' AND ` + blockCovers("b", "a") + `)`

// PruneBlockedRemoteMedia marks Pruned up to limit stored files of blocked servers and
// actors, and returns them as they were, for their files to be removed.
func (db *DB) PruneBlockedRemoteMedia(ctx context.Context, limit int) ([]*storage.RemoteMedia, error) {
	var out []*storage.RemoteMedia
	err := db.update(ctx, func(tx *Tx) error {
		var err error
		out, err = remoteMediaRows(tx.tx.QueryContext(ctx, `SELECT `+remoteMediaColumns+` FROM remote_media r
			WHERE r.state = 'stored' AND (`+remoteMediaBlocked+`) ORDER BY r.id LIMIT ?`, limit))
		if err != nil {
			return fmt.Errorf("blocked remote media: %w", err)
		}
		for _, m := range out {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE remote_media SET state = 'pruned', path = '', thumb_path = '', bytes = 0
				WHERE id = ?`, m.ID); err != nil {
				return fmt.Errorf("prune blocked remote media: %w", err)
			}
		}
		return nil
	})
	return out, err
}

// httpLike is the condition that column holds an http(s) URL with a host, as far as LIKE
// tells; fetchable says the rest.
func httpLike(column string) string {
	return "(" + column + " LIKE 'http://_%' OR " + column + " LIKE 'https://_%')"
}

// QueueUnknownRemoteMedia queues up to limit files that stored notes and actors name but
// the cache does not know: those of a database from before the cache. It returns how many
// it queued; 0 when none is left.
func (db *DB) QueueUnknownRemoteMedia(ctx context.Context, now time.Time, limit int) (int, error) {
	queued := 0
	err := db.update(ctx, func(tx *Tx) error {
		queued = 0
		rows, err := tx.tx.QueryContext(ctx, `SELECT url, kind FROM (
			SELECT m.url AS url, 'attachment' AS kind FROM media m JOIN notes n ON n.id = m.note_id
				WHERE m.path = '' AND n.local = FALSE AND `+httpLike("m.url")+`
			UNION SELECT a.icon_url, 'avatar' FROM actors a WHERE a.local = FALSE AND a.deleted_at = {never} AND `+httpLike("a.icon_url")+`
			UNION SELECT a.image_url, 'header' FROM actors a WHERE a.local = FALSE AND a.deleted_at = {never} AND `+httpLike("a.image_url")+`
		) u WHERE NOT EXISTS (SELECT 1 FROM remote_media r WHERE r.url = u.url) LIMIT ?`, limit)
		if err != nil {
			return fmt.Errorf("unknown remote media: %w", err)
		}
		type file struct{ url, kind string }
		var files []file
		for rows.Next() {
			var f file
			if err := rows.Scan(&f.url, &f.kind); err != nil {
				rows.Close()
				return fmt.Errorf("unknown remote media: %w", err)
			}
			files = append(files, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("unknown remote media: %w", err)
		}
		for _, f := range files {
			if !fetchable(f.url) {
				continue
			}
			if err := tx.queueRemoteMedia(ctx, f.url, f.kind, "", now); err != nil {
				return err
			}
			queued++
		}
		return nil
	})
	return queued, err
}
