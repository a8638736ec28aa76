package sqldb

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"refuge/storage"
)

// PutBlock stores block b (normalised by CheckBlock). Blocking a target again is no error:
// its severity and comments become b's, and it keeps when it was first made.
func (tx *Tx) PutBlock(ctx context.Context, b storage.Block) error {
	b, err := storage.CheckBlock(b)
	if err != nil {
		return err
	}
	if b.Created.IsZero() {
		b.Created = time.Now()
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO blocks (target, created, severity, public_comment, private_comment)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (target) DO UPDATE SET severity = excluded.severity,
		public_comment = excluded.public_comment, private_comment = excluded.private_comment`,
		b.Target, ts(b.Created), string(b.Severity), b.PublicComment, b.PrivateComment); err != nil {
		return fmt.Errorf("put block %s: %w", b.Target, err)
	}
	return tx.blocksChanged(ctx)
}

// blockCovers is the condition under which the block in alias b covers the actor in alias
// a: by its URI, or by its host, the host on any port or a domain it is under (the rule of
// storage.BlockedBy, in SQL).
func blockCovers(b, a string) string {
	return `(` + b + `.target = ` + a + `.uri OR ` + b + `.target = ` + a + `.host OR ` + a + `.host LIKE '%.' || ` + b + `.target
		OR ` + a + `.host LIKE ` + b + `.target || ':%' OR ` + a + `.host LIKE '%.' || ` + b + `.target || ':%')`
}

// serverSilenced is the condition under which the remote actor in alias a is silenced with
// its server: a block of severity silence covers it (storage.Actor.ServerSilenced).
func serverSilenced(a string) string {
	return `(` + a + `.local = FALSE AND EXISTS (SELECT 1 FROM blocks sb WHERE sb.severity = 'silence' AND ` + blockCovers("sb", a) + `))`
}

// limited is the condition under which the actor in alias a is silenced, on its own or
// with its server (storage.Actor.Limited).
func limited(a string) string {
	return `(` + a + `.silenced_at <> {never} OR ` + serverSilenced(a) + `)`
}

// limitedShown is the condition under which what the actor in alias a wrote is shown to
// the actor of the :limited_viewer argument (0: anonymous) in a list: a is not limited, or
// the viewer is a or follows it.
func limitedShown(a string) string {
	return `NOT (` + limited(a) + ` AND ` + a + `.id <> :limited_viewer AND NOT EXISTS (SELECT 1 FROM follows lf
		WHERE lf.follower_id = :limited_viewer AND lf.followee_id = ` + a + `.id AND lf.accepted = TRUE))`
}

// DeleteBlock lifts the block of target; NotFound when there was none.
func (tx *Tx) DeleteBlock(ctx context.Context, target string) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM blocks WHERE target = ?`, target)
	if err != nil {
		return fmt.Errorf("delete block %s: %w", target, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "%s is not blocked", target)
	}
	return tx.blocksChanged(ctx)
}

// blocksVersionKey is the meta key of the blocks' version: a value that every change of the
// blocks replaces, in the same transaction, so that a process that kept the blocks in memory
// (blockSet) knows, by reading it, whether they are still the blocks stored.
const blocksVersionKey = "blocks_version"

// blocksChanged gives the blocks a new version. It is random rather than counted so that it
// needs no read, and no two changes, in any process, can leave the same value.
func (tx *Tx) blocksChanged(ctx context.Context) error {
	if err := tx.PutMeta(ctx, blocksVersionKey, rand.Text()); err != nil {
		return fmt.Errorf("blocks version: %w", err)
	}
	return nil
}

// blockSet is the instance's blocks kept in memory with the version they were read at.
type blockSet struct {
	mu      sync.Mutex
	loaded  bool
	version string
	targets map[string]bool
}

// CheckDelivery reports whether the activity activityURI is stored and whether any of
// actors, or their hosts, is blocked. One statement reads the activity and the blocks'
// version; the blocks themselves are read again only when that version is not the one kept.
func (db *DB) CheckDelivery(ctx context.Context, activityURI string, actors []string) (seen, blocked bool, err error) {
	var version string
	err = db.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM activities WHERE uri = ?),
		coalesce((SELECT value FROM meta WHERE key = ?), '')`, activityURI, blocksVersionKey).Scan(&seen, &version)
	if err != nil {
		return false, false, fmt.Errorf("check delivery %s: %w", activityURI, err)
	}
	targets, err := db.blocks.at(ctx, db.reader, version)
	if err != nil {
		return false, false, err
	}
	for _, uri := range actors {
		if uri == "" {
			continue
		}
		if targets[uri] {
			return seen, true, nil
		}
		for _, t := range storage.BlockedBy(storage.HostOf(uri)) {
			if targets[t] {
				return seen, true, nil
			}
		}
	}
	return seen, false, nil
}

// at returns the block targets as of version, reading them again when what is kept is of
// another version. The version was read before the blocks are: blocks newer than it are
// kept under it at worst, and read once more at the next check.
func (b *blockSet) at(ctx context.Context, r reader, version string) (map[string]bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.loaded && b.version == version {
		return b.targets, nil
	}
	list, err := column[string](r.q.QueryContext(ctx, `SELECT target FROM blocks WHERE severity = 'suspend'`))
	if err != nil {
		return nil, fmt.Errorf("read blocks: %w", err)
	}
	targets := make(map[string]bool, len(list))
	for _, t := range list {
		targets[t] = true
	}
	b.loaded, b.version, b.targets = true, version, targets
	return targets, nil
}

// ListBlocks returns every block, oldest first.
func (r reader) ListBlocks(ctx context.Context) ([]storage.Block, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT target, created, severity, public_comment, private_comment FROM blocks
		ORDER BY created, target`)
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	defer rows.Close()
	var out []storage.Block
	for rows.Next() {
		var b storage.Block
		var created, severity string
		if err := rows.Scan(&b.Target, &created, &severity, &b.PublicComment, &b.PrivateComment); err != nil {
			return nil, fmt.Errorf("list blocks: %w", err)
		}
		b.Created, b.Severity = parseTS(created), storage.BlockSeverity(severity)
		out = append(out, b)
	}
	return out, rows.Err()
}

// IsBlocked reports whether the actor with URI uri, or its host, is blocked. An empty uri
// is never blocked.
func (r reader) IsBlocked(ctx context.Context, uri string) (bool, error) {
	if uri == "" {
		return false, nil
	}
	return r.anyBlocked(ctx, append([]string{uri}, storage.BlockedBy(storage.HostOf(uri))...))
}

// IsHostBlocked reports whether host (with its port, if any; any case) is blocked as a whole.
func (r reader) IsHostBlocked(ctx context.Context, host string) (bool, error) {
	return r.anyBlocked(ctx, storage.BlockedBy(host))
}

// BlockedHosts is IsHostBlocked for many hosts at once: the set of those of hosts that are
// blocked, from one query over every block target that would cover any of them.
func (r reader) BlockedHosts(ctx context.Context, hosts []string) (map[string]bool, error) {
	var targets []string
	by := make(map[string][]string, len(hosts))
	for _, h := range hosts {
		by[h] = storage.BlockedBy(h)
		targets = append(targets, by[h]...)
	}
	found := map[string]bool{}
	for len(targets) > 0 {
		n := min(len(targets), inListSizes[len(inListSizes)-1])
		q, args := inList(targets[:n])
		blocked, err := column[string](r.q.QueryContext(ctx, `SELECT target FROM blocks WHERE severity = 'suspend' AND target IN `+q, args...))
		if err != nil {
			return nil, fmt.Errorf("check blocked hosts: %w", err)
		}
		for _, t := range blocked {
			found[t] = true
		}
		targets = targets[n:]
	}
	out := map[string]bool{}
	for h, ts := range by {
		if slices.ContainsFunc(ts, func(t string) bool { return found[t] }) {
			out[h] = true
		}
	}
	return out, nil
}

// anyBlocked reports whether any of targets is blocked.
func (r reader) anyBlocked(ctx context.Context, targets []string) (bool, error) {
	if len(targets) == 0 {
		return false, nil
	}
	args := make([]any, len(targets))
	for i, t := range targets {
		args[i] = t
	}
	var n int
	q := `SELECT count(*) FROM blocks WHERE severity = 'suspend' AND target IN (?` + strings.Repeat(`, ?`, len(targets)-1) + `)`
	if err := r.q.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return false, fmt.Errorf("check block: %w", err)
	}
	return n > 0, nil
}
