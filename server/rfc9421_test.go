package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
	"refuge/storage"
)

// TestRFC9421Signatures: a peer that signs the way Fedify does first (RFC 9421 message
// signatures, with Content-Digest) delivers to a real instance's inbox and reads what only
// signed readers may (authorized fetch) at the first try; the same delivery with its body
// changed, or signed by another key, is refused with the reason and stores nothing.
func TestRFC9421Signatures(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t, func(c *server.Config) { c.AuthorizedFetch = true })
	_, alice := in.Account("alice", false)
	p := peer.New(t, "127.0.0.1:0", "")
	k1, k2 := peer.Keys()
	fed := p.Actor("fed", k1)
	components := []string{"@method", "@target-uri", "@authority", "host", "date", "content-digest"}

	keyID := fed.KeyID
	send := func(method, url string, body []byte, otherKey bool, tamper func(*http.Request)) peer.Answer {
		t.Helper()
		r, err := http.NewRequest(method, url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		r.Header.Set("Accept", "application/activity+json")
		if body != nil {
			r.Header.Set("Content-Type", "application/activity+json")
		}
		signing, used := k1, components
		if otherKey {
			signing = k2
		}
		if body == nil {
			used = components[:len(components)-1]
		}
		if err := peer.SignMessage(r, body, signing, keyID, time.Now(), used, `;alg="rsa-v1_5-sha256"`); err != nil {
			t.Fatal(err)
		}
		if tamper != nil {
			tamper(r)
		}
		return peer.Send(t, r)
	}
	notes := func() int { return in.RowCounts()["notes"] }

	// A signed GET of an actor behind authorized fetch.
	if got := send("GET", alice, nil, false, nil); got.Status != http.StatusOK {
		t.Fatalf("signed GET of alice: %v", got)
	}
	create := func(content string) []byte {
		note := fed.Note("<p>"+content+"</p>", alice)
		b, _ := json.Marshal(fed.Activity("Create", note, "to", []string{alice}))
		return b
	}
	before := notes()
	if got := send("POST", in.Base+"/users/alice/inbox", create("wrong key"), true, nil); got.Status != http.StatusUnauthorized ||
		!strings.Contains(got.Reason, "verification failed") {
		t.Errorf("signed by another key: %v, want 401", got)
	}
	if got := send("POST", in.Base+"/users/alice/inbox", create("changed"), false, func(r *http.Request) {
		changed := create("changed after signing")
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
	}); got.Status != http.StatusUnauthorized || !strings.Contains(got.Reason, "Content-Digest") {
		t.Errorf("body changed after signing: %v, want 401", got)
	}
	// A key of another server (its actor fetched and stored as the key's owner) does not
	// speak for fed.
	other := peer.New(t, "127.0.0.1:0", "").Actor("other", k2)
	keyID = other.KeyID
	if got := send("POST", in.Base+"/users/alice/inbox", create("another host's key"), true, nil); got.Status != http.StatusUnauthorized ||
		!strings.Contains(got.Reason, "not on the actor's host") {
		t.Errorf("signed with a key of another host: %v, want 401", got)
	}
	keyID = fed.KeyID
	if n := notes(); n != before {
		t.Fatalf("refused deliveries stored %d notes", n-before)
	}
	if got := send("POST", in.Base+"/users/alice/inbox", create("hello in RFC 9421"), false, nil); got.Status != http.StatusAccepted {
		t.Fatalf("delivery signed with RFC 9421: %v", got)
	}
	testrig.Eventually(t, 10*time.Second, "the note is stored", func() bool { return notes() == before+1 })

	// The peer is answered in kind from now on (learnt from its first signed GET); the
	// refused signatures, the other server's among them, taught nothing.
	list, err := in.App.DB().ListPeerSignatures(context.Background())
	if host := storage.HostOf(fed.URI); err != nil || len(list) != 1 || list[0].Host != host ||
		list[0].Scheme != storage.SignatureRFC9421 || list[0].How != "received" {
		t.Errorf("what the instance learnt of %s: %+v (%v)", host, list, err)
	}
}

// signatureKinds records, per instance, the kind of signature on every signed request it
// receives: "POST /path rfc9421", "GET /path cavage".
type signatureKinds struct {
	mu   sync.Mutex
	seen []string
}

func (k *signatureKinds) record(c *server.Config) {
	c.Observe = func(r *http.Request) {
		kind := ""
		switch {
		case r.Header.Get("Signature-Input") != "" && strings.Contains(r.Header.Get("Signature"), "keyId="):
			kind = "both"
		case r.Header.Get("Signature-Input") != "":
			kind = storage.SignatureRFC9421
		case r.Header.Get("Signature") != "":
			kind = storage.SignatureCavage
		default:
			return
		}
		k.mu.Lock()
		k.seen = append(k.seen, r.Method+" "+r.URL.Path+" "+kind)
		k.mu.Unlock()
	}
}

func (k *signatureKinds) list() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.seen)
}

// TestRFC9421BetweenInstances: two instances learn from each other's actors that both take
// RFC 9421 signatures, and from then on sign with it both ways: the follow, its Accept and
// the post that follows all go as RFC 9421, and so do the signed fetches after the first
// look at each other's actor.
func TestRFC9421BetweenInstances(t *testing.T) {
	t.Parallel()
	var aKinds, bKinds signatureKinds
	a, b := testrig.Start(t, aKinds.record), testrig.Start(t, bKinds.record)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	a.FollowRemote("alice", aliceTok, b, "bob")
	post := b.PostNote("bob", bobTok, map[string]any{"content": "signed the new way"})
	testrig.Eventually(t, testrig.FederationWait, "bob's post in alice's feed", func() bool {
		return testrig.FeedHas(a.HomeFeed("alice", aliceTok), post) == 1
	})
	for _, side := range []struct {
		name  string
		in    *testrig.Instance
		kinds *signatureKinds
		other *testrig.Instance
		inbox string
	}{
		{"A", a, &aKinds, b, "/users/alice/inbox"},
		{"B", b, &bKinds, a, "/users/bob/inbox"},
	} {
		seen := side.kinds.list()
		posts := 0
		for i, s := range seen {
			switch {
			case strings.HasSuffix(s, " both"):
				t.Errorf("%s got a request with both kinds of signature: %s", side.name, s)
			case strings.HasPrefix(s, "POST "):
				posts++
				if !strings.HasSuffix(s, " rfc9421") {
					t.Errorf("%s got a delivery signed draft-cavage: %s (all: %v)", side.name, s, seen)
				}
			case strings.HasSuffix(s, " cavage") && slices.Contains(seen[:i], strings.TrimSuffix(s, "cavage")+"rfc9421"):
				t.Errorf("%s got %s after the other knew better: %v", side.name, s, seen)
			}
		}
		if posts == 0 {
			t.Errorf("%s got no signed deliveries: %v", side.name, seen)
		}
		list, err := side.in.App.DB().ListPeerSignatures(context.Background())
		if host := strings.TrimPrefix(side.other.Base, "http://"); err != nil || len(list) != 1 || list[0].Host != host ||
			list[0].Scheme != storage.SignatureRFC9421 {
			t.Errorf("what %s learnt of %s: %+v (%v)", side.name, host, list, err)
		}
	}
}

// TestEd25519Signatures: a peer whose actor has an Ed25519 Multikey beside its RSA key (as
// Mitra's has) delivers with an RFC 9421 signature made with the Ed25519 key, and is let in
// at the first try; signed by another Ed25519 key under the same keyid, it is refused and
// nothing is stored.
func TestEd25519Signatures(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	_, alice := in.Account("alice", false)
	p := peer.New(t, "127.0.0.1:0", "")
	k, _ := peer.Keys()
	erin := p.Actor("erin", k)
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = 9
	edKey := ed25519.NewKeyFromSeed(seed)
	seed[0] = 10
	otherKey := ed25519.NewKeyFromSeed(seed)
	doc := erin.Doc()
	edKeyID := erin.URI + "#ed25519-key"
	doc["assertionMethod"] = []any{map[string]any{"id": edKeyID, "type": "Multikey", "controller": erin.URI,
		"publicKeyMultibase": peer.Ed25519Multibase(edKey.Public().(ed25519.PublicKey))}}
	p.Doc("/users/erin", doc)

	send := func(key ed25519.PrivateKey, content string) peer.Answer {
		t.Helper()
		note := erin.Note("<p>"+content+"</p>", alice)
		body, _ := json.Marshal(erin.Activity("Create", note, "to", []string{alice}))
		r, err := http.NewRequest("POST", in.Base+"/users/alice/inbox", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/activity+json")
		if err := peer.SignMessage(r, body, key, edKeyID, time.Now(), []string{"@method", "@target-uri", "content-digest"},
			`;alg="ed25519"`); err != nil {
			t.Fatal(err)
		}
		return peer.Send(t, r)
	}
	before := in.RowCounts()["notes"]
	if got := send(otherKey, "not my key"); got.Status != http.StatusUnauthorized || !strings.Contains(got.Reason, "verification failed") {
		t.Errorf("signed with another Ed25519 key: %v", got)
	}
	if n := in.RowCounts()["notes"]; n != before {
		t.Fatalf("a refused delivery stored %d notes", n-before)
	}
	if got := send(edKey, "signed with Ed25519"); got.Status != http.StatusAccepted {
		t.Fatalf("signed with the actor's Ed25519 key: %v", got)
	}
	testrig.Eventually(t, 10*time.Second, "the note is stored", func() bool { return in.RowCounts()["notes"] == before+1 })
	if a := in.ActorByURI(erin.URI); a == nil || a.Ed25519KeyID != edKeyID || a.KeyID != erin.KeyID {
		t.Errorf("erin as stored: %+v", a)
	}
}
