package main

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"refuge/federation"
	"refuge/internal/testrig/peer"
)

// remoteActor is an account on a fake remote server.
type remoteActor struct {
	*peer.Actor
	host *remoteHost
}

// remoteHost plays one remote server on its own loopback port, a peer of the test rig: it
// serves its actors' documents to any GET, signed or not, and takes any POST to an inbox,
// checking its signature against the Refuge key it names and counting what arrived by
// activity id.
type remoteHost struct {
	fleet  *fleet
	peer   *peer.Peer
	name   string // 127.0.0.1:PORT, the host part of every id here
	base   string // http://127.0.0.1:PORT
	actors map[string]*remoteActor

	posts, valid, invalid atomic.Int64

	mu      sync.Mutex
	byID    map[string]int    // activity id → POSTs received
	follows map[string]string // followed actor uri → id of the Follow that asked
}

// fleet is every fake remote server of a run, and the Refuge keys they verify with.
type fleet struct {
	hosts  []*remoteHost
	client *http.Client
	keysMu sync.Mutex
	keys   map[string]crypto.PublicKey // Refuge keyId → key, fetched once each

	// onPost, when set, sees every POST that verified: host, activity id and type, path, when.
	onPost atomic.Pointer[func(h *remoteHost, id, typ, path string, at time.Time)]
}

func newFleet(client *http.Client) *fleet {
	return &fleet{client: client, keys: map[string]crypto.PublicKey{}}
}

// addHost starts a fake server listening on listen (a loopback address, port 0) with the
// given actor names; keyFor picks each one's key.
func (f *fleet) addHost(listen string, names []string, keyFor func(i int) *rsa.PrivateKey) (*remoteHost, error) {
	p, err := peer.Start(listen, "")
	if err != nil {
		return nil, err
	}
	h := &remoteHost{fleet: f, peer: p, name: p.Host, base: p.Base, actors: map[string]*remoteActor{},
		byID: map[string]int{}, follows: map[string]string{}}
	for i, name := range names {
		a := &remoteActor{Actor: p.Actor(name, keyFor(i)), host: h}
		// The whole account as Mastodon publishes it, with the shared inbox that a fan-out
		// delivers to.
		doc := a.Doc()
		doc["name"], doc["url"], doc["following"] = "Load "+name, h.base+"/@"+name, a.URI+"/following"
		doc["endpoints"] = map[string]any{"sharedInbox": h.base + "/inbox"}
		doc["discoverable"], doc["published"] = true, "2024-01-01T00:00:00Z"
		p.Doc("/users/"+name, doc)
		h.actors[name] = a
	}
	p.Inbox(h.receive)
	f.hosts = append(f.hosts, h)
	return h, nil
}

// close stops every fake server.
func (f *fleet) close() {
	var wg sync.WaitGroup
	for _, h := range f.hosts {
		wg.Go(h.peer.Close)
	}
	wg.Wait()
}

// receive takes a delivery: the signature must verify against the Refuge key it names.
func (h *remoteHost) receive(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	h.posts.Add(1)
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if err := h.fleet.verify(r, body); err != nil {
		h.invalid.Add(1)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	h.valid.Add(1)
	var act struct {
		ID, Type string
		Object   json.RawMessage
	}
	if err := json.Unmarshal(body, &act); err != nil || act.ID == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.byID[act.ID]++
	if act.Type == "Follow" {
		var object string
		json.Unmarshal(act.Object, &object)
		h.follows[object] = act.ID
	}
	h.mu.Unlock()
	if fn := h.fleet.onPost.Load(); fn != nil {
		(*fn)(h, act.ID, act.Type, r.URL.Path, at)
	}
	w.WriteHeader(http.StatusAccepted)
}

// received is how many POSTs of activity id arrived here.
func (h *remoteHost) received(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.byID[id]
}

// followID is the id of the Follow that asked to follow actor uri, or "".
func (h *remoteHost) followID(uri string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.follows[uri]
}

// verify checks a delivery's signature with the key its keyId names, fetched from Refuge
// the first time it is seen.
func (f *fleet) verify(r *http.Request, body []byte) error {
	keyID, err := federation.SignatureKeyID(r)
	if err != nil {
		return err
	}
	pub, err := f.refugeKey(r.Context(), keyID)
	if err != nil {
		return err
	}
	return federation.VerifyRequest(r, body, pub, time.Now())
}

func (f *fleet) refugeKey(ctx context.Context, keyID string) (crypto.PublicKey, error) {
	f.keysMu.Lock()
	defer f.keysMu.Unlock() // one fetch per key, ever; holding the lock keeps it that way
	if k, ok := f.keys[keyID]; ok {
		return k, nil
	}
	docURL, _, _ := strings.Cut(keyID, "#")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/activity+json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch key %s: status %d %v", keyID, resp.StatusCode, err)
	}
	doc, err := federation.DecodeActor(body)
	if err != nil {
		return nil, err
	}
	if doc.PublicKey.ID != keyID {
		return nil, errors.New("key " + keyID + " is not the actor's")
	}
	k, err := federation.ParsePublicKey(doc.PublicKey.PEM)
	if err != nil {
		return nil, err
	}
	f.keys[keyID] = k
	return k, nil
}

// totals adds up what every host received.
func (f *fleet) totals() (posts, valid, invalid int64) {
	for _, h := range f.hosts {
		posts, valid, invalid = posts+h.posts.Load(), valid+h.valid.Load(), invalid+h.invalid.Load()
	}
	return
}
