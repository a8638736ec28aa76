package server

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"refuge/server/httpx"
)

// The rig of the hostile-network suite: fake remote servers that misbehave on purpose
// (peers), their actors and keys, a hand-made HTTP signer that can get anything wrong, and
// a runner for table rows that checks status, reason and every table's row count.

// hostileKeys are two RSA keys made once for the whole package: key generation is slow and
// actors on fake peers can share keys (each has its own keyId).
var hostileKeys = sync.OnceValues(func() (*rsa.PrivateKey, *rsa.PrivateKey) {
	a, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	b, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return a, b
})

func publicPEM(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// peer is a fake remote server on a loopback address. Each path answers with what a test
// put there; it counts the requests each path got. Handlers that stall must return when
// done is closed (at cleanup), so the server can close.
type peer struct {
	t    *testing.T
	srv  *httptest.Server
	host string // address with port, as it appears in URIs
	base string
	done chan struct{}

	mu     sync.Mutex
	routes map[string]http.HandlerFunc
	hits   map[string]int
	posts  int
}

// newPeer starts a peer listening on listen ("127.0.0.1:0", "127.0.0.2:0"); name, when not
// "", is the host name its URIs use instead of the address (resolved by a test resolver).
func newPeer(t *testing.T, listen, name string) *peer {
	t.Helper()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatalf("cannot listen on %s (Linux routes all of 127/8 to loopback): %v", listen, err)
	}
	p := &peer{t: t, done: make(chan struct{}), routes: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Listener.Close()
	p.srv.Listener = ln
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	t.Cleanup(func() { close(p.done) }) // runs first: stalled handlers return, then Close
	p.host = ln.Addr().String()
	if name != "" {
		_, port, _ := net.SplitHostPort(p.host)
		p.host = name + ":" + port
	}
	p.base = "http://" + p.host
	return p
}

func (p *peer) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	h := p.routes[r.URL.Path]
	p.hits[r.URL.Path]++
	if r.Method == http.MethodPost {
		p.posts++
	}
	p.mu.Unlock()
	switch {
	case h != nil:
		h(w, r)
	case r.Method == http.MethodPost: // an inbox: our deliveries are welcome
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// route answers path with h.
func (p *peer) route(path string, h http.HandlerFunc) {
	p.mu.Lock()
	p.routes[path] = h
	p.mu.Unlock()
}

// doc serves v at path as ActivityStreams JSON.
func (p *peer) doc(path string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		p.t.Fatal(err)
	}
	p.route(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", httpx.ActivityJSON)
		w.Write(body)
	})
}

// hitsOf counts the requests path got.
func (p *peer) hitsOf(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

// totalHits counts every request the peer got.
func (p *peer) totalHits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, h := range p.hits {
		n += h
	}
	return n
}

// postCount counts the POSTs the peer got.
func (p *peer) postCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.posts
}

// peerActor is an actor on a peer, with the key it signs with.
type peerActor struct {
	p     *peer
	name  string
	uri   string
	keyID string
	key   *rsa.PrivateKey
}

// actorDoc is a Mastodon-shaped actor document.
func actorDoc(uri, name, keyID, owner, pemKey string) map[string]any {
	return map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                uri,
		"type":              "Person",
		"preferredUsername": name,
		"name":              name,
		"inbox":             uri + "/inbox",
		"outbox":            uri + "/outbox",
		"followers":         uri + "/followers",
		"publicKey":         map[string]any{"id": keyID, "owner": owner, "publicKeyPem": pemKey},
	}
}

// actor serves an actor named name at /users/name that signs with key.
func (p *peer) actor(name string, key *rsa.PrivateKey) *peerActor {
	a := &peerActor{p: p, name: name, uri: p.base + "/users/" + name, key: key}
	a.keyID = a.uri + "#main-key"
	p.doc("/users/"+name, actorDoc(a.uri, name, a.keyID, a.uri, publicPEM(key)))
	return a
}

// activityIDs makes every activity id of the suite unique.
var activityIDs atomic.Int64

// id makes a fresh id on the actor's host.
func (a *peerActor) id(kind string) string {
	return fmt.Sprintf("%s/%s/%d", a.p.base, kind, activityIDs.Add(1))
}

// activity builds an activity of a by a with a fresh id.
func (a *peerActor) activity(typ string, object any, extra ...any) map[string]any {
	act := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": a.id("activities"),
		"type": typ, "actor": a.uri, "object": object}
	for i := 0; i+1 < len(extra); i += 2 {
		act[extra[i].(string)] = extra[i+1]
	}
	return act
}

// note builds a Note by a addressed to the given recipients, with a fresh id.
func (a *peerActor) note(content string, to ...string) map[string]any {
	return map[string]any{"id": a.id("notes"), "type": "Note", "attributedTo": a.uri, "content": content,
		"to": to, "published": time.Now().UTC().Format(time.RFC3339)}
}

// sig says how to sign a request; the zero value signs it properly, as Mastodon does.
type sig struct {
	none      bool      // send no Signature header at all
	headers   []string  // signed headers; nil means (request-target) host date digest
	algorithm string    // nil means rsa-sha256
	date      time.Time // zero means now
	digestOf  []byte    // the body the Digest header is computed over; nil means the one sent
	keyID     string    // "" means the actor's
	key       *rsa.PrivateKey
}

// signRequest signs r by hand, independently of our own signer, so that a test can get any
// part wrong on purpose.
func signRequest(t *testing.T, r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, o sig) {
	t.Helper()
	if o.none {
		return
	}
	date := o.date
	if date.IsZero() {
		date = time.Now()
	}
	r.Header.Set("Date", date.UTC().Format(http.TimeFormat))
	digestBody := body
	if o.digestOf != nil {
		digestBody = o.digestOf
	}
	sum := sha256.Sum256(digestBody)
	r.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
	headers := o.headers
	if headers == nil {
		headers = []string{"(request-target)", "host", "date", "digest"}
	}
	var lines []string
	for _, h := range headers {
		switch h {
		case "(request-target)":
			lines = append(lines, h+": "+strings.ToLower(r.Method)+" "+r.URL.RequestURI())
		case "host":
			lines = append(lines, "host: "+r.Host)
		default:
			lines = append(lines, h+": "+r.Header.Get(h))
		}
	}
	hashed := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	s, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, hashed[:])
	if err != nil {
		t.Fatal(err)
	}
	alg := o.algorithm
	if alg == "" {
		alg = "rsa-sha256"
	}
	r.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="%s",headers="%s",signature="%s"`,
		keyID, alg, strings.Join(headers, " "), base64.StdEncoding.EncodeToString(s)))
}

// answer is what an instance said: status, the reason of a refusal, headers and body.
type answer struct {
	status int
	reason string
	header http.Header
	body   []byte
}

func (a answer) String() string { return fmt.Sprintf("%d %q", a.status, a.reason) }

// reasonOf reads the reason of a JSON error answer, or the whole body otherwise.
func reasonOf(body []byte) string {
	var e struct{ Error string }
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return string(body)
}

// hostileClient is what the suite sends with: never follows redirects, bounded in time.
var hostileClient = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// send1 sends r and reads the answer (at most 4 MiB of it). A request that gets no answer
// fails the test (without stopping it: load tests send from several goroutines) and comes
// back with status 0.
func send1(t *testing.T, r *http.Request) answer {
	t.Helper()
	resp, err := hostileClient.Do(r)
	if err != nil {
		t.Errorf("%s %s: %v", r.Method, r.URL, err)
		return answer{reason: err.Error(), header: http.Header{}}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return answer{status: resp.StatusCode, reason: reasonOf(body), header: resp.Header, body: body}
}

// post delivers body to path on in, signed by a as o says, with Content-Type contentType
// ("" means application/activity+json). body is JSON-encoded unless it is []byte.
func (a *peerActor) post(t *testing.T, in *instance, path string, body any, o sig, contentType ...string) answer {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	r, err := http.NewRequest(http.MethodPost, in.base+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	ct := httpx.ActivityJSON
	if len(contentType) > 0 {
		ct = contentType[0]
	}
	r.Header.Set("Content-Type", ct)
	keyID, key := a.keyID, a.key
	if o.keyID != "" {
		keyID = o.keyID
	}
	if o.key != nil {
		key = o.key
	}
	signRequest(t, r, raw, keyID, key, o)
	return send1(t, r)
}

// deliver sends an activity to alice's inbox, properly signed, and wants it accepted.
func (a *peerActor) deliver(t *testing.T, in *instance, activity any) {
	t.Helper()
	if got := a.post(t, in, "/inbox", activity, sig{}); got.status != http.StatusAccepted {
		t.Fatalf("delivery of %v by %s: %v", activity, a.uri, got)
	}
}

// rowCounts reads the row count of every table of the instance.
func (in *instance) rowCounts() map[string]int {
	in.t.Helper()
	c, err := in.app.db.RowCounts(context.Background())
	if err != nil {
		in.t.Fatal(err)
	}
	return c
}

// countChanges lists the tables whose count differs from the expected change, as
// "table: +n (want +m)".
func countChanges(before, after map[string]int, want map[string]int) []string {
	var out []string
	for table, n := range after {
		if d := n - before[table]; d != want[table] {
			out = append(out, fmt.Sprintf("%s: %+d (want %+d)", table, d, want[table]))
		}
	}
	for table := range want {
		if _, ok := after[table]; !ok {
			out = append(out, fmt.Sprintf("%s: no such table", table))
		}
	}
	sort.Strings(out)
	return out
}

// hostileCase is one row of the suite: something hostile is sent, and the instance must
// answer status with a reason containing reason, leave every table's row count as it was
// (or changed exactly by delta, for a row that is meant to store something), and pass check.
type hostileCase struct {
	name   string
	send   func(t *testing.T) answer
	status int
	reason string
	delta  map[string]int
	check  func(t *testing.T, got answer)
	within time.Duration // the answer must come this fast; 0 means 10 s
}

// runHostile runs the rows one after another against in.
func runHostile(t *testing.T, in *instance, rows []hostileCase) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before := in.rowCounts()
			start := time.Now()
			got := row.send(t)
			took := time.Since(start)
			if got.status != row.status {
				t.Errorf("status %d, want %d (reason %q)", got.status, row.status, got.reason)
			}
			if !strings.Contains(got.reason, row.reason) {
				t.Errorf("reason %q does not contain %q", got.reason, row.reason)
			}
			if got.status >= 500 && row.status < 500 {
				t.Errorf("server error %d", got.status)
			}
			within := row.within
			if within == 0 {
				within = 10 * time.Second
			}
			if took > within {
				t.Errorf("answered after %v, want within %v", took.Round(time.Millisecond), within)
			}
			if got.status == http.StatusTooManyRequests && got.header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
			if ch := countChanges(before, in.rowCounts(), row.delta); len(ch) > 0 {
				t.Errorf("storage changed: %s", strings.Join(ch, ", "))
			}
			if row.check != nil {
				row.check(t, got)
			}
		})
	}
}

// testResolver maps host names to addresses; a name it does not know does not exist.
// Nothing reaches real DNS.
type testResolver map[string][]netip.Addr

func (r testResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// loopbackDialer dials for an instance under test and records every address it was asked
// for. Anything off loopback fails the test at once and is refused before a connection is
// made, so a broken address guard shows as a failing test, never as traffic.
type loopbackDialer struct {
	t      *testing.T
	mu     sync.Mutex
	dialed []string
}

func (d *loopbackDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	ip, perr := netip.ParseAddr(host)
	if err != nil || perr != nil || !ip.Unmap().IsLoopback() {
		d.t.Errorf("the instance tried to connect to %q, off loopback", addr)
		return nil, fmt.Errorf("test dialer: %q is off loopback", addr)
	}
	d.mu.Lock()
	d.dialed = append(d.dialed, addr)
	d.mu.Unlock()
	return (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
}

// dialsTo counts the connections made to ip.
func (d *loopbackDialer) dialsTo(ip string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, a := range d.dialed {
		if h, _, _ := net.SplitHostPort(a); h == ip {
			n++
		}
	}
	return n
}
