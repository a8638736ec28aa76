package federation

import (
	"context"
	"strings"
	"sync"
	"time"

	"refuge/storage"
)

// SignatureStore is where a Client keeps what it learns of servers' signatures: the
// database (storage.DB).
type SignatureStore interface {
	ListPeerSignatures(ctx context.Context) ([]storage.PeerSignature, error)
	Update(ctx context.Context, fn func(tx storage.Tx) error) error
}

// refusalHeld is how long a server that refused an RFC 9421 signature is signed for with
// draft-cavage, whatever it advertises or sends meanwhile: a server behind a proxy may
// sign with RFC 9421 and not be let through with it, and knocking twice on every request
// to it would double the cost of reaching it. After that, it may be tried again.
const refusalHeld = 30 * 24 * time.Hour

// signatureBook remembers, per server, which kind of HTTP signature to send it: RFC 9421
// toward a server that advertises it (FEP-844e's generator.implements), signed a request
// to us with it or took one from us; draft-cavage toward every other, and toward one that
// refused RFC 9421 and let draft-cavage in (the double knock, in Client.send). It is read
// from the store once and then kept in memory, since every signed request asks it; what
// another process sharing the database learns is seen here after a restart, and meanwhile
// costs at most a knock more.
type signatureBook struct {
	store SignatureStore

	mu     sync.Mutex
	loaded bool
	hosts  map[string]storage.PeerSignature
}

// scheme is the kind of signature to send host.
func (b *signatureBook) scheme(ctx context.Context, host string) string {
	if b.store == nil {
		return storage.SignatureCavage
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.load(ctx) {
		return storage.SignatureCavage
	}
	if p, ok := b.hosts[host]; ok {
		return p.Scheme
	}
	return storage.SignatureCavage
}

// load reads the store once; on failure it is tried again at the next request. b.mu is held.
func (b *signatureBook) load(ctx context.Context) bool {
	if b.loaded {
		return true
	}
	list, err := b.store.ListPeerSignatures(ctx)
	if err != nil {
		return false
	}
	b.hosts = make(map[string]storage.PeerSignature, len(list))
	for _, p := range list {
		b.hosts[p.Host] = p
	}
	b.loaded = true
	return true
}

// learn records that host takes scheme, learnt how, unless it is known already, or it is
// RFC 9421 and host refused that within refusalHeld.
func (b *signatureBook) learn(ctx context.Context, host, scheme, how string, now time.Time) error {
	if b.store == nil || host == "" {
		return nil
	}
	p := storage.PeerSignature{Host: host, Scheme: scheme, How: how, Learnt: now}
	b.mu.Lock()
	if !b.load(ctx) {
		b.mu.Unlock()
		return storage.Errorf(storage.Transient, "signatures of %s: the database could not be read", host)
	}
	old, known := b.hosts[host]
	if known && (old.Scheme == scheme ||
		scheme == storage.SignatureRFC9421 && old.How == "refused" && now.Sub(old.Learnt) < refusalHeld) {
		b.mu.Unlock()
		return nil
	}
	b.hosts[host] = p
	b.mu.Unlock()
	return b.store.Update(ctx, func(tx storage.Tx) error { return tx.PutPeerSignature(ctx, p) })
}

// LearnSignatures records that the server at host (lower case, with its port if any) takes
// scheme: how says from what, "advertised" (its actor's generator implements RFC 9421) or
// "received" (it signed a request to us so). A server that refused RFC 9421 lately keeps
// draft-cavage.
func (c *Client) LearnSignatures(ctx context.Context, host, scheme, how string) error {
	return c.signatures.learn(ctx, strings.ToLower(host), scheme, how, time.Now())
}

// SignatureScheme is the kind of signature the client sends to host now.
func (c *Client) SignatureScheme(ctx context.Context, host string) string {
	return c.signatures.scheme(ctx, strings.ToLower(host))
}
