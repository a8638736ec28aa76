package server_test

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
	"refuge/server/httpx"
)

// TestHostileAddressGuard: with --allow-private off, every key or actor URL that leads to
// loopback, private, link-local, metadata or unspecified addresses (literal, IPv4-mapped,
// IPv4-compatible, or behind a name or a redirect) is refused before a connection is made;
// redirect loops, huge and slow answers are cut off within their limits. Names resolve
// through a test resolver, and the instance's dialer fails the test at once if asked for
// anything off loopback, so a broken guard shows as a failing test, never as traffic. The
// one allowed peer listens on 127.0.0.2 (allowed by prefix); 127.0.0.1 stays refused.
func TestHostileAddressGuard(t *testing.T) {
	t.Parallel()
	k1, _ := peer.Keys()
	dialer := peer.NewDialer(t)
	good := peer.New(t, "127.0.0.2:0", "peer.example")
	bad := peer.New(t, "127.0.0.1:0", "") // would answer properly, were it ever asked
	_, badPort, _ := net.SplitHostPort(bad.Addr())
	ip := netip.MustParseAddr
	dns := peer.Resolver{
		"peer.example":     {ip("127.0.0.2")},
		"loopback.example": {ip("127.0.0.1")},
		"localhost":        {ip("127.0.0.1"), ip("::1")},
		"mixed.example":    {ip("10.0.0.5"), ip("127.0.0.1"), ip("::ffff:192.168.0.1")},
		"metadata.example": {ip("169.254.169.254")},
		"private6.example": {ip("fd00::1")},
	}
	in := testrig.Start(t, func(c *server.Config) {
		c.AllowPrivate = false
		c.DNS = dns
		c.Dial = dialer.Dial
		c.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
		c.FetchTimeout = time.Second
	})
	_, alice := in.Account("alice", false)

	// An actor on an allowed host, to show the guard lets the allowed through.
	gina := good.Actor("gina", k1)
	// Actors behind addresses that must be refused; bad serves them all, were it reached.
	refused := []string{
		"127.0.0.1:" + badPort, "[::1]:" + badPort, "localhost:" + badPort, "loopback.example:" + badPort,
		"[::ffff:127.0.0.1]:" + badPort, "[::ffff:7f00:1]:" + badPort, "[::127.0.0.1]:" + badPort,
		"mixed.example:" + badPort, "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254",
		"metadata.example", "0.0.0.0", "[::]:" + badPort, "[::ffff:10.0.0.1]", "[::10.0.0.1]", "[::ffff:169.254.169.254]",
		"[fd00::1]", "private6.example", "[fe80::1]", "100.64.0.1", "[64:ff9b::a00:1]", "[2002:a00:1::1]",
	}
	bad.Actor("x", k1)
	// Redirects and misbehaving answers on the allowed host.
	redirect := func(to string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusFound) }
	}
	good.Route("/users/to-name", redirect("http://loopback.example:"+badPort+"/users/x"))
	good.Route("/users/to-literal", redirect("http://127.0.0.1:"+badPort+"/users/x"))
	good.Route("/users/to-metadata", redirect("http://169.254.169.254/latest/meta-data/"))
	good.Route("/users/loop", redirect("/users/loop"))
	huge := `{"id":"x","padding":"` + strings.Repeat("x", 2<<20) + `"}`
	good.Route("/users/huge", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", httpx.ActivityJSON)
		io.WriteString(w, huge)
	})
	good.Route("/users/huge-chunked", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", httpx.ActivityJSON)
		for i := 0; i < len(huge); i += 64 << 10 {
			io.WriteString(w, huge[i:min(len(huge), i+64<<10)])
			w.(http.Flusher).Flush()
		}
	})
	good.Route("/users/trickle", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", httpx.ActivityJSON)
		io.WriteString(w, `{"id":"`)
		for {
			select {
			case <-good.Done:
				return
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
				io.WriteString(w, "x")
				w.(http.Flusher).Flush()
			}
		}
	})
	good.Route("/users/silent", func(w http.ResponseWriter, r *http.Request) {
		select { // never answers at all
		case <-good.Done:
		case <-r.Context().Done():
		}
	})
	// An actor whose inbox is on a refused address: following it must not reach there.
	trapURI := good.Base + "/users/trap"
	trap := peer.ActorDoc(trapURI, "trap", trapURI+"#main-key", trapURI, peer.PublicPEM(k1))
	trap["inbox"] = "http://10.0.0.1/inbox"
	good.Doc("/users/trap", trap)

	// signedBy delivers a Create whose actor (and key) is at actorURI.
	signedBy := func(actorURI string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			a := &peer.Actor{Peer: good, URI: actorURI, KeyID: actorURI + "#main-key", Key: k1}
			act := a.Activity("Create", a.Note("hello", alice), "to", []string{alice})
			act["id"] = actorURI + "/activities/1" // on the actor's host, whatever it is
			act["object"].(map[string]any)["id"] = actorURI + "/notes/1"
			return a.Post(t, in.Base+"/users/alice/inbox", act, peer.Sig{})
		}
	}
	var rows []hostileCase
	for _, host := range refused {
		rows = append(rows, hostileCase{name: "key on " + host, send: signedBy("http://" + host + "/users/x"),
			status: 401, reason: "address not allowed"})
	}
	for _, c := range []struct{ path, reason string }{
		{"/users/to-name", "address not allowed"},
		{"/users/to-literal", "address not allowed"},
		{"/users/to-metadata", "address not allowed"},
		{"/users/loop", "too many redirects"},
		{"/users/huge", "body over"},
		{"/users/huge-chunked", "body over"},
	} {
		rows = append(rows, hostileCase{name: "key at " + c.path, send: signedBy(good.Base + c.path), status: 401, reason: c.reason})
	}
	for _, path := range []string{"/users/trickle", "/users/silent"} {
		rows = append(rows, hostileCase{name: "key at " + path, send: signedBy(good.Base + path),
			status: 503, reason: "try again later", within: 3 * time.Second})
	}
	rows = append(rows,
		hostileCase{name: "an actor on the allowed host is let through", send: func(t *testing.T) peer.Answer {
			return gina.Post(t, in.Base+"/users/alice/inbox", gina.Activity("Create", gina.Note("hello", alice), "to", []string{alice}), peer.Sig{})
		}, status: 202, delta: map[string]int{"actors": 1, "notes": 1, "activities": 1, "feed": 1, "notifications": 1, "note_recipients": 1}},
		// Its inbox is on another host than its id, so the actor is refused before anything
		// could be delivered there (an actor's endpoints must be on its own host).
		hostileCase{name: "a follow of an actor whose inbox is on a refused address", send: func(t *testing.T) peer.Answer {
			token, _ := in.Account("ann", false)
			before := in.RowCounts()
			got := hostileDo(t, in, "POST", "/users/ann/outbox", token, map[string]any{"type": "Follow", "object": trapURI})
			testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)
			// The account made here is not the case's doing.
			if ch := countChanges(before, in.RowCounts(), nil); len(ch) > 0 {
				t.Errorf("storage changed: %v", ch)
			}
			return got
		}, status: 400, reason: "has no inbox on its own host", delta: map[string]int{"actors": 1, "credentials": 1, "tokens": 1}},
	)
	runHostile(t, in, rows)

	if n := bad.TotalHits(); n != 0 {
		t.Errorf("the refused server on 127.0.0.1 got %d requests", n)
	}
	for _, a := range dialer.Dialed() {
		if h, _, _ := net.SplitHostPort(a); h != "127.0.0.2" {
			t.Errorf("the instance connected to %s", a)
		}
	}
}

// hostileDo sends a request with a bearer token to the instance and reads the answer.
func hostileDo(t *testing.T, in *testrig.Instance, method, path, token string, body any) peer.Answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(mustJSON(t, body)))
	}
	req, err := http.NewRequest(method, in.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", httpx.ActivityJSON)
	if body != nil {
		req.Header.Set("Content-Type", httpx.ActivityJSON)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return peer.Send(t, req)
}
