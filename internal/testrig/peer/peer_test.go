package peer_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig/peer"
)

// TestSign: what the hand-made signer makes is what Refuge's verifier takes, in every shape
// peers send, and each way of getting it wrong is refused for its own reason.
func TestSign(t *testing.T) {
	key, other := peer.Keys()
	body := []byte(`{"type":"Create"}`)
	tests := []struct {
		name string
		o    peer.Sig
		want string // "" for accepted, else part of the refusal
	}{
		{"as Mastodon", peer.Sig{}, ""},
		{"hs2019", peer.Sig{Algorithm: "hs2019"}, ""},
		{"no algorithm", peer.Sig{NoAlgorithm: true}, ""},
		{"comma and space", peer.Sig{Separator: ", "}, ""},
		{"another key", peer.Sig{Key: other}, "signature verification failed"},
		{"digest of another body", peer.Sig{DigestOf: []byte(`{}`)}, "digest does not match"},
		{"two hours old", peer.Sig{Date: time.Now().Add(-2 * time.Hour)}, "date out of window"},
		{"digest not signed", peer.Sig{Headers: []string{"(request-target)", "host", "date"}}, "does not cover digest"},
		{"another target", peer.Sig{Target: "/elsewhere"}, "signature verification failed"},
		{"unsigned", peer.Sig{None: true}, "not signed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signWith := key
			if tt.o.Key != nil {
				signWith = tt.o.Key
			}
			r, err := peer.SignedPost("https://refuge.example/users/erin/inbox", body, "https://peer.example/users/a#main-key", signWith, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			err = federation.VerifyRequest(r, body, &key.PublicKey, time.Now())
			if tt.want == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("got %v, want a refusal with %q", err, tt.want)
			}
		})
	}
}

// failures stands in for a test to see what the dialer reports; the rest of testing.TB is
// the real test's.
type failures struct {
	testing.TB
	errs []string
}

// Errorf records a failure instead of failing the real test.
func (f *failures) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// TestDialer: the dialer connects to loopback only; anything else fails the test and is
// refused before a connection is made.
func TestDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	tests := []struct {
		name, addr string
		ok         bool
	}{
		{"loopback", ln.Addr().String(), true},
		{"loopback IPv4-mapped", "[::ffff:127.0.0.1]:" + port, true},
		{"private", "10.0.0.1:80", false},
		{"metadata IPv4-mapped", "[::ffff:169.254.169.254]:80", false},
		{"public IPv6", "[2001:db8::1]:443", false},
		{"a name", "peer.example:80", false}, // resolving is the guard's job, never the dialer's
		{"no port", "127.0.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &failures{TB: t}
			d := peer.NewDialer(f)
			c, err := d.Dial(context.Background(), "tcp", tt.addr)
			if c != nil {
				c.Close()
			}
			if (err == nil) != tt.ok || (len(f.errs) == 0) != tt.ok {
				t.Fatalf("dial: %v; test failures %q; want allowed: %v", err, f.errs, tt.ok)
			}
			if n := len(d.Dialed()); (n == 1) != tt.ok {
				t.Errorf("recorded %v", d.Dialed())
			}
		})
	}
}

// TestPeer: a peer serves what is put at a path, takes deliveries, and counts both.
func TestPeer(t *testing.T) {
	key, _ := peer.Keys()
	p := peer.New(t, "127.0.0.1:0", "peer.example")
	if !strings.HasPrefix(p.Base, "http://peer.example:") || p.Addr() == p.Host {
		t.Fatalf("host %q, listening on %q", p.Host, p.Addr())
	}
	a := p.Actor("ann", key)
	get := func(path string) int {
		resp, err := http.Get("http://" + p.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get("/users/ann"); st != http.StatusOK {
		t.Errorf("actor: %d", st)
	}
	if st := get("/nothing"); st != http.StatusNotFound {
		t.Errorf("unknown path: %d", st)
	}
	if got := a.Post(t, "http://"+p.Addr()+"/inbox", a.Activity("Follow", "x"), peer.Sig{}); got.Status != http.StatusAccepted {
		t.Errorf("delivery: %v", got)
	}
	if p.Hits("/users/ann") != 1 || p.Posts() != 1 || p.TotalHits() != 3 {
		t.Errorf("hits %d, posts %d, total %d", p.Hits("/users/ann"), p.Posts(), p.TotalHits())
	}
}
