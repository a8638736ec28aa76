package sqldb

import (
	"database/sql"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestPostgresRewrite: SQLite's parameters become PostgreSQL's, in the order PostgreSQL
// numbers them, and nothing inside a literal, a quoted name or a comment is touched.
func TestPostgresRewrite(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 5000, time.UTC)
	rows := []struct {
		name, query string
		args        []any
		wantQuery   string
		wantArgs    []any
	}{
		{"positional", `SELECT a FROM t WHERE b = ? AND c = ?`, []any{1, "x"},
			`SELECT a FROM t WHERE b = $1 AND c = $2`, []any{1, "x"}},
		{"numbered, used twice", `SELECT ?1, ?2 WHERE x = ?1`, []any{7, 8},
			`SELECT $1, $2 WHERE x = $1`, []any{7, 8}},
		{"named, used twice, with positional ones after", `SELECT 1 WHERE a = :actor AND (b = :actor OR c < ?) LIMIT ?`,
			[]any{sql.Named("actor", int64(3)), 10, 20},
			`SELECT 1 WHERE a = $1 AND (b = $1 OR c < $2) LIMIT $3`, []any{int64(3), 10, 20}},
		{"literals, quoted names, comments and casts untouched", `SELECT '?', ':x', "a?b", x::text -- what? :y
			FROM t WHERE y = ?`, []any{1},
			`SELECT '?', ':x', "a?b", x::text -- what? :y
			FROM t WHERE y = $1`, []any{1}},
		{"a time not set is -infinity", `UPDATE t SET d = ? WHERE d = {never}`, []any{ts(time.Time{})},
			`UPDATE t SET d = $1 WHERE d = '-infinity'`,
			[]any{pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}}},
		{"a time is a time", `UPDATE t SET d = ?`, []any{ts(at)}, `UPDATE t SET d = $1`, []any{at}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			d := &postgresDialect{}
			for range 2 { // the second time from the cache
				q, args := d.rewrite(row.query, row.args)
				if q != row.wantQuery {
					t.Errorf("query\n%s\nwant\n%s", q, row.wantQuery)
				}
				for i := range args {
					if want, ok := row.wantArgs[i].(time.Time); ok {
						if got, ok := args[i].(time.Time); !ok || !got.Equal(want) {
							t.Errorf("arg %d = %#v, want %v", i+1, args[i], want)
						}
						args[i] = want
					}
				}
				if !reflect.DeepEqual(args, row.wantArgs) {
					t.Errorf("args %#v, want %#v", args, row.wantArgs)
				}
			}
		})
	}
	if q, _ := (&sqliteDialect{}).rewrite(`SELECT 1 WHERE d = {never} AND e = ?`, nil); q != `SELECT 1 WHERE d = '' AND e = ?` {
		t.Errorf("SQLite: %s", q)
	}
}
