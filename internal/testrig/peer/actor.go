package peer

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// Actor is an account on a peer, with the key it signs with. Tests may build one by hand
// (an actor the peer does not serve, or serves under another shape).
type Actor struct {
	Peer  *Peer
	Name  string
	URI   string
	KeyID string
	Key   *rsa.PrivateKey
}

// ActorDoc is a Mastodon-shaped actor document.
func ActorDoc(uri, name, keyID, owner, pemKey string) map[string]any {
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

// Actor serves an actor named name at /users/name that signs with key.
func (p *Peer) Actor(name string, key *rsa.PrivateKey) *Actor {
	a := &Actor{Peer: p, Name: name, URI: p.Base + "/users/" + name, Key: key}
	a.KeyID = a.URI + "#main-key"
	p.Doc("/users/"+name, a.Doc())
	return a
}

// Doc is the actor's document as its peer serves it, to change and serve again.
func (a *Actor) Doc() map[string]any {
	return ActorDoc(a.URI, a.Name, a.KeyID, a.URI, PublicPEM(a.Key))
}

// activityIDs makes every id made here unique within the process.
var activityIDs atomic.Int64

// ID makes a fresh id of the given kind ("notes", "activities") on the actor's host.
func (a *Actor) ID(kind string) string {
	return fmt.Sprintf("%s/%s/%d", a.Peer.Base, kind, activityIDs.Add(1))
}

// Activity builds an activity of object by a with a fresh id; extra are more fields, as
// name, value pairs.
func (a *Actor) Activity(typ string, object any, extra ...any) map[string]any {
	act := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": a.ID("activities"),
		"type": typ, "actor": a.URI, "object": object}
	for i := 0; i+1 < len(extra); i += 2 {
		act[extra[i].(string)] = extra[i+1]
	}
	return act
}

// Note builds a Note by a addressed to the given recipients, with a fresh id.
func (a *Actor) Note(content string, to ...string) map[string]any {
	return map[string]any{"id": a.ID("notes"), "type": "Note", "attributedTo": a.URI, "content": content,
		"to": to, "published": time.Now().UTC().Format(time.RFC3339)}
}

// Post delivers body to url, signed by a as o says (o.KeyID and o.Key replace the actor's),
// with Content-Type contentType ("" means application/activity+json); body is
// JSON-encoded unless it is []byte. A request that gets no answer fails the test without
// stopping it (load tests send from several goroutines) and comes back with status 0.
func (a *Actor) Post(t testing.TB, url string, body any, o Sig, contentType ...string) Answer {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	ct := ActivityJSON
	if len(contentType) > 0 {
		ct = contentType[0]
	}
	keyID, key := a.KeyID, a.Key
	if o.KeyID != "" {
		keyID = o.KeyID
	}
	if o.Key != nil {
		key = o.Key
	}
	r, err := signedPost(url, raw, ct, keyID, key, o)
	if err != nil {
		t.Fatal(err)
	}
	return Send(t, r)
}

// Deliver sends activity to the inbox at url, properly signed, and fails the test unless
// it is accepted.
func (a *Actor) Deliver(t testing.TB, url string, activity any) {
	t.Helper()
	if got := a.Post(t, url, activity, Sig{}); got.Status != http.StatusAccepted {
		t.Fatalf("delivery of %v by %s: %v", activity, a.URI, got)
	}
}
