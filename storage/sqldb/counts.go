package sqldb

import (
	"context"
	"database/sql"
	"fmt"
)

// RowCounts counts the rows of every table, by table name, in one consistent read. It is
// for tests (a refused request must leave every table as it was) and for an admin's
// overview of what an instance holds.
func (db *DB) RowCounts(ctx context.Context) (map[string]int, error) {
	opts := &sql.TxOptions{ReadOnly: true} // on SQLite, a read transaction is one snapshot
	if db.pg != nil {
		opts.Isolation = sql.LevelRepeatableRead // on PostgreSQL, only so
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("row counts: %w", err)
	}
	defer tx.Rollback()
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.pg != nil {
		list = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`
	}
	rows, err := tx.QueryContext(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("row counts: %w", err)
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("row counts: %w", err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, fmt.Errorf("row counts: %w", err)
	}
	rows.Close()
	counts := make(map[string]int, len(names))
	for _, name := range names {
		var n int
		// The names come from the catalogue, not from a caller; quoting keeps odd ones whole.
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM "`+name+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", name, err)
		}
		counts[name] = n
	}
	return counts, nil
}
