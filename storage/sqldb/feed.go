package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"refuge/storage"
)

// AddToFeed puts a note (and the announce that brought it, or 0) into local accounts' feeds.
func (tx *Tx) AddToFeed(ctx context.Context, accountIDs []int64, noteID, announceID int64, at time.Time) error {
	var ann any
	if announceID != 0 {
		ann = announceID
	}
	for _, id := range accountIDs {
		// The index feed_once, not the table's key, keeps a note that came by itself (no
		// announce: NULL, which conflicts with nothing) from being in a feed twice.
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO feed (account_id, note_id, announce_id, created)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, id, noteID, ann, ts(at)); err != nil {
			return fmt.Errorf("add to feed: %w", err)
		}
		tx.record(storage.Event{Kind: storage.EventFeed, AccountID: id, NoteID: noteID, AnnounceID: announceID})
	}
	return nil
}

// RemoveFromFeeds takes everything of author out of account's feed (after an unfollow).
func (tx *Tx) RemoveFromFeeds(ctx context.Context, accountID, authorID int64) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM feed WHERE account_id = ? AND (note_id IN
		(SELECT id FROM notes WHERE actor_id = ?) OR announce_id IN (SELECT id FROM announces WHERE actor_id = ?))`,
		accountID, authorID, authorID)
	if err != nil {
		return fmt.Errorf("remove from feed: %w", err)
	}
	return nil
}

// ListFeed returns an account's home feed, newest first: only the notes it may read now,
// by visibleTo, whatever rows a follow that ended or a path that forgot them left behind.
// A limited author's note that came by itself (a mention) is left out unless the account
// follows the author, as Mastodon keeps such mentions away; one boosted by an account
// followed stays.
func (r reader) ListFeed(ctx context.Context, accountID int64, p storage.Page) ([]storage.FeedItem, error) {
	cond, pargs, order := pageClause(p, "fd.id")
	q := `SELECT fd.id, fd.created, coalesce(b.actor_id, 0), coalesce(b.id, 0), coalesce(b.uri, ''), ` + noteSelect[len("SELECT "):] + `
		JOIN feed fd ON fd.note_id = n.id LEFT JOIN announces b ON b.id = fd.announce_id
		WHERE fd.account_id = :viewer AND n.deleted_at = {never} AND ` + visibleTo + authorShown + `
		AND (b.id IS NOT NULL OR ` + limitedShown("a") + `)`
	args := append([]any{sql.Named("viewer", accountID), sql.Named("limited_viewer", accountID)}, pargs...)
	if p.HiddenFor != 0 {
		q += hiddenFor("n.actor_id", false) + hiddenFor("b.actor_id", false) + ` AND NOT EXISTS (SELECT 1 FROM follows hr
			WHERE hr.follower_id = :hidden_for AND hr.followee_id = b.actor_id AND hr.hide_reblogs = TRUE)`
		args = append(args, hiddenArgs(p)...)
	}
	if p.List != nil {
		q += listShown(p.List.RepliesPolicy)
		args = append(args, sql.Named("list", p.List.ID))
	}
	if p.HideExclusive {
		// The owner's own posts stay home, in a list of hers or not.
		q += ` AND NOT EXISTS (SELECT 1 FROM list_accounts xa JOIN lists xl ON xl.id = xa.list_id
			WHERE xl.actor_id = :viewer AND xl.exclusive = TRUE AND xa.account_id = coalesce(b.actor_id, n.actor_id)
			AND xa.account_id <> :viewer)`
	}
	rows, err := r.q.QueryContext(ctx, q+cond+order, args...)
	if err != nil {
		return nil, fmt.Errorf("list feed: %w", err)
	}
	defer rows.Close()
	var items []storage.FeedItem
	var boosters []int64
	var notes []*storage.Note
	for rows.Next() {
		var it storage.FeedItem
		var created string
		var booster int64
		boost := &storage.Reaction{}
		n := &storage.Note{}
		if err := scanNote(&prefixScanner{rows, []any{&it.ID, &created, &booster, &boost.ID, &boost.URI}}, n); err != nil {
			return nil, fmt.Errorf("scan feed: %w", err)
		}
		it.Note, it.Created = n, parseTS(created)
		if booster != 0 {
			boost.ActorID, boost.NoteID, boost.Created = booster, n.ID, it.Created
			it.Boost = boost
		}
		items, boosters, notes = append(items, it), append(boosters, booster), append(notes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list feed: %w", err)
	}
	rows.Close()
	for i, b := range boosters {
		if b != 0 {
			if items[i].Booster, err = r.GetActorByID(ctx, b); err != nil {
				return nil, err
			}
		}
	}
	if ascending(p) {
		reverse(items)
	}
	return items, r.fillParts(ctx, notes)
}

// listShown is the condition that keeps, of a feed (fd, its note n, the boost b), the rows
// that the members of list :list brought, with the replies its policy shows: a member's
// reply to its own post or to the list's owner always, to someone else only when the owner
// follows them (followed) or they are a member too (list), as Mastodon's lists. A boost is
// no reply.
func listShown(policy storage.RepliesPolicy) string {
	other := `FALSE`
	switch policy {
	case storage.RepliesFollowed:
		other = `EXISTS (SELECT 1 FROM follows rf WHERE rf.follower_id = :viewer AND rf.followee_id = pr.actor_id AND rf.accepted = TRUE)`
	case storage.RepliesList:
		other = `pr.actor_id IN (SELECT account_id FROM list_accounts WHERE list_id = :list)`
	}
	return ` AND coalesce(b.actor_id, n.actor_id) IN (SELECT account_id FROM list_accounts WHERE list_id = :list)
		AND (b.id IS NOT NULL OR n.in_reply_to_uri = '' OR EXISTS (SELECT 1 FROM notes pr WHERE pr.uri = n.in_reply_to_uri
			AND (pr.actor_id = n.actor_id OR pr.actor_id = :viewer OR ` + other + `)))`
}

// Notify records a notification for a local account, and queues its pushes.
func (tx *Tx) Notify(ctx context.Context, accountID int64, kind storage.NotificationKind, actorID, noteID int64, at time.Time) error {
	return tx.notify(ctx, accountID, kind, actorID, noteID, "", "", at)
}

// NotifyReaction records that actorID reacted to the account's note with an emoji.
func (tx *Tx) NotifyReaction(ctx context.Context, accountID, actorID, noteID int64, emoji, emojiURL string, at time.Time) error {
	return tx.notify(ctx, accountID, storage.NotificationReaction, actorID, noteID, emoji, emojiURL, at)
}

func (tx *Tx) notify(ctx context.Context, accountID int64, kind storage.NotificationKind, actorID, noteID int64,
	emoji, emojiURL string, at time.Time) error {
	var note any
	if noteID != 0 {
		note = noteID
	}
	if accountID == actorID && kind != storage.NotificationPoll {
		return nil
	}
	var id int64
	if err := tx.tx.QueryRowContext(ctx, `INSERT INTO notifications (account_id, type, actor_id, note_id, created, emoji, emoji_url)
		VALUES (?,?,?,?,?,?,?) RETURNING id`, accountID, kind, actorID, note, ts(at), emoji, emojiURL).Scan(&id); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	tx.record(storage.Event{Kind: storage.EventNotification, AccountID: accountID, NotificationID: id})
	return tx.queuePushes(ctx, id, accountID, actorID, kind, at)
}

// FeedPosition returns the newest feed row of the account's that brought a note, or a
// boost, 0 when none.
func (r reader) FeedPosition(ctx context.Context, accountID, id int64, boost bool) (int64, error) {
	col := "note_id"
	if boost {
		col = "announce_id"
	}
	var pos int64
	if err := r.q.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM feed WHERE account_id = ? AND `+col+` = ?`,
		accountID, id).Scan(&pos); err != nil {
		return 0, fmt.Errorf("feed position: %w", err)
	}
	return pos, nil
}

// notificationFilter is the condition and arguments that keep the notifications of account
// that p's filters keep, its paging aside.
func notificationFilter(accountID int64, p storage.Page) (string, []any) {
	cond, args := `account_id = :account`, []any{sql.Named("account", accountID)}
	for _, f := range []struct {
		kinds []storage.NotificationKind
		op    string
	}{{p.Kinds, " IN "}, {p.ExcludeKinds, " NOT IN "}} {
		if len(f.kinds) == 0 {
			continue
		}
		names := make([]string, len(f.kinds))
		for i, k := range f.kinds {
			names[i] = fmt.Sprintf(":kind%d", len(args))
			args = append(args, sql.Named(names[i][1:], string(k)))
		}
		cond += ` AND type` + f.op + `(` + strings.Join(names, ", ") + `)`
	}
	if p.FromActor != 0 {
		cond, args = cond+` AND actor_id = :from_actor`, append(args, sql.Named("from_actor", p.FromActor))
	}
	if p.AboutNote != 0 {
		cond, args = cond+` AND note_id = :about_note`, append(args, sql.Named("about_note", p.AboutNote))
	}
	if !p.CreatedFrom.IsZero() {
		cond, args = cond+` AND created >= :created_from`, append(args, sql.Named("created_from", ts(p.CreatedFrom)))
	}
	if !p.CreatedUntil.IsZero() {
		cond, args = cond+` AND created < :created_until`, append(args, sql.Named("created_until", ts(p.CreatedUntil)))
	}
	if p.Unread {
		cond += ` AND read = FALSE`
	}
	if p.HiddenFor != 0 {
		cond, args = cond+hiddenFor("notifications.actor_id", true), append(args, hiddenArgs(p)...)
	}
	return cond, args
}

// fromShown leaves out the notifications from suspended accounts, which are shown to nobody
// while the suspension lasts, as Mastodon's are, and those from limited accounts that the
// account notified does not follow, as Mastodon drops them; they are kept (and dismissed
// with the others) for when it is lifted.
var fromShown = ` AND NOT EXISTS (SELECT 1 FROM actors sa WHERE sa.id = notifications.actor_id AND (sa.suspended_at <> {never}
	OR (` + limited("sa") + ` AND NOT EXISTS (SELECT 1 FROM follows lf WHERE lf.follower_id = notifications.account_id
		AND lf.followee_id = sa.id AND lf.accepted = TRUE))))`

// ListNotifications returns an account's notifications, newest first.
func (r reader) ListNotifications(ctx context.Context, accountID int64, p storage.Page) ([]*storage.Notification, error) {
	pcond, pargs, order := pageClause(p, "id")
	cond, args := notificationFilter(accountID, p)
	cond, args = cond+fromShown+pcond, append(args, pargs...)
	rows, err := r.q.QueryContext(ctx, `SELECT id, type, actor_id, coalesce(note_id, 0), created, read, emoji, emoji_url
		FROM notifications WHERE `+cond+order, args...)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	type row struct {
		n               *storage.Notification
		actorID, noteID int64
	}
	var list []row
	for rows.Next() {
		x := row{n: &storage.Notification{}}
		var created string
		if err := rows.Scan(&x.n.ID, &x.n.Type, &x.actorID, &x.noteID, &created, &x.n.Read, &x.n.Emoji, &x.n.EmojiURL); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan notification: %w", err)
		}
		x.n.Created = parseTS(created)
		list = append(list, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	out := make([]*storage.Notification, 0, len(list))
	for _, x := range list {
		if x.n.Actor, err = r.GetActorByID(ctx, x.actorID); err != nil {
			return nil, err
		}
		if x.noteID != 0 {
			if x.n.Note, err = r.GetNoteByID(ctx, x.noteID); err != nil {
				return nil, err
			}
		}
		out = append(out, x.n)
	}
	if ascending(p) {
		reverse(out)
	}
	return out, nil
}

// CountNotifications counts an account's notifications that p's filters keep, up to most.
func (r reader) CountNotifications(ctx context.Context, accountID int64, p storage.Page, most int) (int, error) {
	cond, args := notificationFilter(accountID, p)
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM notifications WHERE `+cond+fromShown+
		fmt.Sprintf(` LIMIT %d) AS kept`, max(most, 0)), args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count notifications: %w", err)
	}
	return n, nil
}

// DeleteNotification removes one of the account's notifications.
func (tx *Tx) DeleteNotification(ctx context.Context, accountID, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM notifications WHERE account_id = ? AND id = ?`, accountID, id)
	if err != nil {
		return fmt.Errorf("delete notification: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete notification: %w", err)
	} else if n == 0 {
		return storage.Errorf(storage.NotFound, "notification not found")
	}
	return nil
}

// DeleteNotifications removes the account's notifications that p's filters keep.
func (tx *Tx) DeleteNotifications(ctx context.Context, accountID int64, p storage.Page) error {
	cond, args := notificationFilter(accountID, p)
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM notifications WHERE `+cond, args...); err != nil {
		return fmt.Errorf("delete notifications: %w", err)
	}
	return nil
}

// PutToken stores a token (t.Hash must be HashToken of the secret).
func (tx *Tx) PutToken(ctx context.Context, t *storage.Token) error {
	if t.Created.IsZero() {
		t.Created = time.Now()
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO tokens (hash, actor_id, kind, csrf, scopes, app_id, created, expires)
		VALUES (?,?,?,?,?,?,?,?)`,
		t.Hash, orNull(t.ActorID), t.Kind, t.CSRF, t.Scopes, orNull(t.AppID), ts(t.Created), ts(t.Expires))
	if err != nil {
		return fmt.Errorf("put token: %w", err)
	}
	return nil
}

// GetToken returns the unexpired token whose secret hashes to hash.
func (r reader) GetToken(ctx context.Context, hash string, now time.Time) (*storage.Token, error) {
	t := &storage.Token{}
	var created, expires string
	var actorID, appID sql.NullInt64
	err := r.q.QueryRowContext(ctx, `SELECT hash, actor_id, kind, csrf, scopes, app_id, created, expires FROM tokens
		WHERE hash = ? AND (expires = {never} OR expires > ?)`, hash, ts(now)).
		Scan(&t.Hash, &actorID, &t.Kind, &t.CSRF, &t.Scopes, &appID, &created, &expires)
	if err != nil {
		return nil, notFound("token", err)
	}
	t.ActorID, t.AppID = actorID.Int64, appID.Int64
	t.Created, t.Expires = parseTS(created), parseTS(expires)
	return t, nil
}

// GetSession returns the unexpired web session whose secret hashes to hash, with its
// account, in one read: a signed-in page asks for it on every request.
func (r reader) GetSession(ctx context.Context, hash string, now time.Time) (*storage.Token, *storage.Actor, error) {
	t := &storage.Token{Hash: hash, Kind: storage.TokenSession}
	a := &storage.Actor{}
	var created, expires string
	err := scanActor(r.q.QueryRowContext(ctx, `SELECT `+actorColumns+`, t.csrf, t.scopes, t.created, t.expires
		FROM tokens t JOIN actors a ON a.id = t.actor_id
		WHERE t.hash = ? AND t.kind = ? AND (t.expires = {never} OR t.expires > ?)`, hash, storage.TokenSession, ts(now)),
		a, &t.CSRF, &t.Scopes, &created, &expires)
	if err != nil {
		return nil, nil, notFound("session", err)
	}
	t.ActorID = a.ID
	t.Created, t.Expires = parseTS(created), parseTS(expires)
	return t, a, nil
}

// DeleteTokens removes one token (hash != "") or every token of a kind of an actor.
func (tx *Tx) DeleteTokens(ctx context.Context, actorID int64, kind storage.TokenKind, hash string) error {
	q, args := `DELETE FROM tokens WHERE actor_id = ? AND kind = ?`, []any{actorID, kind}
	if hash != "" {
		q, args = q+` AND hash = ?`, append(args, hash)
	}
	if _, err := tx.tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("delete tokens: %w", err)
	}
	return nil
}

func (tx *Tx) DeleteOtherTokens(ctx context.Context, actorID int64, kind storage.TokenKind, keep string) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM tokens WHERE actor_id = ? AND kind = ? AND hash <> ?`, actorID, kind, keep); err != nil {
		return fmt.Errorf("delete other tokens: %w", err)
	}
	return nil
}
