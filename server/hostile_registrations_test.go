package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
	"refuge/server/web"
)

// signUpPost posts the sign-up form with fields, the sign-up cookie cookie ("" for none) and
// the form's csrf token.
func signUpPost(t *testing.T, in *testrig.Instance, cookie, csrf string, fields url.Values) peer.Answer {
	t.Helper()
	form := url.Values{}
	for k, v := range fields {
		form[k] = v
	}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, in.Base+"/auth/sign_up", bytes.NewReader([]byte(form.Encode())))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: web.SignUpCookie, Value: cookie})
	}
	return peer.Send(t, req)
}

// TestHostileRegistrations: expiring an invite is refused to anyone but its maker and the
// admins, and without the CSRF token or from another site; making one is refused to a
// non-admin outside invite mode; the sign-up form is refused without its own token.
// Nothing changes. (Approving and rejecting sign-ups are rows of TestHostileAdmin.)
func TestHostileRegistrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t, func(c *server.Config) { c.Registrations = "approval" })
	in.Account("mal", false)
	if _, err := in.App.Outbox().CreateAccount(ctx, "root", "password-root", true); err != nil {
		t.Fatal(err)
	}
	rootWeb, malWeb := webSignIn(t, in, "root"), webSignIn(t, in, "mal")
	inv, err := in.App.Outbox().CreateInvite(ctx, in.LocalActor("root"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	unchanged := func(t *testing.T, _ peer.Answer) {
		if got, err := in.App.DB().GetInvite(ctx, inv.Code); err != nil || !got.ExpiresAt.IsZero() {
			t.Errorf("the invite changed: %+v %v", got, err)
		}
	}
	expire := fmt.Sprintf("/invites/%d/expire", inv.ID)
	runHostile(t, in, []hostileCase{
		{name: "expire the admin's invite as a non-admin", send: func(t *testing.T) peer.Answer {
			return formPost(t, in, expire, malWeb.cookie, "", url.Values{"csrf": {malWeb.csrf}})
		}, status: 403, reason: "only its maker or an admin", check: unchanged},
		{name: "expire an invite without the CSRF token", send: func(t *testing.T) peer.Answer {
			return formPost(t, in, expire, rootWeb.cookie, "", url.Values{})
		}, status: 403, reason: "no CSRF token", check: unchanged},
		{name: "expire an invite from another site", send: func(t *testing.T) peer.Answer {
			return formPost(t, in, expire, rootWeb.cookie, "http://evil.example", url.Values{"csrf": {rootWeb.csrf}})
		}, status: 403, reason: "from another site", check: unchanged},
		{name: "expire an invite as a visitor", send: func(t *testing.T) peer.Answer {
			return formPost(t, in, expire, "", "", url.Values{"csrf": {rootWeb.csrf}})
		}, status: 401, reason: "sign in first", check: unchanged},
		{name: "make an invite as a non-admin outside invite mode", send: func(t *testing.T) peer.Answer {
			return formPost(t, in, "/invites", malWeb.cookie, "", url.Values{"csrf": {malWeb.csrf}, "expires_in": {"0"}, "max_uses": {"0"}})
		}, status: 403, reason: "only admins make invite links"},
		{name: "sign up without the form's cookie", send: func(t *testing.T) peer.Answer {
			return signUpPost(t, in, "", maskedToken("tok"), signUpFields("eve"))
		}, status: 403, reason: "sign-up form expired or was sent from another site"},
		{name: "sign up without the CSRF token", send: func(t *testing.T) peer.Answer {
			return signUpPost(t, in, "tok", "", signUpFields("eve"))
		}, status: 403, reason: "sign-up form expired"},
		{name: "sign up with the token of another cookie", send: func(t *testing.T) peer.Answer {
			return signUpPost(t, in, "tok", maskedToken("other"), signUpFields("eve"))
		}, status: 403, reason: "sign-up form expired"},
		{name: "sign up with a session's token instead", send: func(t *testing.T) peer.Answer {
			return signUpPost(t, in, "tok", malWeb.csrf, signUpFields("eve"))
		}, status: 403, reason: "sign-up form expired"},
		{name: "sign up with the form's token", send: func(t *testing.T) peer.Answer {
			return signUpPost(t, in, "tok", maskedToken("tok"), signUpFields("eve"))
		}, status: http.StatusSeeOther, delta: map[string]int{"actors": 1, "credentials": 1, "sign_ups": 1}},
	})
}
