package api_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/server"
	"refuge/storage"
)

// TestEmailConfirmations: POST /api/v1/emails/confirmations mails a new link while an
// address waits for confirmation, to a new address when given one, and answers {}; it is
// 403 for an account with nothing waiting, without the scope, or on a server that sends no
// mail; 401 without a token; and the link it mails confirms the address. Until then the
// account's tokens are refused everywhere else.
func TestEmailConfirmations(t *testing.T) {
	t.Parallel()
	rx := testrig.StartMailServer(t, testrig.MailPlain, "", "")
	in := testrig.Start(t, func(c *server.Config) { c.SMTPURL = rx.URL() })
	w := &world{in: in}
	ctx := context.Background()
	in.Account("alice", false)
	in.Account("bob", false)
	if err := in.App.Outbox().SetEmail(ctx, "bob", "bob@example.org"); err != nil {
		t.Fatal(err)
	}
	alice := in.LocalActor("alice")
	err := in.App.DB().Update(ctx, func(tx storage.Tx) error { // as sign-up leaves it
		c, err := tx.GetCredentials(ctx, alice.ID)
		if err != nil {
			return err
		}
		c.Email = "alice@example.org"
		return tx.PutCredentials(ctx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	aliceTok := w.oauthToken(t, "alice", "write:accounts")
	post := func(token string, body url.Values) request {
		return request{method: "POST", path: "/api/v1/emails/confirmations", token: token, body: body}
	}
	empty := func(v any) bool { m, good := v.(map[string]any); return good && len(m) == 0 }
	runWrites(t, in, []writeCase{
		{"no token", post("", nil), 401, nil},
		{"read scope only", post(w.oauthToken(t, "alice", "read"), nil), 403, nil},
		{"confirmed, nothing waits", post(w.oauthToken(t, "bob", "write"), nil), 403, nil},
		{"a bad new address", post(aliceTok, url.Values{"email": {"not one"}}), 422, nil},
		{"the address of another account", post(aliceTok, url.Values{"email": {"BOB@example.org"}}), 409, nil},
		{"again", post(aliceTok, nil), 200, empty},
	})
	// Anything else her token asks for is refused until she confirms, as on Mastodon.
	verify := func() (int, any) {
		return send(t, in, request{method: "GET", path: "/api/v1/accounts/verify_credentials", token: w.oauthToken(t, "alice", "read")})
	}
	if status, v := verify(); status != 403 || !strings.Contains(field(v, "error"), "missing a confirmed e-mail address") {
		t.Errorf("alice unconfirmed, verify_credentials: %d %v", status, v)
	}
	if m := rx.WaitMail(1); m.To[0] != "alice@example.org" || !strings.Contains(m.Link(), "/auth/confirmation?confirmation_token=") {
		t.Errorf("mail to %v: %s", m.To, m.Body)
	}
	status, v := send(t, in, post(aliceTok, url.Values{"email": {"alice@new.example"}}))
	if status != 200 || !empty(v) {
		t.Fatalf("to a new address: %d %v", status, v)
	}
	m := rx.WaitMail(2)
	if m.To[0] != "alice@new.example" {
		t.Errorf("mailed to %v", m.To)
	}
	link, _ := url.Parse(m.Link())
	if status, _, _ := in.Do("GET", link.RequestURI(), "", nil); status != 200 { // after the redirect to sign in
		t.Errorf("the link: %d", status)
	}
	if id, err := in.App.DB().AccountByEmail(ctx, "alice@new.example"); err != nil || id != alice.ID {
		t.Errorf("alice's address after the link: %d, %v", id, err)
	}
	if status, v := verify(); status != 200 {
		t.Errorf("alice confirmed, verify_credentials: %d %v", status, v)
	}
	runWrites(t, in, []writeCase{{"confirmed now", post(aliceTok, nil), 403, func(v any) bool {
		return strings.Contains(field(v, "error"), "awaiting confirmation")
	}}})

	// Without mail: 403.
	off := testrig.Start(t)
	off.Account("carol", false)
	runWrites(t, off, []writeCase{{"no mail here", post((&world{in: off}).oauthToken(t, "carol", "write:accounts"), nil), 403, nil}})
}
