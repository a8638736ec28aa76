package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// Copying a whole instance from one database to another: from its SQLite file to a
// PostgreSQL database when it outgrows one process, and back, or between two of a kind.
// Nothing here knows Refuge's tables: they, their columns, keys and foreign keys are read
// from the catalogues of both databases, so that a table a later migration adds is copied
// (and checked) like the others, and a table or column only one side has stops the copy.

// CopyReport says what Copy copied.
type CopyReport struct {
	Tables []TableRows   // every table, in the order copied: each after those it refers to
	Copy   time.Duration // how long the copy took
	Check  time.Duration // and the check after it
}

// TableRows is a table and its number of rows.
type TableRows struct {
	Table string
	Rows  int
}

// notCopied are the tables a copy leaves alone: each database records its own migrations,
// which differ between the dialects, and only PostgreSQL keeps follow count changes apart
// until they are folded into the actors (migrations/postgres/0015), which Copy does first.
var notCopied = map[string]bool{"schema_migrations": true, "follow_count_deltas": true}

// copyBatch bounds the rows written at a time, and maxParams the values bound in one
// statement (SQLite takes 32,766 at most, PostgreSQL 65,535).
const (
	copyBatch = 1000
	maxParams = 32000
)

// Copy copies every row of every table of from into to, keeping every id, and then checks
// with Compare that the two hold the same rows. to must be freshly migrated and empty.
// progress, when not nil, is told after each batch how many rows of a table are copied.
//
// The copy is one transaction of to: one that fails leaves to empty. from should not
// change meanwhile (stop the instance); its rows are read in one snapshot anyway.
func Copy(ctx context.Context, from, to *DB, progress func(table string, rows int)) (*CopyReport, error) {
	if from.pg != nil {
		if err := from.foldFollowCounts(ctx); err != nil {
			return nil, fmt.Errorf("source: fold follow counts: %w", err)
		}
	}
	tables, err := copyPlan(ctx, from, to)
	if err != nil {
		return nil, err
	}
	counts, err := to.RowCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	for _, t := range tables {
		if counts[t.name] > 0 {
			return nil, fmt.Errorf("the destination is not empty: table %s has %d rows; copy only into a new "+
				"database that nothing but refuge's migrations wrote to (drop it and create it again)", t.name, counts[t.name])
		}
	}
	marks, err := from.idMarks(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	src, err := from.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	defer src.Rollback()

	start := time.Now()
	report := &CopyReport{}
	copyAll := func(insert func(t *copyTable, rows [][]any) error) error {
		for _, t := range tables {
			c, err := from.walk(ctx, src, t)
			if err != nil {
				return err
			}
			n, batch := 0, make([][]any, 0, t.batch())
			flush := func() error {
				if err := insert(t, batch); err != nil {
					return fmt.Errorf("copy %s, the %d rows after the first %d: %w", t.name, len(batch), n, err)
				}
				n += len(batch)
				batch = batch[:0]
				if progress != nil {
					progress(t.name, n)
				}
				return ctx.Err() // the writes of SQLite's writer do not stop by themselves
			}
			for c.next() {
				if batch = append(batch, c.row); len(batch) == cap(batch) {
					if err := flush(); err != nil {
						c.close()
						return err
					}
				}
			}
			if err := c.close(); err != nil {
				return err
			}
			if len(batch) > 0 {
				if err := flush(); err != nil {
					return err
				}
			}
			report.Tables = append(report.Tables, TableRows{Table: t.name, Rows: n})
		}
		return nil
	}
	if to.pg != nil {
		err = to.copyIntoPostgres(ctx, tables, marks, copyAll)
	} else {
		err = to.copyIntoSQLite(ctx, tables, marks, copyAll)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (nothing was written to the destination)", err)
	}
	report.Copy = time.Since(start)
	if err := Compare(ctx, from, to); err != nil {
		return report, fmt.Errorf("the copy differs from the source: %w (the destination holds the copy: "+
			"drop it and create it again before trying again)", err)
	}
	report.Check = time.Since(start) - report.Copy
	return report, nil
}

// copyAllFunc copies every table, each batch of rows through insert.
type copyAllFunc func(insert func(t *copyTable, rows [][]any) error) error

// copyIntoPostgres runs copyAll in one transaction of its own connection, writing each batch
// with COPY (pgx's CopyFrom) rather than an INSERT of its rows: no statement of 19,000
// parameters to parse and plan per batch. It is only some 15% faster (BenchmarkCopy): most
// of the time is PostgreSQL's upkeep of the indexes, and its foreign key checks, row by row.
func (db *DB) copyIntoPostgres(ctx context.Context, tables []*copyTable, marks map[string]int64, copyAll copyAllFunc) error {
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		tx, err := driverConn.(*stdlib.Conn).Conn().Begin(ctx)
		if err != nil {
			return fmt.Errorf("destination: %w", err)
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		// The triggers keep the note counts of actors and the rows of note_recipients, which
		// are copied as they are: run, they would count every note twice and add rows the
		// copy adds again. DISABLE TRIGGER USER leaves the foreign keys checked; the
		// transaction undoes it if the copy fails.
		for _, t := range tables {
			if _, err := tx.Exec(ctx, `ALTER TABLE `+quote(t.name)+` DISABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("disable the triggers of %s: %w", t.name, err)
			}
		}
		err = copyAll(func(t *copyTable, rows [][]any) error {
			for _, r := range rows {
				for i, v := range r {
					r[i] = t.kinds[i].encode(v, true)
				}
			}
			_, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows))
			return err
		})
		if err != nil {
			return err
		}
		// Ids were written as they were: each identity must go on past them, and past any
		// id the source handed out and deleted since, or the next insert takes a used id.
		rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name`)
		if err != nil {
			return fmt.Errorf("identities: %w", err)
		}
		var idents [][2]string // table, column
		for rows.Next() {
			var id [2]string
			if err := rows.Scan(&id[0], &id[1]); err != nil {
				rows.Close()
				return fmt.Errorf("identities: %w", err)
			}
			idents = append(idents, id)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("identities: %w", err)
		}
		for _, id := range idents {
			var last int64
			if err := tx.QueryRow(ctx, `SELECT coalesce(max(`+quote(id[1])+`), 0) FROM `+quote(id[0])).Scan(&last); err != nil {
				return fmt.Errorf("identity of %s: %w", id[0], err)
			}
			if id[0] == "notes" { // boosts take their ids from the notes' sequence too (nextStatusRow)
				var boosts int64
				if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM announces`).Scan(&boosts); err != nil {
					return fmt.Errorf("identity of notes: %w", err)
				}
				last = max(last, boosts, marks["announces"])
			}
			if last = max(last, marks[id[0]]); last > 0 {
				if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), $3)`, quote(id[0]), id[1], last); err != nil {
					return fmt.Errorf("identity of %s: %w", id[0], err)
				}
			}
		}
		for _, t := range tables {
			if _, err := tx.Exec(ctx, `ALTER TABLE `+quote(t.name)+` ENABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("enable the triggers of %s: %w", t.name, err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
}

// copyIntoSQLite runs copyAll in one write transaction, writing each batch with one INSERT.
func (db *DB) copyIntoSQLite(ctx context.Context, tables []*copyTable, marks map[string]int64, copyAll copyAllFunc) error {
	return db.update(ctx, func(tx *Tx) error {
		q := tx.tx
		// As on PostgreSQL the triggers must not run (see copyIntoPostgres); SQLite cannot
		// disable one, so they are dropped and made again from their own text, in the
		// transaction.
		rows, err := q.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name`)
		if err != nil {
			return fmt.Errorf("triggers: %w", err)
		}
		var triggers [][2]string
		for rows.Next() {
			var name, text string
			if err := rows.Scan(&name, &text); err != nil {
				rows.Close()
				return fmt.Errorf("triggers: %w", err)
			}
			triggers = append(triggers, [2]string{name, text})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("triggers: %w", err)
		}
		for _, tr := range triggers {
			if _, err := q.ExecContext(ctx, `DROP TRIGGER `+quote(tr[0])); err != nil {
				return fmt.Errorf("drop trigger %s: %w", tr[0], err)
			}
		}
		err = copyAll(func(t *copyTable, rows [][]any) error {
			row := "(" + strings.Repeat("?, ", len(t.cols)-1) + "?)"
			query := `INSERT INTO ` + quote(t.name) + ` (` + quoteAll(t.cols) + `) VALUES ` +
				strings.Repeat(row+", ", len(rows)-1) + row
			args := make([]any, 0, len(rows)*len(t.cols))
			for _, r := range rows {
				for i, v := range r {
					args = append(args, t.kinds[i].encode(v, false))
				}
			}
			_, err := q.ExecContext(ctx, query, args...)
			return err
		})
		if err != nil {
			return err
		}
		// An AUTOINCREMENT table (deliveries) never hands out an id twice: its counter goes
		// past the largest id written (SQLite did that) and past any id the source handed out.
		for _, t := range tables {
			if marks[t.name] == 0 {
				continue
			}
			var auto int
			if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?
				AND sql LIKE '%AUTOINCREMENT%'`, t.name).Scan(&auto); err != nil {
				return fmt.Errorf("id counter of %s: %w", t.name, err)
			}
			if auto == 0 {
				continue
			}
			res, err := q.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?`, marks[t.name], t.name)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					_, err = q.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, t.name, marks[t.name])
				}
			}
			if err != nil {
				return fmt.Errorf("id counter of %s: %w", t.name, err)
			}
		}
		for _, tr := range triggers {
			if _, err := q.ExecContext(ctx, tr[1]); err != nil {
				return fmt.Errorf("make trigger %s again: %w", tr[0], err)
			}
		}
		return nil
	})
}

// Compare checks that b holds the same rows as a (the copy and its source): the same tables
// with as many rows, walked side by side in key order, each row with the same key and every
// column equal once both are read as Go values: times to the microsecond (PostgreSQL keeps
// no more) in UTC, flags as bools, JSON as the values it encodes. The first difference is
// the error, naming the table, the row, the column and both values.
func Compare(ctx context.Context, a, b *DB) error {
	tables, err := copyPlan(ctx, a, b)
	if err != nil {
		return err
	}
	ca, err := a.RowCounts(ctx)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	cb, err := b.RowCounts(ctx)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	for _, t := range tables {
		if ca[t.name] != cb[t.name] {
			return fmt.Errorf("table %s has %d rows in the source, %d in the destination", t.name, ca[t.name], cb[t.name])
		}
	}
	ta, err := a.snapshot(ctx)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer ta.Rollback()
	tb, err := b.snapshot(ctx)
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	defer tb.Rollback()
	for _, t := range tables {
		if err := compareTable(ctx, a, b, ta, tb, t); err != nil {
			return err
		}
	}
	return nil
}

// compareTable walks table t of a and of b side by side, both in key order.
func compareTable(ctx context.Context, a, b *DB, ta, tb querier, t *copyTable) error {
	ca, err := a.walk(ctx, ta, t)
	if err != nil {
		return err
	}
	defer ca.close()
	cb, err := b.walk(ctx, tb, t)
	if err != nil {
		return err
	}
	defer cb.close()
	for {
		okA, okB := ca.next(), cb.next()
		if !okA || !okB {
			if err := errors.Join(ca.close(), cb.close()); err != nil {
				return err
			}
			if okA {
				return fmt.Errorf("table %s has more rows in the source", t.name) // added since they were counted
			}
			if okB {
				return fmt.Errorf("table %s has more rows in the destination", t.name)
			}
			return nil
		}
		switch c := t.compareKeys(ca.row, cb.row); {
		case c < 0:
			return fmt.Errorf("%s %s is in the source, not in the destination", t.name, t.keyString(ca.row))
		case c > 0:
			return fmt.Errorf("%s %s is in the destination, not in the source", t.name, t.keyString(cb.row))
		}
		for i, k := range t.kinds {
			if !k.equal(ca.row[i], cb.row[i]) {
				return fmt.Errorf("%s %s, column %s: %s in the source, %s in the destination",
					t.name, t.keyString(ca.row), t.cols[i], show(ca.row[i]), show(cb.row[i]))
			}
		}
	}
}

// copyTable is a table as both databases have it: the same columns (in the destination's
// order), each spelt in each dialect as its kind says, and the columns that key its rows.
type copyTable struct {
	name  string
	cols  []string
	kinds []kind
	text  []bool // whether PostgreSQL's side holds the column as text
	key   []int  // indexes in cols
}

// tableInfo is a table as the catalogue of one database describes it.
type tableInfo struct {
	cols  []string
	types map[string]string // column → its declared type (SQLite) or data_type (PostgreSQL)
	key   []string          // the primary key, or rowid for a table without one
	refs  []string          // the tables its foreign keys refer to
}

// copyPlan matches the tables of both catalogues and orders them by the foreign keys of
// the destination, which checks them as rows arrive: each after the tables it refers to.
func copyPlan(ctx context.Context, from, to *DB) ([]*copyTable, error) {
	src, err := from.catalogue(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	dst, err := to.catalogue(ctx)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(src)) {
		if dst[name] == nil {
			return nil, fmt.Errorf("table %s of the source is not in the destination: are both at the same version of refuge?", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(dst)) {
		if src[name] == nil {
			return nil, fmt.Errorf("table %s of the destination is not in the source: are both at the same version of refuge?", name)
		}
	}
	order, err := dependencyOrder(dst)
	if err != nil {
		return nil, fmt.Errorf("destination: %w", err)
	}
	var plan []*copyTable
	for _, name := range order {
		s, d := src[name], dst[name]
		t := &copyTable{name: name, cols: d.cols}
		for _, c := range s.cols {
			if _, ok := d.types[c]; !ok {
				return nil, fmt.Errorf("column %s.%s of the source is not in the destination", name, c)
			}
		}
		for _, c := range d.cols {
			if _, ok := s.types[c]; !ok {
				return nil, fmt.Errorf("column %s.%s of the destination is not in the source", name, c)
			}
			// The types of PostgreSQL say what a column holds; SQLite's only that it is
			// INTEGER or TEXT.
			pgType := ""
			if to.pg != nil {
				pgType = d.types[c]
			} else if from.pg != nil {
				pgType = s.types[c]
			}
			t.kinds = append(t.kinds, kindOf(pgType))
			t.text = append(t.text, pgType == "text" || pgType == "character varying")
		}
		if !slices.Equal(s.key, d.key) {
			return nil, fmt.Errorf("table %s is keyed by %v in the source, by %v in the destination", name, s.key, d.key)
		}
		for _, k := range d.key {
			t.key = append(t.key, slices.Index(d.cols, k))
		}
		plan = append(plan, t)
	}
	return plan, nil
}

// dependencyOrder lists the tables so that each comes after those it refers to: in rounds,
// each taking by name the tables whose references the rounds before took.
func dependencyOrder(tables map[string]*tableInfo) ([]string, error) {
	names := slices.Sorted(maps.Keys(tables))
	var order []string
	done := map[string]bool{}
	for len(order) < len(names) {
		progressed := false
		for _, name := range names {
			if done[name] {
				continue
			}
			ready := true
			for _, r := range tables[name].refs {
				if tables[r] == nil {
					return nil, fmt.Errorf("table %s refers to %s, which is not copied", name, r)
				}
				ready = ready && (done[r] || r == name)
			}
			if ready {
				order = append(order, name)
				done[name] = true
				progressed = true
			}
		}
		if !progressed {
			return nil, fmt.Errorf("the foreign keys of the tables other than %v refer to each other in a cycle", order)
		}
	}
	return order, nil
}

// catalogue describes every table but those notCopied.
func (db *DB) catalogue(ctx context.Context) (map[string]*tableInfo, error) {
	names, err := db.tableNames(ctx, db.read)
	if err != nil {
		return nil, err
	}
	tables := map[string]*tableInfo{}
	for _, name := range names {
		if notCopied[name] {
			continue
		}
		t := &tableInfo{types: map[string]string{}}
		if db.pg != nil {
			err = db.pgTable(ctx, name, t)
		} else {
			err = db.sqliteTable(ctx, name, t)
		}
		if err != nil {
			return nil, fmt.Errorf("catalogue of %s: %w", name, err)
		}
		tables[name] = t
	}
	return tables, nil
}

func (db *DB) sqliteTable(ctx context.Context, name string, t *tableInfo) error {
	rows, err := db.read.QueryContext(ctx, `SELECT name, lower(type), pk FROM pragma_table_info(?) ORDER BY cid`, name)
	if err != nil {
		return err
	}
	defer rows.Close()
	pk := map[int]string{}
	for rows.Next() {
		var col, typ string
		var n int
		if err := rows.Scan(&col, &typ, &n); err != nil {
			return err
		}
		t.cols = append(t.cols, col)
		t.types[col] = typ
		if n > 0 {
			pk[n] = col
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := 1; i <= len(pk); i++ {
		t.key = append(t.key, pk[i])
	}
	if len(t.key) == 0 {
		// Its rowid is the only order of its rows (note_tags: the order of a note's tags),
		// and SQLite does not list it: a column here, copied and compared with the others.
		t.cols = append([]string{"rowid"}, t.cols...)
		t.types["rowid"] = "integer"
		t.key = []string{"rowid"}
	}
	t.refs, err = column[string](db.read.QueryContext(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, name))
	return err
}

func (db *DB) pgTable(ctx context.Context, name string, t *tableInfo) error {
	rows, err := db.read.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, name)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var col, typ string
		if err := rows.Scan(&col, &typ); err != nil {
			return err
		}
		t.cols = append(t.cols, col)
		t.types[col] = typ
	}
	if err := rows.Err(); err != nil {
		return err
	}
	t.key, err = column[string](db.read.QueryContext(ctx, `SELECT k.column_name
		FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k
			ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name
		WHERE c.table_schema = current_schema() AND c.table_name = $1 AND c.constraint_type = 'PRIMARY KEY'
		ORDER BY k.ordinal_position`, name))
	if err != nil {
		return err
	}
	if len(t.key) == 0 {
		// note_tags has SQLite's rowid as a column of that name (see its migration).
		if _, ok := t.types["rowid"]; !ok {
			return fmt.Errorf("no primary key and no rowid column: its rows have no order to copy them in")
		}
		t.key = []string{"rowid"}
	}
	t.refs, err = column[string](db.read.QueryContext(ctx, `SELECT DISTINCT confrelid::regclass::text FROM pg_constraint
		WHERE contype = 'f' AND conrelid = $1::text::regclass`, name))
	return err
}

// idMarks returns, by table, the largest id handed out where the database keeps it apart
// from the rows (SQLite's AUTOINCREMENT tables, PostgreSQL's identities), so that the copy
// goes on past it even when the rows that had the last ids are gone: a delivery id is never
// reused (see the deliveries table).
func (db *DB) idMarks(ctx context.Context) (map[string]int64, error) {
	query := `SELECT name, seq FROM sqlite_sequence`
	if db.pg != nil {
		query = `SELECT c.table_name, coalesce(s.last_value, 0) FROM information_schema.columns c
			JOIN pg_sequences s ON format('%I.%I', s.schemaname, s.sequencename) =
				pg_get_serial_sequence(format('%I', c.table_name), c.column_name)
			WHERE c.table_schema = current_schema() AND c.is_identity = 'YES'`
	}
	rows, err := db.read.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("id counters: %w", err)
	}
	defer rows.Close()
	marks := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("id counters: %w", err)
		}
		marks[name] = max(marks[name], n)
	}
	return marks, rows.Err()
}

// snapshot begins a read transaction: one consistent view of the database.
func (db *DB) snapshot(ctx context.Context) (*sql.Tx, error) {
	opts := &sql.TxOptions{ReadOnly: true} // on SQLite, a read transaction is one snapshot
	if db.pg == nil {
		return db.read.BeginTx(ctx, opts)
	}
	opts.Isolation = sql.LevelRepeatableRead // on PostgreSQL, only so
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	// A walk (see cursor) reads a whole table in one statement, which may take longer
	// than the pool's statement timeout allows one.
	if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// cursor reads the rows of a table in key order, one statement for the whole table (the
// database streams its rows, so a table of any size takes the memory of a few rows), each
// as Go values (see kind).
type cursor struct {
	rows *sql.Rows
	t    *copyTable
	row  []any // the row next read, a new slice each time
	err  error
}

// walk starts reading the rows of t in key order, in the read transaction q. Text keys are
// ordered by their bytes, as SQLite orders them, so that a walk of a SQLite table and one of
// its PostgreSQL copy meet the same rows in the same order (PostgreSQL would otherwise sort
// by the database's collation, where "a" and "B" may sort either way).
func (db *DB) walk(ctx context.Context, q querier, t *copyTable) (*cursor, error) {
	keys := make([]string, len(t.key))
	for i, k := range t.key {
		keys[i] = quote(t.cols[k])
		if db.pg != nil && t.text[k] {
			keys[i] += ` COLLATE "C"`
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT `+quoteAll(t.cols)+` FROM `+quote(t.name)+` ORDER BY `+strings.Join(keys, ", "))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	return &cursor{rows: rows, t: t}, nil
}

// next reads the next row into c.row, reporting false at the end or on an error (see close).
func (c *cursor) next() bool {
	if c.err != nil || !c.rows.Next() {
		return false
	}
	r := make([]any, len(c.t.cols))
	ptrs := make([]any, len(r))
	for i := range r {
		ptrs[i] = &r[i]
	}
	if err := c.rows.Scan(ptrs...); err != nil {
		c.err = fmt.Errorf("read %s: %w", c.t.name, err)
		return false
	}
	for i, v := range r {
		var err error
		if r[i], err = c.t.kinds[i].value(v); err != nil {
			c.err = fmt.Errorf("read %s %s, column %s: %w", c.t.name, c.t.keyString(r), c.t.cols[i], err)
			return false
		}
	}
	c.row = r
	return true
}

// close ends the reading and returns its error, if any.
func (c *cursor) close() error {
	err := c.rows.Close()
	if c.err == nil {
		c.err = c.rows.Err()
	}
	if c.err == nil && err != nil {
		c.err = fmt.Errorf("read %s: %w", c.t.name, err)
	}
	return c.err
}

// batch is how many rows of t are written at a time: one statement binds them all.
func (t *copyTable) batch() int { return max(1, min(copyBatch, maxParams/len(t.cols))) }

// compareKeys orders two rows of t by their keys as walk does: numbers by value, text by
// its bytes.
func (t *copyTable) compareKeys(a, b []any) int {
	for _, k := range t.key {
		var c int
		switch x := a[k].(type) {
		case int64:
			y, _ := b[k].(int64)
			c = cmp.Compare(x, y)
		case string:
			y, _ := b[k].(string)
			c = strings.Compare(x, y)
		default:
			c = strings.Compare(show(a[k]), show(b[k]))
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// keyString names row r of t by its key, as messages show it: id=42.
func (t *copyTable) keyString(r []any) string {
	parts := make([]string, len(t.key))
	for i, k := range t.key {
		parts[i] = t.cols[k] + "=" + show(r[k])
	}
	return strings.Join(parts, " ")
}

// kind says how a column's values are spelt in each dialect. value reads either spelling
// into one Go value, encode writes that value in a dialect's, and equal compares two.
type kind uint8

const (
	plain    kind = iota // integers, text and NULL: the same in both
	flag                 // SQLite 0 or 1; PostgreSQL boolean. A bool.
	instant              // SQLite RFC 3339 text, '' when not set; PostgreSQL timestamptz, -infinity. A time.Time in UTC, zero when not set.
	document             // SQLite JSON text; PostgreSQL jsonb. The text.
)

// kindOf is the kind of a column of PostgreSQL's data_type pgType ("" when neither side is
// PostgreSQL: every value is copied as it is).
func kindOf(pgType string) kind {
	switch pgType {
	case "boolean":
		return flag
	case "timestamp with time zone":
		return instant
	case "json", "jsonb":
		return document
	}
	return plain
}

func (k kind) String() string {
	return [...]string{"value", "flag (0 or 1)", "time (RFC 3339)", "JSON document"}[k]
}

// value reads v, as a driver gave it, as a value of kind k.
func (k kind) value(v any) (any, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil || k == plain {
		return v, nil
	}
	switch x := v.(type) {
	case bool:
		if k == flag {
			return x, nil
		}
	case int64:
		if k == flag && (x == 0 || x == 1) {
			return x == 1, nil
		}
	case time.Time:
		if k == instant {
			return x.UTC(), nil
		}
	case string:
		switch k {
		case instant:
			if x == "" || x == "-infinity" {
				return time.Time{}, nil
			}
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return t.UTC(), nil
			}
		case document:
			if json.Valid([]byte(x)) {
				return x, nil
			}
		}
	}
	return nil, fmt.Errorf("%s is not a %s", show(v), k)
}

// encode writes v, a value of kind k, as the dialect (PostgreSQL when pg) takes it.
func (k kind) encode(v any, pg bool) any {
	if v == nil {
		return nil
	}
	switch k {
	case flag:
		if pg {
			return v
		}
		if v.(bool) {
			return int64(1)
		}
		return int64(0)
	case instant:
		t := v.(time.Time)
		if !pg {
			return string(ts(t))
		}
		if t.IsZero() {
			return pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
		}
		// Rounded as PostgreSQL rounds a time it reads as text; pgx's binary encoding
		// would cut the nanoseconds off instead.
		return t.Round(time.Microsecond)
	}
	return v
}

// equal compares two values of kind k.
func (k kind) equal(a, b any) bool {
	switch k {
	case instant:
		ta, oka := a.(time.Time)
		tb, okb := b.(time.Time)
		if oka && okb {
			return ta.Round(time.Microsecond).Equal(tb.Round(time.Microsecond))
		}
	case document:
		sa, oka := a.(string)
		sb, okb := b.(string)
		if oka && okb && sa != sb {
			var va, vb any
			return json.Unmarshal([]byte(sa), &va) == nil && json.Unmarshal([]byte(sb), &vb) == nil &&
				reflect.DeepEqual(va, vb)
		}
	}
	return a == b
}

// show writes a value for a message.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		if x.IsZero() {
			return "not set"
		}
		return x.Format(time.RFC3339Nano)
	case string:
		if len(x) > 200 {
			x = x[:200] + "..."
		}
		return fmt.Sprintf("%q", x)
	}
	return fmt.Sprint(v)
}

// quote makes a name from a catalogue an identifier in both dialects.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}
