package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/server"
)

// TestAuthorizedFetch: with --authorized-fetch an unsigned read of an actor or note is
// refused, while another instance (which signs its fetches) can still follow and read.
func TestAuthorizedFetch(t *testing.T) {
	a := testrig.Start(t, func(c *server.Config) { c.AuthorizedFetch = true })
	b := testrig.Start(t)
	aliceTok, alice := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)

	status, body, _ := a.Do("GET", "/users/alice", "", nil)
	if status != http.StatusUnauthorized || !strings.Contains(string(body), "signed requests") {
		t.Fatalf("unsigned actor fetch: %d %s", status, body)
	}
	// The instance actor stays readable: peers need its key to check our own fetches.
	if status, _, _ := a.Do("GET", "/actor", "", nil); status != http.StatusOK {
		t.Fatalf("instance actor: %d", status)
	}
	// WebFinger stays open too.
	if status, _, _ := a.Do("GET", "/.well-known/webfinger?resource=acct:alice@"+a.Cfg.Domain, "", nil); status != http.StatusOK {
		t.Fatalf("webfinger: %d", status)
	}
	status, body, _ = b.Do("POST", "/users/bob/outbox", bobTok, map[string]any{"type": "Follow", "object": alice})
	if status != http.StatusCreated {
		t.Fatalf("follow across authorized fetch: %d %s", status, body)
	}
	testrig.Eventually(t, 10*time.Second, "bob follows alice", func() bool {
		_, body, _ := b.Do("GET", "/users/bob/following", "", nil)
		return strings.Contains(string(body), `"totalItems":1`)
	})
	_, _, h := a.Do("POST", "/users/alice/outbox", aliceTok, map[string]any{"type": "Note", "content": "for signed readers"})
	note := strings.TrimSuffix(h.Get("Location"), "/activity")
	if status, _, _ := a.Do("GET", note, "", nil); status != http.StatusUnauthorized {
		t.Fatalf("unsigned note fetch: %d", status)
	}
	// bob got the note by delivery (b fetched alice signed, to follow her); his reply reaches her.
	status, body, _ = b.Do("POST", "/users/bob/outbox", bobTok, map[string]any{"type": "Note", "content": "a signed reply", "inReplyTo": note})
	if status != http.StatusCreated {
		t.Fatalf("reply to a note behind authorized fetch: %d %s", status, body)
	}
	testrig.Eventually(t, 10*time.Second, "the reply reaches alice", func() bool {
		replies, err := a.App.DB().ListReplies(context.Background(), note, 0)
		return err == nil && len(replies) == 1 && strings.Contains(replies[0].Content, "a signed reply")
	})
}
