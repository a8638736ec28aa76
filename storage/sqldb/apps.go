package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"refuge/storage"
)

// orNull stores a row id of 0 (none) as NULL, for a nullable reference.
func orNull(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// PutApp stores a new app.
func (tx *Tx) PutApp(ctx context.Context, a *storage.App) error {
	if a.Created.IsZero() {
		a.Created = time.Now()
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO apps (client_id, secret_hash, name, website, redirect_uris, scopes, created)
		VALUES (?,?,?,?,?,?,?) RETURNING id`,
		a.ClientID, a.SecretHash, a.Name, a.Website, strings.Join(a.RedirectURIs, "\n"), a.Scopes, ts(a.Created)).Scan(&a.ID)
	if isUnique(err) {
		return storage.Wrap(storage.Conflict, err, "client id taken")
	}
	if err != nil {
		return fmt.Errorf("put app: %w", err)
	}
	return nil
}

const appColumns = `apps.id, apps.client_id, apps.secret_hash, apps.name, apps.website, apps.redirect_uris, apps.scopes, apps.created`

func scanApp(row interface{ Scan(...any) error }) (*storage.App, error) {
	a := &storage.App{}
	var uris, created string
	if err := row.Scan(&a.ID, &a.ClientID, &a.SecretHash, &a.Name, &a.Website, &uris, &a.Scopes, &created); err != nil {
		return nil, err
	}
	a.RedirectURIs, a.Created = strings.Split(uris, "\n"), parseTS(created)
	return a, nil
}

// GetAppByClientID returns the app with this client id.
func (r reader) GetAppByClientID(ctx context.Context, clientID string) (*storage.App, error) {
	a, err := scanApp(r.q.QueryRowContext(ctx, `SELECT `+appColumns+` FROM apps WHERE client_id = ?`, clientID))
	if err != nil {
		return nil, notFound("app", err)
	}
	return a, nil
}

// GetAppByID returns the app with this row id.
func (r reader) GetAppByID(ctx context.Context, id int64) (*storage.App, error) {
	a, err := scanApp(r.q.QueryRowContext(ctx, `SELECT `+appColumns+` FROM apps WHERE id = ?`, id))
	if err != nil {
		return nil, notFound("app", err)
	}
	return a, nil
}

// ListAuthorizedApps returns the apps holding tokens of the account.
func (r reader) ListAuthorizedApps(ctx context.Context, actorID int64) ([]*storage.App, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+appColumns+` FROM apps
		WHERE apps.id IN (SELECT app_id FROM tokens WHERE actor_id = ?) ORDER BY apps.id DESC`, actorID)
	if err != nil {
		return nil, fmt.Errorf("list authorized apps: %w", err)
	}
	defer rows.Close()
	var out []*storage.App
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, fmt.Errorf("list authorized apps: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list authorized apps: %w", err)
	}
	return out, nil
}

// PutAuthCode stores a code, and removes the expired ones: codes nobody exchanged would
// otherwise stay for ever.
func (tx *Tx) PutAuthCode(ctx context.Context, c *storage.AuthCode) error {
	if c.Created.IsZero() {
		c.Created = time.Now()
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM auth_codes WHERE expires < ?`, ts(c.Created)); err != nil {
		return fmt.Errorf("delete expired codes: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO auth_codes (hash, app_id, actor_id, redirect_uri, scopes, challenge, method,
		created, expires) VALUES (?,?,?,?,?,?,?,?,?)`,
		c.Hash, c.AppID, c.ActorID, c.RedirectURI, c.Scopes, c.Challenge, c.Method, ts(c.Created), ts(c.Expires))
	if err != nil {
		return fmt.Errorf("put code: %w", err)
	}
	return nil
}

// GetAuthCode returns the unexpired code whose secret hashes to hash.
func (r reader) GetAuthCode(ctx context.Context, hash string, now time.Time) (*storage.AuthCode, error) {
	c := &storage.AuthCode{}
	var created, expires string
	err := r.q.QueryRowContext(ctx, `SELECT hash, app_id, actor_id, redirect_uri, scopes, challenge, method, created, expires
		FROM auth_codes WHERE hash = ? AND expires > ?`, hash, ts(now)).
		Scan(&c.Hash, &c.AppID, &c.ActorID, &c.RedirectURI, &c.Scopes, &c.Challenge, &c.Method, &created, &expires)
	if err != nil {
		return nil, notFound("code", err)
	}
	c.Created, c.Expires = parseTS(created), parseTS(expires)
	return c, nil
}

// DeleteAuthCode removes a code; NotFound when it was not there.
func (tx *Tx) DeleteAuthCode(ctx context.Context, hash string) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM auth_codes WHERE hash = ?`, hash)
	if err != nil {
		return fmt.Errorf("delete code: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "code not found")
	}
	return nil
}

// DeleteAppTokens removes one token of the app (hash != "") or every one it holds for an
// account.
func (tx *Tx) DeleteAppTokens(ctx context.Context, appID, actorID int64, hash string) error {
	q, args := `DELETE FROM tokens WHERE app_id = ? AND actor_id = ?`, []any{appID, actorID}
	if hash != "" {
		q, args = `DELETE FROM tokens WHERE app_id = ? AND hash = ?`, []any{appID, hash}
	}
	if _, err := tx.tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("delete app tokens: %w", err)
	}
	return nil
}
