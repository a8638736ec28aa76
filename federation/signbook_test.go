package federation_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig/fixture"
	"refuge/internal/testrig/peer"
	"refuge/storage"
)

// knockPeer is a server on loopback whose inbox lets in the signature kinds it is told to,
// verifying each with the sender's key, and records the kind of every request.
type knockPeer struct {
	srv   *httptest.Server
	mu    sync.Mutex
	kinds []string // "rfc9421" or "cavage", in order
}

func newKnockPeer(t *testing.T, key *federation.Signer, takes ...string) *knockPeer {
	p := &knockPeer{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		kind := storage.SignatureCavage
		if federation.HasMessageSignature(r.Header) {
			kind = storage.SignatureRFC9421
		}
		if r.Header.Get("Signature-Input") != "" && strings.Contains(r.Header.Get("Signature"), "keyId=") {
			t.Errorf("both kinds of signature in one request: %v", r.Header)
		}
		p.mu.Lock()
		p.kinds = append(p.kinds, kind)
		p.mu.Unlock()
		for _, k := range takes {
			if k == "busy" && kind == storage.SignatureCavage {
				http.Error(w, "try later", http.StatusServiceUnavailable)
				return
			}
			if k == kind {
				if err := federation.VerifyRequest(r, body, &key.Key.PublicKey, time.Now()); err != nil {
					t.Errorf("a %s signature that does not verify: %v", kind, err)
				}
				w.WriteHeader(http.StatusAccepted)
				return
			}
		}
		http.Error(w, "signature not understood", http.StatusUnauthorized)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// took returns the kinds seen since the last call.
func (p *knockPeer) took() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.kinds
	p.kinds = nil
	return k
}

// TestDoubleKnock: a server is signed for with draft-cavage until it is known to take RFC
// 9421; one known so that refuses RFC 9421 is knocked on again with draft-cavage at once,
// and signed for so from then on, across a restart, even when it goes on sending RFC 9421
// itself; one that takes RFC 9421 gets it alone; one that refuses both, or fails the
// second knock for another reason, stays as it was.
func TestDoubleKnock(t *testing.T) {
	ctx := context.Background()
	key, _ := peer.Keys()
	signer := &federation.Signer{KeyID: "https://refuge.example/users/alice#main-key", Key: key}
	cavageOnly := newKnockPeer(t, signer, storage.SignatureCavage)
	modern := newKnockPeer(t, signer, storage.SignatureRFC9421)
	neither := newKnockPeer(t, signer)
	busy := newKnockPeer(t, signer, "busy") // refuses RFC 9421, then is unavailable
	hosts := map[*knockPeer]string{}
	res := peer.Resolver{}
	for name, p := range map[string]*knockPeer{"cavage.test": cavageOnly, "modern.test": modern, "neither.test": neither, "busy.test": busy} {
		hosts[p] = name + ":" + p.srv.URL[strings.LastIndex(p.srv.URL, ":")+1:]
		res[name] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	}
	db := fixture.Open(t)
	dialer := peer.NewDialer(t)
	newClient := func() *federation.Client {
		return federation.NewClient(federation.ClientConfig{Resolver: res, Dial: dialer.Dial, Signatures: db,
			AllowPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	}
	c := newClient()
	post := func(p *knockPeer) int {
		t.Helper()
		status, err := c.Post(ctx, "http://"+hosts[p]+"/inbox", []byte(`{"type":"Follow"}`), *signer)
		if err != nil {
			t.Fatal(err)
		}
		return status
	}
	expect := func(what string, p *knockPeer, status, wantStatus int, want ...string) {
		t.Helper()
		got := p.took()
		if status != wantStatus || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: %d after %v, want %d after %v", what, status, got, wantStatus, want)
		}
	}

	// Unknown: draft-cavage, which every server reads.
	expect("unknown server", cavageOnly, post(cavageOnly), 202, "cavage")
	expect("unknown modern server", modern, post(modern), 401, "cavage")

	// Known to take RFC 9421 (it signed to us so, or its actor says so).
	for _, p := range []*knockPeer{cavageOnly, modern, neither, busy} {
		if err := c.LearnSignatures(ctx, hosts[p], storage.SignatureRFC9421, "received"); err != nil {
			t.Fatal(err)
		}
	}
	expect("the knock", cavageOnly, post(cavageOnly), 202, "rfc9421", "cavage")
	expect("after the knock", cavageOnly, post(cavageOnly), 202, "cavage")
	expect("a modern server", modern, post(modern), 202, "rfc9421")
	expect("a server that takes neither", neither, post(neither), 401, "rfc9421", "cavage")
	expect("and again", neither, post(neither), 401, "rfc9421", "cavage")
	expect("a server that fails the second knock otherwise", busy, post(busy), 503, "rfc9421", "cavage")
	expect("is knocked on twice again", busy, post(busy), 503, "rfc9421", "cavage")

	// What the refusal taught outweighs what the server sends meanwhile, and is kept.
	if err := c.LearnSignatures(ctx, hosts[cavageOnly], storage.SignatureRFC9421, "advertised"); err != nil {
		t.Fatal(err)
	}
	c = newClient() // a restart
	expect("after a restart", cavageOnly, post(cavageOnly), 202, "cavage")
	expect("a modern server after a restart", modern, post(modern), 202, "rfc9421")
	for host, want := range map[string]string{hosts[cavageOnly]: "cavage refused", hosts[modern]: "rfc9421 received",
		hosts[neither]: "rfc9421 received", hosts[busy]: "rfc9421 received"} {
		if got := c.SignatureScheme(ctx, host); got != strings.Fields(want)[0] {
			t.Errorf("%s: signed for with %s, want %s", host, got, want)
		}
	}
	list, err := db.ListPeerSignatures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if want := map[string]string{hosts[cavageOnly]: "cavage refused", hosts[modern]: "rfc9421 received",
			hosts[neither]: "rfc9421 received", hosts[busy]: "rfc9421 received"}[p.Host]; p.Scheme+" "+p.How != want || p.Learnt.IsZero() {
			t.Errorf("stored for %s: %+v, want %s", p.Host, p, want)
		}
	}
	if len(list) != 4 {
		t.Errorf("stored %d servers, want 4: %+v", len(list), list)
	}

	// Signed GETs knock the same way.
	if err := c.LearnSignatures(ctx, hosts[cavageOnly], storage.SignatureRFC9421, "received"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.Get(ctx, "http://"+hosts[modern]+"/users/bob", federation.AcceptActivity, signer); err != nil {
		t.Errorf("a signed GET to a modern server: %v", err)
	}
	expect("a signed GET", modern, 200, 200, "rfc9421")
}
