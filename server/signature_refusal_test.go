package server

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"refuge/federation"
)

// hostilePeer is a fake remote server on loopback that publishes actor documents with real
// keys, so a test can sign deliveries the way a forger would. It plays a hostile peer on
// purpose; everything else in these tests is a real instance.
type hostilePeer struct {
	srv  *httptest.Server
	keys map[string]*rsa.PrivateKey // actor name → its private key
	docs map[string][]byte          // path → actor document
}

func newHostilePeer(t *testing.T, names ...string) *hostilePeer {
	t.Helper()
	p := &hostilePeer{keys: map[string]*rsa.PrivateKey{}, docs: map[string][]byte{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := p.docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		w.Write(doc)
	}))
	t.Cleanup(p.srv.Close)
	for _, name := range names {
		key, pub := newKeyPair(t)
		p.keys[name] = key
		id := p.actor(name)
		doc, err := federation.EncodeActor(&federation.Actor{ID: id, Type: "Person", PreferredUsername: name,
			Inbox: id + "/inbox", Outbox: id + "/outbox", Followers: id + "/followers",
			PublicKey: federation.PublicKey{ID: id + "#main-key", Owner: id, PEM: pub}})
		if err != nil {
			t.Fatal(err)
		}
		p.docs["/users/"+name] = doc
	}
	return p
}

// actor is the id of the peer's actor name.
func (p *hostilePeer) actor(name string) string { return p.srv.URL + "/users/" + name }

// signer signs as the peer's actor name.
func (p *hostilePeer) signer(name string) federation.Signer {
	return federation.Signer{KeyID: p.actor(name) + "#main-key", Key: p.keys[name]}
}

// newKeyPair makes an RSA-2048 key and its public half as the PEM an actor publishes.
func newKeyPair(t testing.TB) (*rsa.PrivateKey, string) {
	t.Helper()
	priv, pub, err := federation.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	key, err := federation.ParsePrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return key, pub
}

// createNote is a Create{Note} by actor addressed to recipient; n makes the ids unique.
func createNote(actor, attributedTo, recipient, n string) []byte {
	note := actor + "/statuses/" + n
	body, _ := json.Marshal(map[string]any{
		"@context": federation.ActivityStreamsContext, "id": note + "/activity", "type": "Create",
		"actor": actor, "to": []string{recipient},
		"object": map[string]any{"id": note, "type": "Note", "attributedTo": attributedTo,
			"content": "<p>note " + n + "</p>", "to": []string{recipient},
			"published": time.Now().UTC().Format(time.RFC3339)},
	})
	return body
}

// signedPost builds a POST of body to url signed by s as of date.
func signedPost(t testing.TB, url string, body []byte, s federation.Signer, date time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := federation.SignRequest(req, body, s, date); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestSignatureRefusals delivers to a real instance, as a hostile peer, activities whose
// signature or origin is wrong. Each is refused with 401 or 403 and a JSON reason, and
// stores nothing; a correctly signed one, last, is accepted and stored.
func TestSignatureRefusals(t *testing.T) {
	t.Parallel()
	a := startInstance(t)
	_, alice := a.account("alice", false)
	peer := newHostilePeer(t, "mallory", "eve")
	mallory := peer.actor("mallory")
	otherKey, _ := newKeyPair(t)

	cases := []struct {
		name         string
		signer       federation.Signer
		attributedTo string
		age          time.Duration // how old the signed Date is
		tamper       bool          // change the body after signing
		status       int
		reason       string
	}{
		{name: "forged signature", signer: federation.Signer{KeyID: mallory + "#main-key", Key: otherKey},
			attributedTo: mallory, status: 401, reason: "signature verification failed"},
		{name: "body changed after signing", signer: peer.signer("mallory"), attributedTo: mallory,
			tamper: true, status: 401, reason: "digest does not match"},
		{name: "date two hours old", signer: peer.signer("mallory"), attributedTo: mallory,
			age: 2 * time.Hour, status: 401, reason: "date"},
		{name: "key of another actor", signer: peer.signer("eve"), attributedTo: mallory,
			status: 401, reason: "not the signer"},
		{name: "note attributed to another host", signer: peer.signer("mallory"), attributedTo: alice,
			status: 403, reason: "attributed"},
	}
	tables := []string{"notes", "activities", "follows", "likes", "announces", "feed", "notifications"}
	rowCounts := func() map[string]int {
		m := map[string]int{}
		for _, table := range tables {
			m[table] = a.countRows(table, "")
		}
		return m
	}
	for i, inbox := range []string{"/users/alice/inbox", "/inbox"} {
		for j, tc := range cases {
			t.Run(tc.name+" to "+inbox, func(t *testing.T) {
				before := rowCounts()
				body := createNote(mallory, tc.attributedTo, alice, string(rune('a'+i))+string(rune('a'+j)))
				req := signedPost(t, a.base+inbox, body, tc.signer, time.Now().Add(-tc.age))
				if tc.tamper {
					changed := bytes.Replace(body, []byte("note "), []byte("an edited note "), 1)
					if bytes.Equal(changed, body) {
						t.Fatal("the body was not changed")
					}
					req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(changed)), int64(len(changed))
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var answer struct{ Error string }
				err = json.NewDecoder(resp.Body).Decode(&answer)
				if resp.StatusCode != tc.status || err != nil || !strings.Contains(answer.Error, tc.reason) {
					t.Errorf("got %d %q (%v), want %d and a reason with %q", resp.StatusCode, answer.Error, err,
						tc.status, tc.reason)
				}
				if after := rowCounts(); !mapsEqual(before, after) {
					t.Errorf("rows before %v, after %v: a refused delivery stored something", before, after)
				}
			})
		}
	}

	t.Run("correctly signed", func(t *testing.T) {
		before := a.countRows("notes", "")
		req := signedPost(t, a.base+"/inbox", createNote(mallory, mallory, alice, "ok"), peer.signer("mallory"), time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("got %d, want 202", resp.StatusCode)
		}
		if a.note(mallory+"/statuses/ok") == nil || a.countRows("notes", "") != before+1 {
			t.Errorf("the accepted note was not stored")
		}
	})
}

func mapsEqual(x, y map[string]int) bool {
	if len(x) != len(y) {
		return false
	}
	for k, v := range x {
		if y[k] != v {
			return false
		}
	}
	return true
}
