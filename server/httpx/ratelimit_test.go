package httpx

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"refuge/storage/sqldb"
)

// TestTaken: what a bucket reports after each take, as the X-RateLimit headers show it.
func TestTaken(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b := NewBuckets(3.0/300, 3) // 3 in 5 minutes: one back every 100 s
	for i, want := range []Taken{
		{OK: true, Limit: 3, Remaining: 2, Reset: now.Add(100 * time.Second)},
		{OK: true, Limit: 3, Remaining: 1, Reset: now.Add(200 * time.Second)},
		{OK: true, Limit: 3, Remaining: 0, Reset: now.Add(300 * time.Second)},
		{OK: false, Limit: 3, Remaining: 0, Reset: now.Add(300 * time.Second), RetryAfter: 100 * time.Second},
	} {
		if got := b.Take("k", now); got != want {
			t.Errorf("take %d: %+v, want %+v", i+1, got, want)
		}
	}
	if got := b.Take("k", now.Add(150*time.Second)); !got.OK || got.Remaining != 0 || !got.Reset.Equal(now.Add(150*time.Second+250*time.Second)) {
		t.Errorf("a token back after 100 s, taken at 150 s: %+v", got)
	}
}

// TestIsDeletion: which requests count as deletions, as Mastodon's throttle matches them.
func TestIsDeletion(t *testing.T) {
	for _, c := range []struct {
		method, path string
		want         bool
	}{
		{"DELETE", "/api/v1/statuses/123", true},
		{"POST", "/api/v1/statuses/123/unreblog", true},
		{"POST", "/api/v1/statuses/123/reblog", false},
		{"GET", "/api/v1/statuses/123", false},
		{"DELETE", "/api/v1/statuses/", false},
		{"DELETE", "/api/v1/statuses/123/history", false},
	} {
		if got := isDeletion(httptest.NewRequest(c.method, c.path, nil)); got != c.want {
			t.Errorf("%s %s: %v, want %v", c.method, c.path, got, c.want)
		}
	}
}

// TestAddressKey: IPv4 addresses count one by one, IPv6 ones by their /64.
func TestAddressKey(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"},
		{"::1", "::/64"},
		{"::ffff:203.0.113.7", "::ffff:203.0.113.7"},
		{"not an address", "not an address"},
	} {
		if got := addressKey(c.addr); got != c.want {
			t.Errorf("%s: %s, want %s", c.addr, got, c.want)
		}
	}
}

// BenchmarkRateLimit is the cost of the client API's limits on one request: the in-process
// buckets every API request takes from (through LimitAPI, headers included), and for
// comparison a take from a bucket in the database, which only uploads and deletions pay.
func BenchmarkRateLimit(b *testing.B) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(b.TempDir(), "refuge.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	lim := NewLimits(db, 0, 0, MastodonLimits)
	kit := &Kit{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: &Auth{DB: db}, Limits: lim}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	limited := kit.LimitAPI(ok)

	// Requests from many addresses, as a busy instance sees: each is one take from its
	// address's two buckets, none refused (each address stays far below its limit). The
	// same requests go through the bare handler, so that the difference is the limiter's.
	reqs := make([]*http.Request, 1000)
	for i := range reqs {
		reqs[i] = httptest.NewRequest("GET", "/api/v1/timelines/public", nil)
		reqs[i].RemoteAddr = "10.0." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250) + ":1234"
	}
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"LimitAPI", limited}, {"without", ok}} {
		b.Run(c.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				w := httptest.NewRecorder()
				for i := 0; pb.Next(); i++ {
					c.h.ServeHTTP(w, reqs[i%len(reqs)])
				}
			})
		})
	}
	b.Run("shared-sqlite", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := lim.API.media.Take(ctx, strconv.Itoa(i%1000), time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestClientAddr: the client behind our own proxy is the nearest forwarded address that is
// not a proxy of ours; what a client writes in X-Forwarded-For itself never counts, and a
// request that does not come through a proxy of ours is its connecting address.
func TestClientAddr(t *testing.T) {
	for _, c := range []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"direct, no header", "203.0.113.9:4000", nil, "203.0.113.9"},
		{"direct, a header is ignored", "203.0.113.9:4000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"our proxy on loopback, no header", "127.0.0.1:4000", nil, "127.0.0.1"},
		{"our proxy on loopback", "127.0.0.1:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a client's own entry stands left of the proxy's", "127.0.0.1:4000", []string{"192.0.2.7, 198.51.100.1"}, "198.51.100.1"},
		{"a chain of our proxies", "10.0.0.2:4000", []string{"198.51.100.1, 10.0.0.3", "172.16.0.4"}, "198.51.100.1"},
		{"IPv6 behind IPv6 loopback", "[::1]:4000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"an IPv4-mapped entry", "127.0.0.1:4000", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"not an address: the proxy", "127.0.0.1:4000", []string{"198.51.100.1, unknown"}, "127.0.0.1"},
		{"only proxies forwarded", "127.0.0.1:4000", []string{"10.0.0.1"}, "127.0.0.1"},
		{"no port", "198.51.100.2", nil, "198.51.100.2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/instance", nil)
			r.RemoteAddr = c.remote
			for _, f := range c.forwarded {
				r.Header.Add("X-Forwarded-For", f)
			}
			if got := ClientAddr(r); got != c.want {
				t.Errorf("ClientAddr = %q, want %q", got, c.want)
			}
		})
	}
}
