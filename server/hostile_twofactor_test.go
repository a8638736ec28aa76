package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/outbox"
	"refuge/server/httpx"
	"refuge/server/web"
)

// switchOnTwoFactor turns two-factor sign-in on for name as the settings would, and
// returns its secret.
func switchOnTwoFactor(t *testing.T, in *testrig.Instance, name string) string {
	t.Helper()
	ctx, svc := context.Background(), in.App.Outbox()
	a := in.LocalActor(name)
	setup, err := svc.SetUpTwoFactor(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	code, err := outbox.TOTPCode(setup.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.EnableTwoFactor(ctx, a, code); err != nil {
		t.Fatal(err)
	}
	return setup.Secret
}

// pendingSignin signs name in with its password from address from, and returns the
// pending sign-in's cookie and the CSRF token of its code form.
func pendingSignin(t *testing.T, in *testrig.Instance, from, name string) (cookie, csrf string) {
	t.Helper()
	c := testrig.NewWebClientFrom(t, in, from)
	resp, body := c.TrySignIn(name, "password-"+name, "")
	k := testrig.Cookie(resp, web.SigninStepCookie)
	if resp.StatusCode != http.StatusSeeOther || k == nil || c.Cookie(httpx.SessionCookie) != "" {
		t.Fatalf("password step of %s: %d\n%s", name, resp.StatusCode, body)
	}
	return k.Value, html.UnescapeString(c.CSRF("/signin/two_factor"))
}

// stepPost posts the code form with a pending sign-in cookie (when not "") and an Origin
// (when not "").
func stepPost(t *testing.T, in *testrig.Instance, cookie, origin string, form url.Values) peer.Answer {
	t.Helper()
	return cookieFormPost(t, in, "/signin/two_factor", web.SigninStepCookie, cookie, origin, form)
}

// cookieFormPost posts a form of someone not signed in, with the cookie name set to cookie
// (when not "") and an Origin (when not "").
func cookieFormPost(t *testing.T, in *testrig.Instance, path, name, cookie, origin string, form url.Values) peer.Answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, in.Base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: name, Value: cookie})
	}
	return peer.Send(t, req)
}

// TestHostileTwoFactor: the second step of signing in is reached only through the first,
// bound to it by its cookie and its own CSRF token; a pending sign-in is no session and no
// token; the two-factor settings' forms want the session's CSRF token and this site.
func TestHostileTwoFactor(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	in.Account("alice", false)
	in.Account("bob", false)
	in.Account("mal", false)
	aliceWeb, malWeb := webSignIn(t, in, "alice"), webSignIn(t, in, "mal")
	aliceSecret := switchOnTwoFactor(t, in, "alice")
	switchOnTwoFactor(t, in, "bob")
	aliceCookie, aliceCSRF := pendingSignin(t, in, "127.0.0.2", "alice")
	bobCookie, bobCSRF := pendingSignin(t, in, "127.0.0.3", "bob")
	code := func() string {
		c, err := outbox.TOTPCode(aliceSecret, time.Now().Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	step := func(cookie, origin string, form url.Values) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return stepPost(t, in, cookie, origin, form) }
	}
	noSession := func(t *testing.T, got peer.Answer) {
		if testrig.Cookie(&http.Response{Header: got.Header}, httpx.SessionCookie) != nil {
			t.Error("a session cookie was given")
		}
	}
	stillOn := func(t *testing.T, _ peer.Answer) {
		if on, err := in.App.Outbox().TwoFactorEnabled(context.Background(), in.LocalActor("alice")); err != nil || !on {
			t.Errorf("alice's two-factor sign-in is off: %v", err)
		}
	}
	settingsForm := func(path string, s webSession, origin string, form url.Values) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return formPost(t, in, path, s.cookie, origin, form) }
	}
	disable := url.Values{"current_password": {"password-alice"}}

	rows := []hostileCase{
		{name: "the second step without the first", send: step("", "", url.Values{"csrf": {aliceCSRF}, "code": {code()}}),
			status: 403, reason: "sign-in expired", check: noSession},
		{name: "the second step with a made-up pending sign-in", send: step("made-up", "", url.Values{"csrf": {aliceCSRF}, "code": {code()}}),
			status: 403, reason: "sign-in expired", check: noSession},
		{name: "a session cookie as the pending sign-in", send: step(aliceWeb.cookie, "", url.Values{"csrf": {aliceWeb.csrf}, "code": {code()}}),
			status: 403, reason: "sign-in expired", check: noSession},
		{name: "the second step without a CSRF token", send: step(aliceCookie, "", url.Values{"code": {code()}}),
			status: 403, reason: "no CSRF token", check: noSession},
		{name: "the second step with the sign-in form's token", send: step(aliceCookie, "", url.Values{"csrf": {maskedToken("signin-token")}, "code": {code()}}),
			status: 403, reason: "CSRF token is wrong", check: noSession},
		{name: "the second step with another pending sign-in's token", send: step(aliceCookie, "", url.Values{"csrf": {bobCSRF}, "code": {code()}}),
			status: 403, reason: "CSRF token is wrong", check: noSession},
		{name: "the second step from another site", send: step(aliceCookie, "http://evil.example", url.Values{"csrf": {aliceCSRF}, "code": {code()}}),
			status: 403, reason: "from another site", check: noSession},
		{name: "alice's code for bob's pending sign-in", send: step(bobCookie, "", url.Values{"csrf": {bobCSRF}, "code": {code()}}),
			status: 401, check: noSession},
		{name: "a pending sign-in as a session cookie", send: func(t *testing.T) peer.Answer {
			return getPage(t, in, "/home", aliceCookie)
		}, status: 303, check: func(t *testing.T, got peer.Answer) {
			if loc := got.Header.Get("Location"); !strings.HasPrefix(loc, "/signin") {
				t.Errorf("sent to %s, not to sign in", loc)
			}
		}},
		{name: "a pending sign-in as an API token", send: func(t *testing.T) peer.Answer {
			req, _ := http.NewRequest(http.MethodGet, in.Base+"/api/v1/accounts/verify_credentials", nil)
			req.Header.Set("Authorization", "Bearer "+aliceCookie)
			return peer.Send(t, req)
		}, status: 401, reason: "The access token is invalid"},
		{name: "two-factor setup without a CSRF token", send: settingsForm("/web/two_factor/setup", aliceWeb, "", url.Values{}),
			status: 403, reason: "no CSRF token", check: stillOn},
		{name: "two-factor enable with another session's CSRF token", send: settingsForm("/web/two_factor/enable", aliceWeb, "",
			url.Values{"csrf": {malWeb.csrf}, "code": {code()}}), status: 403, reason: "CSRF token is wrong"},
		{name: "two-factor off without a CSRF token", send: settingsForm("/web/two_factor/disable", aliceWeb, "",
			url.Values{"current_password": disable["current_password"], "code": {code()}}), status: 403, reason: "no CSRF token", check: stillOn},
		{name: "two-factor off from another site", send: settingsForm("/web/two_factor/disable", aliceWeb, "http://evil.example",
			url.Values{"csrf": {aliceWeb.csrf}, "current_password": disable["current_password"], "code": {code()}}),
			status: 403, reason: "from another site", check: stillOn},
		{name: "two-factor off signed out", send: settingsForm("/web/two_factor/disable", webSession{}, "",
			url.Values{"csrf": {aliceWeb.csrf}, "current_password": disable["current_password"], "code": {code()}}),
			status: 401, reason: "sign in first", check: stillOn},
		// What was refused spent nothing: the pending sign-in finishes with the same code,
		// once (the pending sign-in becomes the session).
		{name: "the right code finishes the sign-in", send: step(aliceCookie, "", url.Values{"csrf": {aliceCSRF}, "code": {code()}}),
			status: 303, check: func(t *testing.T, got peer.Answer) {
				if testrig.Cookie(&http.Response{Header: got.Header}, httpx.SessionCookie) == nil {
					t.Error("no session")
				}
			}},
		{name: "the finished sign-in again", send: step(aliceCookie, "", url.Values{"csrf": {aliceCSRF}, "code": {code()}}),
			status: 403, reason: "sign-in expired", check: noSession},
	}
	runHostile(t, in, rows)
}
