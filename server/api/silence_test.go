package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"refuge/storage"
)

// domainBlockShape is Mastodon's DomainBlock entity as GET /api/v1/instance/domain_blocks
// lists it: comment is there only with a public reason.
var domainBlockShape = map[string]string{"domain": "string", "digest": "string", "severity": "string"}

// TestInstanceDomainBlocks: anyone, without a token, reads the servers the instance
// suspends or silences, oldest first, each with the SHA-256 of its domain and, when there
// is one, its public reason as comment; the blocks of single actors and the admins' private
// notes are never listed. A bad token is 401, as anywhere.
func TestInstanceDomainBlocks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if status, list, _ := get(t, w.in, "/api/v1/instance/domain_blocks", ""); status != http.StatusOK || len(list.([]any)) != 0 {
		t.Errorf("no blocks: %d %v", status, list)
	}
	for _, b := range []storage.Block{
		{Target: "spam.example", Severity: storage.BlockSuspend, PublicComment: "spam", PrivateComment: "secret note one"},
		{Target: "https://other.example/users/troll", Severity: storage.BlockSuspend, PublicComment: "a troll"},
		{Target: "noisy.example:8443", Severity: storage.BlockSilence, PrivateComment: "secret note two"},
	} {
		if _, err := w.in.App.Outbox().PutInstanceBlock(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	rows := []struct {
		name, token string
		status      int
	}{
		{"anonymous", "", http.StatusOK},
		{"with a token", w.carolTok, http.StatusOK},
		{"a bad token", "not-a-token", http.StatusUnauthorized},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			status, body, _ := get(t, w.in, "/api/v1/instance/domain_blocks", row.token)
			if status != row.status {
				t.Fatalf("%d %v", status, body)
			}
			if status != http.StatusOK {
				if e, _ := body.(map[string]any); e == nil || e["error"] == nil {
					t.Errorf("error body %v", body)
				}
				return
			}
			list := body.([]any)
			if len(list) != 2 {
				t.Fatalf("listed %v, want the two servers", list)
			}
			want := []struct{ domain, severity, comment string }{
				{"spam.example", "suspend", "spam"}, {"noisy.example:8443", "silence", ""}}
			for i, b := range list {
				shape(t, "DomainBlock", b, domainBlockShape)
				m := b.(map[string]any)
				sum := sha256.Sum256([]byte(want[i].domain))
				if m["domain"] != want[i].domain || m["severity"] != want[i].severity || m["digest"] != hex.EncodeToString(sum[:]) {
					t.Errorf("block %d: %v, want %+v", i, m, want[i])
				}
				if c, present := m["comment"]; present != (want[i].comment != "") || present && c != want[i].comment {
					t.Errorf("block %d comment: %v (present %v), want %q", i, c, present, want[i].comment)
				}
			}
			if raw := strings.Join([]string{field(list[0], "comment"), field(list[1], "comment")}, " "); strings.Contains(raw, "secret") {
				t.Errorf("a private note is listed: %s", raw)
			}
		})
	}
}

// TestAccountLimited: the Account entity of a silenced account says `limited: true`,
// wherever it is rendered, for everyone; otherwise the key is not there, as Mastodon writes
// it. A silenced account's post leaves the public timeline of a non-follower (carol) and
// stays in its follower's (bob's).
func TestAccountLimited(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	alice := w.in.LocalActor("alice")
	inPublic := func(token string) bool {
		t.Helper()
		_, list, _ := get(t, w.in, "/api/v1/timelines/public", token)
		for _, s := range list.([]any) {
			if idOf(s) == w.public {
				return true
			}
		}
		return false
	}
	for _, silenced := range []bool{true, false} {
		change := w.in.App.Outbox().Unsilence
		if silenced {
			change = w.in.App.Outbox().Silence
		}
		if _, err := change(ctx, alice.ID); err != nil {
			t.Fatal(err)
		}
		for _, token := range []string{"", w.carolTok, w.bobTok} {
			_, acc, _ := get(t, w.in, "/api/v1/accounts/"+w.aliceID, token)
			limited, present := acc.(map[string]any)["limited"]
			if present != silenced || present && limited != true {
				t.Errorf("silenced %v: limited %v (present %v) for %q", silenced, limited, present, token)
			}
			shape(t, "Account", acc, accountShape)
		}
		_, status, _ := get(t, w.in, "/api/v1/statuses/"+w.public, w.carolTok)
		if got, _ := status.(map[string]any)["account"].(map[string]any)["limited"].(bool); got != silenced {
			t.Errorf("silenced %v: the status's account says limited %v", silenced, got)
		}
		if got := inPublic(w.carolTok); got == silenced {
			t.Errorf("silenced %v: in carol's public timeline %v", silenced, got)
		}
		if got := inPublic(""); got == silenced {
			t.Errorf("silenced %v: in the anonymous public timeline %v", silenced, got)
		}
		if !inPublic(w.bobTok) {
			t.Errorf("silenced %v: not in her follower's public timeline", silenced)
		}
	}
}
