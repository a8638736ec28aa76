package federation

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"refuge/internal/testrig/peer"
	"refuge/storage"
)

func TestIsRefusedAddr(t *testing.T) {
	tests := []struct {
		addr    string
		refused bool
	}{
		{"127.0.0.1", true}, {"127.8.9.10", true}, {"::1", true}, {"10.1.2.3", true},
		{"172.16.0.1", true}, {"172.31.255.255", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"0.0.0.0", true}, {"::", true}, {"255.255.255.255", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:169.254.169.254", true}, {"::127.0.0.1", true},
		{"::10.0.0.1", true}, {"64:ff9b::7f00:1", true}, {"64:ff9b::a9fe:a9fe", true},
		{"2002:7f00:1::1", true}, {"fe80::1", true}, {"fc00::1", true}, {"fd12:3456::1", true},
		{"224.0.0.1", true}, {"ff02::1", true}, {"100.64.0.1", true}, {"192.0.2.1", true},
		{"198.51.100.7", true}, {"203.0.113.9", true}, {"198.18.0.1", true}, {"240.0.0.1", true},
		{"2001:db8::1", true}, {"2001::1", true}, {"fe80::1%eth0", true},
		{"93.184.216.34", false}, {"2606:4700::1", false}, {"::ffff:93.184.216.34", false},
		{"64:ff9b::5db8:d822", false}, {"172.32.0.1", false}, {"100.128.0.1", false}, {"8.8.8.8", false},
		{"2a01:4f8::1", false},
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		if got := IsRefusedAddr(a); got != tt.refused {
			t.Errorf("IsRefusedAddr(%s) = %v, want %v", tt.addr, got, tt.refused)
		}
	}
}

// rig is a Client wired to loopback test servers: "allowed.test" on 127.0.0.2 (allowed by
// prefix) and "refused.test" on 127.0.0.1 (refused). Names resolve through a test
// resolver; its dialer fails the test on, and refuses before connecting, anything that is
// not loopback, and counts what it dialed and read.
type rig struct {
	t             *testing.T
	allowed       *httptest.Server // on 127.0.0.2
	refused       *httptest.Server // on 127.0.0.1
	allowedHost   string           // allowed.test:port
	refusedHost   string
	dialer        *peer.Dialer
	bytesRead     atomic.Int64
	resolverExtra map[string][]netip.Addr
}

func newRig(t *testing.T, allowed, refused http.Handler) *rig {
	t.Helper()
	r := &rig{t: t, dialer: peer.NewDialer(t)}
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("cannot listen on 127.0.0.2 (Linux routes all of 127/8 to loopback): %v", err)
	}
	r.allowed = httptest.NewUnstartedServer(allowed)
	r.allowed.Listener.Close()
	r.allowed.Listener = l
	r.allowed.Start()
	r.refused = httptest.NewServer(refused)
	t.Cleanup(r.allowed.Close)
	t.Cleanup(r.refused.Close)
	r.allowedHost = "allowed.test:" + port(r.allowed)
	r.refusedHost = "refused.test:" + port(r.refused)
	return r
}

func port(s *httptest.Server) string {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	return p
}

// countingConn counts the bytes the client reads from a connection.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (r *rig) client(cfg ClientConfig) *Client {
	res := peer.Resolver{
		"allowed.test": {netip.MustParseAddr("127.0.0.2")},
		"refused.test": {netip.MustParseAddr("127.0.0.1")},
	}
	for k, v := range r.resolverExtra {
		res[k] = v
	}
	cfg.Resolver = res
	if cfg.AllowPrefixes == nil && !cfg.AllowPrivate {
		cfg.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
	}
	cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := r.dialer.Dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &r.bytesRead}, nil
	}
	return NewClient(cfg)
}

const actorJSON = `{"id":"x","type":"Person"}`

// activityServer answers per path; it is mounted on both addresses.
func activityServer(extra map[string]http.HandlerFunc) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/actor", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json; charset=utf-8")
		io.WriteString(w, actorJSON)
	})
	for p, h := range extra {
		mux.HandleFunc(p, h)
	}
	return mux
}

func TestGetActivityGuard(t *testing.T) {
	var r *rig
	redirect := func(to func() string) http.HandlerFunc {
		return func(w http.ResponseWriter, req *http.Request) { http.Redirect(w, req, to(), http.StatusFound) }
	}
	h := activityServer(map[string]http.HandlerFunc{
		"/to-refused": redirect(func() string { return "http://" + r.refusedHost + "/actor" }),
		"/to-literal": redirect(func() string { return "http://127.0.0.1:" + port(r.refused) + "/actor" }),
		"/to-allowed": redirect(func() string { return "/actor" }),
		"/to-ftp":     redirect(func() string { return "ftp://allowed.test/actor" }),
		"/loop":       redirect(func() string { return "/loop" }),
	})
	r = newRig(t, h, h)
	c := r.client(ClientConfig{})
	ctx := context.Background()

	body, final, err := c.GetActivity(ctx, "http://"+r.allowedHost+"/to-allowed", nil)
	if err != nil || string(body) != actorJSON || final != "http://"+r.allowedHost+"/actor" {
		t.Fatalf("allowed: %q %q %v", body, final, err)
	}
	for _, tc := range []struct{ name, url string }{
		{"name resolving to loopback", "http://" + r.refusedHost + "/actor"},
		{"literal loopback", "http://127.0.0.1:" + port(r.refused) + "/actor"},
		{"redirect to refused name", "http://" + r.allowedHost + "/to-refused"},
		{"redirect to literal", "http://" + r.allowedHost + "/to-literal"},
	} {
		_, _, err := c.GetActivity(ctx, tc.url, nil)
		wantKind(t, err, storage.Forbidden, "address not allowed")
		if storage.Message(err) != "address not allowed" {
			t.Errorf("%s: public message %q", tc.name, storage.Message(err))
		}
	}
	if n := r.dialer.DialsTo("127.0.0.1"); n != 0 {
		t.Fatalf("dialed 127.0.0.1 %d times", n)
	}
	_, _, err = c.GetActivity(ctx, "http://"+r.allowedHost+"/to-ftp", nil)
	wantKind(t, err, storage.Invalid, "not an http(s) URL")
	_, _, err = c.GetActivity(ctx, "http://unknown.test/actor", nil)
	wantKind(t, err, storage.Transient, "cannot resolve")

	_, _, err = c.GetActivity(ctx, "http://"+r.allowedHost+"/loop", nil)
	wantKind(t, err, storage.Invalid, "too many redirects")

	// With AllowPrivate, the same loopback name is fetched.
	open := r.client(ClientConfig{AllowPrivate: true})
	if _, _, err := open.GetActivity(ctx, "http://"+r.refusedHost+"/actor", nil); err != nil {
		t.Fatalf("AllowPrivate: %v", err)
	}
}

func TestRedirectLimit(t *testing.T) {
	var hits atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		hits.Add(1)
		http.Redirect(w, req, "/again", http.StatusMovedPermanently)
	})
	r := newRig(t, h, h)
	c := r.client(ClientConfig{MaxRedirects: 3})
	_, _, err := c.GetActivity(context.Background(), "http://"+r.allowedHost+"/start", nil)
	wantKind(t, err, storage.Invalid, "too many redirects")
	if hits.Load() != 4 {
		t.Fatalf("server saw %d requests, want 4 (first + 3 redirects)", hits.Load())
	}
}

// TestMixedResolution: a name with a private and a public-looking answer is dialed only at
// the allowed one.
func TestMixedResolution(t *testing.T) {
	h := activityServer(nil)
	r := newRig(t, h, h)
	r.resolverExtra = map[string][]netip.Addr{"mixed.test": {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")}}
	c := r.client(ClientConfig{})
	if _, _, err := c.GetActivity(context.Background(), "http://mixed.test:"+port(r.allowed)+"/actor", nil); err != nil {
		t.Fatal(err)
	}
	if r.dialer.DialsTo("127.0.0.1") != 0 || r.dialer.DialsTo("127.0.0.2") != 1 {
		t.Fatalf("dialed %v", r.dialer.Dialed())
	}
}

func TestGetActivityResponses(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	h := activityServer(map[string]http.HandlerFunc{
		"/html": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html></html>")
		},
		"/ldjson": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
			io.WriteString(w, actorJSON)
		},
		"/big-length": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/activity+json")
			io.WriteString(w, big[:2<<20])
		},
		"/big-chunked": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/activity+json")
			for i := 0; i < 160; i++ { // 10 MiB in flushed chunks: no Content-Length
				io.WriteString(w, big[:64<<10])
				w.(http.Flusher).Flush()
			}
		},
		"/404": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) },
		"/410": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(410) },
		"/401": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(401) },
		"/403": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(403) },
		"/500": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) },
		"/503": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) },
		"/400": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(400) },
		"/head": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/activity+json")
			io.WriteString(w, r.Header.Get("Accept"))
		},
	})
	r := newRig(t, h, h)
	c := r.client(ClientConfig{})
	base := "http://" + r.allowedHost
	ctx := context.Background()
	tests := []struct {
		path, msg string
		kind      storage.Kind
	}{
		{"/html", "not an ActivityPub document", storage.Invalid},
		{"/big-length", "body over", storage.TooLarge},
		{"/big-chunked", "body over", storage.TooLarge},
		{"/404", "not found", storage.NotFound},
		{"/410", "gone", storage.Gone},
		{"/401", "refused", storage.Forbidden},
		{"/403", "refused", storage.Forbidden},
		{"/500", "status 500", storage.Transient},
		{"/503", "status 503", storage.Transient},
		{"/400", "unexpected status 400", storage.Invalid},
	}
	for _, tt := range tests {
		r.bytesRead.Store(0)
		_, _, err := c.GetActivity(ctx, base+tt.path, nil)
		wantKind(t, err, tt.kind, tt.msg)
		if n := r.bytesRead.Load(); n > 1<<20+256<<10 {
			t.Errorf("%s: read %d bytes from the connection", tt.path, n)
		}
	}
	if b, _, err := c.GetActivity(ctx, base+"/ldjson", nil); err != nil || string(b) != actorJSON {
		t.Fatalf("ld+json: %q %v", b, err)
	}
	if b, _, err := c.GetActivity(ctx, base+"/head", nil); err != nil || string(b) != AcceptActivity {
		t.Fatalf("accept header: %q %v", b, err)
	}
	// A smaller cap applies too.
	small := r.client(ClientConfig{MaxBody: 10})
	_, _, err := small.GetActivity(ctx, base+"/actor", nil)
	wantKind(t, err, storage.TooLarge, "body over 10 bytes")
}

// trickle answers with contentType, then one byte every interval until the request ends
// or stop closes: a peer too slow to finish within any timeout.
func trickle(stop <-chan struct{}, contentType string, every time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(200)
		for {
			select {
			case <-stop:
				return
			case <-req.Context().Done():
				return
			case <-time.After(every):
				io.WriteString(w, " ")
				w.(http.Flusher).Flush()
			}
		}
	}
}

func TestTrickleTimeout(t *testing.T) {
	stop := make(chan struct{})
	h := trickle(stop, "application/activity+json", 20*time.Millisecond)
	r := newRig(t, h, h)
	defer close(stop)
	c := r.client(ClientConfig{Timeout: 300 * time.Millisecond})
	start := time.Now()
	_, _, err := c.GetActivity(context.Background(), "http://"+r.allowedHost+"/slow", nil)
	wantKind(t, err, storage.Transient, "")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

// TestSignedFetch: each hop of a signed GET carries a signature the server can verify for
// its own URL.
func TestSignedFetch(t *testing.T) {
	a, _ := peer.Keys()
	var verified atomic.Int32
	check := func(w http.ResponseWriter, req *http.Request) bool {
		if err := VerifyRequest(req, nil, &a.PublicKey, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return false
		}
		if id, _ := SignatureKeyID(req); id != testKeyID {
			http.Error(w, "keyId "+id, http.StatusUnauthorized)
			return false
		}
		verified.Add(1)
		return true
	}
	h := http.NewServeMux()
	h.HandleFunc("/users/a", func(w http.ResponseWriter, req *http.Request) {
		if check(w, req) {
			http.Redirect(w, req, "/users/a/canonical?x=1", http.StatusFound)
		}
	})
	h.HandleFunc("/users/a/canonical", func(w http.ResponseWriter, req *http.Request) {
		if check(w, req) {
			w.Header().Set("Content-Type", "application/activity+json")
			io.WriteString(w, actorJSON)
		}
	})
	r := newRig(t, h, h)
	c := r.client(ClientConfig{})
	body, final, err := c.GetActivity(context.Background(), "http://"+r.allowedHost+"/users/a", &Signer{KeyID: testKeyID, Key: a})
	if err != nil || string(body) != actorJSON || !strings.HasSuffix(final, "/users/a/canonical?x=1") {
		t.Fatalf("%q %q %v", body, final, err)
	}
	if verified.Load() != 2 {
		t.Fatalf("verified %d hops, want 2", verified.Load())
	}
	// Unsigned, the same server refuses: 401 is Forbidden.
	_, _, err = c.GetActivity(context.Background(), "http://"+r.allowedHost+"/users/a", nil)
	wantKind(t, err, storage.Forbidden, "401")
}

func TestPost(t *testing.T) {
	a, _ := peer.Keys()
	payload := []byte(`{"type":"Create"}`)
	h := http.NewServeMux()
	h.HandleFunc("/inbox", func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if req.Method != "POST" || req.Header.Get("Content-Type") != "application/activity+json" || string(body) != string(payload) {
			http.Error(w, "bad request", 400)
			return
		}
		if err := VerifyRequest(req, body, &a.PublicKey, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, strings.Repeat("z", 1<<20)) // a chatty peer; drained, not read whole
	})
	h.HandleFunc("/moved", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, "/inbox", http.StatusTemporaryRedirect)
	})
	r := newRig(t, h, h)
	c := r.client(ClientConfig{})
	s := Signer{KeyID: testKeyID, Key: a}
	ctx := context.Background()
	if st, err := c.Post(ctx, "http://"+r.allowedHost+"/inbox", payload, s); err != nil || st != http.StatusAccepted {
		t.Fatalf("post: %d %v", st, err)
	}
	if st, err := c.Post(ctx, "http://"+r.allowedHost+"/moved", payload, s); err != nil || st != http.StatusTemporaryRedirect {
		t.Fatalf("redirect must not be followed: %d %v", st, err)
	}
	_, err := c.Post(ctx, "http://"+r.refusedHost+"/inbox", payload, s)
	wantKind(t, err, storage.Forbidden, "address not allowed")
	_, err = c.Post(ctx, "http://allowed.test:1/inbox", payload, s) // nothing listens there
	wantKind(t, err, storage.Transient, "")
	if r.dialer.DialsTo("127.0.0.1") != 0 {
		t.Fatal("dialed the refused address")
	}
}

// TestHostsChecked: under WithHostsChecked a request to a host it answers for takes that
// answer and does not ask HostBlocked; a host it does not answer for is asked about, as
// every request without it is.
func TestHostsChecked(t *testing.T) {
	a, _ := peer.Keys()
	h := http.NewServeMux()
	h.HandleFunc("/inbox", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	r := newRig(t, h, h)
	var asked []string
	c := r.client(ClientConfig{HostBlocked: func(_ context.Context, host string) (bool, error) {
		asked = append(asked, host)
		return host == "blocked.test", nil
	}})
	s := Signer{KeyID: testKeyID, Key: a}
	inbox := "http://" + r.allowedHost + "/inbox"
	upper := strings.ToUpper(r.allowedHost)
	tests := []struct {
		name      string
		hosts     []string
		blocked   map[string]bool
		wantKind  storage.Kind // "" when the POST is sent
		wantAsked []string
	}{
		{name: "no answers: asked", wantAsked: []string{r.allowedHost}},
		{name: "answered not blocked", hosts: []string{r.allowedHost}},
		{name: "answered not blocked, any case", hosts: []string{upper}},
		{name: "answered blocked", hosts: []string{r.allowedHost}, blocked: map[string]bool{r.allowedHost: true}, wantKind: storage.Forbidden},
		{name: "other hosts answered: asked", hosts: []string{"other.test:1"}, blocked: map[string]bool{"other.test:1": true},
			wantAsked: []string{r.allowedHost}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked = nil
			ctx := context.Background()
			if tt.hosts != nil {
				ctx = WithHostsChecked(ctx, tt.hosts, tt.blocked)
			}
			st, err := c.Post(ctx, inbox, []byte(`{"type":"Create"}`), s)
			if tt.wantKind != "" {
				wantKind(t, err, tt.wantKind, "is blocked")
			} else if err != nil || st != http.StatusAccepted {
				t.Fatalf("post: %d %v", st, err)
			}
			if !slices.Equal(asked, tt.wantAsked) {
				t.Errorf("HostBlocked asked about %q, want %q", asked, tt.wantAsked)
			}
		})
	}
}

func TestGetJRD(t *testing.T) {
	h := http.NewServeMux()
	h.HandleFunc("/jrd", func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Accept") != AcceptJRD {
			w.WriteHeader(406)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
		io.WriteString(w, `{"subject":"acct:a@b"}`)
	})
	h.HandleFunc("/html", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>")
	})
	r := newRig(t, h, h)
	c := r.client(ClientConfig{})
	if b, err := c.GetJRD(context.Background(), "http://"+r.allowedHost+"/jrd"); err != nil || string(b) != `{"subject":"acct:a@b"}` {
		t.Fatalf("%q %v", b, err)
	}
	_, err := c.GetJRD(context.Background(), "http://"+r.allowedHost+"/html")
	wantKind(t, err, storage.Invalid, "not a JSON document")
}
