package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgCluster is the PostgreSQL server --db names. The tool makes its own databases there
// (one per invocation for the instance, one kept for the storage scenario), and, when the
// server runs on this machine, measures its CPU and samples what its backends wait on.
type pgCluster struct {
	admin      *url.URL // the DSN given; its database is used only to create and drop others
	postmaster int      // the server's process id; 0 when it cannot be read here
	log        string   // its server log (--pg-log), "" when not given
}

// newPGCluster checks the admin DSN (loopback only: this tool connects nowhere else) and
// finds the server's process: the parent of the backend that answers.
func newPGCluster(ctx context.Context, dsn, log string) (*pgCluster, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("--db %q: give postgres://USER@127.0.0.1:PORT/DATABASE?sslmode=disable", dsn)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--db: %q is not a loopback host; this tool connects to nothing else", u.Hostname())
	}
	c := &pgCluster{admin: u, log: log}
	conn, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var backend int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if st, ok := readStat(backend); ok {
		c.postmaster = st.ppid
	}
	if log != "" {
		if _, err := os.Stat(log); err != nil {
			return nil, fmt.Errorf("--pg-log: %w", err)
		}
	}
	return c, nil
}

// dsn is the admin DSN with another database, and the same parameters (so that, e.g.,
// synchronous_commit=off given there reaches every connection Refuge opens).
func (c *pgCluster) dsn(db string) string {
	u := *c.admin
	u.Path = "/" + db
	return u.String()
}

// connect opens a connection to the admin database.
func (c *pgCluster) connect(ctx context.Context) (*pgx.Conn, error) { return c.connectTo(ctx, "") }

// connectTo opens a connection to database db ("": the admin database).
func (c *pgCluster) connectTo(ctx context.Context, db string) (*pgx.Conn, error) {
	dsn := c.admin.String()
	if db != "" {
		dsn = c.dsn(db)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: %w", c.admin.Redacted(), err)
	}
	return conn, nil
}

// exec runs statements on the admin database, each on its own: CREATE and DROP DATABASE
// cannot run in a transaction.
func (c *pgCluster) exec(ctx context.Context, stmts ...string) error {
	return c.execIn(ctx, "", stmts...)
}

// execIn runs statements, each on its own, in database db ("": the admin database).
func (c *pgCluster) execIn(ctx context.Context, db string, stmts ...string) error {
	conn, err := c.connectTo(ctx, db)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("postgres: %s: %w", s, err)
		}
	}
	return nil
}

// createDB makes database name anew, empty: whatever had that name (the tool's own names
// only, refuge_load_*) is dropped first.
func (c *pgCluster) createDB(ctx context.Context, name string) error {
	return c.exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`, `CREATE DATABASE `+name+` TEMPLATE template0`)
}

func (c *pgCluster) dropDB(ctx context.Context, name string) error {
	return c.exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
}

// cpu is the CPU time the server has used so far: the postmaster, every process it runs
// (backends, WAL writer, checkpointer, ...), and those of them that already exited.
func (c *pgCluster) cpu() time.Duration {
	if c == nil || c.postmaster == 0 {
		return 0
	}
	pm, ok := readStat(c.postmaster)
	if !ok {
		return 0
	}
	total := pm.cpu + pm.children
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		if st, ok := readStat(pid); ok && st.ppid == c.postmaster {
			total += st.cpu
		}
	}
	return total
}

// waits samples what the backends of database db are doing, every sampleEvery, until stop
// is called. A backend is running (or waiting for a core), waiting on something
// (wait_event_type:wait_event), or idle in a transaction: waiting for Refuge's next
// statement, a round trip. Idle backends outside a transaction are not counted.
type waits struct {
	stop    context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	samples int
	counts  map[string]int
}

const sampleEvery = 20 * time.Millisecond

func (c *pgCluster) sampleWaits(ctx context.Context, db string) *waits {
	ctx, stop := context.WithCancel(ctx)
	w := &waits{stop: stop, done: make(chan struct{}), counts: map[string]int{}}
	go func() {
		defer close(w.done)
		conn, err := c.connect(ctx)
		if err != nil {
			return
		}
		defer conn.Close(context.WithoutCancel(ctx))
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rows, err := conn.Query(ctx, `SELECT CASE WHEN state = 'active' AND wait_event_type IS NULL THEN 'running'
					WHEN state = 'active' THEN wait_event_type || ':' || wait_event ELSE state END, count(*)
				FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'
					AND state IN ('active', 'idle in transaction') GROUP BY 1`, db)
			if err != nil {
				return
			}
			got := map[string]int{}
			for rows.Next() {
				var state string
				var n int
				if rows.Scan(&state, &n) == nil {
					got[state] = n
				}
			}
			rows.Close()
			w.mu.Lock()
			w.samples++
			for k, n := range got {
				w.counts[k] += n
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// end stops the sampling and returns the mean number of backends in each state.
func (w *waits) end() waitMeans {
	if w == nil {
		return nil
	}
	w.stop()
	<-w.done
	out := waitMeans{}
	for k, n := range w.counts {
		out[k] = float64(n) / float64(max(1, w.samples))
	}
	return out
}

// waitMeans is the mean number of backends in each state over a run.
type waitMeans map[string]float64

// get sums the states whose names start with prefix.
func (m waitMeans) get(prefix string) float64 {
	var sum float64
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			sum += v
		}
	}
	return sum
}

func (m waitMeans) String() string {
	if m == nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] > m[b] {
			return -1
		}
		if m[a] < m[b] {
			return 1
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	b.WriteString("backends:")
	for i, k := range keys {
		if i == 6 || m[k] < 0.01 {
			break
		}
		fmt.Fprintf(&b, " %s %.2f", k, m[k])
	}
	return b.String()
}

// logSize is where the cluster's log ends now; logErrors reads what was written after.
func (c *pgCluster) logSize() int64 {
	if c == nil || c.log == "" {
		return -1
	}
	st, err := os.Stat(c.log)
	if err != nil {
		return -1
	}
	return st.Size()
}

// pgErrors counts the ERROR lines of the cluster's log since a point: serialization
// failures and deadlocks (Refuge runs those transactions again) and all errors (a unique
// key that a savepoint absorbs is one too). Negative when there is no log to read.
type pgErrors struct{ serialization, deadlocks, all int }

func (c *pgCluster) logErrors(from int64) pgErrors {
	if from < 0 {
		return pgErrors{-1, -1, -1}
	}
	f, err := os.Open(c.log)
	if err != nil {
		return pgErrors{-1, -1, -1}
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return pgErrors{-1, -1, -1}
	}
	var e pgErrors
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "ERROR:") {
			continue
		}
		e.all++
		switch {
		case strings.Contains(line, "could not serialize access"):
			e.serialization++
		case strings.Contains(line, "deadlock detected"):
			e.deadlocks++
		}
	}
	return e
}

func (e pgErrors) String() string {
	if e.all < 0 {
		return ""
	}
	return fmt.Sprintf("postgres errors: %d serialization failures, %d deadlocks, %d in all", e.serialization, e.deadlocks, e.all)
}

// pgWatch observes PostgreSQL over one run: the errors its log gets and what the
// instance's backends are doing.
type pgWatch struct {
	c    *pgCluster
	from int64
	w    *waits
}

// pgObs is what a pgWatch saw; zero on SQLite.
type pgObs struct {
	errs  pgErrors
	waits waitMeans
}

// watchPG starts watching the instance's database; nil on SQLite.
func (e *env) watchPG(ctx context.Context) *pgWatch {
	if e.pg == nil || e.pgDB == "" {
		return nil
	}
	return &pgWatch{c: e.pg, from: e.pg.logSize(), w: e.pg.sampleWaits(ctx, e.pgDB)}
}

func (p *pgWatch) end() pgObs {
	if p == nil {
		return pgObs{errs: pgErrors{-1, -1, -1}}
	}
	return pgObs{waits: p.w.end(), errs: p.c.logErrors(p.from)}
}

func (o pgObs) String() string {
	if o.waits == nil {
		return ""
	}
	s := "; " + o.waits.String()
	if o.errs.all >= 0 {
		s += "; " + o.errs.String()
	}
	return s
}

// addPG records what PostgreSQL did in a scenario's runs, when it is on PostgreSQL.
func (e *env) addPG(rep *report, scenario string, obs []pgObs) {
	if e.pg == nil || len(obs) == 0 {
		return
	}
	var failures, running, locks, lwlocks, io, idleTx []float64
	for _, o := range obs {
		if o.errs.all >= 0 {
			failures = append(failures, float64(o.errs.serialization+o.errs.deadlocks))
		}
		running, locks = append(running, o.waits.get("running")), append(locks, o.waits.get("Lock:"))
		lwlocks, io = append(lwlocks, o.waits.get("LWLock:")), append(io, o.waits.get("IO:"))
		idleTx = append(idleTx, o.waits.get("idle in transaction"))
	}
	if len(failures) > 0 {
		rep.add(scenario, "serialization failures and deadlocks (each transaction run again)", "", failures, "", nil)
	}
	rep.add(scenario, "PostgreSQL backends running (mean)", "", running, "", nil)
	rep.add(scenario, "PostgreSQL backends waiting on a lock (Lock:*, mean)", "", locks, "", nil)
	rep.add(scenario, "PostgreSQL backends waiting on an LWLock (WAL insert/write, buffers; mean)", "", lwlocks, "", nil)
	rep.add(scenario, "PostgreSQL backends waiting on I/O (IO:*, e.g. WAL fsync; mean)", "", io, "", nil)
	rep.add(scenario, "PostgreSQL backends idle in a transaction (waiting for Refuge; mean)", "", idleTx, "", nil)
}
