// Command refuge-load measures a Refuge instance against the figures of BENCHMARKS.md. It
// builds and starts `refuge serve` on a loopback port (or drives one given with --target),
// plays many remote servers on other loopback ports, each with its own actors and keys,
// and runs five bounded scenarios: inbox deliveries, a fan-out to 10,000 followers, page
// reads, memory and start time, and queries over a million stored notes.
//
//	go run ./cmd/refuge-load            # everything, three runs each, a few minutes
//	go run ./cmd/refuge-load -only inbox,pages -runs 5
//
// Everything it starts listens on 127.0.0.1 and it connects nowhere else.
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
	alice, bob                   string // NAME:TOKEN of the accounts, with --target
	pid                          int
	runs                         int
	keep                         bool
	limit                        time.Duration

	inboxCount, inboxConc, inboxActors, inboxHosts int
	followers, hosts                               int
	pagesConc, pagesMax                            int
	pagesTime                                      time.Duration
	notes, queries                                 int
}

var scenarios = []string{"footprint", "inbox", "fanout", "pages", "storage"}

func parseConfig() *config {
	c := &config{}
	flag.StringVar(&c.only, "only", strings.Join(scenarios, ","), "scenarios to run, comma-separated")
	flag.IntVar(&c.runs, "runs", 3, "runs of each scenario; the median is reported")
	flag.DurationVar(&c.limit, "limit", 60*time.Second, "time cap of any one run")
	flag.StringVar(&c.refuge, "refuge", "", "a refuge binary to start (default: go build ./cmd/refuge)")
	flag.StringVar(&c.cache, "cache", filepath.Join(os.TempDir(), "refuge-load"), "folder for cached keys and the million-note database")
	flag.StringVar(&c.jsonOut, "json", "", "also write the figures as JSON to this file")
	flag.BoolVar(&c.keep, "keep", false, "keep the instance's data folder and log (refuge.log) and print where")
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
	flag.IntVar(&c.pagesConc, "pages-conc", 16, "pages: concurrent readers")
	flag.DurationVar(&c.pagesTime, "pages-time", 3*time.Second, "pages: duration of a run")
	flag.IntVar(&c.pagesMax, "pages-max", 200000, "pages: most requests in a run")
	flag.IntVar(&c.notes, "notes", 1000000, "storage: notes in the database")
	flag.IntVar(&c.queries, "queries", 2000, "storage: calls of each query")
	flag.Parse()
	if c.inboxConc <= 0 {
		c.inboxConc = c.inboxActors
	}
	return c
}

// env is what the scenarios share.
type env struct {
	cfg        *config
	srv        *server
	client     *http.Client
	fleet      *fleet
	keys       []*rsaKey
	alice, bob account   // alice follows the inbox senders; bob is followed by the fan-out hosts
	nonce      string    // makes this run's ids unique on a reused instance
	db         *sqldb.DB // the instance's file, opened to check what was stored
	tmp        string
}

func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func main() {
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
	if err != nil {
		return err
	}
	defer e.close()
	rep := &report{}
	steps := []struct {
		name string
		fn   func(context.Context, *env, *report) error
	}{
		{"footprint", runFootprint}, {"inbox", runInboxScenario}, {"fanout", runFanoutScenario},
		{"pages", runPagesScenario}, {"storage", runStorageScenario},
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

// newEnv builds and starts the instance (or connects to --target) and loads the keys.
func newEnv(ctx context.Context, cfg *config, want map[string]bool) (*env, error) {
	var nonce [4]byte
	rand.Read(nonce[:])
	e := &env{cfg: cfg, nonce: hex.EncodeToString(nonce[:])}
	e.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}}
	e.fleet = newFleet(e.client)
	var err error
	if e.keys, err = loadKeys(cfg.cache, max(cfg.inboxActors, 64)); err != nil {
		return nil, err
	}
	if !want["footprint"] && !want["inbox"] && !want["fanout"] && !want["pages"] {
		return e, nil // storage runs in this process alone
	}
	if cfg.target != "" {
		return e, e.useTarget()
	}
	if e.tmp, err = os.MkdirTemp("", "refuge-load-"); err != nil {
		return nil, err
	}
	bin := cfg.refuge
	if bin == "" {
		e.logf("building ./cmd/refuge")
		if bin, err = buildRefuge(ctx, e.tmp); err != nil {
			return nil, err
		}
	}
	if e.srv, err = newServer(bin, e.tmp); err != nil {
		return nil, err
	}
	e.alice.name, e.bob.name = "alice", "bob"
	for _, a := range []*account{&e.alice, &e.bob} {
		if a.token, err = e.srv.account(ctx, a.name); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// useTarget drives an instance somebody else started.
func (e *env) useTarget() error {
	cfg := e.cfg
	e.srv = &server{base: strings.TrimSuffix(cfg.target, "/"), data: cfg.data, pid: cfg.pid}
	e.srv.domain = strings.TrimPrefix(strings.TrimPrefix(e.srv.base, "http://"), "https://")
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

// ensureStarted starts the instance unless it runs already.
func (e *env) ensureStarted(ctx context.Context) error {
	if e.cfg.target != "" || e.srv.cmd != nil {
		return nil
	}
	_, err := e.srv.start(ctx)
	return err
}

func (e *env) close() {
	e.fleet.close()
	if e.db != nil {
		e.db.Close()
	}
	if e.srv != nil && e.srv.cmd != nil {
		if err := e.srv.stop(); err != nil {
			e.logf("stopping refuge: %v", err)
		}
	}
	if e.tmp != "" && e.cfg.keep {
		e.logf("kept the instance's data and log in %s", e.tmp)
	} else if e.tmp != "" {
		os.RemoveAll(e.tmp)
	}
}
