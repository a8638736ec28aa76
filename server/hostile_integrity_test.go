package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/internal/testrig/testhtml"
	"refuge/internal/testrig/testimage"
	"refuge/outbox/media"
	"refuge/storage"
)

// The integrity rows of the hostile suite: a deleted note stays deleted and keeps no text,
// whatever races it; deleting a note takes back what is still queued of it; the work of one
// delivery is bounded however many recipients it names, and nothing is stored after the
// sender was given an error; remote strings are clamped when stored; an actor's endpoints
// live on its own host; uploads no note took are cleaned up.

// both runs f and g at the same time and waits for both.
func both(f, g func()) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); f() }()
	go func() { defer wg.Done(); g() }()
	wg.Wait()
}

// textOf lists the text a stored note still carries; a tombstone must carry none.
func textOf(n *storage.Note) []string {
	var out []string
	for what, s := range map[string]string{"content": n.Content, "source": n.Source, "summary": n.Summary} {
		if s != "" {
			out = append(out, fmt.Sprintf("%s %.40q", what, s))
		}
	}
	if len(n.ContentMap) > 0 {
		out = append(out, fmt.Sprintf("contentMap %v", n.ContentMap))
	}
	if len(n.Tags) > 0 {
		out = append(out, fmt.Sprintf("%d tags", len(n.Tags)))
	}
	for _, m := range n.Media {
		out = append(out, fmt.Sprintf("media with alt text %.40q", m.Description))
	}
	return out
}

// wordyNote is a note by a to alice that carries text in every place a note can: content,
// summary, contentMap, a hashtag, a mention and an attachment's alt text.
func (r *hostileRig) wordyNote(a *peer.Actor, words string) map[string]any {
	n := a.Note("<p>"+words+" #wordy</p>", r.alice)
	n["summary"] = "warning: " + words
	n["contentMap"] = map[string]string{"en": "<p>" + words + "</p>", "fr": "<p>mots " + words + "</p>"}
	n["tag"] = []map[string]any{{"type": "Hashtag", "name": "#wordy", "href": a.Peer.Base + "/tags/wordy"},
		{"type": "Mention", "name": "@alice", "href": r.alice}}
	n["attachment"] = []map[string]any{{"type": "Document", "mediaType": "image/png",
		"url": a.Peer.Base + "/media/1.png", "name": "alt text: " + words}}
	return n
}

// TestHostileDeletedStaysDeleted: a deleted note stays deleted and keeps no text, whether an
// Update arrives after the Delete or races it, from a peer or from the note's local author,
// and whatever deletes it (its Delete, or its author's account going).
func TestHostileDeletedStaysDeleted(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in := r.in
	ctx := context.Background()
	db := in.App.DB()
	post := func(a *peer.Actor, act map[string]any) peer.Answer {
		return a.Post(t, in.Base+"/inbox", act, peer.Sig{})
	}
	update := func(a *peer.Actor, note map[string]any, words string) map[string]any {
		edited := map[string]any{}
		for k, v := range note {
			edited[k] = v
		}
		edited["content"], edited["summary"] = "<p>"+words+"</p>", "cw "+words
		edited["updated"] = time.Now().UTC().Format(time.RFC3339)
		return a.Activity("Update", edited)
	}
	tombstone := func(t *testing.T, uri string) {
		t.Helper()
		n := r.storedNote(t, uri)
		if n == nil {
			t.Fatalf("note %s is gone altogether", uri)
		}
		if !n.Deleted() {
			t.Errorf("note %s is not deleted", uri)
		}
		if text := textOf(n); len(text) > 0 {
			t.Errorf("the tombstone of %s keeps text: %s", uri, strings.Join(text, "; "))
		}
	}

	t.Run("storage refuses to rewrite a deleted note (Gone) and writes nothing", func(t *testing.T) {
		note := r.wordyNote(r.eve, "first words")
		r.eve.Deliver(t, in.Base+"/inbox", r.eve.Activity("Create", note, "to", []string{r.alice}))
		n := r.storedNote(t, note["id"].(string))
		r.eve.Deliver(t, in.Base+"/inbox", r.eve.Activity("Delete", note["id"]))
		n.Content, n.Summary, n.Updated, n.Media = "<p>back from the dead</p>", "back", time.Now(), nil
		err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateNote(ctx, n) })
		if storage.KindOf(err) != storage.Gone {
			t.Errorf("UpdateNote of a tombstone: %v, want a Gone error", err)
		}
		tombstone(t, n.URI)
	})
	t.Run("an Update after the Delete is ignored and the tombstone keeps no text", func(t *testing.T) {
		note := r.wordyNote(r.eve, "second words")
		r.eve.Deliver(t, in.Base+"/inbox", r.eve.Activity("Create", note, "to", []string{r.alice}))
		r.eve.Deliver(t, in.Base+"/inbox", r.eve.Activity("Delete", note["id"]))
		if got := post(r.eve, update(r.eve, note, "back from the dead")); got.Status != http.StatusAccepted {
			t.Errorf("Update after Delete: %v, want 202 (ignored)", got)
		}
		tombstone(t, note["id"].(string))
	})
	// The Updates are long, so that the time between the check that the note is live and
	// the write is long too, and each Delete is sent a little later than the one before:
	// some land in that time.
	long := strings.Repeat("<strong>back</strong> from the <em>dead</em> ", 5000)
	t.Run("50 racing Update and Delete pairs from a peer never leave text on a tombstone", func(t *testing.T) {
		for i := range 50 {
			note := r.wordyNote(r.eve, fmt.Sprintf("race %d words", i))
			r.eve.Deliver(t, in.Base+"/inbox", r.eve.Activity("Create", note, "to", []string{r.alice}))
			var u, d peer.Answer
			both(func() { u = post(r.eve, update(r.eve, note, long)) },
				func() {
					time.Sleep(time.Duration(i%25) * 2 * time.Millisecond)
					d = post(r.eve, r.eve.Activity("Delete", note["id"]))
				})
			if u.Status != http.StatusAccepted || d.Status != http.StatusAccepted {
				t.Errorf("pair %d: Update %v, Delete %v, want 202 for both", i, u, d)
			}
			tombstone(t, note["id"].(string))
		}
	})
	// A local edit mentions someone on a server slow to answer WebFinger: the time between
	// the check and the write again, which the Deletes land in.
	r.q.Route("/.well-known/webfinger", func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(100 * time.Millisecond)
		http.NotFound(w, nil)
	})
	t.Run("50 racing local Update and Delete pairs never leave text on a tombstone", func(t *testing.T) {
		for i := range 50 {
			uri := in.PostNote("alice", r.aliceToken, map[string]any{"content": fmt.Sprintf("local race %d #wordy", i),
				"summary": "cw", "to": r.publicTo})
			var us, ds int
			both(func() {
				us, _, _ = in.Do("POST", "/users/alice/outbox", r.aliceToken, map[string]any{"type": "Update",
					"object": map[string]any{"id": uri, "type": "Note", "content": "back from the dead @slow@" + r.q.Host, "summary": "back"}})
			}, func() {
				time.Sleep(time.Duration(i%10) * 20 * time.Millisecond)
				ds, _, _ = in.Do("POST", "/users/alice/outbox", r.aliceToken, map[string]any{"type": "Delete", "object": uri})
			})
			if ds != http.StatusCreated || (us != http.StatusOK && us != http.StatusGone) {
				t.Errorf("pair %d: Update %d (want 200 or 410), Delete %d (want 201)", i, us, ds)
			}
			tombstone(t, uri)
			if act, err := db.GetActivityByURI(ctx, uris.NoteActivity(uri)); err != nil || strings.Contains(act.JSON, "local race") ||
				strings.Contains(act.JSON, "back from the dead") {
				t.Errorf("pair %d: the stored Create still carries the text (%v)", i, err)
			}
		}
	})
	t.Run("a Create repeated after the Delete brings nothing back", func(t *testing.T) {
		note := r.wordyNote(r.eve, "third words")
		r.eve.Deliver(t, in.Base+"/inbox", r.eve.Activity("Create", note, "to", []string{r.alice}))
		r.eve.Deliver(t, in.Base+"/inbox", r.eve.Activity("Delete", note["id"]))
		testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)
		before := in.RowCounts()
		if got := post(r.eve, r.eve.Activity("Create", note, "to", []string{r.alice})); got.Status != http.StatusAccepted {
			t.Errorf("Create after Delete: %v, want 202 (ignored)", got)
		}
		if ch := countChanges(before, in.RowCounts(), nil); len(ch) > 0 {
			t.Errorf("storage changed: %s", strings.Join(ch, ", "))
		}
		tombstone(t, note["id"].(string))
	})
	t.Run("the notes of an account that is deleted keep no text", func(t *testing.T) {
		yan := r.p.Actor("yan", r.k2)
		note := r.wordyNote(yan, "yan's words")
		yan.Deliver(t, in.Base+"/inbox", yan.Activity("Create", note, "to", []string{r.alice}))
		if n := r.storedNote(t, note["id"].(string)); n == nil || len(textOf(n)) < 5 {
			t.Fatalf("the note was not stored with all its text: %+v", n)
		}
		yan.Deliver(t, in.Base+"/inbox", yan.Activity("Delete", yan.URI))
		tombstone(t, note["id"].(string))
	})
}

// downPeer is a follower's server that is down while down is set (every delivery dropped
// with its connection, unanswered; tried keeps them) and otherwise takes what it is sent
// (got keeps it).
type downPeer struct {
	*peer.Peer
	mu         sync.Mutex
	down       bool
	got, tried []string
}

func newDownPeer(t *testing.T) *downPeer {
	d := &downPeer{Peer: peer.New(t, "127.0.0.1:0", ""), down: true}
	d.Inbox(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		d.mu.Lock()
		down := d.down
		if down {
			d.tried = append(d.tried, string(body))
		} else {
			d.got = append(d.got, string(body))
		}
		d.mu.Unlock()
		if hj, ok := w.(http.Hijacker); ok && down {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	return d
}

func (d *downPeer) setDown(down bool) {
	d.mu.Lock()
	d.down = down
	d.mu.Unlock()
}

// received lists the activities of type typ about uri that the peer took.
func (d *downPeer) received(typ, uri string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return ofType(d.got, typ, uri)
}

// attempted reports whether an activity of type typ about uri was sent while it was down.
func (d *downPeer) attempted(typ, uri string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(ofType(d.tried, typ, uri)) > 0
}

// ofType lists the activities of bodies of type typ whose object names uri.
func ofType(bodies []string, typ, uri string) []string {
	var out []string
	for _, body := range bodies {
		var act struct {
			Type   string          `json:"type"`
			Object json.RawMessage `json:"object"`
		}
		if json.Unmarshal([]byte(body), &act) == nil && act.Type == typ && strings.Contains(string(act.Object), uri) {
			out = append(out, body)
		}
	}
	return out
}

// TestHostileDeletePending: a note deleted while its Create (or an Update) still waits in
// the queue for a server that is down is never sent once that server comes back; the
// Delete is, to every inbox the note was addressed to; the stored Create keeps no text.
func TestHostileDeletePending(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in := r.in
	d := newDownPeer(t)
	dora := d.Actor("dora", r.k1)
	dora.Deliver(t, in.Base+"/inbox", dora.Activity("Follow", r.alice))
	activity := func(uri string) *storage.Activity {
		a, err := in.App.DB().GetActivityByURI(context.Background(), uri)
		if err != nil {
			t.Fatalf("activity %s: %v", uri, err)
		}
		return a
	}
	// Deletes come once an attempt failed: what is then queued for dora waits for a retry.
	waitForAttempt := func(typ, note string) {
		testrig.Eventually(t, testrig.FederationWait, "a failed attempt to deliver a "+typ+" to dora",
			func() bool { return d.attempted(typ, note) })
	}
	finish := func() {
		d.setDown(false)
		testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)
	}

	t.Run("a note deleted while its Create waits for a server that is down is never sent, its Delete is", func(t *testing.T) {
		d.setDown(true)
		note := in.PostNote("alice", r.aliceToken, map[string]any{"content": "pending secret words", "to": r.publicTo})
		createID := uris.NoteActivity(note)
		waitForAttempt("Create", note)
		in.C2S("alice", r.aliceToken, map[string]any{"type": "Delete", "object": note})
		finish()
		if got := d.received("Create", note); len(got) > 0 {
			t.Errorf("the server that was down received the Create after the Delete: %.200s", got[0])
		}
		if got := d.received("Delete", note); len(got) != 1 {
			t.Errorf("the server that was down received %d Deletes of the note, want 1", len(got))
		}
		if js := activity(createID).JSON; strings.Contains(js, "pending secret words") || !strings.Contains(js, note) {
			t.Errorf("the stored Create still carries the text, or lost the note's id: %.300s", js)
		}
		status, body, _ := in.Do("GET", createID, "", nil)
		if (status != http.StatusGone && status != http.StatusNotFound) || strings.Contains(string(body), "pending secret words") {
			t.Errorf("GET the Create: %d %.200s, want 404 or 410 without the text", status, body)
		}
	})
	t.Run("an Update still queued is taken back with the note", func(t *testing.T) {
		d.setDown(true)
		note := in.PostNote("alice", r.aliceToken, map[string]any{"content": "first draft words", "to": r.publicTo})
		waitForAttempt("Create", note)
		if status, body, _ := in.Do("POST", "/users/alice/outbox", r.aliceToken, map[string]any{"type": "Update",
			"object": map[string]any{"id": note, "type": "Note", "content": "second draft words"}}); status != http.StatusOK {
			t.Fatalf("Update: %d %s", status, body)
		}
		waitForAttempt("Update", note)
		in.C2S("alice", r.aliceToken, map[string]any{"type": "Delete", "object": note})
		finish()
		for _, typ := range []string{"Create", "Update"} {
			if got := d.received(typ, note); len(got) > 0 {
				t.Errorf("the server that was down received the %s after the Delete: %.200s", typ, got[0])
			}
		}
		if got := d.received("Delete", note); len(got) != 1 {
			t.Errorf("the server that was down received %d Deletes of the note, want 1", len(got))
		}
	})
	t.Run("the Delete also reaches the servers that had the Create", func(t *testing.T) {
		d.setDown(false)
		var mu sync.Mutex
		var atP []string
		r.p.Inbox(func(w http.ResponseWriter, req *http.Request) {
			body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
			mu.Lock()
			atP = append(atP, string(body))
			mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		})
		note := in.PostNote("alice", r.aliceToken, map[string]any{"content": "delivered words", "to": r.publicTo})
		testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)
		in.C2S("alice", r.aliceToken, map[string]any{"type": "Delete", "object": note})
		testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)
		mu.Lock()
		defer mu.Unlock()
		var deletes int
		for _, body := range atP {
			if strings.Contains(body, `"Delete"`) && strings.Contains(body, note) {
				deletes++
			}
		}
		if deletes != 1 || len(d.received("Delete", note)) != 1 {
			t.Errorf("Deletes received: %d by bob's server, %d by dora's, want 1 each", deletes, len(d.received("Delete", note)))
		}
	})
}

// many is n remote actor ids on base, with extra appended.
func many(base string, n int, extra ...string) []string {
	out := make([]string, 0, n+len(extra))
	for i := range n {
		out = append(out, fmt.Sprintf("%s/users/u%d", base, i))
	}
	return append(out, extra...)
}

// TestHostileRecipients: the work of one delivery is bounded. A note addressed to thousands
// is answered within seconds and only the recipients that matter here (local accounts) are
// stored; past a limit the answer is a 4xx naming it, before anything is stored; and a
// transaction whose request ended is never committed.
func TestHostileRecipients(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in, p, q := r.in, r.p, r.q
	send := func(a *peer.Actor, act any) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return a.Post(t, in.Base+"/inbox", act, peer.Sig{}) }
	}
	createTo := func(to, cc []string) map[string]any {
		n := r.eve.Note("a note for many", to...)
		n["cc"] = cc
		return r.eve.Activity("Create", n, "to", to, "cc", cc)
	}
	stored := map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1, "note_recipients": 1}
	// onlyAlice checks that the note of the Create act stores alice alone of its recipients.
	onlyAlice := func(act map[string]any) func(t *testing.T, _ peer.Answer) {
		return func(t *testing.T, _ peer.Answer) {
			uri := act["object"].(map[string]any)["id"].(string)
			n := r.storedNote(t, uri)
			if n == nil {
				t.Fatalf("note %s not stored", uri)
			}
			if len(n.To)+len(n.Cc) > 2 {
				t.Errorf("stored %d recipients in to and %d in cc, want only those that matter here", len(n.To), len(n.Cc))
			}
		}
	}
	toAlice := createTo(many(q.Base, 9999, r.alice), nil)
	ccAlice := createTo(nil, many(q.Base, 9999, r.alice))
	mentions := r.eve.Note("mentions for many", r.eve.URI+"/followers")
	var tags []map[string]any
	for _, uri := range many(q.Base, 999, r.alice) {
		tags = append(tags, map[string]any{"type": "Mention", "href": uri, "name": "@someone"})
	}
	mentions["tag"] = tags
	objectActor := createTo(many(q.Base, 9999, r.alice), nil)
	objectActor["actor"] = map[string]any{"id": r.eve.URI, "type": "Person"}
	fetched := r.eve.Note("a fetched note for many", many(q.Base, 9999, r.alice)...)
	p.Doc(strings.TrimPrefix(fetched["id"].(string), p.Base), fetched)
	hidden := r.eve.Note("hidden recipients", r.alice)
	hidden["bto"] = many(q.Base, 12000)
	overTags := r.eve.Note("too many tags", r.alice)
	overTags["tag"] = append(tags, tags[:2]...)

	rows := []hostileCase{
		{name: "a Create to 9,999 remote actors and alice is taken quickly, alice alone stored", send: send(r.eve, toAlice),
			status: 202, delta: stored, within: 5 * time.Second, check: onlyAlice(toAlice)},
		{name: "the same with the 10,000 in cc", send: send(r.eve, ccAlice),
			status: 202, delta: stored, within: 5 * time.Second, check: onlyAlice(ccAlice)},
		{name: "a followers-only note mentioning 999 remote actors and alice stores alice alone as recipient",
			send: send(r.eve, r.eve.Activity("Create", mentions, "to", mentions["to"])), status: 202, within: 5 * time.Second,
			delta: map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1, "note_recipients": 1, "note_tags": 1000}},
		{name: "a Create whose actor is an object, to 9,999 and alice, is taken quickly", send: send(r.eve, objectActor),
			status: 202, delta: stored, within: 5 * time.Second, check: onlyAlice(objectActor)},
		{name: "a Create of a note fetched from its origin, to 9,999 and alice, is taken quickly",
			send:   send(r.eve, r.eve.Activity("Create", fetched["id"], "to", []string{r.alice})),
			status: 202, delta: stored, within: 5 * time.Second},
		{name: "a note with 12,000 entries in bto, which has no limit of its own, is taken quickly",
			send:   send(r.eve, r.eve.Activity("Create", hidden, "to", []string{r.alice})),
			status: 202, delta: stored, within: 5 * time.Second},
		{name: "an Update of a note to 9,999 and alice is taken quickly", send: func(t *testing.T) peer.Answer {
			n := toAlice["object"].(map[string]any)
			n["content"], n["updated"] = "edited for many", time.Now().UTC().Format(time.RFC3339)
			return send(r.eve, r.eve.Activity("Update", n, "to", n["to"]))(t)
		}, status: 202, delta: map[string]int{"activities": 1, "note_edits": 2}, within: 5 * time.Second}, // the original and the edit
		{name: "an Announce to 9,999 is taken quickly", send: send(r.eve, r.eve.Activity("Announce", r.aliceNote,
			"to", many(q.Base, 9999, r.alice))), status: 202, within: 5 * time.Second,
			delta: map[string]int{"activities": 1, "announces": 1, "feed": 1, "notifications": 1}},
		{name: "a Like to 9,999 is taken quickly", send: send(r.eve, r.eve.Activity("Like", r.aliceNote,
			"to", many(q.Base, 9999, r.alice))), status: 202, within: 5 * time.Second,
			delta: map[string]int{"activities": 1, "likes": 1, "notifications": 1}},
		{name: "a Create to 9,999 remote actors and nobody here stores nothing", send: send(r.bob,
			r.bob.Activity("Create", r.bob.Note("not for us", many(q.Base, 9999)...), "to", many(q.Base, 9999))),
			status: 202, within: 5 * time.Second},
		{name: "10,001 recipients in to is refused naming the limit", send: send(r.eve, createTo(many(q.Base, 10000, r.alice), nil)),
			status: 400, reason: "too many recipients (at most 10000)"},
		{name: "10,001 recipients in cc is refused naming the limit", send: send(r.eve, createTo(nil, many(q.Base, 10000, r.alice))),
			status: 400, reason: "too many recipients (at most 10000)"},
		{name: "1,001 tags is refused naming the limit", send: send(r.eve, r.eve.Activity("Create", overTags, "to", []string{r.alice})),
			status: 400, reason: "too many tags (at most 1000)"},
	}
	runHostile(t, in, rows)

	t.Run("a transaction whose request ended before its commit is not committed", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		db := in.App.DB()
		err := db.Update(ctx, func(tx storage.Tx) error {
			if err := tx.PutMeta(ctx, "probe", "stored after the answer"); err != nil {
				return err
			}
			cancel() // the sender hangs up while the transaction runs
			return nil
		})
		if storage.KindOf(err) != storage.Transient {
			t.Errorf("Update whose request ended: %v, want a Transient error", err)
		}
		if v, _ := db.GetMeta(context.Background(), "probe"); v != "" {
			t.Errorf("committed after the request ended: %q", v)
		}
	})
}

// TestHostileClampRemote: remote strings are clamped when stored, at a character boundary
// and leaving well-formed HTML, so that no actor or note can bloat every page that shows it.
func TestHostileClampRemote(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in, p := r.in, r.p
	const (
		maxName    = 200     // runes, of names and field names (255)
		maxBio     = 10_000  // bytes of HTML
		maxField   = 2_000   // bytes of HTML
		maxAlt     = 1_500   // runes
		maxContent = 100_000 // bytes of HTML
		maxURL     = 2_048   // bytes
		maxWarning = 1_000   // runes, of a content warning (and tag names)
	)
	// Multi-byte text, so that a cut in the middle of a character shows.
	huge := func(n int) string { return strings.Repeat("日本 ", n/7+1)[:n/7*7] }
	// About n bytes once JSON-encoded (which escapes <, > and &).
	hugeHTML := func(n int) string {
		return "<p>" + strings.Repeat("<strong>日本</strong> &amp; <a href=\"https://example.com/x\">語</a> ", n/130) + "</p>"
	}
	actor := func(name string, change func(doc map[string]any)) *peer.Actor {
		a := &peer.Actor{Peer: p, Name: name, URI: p.Base + "/users/" + name, Key: r.k1}
		a.KeyID = a.URI + "#main-key"
		doc := a.Doc()
		change(doc)
		p.Doc("/users/"+name, doc)
		return a
	}
	fields := make([]map[string]any, 8)
	for i := range fields {
		fields[i] = map[string]any{"type": "PropertyValue", "name": huge(50 << 10), "value": hugeHTML(50 << 10)}
	}
	bigName := actor("bigname", func(doc map[string]any) { doc["name"] = huge(700 << 10) })
	bigBio := actor("bigbio", func(doc map[string]any) { doc["summary"] = hugeHTML(800 << 10) })
	bigFields := actor("bigfields", func(doc map[string]any) { doc["attachment"] = fields })
	bigIcon := actor("bigicon", func(doc map[string]any) {
		doc["icon"] = map[string]any{"type": "Image", "url": p.Base + "/" + strings.Repeat("a", 400<<10)}
		doc["url"] = p.Base + "/@" + strings.Repeat("b", 400<<10)
	})
	storedActor := func(a *peer.Actor) *storage.Actor { return in.ActorByURI(a.URI) }
	newActor := map[string]int{"actors": 1, "notes": 1, "activities": 1, "feed": 1, "notifications": 1, "note_recipients": 1}
	createBy := func(a *peer.Actor) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return a.Post(t, in.Base+"/inbox", r.create(a), peer.Sig{}) }
	}
	// htmlWithin checks that s is valid text, well-formed HTML, and at most max bytes.
	htmlWithin := func(t *testing.T, what, s string, max int) {
		t.Helper()
		if len(s) > max || !utf8.ValidString(s) {
			t.Errorf("%s: %d bytes (valid UTF-8: %v), want at most %d", what, len(s), utf8.ValidString(s), max)
		}
		if why := testhtml.WellFormed(s); why != "" {
			t.Errorf("%s: broken HTML: %s", what, why)
		}
	}
	textWithin := func(t *testing.T, what, s string, max int) {
		t.Helper()
		if n := utf8.RuneCountInString(s); n > max || !utf8.ValidString(s) || n == 0 {
			t.Errorf("%s: %d characters (valid UTF-8: %v), want 1 to %d", what, n, utf8.ValidString(s), max)
		}
	}

	// Notes by eve, who is known already, each carrying one huge thing.
	var last string
	noteWith := func(change func(n map[string]any)) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			n := r.eve.Note("<p>short</p>", r.alice)
			change(n)
			last = n["id"].(string)
			return r.eve.Post(t, in.Base+"/inbox", r.eve.Activity("Create", n, "to", []string{r.alice}), peer.Sig{})
		}
	}
	note := map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1, "note_recipients": 1}
	withMedia := map[string]int{"media": 8, "remote_media": 8} // each attachment queued for the cache
	for k, v := range note {
		withMedia[k] = v
	}
	lastNote := func(t *testing.T) *storage.Note {
		n := r.storedNote(t, last)
		if n == nil {
			t.Fatalf("note %s not stored", last)
		}
		return n
	}
	atts := make([]map[string]any, 8)
	for i := range atts {
		atts[i] = map[string]any{"type": "Document", "mediaType": "image/png", "url": fmt.Sprintf("%s/media/%d.png", p.Base, i),
			"name": huge(100 << 10)}
	}
	tags := make([]map[string]any, 10)
	for i := range tags {
		tags[i] = map[string]any{"type": "Hashtag", "name": "#" + strings.Repeat("t", 40<<10), "href": p.Base + "/tags/" + strings.Repeat("t", 30<<10)}
	}

	rows := []hostileCase{
		{name: "an actor with a 700 KiB name is stored with a name of at most 200 characters", send: createBy(bigName),
			status: 202, delta: newActor, check: func(t *testing.T, _ peer.Answer) {
				textWithin(t, "name", storedActor(bigName).Name, maxName)
			}},
		{name: "an actor with a 800 KiB bio is stored with at most 10,000 bytes of well-formed HTML", send: createBy(bigBio),
			status: 202, delta: newActor, check: func(t *testing.T, _ peer.Answer) {
				htmlWithin(t, "bio", storedActor(bigBio).Summary, maxBio)
			}},
		{name: "an actor with eight 100 KiB profile fields is stored with clamped fields", send: createBy(bigFields),
			status: 202, delta: newActor, check: func(t *testing.T, _ peer.Answer) {
				a := storedActor(bigFields)
				if len(a.Fields) == 0 {
					t.Fatalf("no fields stored")
				}
				for i, f := range a.Fields {
					textWithin(t, fmt.Sprintf("field %d name", i), f.Name, 255)
					htmlWithin(t, fmt.Sprintf("field %d value", i), f.Value, maxField)
				}
			}},
		{name: "an actor with a 400 KiB icon URL and profile URL is stored without them", send: createBy(bigIcon),
			status: 202, delta: newActor, check: func(t *testing.T, _ peer.Answer) {
				a := storedActor(bigIcon)
				if len(a.IconURL) > maxURL || len(a.URL) > maxURL {
					t.Errorf("icon URL of %d bytes, profile URL of %d, want at most %d", len(a.IconURL), len(a.URL), maxURL)
				}
			}},
		{name: "a note with 800 KiB of content is stored with at most 100,000 bytes of well-formed HTML",
			send: noteWith(func(n map[string]any) { n["content"] = hugeHTML(800 << 10) }), status: 202, delta: note,
			check: func(t *testing.T, _ peer.Answer) { htmlWithin(t, "content", lastNote(t).Content, maxContent) }},
		{name: "a note with a 900 KiB content warning is stored with one of at most 1,000 characters",
			send: noteWith(func(n map[string]any) { n["summary"] = huge(900 << 10) }), status: 202, delta: note,
			check: func(t *testing.T, _ peer.Answer) { textWithin(t, "summary", lastNote(t).Summary, maxWarning) }},
		{name: "a note with two 400 KiB contentMap values is stored with each clamped",
			send: noteWith(func(n map[string]any) {
				delete(n, "content")
				n["contentMap"] = map[string]string{"en": hugeHTML(400 << 10), "fr": hugeHTML(400 << 10)}
			}), status: 202, delta: note,
			check: func(t *testing.T, _ peer.Answer) {
				n := lastNote(t)
				htmlWithin(t, "content", n.Content, maxContent)
				if len(n.ContentMap) != 2 {
					t.Errorf("contentMap has %d languages, want 2", len(n.ContentMap))
				}
				for lang, s := range n.ContentMap {
					htmlWithin(t, "contentMap "+lang, s, maxContent)
				}
			}},
		{name: "a note with eight 100 KiB alt texts is stored with each at most 1,500 characters",
			send: noteWith(func(n map[string]any) { n["attachment"] = atts }), status: 202, delta: withMedia,
			check: func(t *testing.T, _ peer.Answer) {
				n := lastNote(t)
				if len(n.Media) != 8 {
					t.Errorf("%d attachments stored, want 8", len(n.Media))
				}
				for i, m := range n.Media {
					textWithin(t, fmt.Sprintf("alt text %d", i), m.Description, maxAlt)
				}
			}},
		{name: "a note with ten 40 KiB hashtags stores none of that size",
			send: noteWith(func(n map[string]any) { n["tag"] = tags }), status: 202, delta: note,
			check: func(t *testing.T, _ peer.Answer) {
				for _, tag := range lastNote(t).Tags {
					if len(tag.Name) > maxWarning || len(tag.Href) > maxURL {
						t.Errorf("a tag of %d bytes with a link of %d is stored", len(tag.Name), len(tag.Href))
					}
				}
			}},
		{name: "a note whose url, inReplyTo and conversation are 250 KiB stores none of them",
			send: noteWith(func(n map[string]any) {
				long := p.Base + "/" + strings.Repeat("c", 250<<10)
				n["url"], n["inReplyTo"], n["conversation"] = long, long, long
			}), status: 202, delta: note,
			check: func(t *testing.T, _ peer.Answer) {
				n := lastNote(t)
				if len(n.URL) > maxURL || len(n.InReplyToURI) > maxURL || len(n.Conversation) > maxURL {
					t.Errorf("url %d, inReplyTo %d, conversation %d bytes, want at most %d", len(n.URL), len(n.InReplyToURI),
						len(n.Conversation), maxURL)
				}
			}},
	}
	runHostile(t, in, rows)
}

// TestHostileActorEndpoints: an actor's inbox, shared inbox, outbox, followers, following
// and featured collection are all on its own host. One that is not is dropped, the same way
// for each; an actor left without an inbox of its own is refused, and what was stored of it
// stays.
func TestHostileActorEndpoints(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in, p, q := r.in, r.p, r.q
	mover := p.Actor("mover", r.k1)
	if _, err := in.App.Remote().FetchActor(context.Background(), mover.URI); err != nil {
		t.Fatal(err)
	}
	moved := func(field, value string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			doc := mover.Doc()
			doc["outbox"], doc["following"], doc["featured"] = mover.URI+"/outbox", mover.URI+"/following", mover.URI+"/featured"
			doc["endpoints"] = map[string]any{"sharedInbox": p.Base + "/inbox"}
			if field == "sharedInbox" {
				doc["endpoints"] = map[string]any{"sharedInbox": value}
			} else {
				doc[field] = value
			}
			p.Doc("/users/mover", doc)
			return mover.Post(t, in.Base+"/inbox", mover.Activity("Update", doc), peer.Sig{})
		}
	}
	stored := func(t *testing.T) *storage.Actor { return in.ActorByURI(mover.URI) }
	far := &peer.Actor{Peer: p, Name: "far", URI: p.Base + "/users/far", Key: r.k2}
	far.KeyID = far.URI + "#main-key"
	farDoc := far.Doc()
	farDoc["inbox"] = q.Base + "/users/far/inbox"
	p.Doc("/users/far", farDoc)

	rows := []hostileCase{
		{name: "an Update moving the inbox to another host is refused and the inbox stays",
			send: moved("inbox", q.Base+"/users/mover/inbox"), status: 400, reason: "has no inbox on its own host",
			check: func(t *testing.T, _ peer.Answer) {
				if a := stored(t); a.Inbox != mover.URI+"/inbox" {
					t.Errorf("inbox %q, want the old one", a.Inbox)
				}
			}},
		{name: "an Update moving the shared inbox to another host drops it", send: moved("sharedInbox", q.Base+"/inbox"),
			status: 202, delta: map[string]int{"activities": 1}, check: func(t *testing.T, _ peer.Answer) {
				if a := stored(t); a.SharedInbox != "" {
					t.Errorf("shared inbox %q, want none", a.SharedInbox)
				}
			}},
	}
	for _, field := range []string{"outbox", "followers", "following", "featured"} {
		rows = append(rows, hostileCase{name: "an Update moving " + field + " to another host drops it",
			send: moved(field, q.Base+"/users/mover/"+field), status: 202, delta: map[string]int{"activities": 1},
			check: func(t *testing.T, _ peer.Answer) {
				a := stored(t)
				got := map[string]string{"outbox": a.Outbox, "followers": a.FollowersURI, "following": a.FollowingURI,
					"featured": a.FeaturedURI}[field]
				if got != "" {
					t.Errorf("%s %q, want none", field, got)
				}
				if a.SharedInbox != p.Base+"/inbox" {
					t.Errorf("shared inbox %q, want the one on its host", a.SharedInbox)
				}
			}})
	}
	rows = append(rows, hostileCase{name: "a new actor whose inbox is on another host is refused",
		send:   func(t *testing.T) peer.Answer { return far.Post(t, in.Base+"/inbox", r.create(far), peer.Sig{}) },
		status: 401, reason: "has no inbox on its own host"})
	runHostile(t, in, rows)
}

// TestOrphanUploads: an upload that no note took (a crash between the upload and the post)
// is removed, row and files, once it is older than a day, at start and then now and then,
// and so is an upload's file that no row names (a crash before the row was stored); a fresh
// one, which a post may still take, stays, as do uploads attached to a note and files that
// are not uploads.
func TestOrphanUploads(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	token, _ := in.Account("alice", false)
	alice := in.LocalActor("alice")
	ctx := context.Background()
	dir := media.Dir(in.Cfg.Data)
	upload := func(age time.Duration) *storage.Media {
		img, err := media.Process(ctx, testimage.PNG(t, testimage.Halves(600, 300)))
		if err != nil {
			t.Fatal(err)
		}
		name, thumb, err := img.Save(dir)
		if err != nil {
			t.Fatal(err)
		}
		m := &storage.Media{ActorID: alice.ID, URL: in.Base + "/media/" + name, Path: name, ThumbPath: thumb,
			MediaType: img.MediaType, Width: img.Width, Height: img.Height, Created: time.Now().Add(-age)}
		if err := in.App.DB().Update(ctx, func(tx storage.Tx) error { return tx.CreateMedia(ctx, m) }); err != nil {
			t.Fatal(err)
		}
		return m
	}
	old, fresh, attached := upload(25*time.Hour), upload(time.Hour), upload(25*time.Hour)
	note := in.PostNote("alice", token, map[string]any{"content": "with a picture"})
	n := in.Note(note)
	n.Media = []storage.Media{*attached}
	if err := in.App.DB().Update(ctx, func(tx storage.Tx) error { return tx.UpdateNote(ctx, n) }); err != nil {
		t.Fatal(err)
	}
	// Files no row names: what a crash between writing an upload and storing its row left.
	stray := func(name string, age time.Duration) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("left by a crash"), 0o640); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-age)
		if err := os.Chtimes(path, when, when); err != nil {
			t.Fatal(err)
		}
		return path
	}
	oldStray, oldTemp := stray("aaaaaaaaaaaaaaaaaaaaaaaaaa.png", 25*time.Hour), stray(".upload-123", 25*time.Hour)
	freshStray, other := stray("bbbbbbbbbbbbbbbbbbbbbbbbbb.jpg", time.Hour), stray("notes.txt", 25*time.Hour)
	in.Restart() // the clean-up runs at start
	exists := func(m *storage.Media) (row, files bool) {
		_, err := in.App.DB().GetMedia(ctx, m.ID)
		_, ferr := os.Stat(filepath.Join(dir, m.Path))
		_, terr := os.Stat(filepath.Join(dir, m.ThumbPath))
		return err == nil, ferr == nil && terr == nil
	}
	gone := func(path string) bool { _, err := os.Stat(path); return err != nil }
	testrig.Eventually(t, testrig.FederationWait, "the old orphan and stray files removed", func() bool {
		row, files := exists(old)
		return !row && !files && gone(oldStray) && gone(oldTemp)
	})
	for what, m := range map[string]*storage.Media{"the fresh upload": fresh, "the attached upload": attached} {
		if row, files := exists(m); !row || !files {
			t.Errorf("%s: row kept %v, files kept %v; want both kept", what, row, files)
		}
	}
	for path, keep := range map[string]bool{oldStray: false, oldTemp: false, freshStray: true, other: true} {
		if _, err := os.Stat(path); (err == nil) != keep {
			t.Errorf("%s: kept %v, want %v", filepath.Base(path), err == nil, keep)
		}
	}
}
