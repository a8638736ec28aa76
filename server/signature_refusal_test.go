package server_test

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
)

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

// TestSignatureRefusals delivers to a real instance, as a hostile peer, activities whose
// signature or origin is wrong. Each is refused with 401 or 403 and a JSON reason, and
// stores nothing; a correctly signed one, last, is accepted and stored.
func TestSignatureRefusals(t *testing.T) {
	t.Parallel()
	a := testrig.Start(t)
	_, alice := a.Account("alice", false)
	// A hostile peer on purpose, with real keys, so that deliveries are signed the way a
	// forger would; everything else here is a real instance.
	k1, k2 := peer.Keys()
	forger := peer.New(t, "127.0.0.1:0", "")
	m, eve := forger.Actor("mallory", k1), forger.Actor("eve", k2)
	mallory := m.URI

	cases := []struct {
		name         string
		signer       *peer.Actor
		key          *rsa.PrivateKey // signs instead of the signer's own key
		attributedTo string
		age          time.Duration // how old the signed Date is
		tamper       bool          // change the body after signing
		status       int
		reason       string
	}{
		{name: "forged signature", signer: m, key: eve.Key, // mallory's keyId, a key that is not his
			attributedTo: mallory, status: 401, reason: "signature verification failed"},
		{name: "body changed after signing", signer: m, attributedTo: mallory,
			tamper: true, status: 401, reason: "digest does not match"},
		{name: "date two hours old", signer: m, attributedTo: mallory,
			age: 2 * time.Hour, status: 401, reason: "date"},
		{name: "key of another actor", signer: eve, attributedTo: mallory,
			status: 401, reason: "not the signer"},
		{name: "note attributed to another host", signer: m, attributedTo: alice,
			status: 403, reason: "attributed"},
	}
	tables := []string{"notes", "activities", "follows", "likes", "announces", "feed", "notifications"}
	rowCounts := func() map[string]int {
		all, m := a.RowCounts(), map[string]int{}
		for _, table := range tables {
			m[table] = all[table]
		}
		return m
	}
	for i, inbox := range []string{"/users/alice/inbox", "/inbox"} {
		for j, tc := range cases {
			t.Run(tc.name+" to "+inbox, func(t *testing.T) {
				before := rowCounts()
				body := createNote(mallory, tc.attributedTo, alice, string(rune('a'+i))+string(rune('a'+j)))
				key := tc.signer.Key
				if tc.key != nil {
					key = tc.key
				}
				req, err := peer.SignedPost(a.Base+inbox, body, tc.signer.KeyID, key, peer.Sig{Date: time.Now().Add(-tc.age)})
				if err != nil {
					t.Fatal(err)
				}
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
		before := a.RowCounts()["notes"]
		req, err := peer.SignedPost(a.Base+"/inbox", createNote(mallory, mallory, alice, "ok"), m.KeyID, m.Key, peer.Sig{})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("got %d, want 202", resp.StatusCode)
		}
		if a.Note(mallory+"/statuses/ok") == nil || a.RowCounts()["notes"] != before+1 {
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
