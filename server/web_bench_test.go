package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/fixture"
	"refuge/server"
)

// BenchmarkWebReading measures the signed-in pages issue 17 added, each a whole request over
// loopback HTTP to a real instance (session, page, template, the menu's badges), for an
// account of a real size (fixture.SeedReading: 200 accounts followed on a second instance,
// 20,000 notes, a list of 50, 200 unread conversations). The client's reading of the answer
// is in the figures too. BENCHMARKS.md has them; nothing asserts a speed.
func BenchmarkWebReading(b *testing.B) {
	quiet := func(c *server.Config) {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	in, far := testrig.Start(b, quiet), testrig.Start(b, quiet)
	in.LocalAccount("alice", "alice password")
	alice := in.LocalActor("alice")
	// The remote authors are the second instance's: the remote profile's look-up of their
	// posts in the background (once) reaches it on loopback and nothing else.
	seed := fixture.SeedReading(b, in.App.DB(), alice, in.Base, far.Base)
	c := testrig.NewWebClient(b, in)
	c.SignIn("alice", "alice password")
	known := seed.Authors[0]
	if n, err := in.App.DB().CountActorNotes(context.Background(), known.ID, alice.ID); err != nil || n == 0 {
		b.Fatalf("%s has %d posts stored: %v", known.Username, n, err)
	}
	pages := []struct{ name, path, want string }{
		{"home", "/home", "note "},
		{"public-local", "/public/local", "note "},
		{"public-federated", "/public", "note "},
		{"list", "/lists/" + strconv.FormatInt(seed.List.ID, 10), "note "},
		{"conversations", "/conversations", "note "},
		{"remote-profile", "/@" + known.Username + "@" + known.Host, "note "},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				resp, body := c.Get(p.path)
				if resp.StatusCode != http.StatusOK || !strings.Contains(body, p.want) {
					b.Fatalf("%s: %d\n%.2000s", p.path, resp.StatusCode, body)
				}
				size = len(body)
			}
			b.ReportMetric(float64(size), "page-bytes")
		})
	}
}
