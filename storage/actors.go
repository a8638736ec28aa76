package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Field is one profile field (Mastodon's PropertyValue attachment).
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Actor is a local account or a remote actor. Local ones carry a private key and a password
// hash; remote ones only what their server told us.
type Actor struct {
	ID            int64
	URI           string
	Local         bool
	Type          string
	Username      string
	Host          string
	Name          string
	Summary       string
	URL           string
	Inbox         string
	SharedInbox   string
	Outbox        string
	FollowersURI  string
	FollowingURI  string
	FeaturedURI   string
	KeyID         string
	PublicKeyPEM  string
	PrivateKeyPEM string
	PasswordHash  string
	Admin         bool
	Locked        bool
	Discoverable  bool
	IconURL       string
	ImageURL      string
	Fields        []Field
	Published     time.Time
	FetchedAt     time.Time
	DeletedAt     time.Time
}

// Handle is the actor's user@host form, without a leading @.
func (a *Actor) Handle() string { return a.Username + "@" + a.Host }

// DeliveryInbox is where activities for this actor go: the shared inbox when it has one.
func (a *Actor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

const actorColumns = `a.id, a.uri, a.local, a.type, a.username, a.host, a.name, a.summary, a.url,
	a.inbox, a.shared_inbox, a.outbox, a.followers_uri, a.following_uri, a.featured_uri,
	a.key_id, a.public_key_pem, a.private_key_pem, a.password_hash, a.admin, a.locked,
	a.discoverable, a.icon_url, a.image_url, a.fields_json, a.published, a.fetched_at, a.deleted_at`

type scanner interface{ Scan(dest ...any) error }

func scanActor(s scanner, a *Actor) error {
	var fields, published, fetched, deleted string
	err := s.Scan(&a.ID, &a.URI, &a.Local, &a.Type, &a.Username, &a.Host, &a.Name, &a.Summary, &a.URL,
		&a.Inbox, &a.SharedInbox, &a.Outbox, &a.FollowersURI, &a.FollowingURI, &a.FeaturedURI,
		&a.KeyID, &a.PublicKeyPEM, &a.PrivateKeyPEM, &a.PasswordHash, &a.Admin, &a.Locked,
		&a.Discoverable, &a.IconURL, &a.ImageURL, &fields, &published, &fetched, &deleted)
	if err != nil {
		return err
	}
	a.Fields = nil
	if err := json.Unmarshal([]byte(fields), &a.Fields); err != nil {
		return fmt.Errorf("actor %d fields: %w", a.ID, err)
	}
	a.Published, a.FetchedAt, a.DeletedAt = parseTS(published), parseTS(fetched), parseTS(deleted)
	return nil
}

func (r reader) getActor(ctx context.Context, what, where string, args ...any) (*Actor, error) {
	a := &Actor{}
	row := r.q.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors a WHERE `+where, args...)
	if err := scanActor(row, a); err != nil {
		return nil, notFound(what, err)
	}
	return a, nil
}

// GetActorByID returns the actor with the given row id.
func (r reader) GetActorByID(ctx context.Context, id int64) (*Actor, error) {
	return r.getActor(ctx, "actor", `a.id = ?`, id)
}

// GetActorByURI returns the actor whose ActivityPub id is uri.
func (r reader) GetActorByURI(ctx context.Context, uri string) (*Actor, error) {
	return r.getActor(ctx, "actor", `a.uri = ?`, uri)
}

// GetActorByKeyID returns the actor owning the public key keyID.
func (r reader) GetActorByKeyID(ctx context.Context, keyID string) (*Actor, error) {
	return r.getActor(ctx, "key", `a.key_id = ?`, keyID)
}

// GetActorByHandle returns the actor username@host, matching the name regardless of case.
func (r reader) GetActorByHandle(ctx context.Context, username, host string) (*Actor, error) {
	return r.getActor(ctx, "account", `lower(a.username) = lower(?) AND a.host = ?`, username, host)
}

// GetLocalActor returns the local account with the given name (any case), deleted or not.
func (r reader) GetLocalActor(ctx context.Context, username string) (*Actor, error) {
	return r.getActor(ctx, "account", `a.local = 1 AND lower(a.username) = lower(?)`, username)
}

// ListLocalActors returns local accounts of type Person, oldest first.
func (r reader) ListLocalActors(ctx context.Context) ([]*Actor, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+actorColumns+` FROM actors a
		WHERE a.local = 1 AND a.type = 'Person' AND a.deleted_at = '' ORDER BY a.id`)
	if err != nil {
		return nil, fmt.Errorf("list local actors: %w", err)
	}
	return collectActors(rows)
}

func collectActors(rows *sql.Rows) ([]*Actor, error) {
	defer rows.Close()
	var out []*Actor
	for rows.Next() {
		a := &Actor{}
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

// CountLocalUsers counts local Person accounts that are not deleted.
func (r reader) CountLocalUsers(ctx context.Context) (int, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT count(*) FROM actors WHERE local = 1 AND type = 'Person' AND deleted_at = ''`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CreateActor inserts a new actor and sets a.ID. A taken name or URI is a Conflict.
func (tx *Tx) CreateActor(ctx context.Context, a *Actor) error {
	if a.Published.IsZero() {
		a.Published = time.Now()
	}
	fields, err := json.Marshal(nonNilFields(a.Fields))
	if err != nil {
		return err
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO actors (uri, local, type, username, host, name, summary, url,
		inbox, shared_inbox, outbox, followers_uri, following_uri, featured_uri, key_id, public_key_pem,
		private_key_pem, password_hash, admin, locked, discoverable, icon_url, image_url, fields_json,
		published, fetched_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		a.URI, a.Local, a.Type, a.Username, a.Host, a.Name, a.Summary, a.URL, a.Inbox, a.SharedInbox,
		a.Outbox, a.FollowersURI, a.FollowingURI, a.FeaturedURI, a.KeyID, a.PublicKeyPEM, a.PrivateKeyPEM,
		a.PasswordHash, a.Admin, a.Locked, a.Discoverable, a.IconURL, a.ImageURL, string(fields),
		ts(a.Published), ts(a.FetchedAt), ts(a.DeletedAt))
	if isUnique(err) {
		return &Error{Kind: Conflict, Msg: fmt.Sprintf("%s is already taken", a.Handle()), Err: err}
	}
	if err != nil {
		return fmt.Errorf("create actor %s: %w", a.URI, err)
	}
	a.ID, err = res.LastInsertId()
	return err
}

// UpdateActor writes every mutable column of a (found by a.ID).
func (tx *Tx) UpdateActor(ctx context.Context, a *Actor) error {
	fields, err := json.Marshal(nonNilFields(a.Fields))
	if err != nil {
		return err
	}
	_, err = tx.tx.ExecContext(ctx, `UPDATE actors SET type=?, username=?, name=?, summary=?, url=?, inbox=?,
		shared_inbox=?, outbox=?, followers_uri=?, following_uri=?, featured_uri=?, key_id=?, public_key_pem=?,
		password_hash=?, admin=?, locked=?, discoverable=?, icon_url=?, image_url=?, fields_json=?,
		fetched_at=?, deleted_at=? WHERE id = ?`,
		a.Type, a.Username, a.Name, a.Summary, a.URL, a.Inbox, a.SharedInbox, a.Outbox, a.FollowersURI,
		a.FollowingURI, a.FeaturedURI, a.KeyID, a.PublicKeyPEM, a.PasswordHash, a.Admin, a.Locked,
		a.Discoverable, a.IconURL, a.ImageURL, string(fields), ts(a.FetchedAt), ts(a.DeletedAt), a.ID)
	if isUnique(err) {
		return &Error{Kind: Conflict, Msg: "actor clashes with a stored one", Err: err}
	}
	if err != nil {
		return fmt.Errorf("update actor %s: %w", a.URI, err)
	}
	return nil
}

// PutRemoteActor stores a fetched remote actor: inserted when new, refreshed when known (by
// URI). It sets a.ID.
func (tx *Tx) PutRemoteActor(ctx context.Context, a *Actor) error {
	old, err := tx.GetActorByURI(ctx, a.URI)
	if KindOf(err) == NotFound {
		a.Local = false
		if err := tx.CreateActor(ctx, a); KindOf(err) == Conflict {
			// Same name on the same host under a new URI: the old account was replaced.
			if _, err := tx.tx.ExecContext(ctx, `UPDATE actors SET username = username || '~' || id
				WHERE lower(username) = lower(?) AND host = ? AND local = 0`, a.Username, a.Host); err != nil {
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
		return Errorf(Forbidden, "%s is a local account", a.URI)
	}
	a.ID, a.Local, a.Published = old.ID, false, old.Published
	return tx.UpdateActor(ctx, a)
}

// MarkActorDeleted records that the actor is gone. Its notes are tombstoned with it, and its
// follows, likes and boosts removed, so that nothing of it is served or delivered to again.
func (tx *Tx) MarkActorDeleted(ctx context.Context, id int64, at time.Time) error {
	stamp := ts(at)
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE actors SET deleted_at = ? WHERE id = ? AND deleted_at = ''`, []any{stamp, id}},
		{`UPDATE notes SET deleted_at = ?, content = '', summary = '' WHERE actor_id = ? AND deleted_at = ''`, []any{stamp, id}},
		{`DELETE FROM follows WHERE follower_id = ? OR followee_id = ?`, []any{id, id}},
		{`DELETE FROM likes WHERE actor_id = ?`, []any{id}},
		{`DELETE FROM announces WHERE actor_id = ?`, []any{id}},
		{`DELETE FROM feed WHERE note_id IN (SELECT id FROM notes WHERE actor_id = ?)`, []any{id}},
		// Only local activities are ever delivered (and indexed by actor).
		{`DELETE FROM deliveries WHERE activity_id IN (SELECT id FROM activities WHERE actor_id = ? AND local = 1)`, []any{id}},
	} {
		if _, err := tx.tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("delete actor %d: %w", id, err)
		}
	}
	return nil
}

func nonNilFields(f []Field) []Field {
	if f == nil {
		return []Field{}
	}
	return f
}

// HostOf returns the host (with port) of an absolute URL, lower-cased, or "".
func HostOf(uri string) string {
	rest, ok := strings.CutPrefix(uri, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(uri, "http://")
	}
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	return strings.ToLower(rest)
}
