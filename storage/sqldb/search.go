package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"refuge/storage"
	"refuge/storage/textindex"
)

// likeEscaper writes a text so that LIKE matches it literally (with ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// pageLimits is the LIMIT and OFFSET of a search page: at most 100 rows.
func pageLimits(limit, offset int) string {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	return fmt.Sprintf(` LIMIT %d OFFSET %d`, limit, max(offset, 0))
}

// SearchActors returns the live actors matching q that are not suspended, nor limited
// for q.Viewer.
func (r reader) SearchActors(ctx context.Context, q storage.ActorQuery) ([]*storage.Actor, error) {
	name := strings.ToLower(q.Name)
	args := []any{sql.Named("exact", name), sql.Named("prefix", likeEscaper.Replace(name)+"%")}
	// The instance's own actor (a local Application) is nobody to find, and neither is a
	// suspended account, as in Mastodon's searches (a look-up by its whole handle finds it).
	where := `a.deleted_at = {never} AND a.suspended_at = {never} AND a.pending = FALSE AND (a.local = FALSE OR a.type = 'Person')`
	if q.Host != "" {
		where += ` AND lower(a.username) LIKE :prefix ESCAPE '\' AND a.host LIKE :host ESCAPE '\'`
		args = append(args, sql.Named("host", likeEscaper.Replace(strings.ToLower(q.Host))+"%"))
	} else {
		where += ` AND (lower(a.username) LIKE :prefix ESCAPE '\' OR lower(a.name) LIKE :within ESCAPE '\')`
		args = append(args, sql.Named("within", "%"+likeEscaper.Replace(name)+"%"))
	}
	// A limited account is found by name only by those who follow it (or by itself); a
	// look-up by its whole handle still finds it, as Mastodon's does.
	where += ` AND ` + limitedShown("a")
	args = append(args, sql.Named("limited_viewer", q.Viewer))
	if q.FollowedBy != 0 {
		where += ` AND EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = :by AND f.followee_id = a.id AND f.accepted = TRUE)`
		args = append(args, sql.Named("by", q.FollowedBy))
	}
	rows, err := r.q.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors a WHERE `+where+`
		ORDER BY CASE WHEN lower(a.username) = :exact THEN 0 ELSE 1 END, a.local DESC, lower(a.username), a.id`+
		pageLimits(q.Limit, q.Offset), args...)
	if err != nil {
		return nil, fmt.Errorf("search actors: %w", err)
	}
	return collectActors(rows)
}

// hashtagNotes joins the hashtags to the live public notes that carry them.
const hashtagNotes = ` FROM note_tags t JOIN notes n ON n.id = t.note_id
	WHERE t.type = 'Hashtag' AND n.visibility = 'public' AND n.deleted_at = {never}`

// SearchTags returns the hashtags of live public notes beginning with prefix.
func (r reader) SearchTags(ctx context.Context, prefix string, limit, offset int) ([]string, error) {
	names, err := column[string](r.q.QueryContext(ctx, `SELECT t.name`+hashtagNotes+` AND t.name LIKE ? ESCAPE '\'
		GROUP BY t.name ORDER BY count(*) DESC, t.name`+pageLimits(limit, offset),
		"#"+likeEscaper.Replace(strings.ToLower(prefix))+"%"))
	if err != nil {
		return nil, fmt.Errorf("search tags: %w", err)
	}
	for i, n := range names {
		names[i] = strings.TrimPrefix(n, "#")
	}
	return names, nil
}

// searchConsent is who may find a note by its text, beyond the one visibility rule: the
// viewer's own notes, the public notes of indexable authors, and the notes the viewer
// liked, boosted, bookmarked, replied to or is mentioned in (as Mastodon 4.2 has it).
const searchConsent = `(n.actor_id = :viewer OR (a.indexable = TRUE AND n.visibility = 'public')
	OR EXISTS (SELECT 1 FROM likes l WHERE l.note_id = n.id AND l.actor_id = :viewer)
	OR EXISTS (SELECT 1 FROM announces b WHERE b.note_id = n.id AND b.actor_id = :viewer)
	OR EXISTS (SELECT 1 FROM bookmarks k WHERE k.note_id = n.id AND k.actor_id = :viewer)
	OR EXISTS (SELECT 1 FROM notes rp WHERE rp.in_reply_to_uri = n.uri AND rp.actor_id = :viewer AND rp.deleted_at = {never})
	OR EXISTS (SELECT 1 FROM note_tags mt JOIN actors mv ON mv.uri = mt.href
		WHERE mt.note_id = n.id AND mt.type = 'Mention' AND mv.id = :viewer))`

// relevanceWindow is how many of the newest matches a search by relevance ranks.
const relevanceWindow = 1000

// visitorConsent is what a visitor (no account) may find: public notes of indexable local
// accounts.
const visitorConsent = `(n.visibility = 'public' AND a.local = TRUE AND a.indexable = TRUE)`

// SearchNotes returns the live notes whose indexed terms match all of q.Text's (see
// textindex.Query), among those q.ActorID may read and find (searchConsent; a visitor's,
// visitorConsent), newest first or, with q.ByRelevance, best first among the newest
// relevanceWindow matches.
func (r reader) SearchNotes(ctx context.Context, q storage.NoteSearch) ([]*storage.Note, error) {
	terms := textindex.Query(q.Text)
	if len(terms) == 0 {
		return nil, nil
	}
	args := []any{sql.Named("match", r.searchMatch(terms)), sql.Named("viewer", q.ActorID)}
	by := ` AND ` + visitorConsent
	if q.ActorID != 0 {
		by = ` AND ` + visibleTo + ` AND ` + searchConsent
	}
	for _, f := range []struct {
		cond string
		v    int64
	}{{` AND n.actor_id = :author`, q.AuthorID}, {` AND n.id < :before`, q.Before}, {` AND n.id > :after`, q.After}} {
		if f.v != 0 {
			name := f.cond[strings.LastIndex(f.cond, ":")+1:]
			by, args = by+f.cond, append(args, sql.Named(name, f.v))
		}
	}
	// The index leads: FTS5 walks its matches in rowid order (newest first), so a page of
	// common words stops early; CROSS JOIN keeps SQLite's planner from turning that around.
	columns := strings.TrimSuffix(noteSelect, ` FROM notes n JOIN actors a ON a.id = n.actor_id`)
	from := ` FROM note_search CROSS JOIN notes n ON n.id = note_search.rowid JOIN actors a ON a.id = n.actor_id
		WHERE note_search MATCH :match`
	order := ` ORDER BY note_search.rowid DESC`
	if r.postgres() {
		from = ` FROM note_search s JOIN notes n ON n.id = s.note_id JOIN actors a ON a.id = n.actor_id
			WHERE s.terms @@ CAST(:match AS tsquery)`
		order = ` ORDER BY n.id DESC`
	}
	if q.ByRelevance {
		// Ranked among the newest matches only (relevanceWindow): ranking every match of a
		// common word would read all of them (seconds at a million notes; BENCHMARKS.md).
		window := ` ORDER BY rowid DESC LIMIT ` + strconv.Itoa(relevanceWindow)
		from = ` FROM (SELECT rowid AS id, bm25(note_search) AS score FROM note_search WHERE note_search MATCH :match` + window + `) m
			CROSS JOIN notes n ON n.id = m.id JOIN actors a ON a.id = n.actor_id WHERE TRUE`
		order = ` ORDER BY m.score, n.id DESC` // bm25: the lower the better
		if r.postgres() {
			from = ` FROM (SELECT note_id AS id, ts_rank(terms, CAST(:match AS tsquery)) AS score FROM note_search
				WHERE terms @@ CAST(:match AS tsquery) ORDER BY note_id DESC LIMIT ` + strconv.Itoa(relevanceWindow) + `) m
				JOIN notes n ON n.id = m.id JOIN actors a ON a.id = n.actor_id WHERE TRUE`
			order = ` ORDER BY m.score DESC, n.id DESC`
		}
	}
	out, err := collectNotes(r.q.QueryContext(ctx, columns+from+` AND n.deleted_at = {never}`+authorShown+by+order+
		pageLimits(q.Limit, q.Offset), args...))
	if err != nil {
		return nil, fmt.Errorf("search notes: %w", err)
	}
	return out, r.fillParts(ctx, out)
}

// ListTagUses returns the hashtags of live public notes published since, most used first.
//
// On SQLite the notes published since are also asked for by their own index
// (notes_published): SQLite, with no statistics, otherwise reads every hashtag ever used
// and looks each note up by id, a cost that grows with the instance's whole history rather
// than with the days asked for; with the subquery it is about nine times faster on two
// months of posts. PostgreSQL plans well without it, and badly with it before its first
// ANALYZE (BENCHMARKS.md, "Trends").
func (r reader) ListTagUses(ctx context.Context, since time.Time, limit, offset int) ([]storage.TagUse, error) {
	recent, args := "", []any{ts(since)}
	if !r.postgres() {
		recent, args = ` AND t.note_id IN (SELECT id FROM notes WHERE published >= ?)`, append(args, ts(since))
	}
	rows, err := r.q.QueryContext(ctx, `SELECT t.name, count(*), count(DISTINCT n.actor_id)`+hashtagNotes+`
		AND n.published >= ?`+recent+` GROUP BY t.name ORDER BY count(DISTINCT n.actor_id) DESC, count(*) DESC, t.name`+
		pageLimits(limit, offset), args...)
	if err != nil {
		return nil, fmt.Errorf("list tag uses: %w", err)
	}
	defer rows.Close()
	var out []storage.TagUse
	for rows.Next() {
		var u storage.TagUse
		if err := rows.Scan(&u.Name, &u.Uses, &u.Accounts); err != nil {
			return nil, fmt.Errorf("scan tag use: %w", err)
		}
		u.Name = strings.TrimPrefix(u.Name, "#")
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tag uses: %w", err)
	}
	return out, nil
}

// ListTagPosts returns when and by whom the live public notes with a hashtag were posted
// since.
func (r reader) ListTagPosts(ctx context.Context, name string, since time.Time) ([]storage.TagPost, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT n.published, n.actor_id`+hashtagNotes+` AND t.name = ? AND n.published >= ?
		ORDER BY n.published`, "#"+strings.ToLower(name), ts(since))
	if err != nil {
		return nil, fmt.Errorf("list tag posts: %w", err)
	}
	defer rows.Close()
	var out []storage.TagPost
	for rows.Next() {
		var p storage.TagPost
		var published string
		if err := rows.Scan(&published, &p.ActorID); err != nil {
			return nil, fmt.Errorf("scan tag post: %w", err)
		}
		p.Published = parseTS(published)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tag posts: %w", err)
	}
	return out, nil
}

// ListPeerHosts returns the hosts of the live remote actors stored.
func (r reader) ListPeerHosts(ctx context.Context) ([]string, error) {
	hosts, err := column[string](r.q.QueryContext(ctx,
		`SELECT DISTINCT host FROM actors WHERE local = FALSE AND deleted_at = {never} ORDER BY host`))
	if err != nil {
		return nil, fmt.Errorf("list peers: %w", err)
	}
	return hosts, nil
}

// CountLocalActivity counts the local posts, sign-ins and new accounts from from until to.
func (r reader) CountLocalActivity(ctx context.Context, from, to time.Time) (posts, logins, registrations int, err error) {
	err = r.q.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM notes WHERE local = TRUE AND published >= :from AND published < :to),
		(SELECT count(DISTINCT t.actor_id) FROM tokens t JOIN actors a ON a.id = t.actor_id
			WHERE a.local = TRUE AND a.pending = FALSE AND t.created >= :from AND t.created < :to),
		(SELECT count(*) FROM actors WHERE local = TRUE AND type = 'Person' AND pending = FALSE AND published >= :from AND published < :to)`,
		sql.Named("from", ts(from)), sql.Named("to", ts(to))).Scan(&posts, &logins, &registrations)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("count activity: %w", err)
	}
	return posts, logins, registrations, nil
}

// ListMarkers returns the account's markers of the timelines named.
func (r reader) ListMarkers(ctx context.Context, accountID int64, timelines []string) ([]storage.Marker, error) {
	if len(timelines) == 0 {
		return nil, nil
	}
	args := []any{accountID}
	marks := make([]string, len(timelines))
	for i, t := range timelines {
		marks[i], args = "?", append(args, t)
	}
	rows, err := r.q.QueryContext(ctx, `SELECT timeline, last_read_id, version, updated FROM markers
		WHERE account_id = ? AND timeline IN (`+strings.Join(marks, ", ")+`) ORDER BY timeline`, args...)
	if err != nil {
		return nil, fmt.Errorf("list markers: %w", err)
	}
	defer rows.Close()
	var out []storage.Marker
	for rows.Next() {
		var m storage.Marker
		var updated string
		if err := rows.Scan(&m.Timeline, &m.LastReadID, &m.Version, &updated); err != nil {
			return nil, fmt.Errorf("scan marker: %w", err)
		}
		m.Updated = parseTS(updated)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list markers: %w", err)
	}
	return out, nil
}

// PutMarker saves the account's marker of m.Timeline, one version on.
func (tx *Tx) PutMarker(ctx context.Context, accountID int64, m *storage.Marker) error {
	if m.Updated.IsZero() {
		m.Updated = time.Now()
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO markers (account_id, timeline, last_read_id, version, updated)
		VALUES (?, ?, ?, 0, ?) ON CONFLICT (account_id, timeline) DO UPDATE SET last_read_id = excluded.last_read_id,
		version = markers.version + 1, updated = excluded.updated RETURNING version`,
		accountID, m.Timeline, m.LastReadID, ts(m.Updated)).Scan(&m.Version)
	if err != nil {
		return fmt.Errorf("put marker: %w", err)
	}
	return nil
}
