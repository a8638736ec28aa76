package sqldb

import (
	"context"
	"fmt"
)

// RowCounts counts the rows of every table, by table name, in one consistent read. It is
// for tests (a refused request must leave every table as it was) and for an admin's
// overview of what an instance holds.
func (db *DB) RowCounts(ctx context.Context) (map[string]int, error) {
	tx, err := db.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("row counts: %w", err)
	}
	defer tx.Rollback()
	names, err := db.tableNames(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("row counts: %w", err)
	}
	counts := make(map[string]int, len(names))
	for _, name := range names {
		var n int
		// The names come from the catalogue, not from a caller; quoting keeps odd ones whole.
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+quote(name)).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", name, err)
		}
		counts[name] = n
	}
	return counts, nil
}

// tableNames lists the tables of the database, from its catalogue, by name.
func (db *DB) tableNames(ctx context.Context, q querier) ([]string, error) {
	// The search index (note_search, and FTS5's tables behind it) is each dialect's own and
	// is made from the notes: not a table of rows to copy or compare.
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND name NOT LIKE 'note_search%' ORDER BY name`
	if db.pg != nil {
		list = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'note_search%'
			ORDER BY tablename`
	}
	return column[string](q.QueryContext(ctx, list))
}
