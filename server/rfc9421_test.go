package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
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
		if err := peer.SignMessage(r, body, signing, fed.KeyID, time.Now(), used, `;alg="rsa-v1_5-sha256"`); err != nil {
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
	if n := notes(); n != before {
		t.Fatalf("refused deliveries stored %d notes", n-before)
	}
	if got := send("POST", in.Base+"/users/alice/inbox", create("hello in RFC 9421"), false, nil); got.Status != http.StatusAccepted {
		t.Fatalf("delivery signed with RFC 9421: %v", got)
	}
	testrig.Eventually(t, 10*time.Second, "the note is stored", func() bool { return notes() == before+1 })
}
