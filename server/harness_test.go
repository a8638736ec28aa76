package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/server/httpx"
)

// instance is a real Refuge instance for a test: its own SQLite file in a temp dir, served
// over loopback on its own port, with federation allowed to reach other test instances.
type instance struct {
	t    *testing.T
	cfg  Config
	app  *App
	base string
}

// freeAddr finds a free loopback port. The instance needs its port before it starts,
// because every URI it stores carries its domain.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// testLogger logs to the test's output only when -v is given, and only warnings otherwise.
func testLogger(t *testing.T) *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startInstance starts an instance; mods may change its config before it starts.
func startInstance(t *testing.T, mods ...func(*Config)) *instance {
	t.Helper()
	addr := freeAddr(t)
	cfg := Config{
		Listen: addr, Domain: addr, Data: t.TempDir(), HTTP: true, AllowPrivate: true, Admin: "admin",
		Log: testLogger(t), Out: io.Discard,
		RetrySchedule: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, 2 * time.Second},
	}
	for _, m := range mods {
		m(&cfg)
	}
	in := &instance{t: t, cfg: cfg, base: "http://" + addr}
	in.start()
	t.Cleanup(func() { in.stop() })
	return in
}

func (in *instance) start() {
	in.t.Helper()
	app, err := New(context.Background(), in.cfg)
	if err != nil {
		in.t.Fatalf("new instance %s: %v", in.cfg.Domain, err)
	}
	if err := app.Start(); err != nil {
		app.Close()
		in.t.Fatalf("start instance %s: %v", in.cfg.Domain, err)
	}
	in.app = app
}

// stop closes the instance (like SIGTERM); start brings it back on the same port and data.
func (in *instance) stop() {
	if in.app != nil {
		if err := in.app.Close(); err != nil {
			in.t.Errorf("close %s: %v", in.cfg.Domain, err)
		}
		in.app = nil
	}
}

// account creates a local account and returns its API token and actor id.
func (in *instance) account(name string, locked bool) (token, actorID string) {
	in.t.Helper()
	ctx := context.Background()
	a, err := in.app.svc.CreateAccount(ctx, name, "password-"+name, false)
	if err != nil {
		in.t.Fatalf("create %s: %v", name, err)
	}
	if locked {
		a.Locked = true
		if _, err := in.app.svc.UpdateProfile(ctx, a, outboxProfile(a)); err != nil {
			in.t.Fatalf("lock %s: %v", name, err)
		}
	}
	token, err = in.app.svc.NewToken(ctx, a, "api")
	if err != nil {
		in.t.Fatal(err)
	}
	return token, a.URI
}

// do sends a request to the instance and returns the status and body. body, when not nil,
// is sent as JSON (a string or []byte is sent as is).
func (in *instance) do(method, path, token string, body any) (int, []byte, http.Header) {
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
		url = in.base + path
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

// eventually retries check until it returns true or the deadline passes; federation is
// asynchronous, so tests wait for an outcome rather than sleep for a fixed time.
func eventually(t *testing.T, within time.Duration, what string, check func() bool) {
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
