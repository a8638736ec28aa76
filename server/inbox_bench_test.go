package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// benchInstance starts a real instance for a benchmark, like startInstance does for a test.
func benchInstance(b *testing.B) *App {
	b.Helper()
	addr := freeAddrTB(b)
	app, err := New(context.Background(), Config{Listen: addr, Domain: addr, Data: b.TempDir(), HTTP: true,
		AllowPrivate: true, Admin: "admin", Out: io.Discard,
		Log: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		b.Fatal(err)
	}
	if err := app.Start(); err != nil {
		app.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() { app.Close() })
	return app
}

// freeAddrTB is freeAddr for a benchmark.
func freeAddrTB(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// BenchmarkInboxAccept measures one delivery from request in to 202: a new Create{Note}
// addressed to alice on instance A, signed by bob, an account of a second real instance B
// whose key A fetches once and then has stored. Signing happens outside the timer.
func BenchmarkInboxAccept(b *testing.B) {
	ctx := context.Background()
	a, sender := benchInstance(b), benchInstance(b)
	alice, err := a.svc.CreateAccount(ctx, "alice", "password-alice", false)
	if err != nil {
		b.Fatal(err)
	}
	bob, err := sender.svc.CreateAccount(ctx, "bob", "password-bob", false)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := sender.svc.Signer(ctx, bob)
	if err != nil {
		b.Fatal(err)
	}
	inbox := a.cfg.Base() + "/users/alice/inbox"
	client := &http.Client{Timeout: 10 * time.Second}
	deliver := func(n string) {
		req := signedPost(b, inbox, createNote(bob.URI, bob.URI, alice.URI, n), *signer, time.Now())
		b.StartTimer()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatalf("delivery %s: %v", n, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		b.StopTimer()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("delivery %s: status %d", n, resp.StatusCode)
		}
	}
	b.StopTimer()
	deliver("warm-up") // A fetches bob's actor and key here, once
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		deliver(strconv.Itoa(i))
	}
}
