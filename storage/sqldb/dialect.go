package sqldb

import (
	"database/sql"
	"database/sql/driver"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Every query is written once, in SQL that SQLite and PostgreSQL both read, with SQLite's
// parameters: ? (or ?N) for positional arguments and :name for sql.Named ones. A dialect
// turns that text into its own before the statement is prepared, and caches the result,
// so that the cost is paid once per distinct query.
//
// The one spelling the two cannot share is a time that is not set. SQLite keeps times as
// RFC 3339 text and "not set" as ”, which sorts before every time; PostgreSQL keeps them
// as timestamptz, where ” is no value at all, and "not set" is '-infinity', which sorts
// before every time too. Queries say {never} for it.
//
// The other is the row id of a new note or boost, {next_status_row}: notes and boosts
// (announces) take their ids from one sequence of numbers that follows time, as Mastodon's
// do (storage.StatusID: milliseconds since 1970 shifted left 16 bits), so that the client
// API's status ids sort by time across the two as apps expect, and a note imported with its
// original date sorts among the others by it. A new one takes the time's id, or goes on past
// the highest id of either table when that is higher (two in one millisecond, or a clock set
// back). On PostgreSQL, where several processes write at once, the low bits start at random
// so that two processes writing in the same millisecond rarely reach for the same id (and a
// serializable transaction that does is run again). Activities, {next_activity_row}, take
// ids the same way from their own table, so that an actor's outbox, ordered by them, is in
// date order with imported posts in it.
//
// The last two are the part of an actor a's follow counts not yet added to its row:
// PostgreSQL keeps a follow's change in follow_count_deltas until its commit folds it in
// (migrations/postgres/0015 says why); SQLite's triggers add to the row itself.
const (
	never            = "{never}"
	nextStatusRow    = "{next_status_row}"
	nextActivityRow  = "{next_activity_row}"
	pendingFollowers = "{pending_followers}"
	pendingFollowing = "{pending_following}"
)

// spellings are the dialects' words for the tokens above.
var (
	sqliteSpelling = strings.NewReplacer(never, "''", pendingFollowers, "0", pendingFollowing, "0",
		nextStatusRow, "(SELECT max(m) FROM (SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) << 16 AS m"+
			" UNION ALL SELECT coalesce(max(id), 0) + 1 FROM notes UNION ALL SELECT coalesce(max(id), 0) + 1 FROM announces))",
		nextActivityRow, "(SELECT max(m) FROM (SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) << 16 AS m"+
			" UNION ALL SELECT coalesce(max(id), 0) + 1 FROM activities))")
	postgresSpelling = map[string]string{never: "'-infinity'", nextStatusRow: "(SELECT max(m) FROM (SELECT (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint << 16)" +
		" + floor(random() * 4096)::bigint AS m UNION ALL SELECT coalesce(max(id), 0) + 1 FROM notes" +
		" UNION ALL SELECT coalesce(max(id), 0) + 1 FROM announces) AS t)",
		nextActivityRow: "(SELECT max(m) FROM (SELECT (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint << 16)" +
			" + floor(random() * 4096)::bigint AS m UNION ALL SELECT coalesce(max(id), 0) + 1 FROM activities) AS t)",
		pendingFollowers: "coalesce((SELECT sum(d.followers) FROM follow_count_deltas d WHERE d.actor_id = a.id), 0)",
		pendingFollowing: "coalesce((SELECT sum(d.following) FROM follow_count_deltas d WHERE d.actor_id = a.id), 0)"}
)

// stamp is a time as a query argument: ts makes them, and each dialect binds them its own
// way (SQLite as the text itself, PostgreSQL as a timestamptz).
type stamp string

// Value binds a stamp as text, for SQLite.
func (s stamp) Value() (driver.Value, error) { return string(s), nil }

// dialect is what one kind of database needs done to a query's text and arguments.
type dialect interface {
	// name is the dialect's migrations folder.
	name() string
	// rewrite returns query and args as the driver takes them.
	rewrite(query string, args []any) (string, []any)
}

// sqliteDialect needs only the {tokens} spelt out.
type sqliteDialect struct{ texts textCache } // query → rewritten query

func (*sqliteDialect) name() string { return "sqlite" }

func (d *sqliteDialect) rewrite(query string, args []any) (string, []any) {
	if !strings.Contains(query, "{") {
		return query, args
	}
	if q, ok := d.texts.Load(query); ok {
		return q.(string), args
	}
	q := sqliteSpelling.Replace(query)
	d.texts.store(query, q)
	return q, args
}

// postgresDialect numbers the parameters ($1, $2, ...) and binds stamps as timestamptz.
type postgresDialect struct{ plans textCache } // query → *pgQuery

func (*postgresDialect) name() string { return "postgres" }

// pgQuery is a query's PostgreSQL text and where each $N's value comes from.
type pgQuery struct {
	text string
	args []pgArg // args[N-1] feeds $N
}

// pgArg is one $N: the index-th positional argument, or the named one.
type pgArg struct {
	index int
	name  string
}

func (d *postgresDialect) rewrite(query string, args []any) (string, []any) {
	p, ok := d.plans.Load(query)
	if !ok {
		p = parsePG(query)
		d.plans.store(query, p)
	}
	plan := p.(*pgQuery)
	// A pgx.QueryExecMode first among args stays first: pgx takes it as how to run the query.
	var mode []any
	if len(args) > 0 {
		if m, ok := args[0].(pgx.QueryExecMode); ok {
			mode, args = []any{m}, args[1:]
		}
	}
	var positional []any
	named := map[string]any{}
	for _, a := range args {
		if n, ok := a.(sql.NamedArg); ok {
			named[n.Name] = n.Value
			continue
		}
		positional = append(positional, a)
	}
	out := make([]any, len(plan.args))
	for i, a := range plan.args {
		var v any
		if a.name != "" {
			v = named[a.name]
		} else if a.index < len(positional) {
			v = positional[a.index]
		}
		out[i] = pgValue(v)
	}
	return plan.text, append(mode, out...)
}

// textCache keeps what was made of each query text, up to maxStatements of them (the same
// bound as the kept statements): past it, the rare query is made again on each use.
type textCache struct {
	sync.Map
	n atomic.Int32
}

func (c *textCache) store(query string, v any) {
	if c.n.Load() < maxStatements {
		if _, loaded := c.LoadOrStore(query, v); !loaded {
			c.n.Add(1)
		}
	}
}

// pgValue converts what PostgreSQL must receive otherwise than SQLite.
func pgValue(v any) any {
	s, ok := v.(stamp)
	if !ok {
		return v
	}
	t := parseTS(string(s))
	if t.IsZero() {
		return pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
	}
	return t
}

// parsePG turns SQLite's parameters into PostgreSQL's, leaving string literals, quoted
// names and comments as they are.
func parsePG(q string) *pgQuery {
	var b strings.Builder
	p := &pgQuery{}
	slots := map[pgArg]int{} // a parameter used twice is one $N
	next := 0                // the index a bare ? takes
	slot := func(a pgArg) {
		n, ok := slots[a]
		if !ok {
			p.args = append(p.args, a)
			n = len(p.args)
			slots[a] = n
		}
		b.WriteString("$" + strconv.Itoa(n))
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			index := next
			if j > i+1 {
				index, _ = strconv.Atoi(q[i+1 : j])
				index-- // ?1 is the first
			}
			next = index + 1
			slot(pgArg{index: index})
			i = j - 1
		case c == ':' && i+1 < len(q) && isNameStart(q[i+1]) && (i == 0 || q[i-1] != ':'):
			j := i + 1
			for j < len(q) && (isNameStart(q[j]) || q[j] >= '0' && q[j] <= '9') {
				j++
			}
			slot(pgArg{index: -1, name: q[i+1 : j]})
			i = j - 1
		case c == '{' && pgToken(q[i:]) != "":
			token := pgToken(q[i:])
			b.WriteString(postgresSpelling[token])
			i += len(token) - 1
		default:
			b.WriteByte(c)
		}
	}
	p.text = b.String()
	return p
}

// pgToken returns the {token} q starts with, or "".
func pgToken(q string) string {
	end := strings.IndexByte(q, '}')
	if end < 0 {
		return ""
	}
	if _, ok := postgresSpelling[q[:end+1]]; !ok {
		return ""
	}
	return q[:end+1]
}

func isNameStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// ts turns a time into a query argument: UTC with fixed nanoseconds, so that SQLite's text
// order is time order; the zero time is "not set".
func ts(t time.Time) stamp {
	if t.IsZero() {
		return ""
	}
	return stamp(t.UTC().Format("2006-01-02T15:04:05.000000000Z"))
}

// parseTS reads a time column: SQLite's text, or PostgreSQL's timestamptz as database/sql
// formats it into a string. "Not set" (” or -infinity) is the zero time.
func parseTS(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
