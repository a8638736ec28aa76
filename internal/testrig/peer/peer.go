// Package peer plays remote servers for this module's tests and its load tool: fake peers
// on loopback that serve what a test puts there and count what they are asked, their actors
// and RSA keys, a hand-made HTTP signer that can get any part wrong on purpose, and the
// network an instance under test reaches them through (a test resolver, and a dialer that
// fails the test on any address off loopback before connecting).
//
// It imports nothing of this module, so that the internal tests of every package,
// federation's included, can use it without an import cycle. What the load tool uses
// returns errors; only helpers that a test calls take a testing.TB.
package peer

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// ActivityJSON is the content type peers serve their documents with.
const ActivityJSON = "application/activity+json"

// Peer is a fake remote server on a loopback address. Each path answers with what was put
// there (Route, Doc); a POST to any other path is a delivery, taken by the inbox handler.
// It counts the requests each path got. Handlers that stall must return when Done is
// closed, so that the server can close.
type Peer struct {
	Host string // address with port, as it appears in URIs
	Base string // "http://" + Host
	// Done is closed when the peer closes, before it waits for its handlers.
	Done <-chan struct{}

	srv       *httptest.Server
	done      chan struct{}
	closeOnce sync.Once

	mu     sync.Mutex
	routes map[string]http.HandlerFunc
	inbox  http.HandlerFunc
	hits   map[string]int
	posts  int
}

// Start starts a peer listening on listen ("127.0.0.1:0", "127.0.0.2:0"); name, when not
// "", is the host name its URIs use instead of the address (resolved by a test Resolver).
// Close stops it.
func Start(listen, name string) (*Peer, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (Linux routes all of 127/8 to loopback): %w", listen, err)
	}
	done := make(chan struct{})
	p := &Peer{Done: done, done: done, routes: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Listener.Close()
	p.srv.Listener = ln
	p.srv.Start()
	p.Host = ln.Addr().String()
	if name != "" {
		_, port, _ := net.SplitHostPort(p.Host)
		p.Host = name + ":" + port
	}
	p.Base = "http://" + p.Host
	return p, nil
}

// New starts a peer for a test, as Start does, and closes it when the test ends.
func New(t testing.TB, listen, name string) *Peer {
	t.Helper()
	p, err := Start(listen, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// Close lets stalled handlers return, then stops the server.
func (p *Peer) Close() {
	p.closeOnce.Do(func() {
		close(p.done)
		p.srv.Close()
	})
}

// Addr is the address the peer listens on, whatever name its URIs use.
func (p *Peer) Addr() string { return p.srv.Listener.Addr().String() }

func (p *Peer) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	h := p.routes[r.URL.Path]
	inbox := p.inbox
	p.hits[r.URL.Path]++
	if r.Method == http.MethodPost {
		p.posts++
	}
	p.mu.Unlock()
	switch {
	case h != nil:
		h(w, r)
	case r.Method == http.MethodPost && inbox != nil:
		inbox(w, r)
	case r.Method == http.MethodPost: // an inbox: deliveries are welcome
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// Route answers path with h, whatever the method.
func (p *Peer) Route(path string, h http.HandlerFunc) {
	p.mu.Lock()
	p.routes[path] = h
	p.mu.Unlock()
}

// Inbox takes every POST that no route answers; without it they are read and answered 202.
func (p *Peer) Inbox(h http.HandlerFunc) {
	p.mu.Lock()
	p.inbox = h
	p.mu.Unlock()
}

// Doc serves v at path as ActivityStreams JSON. v is a document a caller built of maps,
// strings and slices; one that does not encode is a bug in the caller, so Doc panics.
func (p *Peer) Doc(path string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("peer: document for %s: %v", path, err))
	}
	p.Route(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ActivityJSON)
		w.Write(body)
	})
}

// Hits counts the requests path got.
func (p *Peer) Hits(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

// TotalHits counts every request the peer got.
func (p *Peer) TotalHits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, h := range p.hits {
		n += h
	}
	return n
}

// Posts counts the POSTs the peer got.
func (p *Peer) Posts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.posts
}
