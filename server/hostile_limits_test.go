package server_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
	"refuge/server/httpx"
)

// TestHostileRateLimits: inbox POSTs are limited per remote host (and connecting address),
// answered 429 with Retry-After before the body is read, and one host's flood slows nobody
// else, not even a host whose keys a forger names.
func TestHostileRateLimits(t *testing.T) {
	t.Parallel()
	k1, k2 := peer.Keys()
	in := testrig.Start(t, func(c *server.Config) { c.InboxRate, c.InboxBurst = 0.1, 5 })
	_, alice := in.Account("alice", false)
	f, g := peer.New(t, "127.0.0.1:0", ""), peer.New(t, "127.0.0.1:0", "")
	fred, gus := f.Actor("fred", k1), g.Actor("gus", k2)
	for _, a := range []*peer.Actor{fred, gus} { // known already: the rows count only notes
		if _, err := in.App.Remote().FetchActor(context.Background(), a.URI); err != nil {
			t.Fatal(err)
		}
	}
	create := func(a *peer.Actor) map[string]any {
		return a.Activity("Create", a.Note("hi alice", alice), "to", []string{alice})
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
		{name: "deliveries within the burst are taken", send: func(t *testing.T) peer.Answer {
			var got peer.Answer
			for i := 0; i < 5; i++ {
				if got = fred.Post(t, in.Base+"/inbox", create(fred), peer.Sig{}); got.Status != http.StatusAccepted {
					break
				}
			}
			return got
		}, status: 202, delta: times(5, stored)},
		{name: "the next one is answered 429 with Retry-After", send: func(t *testing.T) peer.Answer {
			return fred.Post(t, in.Base+"/inbox", create(fred), peer.Sig{})
		}, status: 429, reason: "too many deliveries from " + f.Host, check: func(t *testing.T, got peer.Answer) {
			if s, err := strconv.Atoi(got.Header.Get("Retry-After")); err != nil || s <= 0 {
				t.Errorf("Retry-After %q", got.Header.Get("Retry-After"))
			}
		}},
		{name: "the limit comes before the body is read", send: func(t *testing.T) peer.Answer {
			act := create(fred)
			act["padding"] = strings.Repeat("x", 5<<20)
			return fred.Post(t, in.Base+"/inbox", act, peer.Sig{})
		}, status: 429, reason: "too many deliveries"},
		{name: "another host is not slowed down", send: func(t *testing.T) peer.Answer {
			return gus.Post(t, in.Base+"/inbox", create(gus), peer.Sig{})
		}, status: 202, delta: stored},
		{name: "a forger naming another host's keys uses up only its own share", send: func(t *testing.T) peer.Answer {
			forger := fromAddress("127.0.0.3")
			var got peer.Answer
			for i := 0; i < 8; i++ {
				req, _ := http.NewRequest(http.MethodPost, in.Base+"/inbox", bytes.NewReader(mustJSON(t, create(gus))))
				req.Header.Set("Content-Type", httpx.ActivityJSON)
				if err := peer.Sign(req, nil, gus.KeyID, k1, peer.Sig{}); err != nil { // gus's keyId, the wrong key
					t.Fatal(err)
				}
				resp, err := forger.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					got = peer.Answer{Status: resp.StatusCode}
					break
				}
			}
			if got.Status != http.StatusTooManyRequests {
				t.Fatalf("the forger was never limited: %v", got)
			}
			return gus.Post(t, in.Base+"/inbox", create(gus), peer.Sig{})
		}, status: 202, delta: stored},
		{name: "unsigned requests are limited per address", send: func(t *testing.T) peer.Answer {
			var got peer.Answer
			for i := 0; i < 8; i++ {
				if got = fred.Post(t, in.Base+"/inbox", create(fred), peer.Sig{None: true}); got.Status != http.StatusUnauthorized {
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
	k1, k2 := peer.Keys()
	in := testrig.Start(t, func(c *server.Config) { c.FetchTimeout = time.Second })
	_, alice := in.Account("alice", false)
	slow, good := peer.New(t, "127.0.0.1:0", ""), peer.New(t, "127.0.0.1:0", "")
	var mu sync.Mutex
	inflight, most := 0, 0
	const senders = 10
	for i := 0; i < senders; i++ {
		slow.Route("/users/s"+strconv.Itoa(i), func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			inflight++
			most = max(most, inflight)
			mu.Unlock()
			select { // never answers
			case <-slow.Done:
			case <-r.Context().Done():
			}
			mu.Lock()
			inflight--
			mu.Unlock()
		})
	}
	gus := good.Actor("gus", k2)
	before := in.RowCounts()

	start := time.Now()
	answers := make([]peer.Answer, senders)
	var wg sync.WaitGroup
	for i := 0; i < senders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &peer.Actor{Peer: slow, URI: slow.Base + "/users/s" + strconv.Itoa(i), Key: k1}
			s.KeyID = s.URI + "#main-key"
			answers[i] = s.Post(t, in.Base+"/inbox", s.Activity("Create", s.Note("hi", alice), "to", []string{alice}), peer.Sig{})
		}()
	}
	testrig.Eventually(t, 2*time.Second, "the slow host holding fetches", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return inflight > 0
	})
	t0 := time.Now()
	got := gus.Post(t, in.Base+"/inbox", gus.Activity("Create", gus.Note("meanwhile", alice), "to", []string{alice}), peer.Sig{})
	if got.Status != http.StatusAccepted || time.Since(t0) > 900*time.Millisecond {
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
		if a.Status != http.StatusServiceUnavailable || !strings.Contains(a.Reason, "try again later") {
			t.Errorf("stalled sender %d: %v", i, a)
		}
	}
	if ch := countChanges(before, in.RowCounts(), map[string]int{"actors": 1, "notes": 1, "activities": 1, "feed": 1,
		"notifications": 1, "note_recipients": 1}); len(ch) > 0 {
		t.Errorf("storage changed: %v", ch)
	}
}
