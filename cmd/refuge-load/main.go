// Command refuge-load measures a Refuge instance against the figures of BENCHMARKS.md. It
// builds and starts `refuge serve` on a loopback port (or drives one given with --target),
// plays many remote servers on other loopback ports, each with its own actors and keys,
// and runs eight bounded scenarios: inbox deliveries, a fan-out to 10,000 followers, page
// reads, memory and start time, queries over a million stored notes, the client API's home
// timeline of an instance holding those notes, the streaming API (a federated post's 202
// to its event; a thousand idle connections), and GETs of the small documents remote servers
// ask for, each as a fraction of a bare net/http handler's rate on this machine (get). A
// ninth, media, is run when asked for by name: a thousand remote notes with a photo each,
// until the remote media cache stored every photo (a minute or two a run).
//
//	go run ./cmd/refuge-load            # everything but media, three runs each, a few minutes
//	go run ./cmd/refuge-load -only inbox,pages -runs 5
//	go run ./cmd/refuge-load -only media
//	go run ./cmd/refuge-load -db 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' -procs 2
//
// With -db the instance runs on PostgreSQL, in -procs processes that share its database,
// data folder and domain, and the storage and api scenarios use a million notes there.
//
// Everything it starts listens on 127.0.0.1 (the media scenario's hosts on 127.0.0.2 and
// on, too) and it connects nowhere else.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"refuge/storage/sqldb"
)

// config is the command line.
type config struct {
	refuge, cache, only, jsonOut string
	target, data                 string
	db, pgLog                    string // --db: a PostgreSQL cluster's admin DSN
	procs                        int
	alice, bob                   string // NAME:TOKEN of the accounts, with --target
	pid                          int
	runs                         int
	keep                         bool
	limit                        time.Duration

	inboxCount, inboxConc, inboxActors, inboxHosts int
	followers, hosts                               int
	groupMembers, groupHosts                       int
	pagesConc, pagesMax                            int
	pagesTime                                      time.Duration
	notes, queries                                 int
	mediaCount, mediaActors, mediaHosts            int
	mediaLimit                                     time.Duration
	getConc, getPosts                              int
	getTime                                        time.Duration
	getSeeded                                      bool
	getOnly, getEncoding                           string
}

var scenarios = []string{"footprint", "inbox", "fanout", "pages", "storage", "api", "stream", "get", "media", "group"}

// defaultScenarios are those run without -only. The media and group scenarios are asked for
// by name: a run of media takes about a minute, and group's setup as long.
var defaultScenarios = scenarios[:8]

func parseConfig() *config {
	c := &config{}
	flag.StringVar(&c.only, "only", strings.Join(defaultScenarios, ","), "scenarios to run, comma-separated, of "+strings.Join(scenarios, ", "))
	flag.IntVar(&c.runs, "runs", 3, "runs of each scenario; the median is reported")
	flag.DurationVar(&c.limit, "limit", 60*time.Second, "time cap of any one run")
	flag.StringVar(&c.refuge, "refuge", "", "a refuge binary to start (default: go build ./cmd/refuge)")
	flag.StringVar(&c.cache, "cache", filepath.Join(os.TempDir(), "refuge-load"), "folder for cached keys and the million-note database")
	flag.StringVar(&c.jsonOut, "json", "", "also write the figures as JSON to this file")
	flag.BoolVar(&c.keep, "keep", false, "keep the instance's data folder and log (refuge.log) and print where")
	flag.StringVar(&c.db, "db", "", "run on PostgreSQL: the admin DSN of a cluster on this machine, postgres://USER@127.0.0.1:PORT/postgres?sslmode=disable. "+
		"That database is used only to create the tool's own: refuge_load_NONCE for the instance (dropped at the end unless -keep) and "+
		"refuge_load_notes_VERSION_N for the storage scenario (kept for the next run, as the SQLite file is). Other parameters "+
		"(e.g. synchronous_commit=off) reach every connection Refuge opens. The cluster's CPU is measured when its processes are readable here")
	flag.IntVar(&c.procs, "procs", 1, "with -db: refuge serve processes on the one database and data folder, each on its own port with the same domain; "+
		"requests to the instance go to each in turn, and every one runs delivery workers")
	flag.StringVar(&c.pgLog, "pg-log", "", "with -db: the cluster's server log, to count the serialization failures and deadlocks of each run")
	flag.StringVar(&c.target, "target", "", "drive this running instance (started with --http --allow-private) instead of starting one")
	flag.StringVar(&c.data, "data", "", "with --target: its data folder, to check what was stored")
	flag.StringVar(&c.alice, "inbox-account", "", "with --target: NAME:TOKEN of the account that follows the senders (inbox, pages)")
	flag.StringVar(&c.bob, "fanout-account", "", "with --target: NAME:TOKEN of the account that gets the followers (fanout)")
	flag.IntVar(&c.pid, "pid", 0, "with --target: its process id, to read its memory")
	flag.IntVar(&c.inboxCount, "inbox-count", 10000, "inbox: deliveries a run")
	flag.IntVar(&c.inboxConc, "inbox-conc", 0, "inbox: concurrent connections (default: one per actor, each delivering its posts one after another)")
	flag.IntVar(&c.inboxActors, "inbox-actors", 50, "inbox: remote actors, each with its own key")
	flag.IntVar(&c.inboxHosts, "inbox-hosts", 10, "inbox: remote hosts they live on")
	flag.IntVar(&c.followers, "followers", 10000, "fanout: remote followers")
	flag.IntVar(&c.hosts, "hosts", 1000, "fanout: remote hosts they live on, each with a shared inbox")
	flag.IntVar(&c.groupMembers, "group-members", 5000, "group: remote members of the group")
	flag.IntVar(&c.groupHosts, "group-hosts", 500, "group: remote hosts they live on")
	flag.IntVar(&c.pagesConc, "pages-conc", 16, "pages: concurrent readers")
	flag.DurationVar(&c.pagesTime, "pages-time", 3*time.Second, "pages: duration of a run")
	flag.IntVar(&c.pagesMax, "pages-max", 200000, "pages: most requests in a run")
	flag.IntVar(&c.notes, "notes", 1000000, "storage: notes in the database")
	flag.IntVar(&c.queries, "queries", 2000, "storage: calls of each query")
	flag.IntVar(&c.mediaCount, "media-count", 1000, "media: remote notes a run, each with a photo of its own")
	flag.IntVar(&c.mediaActors, "media-actors", 10, "media: remote actors posting them")
	flag.IntVar(&c.mediaHosts, "media-hosts", 4, "media: remote hosts they live on, each on a loopback address of its own (127.0.0.1, .2, ...)")
	flag.DurationVar(&c.mediaLimit, "media-limit", 5*time.Minute, "media: time cap of a run, until the last photo is stored")
	flag.IntVar(&c.getConc, "get-conc", 16, "get: concurrent readers of each path and of the bare handler")
	flag.DurationVar(&c.getTime, "get-time", 3*time.Second, "get: duration of each path's run")
	flag.IntVar(&c.getPosts, "get-posts", 1000, "get: notes the account writes before its paths are read on the running instance (0: skip that instance)")
	flag.StringVar(&c.getOnly, "get-paths", "", "get: measure only the paths whose names contain one of these comma-separated words (e.g. to profile one)")
	flag.StringVar(&c.getEncoding, "get-encoding", "gzip", "get: what the paths' requests accept: gzip (as Go's client and peers ask; it decompresses on this machine's cores) or identity (as the bare handler's 1 KiB is sent)")
	flag.BoolVar(&c.getSeeded, "get-seeded", true, "get: also read the paths on a copy of the storage scenario's database of -notes notes")
	flag.Parse()
	if c.mediaHosts < 1 || c.mediaHosts > 250 || c.mediaActors < c.mediaHosts || c.mediaCount < 1 {
		fmt.Fprintln(os.Stderr, "refuge-load: -media-hosts must be 1 to 250, -media-actors at least as many, -media-count at least 1")
		os.Exit(2)
	}
	if c.procs < 1 || (c.procs > 1 && c.db == "") {
		fmt.Fprintln(os.Stderr, "refuge-load: -procs N needs -db (several processes share a PostgreSQL database, never a SQLite file)")
		os.Exit(2)
	}
	if c.db != "" && c.target != "" {
		fmt.Fprintln(os.Stderr, "refuge-load: -db starts its own instance; it does not go with -target")
		os.Exit(2)
	}
	if c.inboxConc <= 0 {
		c.inboxConc = c.inboxActors
	}
	return c
}

// env is what the scenarios share.
type env struct {
	cfg        *config
	srv        *server    // the instance, or its first process (which the footprint restarts)
	srvs       []*server  // every process of the instance, srv first
	pg         *pgCluster // the PostgreSQL cluster of --db; nil on SQLite
	pgDB       string     // the instance's database there
	client     *http.Client
	fleet      *fleet
	keys       []*rsaKey
	alice, bob account   // alice follows the inbox senders; bob is followed by the fan-out hosts
	nonce      string    // makes this run's ids unique on a reused instance
	db         *sqldb.DB // the instance's SQLite file, opened to check what was stored
	tmp        string
}

func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func main() {
	if os.Getenv(ceilingEnv) != "" { // the get scenario's bare handler, in a process of its own
		if err := serveCeiling(); err != nil {
			fmt.Fprintln(os.Stderr, "refuge-load: bare handler:", err)
			os.Exit(1)
		}
		return
	}
	cfg := parseConfig()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "refuge-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg *config) error {
	want := map[string]bool{}
	for _, s := range strings.Split(cfg.only, ",") {
		if s = strings.TrimSpace(s); !slices.Contains(scenarios, s) {
			return fmt.Errorf("-only: unknown scenario %q (have %s)", s, strings.Join(scenarios, ", "))
		}
		want[s] = true
	}
	e, err := newEnv(ctx, cfg, want)
	defer e.close() // what was started before a failure goes too
	if err != nil {
		return err
	}
	rep := &report{}
	steps := []struct {
		name string
		fn   func(context.Context, *env, *report) error
	}{
		{"footprint", runFootprint}, {"inbox", runInboxScenario}, {"fanout", runFanoutScenario},
		{"pages", runPagesScenario}, {"storage", runStorageScenario}, {"api", runAPIScenario},
		{"stream", runStreamScenario}, {"get", runGetScenario}, {"media", runMediaScenario},
		{"group", runGroupScenario},
	}
	for _, s := range steps {
		if !want[s.name] || ctx.Err() != nil {
			continue
		}
		e.logf("== %s", s.name)
		if err := s.fn(ctx, e, rep); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	rep.print(os.Stdout, e)
	if cfg.jsonOut != "" {
		return rep.writeJSON(cfg.jsonOut)
	}
	return ctx.Err()
}

// newEnv builds and starts the instance (or connects to --target) and loads the keys. It
// returns the env even with an error, for close to remove what was made.
func newEnv(ctx context.Context, cfg *config, want map[string]bool) (*env, error) {
	var nonce [4]byte
	rand.Read(nonce[:])
	e := &env{cfg: cfg, nonce: hex.EncodeToString(nonce[:])}
	e.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}}
	e.fleet = newFleet(e.client)
	var err error
	if e.keys, err = loadKeys(cfg.cache, max(cfg.inboxActors, 64)); err != nil {
		return e, err
	}
	if cfg.db != "" {
		if e.pg, err = newPGCluster(ctx, cfg.db, cfg.pgLog); err != nil {
			return e, err
		}
		if e.pg.postmaster == 0 {
			e.logf("the PostgreSQL server's processes are not readable here: its CPU is not measured")
		}
	}
	if !want["footprint"] && !want["inbox"] && !want["fanout"] && !want["pages"] && !want["stream"] && !want["media"] && !want["group"] &&
		(!want["get"] || cfg.getPosts == 0) {
		return e, nil // storage runs in this process alone
	}
	if cfg.target != "" {
		return e, e.useTarget()
	}
	if e.tmp, err = os.MkdirTemp("", "refuge-load-"); err != nil {
		return e, err
	}
	bin := cfg.refuge
	if bin == "" {
		e.logf("building ./cmd/refuge")
		if bin, err = buildRefuge(ctx, e.tmp); err != nil {
			return e, err
		}
	}
	db := ""
	if e.pg != nil {
		e.pgDB = "refuge_load_" + e.nonce
		if err := e.pg.createDB(ctx, e.pgDB); err != nil {
			return e, err
		}
		db = e.pg.dsn(e.pgDB)
	}
	if e.srv, err = newServer(bin, e.tmp, db); err != nil {
		return e, err
	}
	e.srvs = []*server{e.srv}
	for n := 2; n <= cfg.procs; n++ {
		s, err := e.srv.another(n)
		if err != nil {
			return e, err
		}
		e.srvs = append(e.srvs, s)
	}
	if len(e.srvs) > 1 {
		b := &balancer{rt: e.client.Transport, domain: e.srv.domain}
		for _, s := range e.srvs {
			b.addrs = append(b.addrs, s.listen)
		}
		e.client.Transport = b
	}
	e.alice.name, e.bob.name = "alice", "bob"
	for _, a := range []*account{&e.alice, &e.bob} {
		if a.token, err = e.srv.account(ctx, a.name); err != nil {
			return e, err
		}
	}
	return e, nil
}

// useTarget drives an instance somebody else started.
func (e *env) useTarget() error {
	cfg := e.cfg
	e.srv = &server{base: strings.TrimSuffix(cfg.target, "/"), data: cfg.data, pid: cfg.pid, name: "refuge"}
	e.srv.domain = strings.TrimPrefix(strings.TrimPrefix(e.srv.base, "http://"), "https://")
	e.srv.listen = e.srv.domain
	e.srvs = []*server{e.srv}
	for _, x := range []struct {
		spec string
		a    *account
	}{{cfg.alice, &e.alice}, {cfg.bob, &e.bob}} {
		name, token, ok := strings.Cut(x.spec, ":")
		if !ok {
			return errors.New("--target needs --inbox-account NAME:TOKEN and --fanout-account NAME:TOKEN (refuge token NAME)")
		}
		*x.a = account{name: name, token: token}
	}
	return nil
}

// ensureStarted starts the processes of the instance that do not run yet, one after the
// other: the first start of an instance writes what the others then find.
func (e *env) ensureStarted(ctx context.Context) error {
	if e.cfg.target != "" {
		return nil
	}
	for _, s := range e.srvs {
		if s.cmd != nil {
			continue
		}
		if _, err := s.start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// pids are the process ids of the instance's processes that are known.
func (e *env) pids() []int {
	var out []int
	for _, s := range e.srvs {
		if s.pid != 0 {
			out = append(out, s.pid)
		}
	}
	return out
}

// startCPU starts measuring the CPU of the instance's processes, PostgreSQL's and others'.
func (e *env) startCPU() *cpuMeter { return startCPU(e.pids(), e.pg) }

// resetPeak starts a new peak memory measurement in every process.
func (e *env) resetPeak() {
	for _, s := range e.srvs {
		s.resetPeak()
	}
}

// peakMiB is the highest peak resident memory of the instance's processes.
func (e *env) peakMiB() float64 {
	var most float64
	for _, s := range e.srvs {
		_, peak := s.memory()
		most = max(most, peak)
	}
	return most
}

func (e *env) close() {
	e.fleet.close()
	if e.db != nil {
		e.db.Close()
	}
	for _, s := range e.srvs {
		if s.cmd != nil {
			if err := s.stop(); err != nil {
				e.logf("stopping %s: %v", s.name, err)
			}
		}
	}
	if e.pgDB != "" && e.cfg.keep {
		e.logf("kept the instance's database: %s", e.pg.dsn(e.pgDB))
	} else if e.pgDB != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.pg.dropDB(ctx, e.pgDB); err != nil {
			e.logf("%v", err)
		}
	}
	if e.tmp != "" && e.cfg.keep {
		e.logf("kept the instance's data and log in %s", e.tmp)
	} else if e.tmp != "" {
		os.RemoveAll(e.tmp)
	}
}
