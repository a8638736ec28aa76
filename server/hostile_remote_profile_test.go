package server_test

import (
	"strings"
	"testing"
	"time"

	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
)

// TestHostileRemoteProfile: a remote account's page here never waits on its server, and
// what its outbox says is only a list of posts to ask for. The post an outbox embeds is
// stored as its own id serves it, not as embedded; a post on another host, a boost, a bare
// link and a post whose own id says it is not public are not stored; an outbox that stalls
// holds no view and is asked once however often the page is viewed; a blocked server is
// asked nothing, not even WebFinger.
func TestHostileRemoteProfile(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in, p, q := r.in, r.p, r.q
	alice := webSignIn(t, in, "alice")

	// eve's outbox: its first page on her host, listing what it should and what it should not.
	real := r.eve.Note("the real words", r.publicTo...)
	p.Doc(strings.TrimPrefix(real["id"].(string), p.Base), real)
	lie := map[string]any{}
	for k, v := range real {
		lie[k] = v
	}
	lie["content"] = "an embedded lie"
	private := r.eve.Note("for her followers only", r.eve.URI+"/followers")
	p.Doc(strings.TrimPrefix(private["id"].(string), p.Base), private)
	claimsPublic := map[string]any{}
	for k, v := range private {
		claimsPublic[k] = v
	}
	claimsPublic["to"] = r.publicTo
	elsewhere := map[string]any{"id": q.Base + "/notes/elsewhere", "type": "Note", "attributedTo": r.eve.URI,
		"content": "from another host", "to": r.publicTo}
	pagePath := "/users/eve/outbox/first"
	p.Doc("/users/eve/outbox", map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": r.eve.URI + "/outbox",
		"type": "OrderedCollection", "totalItems": 5, "first": p.Base + pagePath})
	p.Doc(pagePath, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": p.Base + pagePath,
		"type": "OrderedCollectionPage", "partOf": r.eve.URI + "/outbox", "orderedItems": []any{
			r.eve.Activity("Create", lie, "to", r.publicTo),
			r.eve.Activity("Create", claimsPublic, "to", r.publicTo),
			r.eve.Activity("Create", elsewhere, "to", r.publicTo),
			r.eve.Activity("Announce", r.aliceNote, "to", r.publicTo),
			p.Base + "/notes/a-bare-link",
		}})
	evePage := uris.RemoteProfile("eve", p.Host)

	// bob's outbox stalls.
	stallRoute(p, "/users/bob/outbox", nil)
	bobPage := uris.RemoteProfile("bob", p.Host)

	signedIn := func(path string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return getPage(t, in, path, alice.cookie) }
	}
	viewsFor := func(path string, d time.Duration) func(t *testing.T) peer.Answer {
		return viewRepeatedlyAs(in, path, alice.cookie, d)
	}
	rows := []hostileCase{
		{name: "an outbox's posts arrive as their own ids serve them, and only the public ones of its own host", send: func(t *testing.T) peer.Answer {
			var got peer.Answer
			testrig.Eventually(t, testrig.FederationWait, "eve's post on her page here", func() bool {
				got = signedIn(evePage)(t)
				return strings.Contains(string(got.Body), "the real words")
			})
			return got
		}, status: 200, delta: map[string]int{"notes": 1}, within: testrig.FederationWait, check: func(t *testing.T, got peer.Answer) {
			for _, bad := range []string{"an embedded lie", "for her followers only", "from another host"} {
				if strings.Contains(string(got.Body), bad) {
					t.Errorf("the page shows %q", bad)
				}
			}
			if n := q.Hits("/notes/elsewhere"); n != 0 {
				t.Errorf("the host of a post another outbox named was asked %d times", n)
			}
			if n := p.Hits("/notes/a-bare-link"); n != 0 {
				t.Errorf("a bare link in the outbox was fetched %d times", n)
			}
		}},
		{name: "views of the page for a second read the outbox no more", send: viewsFor(evePage, time.Second), status: 200,
			within: 3 * time.Second, check: askedAtMost(p, "/users/eve/outbox", 1)},
		{name: "views of a page whose outbox stalls answer at once and ask it once", send: viewsFor(bobPage, 2*time.Second), status: 200,
			within: 4 * time.Second, check: askedAtMost(p, "/users/bob/outbox", 1)},
		{name: "an account on a blocked server is not looked up there", send: signedIn(uris.RemoteProfile("spammer", r.s.Host)),
			status: 404, reason: "blocked", check: func(t *testing.T, _ peer.Answer) {
				if n := r.s.TotalHits(); n != 0 {
					t.Errorf("the blocked server was asked %d times", n)
				}
			}},
	}
	runHostile(t, in, rows)
}
