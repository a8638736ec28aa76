package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"refuge/storage"
)

const filterColumns = `id, actor_id, title, contexts, action, expires, created`

// ListFilters returns actorID's filters with their keywords, oldest first.
func (r reader) ListFilters(ctx context.Context, actorID int64) ([]*storage.Filter, error) {
	return r.filters(ctx, `SELECT `+filterColumns+` FROM filters WHERE actor_id = ? ORDER BY id`, actorID)
}

// GetFilter returns actorID's filter id with its keywords.
func (r reader) GetFilter(ctx context.Context, actorID, id int64) (*storage.Filter, error) {
	list, err := r.filters(ctx, `SELECT `+filterColumns+` FROM filters WHERE id = ? AND actor_id = ?`, id, actorID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, storage.Errorf(storage.NotFound, "no such filter")
	}
	return list[0], nil
}

// GetFilterKeyword returns keyword id of one of actorID's filters.
func (r reader) GetFilterKeyword(ctx context.Context, actorID, id int64) (*storage.FilterKeyword, error) {
	k := &storage.FilterKeyword{}
	var created string
	err := r.q.QueryRowContext(ctx, `SELECT k.id, k.filter_id, k.keyword, k.whole_word, k.created FROM filter_keywords k
		JOIN filters f ON f.id = k.filter_id WHERE k.id = ? AND f.actor_id = ?`, id, actorID).
		Scan(&k.ID, &k.FilterID, &k.Keyword, &k.WholeWord, &created)
	if err != nil {
		return nil, notFound("filter keyword", err)
	}
	k.Created = parseTS(created)
	return k, nil
}

// filters runs a query for filterColumns, then reads the keywords of every filter found in
// one more query.
func (r reader) filters(ctx context.Context, q string, args ...any) ([]*storage.Filter, error) {
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list filters: %w", err)
	}
	defer rows.Close()
	var out []*storage.Filter
	byID := map[int64]*storage.Filter{}
	for rows.Next() {
		f := &storage.Filter{}
		var contexts, action, expires, created string
		if err := rows.Scan(&f.ID, &f.ActorID, &f.Title, &contexts, &action, &expires, &created); err != nil {
			return nil, fmt.Errorf("scan filter: %w", err)
		}
		for _, c := range strings.Fields(contexts) {
			f.Contexts = append(f.Contexts, storage.FilterContext(c))
		}
		f.Action, f.Expires, f.Created = storage.FilterAction(action), parseTS(expires), parseTS(created)
		out = append(out, f)
		byID[f.ID] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list filters: %w", err)
	}
	rows.Close()
	if len(out) == 0 {
		return nil, nil
	}
	ids := make([]any, 0, len(out))
	for _, f := range out {
		ids = append(ids, f.ID)
	}
	krows, err := r.q.QueryContext(ctx, `SELECT id, filter_id, keyword, whole_word, created FROM filter_keywords
		WHERE filter_id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`) ORDER BY id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("list filter keywords: %w", err)
	}
	defer krows.Close()
	for krows.Next() {
		var k storage.FilterKeyword
		var created string
		if err := krows.Scan(&k.ID, &k.FilterID, &k.Keyword, &k.WholeWord, &created); err != nil {
			return nil, fmt.Errorf("scan filter keyword: %w", err)
		}
		k.Created = parseTS(created)
		f := byID[k.FilterID]
		f.Keywords = append(f.Keywords, k)
	}
	if err := krows.Err(); err != nil {
		return nil, fmt.Errorf("list filter keywords: %w", err)
	}
	return out, nil
}

// contextsText is how a filter's contexts are stored: space-separated.
func contextsText(cs []storage.FilterContext) string {
	words := make([]string, len(cs))
	for i, c := range cs {
		words[i] = string(c)
	}
	return strings.Join(words, " ")
}

// CreateFilter stores f and its keywords.
func (tx *Tx) CreateFilter(ctx context.Context, f *storage.Filter) error {
	if f.Created.IsZero() {
		f.Created = time.Now()
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO filters (actor_id, title, contexts, action, expires, created)
		VALUES (?,?,?,?,?,?) RETURNING id`, f.ActorID, f.Title, contextsText(f.Contexts), string(f.Action),
		ts(f.Expires), ts(f.Created)).Scan(&f.ID)
	if err != nil {
		return fmt.Errorf("create filter: %w", err)
	}
	for i := range f.Keywords {
		k := &f.Keywords[i]
		k.FilterID, k.ID = f.ID, 0
		if k.Created.IsZero() {
			k.Created = f.Created
		}
		if err := tx.PutFilterKeyword(ctx, k); err != nil {
			return err
		}
	}
	tx.filtersChanged(f.ActorID)
	return nil
}

// UpdateFilter stores f's title, contexts, action and expiry.
func (tx *Tx) UpdateFilter(ctx context.Context, f *storage.Filter) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE filters SET title = ?, contexts = ?, action = ?, expires = ?
		WHERE id = ? AND actor_id = ?`, f.Title, contextsText(f.Contexts), string(f.Action), ts(f.Expires), f.ID, f.ActorID)
	if err != nil {
		return fmt.Errorf("update filter: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no such filter")
	}
	tx.filtersChanged(f.ActorID)
	return nil
}

// DeleteFilter removes actorID's filter id and its keywords.
func (tx *Tx) DeleteFilter(ctx context.Context, actorID, id int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM filter_keywords WHERE filter_id IN
		(SELECT id FROM filters WHERE id = ? AND actor_id = ?)`, id, actorID); err != nil {
		return fmt.Errorf("delete filter: %w", err)
	}
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM filters WHERE id = ? AND actor_id = ?`, id, actorID)
	if err != nil {
		return fmt.Errorf("delete filter: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no such filter")
	}
	tx.filtersChanged(actorID)
	return nil
}

// PutFilterKeyword adds or changes a keyword of filter k.FilterID.
func (tx *Tx) PutFilterKeyword(ctx context.Context, k *storage.FilterKeyword) error {
	if k.ID != 0 {
		res, err := tx.tx.ExecContext(ctx, `UPDATE filter_keywords SET keyword = ?, whole_word = ? WHERE id = ? AND filter_id = ?`,
			k.Keyword, k.WholeWord, k.ID, k.FilterID)
		if err != nil {
			return fmt.Errorf("update filter keyword: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return storage.Errorf(storage.NotFound, "no such keyword")
		}
		return tx.filterChanged(ctx, k.FilterID)
	}
	if k.Created.IsZero() {
		k.Created = time.Now()
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO filter_keywords (filter_id, keyword, whole_word, created) VALUES (?,?,?,?)
		RETURNING id`, k.FilterID, k.Keyword, k.WholeWord, ts(k.Created)).Scan(&k.ID)
	if err != nil {
		return fmt.Errorf("add filter keyword: %w", err)
	}
	return tx.filterChanged(ctx, k.FilterID)
}

// DeleteFilterKeyword removes keyword id of filter filterID.
func (tx *Tx) DeleteFilterKeyword(ctx context.Context, filterID, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM filter_keywords WHERE id = ? AND filter_id = ?`, id, filterID)
	if err != nil {
		return fmt.Errorf("delete filter keyword: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.Errorf(storage.NotFound, "no such keyword")
	}
	return tx.filterChanged(ctx, filterID)
}

// filterChanged records that the filters of the owner of filter id changed.
func (tx *Tx) filterChanged(ctx context.Context, id int64) error {
	var owner int64
	if err := tx.tx.QueryRowContext(ctx, `SELECT actor_id FROM filters WHERE id = ?`, id).Scan(&owner); err != nil {
		return notFound("filter", err)
	}
	tx.filtersChanged(owner)
	return nil
}

// filtersChanged records, once however many of them a transaction changes, that
// account's filters changed: its apps are told (streaming's filters_changed) so that they
// read them again, as Mastodon tells them once a request.
func (tx *Tx) filtersChanged(account int64) {
	e := storage.Event{Kind: storage.EventFilters, AccountID: account}
	if !slices.Contains(tx.events, e) {
		tx.record(e)
	}
}
