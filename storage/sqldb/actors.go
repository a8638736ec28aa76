package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"refuge/storage"
)

var actorColumns = `a.id, a.uri, a.local, a.type, a.username, a.host, a.name, a.summary, a.url,
	a.inbox, a.shared_inbox, a.outbox, a.followers_uri, a.following_uri, a.featured_uri,
	a.key_id, a.public_key_pem, a.admin, a.locked, a.discoverable, a.icon_url, a.image_url,
	a.fields_json, a.published, a.fetched_at, a.deleted_at, a.summary_source, a.suspended_at, a.pending,
	a.silenced_at, a.also_known_as_json, a.moved_to, a.moved_at, a.emojis_json, a.indexable,
	a.ed25519_key_id, a.ed25519_key_pem, ` + serverSilenced("a")

type scanner interface{ Scan(dest ...any) error }

// scanActor reads the actorColumns of a row, and extra after them.
func scanActor(s scanner, a *storage.Actor, extra ...any) error {
	var fields, published, fetched, deleted, suspended, silenced, aka, moved, emojis string
	err := s.Scan(append([]any{&a.ID, &a.URI, &a.Local, &a.Type, &a.Username, &a.Host, &a.Name, &a.Summary, &a.URL,
		&a.Inbox, &a.SharedInbox, &a.Outbox, &a.FollowersURI, &a.FollowingURI, &a.FeaturedURI,
		&a.KeyID, &a.PublicKeyPEM, &a.Admin, &a.Locked, &a.Discoverable, &a.IconURL, &a.ImageURL,
		&fields, &published, &fetched, &deleted, &a.SummarySource, &suspended, &a.Pending,
		&silenced, &aka, &a.MovedTo, &moved, &emojis, &a.Indexable,
		&a.Ed25519KeyID, &a.Ed25519KeyPEM, &a.ServerSilenced}, extra...)...)
	if err != nil {
		return err
	}
	a.Fields = nil
	if err := json.Unmarshal([]byte(fields), &a.Fields); err != nil {
		return fmt.Errorf("actor %d fields: %w", a.ID, err)
	}
	a.Published, a.FetchedAt, a.DeletedAt = parseTS(published), parseTS(fetched), parseTS(deleted)
	a.SuspendedAt, a.SilencedAt = parseTS(suspended), parseTS(silenced)
	a.AlsoKnownAs = nil
	if err := json.Unmarshal([]byte(aka), &a.AlsoKnownAs); err != nil {
		return fmt.Errorf("actor %d aliases: %w", a.ID, err)
	}
	a.MovedAt = parseTS(moved)
	return scanEmojis(a, emojis)
}

// scanEmojis reads an actor's emojis_json.
func scanEmojis(a *storage.Actor, emojis string) error {
	a.Emojis = nil
	if err := json.Unmarshal([]byte(emojis), &a.Emojis); err != nil {
		return fmt.Errorf("actor %d emojis: %w", a.ID, err)
	}
	return nil
}

func (r reader) getActor(ctx context.Context, what, where string, args ...any) (*storage.Actor, error) {
	a := &storage.Actor{}
	row := r.q.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors a WHERE `+where, args...)
	if err := scanActor(row, a); err != nil {
		return nil, notFound(what, err)
	}
	return a, nil
}

// GetActorByID returns the actor with the given row id.
func (r reader) GetActorByID(ctx context.Context, id int64) (*storage.Actor, error) {
	return r.getActor(ctx, "actor", `a.id = ?`, id)
}

// GetActorByURI returns the actor whose ActivityPub id is uri.
func (r reader) GetActorByURI(ctx context.Context, uri string) (*storage.Actor, error) {
	return r.getActor(ctx, "actor", `a.uri = ?`, uri)
}

// GetActorByKeyID returns the actor owning the public key keyID: its RSA key, or its
// Ed25519 one.
func (r reader) GetActorByKeyID(ctx context.Context, keyID string) (*storage.Actor, error) {
	a, err := r.getActor(ctx, "key", `a.key_id = ?`, keyID)
	if storage.KindOf(err) == storage.NotFound && keyID != "" {
		a, err = r.getActor(ctx, "key", `a.ed25519_key_id = ?`, keyID)
	}
	return a, err
}

// GetActorByHandle returns the actor username@host, matching the name regardless of case.
func (r reader) GetActorByHandle(ctx context.Context, username, host string) (*storage.Actor, error) {
	return r.getActor(ctx, "account", `lower(a.username) = lower(?) AND a.host = ?`, username, host)
}

// GetLocalActor returns the local account with the given name (any case), deleted or not.
func (r reader) GetLocalActor(ctx context.Context, username string) (*storage.Actor, error) {
	return r.getActor(ctx, "account", `a.local = TRUE AND lower(a.username) = lower(?)`, username)
}

// ListLocalActors returns local accounts of type Person, oldest first.
func (r reader) ListLocalActors(ctx context.Context) ([]*storage.Actor, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors a
		WHERE a.local = TRUE AND a.type = 'Person' AND a.deleted_at = {never} ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("list local actors: %w", err)
	}
	return collectActors(rows)
}

// ListActors returns the accounts q asks for, newest first: local accounts and remote
// actors that are not deleted, without the instance's own actor.
func (r reader) ListActors(ctx context.Context, q storage.AccountQuery) ([]*storage.Actor, error) {
	query := `SELECT ` + actorColumns + ` FROM actors a WHERE a.deleted_at = {never} AND (a.local = FALSE OR a.type = 'Person')`
	var args []any
	if q.Local != q.Remote {
		query += ` AND a.local = ?`
		args = append(args, q.Local)
	}
	// A remote actor blocked here, by itself or its server, is suspended as the admins see it.
	suspended := `(a.suspended_at <> {never} OR (a.local = FALSE AND ` + actorBlocked + `))`
	if q.Suspended {
		query += ` AND ` + suspended
	}
	if q.NotSuspended {
		query += ` AND NOT ` + suspended
	}
	if q.Silenced {
		query += ` AND ` + limited("a")
	}
	if q.Pending {
		query += ` AND a.pending = TRUE`
	}
	if q.Admins {
		query += ` AND a.admin = TRUE`
	}
	for _, c := range []struct{ col, prefix string }{{"a.username", q.Username}, {"a.name", q.Name}} {
		if c.prefix != "" {
			query += ` AND lower(` + c.col + `) LIKE ? ESCAPE '\'`
			args = append(args, likeEscaper.Replace(strings.ToLower(c.prefix))+"%")
		}
	}
	if q.Host != "" {
		query += ` AND lower(a.host) = ?`
		args = append(args, strings.ToLower(q.Host))
	}
	if q.Email != "" {
		query += ` AND EXISTS (SELECT 1 FROM credentials c WHERE c.actor_id = a.id AND lower(c.email) LIKE ? ESCAPE '\')`
		args = append(args, likeEscaper.Replace(strings.ToLower(q.Email))+"%")
	}
	query, args, asc := byIDPage(query, args, "a.id", q.Page, q.Since)
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list actors: %w", err)
	}
	out, err := collectActors(rows)
	if asc {
		reverse(out)
	}
	return out, err
}

func collectActors(rows *sql.Rows) ([]*storage.Actor, error) {
	defer rows.Close()
	var out []*storage.Actor
	for rows.Next() {
		a := &storage.Actor{}
		if err := scanActor(rows, a); err != nil {
			return nil, fmt.Errorf("scan actor: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list actors: %w", err)
	}
	return out, nil
}

// CountLocalUsers counts local Person accounts that are neither deleted, suspended nor
// pending approval, as Mastodon's NodeInfo counts its users.
func (r reader) CountLocalUsers(ctx context.Context) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM actors
		WHERE local = TRUE AND type = 'Person' AND deleted_at = {never} AND suspended_at = {never}
		AND pending = FALSE`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CreateActor inserts a new actor and sets a.ID. A taken name or URI is a Conflict. A remote
// actor's avatar and header are queued for the cache.
func (tx *Tx) CreateActor(ctx context.Context, a *storage.Actor) error {
	if a.Published.IsZero() {
		a.Published = time.Now()
	}
	if a.MovedTo != "" && a.MovedAt.IsZero() {
		a.MovedAt = time.Now()
	}
	fields, err := json.Marshal(nonNilFields(a.Fields))
	if err != nil {
		return err
	}
	aka, err := json.Marshal(nonNilStrings(a.AlsoKnownAs))
	if err != nil {
		return err
	}
	err = tx.guard(ctx, func() error {
		return tx.tx.QueryRowContext(ctx, `INSERT INTO actors (uri, local, type, username, host, name, summary, url,
		inbox, shared_inbox, outbox, followers_uri, following_uri, featured_uri, key_id, public_key_pem,
		admin, locked, discoverable, icon_url, image_url, fields_json, published, fetched_at, deleted_at, summary_source,
		suspended_at, pending, also_known_as_json, moved_to, moved_at, indexable, emojis_json, ed25519_key_id, ed25519_key_pem)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			a.URI, a.Local, a.Type, a.Username, a.Host, a.Name, a.Summary, a.URL, a.Inbox, a.SharedInbox,
			a.Outbox, a.FollowersURI, a.FollowingURI, a.FeaturedURI, a.KeyID, a.PublicKeyPEM,
			a.Admin, a.Locked, a.Discoverable, a.IconURL, a.ImageURL, string(fields),
			ts(a.Published), ts(a.FetchedAt), ts(a.DeletedAt), a.SummarySource, ts(a.SuspendedAt), a.Pending,
			string(aka), a.MovedTo, ts(a.MovedAt), a.Indexable, mustJSON(a.Emojis, []storage.Tag{}),
			a.Ed25519KeyID, a.Ed25519KeyPEM).Scan(&a.ID)
	})
	if isUnique(err) {
		return storage.Wrap(storage.Conflict, err, a.Handle()+" is already taken")
	}
	if err != nil {
		return fmt.Errorf("create actor %s: %w", a.URI, err)
	}
	return tx.queueRemoteProfile(ctx, a)
}

// UpdateActor writes every mutable column of a (found by a.ID), and queues a remote actor's
// avatar and header for the cache when they are new. A suspended or deleted local account's
// update is an EventSuspended, which ends its streaming connections (again, harmlessly, when
// it was suspended already).
func (tx *Tx) UpdateActor(ctx context.Context, a *storage.Actor) error {
	fields, err := json.Marshal(nonNilFields(a.Fields))
	if err != nil {
		return err
	}
	aka, err := json.Marshal(nonNilStrings(a.AlsoKnownAs))
	if err != nil {
		return err
	}
	wasIndexable := false
	if a.Local {
		if err := tx.tx.QueryRowContext(ctx, `SELECT indexable FROM actors WHERE id = ?`, a.ID).Scan(&wasIndexable); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("update actor %s: %w", a.URI, err)
		}
	}
	err = tx.guard(ctx, func() error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE actors SET type=?, username=?, name=?, summary=?, url=?, inbox=?,
		shared_inbox=?, outbox=?, followers_uri=?, following_uri=?, featured_uri=?, key_id=?, public_key_pem=?,
		admin=?, locked=?, discoverable=?, icon_url=?, image_url=?, fields_json=?,
		fetched_at=?, deleted_at=?, summary_source=?, suspended_at=?, pending=?,
		also_known_as_json=?, moved_to=?, moved_at=?, indexable=?, emojis_json=?, ed25519_key_id=?, ed25519_key_pem=?
		WHERE id = ?`,
			a.Type, a.Username, a.Name, a.Summary, a.URL, a.Inbox, a.SharedInbox, a.Outbox, a.FollowersURI,
			a.FollowingURI, a.FeaturedURI, a.KeyID, a.PublicKeyPEM, a.Admin, a.Locked,
			a.Discoverable, a.IconURL, a.ImageURL, string(fields), ts(a.FetchedAt), ts(a.DeletedAt), a.SummarySource,
			ts(a.SuspendedAt), a.Pending, string(aka), a.MovedTo, ts(a.MovedAt), a.Indexable,
			mustJSON(a.Emojis, []storage.Tag{}), a.Ed25519KeyID, a.Ed25519KeyPEM, a.ID)
		return err
	})
	if isUnique(err) {
		return storage.Wrap(storage.Conflict, err, "actor clashes with a stored one")
	}
	if err != nil {
		return fmt.Errorf("update actor %s: %w", a.URI, err)
	}
	if a.Local && (a.Suspended() || !a.DeletedAt.IsZero()) {
		tx.record(storage.Event{Kind: storage.EventSuspended, AccountID: a.ID})
	}
	if a.Local && a.Indexable != wasIndexable {
		if err := tx.reindexOpen(ctx, a); err != nil {
			return err
		}
	}
	return tx.queueRemoteProfile(ctx, a)
}

// PutRemoteActor stores a fetched remote actor: inserted when new, refreshed when known (by
// URI). It sets a.ID.
func (tx *Tx) PutRemoteActor(ctx context.Context, a *storage.Actor) error {
	old, err := tx.GetActorByURI(ctx, a.URI)
	if storage.KindOf(err) == storage.NotFound {
		a.Local = false
		if err := tx.CreateActor(ctx, a); storage.KindOf(err) == storage.Conflict {
			// Same name on the same host under a new URI: the old account was replaced.
			if _, err := tx.tx.ExecContext(ctx, `UPDATE actors SET username = username || '~' || id
				WHERE lower(username) = lower(?) AND host = ? AND local = FALSE`, a.Username, a.Host); err != nil {
				return fmt.Errorf("rename stale actor: %w", err)
			}
			return tx.CreateActor(ctx, a)
		} else {
			return err
		}
	}
	if err != nil {
		return err
	}
	if old.Local {
		return storage.Errorf(storage.Forbidden, "%s is a local account", a.URI)
	}
	a.ID, a.Local, a.Published = old.ID, false, old.Published
	a.SilencedAt, a.ServerSilenced = old.SilencedAt, old.ServerSilenced // ours, not its server's
	if a.Suspended() && old.Suspended() {
		a.SuspendedAt = old.SuspendedAt // suspended since then, not since this fetch
	}
	if a.MovedTo != "" && a.MovedTo == old.MovedTo && !old.MovedAt.IsZero() {
		a.MovedAt = old.MovedAt // moved since then, not since this fetch
	} else if a.MovedTo != "" && a.MovedAt.IsZero() {
		a.MovedAt = time.Now()
	}
	return tx.UpdateActor(ctx, a)
}

// MarkActorDeleted records that the actor is gone. Its notes are tombstoned with it (keeping
// no text, as DeleteNote does), and its follows, likes, emoji reactions and boosts removed, so that nothing of
// it is served or delivered to again.
func (tx *Tx) MarkActorDeleted(ctx context.Context, id int64, at time.Time) error {
	if err := tx.tombstone(ctx, at, `actor_id = :target`, id); err != nil {
		return fmt.Errorf("delete actor %d: %w", id, err)
	}
	stamp := ts(at)
	tx.followed = true
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE actors SET deleted_at = ? WHERE id = ? AND deleted_at = {never}`, []any{stamp, id}},
		{`DELETE FROM list_accounts WHERE account_id = ? OR list_id IN (SELECT id FROM lists WHERE actor_id = ?)`, []any{id, id}},
		{`DELETE FROM lists WHERE actor_id = ?`, []any{id}},
		{`DELETE FROM followed_tags WHERE account_id = ?`, []any{id}},
		{`DELETE FROM follows WHERE follower_id = ? OR followee_id = ?`, []any{id, id}},
		{`DELETE FROM likes WHERE actor_id = ?`, []any{id}},
		{`DELETE FROM emoji_reactions WHERE actor_id = ?`, []any{id}},
		{`DELETE FROM filter_keywords WHERE filter_id IN (SELECT id FROM filters WHERE actor_id = ?)`, []any{id}},
		{`DELETE FROM filters WHERE actor_id = ?`, []any{id}},
		{`DELETE FROM announces WHERE actor_id = ?`, []any{id}},
		{`DELETE FROM feed WHERE note_id IN (SELECT id FROM notes WHERE actor_id = ?)`, []any{id}},
		// Only local activities are ever delivered (and indexed by actor).
		{`DELETE FROM deliveries WHERE activity_id IN (SELECT id FROM activities WHERE actor_id = ? AND local = TRUE)`, []any{id}},
	} {
		if _, err := tx.tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("delete actor %d: %w", id, err)
		}
	}
	return nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilFields(f []storage.Field) []storage.Field {
	if f == nil {
		return []storage.Field{}
	}
	return f
}

// GetCredentials returns the secrets of local account actorID.
func (r reader) GetCredentials(ctx context.Context, actorID int64) (*storage.Credentials, error) {
	c := &storage.Credentials{ActorID: actorID}
	var codes, confirmed string
	err := r.q.QueryRowContext(ctx, `SELECT password_hash, private_key_pem, totp_secret, totp_enabled, totp_step,
		recovery_codes, email, email_confirmed_at FROM credentials WHERE actor_id = ?`, actorID).
		Scan(&c.PasswordHash, &c.PrivateKeyPEM, &c.TOTPSecret, &c.TOTPEnabled, &c.TOTPStep, &codes, &c.Email, &confirmed)
	if err != nil {
		return nil, notFound("credentials", err)
	}
	c.RecoveryCodes = strings.Fields(codes)
	c.EmailConfirmedAt = parseTS(confirmed)
	return c, nil
}

// AccountByEmail finds the local account with address email, in any case.
func (r reader) AccountByEmail(ctx context.Context, email string) (int64, error) {
	var id int64
	err := r.q.QueryRowContext(ctx, `SELECT actor_id FROM credentials WHERE lower(email) = lower(?) AND email <> ''`, email).Scan(&id)
	if err != nil {
		return 0, notFound("account with that address", err)
	}
	return id, nil
}

// PutCredentials stores the secrets of a local account; a remote actor never has any.
func (tx *Tx) PutCredentials(ctx context.Context, c *storage.Credentials) error {
	var res sql.Result
	err := tx.guard(ctx, func() (err error) {
		res, err = tx.tx.ExecContext(ctx, `INSERT INTO credentials (actor_id, password_hash, private_key_pem,
		totp_secret, totp_enabled, totp_step, recovery_codes, email, email_confirmed_at)
		SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM actors WHERE id = ? AND local = TRUE
		ON CONFLICT (actor_id) DO UPDATE SET password_hash = excluded.password_hash,
		private_key_pem = excluded.private_key_pem, totp_secret = excluded.totp_secret,
		totp_enabled = excluded.totp_enabled, totp_step = excluded.totp_step,
		recovery_codes = excluded.recovery_codes, email = excluded.email,
		email_confirmed_at = excluded.email_confirmed_at`,
			c.PasswordHash, c.PrivateKeyPEM, c.TOTPSecret, c.TOTPEnabled, c.TOTPStep, strings.Join(c.RecoveryCodes, " "),
			c.Email, ts(c.EmailConfirmedAt), c.ActorID)
		return err
	})
	if isUnique(err) {
		return storage.Wrap(storage.Conflict, err, "that e-mail address belongs to another account")
	}
	if err != nil {
		return fmt.Errorf("put credentials of %d: %w", c.ActorID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no local account %d", c.ActorID)
	}
	return nil
}

// SetActorSilenced silences actor id as of at, or lifts its silence when at is zero.
func (tx *Tx) SetActorSilenced(ctx context.Context, id int64, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE actors SET silenced_at = ? WHERE id = ?`, ts(at), id)
	if err != nil {
		return fmt.Errorf("silence actor %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no actor %d", id)
	}
	return nil
}

// ListSilencedActors returns the live actors an admin silenced one by one, the most
// recently silenced first.
func (r reader) ListSilencedActors(ctx context.Context) ([]*storage.Actor, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors a
		WHERE a.silenced_at <> {never} AND a.deleted_at = {never} ORDER BY a.silenced_at DESC, a.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list silenced actors: %w", err)
	}
	return collectActors(rows)
}
