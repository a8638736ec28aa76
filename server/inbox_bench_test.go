package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
)

// BenchmarkInboxAccept measures one delivery from request in to 202: a new Create{Note}
// addressed to alice on instance A, signed by bob, an account of a second real instance B
// whose key A fetches once and then has stored. Signing happens outside the timer.
func BenchmarkInboxAccept(b *testing.B) {
	ctx := context.Background()
	// Errors only, and nowhere: the timer should see the instance, not its logs.
	quiet := func(c *server.Config) {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	a, sender := testrig.Start(b, quiet), testrig.Start(b, quiet)
	alice, err := a.App.Outbox().CreateAccount(ctx, "alice", "password-alice", false)
	if err != nil {
		b.Fatal(err)
	}
	bob, err := sender.App.Outbox().CreateAccount(ctx, "bob", "password-bob", false)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := sender.App.Outbox().Signer(ctx, bob)
	if err != nil {
		b.Fatal(err)
	}
	inbox := a.Base + "/users/alice/inbox"
	client := &http.Client{Timeout: 10 * time.Second}
	deliver := func(n string) {
		req, err := peer.SignedPost(inbox, createNote(bob.URI, bob.URI, alice.URI, n), signer.KeyID, signer.Key, peer.Sig{})
		if err != nil {
			b.Fatal(err)
		}
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
