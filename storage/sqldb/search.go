package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"refuge/storage"
	"refuge/storage/textindex"
)

// likeEscaper writes a text so that LIKE matches it literally (with ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// pageLimits is the LIMIT and OFFSET of a search page: at most 100 rows.
func pageLimits(limit, offset int) string {
	limit, offset = pageBounds(limit, offset)
	return fmt.Sprintf(` LIMIT %d OFFSET %d`, limit, offset)
}

// pageBounds is a page's size and where it begins: at most 100 rows, 20 unless asked.
func pageBounds(limit, offset int) (int, int) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	return limit, max(offset, 0)
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
const relevanceWindow = 200

// visitorConsent is what a visitor (no account) may find: public notes of indexable local
// accounts.
const visitorConsent = `(n.visibility = 'public' AND a.local = TRUE AND a.indexable = TRUE)`

// noteColumns are the columns collectNotes reads.
var noteColumns = strings.TrimSuffix(noteSelect, ` FROM notes n JOIN actors a ON a.id = n.actor_id`)

// planEachTime, first among a query's arguments on PostgreSQL, has it planned for the
// values it is given rather than once for any (pgx runs it as an unnamed statement). A kept
// statement switches to one plan for all values after its fifth run, and for a full-text
// match that plan guesses how common the words are: walking every note for a rare word, or
// sorting every match of a common one.
const planEachTime = pgx.QueryExecModeExec

// SearchNotes returns the live notes whose indexed terms match all of q.Text's (see
// textindex.Query), among those q.ActorID may read and find (searchConsent; a visitor's,
// visitorConsent), newest first or, with q.ByRelevance, best first among the newest
// relevanceWindow matches.
func (r reader) SearchNotes(ctx context.Context, q storage.NoteSearch) ([]*storage.Note, error) {
	terms := textindex.Query(q.Text)
	if len(terms) == 0 {
		return nil, nil
	}
	s := noteSearch{r: r, q: q, terms: terms, args: []any{sql.Named("match", r.searchMatch(terms)), sql.Named("viewer", q.ActorID)}}
	// A visitor's search reads the visitors' index, which holds only what visitorConsent
	// lets them find (checked again, as an author may have changed since).
	s.index, s.found = "note_search_open", ` AND `+visitorConsent
	if q.ActorID != 0 {
		s.index, s.found = "note_search", ` AND `+visibleTo+` AND `+searchConsent
	}
	s.found = ` AND n.deleted_at = {never}` + authorShown + s.found
	for _, f := range []struct {
		cond string
		v    int64
	}{{` AND n.actor_id = :author`, q.AuthorID}, {` AND n.id < :before`, q.Before}, {` AND n.id > :after`, q.After}} {
		if f.v != 0 {
			name := f.cond[strings.LastIndex(f.cond, ":")+1:]
			s.found, s.args = s.found+f.cond, append(s.args, sql.Named(name, f.v))
		}
	}
	var out []*storage.Note
	var err error
	switch {
	case q.ByRelevance:
		out, err = s.byRelevance(ctx)
	case r.postgres():
		out, err = s.newestInChunks(ctx)
	default:
		out, err = s.newest(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("search notes: %w", err)
	}
	return out, r.fillParts(ctx, out)
}

// noteSearch is one SearchNotes: the index it reads, and found, the conditions (after
// WHERE) of a note the searcher may find.
type noteSearch struct {
	r            reader
	q            storage.NoteSearch
	terms        []textindex.Term
	index, found string
	args         []any
}

// page is the page's size and where it begins (pageBounds).
func (s *noteSearch) page() (limit, offset int) { return pageBounds(s.q.Limit, s.q.Offset) }

// pageOf cuts the page out of the notes found from the first match on, in order.
func (s *noteSearch) pageOf(found []*storage.Note) []*storage.Note {
	limit, offset := s.page()
	return found[min(offset, len(found)):min(offset+limit, len(found))]
}

// newest is the search newest first on SQLite, in one query: FTS5 walks its matches in
// rowid order (newest first), so a page of common words stops early; CROSS JOIN keeps
// SQLite's planner from turning that around.
func (s *noteSearch) newest(ctx context.Context) ([]*storage.Note, error) {
	return collectNotes(s.r.q.QueryContext(ctx, noteColumns+` FROM `+s.index+` CROSS JOIN notes n ON n.id = `+s.index+`.rowid
		JOIN actors a ON a.id = n.actor_id WHERE `+s.index+` MATCH :match`+s.found+` ORDER BY `+s.index+`.rowid DESC`+
		pageLimits(s.q.Limit, s.q.Offset), s.args...))
}

// matches returns the ids of the newest n matches older than before (and newer than
// q.After), newest first, from the index alone.
func (s *noteSearch) matches(ctx context.Context, n int, before int64) ([]int64, error) {
	args := append(s.args, sql.Named("cursor", before), sql.Named("after", s.q.After))
	query := `SELECT rowid FROM ` + s.index + ` WHERE ` + s.index + ` MATCH :match AND rowid < :cursor AND rowid > :after
		ORDER BY rowid DESC LIMIT ` + strconv.Itoa(n)
	if s.r.postgres() {
		query = `SELECT note_id FROM ` + s.index + ` WHERE terms @@ CAST(:match AS tsquery) AND note_id < :cursor
			AND note_id > :after ORDER BY note_id DESC LIMIT ` + strconv.Itoa(n)
		args = append([]any{planEachTime}, args...)
	}
	return column[int64](s.r.q.QueryContext(ctx, query, args...))
}

// firstBefore is where a walk of the matches begins: below q.Before, if set.
func (s *noteSearch) firstBefore() int64 {
	if s.q.Before != 0 {
		return s.q.Before
	}
	return math.MaxInt64
}

// newestInChunks is the search newest first on PostgreSQL. Its planner cannot walk a GIN
// index in order: for every word it either reads all the matches and sorts them (a common
// word: a tenth of the notes), or walks the notes newest first and tests each, which it
// chooses when it expects the word to be common enough, and which for a rare word it
// misjudged reads every note (seconds at a million notes; BENCHMARKS.md). So the matches
// are asked for a chunk at a time, newest first, from the index table alone, where its
// estimate of the word is good enough to choose between those two ways; then the notes of
// the chunk are read with every condition, until the page is full or the matches end. The
// chunks grow fourfold, from 100, so that a common word costs one small chunk and a word
// whose matches are mostly not the searcher's a few.
func (s *noteSearch) newestInChunks(ctx context.Context) ([]*storage.Note, error) {
	limit, offset := s.page()
	var out []*storage.Note
	before := s.firstBefore()
	for chunk := 100; len(out) < offset+limit; chunk = min(chunk*4, 6400) {
		ids, err := s.matches(ctx, chunk, before)
		if err != nil {
			return nil, err
		}
		notes, err := s.read(ctx, ids)
		if err != nil {
			return nil, err
		}
		out = append(out, notes...)
		if len(ids) < chunk {
			break
		}
		before = ids[len(ids)-1]
	}
	return s.pageOf(out), nil
}

// byRelevance is the search best first: the newest relevanceWindow matches, ranked by
// textindex.Rank on the terms of their text, then read in that order until the page is
// full. Ranked among the newest only: ranking every match of a common word would read all
// of them. And ranked here rather than by the database: FTS5's bm25 reads every match of
// each word first, to weigh rare words above common ones (some 25 ms for a word in a tenth
// of a million notes, whatever the window), and PostgreSQL has no such weight at all.
func (s *noteSearch) byRelevance(ctx context.Context) ([]*storage.Note, error) {
	ids, err := s.matches(ctx, relevanceWindow, s.firstBefore())
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	rows, err := s.r.q.QueryContext(ctx, `SELECT n.id, n.content, n.summary, n.content_map_json FROM notes n WHERE `+s.inIDs(),
		sql.Named("ids", s.idList(ids)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	terms := make(map[int64][]string, len(ids))
	for rows.Next() {
		var id int64
		var content, summary, cmap string
		if err := rows.Scan(&id, &content, &summary, &cmap); err != nil {
			return nil, err
		}
		n := &storage.Note{Content: content, Summary: summary}
		_ = json.Unmarshal([]byte(cmap), &n.ContentMap) // a note without its other languages is still ranked
		terms[id] = noteTerms(n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Newest first into Rank, which keeps that order among equals.
	var found []int64
	var docs [][]string
	for _, id := range ids {
		if t, ok := terms[id]; ok {
			found, docs = append(found, id), append(docs, t)
		}
	}
	ranked := make([]int64, 0, len(found))
	for _, i := range textindex.Rank(s.terms, docs) {
		ranked = append(ranked, found[i])
	}
	limit, offset := s.page()
	var out []*storage.Note
	// Twice the page first: about half of the matches are a signed-in searcher's to find
	// (a visitor's index holds only theirs), and each note read costs its checks.
	for start, chunk := 0, 2*(offset+limit); start < len(ranked) && len(out) < offset+limit; start, chunk = start+chunk, chunk*4 {
		notes, err := s.read(ctx, ranked[start:min(start+chunk, len(ranked))])
		if err != nil {
			return nil, err
		}
		out = append(out, notes...)
	}
	return s.pageOf(out), nil
}

// read returns the notes among ids that the searcher may find, in the order of ids.
func (s *noteSearch) read(ctx context.Context, ids []int64) ([]*storage.Note, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	notes, err := collectNotes(s.r.q.QueryContext(ctx, noteColumns+` FROM notes n JOIN actors a ON a.id = n.actor_id
		WHERE `+s.inIDs()+s.found, append(s.args, sql.Named("ids", s.idList(ids)))...))
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*storage.Note, len(notes))
	for _, n := range notes {
		byID[n.ID] = n
	}
	out := notes[:0:0]
	for _, id := range ids {
		if n, ok := byID[id]; ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// inIDs is the condition that a note is one of the ids idList wrote as :ids.
func (s *noteSearch) inIDs() string {
	if s.r.postgres() {
		return `n.id = ANY (CAST(:ids AS bigint[]))`
	}
	return `n.id IN (SELECT value FROM json_each(:ids))`
}

// idList writes ids as the dialect's array literal: JSON for SQLite's json_each, an array
// for PostgreSQL.
func (s *noteSearch) idList(ids []int64) string {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10)
	}
	if s.r.postgres() {
		return "{" + strings.Join(list, ",") + "}"
	}
	return "[" + strings.Join(list, ",") + "]"
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
