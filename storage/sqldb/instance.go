package sqldb

import (
	"context"
	"fmt"
	"time"

	"refuge/storage"
)

// The settings live in meta, one key each: they are few, read together, and copied with it.
var settingsKeys = []string{"instance_name", "instance_description", "instance_about",
	"instance_contact_email", "instance_contact_account"}

func settingsFields(s *storage.Settings) []*string {
	return []*string{&s.Name, &s.Description, &s.About, &s.ContactEmail, &s.ContactAccount}
}

// settingsUpdatedKey is the meta key of when the settings were last saved (RFC 3339).
const settingsUpdatedKey = "instance_updated_at"

// GetSettings returns the stored settings.
func (r reader) GetSettings(ctx context.Context) (*storage.Settings, error) {
	s := &storage.Settings{}
	for i, f := range settingsFields(s) {
		v, err := r.GetMeta(ctx, settingsKeys[i])
		if err != nil {
			return nil, fmt.Errorf("get settings: %w", err)
		}
		*f = v
	}
	at, err := r.GetMeta(ctx, settingsUpdatedKey)
	if err != nil {
		return nil, fmt.Errorf("get settings: %w", err)
	}
	if at != "" {
		if s.UpdatedAt, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, fmt.Errorf("get settings: saved at %q: %w", at, err)
		}
	}
	return s, nil
}

// PutSettings replaces the settings.
func (tx *Tx) PutSettings(ctx context.Context, s *storage.Settings) error {
	for i, f := range settingsFields(s) {
		if err := tx.PutMeta(ctx, settingsKeys[i], *f); err != nil {
			return fmt.Errorf("put settings: %w", err)
		}
	}
	at := ""
	if !s.UpdatedAt.IsZero() {
		at = s.UpdatedAt.UTC().Format(time.RFC3339Nano)
	}
	if err := tx.PutMeta(ctx, settingsUpdatedKey, at); err != nil {
		return fmt.Errorf("put settings: %w", err)
	}
	return nil
}

// ListRules returns the rules, oldest first.
func (r reader) ListRules(ctx context.Context) ([]storage.Rule, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, text, hint, created_at FROM rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	var list []storage.Rule
	for rows.Next() {
		var rule storage.Rule
		var created string
		if err := rows.Scan(&rule.ID, &rule.Text, &rule.Hint, &created); err != nil {
			return nil, fmt.Errorf("list rules: %w", err)
		}
		rule.CreatedAt = parseTS(created)
		list = append(list, rule)
	}
	return list, rows.Err()
}

// PutRule adds or edits a rule.
func (tx *Tx) PutRule(ctx context.Context, rule *storage.Rule) error {
	if rule.ID == 0 {
		err := tx.tx.QueryRowContext(ctx, `INSERT INTO rules (text, hint, created_at) VALUES (?, ?, ?) RETURNING id`,
			rule.Text, rule.Hint, ts(rule.CreatedAt)).Scan(&rule.ID)
		if err != nil {
			return fmt.Errorf("add rule: %w", err)
		}
		return nil
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE rules SET text = ?, hint = ? WHERE id = ?`, rule.Text, rule.Hint, rule.ID)
	if err != nil {
		return fmt.Errorf("edit rule %d: %w", rule.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no rule %d", rule.ID)
	}
	return nil
}

// DeleteRule removes a rule.
func (tx *Tx) DeleteRule(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM rules WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete rule %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no rule %d", id)
	}
	return nil
}
