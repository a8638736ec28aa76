package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server/httpx"
)

// TestHostileSuspended: a suspended account's token, session and password, kept from before
// its suspension, get nothing — no read, no write, no new session — and store nothing.
func TestHostileSuspended(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	tok, alice := in.Account("alice", false)
	in.PostNote("alice", tok, map[string]any{"content": "before", "to": "https://www.w3.org/ns/activitystreams#Public"})
	sess := webSignIn(t, in, "alice")
	if _, err := in.App.Outbox().Suspend(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	api := func(method, path string, body any) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return hostileDo(t, in, method, path, tok, body) }
	}
	page := func(path string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return getPage(t, in, path, sess.cookie) }
	}
	const disabled = "Your login is currently disabled"
	rows := []hostileCase{
		{name: "token: verify_credentials", send: api("GET", "/api/v1/accounts/verify_credentials", nil), status: 403, reason: disabled},
		{name: "token: home timeline", send: api("GET", "/api/v1/timelines/home", nil), status: 403, reason: disabled},
		{name: "token: notifications", send: api("GET", "/api/v1/notifications", nil), status: 403, reason: disabled},
		{name: "token: a public timeline is no way around it", send: api("GET", "/api/v1/timelines/public", nil), status: 403, reason: disabled},
		{name: "token: post a status", send: api("POST", "/api/v1/statuses", map[string]any{"status": "sneaky"}), status: 403, reason: disabled},
		{name: "token: change the profile", send: api("PATCH", "/api/v1/accounts/update_credentials", map[string]any{"display_name": "x"}),
			status: 403, reason: disabled},
		{name: "token: C2S outbox post", send: api("POST", "/users/alice/outbox", map[string]any{"type": "Note", "content": "sneaky",
			"to": "https://www.w3.org/ns/activitystreams#Public"}), status: 403, reason: disabled},
		{name: "token: read the inbox by C2S", send: api("GET", "/users/alice/inbox", nil), status: 403, reason: disabled},
		{name: "token: the streaming API", send: api("GET", "/api/v1/streaming/user", nil), status: 403, reason: disabled},
		{name: "token: its own outbox, followers-only posts and all", send: api("GET", "/users/alice/outbox?page=true", nil), status: 403},
		{name: "session: home page", send: page("/home"), status: 303},
		{name: "session: compose page", send: page("/compose"), status: 303},
		{name: "session: post by the form", send: func(t *testing.T) peer.Answer {
			return formPost(t, in, "/web/notes", sess.cookie, "", url.Values{"content": {"sneaky"}, "csrf": {sess.csrf}})
		}, status: 401, reason: "sign in first"},
		{name: "session: sign out everywhere", send: func(t *testing.T) peer.Answer {
			return formPost(t, in, "/web/signout_all", sess.cookie, "", url.Values{"csrf": {sess.csrf}})
		}, status: 401},
		{name: "session: delete the account", send: func(t *testing.T) peer.Answer {
			return formPost(t, in, "/web/delete_account", sess.cookie, "", url.Values{"csrf": {sess.csrf}, "current_password": {"password-alice"}})
		}, status: 401},
		{name: "password: the sign-in form", send: func(t *testing.T) peer.Answer {
			got, cookie := trySignIn(t, in, "alice")
			if cookie != "" {
				t.Errorf("a session was given: %q", cookie)
			}
			return got
		}, status: 403, reason: "This account is suspended."},
		{name: "session cookie sent to the C2S outbox", send: func(t *testing.T) peer.Answer {
			req, _ := http.NewRequest(http.MethodPost, alice+"/outbox", bytes.NewReader(mustJSON(t, map[string]any{"type": "Note", "content": "x"})))
			req.Header.Set("Content-Type", httpx.ActivityJSON)
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: sess.cookie})
			return peer.Send(t, req)
		}, status: 401},
	}
	runHostile(t, in, rows)
}
