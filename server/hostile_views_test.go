package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
)

// stallRoute makes path on p hang until release is closed (then answer 503), the asker gives
// up, or the peer closes: a host that accepts the connection and never answers in time.
func stallRoute(p *peer.Peer, path string, release <-chan struct{}) {
	p.Route(path, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		case <-p.Done:
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
}

// deliverReply has author send a public reply to parentURI, addressed to local too, and
// returns the path of its page here. Receiving a reply fetches nothing.
func deliverReply(t *testing.T, in *testrig.Instance, author *peer.Actor, local, parentURI, text string) string {
	t.Helper()
	public := []string{federation.PublicCollection}
	n := author.Note(text, public...)
	n["inReplyTo"], n["cc"] = parentURI, []string{local}
	author.Deliver(t, in.Base+"/inbox", author.Activity("Create", n, "to", public, "cc", []string{local}))
	stored := in.Note(n["id"].(string))
	if stored == nil {
		t.Fatalf("the reply to %s is not stored", parentURI)
	}
	return uris.StoredNote(stored.ID)
}

// viewRepeatedly views page anonymously every 100 ms for d (longer than a failed fetch takes
// to be recorded), fails the test if a view takes a second or more, and returns the last
// answer.
func viewRepeatedly(in *testrig.Instance, page string, d time.Duration) func(t *testing.T) peer.Answer {
	return viewRepeatedlyAs(in, page, "", d)
}

// viewRepeatedlyAs is viewRepeatedly for the session cookie ("" for a visitor).
func viewRepeatedlyAs(in *testrig.Instance, page, cookie string, d time.Duration) func(t *testing.T) peer.Answer {
	return func(t *testing.T) peer.Answer {
		var got peer.Answer
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			start := time.Now()
			if got = getPage(t, in, page, cookie); got.Status != http.StatusOK {
				break
			}
			if took := time.Since(start); took >= time.Second {
				t.Errorf("a view took %v", took.Round(time.Millisecond))
			}
		}
		return got
	}
}

// askedAtMost checks that path on host was asked at most most times.
func askedAtMost(host *peer.Peer, path string, most int) func(t *testing.T, _ peer.Answer) {
	return func(t *testing.T, _ peer.Answer) {
		if n := host.Hits(path); n > most {
			t.Errorf("%s was asked %d times, want at most %d", path, n, most)
		}
	}
}

// TestHostileViews: a page view renders what is stored and never waits on another server.
// A reply whose parent is missing is shown at once; the parent is fetched in the background,
// once at a time, and a host that failed is not asked again on every view.
func TestHostileViews(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in, p := r.in, r.p
	// st is a host whose note pages stall (the instance's fetch timeout is left at its
	// default, 10 s); release makes them answer 503 instead.
	st := peer.New(t, "127.0.0.1:0", "")
	release := make(chan struct{})
	stallRoute(st, "/notes/parent", release)
	stallRoute(st, "/notes/other", release)
	// A parent on a working host, never delivered here; and one its host does not have.
	parent := r.eve.Note("the parent, fetched in the background", r.publicTo...)
	parentPath := strings.TrimPrefix(parent["id"].(string), p.Base)
	p.Doc(parentPath, parent)

	// eve (whom alice follows) answers each of them.
	replyTo := func(parentURI, text string) string { return deliverReply(t, in, r.eve, r.alice, parentURI, text) }
	stalled := replyTo(st.Base+"/notes/parent", "an answer to a stalled parent")
	other := replyTo(st.Base+"/notes/other", "an answer to another post on the stalled host")
	missing := replyTo(p.Base+"/notes/missing", "an answer to a post its host lost")
	working := replyTo(parent["id"].(string), "an answer to a parent on a working host")
	alice := webSignIn(t, in, "alice")

	view := func(path, cookie, want string) hostileCase {
		return hostileCase{send: func(t *testing.T) peer.Answer { return getPage(t, in, path, cookie) },
			status: 200, within: 2 * time.Second, check: func(t *testing.T, got peer.Answer) {
				if !strings.Contains(string(got.Body), want) {
					t.Errorf("the page does not show %q", want)
				}
			}}
	}
	named := func(name string, c hostileCase) hostileCase { c.name = name; return c }
	// viewsFor views page for a second, then checks that path on host was asked at most most
	// times in all.
	viewsFor := func(name, page string, host *peer.Peer, path string, most int) hostileCase {
		return hostileCase{name: name, status: 200, within: 5 * time.Second,
			send: viewRepeatedly(in, page, time.Second), check: askedAtMost(host, path, most)}
	}

	rows := []hostileCase{
		named("anonymous view 1 of a reply whose parent's host stalls answers within 2 s", view(stalled, "", "an answer to a stalled parent")),
		named("anonymous view 2 of a reply whose parent's host stalls answers within 2 s", view(stalled, "", "an answer to a stalled parent")),
		named("anonymous view 3 of a reply whose parent's host stalls answers within 2 s", view(stalled, "", "an answer to a stalled parent")),
		named("anonymous view 4 of a reply whose parent's host stalls answers within 2 s", view(stalled, "", "an answer to a stalled parent")),
		named("anonymous view 5 of a reply whose parent's host stalls answers within 2 s", view(stalled, "", "an answer to a stalled parent")),
		named("a signed-in view of the same reply answers within 2 s", view(stalled, alice.cookie, "an answer to a stalled parent")),
		{name: "the stalling host was asked at most once while its fetch hangs", send: func(t *testing.T) peer.Answer {
			return getPage(t, in, stalled, "")
		}, status: 200, within: 2 * time.Second, check: askedAtMost(st, "/notes/parent", 1)},
		func() hostileCase {
			c := viewsFor("after the stalled fetch fails, a second of views asks the host nothing more", stalled, st, "/notes/parent", 1)
			send := c.send
			c.send = func(t *testing.T) peer.Answer { close(release); return send(t) }
			return c
		}(),
		viewsFor("a reply to another post on the host that failed asks that host nothing", other, st, "/notes/other", 0),
		named("a reply to another post on the host that failed is shown", view(other, "", "another post on the stalled host")),
		viewsFor("a parent its host answers 404 for is asked once in a second of views", missing, p, "/notes/missing", 1),
		{name: "a parent on a working host appears on a later view", send: func(t *testing.T) peer.Answer {
			var got peer.Answer
			testrig.Eventually(t, testrig.FederationWait, "the parent on the reply's page", func() bool {
				start := time.Now()
				got = getPage(t, in, working, "")
				if took := time.Since(start); took > 2*time.Second {
					t.Errorf("a view took %v", took.Round(time.Millisecond))
				}
				return strings.Contains(string(got.Body), "the parent, fetched in the background")
			})
			return got
		}, status: 200, delta: map[string]int{"notes": 1}, within: testrig.FederationWait, check: func(t *testing.T, _ peer.Answer) {
			if n := p.Hits(parentPath); n != 1 {
				t.Errorf("the parent was fetched %d times, want once", n)
			}
		}},
	}
	runHostile(t, in, rows)
}

// TestHostileTimeouts, on an instance with a 2 s fetch timeout: a parent fetch that times out
// in the background leaves its host alone for a while, and a search, an explicit action
// that may fetch, is held by a stalling host no longer than the look-up deadline (one and a
// half fetch timeouts, 3 s), however many ways of reading the query it tries.
func TestHostileTimeouts(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t, func(c *server.Config) { c.FetchTimeout = 2 * time.Second })
	token, alice := in.Account("alice", false)
	session := webSignIn(t, in, "alice")
	k1, _ := peer.Keys()
	eve := peer.New(t, "127.0.0.1:0", "").Actor("eve", k1)
	st := peer.New(t, "127.0.0.1:0", "")
	for _, path := range []string{"/@nobody", "/notes/1", "/notes/2", "/notes/3", "/.well-known/webfinger"} {
		stallRoute(st, path, nil)
	}
	first := deliverReply(t, in, eve, alice, st.Base+"/notes/2", "an answer to a post on a host that stalls")
	second := deliverReply(t, in, eve, alice, st.Base+"/notes/3", "another answer to a post there")
	search := func(q string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return getPage(t, in, "/search?q="+url.QueryEscape(q), session.cookie) }
	}
	rows := []hostileCase{
		{name: "views of a reply for longer than its parent's fetch takes to time out ask that host once",
			send: viewRepeatedly(in, first, 4*time.Second), status: 200, within: 6 * time.Second, check: askedAtMost(st, "/notes/2", 1)},
		{name: "a reply to another post on the host that timed out asks that host nothing",
			send: viewRepeatedly(in, second, time.Second), status: 200, within: 3 * time.Second, check: askedAtMost(st, "/notes/3", 0)},
		{name: "a search for a profile address on a stalling host answers within the look-up deadline",
			send: search(st.Base + "/@nobody"), status: 200, reason: "Could not look that up", within: 4500 * time.Millisecond},
		{name: "a search for a post address on a stalling host answers within the look-up deadline",
			send: search(st.Base + "/notes/1"), status: 200, reason: "Could not look that up", within: 4500 * time.Millisecond},
		{name: "a search for a handle on a stalling host answers within the look-up deadline",
			send: search("@nobody@" + st.Host), status: 200, reason: "Could not look that up", within: 4500 * time.Millisecond},
		{name: "the API's handle look-up on a stalling host answers within the look-up deadline", send: func(t *testing.T) peer.Answer {
			req, _ := http.NewRequest(http.MethodGet, in.Base+"/api/resolve?handle="+url.QueryEscape("@nobody@"+st.Host), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			return peer.Send(t, req)
		}, status: 503, within: 4500 * time.Millisecond},
	}
	runHostile(t, in, rows)
}
