// Package testrig is the shared rig for this module's tests and its load tool: whole Refuge
// instances on loopback ports, each with its own SQLite file in a temporary folder, and
// what tests do with them (accounts, requests, federation between instances, a browser
// stand-in, the built binary and its admin commands). Fake remote servers, their keys and
// signer, and the loopback-only network are in the subpackage peer; test pictures are in
// testimage; both import nothing of this module, so that low-level tests need not import
// the server.
//
// It is internal because it is made for this module's tests, whose needs change its shape
// at any time: nothing outside the module may import it.
package testrig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"refuge/internal/testrig/pgtest"
	"refuge/outbox"
	"refuge/server"
	"refuge/server/httpx"
	"refuge/storage"
)

// Instance is a real Refuge instance for a test: its own SQLite file in a temp dir, served
// over loopback on its own port, with federation allowed to reach other test instances.
type Instance struct {
	t testing.TB
	// App is the running instance; nil while it is stopped.
	App *server.App
	// Base is the URL every local URI starts with: http://127.0.0.1:PORT.
	Base string
	// Cfg is the configuration it was started with.
	Cfg server.Config
}

// FreeAddr finds a free loopback port. An instance needs its port before it starts,
// because every URI it stores carries its domain.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Logger logs to the test's output: warnings only, everything from Info with -v.
func Logger(t testing.TB) *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
}

// testWriter is where Logger writes: the test's log, one line a record.
type testWriter struct{ t testing.TB }

// Write logs p as one line of the test's output.
func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Start starts an instance that stops when the test ends; mods may change its config
// before it starts. Deliveries are retried within seconds, not days. On the PostgreSQL run
// (pgtest.EnvVar set) its database is a new PostgreSQL one, else the SQLite file.
func Start(t testing.TB, mods ...func(*server.Config)) *Instance {
	t.Helper()
	// The port is found free and let go until the instance listens on it: on a busy machine
	// another test's connection may take it in between. A first start that finds it taken
	// tries again on another port with a new data folder, since nothing stored names the
	// first one yet.
	for try := 1; ; try++ {
		in := newInstance(t, mods)
		err := in.open()
		if err == nil {
			t.Cleanup(in.Stop)
			return in
		}
		if !errors.Is(err, syscall.EADDRINUSE) || try == 3 {
			t.Fatal(err)
		}
		t.Logf("%v: trying another port", err)
	}
}

// newInstance is the configuration of a new instance on a free port, not started.
func newInstance(t testing.TB, mods []func(*server.Config)) *Instance {
	t.Helper()
	addr := FreeAddr(t)
	cfg := server.Config{
		Listen: addr, Domain: addr, Data: t.TempDir(), HTTP: true, AllowPrivate: true, Admin: "admin",
		Log: Logger(t), Out: io.Discard,
		RetrySchedule: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, 2 * time.Second},
	}
	if pgtest.Admin() != "" {
		cfg.DB = pgtest.NewDatabase(t) // the PostgreSQL run: each instance its own database
	}
	for _, m := range mods {
		m(&cfg)
	}
	return &Instance{t: t, Cfg: cfg, Base: "http://" + addr}
}

func (in *Instance) start() {
	in.t.Helper()
	if err := in.open(); err != nil {
		in.t.Fatal(err)
	}
}

// open makes the instance and starts it listening.
func (in *Instance) open() error {
	app, err := server.New(context.Background(), in.Cfg)
	if err != nil {
		return fmt.Errorf("new instance %s: %w", in.Cfg.Domain, err)
	}
	if err := app.Start(); err != nil {
		app.Close()
		return fmt.Errorf("start instance %s: %w", in.Cfg.Domain, err)
	}
	in.App = app
	return nil
}

// Stop closes the instance, as SIGTERM would.
func (in *Instance) Stop() {
	if in.App != nil {
		if err := in.App.Close(); err != nil {
			in.t.Errorf("close %s: %v", in.Cfg.Domain, err)
		}
		in.App = nil
	}
}

// Restart stops the instance if it runs and starts it again on the same port and data.
func (in *Instance) Restart() {
	in.t.Helper()
	in.Stop()
	in.start()
}

// Account creates a local account (password "password-NAME") and returns its API token
// and actor id.
func (in *Instance) Account(name string, locked bool) (token, actorID string) {
	in.t.Helper()
	ctx := context.Background()
	svc := in.App.Outbox()
	a, err := svc.CreateAccount(ctx, name, "password-"+name, false)
	if err != nil {
		in.t.Fatalf("create %s: %v", name, err)
	}
	if locked {
		a.Locked = true
		if _, err := svc.UpdateProfile(ctx, a, Profile(a)); err != nil {
			in.t.Fatalf("lock %s: %v", name, err)
		}
	}
	token, err = svc.NewToken(ctx, a, "api")
	if err != nil {
		in.t.Fatal(err)
	}
	return token, a.URI
}

// LocalAccount creates a local account with a known password.
func (in *Instance) LocalAccount(name, password string) {
	in.t.Helper()
	if _, err := in.App.Outbox().CreateAccount(context.Background(), name, password, false); err != nil {
		in.t.Fatalf("create %s: %v", name, err)
	}
}

// Profile is the profile input that keeps an account as it is (with its Locked flag).
func Profile(a *storage.Actor) outbox.ProfileInput { return outbox.ProfileOf(a) }

// LocalActor is the local account name; anything else fails the test.
func (in *Instance) LocalActor(name string) *storage.Actor {
	in.t.Helper()
	a, err := in.App.DB().GetLocalActor(context.Background(), name)
	if err != nil {
		in.t.Fatalf("account %s: %v", name, err)
	}
	return a
}

// ActorByURI is an actor the instance has stored; anything else fails the test.
func (in *Instance) ActorByURI(uri string) *storage.Actor {
	in.t.Helper()
	a, err := in.App.DB().GetActorByURI(context.Background(), uri)
	if err != nil {
		in.t.Fatalf("actor %s: %v", uri, err)
	}
	return a
}

// RowCounts reads the row count of every table of the instance.
func (in *Instance) RowCounts() map[string]int {
	in.t.Helper()
	c, err := in.App.DB().RowCounts(context.Background())
	if err != nil {
		in.t.Fatal(err)
	}
	return c
}

// Do sends a request to the instance as an API client and returns the status, body and
// headers. path is a local path or a whole URL; a token, when not "", is sent as a bearer
// token; body, when not nil, is sent as JSON (a string or []byte is sent as is).
func (in *Instance) Do(method, path, token string, body any) (int, []byte, http.Header) {
	in.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			in.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	url := path
	if strings.HasPrefix(path, "/") {
		url = in.Base + path
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Accept", httpx.ActivityJSON)
	if body != nil {
		req.Header.Set("Content-Type", httpx.ActivityJSON)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		in.t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// Eventually retries check until it returns true or the deadline passes; federation is
// asynchronous, so tests wait for an outcome rather than sleep for a fixed time.
func Eventually(t testing.TB, within time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if check() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for: %s", within, what)
}
