package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAuthorizedFetch: with --authorized-fetch an unsigned read of an actor or note is
// refused, while another instance (which signs its fetches) can still follow and read.
func TestAuthorizedFetch(t *testing.T) {
	a := startInstance(t, func(c *Config) { c.AuthorizedFetch = true })
	b := startInstance(t)
	aliceTok, alice := a.account("alice", false)
	bobTok, _ := b.account("bob", false)

	status, body, _ := a.do("GET", "/users/alice", "", nil)
	if status != http.StatusUnauthorized || !strings.Contains(string(body), "signed requests") {
		t.Fatalf("unsigned actor fetch: %d %s", status, body)
	}
	// The instance actor stays readable: peers need its key to check our own fetches.
	if status, _, _ := a.do("GET", "/actor", "", nil); status != http.StatusOK {
		t.Fatalf("instance actor: %d", status)
	}
	// WebFinger stays open too.
	if status, _, _ := a.do("GET", "/.well-known/webfinger?resource=acct:alice@"+a.cfg.Domain, "", nil); status != http.StatusOK {
		t.Fatalf("webfinger: %d", status)
	}
	status, body, _ = b.do("POST", "/users/bob/outbox", bobTok, map[string]any{"type": "Follow", "object": alice})
	if status != http.StatusCreated {
		t.Fatalf("follow across authorized fetch: %d %s", status, body)
	}
	eventually(t, 10*time.Second, "bob follows alice", func() bool {
		_, body, _ := b.do("GET", "/users/bob/following", "", nil)
		return strings.Contains(string(body), `"totalItems":1`)
	})
	_, _, h := a.do("POST", "/users/alice/outbox", aliceTok, map[string]any{"type": "Note", "content": "for signed readers"})
	note := strings.TrimSuffix(h.Get("Location"), "/activity")
	if status, _, _ := a.do("GET", note, "", nil); status != http.StatusUnauthorized {
		t.Fatalf("unsigned note fetch: %d", status)
	}
	// bob got the note by delivery (b fetched alice signed, to follow her); his reply reaches her.
	status, body, _ = b.do("POST", "/users/bob/outbox", bobTok, map[string]any{"type": "Note", "content": "a signed reply", "inReplyTo": note})
	if status != http.StatusCreated {
		t.Fatalf("reply to a note behind authorized fetch: %d %s", status, body)
	}
	eventually(t, 10*time.Second, "the reply reaches alice", func() bool {
		replies, err := a.app.db.ListReplies(context.Background(), note, 0)
		return err == nil && len(replies) == 1 && strings.Contains(replies[0].Content, "a signed reply")
	})
}
