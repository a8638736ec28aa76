package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// RowCounts counts the rows of every table, by table name, in one consistent read. It is
// for tests (a refused request must leave every table as it was) and for an admin's
// overview of what an instance holds.
func (db *DB) RowCounts(ctx context.Context) (map[string]int, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("row counts: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
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
		// The names come from sqlite_master, not from a caller; quoting keeps odd ones whole.
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM "`+name+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", name, err)
		}
		counts[name] = n
	}
	return counts, nil
}
