package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/reader"
	"refuge/server/httpx"
)

// TestHostileBodies: bodies no parser should see are refused before they cost anything, and
// a reply chain 1,000 deep is walked only as far as the bound.
func TestHostileBodies(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in, p := r.in, r.p
	raw := func(body []byte, contentType string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			return r.eve.Post(t, in.Base+"/users/alice/inbox", body, peer.Sig{}, contentType)
		}
	}
	// The note is proper; what wraps it is not.
	createWith := func(field string, value any) []byte {
		act := r.create(r.eve)
		act[field] = value
		return mustJSON(t, act)
	}
	manyTo := make([]string, 10001)
	for i := range manyTo {
		manyTo[i] = r.alice
	}
	tags := make([]map[string]any, 100000)
	for i := range tags {
		tags[i] = map[string]any{}
	}
	note := r.eve.Note("tagged", r.alice)
	note["tag"] = tags
	manyTags := mustJSON(t, r.eve.Activity("Create", note, "to", []string{r.alice}))
	big := createWith("padding", strings.Repeat("x", 5<<20))
	badUTF8 := bytes.Replace(mustJSON(t, r.create(r.eve)), []byte("a note for alice"), []byte("a note \xff\xfe for alice"), 1)

	// A reply chain 1,000 deep on p, each note answering the one before; and two notes
	// answering each other.
	const depth = 1000
	var lastDoc map[string]any // the newest note sent, at first the end of the chain
	chain := func(i int) string { return p.Base + "/chain/" + strconv.Itoa(i) }
	for i := 1; i <= depth; i++ {
		n := map[string]any{"id": chain(i), "type": "Note", "attributedTo": r.eve.URI, "content": fmt.Sprintf("reply %d", i),
			"to": r.publicTo, "cc": []string{r.alice}}
		if i > 1 {
			n["inReplyTo"] = chain(i - 1)
		}
		p.Doc("/chain/"+strconv.Itoa(i), n)
		lastDoc = n
	}
	for _, pair := range [][2]string{{"a", "b"}, {"b", "a"}} {
		p.Doc("/loop/"+pair[0], map[string]any{"id": p.Base + "/loop/" + pair[0], "type": "Note", "attributedTo": r.eve.URI,
			"content": "loop " + pair[0], "to": r.publicTo, "inReplyTo": p.Base + "/loop/" + pair[1]})
	}
	chainHits := func() int {
		n := 0
		for i := 1; i <= depth; i++ {
			n += p.Hits("/chain/" + strconv.Itoa(i))
		}
		return n
	}
	// threadPage views uri's page until it shows want: missing ancestors are fetched in the
	// background, and each view shows what has arrived. Twenty fetches one after another
	// take a while on a loaded machine under -race.
	const backfillWait = 2 * testrig.FederationWait
	threadPage := func(uri, want string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			n := r.storedNote(t, uri)
			if n == nil {
				t.Fatalf("%s not stored", uri)
			}
			var got peer.Answer
			testrig.Eventually(t, backfillWait, want+" on the thread page", func() bool {
				req, _ := http.NewRequest(http.MethodGet, in.Base+"/notes/"+strconv.FormatInt(n.ID, 10), nil)
				req.Header.Set("Accept", "text/html")
				got = peer.Send(t, req)
				return strings.Contains(string(got.Body), want)
			})
			return got
		}
	}

	rows := []hostileCase{
		{name: "not JSON", send: raw([]byte("this is not JSON, {\"type\":\"Create\"}"), httpx.ActivityJSON), status: 400, reason: "not JSON"},
		{name: "an empty body", send: raw([]byte{}, httpx.ActivityJSON), status: 400, reason: "not JSON"},
		{name: "a JSON array", send: raw([]byte(`[`+string(mustJSON(t, r.create(r.eve)))+`]`), httpx.ActivityJSON), status: 400, reason: "not a JSON object"},
		{name: "objects nested 10,000 deep", send: raw([]byte(strings.Repeat(`{"a":`, 10000)+"1"+strings.Repeat("}", 10000)), httpx.ActivityJSON),
			status: 400, reason: "nested deeper than"},
		{name: "arrays nested 10,000 deep inside an activity", send: raw(bytes.Replace(createWith("tag", "NEST"), []byte(`"NEST"`),
			[]byte(strings.Repeat("[", 10000)+strings.Repeat("]", 10000)), 1), httpx.ActivityJSON),
			status: 400, reason: "nested deeper than"},
		{name: "a 5 MiB body", send: raw(big, httpx.ActivityJSON), status: 413, reason: "larger than"},
		{name: "wrong Content-Type", send: raw(mustJSON(t, r.create(r.eve)), "text/plain"), status: 400, reason: "Content-Type must be"},
		{name: "form Content-Type", send: raw(mustJSON(t, r.create(r.eve)), "application/x-www-form-urlencoded"), status: 400, reason: "Content-Type must be"},
		{name: "a huge to list", send: raw(createWith("to", manyTo), httpx.ActivityJSON), status: 400, reason: "too many recipients"},
		{name: "an activity with 100,000 tags", send: raw(manyTags, httpx.ActivityJSON), status: 400, reason: "too many array elements"},
		{name: "invalid UTF-8", send: raw(badUTF8, httpx.ActivityJSON), status: 400, reason: "not valid UTF-8"},
		{name: "an activity without an actor", send: raw(createWith("actor", nil), httpx.ActivityJSON), status: 400, reason: "has no actor"},
		{name: "a reply at the end of a chain 1,000 deep", send: func(t *testing.T) peer.Answer {
			return r.eve.Post(t, in.Base+"/inbox", r.eve.Activity("Create", lastDoc, "to", r.publicTo, "cc", []string{r.alice}), peer.Sig{})
		}, status: 202, delta: map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1},
			check: func(t *testing.T, _ peer.Answer) {
				if n := chainHits(); n != 0 {
					t.Errorf("receiving the reply fetched %d ancestors", n)
				}
			}},
		{name: "its thread page walks a bounded number of ancestors",
			send:   threadPage(chain(depth), fmt.Sprintf("reply %d", depth-reader.MaxAncestors)),
			status: 200, delta: map[string]int{"notes": reader.MaxAncestors}, within: backfillWait,
			check: func(t *testing.T, got peer.Answer) {
				if n := chainHits(); n != reader.MaxAncestors {
					t.Errorf("fetched %d ancestors, want %d", n, reader.MaxAncestors)
				}
			}},
		{name: "a reply into a loop of two notes", send: func(t *testing.T) peer.Answer {
			n := r.eve.Note("into the loop", r.publicTo...)
			n["inReplyTo"], n["cc"] = p.Base+"/loop/a", []string{r.alice}
			lastDoc = n
			return r.eve.Post(t, in.Base+"/inbox", r.eve.Activity("Create", n, "to", r.publicTo, "cc", []string{r.alice}), peer.Sig{})
		}, status: 202, delta: map[string]int{"notes": 1, "activities": 1, "feed": 1, "notifications": 1}},
		{name: "its thread page ends the loop", send: func(t *testing.T) peer.Answer {
			return threadPage(lastDoc["id"].(string), "loop b")(t)
		}, status: 200, delta: map[string]int{"notes": 2}, within: backfillWait, check: func(t *testing.T, got peer.Answer) {
			if a, b := p.Hits("/loop/a"), p.Hits("/loop/b"); a != 1 || b != 1 {
				t.Errorf("the loop's notes were fetched %d and %d times, want once each", a, b)
			}
			if a, b := strings.Count(string(got.Body), "loop a"), strings.Count(string(got.Body), "loop b"); a != 1 || b != 1 {
				t.Errorf("the page shows the loop's notes %d and %d times, want once each", a, b)
			}
		}},
	}
	runHostile(t, in, rows)
}
