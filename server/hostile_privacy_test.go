package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"refuge/federation"
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
	"refuge/server/httpx"
)

// The hostile suite for privacy and the web: who may read which ActivityPub answer
// (authorized fetch, activities about notes not everyone may read), what counts a viewer is
// shown, where a form or sign-in may send a browser, how hosts in remote URLs are compared,
// and which credentials the API takes.

// asker is who sends a GET: a remote actor signing it, a bearer token, a session cookie,
// or nobody (the zero value).
type asker struct {
	actor  *peer.Actor
	token  string
	cookie string
}

// fetchAs GETs path (or a whole URL) from in as who, with accept as the Accept header (""
// sends none: Go's client adds no default).
func fetchAs(t *testing.T, in *testrig.Instance, path, accept string, who asker) peer.Answer {
	t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = in.Base + path
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if who.token != "" {
		req.Header.Set("Authorization", "Bearer "+who.token)
	}
	if who.cookie != "" {
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: who.cookie})
	}
	if who.actor != nil {
		// Signed as Mastodon signs a fetch: (request-target), host and date.
		if err := peer.Sign(req, nil, who.actor.KeyID, who.actor.Key, peer.Sig{Headers: []string{"(request-target)", "host", "date"}}); err != nil {
			t.Fatal(err)
		}
	}
	return peer.Send(t, req)
}

// get is a row's send: fetchAs with its arguments fixed.
func get(in *testrig.Instance, path, accept string, who asker) func(t *testing.T) peer.Answer {
	return func(t *testing.T) peer.Answer { return fetchAs(t, in, path, accept, who) }
}

// isHTML checks that an answer is a web page, not a JSON document.
func isHTML(t *testing.T, got peer.Answer) {
	t.Helper()
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want a web page", ct)
	}
}

// lacks fails a row whose answer contains any of secrets.
func lacks(secrets ...string) func(t *testing.T, got peer.Answer) {
	return func(t *testing.T, got peer.Answer) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(string(got.Body), s) {
				t.Errorf("the answer reveals %q", s)
			}
		}
	}
}

// TestHostileAuthorizedFetch: with --authorized-fetch every JSON answer at an ActivityPub
// address needs a signature (or a local account), whatever the request says it accepts:
// none, */*, application/json, text/html where there is no page. Pages for browsers, the
// discovery documents and the instance actor stay open.
func TestHostileAuthorizedFetch(t *testing.T) {
	t.Parallel()
	k1, k2 := peer.Keys()
	in := testrig.Start(t, func(c *server.Config) { c.AuthorizedFetch = true })
	aliceToken, _ := in.Account("alice", false)
	note := in.PostNote("alice", aliceToken, map[string]any{"content": "for signed readers", "to": federation.PublicCollection})
	p := peer.New(t, "127.0.0.1:0", "")
	eve := p.Actor("eve", k1)
	follow := in.C2S("alice", aliceToken, map[string]any{"type": "Follow", "object": eve.URI})
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Accept", follow))
	like := in.C2S("alice", aliceToken, map[string]any{"type": "Like", "object": note})
	undo := in.C2S("alice", aliceToken, map[string]any{"type": "Undo", "object": like})
	if status, body, _ := in.Do("POST", "/users/alice/outbox", aliceToken, map[string]any{"type": "Like", "object": note}); status != http.StatusCreated {
		t.Fatalf("like again: %d %s", status, body)
	}
	if err := in.App.Outbox().Pin(t.Context(), in.LocalActor("alice"), note, true); err != nil {
		t.Fatal(err)
	}
	fetchAs(t, in, "/users/alice", httpx.ActivityJSON, asker{actor: eve}) // eve is known before the rows
	testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)
	path := func(uri string) string { return strings.TrimPrefix(uri, in.Base) }

	// Every JSON answer of an ActivityPub address, each asked in every way that does not
	// say "ActivityPub".
	documents := []struct{ what, path string }{
		{"outbox", "/users/alice/outbox"},
		{"outbox page", "/users/alice/outbox?page=true"},
		{"followers", "/users/alice/followers"},
		{"followers page", "/users/alice/followers?page=true"},
		{"following", "/users/alice/following"},
		{"following page", "/users/alice/following?page=true"},
		{"featured", "/users/alice/collections/featured"},
		{"replies", path(note) + "/replies"},
		{"a note's Create", path(note) + "/activity"},
		{"a Follow", path(follow)},
		{"a Like", path(like)},
		{"an Undo", path(undo)},
		{"the instance actor's outbox", "/actor/outbox"},
	}
	accepts := []struct{ what, accept string }{
		{"no Accept", ""},
		{"Accept */*", "*/*"},
		{"Accept application/json", "application/json"},
		{"Accept application/*", "application/*"},
		{"Accept text/plain", "text/plain"},
		{"Accept a malformed type", "application/activity+json;;;"},
		{"Accept ld+json of another profile", `application/ld+json; profile="https://example.org/other"`},
	}
	var rows []hostileCase
	for _, d := range documents {
		for _, a := range accepts {
			rows = append(rows, hostileCase{name: "unsigned " + d.what + " with " + a.what + " is refused",
				send: get(in, d.path, a.accept, asker{}), status: 401, reason: "signed requests"})
		}
	}
	// text/html where no page answers: the JSON still needs a signature.
	for _, d := range []string{"/users/alice/outbox", "/users/alice/collections/featured", path(note) + "/replies",
		path(note) + "/activity", path(like), path(undo), "/actor/outbox"} {
		rows = append(rows, hostileCase{name: "unsigned " + d + " asked as text/html is refused",
			send: get(in, d, "text/html,application/xhtml+xml,*/*;q=0.8", asker{}), status: 401, reason: "signed requests"})
	}
	rows = append(rows,
		hostileCase{name: "unsigned actor as ActivityPub is refused", send: get(in, "/users/alice", httpx.ActivityJSON, asker{}),
			status: 401, reason: "signed requests"},
		hostileCase{name: "unsigned note as ld+json is refused", send: get(in, path(note), `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, asker{}),
			status: 401, reason: "signed requests"},
		// What stays open: pages for browsers, discovery, the instance actor and its key.
		hostileCase{name: "actor address with no Accept is the profile page", send: get(in, "/users/alice", "", asker{}),
			status: 200, check: isHTML},
		hostileCase{name: "note address with no Accept is the note page", send: get(in, path(note), "", asker{}),
			status: 200, check: isHTML},
		hostileCase{name: "followers page for a browser stays open", send: get(in, "/users/alice/followers", "text/html", asker{}),
			status: 200, check: isHTML},
		hostileCase{name: "profile page stays open", send: get(in, "/@alice", "text/html", asker{}), status: 200, check: isHTML},
		hostileCase{name: "webfinger stays open", send: get(in, "/.well-known/webfinger?resource=acct:alice@"+in.Cfg.Domain, "", asker{}), status: 200},
		hostileCase{name: "host-meta stays open", send: get(in, "/.well-known/host-meta", "", asker{}), status: 200},
		hostileCase{name: "nodeinfo stays open", send: get(in, "/nodeinfo/2.0", "", asker{}), status: 200},
		hostileCase{name: "instance actor stays open", send: get(in, "/actor", httpx.ActivityJSON, asker{}), status: 200},
		hostileCase{name: "instance actor with no Accept stays open", send: get(in, "/actor", "", asker{}), status: 200},
		// Signed, or by the account itself, everything answers.
		hostileCase{name: "signed outbox with no Accept", send: get(in, "/users/alice/outbox", "", asker{actor: eve}), status: 200},
		hostileCase{name: "signed Like with no Accept", send: get(in, path(like), "", asker{actor: eve}), status: 200},
		hostileCase{name: "outbox read by its owner's token", send: get(in, "/users/alice/outbox", "", asker{token: aliceToken}), status: 200},
		hostileCase{name: "an unverifiable signature is refused", send: func(t *testing.T) peer.Answer {
			forger := &peer.Actor{Peer: p, URI: eve.URI, KeyID: eve.KeyID, Key: k2}
			return fetchAs(t, in, "/users/alice/outbox", "", asker{actor: forger})
		}, status: 401},
	)
	runHostile(t, in, rows)
}

// TestHostileCountsAndActivities: a count shown to a viewer counts only what anyone may
// read; an activity about a note is served only to those who may read the note; the API
// takes bearer tokens only.
func TestHostileCountsAndActivities(t *testing.T) {
	t.Parallel()
	k1, k2 := peer.Keys()
	in := testrig.Start(t)
	aliceToken, alice := in.Account("alice", false)
	bobToken, bob := in.Account("bob", false)
	in.Account("carol", false) // a stranger
	p, q := peer.New(t, "127.0.0.1:0", ""), peer.New(t, "127.0.0.1:0", "")
	eve, fred, mallory := p.Actor("eve", k1), p.Actor("fred", k2), q.Actor("mallory", k1)
	public := []string{federation.PublicCollection}

	// alice follows bob (local) and eve (remote); fred (remote) follows bob.
	in.C2S("alice", aliceToken, map[string]any{"type": "Follow", "object": bob})
	followEve := in.C2S("alice", aliceToken, map[string]any{"type": "Follow", "object": eve.URI})
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Accept", followEve))
	fred.Deliver(t, in.Base+"/inbox", fred.Activity("Follow", bob))

	// bob's public note, answered by alice in each of the four audiences.
	bobNote := in.PostNote("bob", bobToken, map[string]any{"content": "what do you think?", "to": public})
	in.PostNote("alice", aliceToken, map[string]any{"content": "public answer", "to": public, "inReplyTo": bobNote})
	in.PostNote("alice", aliceToken, map[string]any{"content": "unlisted answer", "to": alice + "/followers", "cc": public, "inReplyTo": bobNote})
	in.PostNote("alice", aliceToken, map[string]any{"content": "SECRET-FOLLOWERS answer", "to": alice + "/followers", "inReplyTo": bobNote})
	in.PostNote("alice", aliceToken, map[string]any{"content": "@bob SECRET-DIRECT answer", "to": bob, "inReplyTo": bobNote})

	// What alice does about notes not everyone may read.
	bobPrivate := in.PostNote("bob", bobToken, map[string]any{"content": "SECRET for bob's followers", "to": bob + "/followers"})
	likePrivate := in.C2S("alice", aliceToken, map[string]any{"type": "Like", "object": bobPrivate})
	undoPrivate := in.C2S("alice", aliceToken, map[string]any{"type": "Undo", "object": likePrivate})
	eveNote := eve.Note("SECRET for eve's followers", eve.URI+"/followers")
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Create", eveNote, "to", []string{eve.URI + "/followers"}))
	likeEve := in.C2S("alice", aliceToken, map[string]any{"type": "Like", "object": eveNote["id"]})
	eveDirect := eve.Note("SECRET for alice only", alice)
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Create", eveDirect, "to", []string{alice}))
	likeDirect := in.C2S("alice", aliceToken, map[string]any{"type": "Like", "object": eveDirect["id"]})
	boostPublic := in.C2S("alice", aliceToken, map[string]any{"type": "Announce", "object": bobNote})
	likePublic := in.C2S("alice", aliceToken, map[string]any{"type": "Like", "object": bobNote})
	evePublic := eve.Note("soon gone", public...)
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Create", evePublic, "to", public))
	boostGone := in.C2S("alice", aliceToken, map[string]any{"type": "Announce", "object": evePublic["id"]})
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Delete", evePublic["id"]))

	carolWeb, aliceWeb := webSignIn(t, in, "carol"), webSignIn(t, in, "alice")
	for _, a := range []*peer.Actor{eve, fred, mallory} {
		fetchAs(t, in, "/users/bob", httpx.ActivityJSON, asker{actor: a}) // every signer known before the rows
	}
	testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)
	path := func(uri string) string { return strings.TrimPrefix(uri, in.Base) }
	bobNoteID := in.Note(bobNote).ID

	replyCount := func(page, cookie string, want int) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			got := getPage(t, in, page, cookie)
			if n := shownReplies(t, string(got.Body), bobNoteID); n != want {
				t.Errorf("%s shows %d replies on bob's note, want %d (public and unlisted only)", page, n, want)
			}
			return got
		}
	}
	secrets := []string{"SECRET", path(bobPrivate), eveNote["id"].(string), eveDirect["id"].(string)}
	as := func(uri string, who asker) func(t *testing.T) peer.Answer {
		return get(in, path(uri), httpx.ActivityJSON, who)
	}
	anonymous, stranger, follower, author := asker{}, asker{actor: mallory}, asker{actor: fred}, asker{actor: eve}

	rows := []hostileCase{
		// Item 2: counts.
		{name: "reply count on the note page, anonymous", send: replyCount(path(bobNote), "", 2), status: 200},
		{name: "reply count on the note page, signed-in stranger", send: replyCount(path(bobNote), carolWeb.cookie, 2), status: 200},
		{name: "reply count on the note page, signed-in replier", send: replyCount(path(bobNote), aliceWeb.cookie, 2), status: 200},
		{name: "reply count in the replier's home timeline", send: replyCount("/home", aliceWeb.cookie, 2), status: 200},
		{name: "reply count on the profile page", send: replyCount("/@bob", "", 2), status: 200},
		{name: "reply count on the front page", send: replyCount("/", "", 2), status: 200},
		{name: "replies collection counts what it lists", send: as(bobNote+"/replies", anonymous), status: 200,
			check: func(t *testing.T, got peer.Answer) { wantTotal(t, got, 2) }},
		{name: "outbox total of anonymous counts public and unlisted posts", send: as(alice+"/outbox", anonymous), status: 200,
			check: func(t *testing.T, got peer.Answer) { wantTotal(t, got, 3) }}, // two answers and a boost
		{name: "outbox total of its owner counts every post", send: as(alice+"/outbox", asker{token: aliceToken}), status: 200,
			check: func(t *testing.T, got peer.Answer) { wantTotal(t, got, 5) }},
		{name: "NodeInfo counts the posts anyone may read", send: get(in, "/nodeinfo/2.0", "", anonymous), status: 200,
			check: func(t *testing.T, got peer.Answer) {
				var doc struct {
					Usage struct{ LocalPosts int } `json:"usage"`
				}
				if err := json.Unmarshal(got.Body, &doc); err != nil || doc.Usage.LocalPosts != 3 {
					t.Errorf("localPosts %d (%v), want 3: bob's public note and alice's two open answers", doc.Usage.LocalPosts, err)
				}
			}},

		// Item 3: an activity about a note not everyone may read.
		{name: "Like of a followers-only note, anonymous", send: as(likePrivate, anonymous), status: 404, reason: "no such activity", check: lacks(secrets...)},
		{name: "Like of a followers-only note, stranger-signed", send: as(likePrivate, stranger), status: 404, reason: "no such activity", check: lacks(secrets...)},
		{name: "Like of a followers-only note, follower-signed", send: as(likePrivate, follower), status: 200},
		{name: "Like of a followers-only note, by the one who liked it", send: as(likePrivate, asker{token: aliceToken}), status: 200},
		{name: "Like of a followers-only note, by its author", send: as(likePrivate, asker{token: bobToken}), status: 200},
		{name: "Undo of that Like, anonymous", send: as(undoPrivate, anonymous), status: 404, reason: "no such activity", check: lacks(secrets...)},
		{name: "Undo of that Like, stranger-signed", send: as(undoPrivate, stranger), status: 404, reason: "no such activity", check: lacks(secrets...)},
		{name: "Undo of that Like, follower-signed", send: as(undoPrivate, follower), status: 200},
		{name: "Create of a followers-only note, anonymous", send: as(bobPrivate+"/activity", anonymous), status: 404, check: lacks(secrets...)},
		{name: "Create of a followers-only note, stranger-signed", send: as(bobPrivate+"/activity", stranger), status: 404, check: lacks(secrets...)},
		{name: "Create of a followers-only note, follower-signed", send: as(bobPrivate+"/activity", follower), status: 200},
		{name: "Like of a remote followers-only note, anonymous", send: as(likeEve, anonymous), status: 404, reason: "no such activity", check: lacks(secrets...)},
		{name: "Like of a remote followers-only note, stranger-signed", send: as(likeEve, stranger), status: 404, reason: "no such activity", check: lacks(secrets...)},
		{name: "Like of a remote followers-only note, signed by its author", send: as(likeEve, author), status: 200},
		{name: "Like of a remote direct note, anonymous", send: as(likeDirect, anonymous), status: 404, reason: "no such activity", check: lacks(secrets...)},
		{name: "Like of a remote direct note, signed by another of its server", send: as(likeDirect, follower), status: 404, check: lacks(secrets...)},
		{name: "Like of a remote direct note, signed by its author", send: as(likeDirect, author), status: 200},
		{name: "Like of a public note, anonymous", send: as(likePublic, anonymous), status: 200},
		{name: "Announce of a public note, anonymous", send: as(boostPublic, anonymous), status: 200},
		{name: "Announce of a note since deleted, anonymous", send: as(boostGone, anonymous), status: 410},
		{name: "a followers-only note cannot be boosted, so no Announce of it exists", send: func(t *testing.T) peer.Answer {
			return hostileDo(t, in, "POST", "/users/alice/outbox", aliceToken, map[string]any{"type": "Announce", "object": bobPrivate})
		}, status: 403, reason: "only public and unlisted notes can be boosted"},
		{name: "a Follow is about actors and stays open", send: as(followEve, anonymous), status: 200},

		// Item 6: the API takes bearer tokens only.
		{name: "resolve with a session cookie and no token", send: get(in, "/api/resolve?handle="+url.QueryEscape("@bob@"+in.Cfg.Domain), "", asker{cookie: aliceWeb.cookie}),
			status: 401, reason: "bearer token"},
		{name: "home feed with a session cookie and no token", send: get(in, "/users/alice/inbox", httpx.ActivityJSON, asker{cookie: aliceWeb.cookie}),
			status: 401, reason: "bearer token", check: lacks("SECRET")},
		{name: "home feed as a browser with a session cookie", send: get(in, "/users/alice/inbox", "text/html", asker{cookie: aliceWeb.cookie}),
			status: 401, check: lacks("SECRET")},
		{name: "resolve with a bearer token", send: get(in, "/api/resolve?handle="+url.QueryEscape("@bob@"+in.Cfg.Domain), "", asker{token: aliceToken}),
			status: 200},
		{name: "home feed with a bearer token", send: get(in, "/users/alice/inbox", httpx.ActivityJSON, asker{token: aliceToken}), status: 200},
	}
	runHostile(t, in, rows)
}

// shownReplies reads the reply count a page shows on the note with row id id: the first
// one after the note's anchor, in the anonymous or the signed-in form of the footer.
func shownReplies(t *testing.T, page string, id int64) int {
	t.Helper()
	re := regexp.MustCompile(`(?s)id="(?:pinned-)?note-` + strconv.FormatInt(id, 10) + `".*?(?:<span class="act">(\d+)<span class="sr-only"> replies|<span class="label">Reply</span> <span class="count">(\d+)</span>)`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1] + m[2])
	return n
}

// wantTotal checks a collection's totalItems.
func wantTotal(t *testing.T, got peer.Answer, want int) {
	t.Helper()
	var c struct {
		TotalItems int `json:"totalItems"`
	}
	if err := json.Unmarshal(got.Body, &c); err != nil || c.TotalItems != want {
		t.Errorf("totalItems %d (%v), want %d", c.TotalItems, err, want)
	}
}

// Redirect targets, as the probe sent them and in the variations a browser reads the same
// way (WHATWG URL parsing: tab, CR and LF removed anywhere, backslashes read as slashes,
// leading and trailing C0 controls and spaces stripped). evil is where none may lead.
var hostileTargets = []struct {
	name, target string
	safe         bool // a same-origin path that may be followed as it is
}{
	{"tab between slashes", "/\t/evil.example", false},
	{"newline between slashes", "/\n/evil.example", false},
	{"carriage return between slashes", "/\r/evil.example", false},
	{"slash backslash", "/\\evil.example", false},
	{"backslash slash", "\\/evil.example", false},
	{"two backslashes", "\\\\evil.example", false},
	{"slash backslash slash", "/\\/evil.example", false},
	{"protocol-relative", "//evil.example", false},
	{"three slashes", "///evil.example", false},
	{"scheme without slashes", "https:evil.example", false},
	{"whole URL of another host", "http://evil.example/", false},
	{"whole URL with our host as userinfo", "http://HOST@evil.example/", false},
	{"javascript URL", "javascript:alert(1)", false},
	{"data URL", "data:text/html,<script>alert(1)</script>", false},
	{"leading space", " /evil.example", false},
	{"leading space before two slashes", " //evil.example", false},
	{"leading NUL", "\x00//evil.example", false},
	{"trailing control", "/home\x1f", false},
	{"no leading slash", "evil.example", false},
	{"empty", "", false},
	{"encoded tab stays a path", "/%09/evil.example", true},
	{"encoded slash stays a path", "/%2F/evil.example", true},
	{"a page of ours", "/@alice?page=2", true},
	{"our home", "/home", true},
}

// TestHostileRedirects: sign-in's next and the Referer a form returns to lead only to a
// path of this site, as a browser reads it; the rest go to the usual place.
func TestHostileRedirects(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	aliceToken, _ := in.Account("alice", false)
	note := in.PostNote("alice", aliceToken, map[string]any{"content": "a post to press buttons on", "to": federation.PublicCollection})
	noteID := strconv.FormatInt(in.Note(note).ID, 10)
	signedIn := webSignIn(t, in, "alice")
	host := in.Cfg.Domain
	var rows []hostileCase
	location := func(want string) func(t *testing.T, got peer.Answer) {
		return func(t *testing.T, got peer.Answer) {
			t.Helper()
			if loc := got.Header.Get("Location"); loc != want {
				t.Errorf("Location %q, want %q", loc, want)
			}
		}
	}
	for i, tg := range hostileTargets {
		target := strings.ReplaceAll(tg.target, "HOST", host)
		anchor := "#note-" + noteID
		wantNext, wantBack := "/home", strings.TrimPrefix(note, in.Base)+anchor
		if tg.safe {
			wantNext, wantBack = target, target+anchor
		}
		// Eight sign-ins to an account and from an address, so that the sign-in limits (ten
		// a minute) stay out of the way.
		name, from := "r"+strconv.Itoa(i/8), "127.0.0."+strconv.Itoa(20+i/8)
		if i%8 == 0 {
			in.LocalAccount(name, "password-"+name)
		}
		rows = append(rows,
			hostileCase{name: "sign-in next: " + tg.name, send: func(t *testing.T) peer.Answer {
				c := testrig.NewWebClientFrom(t, in, from)
				resp, body := c.TrySignIn(name, "password-"+name, target)
				return peer.Answer{Status: resp.StatusCode, Header: resp.Header, Body: []byte(body)}
			}, status: 303, delta: map[string]int{"tokens": 1}, check: location(wantNext)},
			hostileCase{name: "signed-in visit of the sign-in form, next: " + tg.name, send: func(t *testing.T) peer.Answer {
				return getPage(t, in, "/signin?next="+url.QueryEscape(target), signedIn.cookie)
			}, status: 303, check: location(wantNext)},
		)
		if strings.ContainsFunc(target, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			continue // no HTTP/1 header carries these: a Referer never has them
		}
		rows = append(rows,
			hostileCase{name: "form back to the Referer: " + tg.name, send: func(t *testing.T) peer.Answer {
				referer := in.Base + target
				if strings.Contains(target, ":") || target == "" {
					referer = target // a whole URL already
				}
				req, _ := http.NewRequest(http.MethodPost, in.Base+"/web/notes/"+noteID+"/unpin",
					strings.NewReader(url.Values{"csrf": {signedIn.csrf}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header["Referer"] = []string{referer} // as sent, even where a browser would not
				req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: signedIn.cookie})
				return peer.Send(t, req)
			}, status: 303, check: location(wantBack)},
		)
	}
	rows = append(rows,
		hostileCase{name: "sign-in next: a whole URL of our own host is its path", send: func(t *testing.T) peer.Answer {
			in.LocalAccount("own", "password-own")
			c := testrig.NewWebClientFrom(t, in, "127.0.0.19")
			resp, body := c.TrySignIn("own", "password-own", in.Base+"/@alice")
			return peer.Answer{Status: resp.StatusCode, Header: resp.Header, Body: []byte(body)}
		}, status: 303, delta: map[string]int{"tokens": 1, "actors": 1, "credentials": 1}, check: location("/@alice")},
	)
	runHostile(t, in, rows)
}

// TestHostileHosts: hosts in remote URLs are compared exactly, as a browser and our client
// read them: userinfo, backslashes and control characters never pass for a host, and what
// does not pass is not stored or linked.
func TestHostileHosts(t *testing.T) {
	t.Parallel()
	k1, _ := peer.Keys()
	in := testrig.Start(t)
	aliceToken, _ := in.Account("alice", false)
	p := peer.New(t, "127.0.0.1:0", "")
	var self sync.Map // WebFinger self links by name
	p.Route("/.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Query().Get("resource"), "acct:"), "@"+p.Host)
		href, ok := self.Load(name)
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		json.NewEncoder(w).Encode(map[string]any{"subject": "acct:" + name + "@" + p.Host,
			"links": []any{map[string]any{"rel": "self", "type": "application/activity+json", "href": href}}})
	})
	// actor serves an actor whose document is changed by edit.
	actor := func(name string, edit func(doc map[string]any)) *peer.Actor {
		a := p.Actor(name, k1)
		doc := a.Doc()
		if edit != nil {
			edit(doc)
		}
		p.Doc("/users/"+name, doc)
		self.Store(name, a.URI)
		return a
	}
	trick := func(path string) string { return `http://evil.example\@` + p.Host + path }
	plain := actor("plain", func(d map[string]any) { d["url"] = p.Base + "/@plain" })
	bsURL := actor("bsurl", func(d map[string]any) { d["url"] = trick("/@bsurl") })
	userURL := actor("userurl", func(d map[string]any) { d["url"] = "http://evil.example@" + p.Host + "/@userurl" })
	tabURL := actor("taburl", func(d map[string]any) { d["url"] = "http://evil.example\t@" + p.Host + "/@taburl" })
	schemeURL := actor("schemeurl", func(d map[string]any) { d["url"] = "javascript://" + p.Host + "/%0aalert(1)" })
	actor("bsinbox", func(d map[string]any) { d["inbox"] = trick("/users/bsinbox/inbox") })
	actor("userinbox", func(d map[string]any) { d["inbox"] = "http://evil.example@" + p.Host + "/inbox" })
	bsShared := actor("bsshared", func(d map[string]any) { d["endpoints"] = map[string]any{"sharedInbox": trick("/inbox")} })
	bsIcon := actor("bsicon", func(d map[string]any) {
		d["icon"] = map[string]any{"type": "Image", "url": trick("/avatar.png")}
		d["image"] = map[string]any{"type": "Image", "url": "http://evil.example@" + p.Host + "/header.png"}
	})
	actor("bskey", func(d map[string]any) {
		d["publicKey"].(map[string]any)["id"] = trick("/users/bskey#main-key")
	})
	self.Store("bsid", trick("/users/bsid"))
	self.Store("userid", "http://evil.example@"+p.Host+"/users/userid")

	resolve := func(name string) func(t *testing.T) peer.Answer {
		return get(in, "/api/resolve?handle="+url.QueryEscape("@"+name+"@"+p.Host), "", asker{token: aliceToken})
	}
	stored := func(a *peer.Actor, wantURL string) func(t *testing.T, got peer.Answer) {
		return func(t *testing.T, got peer.Answer) {
			t.Helper()
			if s := in.ActorByURI(a.URI); s.URL != wantURL {
				t.Errorf("stored url %q, want %q", s.URL, wantURL)
			}
		}
	}
	newActor := map[string]int{"actors": 1}
	rows := []hostileCase{
		{name: "actor url on its own host is kept", send: resolve("plain"), status: 200, delta: newActor, check: stored(plain, p.Base+"/@plain")},
		{name: "actor url with a backslash before @ is not its host", send: resolve("bsurl"), status: 200, delta: newActor, check: stored(bsURL, bsURL.URI)},
		{name: "actor url with userinfo is not its host", send: resolve("userurl"), status: 200, delta: newActor, check: stored(userURL, userURL.URI)},
		{name: "actor url with a tab in the authority is not its host", send: resolve("taburl"), status: 200, delta: newActor, check: stored(tabURL, tabURL.URI)},
		{name: "actor url of another scheme is not its host", send: resolve("schemeurl"), status: 200, delta: newActor, check: stored(schemeURL, schemeURL.URI)},
		{name: "actor inbox with a backslash before @ is refused", send: resolve("bsinbox"), status: 400, reason: "has no inbox"},
		{name: "actor inbox with userinfo is refused", send: resolve("userinbox"), status: 400, reason: "has no inbox"},
		{name: "actor shared inbox with a backslash before @ is dropped", send: resolve("bsshared"), status: 200, delta: newActor,
			check: func(t *testing.T, _ peer.Answer) {
				if s := in.ActorByURI(bsShared.URI); s.SharedInbox != "" {
					t.Errorf("stored shared inbox %q", s.SharedInbox)
				}
			}},
		{name: "actor icon and header with userinfo tricks are dropped", send: resolve("bsicon"), status: 200, delta: newActor,
			check: func(t *testing.T, _ peer.Answer) {
				if s := in.ActorByURI(bsIcon.URI); s.IconURL != "" || s.ImageURL != "" {
					t.Errorf("stored icon %q, header %q", s.IconURL, s.ImageURL)
				}
			}},
		{name: "actor key id with a backslash before @ is refused", send: resolve("bskey"), status: 400, reason: "key on another host"},
		{name: "actor id with a backslash before @ is refused", send: resolve("bsid"), status: 400},
		{name: "actor id with userinfo is refused", send: resolve("userid"), status: 400},
		{name: "mention of an actor whose url had a trick links its id", send: func(t *testing.T) peer.Answer {
			got := hostileDo(t, in, "POST", "/users/alice/outbox", aliceToken, map[string]any{"type": "Note",
				"content": "hello @bsurl@" + p.Host + " and @userurl@" + p.Host, "to": federation.PublicCollection})
			testrig.Eventually(t, testrig.FederationWait, "the mentions delivered", in.QueueEmpty)
			return got
		}, status: 201, delta: map[string]int{"notes": 1, "activities": 1, "note_tags": 2, "feed": 1},
			check: func(t *testing.T, got peer.Answer) {
				n := in.Note(strings.TrimSuffix(got.Header.Get("Location"), "/activity"))
				for _, a := range []*peer.Actor{bsURL, userURL} {
					if !strings.Contains(n.Content, `href="`+a.URI+`"`) {
						t.Errorf("the mention of %s does not link its id: %s", a.Name, n.Content)
					}
				}
				if strings.Contains(n.Content, `\`) || strings.Contains(n.Content, "evil.example") {
					t.Errorf("the note links elsewhere: %s", n.Content)
				}
			}},
		{name: "a typed link whose host is not what it shows stays text", send: func(t *testing.T) peer.Answer {
			return hostileDo(t, in, "POST", "/users/alice/outbox", aliceToken, map[string]any{"type": "Note",
				"content": "see " + trick("/x") + " and http://evil.example@" + p.Host + "/y and https://ok.example/z", "to": federation.PublicCollection})
		}, status: 201, delta: map[string]int{"notes": 1, "activities": 1, "feed": 1},
			check: func(t *testing.T, got peer.Answer) {
				n := in.Note(strings.TrimSuffix(got.Header.Get("Location"), "/activity"))
				if strings.Contains(n.Content, `href="http://evil.example`) || !strings.Contains(n.Content, `href="https://ok.example/z"`) {
					t.Errorf("links: %s", n.Content)
				}
			}},
	}
	runHostile(t, in, rows)
}
