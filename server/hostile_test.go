package server

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/server/httpx"
	"refuge/storage"
)

// The hostile-network suite: every bad input refused, nothing lost, nobody let in. Each row
// sends one hostile thing to a real instance and checks the status, the reason given, and
// that no table gained or lost a row (hostile_helpers_test.go has the rig). Fake remote
// servers are httptest servers on loopback that misbehave on purpose.

// hostileRig is an instance with alice, her public note, and a few remote actors in known
// relations with her, all on loopback peers:
//   - eve (peer p): alice follows her (accepted).
//   - bob (peer p): follows alice, sent alice a note, likes alice's note.
//   - carol (peer q): alice asked to follow her; carol never answered.
//   - zed (peer p): sent alice a note, then deleted his account; p still serves him.
//   - spammer (peer s, whose whole host is blocked) and troll (peer p, blocked by URI):
//     never fetched.
type hostileRig struct {
	in                    *instance
	aliceToken, alice     string
	aliceNote             string
	p, q, s               *peer
	eve, bob, carol, zed  *peerActor
	spammer, troll        *peerActor
	k1, k2                *rsa.PrivateKey
	bobNote, bobFollow    string
	bobLike, aliceToCarol string
	aliceFollowsEve       string
	publicTo              []string
}

func newHostileRig(t *testing.T) *hostileRig {
	t.Helper()
	r := &hostileRig{}
	r.k1, r.k2 = hostileKeys()
	in := startInstance(t)
	r.in = in
	r.aliceToken, r.alice = in.account("alice", false)
	r.publicTo = []string{federation.PublicCollection}
	r.aliceNote = in.postNote("alice", r.aliceToken, map[string]any{"content": "hello from alice", "to": r.publicTo})
	r.p, r.q, r.s = newPeer(t, "127.0.0.1:0", ""), newPeer(t, "127.0.0.1:0", ""), newPeer(t, "127.0.0.1:0", "")
	r.eve, r.bob, r.zed = r.p.actor("eve", r.k1), r.p.actor("bob", r.k2), r.p.actor("zed", r.k1)
	r.carol, r.spammer, r.troll = r.q.actor("carol", r.k2), r.s.actor("spammer", r.k1), r.p.actor("troll", r.k2)
	ctx := context.Background()

	// alice follows eve, and eve accepts.
	r.aliceFollowsEve = in.c2s("alice", r.aliceToken, map[string]any{"type": "Follow", "object": r.eve.uri})
	r.eve.deliver(t, in, r.eve.activity("Accept", r.aliceFollowsEve))
	if f, err := in.app.db.GetFollowByURI(ctx, r.aliceFollowsEve); err != nil || !f.Accepted {
		t.Fatalf("alice's follow of eve: %+v %v", f, err)
	}
	// bob follows alice, writes to her and likes her note.
	follow := r.bob.activity("Follow", r.alice)
	r.bob.deliver(t, in, follow)
	r.bobFollow = follow["id"].(string)
	note := r.bob.note("bob's own words", r.alice)
	r.bobNote = note["id"].(string)
	r.bob.deliver(t, in, r.bob.activity("Create", note, "to", []string{r.alice}))
	like := r.bob.activity("Like", r.aliceNote)
	r.bob.deliver(t, in, like)
	r.bobLike = like["id"].(string)
	// alice asks carol; carol never answers.
	r.aliceToCarol = in.c2s("alice", r.aliceToken, map[string]any{"type": "Follow", "object": r.carol.uri})
	// zed writes, then deletes his account; his server keeps serving the old document.
	r.zed.deliver(t, in, r.zed.activity("Create", r.zed.note("zed was here", r.alice), "to", []string{r.alice}))
	r.zed.deliver(t, in, r.zed.activity("Delete", r.zed.uri))
	if a, err := in.app.db.GetActorByURI(ctx, r.zed.uri); err != nil || a.DeletedAt.IsZero() {
		t.Fatalf("zed not recorded as deleted: %v", err)
	}
	// The admin blocks the spam host and the troll, with the admin command, while serving.
	for _, target := range []string{r.s.host, r.troll.uri} {
		if code, out := in.admin("block", "add", target); code != 0 {
			t.Fatalf("refuge block add %s: %d %s", target, code, out)
		}
	}
	eventually(t, federationWait, "the delivery queue empty", in.queueEmpty)
	return r
}

// create is a fresh, proper Create by a of a note addressed to alice.
func (r *hostileRig) create(a *peerActor) map[string]any {
	return a.activity("Create", a.note("a note for alice", r.alice), "to", []string{r.alice})
}

// storedNote is the note uri as stored, or nil.
func (r *hostileRig) storedNote(t *testing.T, uri string) *storage.Note {
	t.Helper()
	n, err := r.in.app.db.GetNoteByURI(context.Background(), uri)
	if storage.KindOf(err) == storage.NotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// replay signs a delivery of bodyA properly, then sends bodyB with the same headers; with
// newDigest the Digest header is recomputed for bodyB (the signature then covers the old one).
func (r *hostileRig) replay(t *testing.T, a *peerActor, bodyA, bodyB []byte, newDigest bool) answer {
	t.Helper()
	orig, _ := http.NewRequest(http.MethodPost, r.in.base+"/inbox", bytes.NewReader(bodyA))
	orig.Header.Set("Content-Type", httpx.ActivityJSON)
	signRequest(t, orig, bodyA, a.keyID, a.key, sig{})
	again, _ := http.NewRequest(http.MethodPost, r.in.base+"/inbox", bytes.NewReader(bodyB))
	again.Header = orig.Header.Clone()
	if newDigest {
		signed := again.Header.Get("Signature")
		signRequest(t, again, bodyB, a.keyID, a.key, sig{}) // for its Digest only
		again.Header.Set("Signature", signed)
	}
	return send1(t, again)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHostileSignatures: signatures and identity. Every delivery that is not provably from
// the actor it names is refused before anything is stored.
func TestHostileSignatures(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in, p := r.in, r.p
	post := func(a *peerActor, body any, o sig) func(t *testing.T) answer {
		return func(t *testing.T) answer { return a.post(t, in, "/users/alice/inbox", body, o) }
	}
	// An actor whose key names another owner; a key stub naming eve, whose key is another.
	liar := &peerActor{p: p, name: "liar", uri: p.base + "/users/liar", key: r.k1}
	liar.keyID = liar.uri + "#main-key"
	p.doc("/users/liar", actorDoc(liar.uri, "liar", liar.keyID, r.eve.uri, publicPEM(r.k1)))
	p.doc("/keys/stub", map[string]any{"id": p.base + "/keys/stub", "type": "Key", "owner": r.eve.uri,
		"publicKeyPem": publicPEM(r.k1)})
	// An account whose server answers 410 Gone.
	gone := &peerActor{p: p, name: "gone", uri: p.base + "/users/gone", key: r.k1}
	gone.keyID = gone.uri + "#main-key"
	p.route("/users/gone", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) })

	bodyA := mustJSON(t, r.create(r.eve))
	bodyB := mustJSON(t, r.create(r.eve))
	now := time.Now()
	rows := []hostileCase{
		{name: "no Signature header", send: post(r.eve, r.create(r.eve), sig{none: true}),
			status: 401, reason: "request is not signed"},
		{name: "unknown algorithm", send: post(r.eve, r.create(r.eve), sig{algorithm: "ed25519-blake3"}),
			status: 401, reason: "unsupported signature algorithm"},
		{name: "POST signed without digest", send: post(r.eve, r.create(r.eve), sig{headers: []string{"(request-target)", "host", "date"}}),
			status: 401, reason: "signature does not cover digest"},
		{name: "signed without host", send: post(r.eve, r.create(r.eve), sig{headers: []string{"(request-target)", "date", "digest"}}),
			status: 401, reason: "signature does not cover host"},
		{name: "signed without date", send: post(r.eve, r.create(r.eve), sig{headers: []string{"(request-target)", "host", "digest"}}),
			status: 401, reason: "signature does not cover date"},
		{name: "signed without request target", send: post(r.eve, r.create(r.eve), sig{headers: []string{"host", "date", "digest"}}),
			status: 401, reason: "signature does not cover (request-target)"},
		{name: "Digest that does not match the body", send: post(r.eve, r.create(r.eve), sig{digestOf: []byte(`{"other":"body"}`)}),
			status: 401, reason: "digest does not match body"},
		{name: "Date two hours old", send: post(r.eve, r.create(r.eve), sig{date: now.Add(-2 * time.Hour)}),
			status: 401, reason: "date out of window"},
		{name: "Date two hours ahead", send: post(r.eve, r.create(r.eve), sig{date: now.Add(2 * time.Hour)}),
			status: 401, reason: "date out of window"},
		{name: "valid signature replayed with another body", send: func(t *testing.T) answer { return r.replay(t, r.eve, bodyA, bodyB, false) },
			status: 401, reason: "digest does not match body"},
		{name: "valid signature replayed with another body and its digest", send: func(t *testing.T) answer { return r.replay(t, r.eve, bodyA, bodyB, true) },
			status: 401, reason: "signature verification failed"},
		{name: "signed by another key of the same host", send: post(r.eve, r.create(r.eve), sig{key: r.k2}),
			status: 401, reason: "signature verification failed"},
		{name: "keyId on another host than the actor", send: post(r.eve, r.create(r.eve), sig{keyID: r.carol.keyID, key: r.carol.key}),
			status: 401, reason: "is not on the actor's host"},
		{name: "key whose owner does not point back", send: post(liar, r.create(liar), sig{}),
			status: 401, reason: "has no key of its own"},
		{name: "key stub naming an owner whose key is another", send: post(r.eve, r.create(r.eve), sig{keyID: p.base + "/keys/stub"}),
			status: 401, reason: "is not the key of"},
		{name: "actor deleted at its origin (410)", send: post(gone, r.create(gone), sig{}),
			status: 401, reason: "the signer's account is gone"},
		{name: "Delete of itself by an account that is gone", send: post(gone, gone.activity("Delete", gone.uri), sig{}),
			status: 202},
		{name: "actor recorded as deleted, still served by its server", send: post(r.zed, r.create(r.zed), sig{}),
			status: 401, reason: "was deleted"},
		{name: "blocked host", send: post(r.spammer, r.create(r.spammer), sig{}),
			status: 403, reason: "blocked", check: func(t *testing.T, _ answer) {
				if n := r.s.totalHits(); n != 0 {
					t.Errorf("the blocked host was asked %d times", n)
				}
			}},
		{name: "blocked actor", send: post(r.troll, r.create(r.troll), sig{}),
			status: 403, reason: "blocked", check: func(t *testing.T, _ answer) {
				if n := p.hitsOf("/users/troll"); n != 0 {
					t.Errorf("the blocked actor was fetched %d times", n)
				}
			}},
		{name: "blocked actor signing for another", send: post(r.eve, r.create(r.eve), sig{keyID: r.troll.keyID, key: r.troll.key}),
			status: 403, reason: "blocked"},
		{name: "activity actor differing from the signer", send: post(r.eve, r.create(r.bob), sig{}),
			status: 401, reason: "is not the signer"},
		{name: "activity id on another host than its actor", send: func(t *testing.T) answer {
			act := r.create(r.eve)
			act["id"] = r.q.base + "/activities/1"
			return r.eve.post(t, in, "/inbox", act, sig{})
		}, status: 403, reason: "not on the actor's host"},
		{name: "a proper delivery is accepted", send: post(r.eve, r.create(r.eve), sig{}),
			status: 202, delta: map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1, "note_recipients": 1}},
		{name: "a public note addressed to a follower is in her feed once", send: func(t *testing.T) answer {
			note := r.eve.note("public, and for alice", r.publicTo...)
			note["cc"] = []string{r.alice}
			return r.eve.post(t, in, "/inbox", r.eve.activity("Create", note, "to", r.publicTo, "cc", []string{r.alice}), sig{})
		}, status: 202, delta: map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1}},
		{name: "the same delivery again is a no-op", send: func(t *testing.T) answer {
			act := r.create(r.eve)
			r.eve.post(t, in, "/inbox", act, sig{})
			return r.eve.post(t, in, "/users/alice/inbox", act, sig{})
		}, status: 202, delta: map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1, "note_recipients": 1}},
	}
	runHostile(t, in, rows)
}

// TestHostileOrigin: origin and ownership. Nobody speaks for another host or touches what
// another actor owns, and what is fetched must be what its URL says.
func TestHostileOrigin(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in, p, q := r.in, r.p, r.q
	deliver := func(a *peerActor, act map[string]any) func(t *testing.T) answer {
		return func(t *testing.T) answer { return a.post(t, in, "/inbox", act, sig{}) }
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	// Documents the origins serve.
	p.doc("/notes/liar", with(r.eve.note("served under another id", r.alice), "id", p.base+"/notes/other"))
	p.route("/notes/moved", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, q.base+"/notes/moved", http.StatusFound)
	})
	q.doc("/notes/moved", with(r.eve.note("moved", r.alice), "id", p.base+"/notes/moved"))
	p.route("/notes/html", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<html><body>{"id":"x"}</body></html>`)
	})
	p.doc("/notes/real", map[string]any{"id": p.base + "/notes/real", "type": "Note", "attributedTo": r.bob.uri,
		"content": "the real words", "to": r.publicTo})
	q.doc("/notes/fake", with(r.carol.note("fake", r.alice), "id", q.base+"/notes/not-fake", "to", r.publicTo))
	p.route("/.well-known/webfinger", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/jrd+json")
		io.WriteString(w, `{"subject":"acct:victim@`+p.host+`","links":[{"rel":"self","type":"application/activity+json","href":"`+r.carol.uri+`"}]}`)
	})

	rows := []hostileCase{
		{name: "Create of a Note attributed to another host",
			send:   deliver(r.eve, r.eve.activity("Create", with(r.eve.note("x", r.alice), "attributedTo", r.carol.uri), "to", []string{r.alice})),
			status: 403, reason: "attributed to"},
		{name: "Create of a Note attributed to another actor of the same host",
			send:   deliver(r.eve, r.eve.activity("Create", with(r.eve.note("x", r.alice), "attributedTo", r.bob.uri), "to", []string{r.alice})),
			status: 403, reason: "attributed to"},
		{name: "Create of a Note whose id is on another host",
			send:   deliver(r.eve, r.eve.activity("Create", with(r.eve.note("x", r.alice), "id", q.base+"/notes/1"), "to", []string{r.alice})),
			status: 403, reason: "not on the actor's host"},
		{name: "Create by link of a document whose id differs from the URL fetched",
			send: deliver(r.eve, r.eve.activity("Create", p.base+"/notes/liar")), status: 403, reason: "is not the URL it came from"},
		{name: "Create by link redirected to another host that claims the first",
			send: deliver(r.eve, r.eve.activity("Create", p.base+"/notes/moved")), status: 403, reason: "is not the URL it came from"},
		{name: "Create by link of a document served as text/html",
			send: deliver(r.eve, r.eve.activity("Create", p.base+"/notes/html")), status: 400, reason: "not an ActivityPub document"},
		{name: "Update of someone else's note",
			send: deliver(r.eve, r.eve.activity("Update", map[string]any{"id": r.bobNote, "type": "Note", "attributedTo": r.eve.uri,
				"content": "hijacked", "to": []string{r.alice}})),
			status: 403, reason: "only its author may update a note", check: func(t *testing.T, _ answer) {
				if n := r.storedNote(t, r.bobNote); n == nil || strings.Contains(n.Content, "hijacked") {
					t.Errorf("bob's note changed: %+v", n)
				}
			}},
		{name: "Update of a local note",
			send: deliver(r.eve, r.eve.activity("Update", map[string]any{"id": r.aliceNote, "type": "Note", "attributedTo": r.eve.uri,
				"content": "hijacked"})),
			status: 403, reason: "not on the actor's host"},
		{name: "Update of another actor's profile",
			send:   deliver(r.eve, r.eve.activity("Update", actorDoc(r.bob.uri, "bob", r.bob.keyID, r.bob.uri, publicPEM(r.k1)))),
			status: 403, reason: "may only update itself"},
		{name: "Delete of someone else's note", send: deliver(r.eve, r.eve.activity("Delete", r.bobNote)),
			status: 403, reason: "only its author may delete a note", check: func(t *testing.T, _ answer) {
				if n := r.storedNote(t, r.bobNote); n == nil || n.Deleted() {
					t.Errorf("bob's note was deleted")
				}
			}},
		{name: "Delete of a local note", send: deliver(r.eve, r.eve.activity("Delete", map[string]any{"id": r.aliceNote, "type": "Tombstone"})),
			status: 403, reason: "only its author may delete a note"},
		{name: "Undo of someone else's Follow",
			send:   deliver(r.eve, r.eve.activity("Undo", map[string]any{"id": r.bobFollow, "type": "Follow", "actor": r.bob.uri, "object": r.alice})),
			status: 403, reason: "only the follower may undo a follow", check: func(t *testing.T, _ answer) {
				if _, err := in.app.db.GetFollowByURI(context.Background(), r.bobFollow); err != nil {
					t.Errorf("bob's follow is gone: %v", err)
				}
			}},
		{name: "Undo of someone else's Follow named by id only", send: deliver(r.eve, r.eve.activity("Undo", r.bobFollow)),
			status: 403, reason: "only the follower may undo a follow"},
		{name: "Undo of someone else's Like",
			send:   deliver(r.eve, r.eve.activity("Undo", map[string]any{"id": r.bobLike, "type": "Like", "actor": r.bob.uri, "object": r.aliceNote})),
			status: 403, reason: "only its author may undo a Like"},
		{name: "Accept of a Follow we never sent", send: deliver(r.eve, r.eve.activity("Accept", p.base+"/follows/never")),
			status: 404, reason: "never sent"},
		{name: "Accept of a Follow sent to someone else", send: deliver(r.eve, r.eve.activity("Accept", r.aliceToCarol)),
			status: 403, reason: "only the account followed may answer", check: func(t *testing.T, _ answer) {
				if f, err := in.app.db.GetFollowByURI(context.Background(), r.aliceToCarol); err != nil || f.Accepted {
					t.Errorf("alice's follow of carol: %+v %v", f, err)
				}
			}},
		{name: "Reject of a Follow sent to someone else",
			send: deliver(r.eve, r.eve.activity("Reject", map[string]any{"id": r.aliceToCarol, "type": "Follow",
				"actor": r.alice, "object": r.carol.uri})),
			status: 403, reason: "only the account followed may answer"},
		{name: "Announce whose embedded object is forged",
			send: deliver(r.eve, r.eve.activity("Announce", map[string]any{"id": p.base + "/notes/real", "type": "Note",
				"attributedTo": r.bob.uri, "content": "FORGED words", "to": r.publicTo}, "to", r.publicTo)),
			status: 202, delta: map[string]int{"notes": 1, "activities": 1, "announces": 1, "feed": 1},
			check: func(t *testing.T, _ answer) {
				n := r.storedNote(t, p.base+"/notes/real")
				if n == nil || !strings.Contains(n.Content, "the real words") || strings.Contains(n.Content, "FORGED") {
					t.Errorf("stored %+v, want the origin's words", n)
				}
				if p.hitsOf("/notes/real") == 0 {
					t.Errorf("the announced note was not fetched from its origin")
				}
			}},
		{name: "Announce of a forged object its origin does not have",
			send: deliver(r.eve, r.eve.activity("Announce", map[string]any{"id": p.base + "/notes/never-written", "type": "Note",
				"attributedTo": r.bob.uri, "content": "FORGED", "to": r.publicTo}, "to", r.publicTo)),
			status: 404, reason: "could not fetch the announced note from its origin"},
		{name: "Announce of an object whose origin serves another id",
			send:   deliver(r.eve, r.eve.activity("Announce", q.base+"/notes/fake", "to", r.publicTo)),
			status: 403, reason: "could not fetch the announced note from its origin"},
		{name: "WebFinger whose self link points to another host's actor", send: func(t *testing.T) answer {
			req, _ := http.NewRequest(http.MethodGet, in.base+"/api/resolve?handle="+url.QueryEscape("@victim@"+p.host), nil)
			req.Header.Set("Authorization", "Bearer "+r.aliceToken)
			return send1(t, req)
		}, status: 403, reason: "webfinger self link points to another host"},
	}
	runHostile(t, in, rows)
}

// TestHostileBlocks: once the admin blocks a host, nothing of ours goes there: no delivery
// to a follower who lives there, no fetch of its actors, and no follow of them.
func TestHostileBlocks(t *testing.T) {
	t.Parallel()
	k1, _ := hostileKeys()
	in := startInstance(t)
	aliceToken, alice := in.account("alice", false)
	b := newPeer(t, "127.0.0.1:0", "")
	bea := b.actor("bea", k1)
	bea.deliver(t, in, bea.activity("Follow", alice))
	eventually(t, federationWait, "the Accept delivered to bea", func() bool { return in.queueEmpty() && b.postCount() == 1 })

	if code, out := in.admin("block", "add", b.host); code != 0 {
		t.Fatalf("block: %s", out)
	}
	hits := b.totalHits()
	in.postNote("alice", aliceToken, map[string]any{"content": "not for blocked eyes", "to": federation.PublicCollection})
	eventually(t, federationWait, "the delivery queue empty", in.queueEmpty)
	got := in.hostileDo(t, "POST", "/users/alice/outbox", aliceToken, map[string]any{"type": "Follow", "object": b.base + "/users/other"})
	if got.status != http.StatusForbidden || !strings.Contains(got.reason, "is blocked") {
		t.Errorf("follow of an actor on a blocked host: %v", got)
	}
	if n := b.totalHits() - hits; n != 0 {
		t.Errorf("the blocked host got %d requests after the block", n)
	}
}
