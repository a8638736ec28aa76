package server

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"refuge/server/httpx"
)

// TestHostileRateLimits: inbox POSTs are limited per remote host (and connecting address),
// answered 429 with Retry-After before the body is read, and one host's flood slows nobody
// else, not even a host whose keys a forger names.
func TestHostileRateLimits(t *testing.T) {
	t.Parallel()
	k1, k2 := hostileKeys()
	in := startInstance(t, func(c *Config) { c.InboxRate, c.InboxBurst = 0.1, 5 })
	_, alice := in.account("alice", false)
	f, g := newPeer(t, "127.0.0.1:0", ""), newPeer(t, "127.0.0.1:0", "")
	fred, gus := f.actor("fred", k1), g.actor("gus", k2)
	for _, a := range []*peerActor{fred, gus} { // known already: the rows count only notes
		if _, err := in.app.remote.FetchActor(context.Background(), a.uri); err != nil {
			t.Fatal(err)
		}
	}
	create := func(a *peerActor) map[string]any {
		return a.activity("Create", a.note("hi alice", alice), "to", []string{alice})
	}
	stored := map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1, "note_recipients": 1}
	times := func(n int, m map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			out[k] = n * v
		}
		return out
	}
	rows := []hostileCase{
		{name: "deliveries within the burst are taken", send: func(t *testing.T) answer {
			var got answer
			for i := 0; i < 5; i++ {
				if got = fred.post(t, in, "/inbox", create(fred), sig{}); got.status != http.StatusAccepted {
					break
				}
			}
			return got
		}, status: 202, delta: times(5, stored)},
		{name: "the next one is answered 429 with Retry-After", send: func(t *testing.T) answer {
			return fred.post(t, in, "/inbox", create(fred), sig{})
		}, status: 429, reason: "too many deliveries from " + f.host, check: func(t *testing.T, got answer) {
			if s, err := strconv.Atoi(got.header.Get("Retry-After")); err != nil || s <= 0 {
				t.Errorf("Retry-After %q", got.header.Get("Retry-After"))
			}
		}},
		{name: "the limit comes before the body is read", send: func(t *testing.T) answer {
			act := create(fred)
			act["padding"] = strings.Repeat("x", 5<<20)
			return fred.post(t, in, "/inbox", act, sig{})
		}, status: 429, reason: "too many deliveries"},
		{name: "another host is not slowed down", send: func(t *testing.T) answer {
			return gus.post(t, in, "/inbox", create(gus), sig{})
		}, status: 202, delta: stored},
		{name: "a forger naming another host's keys uses up only its own share", send: func(t *testing.T) answer {
			forger := fromAddress("127.0.0.3")
			var got answer
			for i := 0; i < 8; i++ {
				req, _ := http.NewRequest(http.MethodPost, in.base+"/inbox", bytes.NewReader(mustJSON(t, create(gus))))
				req.Header.Set("Content-Type", httpx.ActivityJSON)
				signRequest(t, req, nil, gus.keyID, k1, sig{}) // gus's keyId, the wrong key
				resp, err := forger.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					got = answer{status: resp.StatusCode}
					break
				}
			}
			if got.status != http.StatusTooManyRequests {
				t.Fatalf("the forger was never limited: %v", got)
			}
			return gus.post(t, in, "/inbox", create(gus), sig{})
		}, status: 202, delta: stored},
		{name: "unsigned requests are limited per address", send: func(t *testing.T) answer {
			var got answer
			for i := 0; i < 8; i++ {
				if got = fred.post(t, in, "/inbox", create(fred), sig{none: true}); got.status != http.StatusUnauthorized {
					break
				}
			}
			return got
		}, status: 429, reason: "too many deliveries from 127.0.0.1"},
	}
	runHostile(t, in, rows)
}

// TestHostileFetchConcurrency: a host that never answers holds at most four of our fetches
// at once; the rest wait within their timeout and fail as Transient (503), and fetches from
// other hosts go on meanwhile.
func TestHostileFetchConcurrency(t *testing.T) {
	t.Parallel()
	k1, k2 := hostileKeys()
	in := startInstance(t, func(c *Config) { c.FetchTimeout = time.Second })
	_, alice := in.account("alice", false)
	slow, good := newPeer(t, "127.0.0.1:0", ""), newPeer(t, "127.0.0.1:0", "")
	var mu sync.Mutex
	inflight, most := 0, 0
	const senders = 10
	for i := 0; i < senders; i++ {
		slow.route("/users/s"+strconv.Itoa(i), func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			inflight++
			most = max(most, inflight)
			mu.Unlock()
			select { // never answers
			case <-slow.done:
			case <-r.Context().Done():
			}
			mu.Lock()
			inflight--
			mu.Unlock()
		})
	}
	gus := good.actor("gus", k2)
	before := in.rowCounts()

	start := time.Now()
	answers := make([]answer, senders)
	var wg sync.WaitGroup
	for i := 0; i < senders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &peerActor{p: slow, uri: slow.base + "/users/s" + strconv.Itoa(i), key: k1}
			s.keyID = s.uri + "#main-key"
			answers[i] = s.post(t, in, "/inbox", s.activity("Create", s.note("hi", alice), "to", []string{alice}), sig{})
		}()
	}
	eventually(t, 2*time.Second, "the slow host holding fetches", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return inflight > 0
	})
	t0 := time.Now()
	got := gus.post(t, in, "/inbox", gus.activity("Create", gus.note("meanwhile", alice), "to", []string{alice}), sig{})
	if got.status != http.StatusAccepted || time.Since(t0) > 900*time.Millisecond {
		t.Errorf("a delivery from another host while the slow one stalls: %v after %v", got, time.Since(t0))
	}
	// Read the high-water mark now, while every stalled fetch is still within its timeout:
	// once they time out, the server notices each closed connection a moment after our
	// client has already given its slot to the next fetch, and would count both.
	mu.Lock()
	held := most
	mu.Unlock()
	if held > 4 {
		t.Errorf("%d fetches to the slow host at once, want at most 4", held)
	}
	wg.Wait()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the stalled deliveries took %v", d)
	}
	for i, a := range answers {
		if a.status != http.StatusServiceUnavailable || !strings.Contains(a.reason, "try again later") {
			t.Errorf("stalled sender %d: %v", i, a)
		}
	}
	if ch := countChanges(before, in.rowCounts(), map[string]int{"actors": 1, "notes": 1, "activities": 1, "feed": 1,
		"notifications": 1, "note_recipients": 1}); len(ch) > 0 {
		t.Errorf("storage changed: %v", ch)
	}
}
