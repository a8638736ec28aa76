package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server/web"
	"refuge/storage"
)

// TestHostileEmail: the forms that mail links or use them, and the address setting, want
// their CSRF token from the same site; forged, missing or borrowed tokens, made-up links
// and signed-out posts change nothing and mail nobody.
func TestHostileEmail(t *testing.T) {
	t.Parallel()
	in, rx := startWithMail(t)
	in.LocalAccount("alice", "password-alice")
	withAddress(t, in, "alice", "alice@example.org", true)
	in.Account("mallory", false)
	aliceWeb, malWeb := webSignIn(t, in, "alice"), webSignIn(t, in, "mallory")

	// A reset link of alice's, to try to use badly.
	if err := in.App.Outbox().RequestPasswordReset(context.Background(), "alice@example.org"); err != nil {
		t.Fatal(err)
	}
	token, _ := url.QueryUnescape(strings.TrimPrefix(linkPath(t, rx.WaitMail(1).Link()), "/auth/password/edit?reset_password_token="))
	cookie, csrf := authFormToken(t, in)
	other, otherCSRF := authFormToken(t, in)

	auth := func(path, cookie, origin string, form url.Values) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			return cookieFormPost(t, in, path, web.AuthCookie, cookie, origin, form)
		}
	}
	settings := func(path string, s webSession, origin string, form url.Values) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return formPost(t, in, path, s.cookie, origin, form) }
	}
	newPassword := url.Values{"reset_password_token": {token}, "password": {"mallory's pick"}, "password_confirmation": {"mallory's pick"}}
	with := func(v url.Values, k, val string) url.Values {
		c := url.Values{}
		for key, vals := range v {
			c[key] = vals
		}
		c.Set(k, val)
		return c
	}
	rows := []hostileCase{
		{name: "reset request without a CSRF token", send: auth("/auth/password", cookie, "", url.Values{"email": {"alice@example.org"}}),
			status: 403, reason: "no CSRF token"},
		{name: "reset request without the form's cookie", send: auth("/auth/password", "", "", url.Values{"csrf": {csrf}, "email": {"alice@example.org"}}),
			status: 403, reason: "form expired"},
		{name: "reset request with another form's token", send: auth("/auth/password", cookie, "", url.Values{"csrf": {otherCSRF}, "email": {"alice@example.org"}}),
			status: 403, reason: "CSRF token is wrong"},
		{name: "reset request with a session's token", send: auth("/auth/password", cookie, "", url.Values{"csrf": {aliceWeb.csrf}, "email": {"alice@example.org"}}),
			status: 403, reason: "CSRF token is wrong"},
		{name: "reset request from another site", send: auth("/auth/password", cookie, "http://evil.example", url.Values{"csrf": {csrf}, "email": {"alice@example.org"}}),
			status: 403, reason: "from another site"},
		{name: "resend request without a CSRF token", send: auth("/auth/confirmation", other, "", url.Values{"email": {"alice@example.org"}}),
			status: 403, reason: "no CSRF token"},
		{name: "new password without a CSRF token", send: auth("/auth/password/edit", cookie, "", newPassword),
			status: 403, reason: "no CSRF token"},
		{name: "new password from another site", send: auth("/auth/password/edit", cookie, "http://evil.example", with(newPassword, "csrf", csrf)),
			status: 403, reason: "from another site"},
		{name: "new password with a made-up link", send: auth("/auth/password/edit", cookie, "", with(with(newPassword, "csrf", csrf), "reset_password_token", "made-up")),
			status: 404, reason: "wrong, used or expired"},
		{name: "new password with the link's hash", send: auth("/auth/password/edit", cookie, "", with(with(newPassword, "csrf", csrf), "reset_password_token", storage.HashToken(token))),
			status: 404, reason: "wrong, used or expired"},
		{name: "address change without a CSRF token", send: settings("/web/email", aliceWeb, "", url.Values{"email": {"mallory@evil.example"}}),
			status: 403, reason: "no CSRF token"},
		{name: "address change with another session's token", send: settings("/web/email", aliceWeb, "", url.Values{"csrf": {malWeb.csrf}, "email": {"mallory@evil.example"}}),
			status: 403, reason: "CSRF token is wrong"},
		{name: "address change from another site", send: settings("/web/email", aliceWeb, "http://evil.example", url.Values{"csrf": {aliceWeb.csrf}, "email": {"mallory@evil.example"}}),
			status: 403, reason: "from another site"},
		{name: "address change signed out", send: settings("/web/email", webSession{}, "", url.Values{"csrf": {aliceWeb.csrf}, "email": {"mallory@evil.example"}}),
			status: 401, reason: "sign in first"},
		{name: "address change to alice's, by mallory", send: settings("/web/email", malWeb, "", url.Values{"csrf": {malWeb.csrf}, "email": {"ALICE@example.org"}}),
			status: 409, reason: "belongs to another account"},
		{name: "resend without a CSRF token", send: settings("/web/email/resend", aliceWeb, "", url.Values{}),
			status: 403, reason: "no CSRF token"},
	}
	runHostile(t, in, rows)
	if n := len(rx.Mails()); n != 1 {
		t.Errorf("%d mails, want only the one the test asked for", n)
	}
	testrig.NewWebClient(t, in).SignIn("alice", "password-alice")
	if id, err := in.App.DB().AccountByEmail(context.Background(), "alice@example.org"); err != nil || id != in.LocalActor("alice").ID {
		t.Errorf("alice's address: %d, %v", id, err)
	}
}

// authFormToken loads the reset form as a visitor and returns its cookie and the masked
// token of its form.
func authFormToken(t *testing.T, in *testrig.Instance) (cookie, csrf string) {
	t.Helper()
	got := getPage(t, in, "/auth/password/new", "")
	c := testrig.Cookie(&http.Response{Header: got.Header}, web.AuthCookie)
	m := csrfField.FindStringSubmatch(string(got.Body))
	if got.Status != 200 || c == nil || m == nil {
		t.Fatalf("reset form: %d, cookie %v, token %v", got.Status, c != nil, m != nil)
	}
	return c.Value, html.UnescapeString(m[1])
}
