package server_test

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
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/storage"
)

// The hostile-network suite: every bad input refused, nothing lost, nobody let in. Each row
// sends one hostile thing to a real instance and checks the status, the reason given, and
// that no table gained or lost a row (hostile_helpers_test.go has the runner). Fake remote
// servers are the rig's peers (internal/testrig/peer), on loopback, misbehaving on purpose.

// hostileRig is an instance with alice, her public note, and a few remote actors in known
// relations with her, all on loopback peers:
//   - eve (peer p): alice follows her (accepted).
//   - bob (peer p): follows alice, sent alice a note, likes alice's note.
//   - carol (peer q): alice asked to follow her; carol never answered.
//   - zed (peer p): sent alice a note, then deleted his account; p still serves him.
//   - spammer (peer s, whose whole host is blocked) and troll (peer p, blocked by URI):
//     never fetched.
type hostileRig struct {
	in                    *testrig.Instance
	aliceToken, alice     string
	aliceNote             string
	p, q, s               *peer.Peer
	eve, bob, carol, zed  *peer.Actor
	spammer, troll        *peer.Actor
	k1, k2                *rsa.PrivateKey
	bobNote, bobFollow    string
	bobLike, aliceToCarol string
	aliceFollowsEve       string
	publicTo              []string
}

func newHostileRig(t *testing.T) *hostileRig {
	t.Helper()
	r := &hostileRig{}
	r.k1, r.k2 = peer.Keys()
	in := testrig.Start(t)
	r.in = in
	r.aliceToken, r.alice = in.Account("alice", false)
	r.publicTo = []string{federation.PublicCollection}
	r.aliceNote = in.PostNote("alice", r.aliceToken, map[string]any{"content": "hello from alice", "to": r.publicTo})
	r.p, r.q, r.s = peer.New(t, "127.0.0.1:0", ""), peer.New(t, "127.0.0.1:0", ""), peer.New(t, "127.0.0.1:0", "")
	r.eve, r.bob, r.zed = r.p.Actor("eve", r.k1), r.p.Actor("bob", r.k2), r.p.Actor("zed", r.k1)
	r.carol, r.spammer, r.troll = r.q.Actor("carol", r.k2), r.s.Actor("spammer", r.k1), r.p.Actor("troll", r.k2)
	ctx := context.Background()

	// alice follows eve, and eve accepts.
	r.aliceFollowsEve = in.C2S("alice", r.aliceToken, map[string]any{"type": "Follow", "object": r.eve.URI})
	r.eve.Deliver(t, in.Base+"/inbox", r.eve.Activity("Accept", r.aliceFollowsEve))
	if f, err := in.App.DB().GetFollowByURI(ctx, r.aliceFollowsEve); err != nil || !f.Accepted {
		t.Fatalf("alice's follow of eve: %+v %v", f, err)
	}
	// bob follows alice, writes to her and likes her note.
	follow := r.bob.Activity("Follow", r.alice)
	r.bob.Deliver(t, in.Base+"/inbox", follow)
	r.bobFollow = follow["id"].(string)
	note := r.bob.Note("bob's own words", r.alice)
	r.bobNote = note["id"].(string)
	r.bob.Deliver(t, in.Base+"/inbox", r.bob.Activity("Create", note, "to", []string{r.alice}))
	like := r.bob.Activity("Like", r.aliceNote)
	r.bob.Deliver(t, in.Base+"/inbox", like)
	r.bobLike = like["id"].(string)
	// alice asks carol; carol never answers.
	r.aliceToCarol = in.C2S("alice", r.aliceToken, map[string]any{"type": "Follow", "object": r.carol.URI})
	// zed writes, then deletes his account; his server keeps serving the old document.
	r.zed.Deliver(t, in.Base+"/inbox", r.zed.Activity("Create", r.zed.Note("zed was here", r.alice), "to", []string{r.alice}))
	r.zed.Deliver(t, in.Base+"/inbox", r.zed.Activity("Delete", r.zed.URI))
	if a, err := in.App.DB().GetActorByURI(ctx, r.zed.URI); err != nil || a.DeletedAt.IsZero() {
		t.Fatalf("zed not recorded as deleted: %v", err)
	}
	// The admin blocks the spam host and the troll, with the admin command, while serving.
	for _, target := range []string{r.s.Host, r.troll.URI} {
		if code, out := in.Admin("block", "add", target); code != 0 {
			t.Fatalf("refuge block add %s: %d %s", target, code, out)
		}
	}
	testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)
	return r
}

// create is a fresh, proper Create by a of a note addressed to alice.
func (r *hostileRig) create(a *peer.Actor) map[string]any {
	return a.Activity("Create", a.Note("a note for alice", r.alice), "to", []string{r.alice})
}

// storedNote is the note uri as stored, or nil.
func (r *hostileRig) storedNote(t *testing.T, uri string) *storage.Note {
	t.Helper()
	n, err := r.in.App.DB().GetNoteByURI(context.Background(), uri)
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
func (r *hostileRig) replay(t *testing.T, a *peer.Actor, bodyA, bodyB []byte, newDigest bool) peer.Answer {
	t.Helper()
	orig, err := peer.SignedPost(r.in.Base+"/inbox", bodyA, a.KeyID, a.Key, peer.Sig{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := http.NewRequest(http.MethodPost, r.in.Base+"/inbox", bytes.NewReader(bodyB))
	again.Header = orig.Header.Clone()
	if newDigest {
		again.Header.Set("Digest", peer.Digest(bodyB)) // the signature still covers the old one
	}
	return peer.Send(t, again)
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
	post := func(a *peer.Actor, body any, o peer.Sig) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return a.Post(t, in.Base+"/users/alice/inbox", body, o) }
	}
	// An actor whose key names another owner; a key stub naming eve, whose key is another.
	liar := &peer.Actor{Peer: p, Name: "liar", URI: p.Base + "/users/liar", Key: r.k1}
	liar.KeyID = liar.URI + "#main-key"
	p.Doc("/users/liar", peer.ActorDoc(liar.URI, "liar", liar.KeyID, r.eve.URI, peer.PublicPEM(r.k1)))
	p.Doc("/keys/stub", map[string]any{"id": p.Base + "/keys/stub", "type": "Key", "owner": r.eve.URI,
		"publicKeyPem": peer.PublicPEM(r.k1)})
	// An account whose server answers 410 Gone.
	gone := &peer.Actor{Peer: p, Name: "gone", URI: p.Base + "/users/gone", Key: r.k1}
	gone.KeyID = gone.URI + "#main-key"
	p.Route("/users/gone", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) })

	bodyA := mustJSON(t, r.create(r.eve))
	bodyB := mustJSON(t, r.create(r.eve))
	now := time.Now()
	rows := []hostileCase{
		{name: "no Signature header", send: post(r.eve, r.create(r.eve), peer.Sig{None: true}),
			status: 401, reason: "request is not signed"},
		{name: "unknown algorithm", send: post(r.eve, r.create(r.eve), peer.Sig{Algorithm: "ed25519-blake3"}),
			status: 401, reason: "unsupported signature algorithm"},
		{name: "POST signed without digest", send: post(r.eve, r.create(r.eve), peer.Sig{Headers: []string{"(request-target)", "host", "date"}}),
			status: 401, reason: "signature does not cover digest"},
		{name: "signed without host", send: post(r.eve, r.create(r.eve), peer.Sig{Headers: []string{"(request-target)", "date", "digest"}}),
			status: 401, reason: "signature does not cover host"},
		{name: "signed without date", send: post(r.eve, r.create(r.eve), peer.Sig{Headers: []string{"(request-target)", "host", "digest"}}),
			status: 401, reason: "signature does not cover date"},
		{name: "signed without request target", send: post(r.eve, r.create(r.eve), peer.Sig{Headers: []string{"host", "date", "digest"}}),
			status: 401, reason: "signature does not cover (request-target)"},
		{name: "Digest that does not match the body", send: post(r.eve, r.create(r.eve), peer.Sig{DigestOf: []byte(`{"other":"body"}`)}),
			status: 401, reason: "digest does not match body"},
		{name: "Date two hours old", send: post(r.eve, r.create(r.eve), peer.Sig{Date: now.Add(-2 * time.Hour)}),
			status: 401, reason: "date out of window"},
		{name: "Date two hours ahead", send: post(r.eve, r.create(r.eve), peer.Sig{Date: now.Add(2 * time.Hour)}),
			status: 401, reason: "date out of window"},
		{name: "valid signature replayed with another body", send: func(t *testing.T) peer.Answer { return r.replay(t, r.eve, bodyA, bodyB, false) },
			status: 401, reason: "digest does not match body"},
		{name: "valid signature replayed with another body and its digest", send: func(t *testing.T) peer.Answer { return r.replay(t, r.eve, bodyA, bodyB, true) },
			status: 401, reason: "signature verification failed"},
		{name: "signed by another key of the same host", send: post(r.eve, r.create(r.eve), peer.Sig{Key: r.k2}),
			status: 401, reason: "signature verification failed"},
		{name: "keyId on another host than the actor", send: post(r.eve, r.create(r.eve), peer.Sig{KeyID: r.carol.KeyID, Key: r.carol.Key}),
			status: 401, reason: "is not on the actor's host"},
		{name: "key whose owner does not point back", send: post(liar, r.create(liar), peer.Sig{}),
			status: 401, reason: "has no key of its own"},
		{name: "key stub naming an owner whose key is another", send: post(r.eve, r.create(r.eve), peer.Sig{KeyID: p.Base + "/keys/stub"}),
			status: 401, reason: "is not the key of"},
		{name: "actor deleted at its origin (410)", send: post(gone, r.create(gone), peer.Sig{}),
			status: 401, reason: "the signer's account is gone"},
		{name: "Delete of itself by an account that is gone", send: post(gone, gone.Activity("Delete", gone.URI), peer.Sig{}),
			status: 202},
		{name: "actor recorded as deleted, still served by its server", send: post(r.zed, r.create(r.zed), peer.Sig{}),
			status: 401, reason: "was deleted"},
		{name: "blocked host", send: post(r.spammer, r.create(r.spammer), peer.Sig{}),
			status: 403, reason: "blocked", check: func(t *testing.T, _ peer.Answer) {
				if n := r.s.TotalHits(); n != 0 {
					t.Errorf("the blocked host was asked %d times", n)
				}
			}},
		{name: "blocked actor", send: post(r.troll, r.create(r.troll), peer.Sig{}),
			status: 403, reason: "blocked", check: func(t *testing.T, _ peer.Answer) {
				if n := p.Hits("/users/troll"); n != 0 {
					t.Errorf("the blocked actor was fetched %d times", n)
				}
			}},
		{name: "blocked actor signing for another", send: post(r.eve, r.create(r.eve), peer.Sig{KeyID: r.troll.KeyID, Key: r.troll.Key}),
			status: 403, reason: "blocked"},
		{name: "activity actor differing from the signer", send: post(r.eve, r.create(r.bob), peer.Sig{}),
			status: 401, reason: "is not the signer"},
		{name: "activity id on another host than its actor", send: func(t *testing.T) peer.Answer {
			act := r.create(r.eve)
			act["id"] = r.q.Base + "/activities/1"
			return r.eve.Post(t, in.Base+"/inbox", act, peer.Sig{})
		}, status: 403, reason: "not on the actor's host"},
		{name: "a proper delivery is accepted", send: post(r.eve, r.create(r.eve), peer.Sig{}),
			status: 202, delta: map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1, "note_recipients": 1}},
		{name: "a public note addressed to a follower is in her feed once", send: func(t *testing.T) peer.Answer {
			note := r.eve.Note("public, and for alice", r.publicTo...)
			note["cc"] = []string{r.alice}
			return r.eve.Post(t, in.Base+"/inbox", r.eve.Activity("Create", note, "to", r.publicTo, "cc", []string{r.alice}), peer.Sig{})
		}, status: 202, delta: map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1}},
		{name: "the same delivery again is a no-op", send: func(t *testing.T) peer.Answer {
			act := r.create(r.eve)
			r.eve.Post(t, in.Base+"/inbox", act, peer.Sig{})
			return r.eve.Post(t, in.Base+"/users/alice/inbox", act, peer.Sig{})
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
	deliver := func(a *peer.Actor, act map[string]any) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return a.Post(t, in.Base+"/inbox", act, peer.Sig{}) }
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	// Documents the origins serve.
	p.Doc("/notes/liar", with(r.eve.Note("served under another id", r.alice), "id", p.Base+"/notes/other"))
	p.Route("/notes/moved", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, q.Base+"/notes/moved", http.StatusFound)
	})
	q.Doc("/notes/moved", with(r.eve.Note("moved", r.alice), "id", p.Base+"/notes/moved"))
	p.Route("/notes/html", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<html><body>{"id":"x"}</body></html>`)
	})
	p.Doc("/notes/real", map[string]any{"id": p.Base + "/notes/real", "type": "Note", "attributedTo": r.bob.URI,
		"content": "the real words", "to": r.publicTo})
	q.Doc("/notes/fake", with(r.carol.Note("fake", r.alice), "id", q.Base+"/notes/not-fake", "to", r.publicTo))
	p.Route("/.well-known/webfinger", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/jrd+json")
		io.WriteString(w, `{"subject":"acct:victim@`+p.Host+`","links":[{"rel":"self","type":"application/activity+json","href":"`+r.carol.URI+`"}]}`)
	})

	rows := []hostileCase{
		{name: "Create of a Note attributed to another host",
			send:   deliver(r.eve, r.eve.Activity("Create", with(r.eve.Note("x", r.alice), "attributedTo", r.carol.URI), "to", []string{r.alice})),
			status: 403, reason: "attributed to"},
		{name: "Create of a Note attributed to another actor of the same host",
			send:   deliver(r.eve, r.eve.Activity("Create", with(r.eve.Note("x", r.alice), "attributedTo", r.bob.URI), "to", []string{r.alice})),
			status: 403, reason: "attributed to"},
		{name: "Create of a Note whose id is on another host",
			send:   deliver(r.eve, r.eve.Activity("Create", with(r.eve.Note("x", r.alice), "id", q.Base+"/notes/1"), "to", []string{r.alice})),
			status: 403, reason: "not on the actor's host"},
		{name: "Create by link of a document whose id differs from the URL fetched",
			send: deliver(r.eve, r.eve.Activity("Create", p.Base+"/notes/liar")), status: 403, reason: "is not the URL it came from"},
		{name: "Create by link redirected to another host that claims the first",
			send: deliver(r.eve, r.eve.Activity("Create", p.Base+"/notes/moved")), status: 403, reason: "is not the URL it came from"},
		{name: "Create by link of a document served as text/html",
			send: deliver(r.eve, r.eve.Activity("Create", p.Base+"/notes/html")), status: 400, reason: "not an ActivityPub document"},
		{name: "Update of someone else's note",
			send: deliver(r.eve, r.eve.Activity("Update", map[string]any{"id": r.bobNote, "type": "Note", "attributedTo": r.eve.URI,
				"content": "hijacked", "to": []string{r.alice}})),
			status: 403, reason: "only its author may update a note", check: func(t *testing.T, _ peer.Answer) {
				if n := r.storedNote(t, r.bobNote); n == nil || strings.Contains(n.Content, "hijacked") {
					t.Errorf("bob's note changed: %+v", n)
				}
			}},
		{name: "Update of a local note",
			send: deliver(r.eve, r.eve.Activity("Update", map[string]any{"id": r.aliceNote, "type": "Note", "attributedTo": r.eve.URI,
				"content": "hijacked"})),
			status: 403, reason: "not on the actor's host"},
		{name: "Update of another actor's profile",
			send:   deliver(r.eve, r.eve.Activity("Update", peer.ActorDoc(r.bob.URI, "bob", r.bob.KeyID, r.bob.URI, peer.PublicPEM(r.k1)))),
			status: 403, reason: "may only update itself"},
		{name: "Delete of someone else's note", send: deliver(r.eve, r.eve.Activity("Delete", r.bobNote)),
			status: 403, reason: "only its author may delete a note", check: func(t *testing.T, _ peer.Answer) {
				if n := r.storedNote(t, r.bobNote); n == nil || n.Deleted() {
					t.Errorf("bob's note was deleted")
				}
			}},
		{name: "Delete of a local note", send: deliver(r.eve, r.eve.Activity("Delete", map[string]any{"id": r.aliceNote, "type": "Tombstone"})),
			status: 403, reason: "only its author may delete a note"},
		{name: "Undo of someone else's Follow",
			send:   deliver(r.eve, r.eve.Activity("Undo", map[string]any{"id": r.bobFollow, "type": "Follow", "actor": r.bob.URI, "object": r.alice})),
			status: 403, reason: "only the follower may undo a follow", check: func(t *testing.T, _ peer.Answer) {
				if _, err := in.App.DB().GetFollowByURI(context.Background(), r.bobFollow); err != nil {
					t.Errorf("bob's follow is gone: %v", err)
				}
			}},
		{name: "Undo of someone else's Follow named by id only", send: deliver(r.eve, r.eve.Activity("Undo", r.bobFollow)),
			status: 403, reason: "only the follower may undo a follow"},
		{name: "Undo of someone else's Like",
			send:   deliver(r.eve, r.eve.Activity("Undo", map[string]any{"id": r.bobLike, "type": "Like", "actor": r.bob.URI, "object": r.aliceNote})),
			status: 403, reason: "only its author may undo a Like"},
		{name: "Accept of a Follow we never sent", send: deliver(r.eve, r.eve.Activity("Accept", p.Base+"/follows/never")),
			status: 404, reason: "never sent"},
		{name: "Accept of a Follow sent to someone else", send: deliver(r.eve, r.eve.Activity("Accept", r.aliceToCarol)),
			status: 403, reason: "only the account followed may answer", check: func(t *testing.T, _ peer.Answer) {
				if f, err := in.App.DB().GetFollowByURI(context.Background(), r.aliceToCarol); err != nil || f.Accepted {
					t.Errorf("alice's follow of carol: %+v %v", f, err)
				}
			}},
		{name: "Reject of a Follow sent to someone else",
			send: deliver(r.eve, r.eve.Activity("Reject", map[string]any{"id": r.aliceToCarol, "type": "Follow",
				"actor": r.alice, "object": r.carol.URI})),
			status: 403, reason: "only the account followed may answer"},
		{name: "Announce whose embedded object is forged",
			send: deliver(r.eve, r.eve.Activity("Announce", map[string]any{"id": p.Base + "/notes/real", "type": "Note",
				"attributedTo": r.bob.URI, "content": "FORGED words", "to": r.publicTo}, "to", r.publicTo)),
			status: 202, delta: map[string]int{"notes": 1, "activities": 1, "announces": 1, "feed": 1},
			check: func(t *testing.T, _ peer.Answer) {
				n := r.storedNote(t, p.Base+"/notes/real")
				if n == nil || !strings.Contains(n.Content, "the real words") || strings.Contains(n.Content, "FORGED") {
					t.Errorf("stored %+v, want the origin's words", n)
				}
				if p.Hits("/notes/real") == 0 {
					t.Errorf("the announced note was not fetched from its origin")
				}
			}},
		{name: "Announce of a forged object its origin does not have",
			send: deliver(r.eve, r.eve.Activity("Announce", map[string]any{"id": p.Base + "/notes/never-written", "type": "Note",
				"attributedTo": r.bob.URI, "content": "FORGED", "to": r.publicTo}, "to", r.publicTo)),
			status: 404, reason: "could not fetch the announced note from its origin"},
		{name: "Announce of an object whose origin serves another id",
			send:   deliver(r.eve, r.eve.Activity("Announce", q.Base+"/notes/fake", "to", r.publicTo)),
			status: 403, reason: "could not fetch the announced note from its origin"},
		{name: "WebFinger whose self link points to another host's actor", send: func(t *testing.T) peer.Answer {
			req, _ := http.NewRequest(http.MethodGet, in.Base+"/api/resolve?handle="+url.QueryEscape("@victim@"+p.Host), nil)
			req.Header.Set("Authorization", "Bearer "+r.aliceToken)
			return peer.Send(t, req)
		}, status: 403, reason: "webfinger self link points to another host"},
	}
	runHostile(t, in, rows)
}

// TestHostileBlocks: once the admin blocks a host, nothing of ours goes there: no delivery
// to a follower who lives there, no fetch of its actors, and no follow of them.
func TestHostileBlocks(t *testing.T) {
	t.Parallel()
	k1, _ := peer.Keys()
	in := testrig.Start(t)
	aliceToken, alice := in.Account("alice", false)
	b := peer.New(t, "127.0.0.1:0", "")
	bea := b.Actor("bea", k1)
	bea.Deliver(t, in.Base+"/inbox", bea.Activity("Follow", alice))
	testrig.Eventually(t, testrig.FederationWait, "the Accept delivered to bea", func() bool { return in.QueueEmpty() && b.Posts() == 1 })

	if code, out := in.Admin("block", "add", b.Host); code != 0 {
		t.Fatalf("block: %s", out)
	}
	hits := b.TotalHits()
	in.PostNote("alice", aliceToken, map[string]any{"content": "not for blocked eyes", "to": federation.PublicCollection})
	testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)
	got := hostileDo(t, in, "POST", "/users/alice/outbox", aliceToken, map[string]any{"type": "Follow", "object": b.Base + "/users/other"})
	if got.Status != http.StatusForbidden || !strings.Contains(got.Reason, "is blocked") {
		t.Errorf("follow of an actor on a blocked host: %v", got)
	}
	if n := b.TotalHits() - hits; n != 0 {
		t.Errorf("the blocked host got %d requests after the block", n)
	}
}
