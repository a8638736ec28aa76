package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig/fixture"
	"refuge/internal/testrig/peer"
)

// TestSoftware: what a server runs is read from its NodeInfo, the newest 2.x document its
// index links to on its own host; anything else (no index, a link to another host, a
// document that is not JSON, a name too long) gives "" or is cut, never an error. The
// answer is kept a week, and an unknown one is asked again after a day.
func TestSoftware(t *testing.T) {
	ctx := context.Background()
	other := peer.New(t, "127.0.0.1:0", "")
	other.Route("/nodeinfo/2.1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"software":{"name":"lemmy"}}`)
	})
	serve := func(index, doc string) *peer.Peer {
		p := peer.New(t, "127.0.0.1:0", "")
		if index != "" {
			p.Route("/.well-known/nodeinfo", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, strings.ReplaceAll(strings.ReplaceAll(index, "BASE", p.Base), "OTHER", other.Base))
			})
		}
		p.Route("/nodeinfo/2.0", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"software":{"name":"old"}}`)
		})
		p.Route("/nodeinfo/2.1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, doc)
		})
		return p
	}
	const both = `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"BASE/nodeinfo/2.0"},` +
		`{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"BASE/nodeinfo/2.1"}]}`
	now := time.Unix(1_800_000_000, 0)
	db := fixture.Open(t)
	dialer := peer.NewDialer(t)
	client := federation.NewClient(federation.ClientConfig{Resolver: peer.Resolver{}, Dial: dialer.Dial,
		AllowPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	r := &federation.Remote{DB: db, Client: client, Scheme: "http", Now: func() time.Time { return now }}
	for _, c := range []struct {
		name, index, doc, want string
	}{
		{"the newest 2.x document", both, `{"software":{"name":"Mastodon","version":"4.5.0"}}`, "mastodon"},
		{"no index", "", `{"software":{"name":"mastodon"}}`, ""},
		{"a link to another host", `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.1","href":"OTHER/nodeinfo/2.1"}]}`,
			"", ""},
		{"a document that is not JSON", both, `<html>`, ""},
		{"an index that is not JSON", `links`, "", ""},
		{"a name too long", both, `{"software":{"name":"` + strings.Repeat("x", 100) + `"}}`, strings.Repeat("x", 64)},
	} {
		p := serve(c.index, c.doc)
		got, err := r.Software(ctx, p.Host)
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}

	// Kept: asked once a week, an unknown answer once a day.
	known, unknown := serve(both, `{"software":{"name":"lemmy"}}`), serve("", "")
	for _, step := range []struct {
		after        time.Duration
		known, other int // requests for the index so far
	}{{0, 1, 1}, {time.Hour, 1, 1}, {25 * time.Hour, 1, 2}, {8 * 24 * time.Hour, 2, 3}} {
		now = time.Unix(1_800_000_000, 0).Add(step.after)
		if got, _ := r.Software(ctx, known.Host); got != "lemmy" {
			t.Errorf("after %s: %q, want lemmy", step.after, got)
		}
		if got, _ := r.Software(ctx, unknown.Host); got != "" {
			t.Errorf("after %s: %q for a server without NodeInfo", step.after, got)
		}
		if k, u := known.Hits("/.well-known/nodeinfo"), unknown.Hits("/.well-known/nodeinfo"); k != step.known || u != step.other {
			t.Errorf("after %s: the index asked %d and %d times, want %d and %d", step.after, k, u, step.known, step.other)
		}
	}
}
