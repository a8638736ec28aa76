package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/outbox"
	"refuge/server/httpx"
)

var (
	totpSecretOnPage = regexp.MustCompile(`class="totp-secret">([A-Z2-7 ]+)<`)
	recoveryOnPage   = regexp.MustCompile(`<li><code>([0-9a-f]{16})</code></li>`)
)

// totpAt is the code alice's app shows steps time steps from now.
func totpAt(t *testing.T, secret string, steps int) string {
	t.Helper()
	code, err := outbox.TOTPCode(secret, time.Now().Add(time.Duration(steps)*30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// wrongCode is a 6-digit code that no step around now has.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	near := map[string]bool{}
	for s := -2; s <= 2; s++ {
		near[totpAt(t, secret, s)] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444", "555555"} {
		if !near[c] {
			return c
		}
	}
	t.Fatal("every candidate is a code")
	return ""
}

// enableTwoFactor sets up and switches on two-factor sign-in through the settings, as c's
// signed-in account, and returns the secret and the recovery codes shown.
func enableTwoFactor(t *testing.T, c *testrig.WebClient, domain, name string) (string, []string) {
	t.Helper()
	resp, body := c.Post("/web/two_factor/setup", url.Values{"csrf": {c.CSRF("/edit_profile")}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/two_factor" {
		t.Fatalf("set up: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, page := c.Get("/settings/two_factor")
	m := totpSecretOnPage.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil || len(m[1]) != 32+7 {
		t.Fatalf("setup page: %d\n%s", resp.StatusCode, page)
	}
	secret := strings.ReplaceAll(m[1], " ", "") // shown in groups of four
	if uri := "otpauth://totp/" + domain + ":" + name + "@" + domain + "?"; !strings.Contains(page, uri) ||
		!strings.Contains(page, "secret="+secret) || !strings.Contains(page, "issuer="+url.QueryEscape(domain)) {
		t.Errorf("the page has no otpauth URI %s...:\n%s", uri, page)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the secret's page: Cache-Control %q", cc)
	}
	csrf := c.CSRF("/settings/two_factor")
	// A wrong first code switches nothing on.
	resp, body = c.Post("/web/two_factor/enable", url.Values{"csrf": {csrf}, "code": {wrongCode(t, secret)}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Not switched on") || !strings.Contains(body, secret[:4]+" "+secret[4:8]) {
		t.Fatalf("enable with a wrong code: %d\n%s", resp.StatusCode, body)
	}
	if _, page := c.Get("/edit_profile"); !strings.Contains(page, `action="/web/two_factor/setup"`) {
		t.Fatalf("a wrong code switched it on:\n%s", page)
	}
	resp, body = c.Post("/web/two_factor/enable", url.Values{"csrf": {csrf}, "code": {totpAt(t, secret, 0)}})
	codes := recoveryOnPage.FindAllStringSubmatch(body, -1)
	if resp.StatusCode != http.StatusOK || len(codes) != outbox.RecoveryCodeCount || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("enable: %d, %d recovery codes\n%s", resp.StatusCode, len(codes), body)
	}
	var out []string
	for _, m := range codes {
		out = append(out, m[1])
	}
	if _, page := c.Get("/edit_profile"); !strings.Contains(page, `action="/web/two_factor/disable"`) {
		t.Fatalf("the settings do not say it is on:\n%s", page)
	}
	return secret, out
}

// passwordStep signs in with the password on a new client connecting from the loopback
// address from (sign-in attempts are limited per address), which must be sent on to the
// code: no session yet.
func passwordStep(t *testing.T, in *testrig.Instance, from, name, password, next string) *testrig.WebClient {
	t.Helper()
	c := testrig.NewWebClientFrom(t, in, from)
	resp, body := c.TrySignIn(name, password, next)
	want := "/signin/two_factor"
	if next != "" {
		want += "?next=" + url.QueryEscape(next)
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("password step: %d %s, want %s\n%s", resp.StatusCode, resp.Header.Get("Location"), want, body)
	}
	if c.Cookie(httpx.SessionCookie) != "" {
		t.Fatal("a session before the code")
	}
	if resp, _ := c.Get("/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed in before the code: %d", resp.StatusCode)
	}
	return c
}

// codeStep sends code on the second step's form and returns the answer.
func codeStep(t *testing.T, c *testrig.WebClient, code string) (*http.Response, string) {
	t.Helper()
	return c.Post("/signin/two_factor", url.Values{"csrf": {c.CSRF("/signin/two_factor")}, "code": {code}})
}

// TestWebTwoFactor: two-factor sign-in set up in the settings (confirmed by a code, then
// the recovery codes shown once), then asked for after the password: a code from the app
// or a recovery code finishes the sign-in, each only once; a wrong code is refused, and
// wrong codes run into the sign-in limits; turning it off takes the password and a code.
// Each part has its own account and client address, as sign-in attempts are limited per
// account and per address.
func TestWebTwoFactor(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	const password = "a long password"
	setUp := func(name, from string) (*testrig.WebClient, string, []string) {
		t.Helper()
		in.LocalAccount(name, password)
		c := testrig.NewWebClientFrom(t, in, from)
		c.SignIn(name, password)
		secret, recovery := enableTwoFactor(t, c, in.Cfg.Domain, name)
		if resp, _ := c.Get("/home"); resp.StatusCode != http.StatusOK {
			t.Fatalf("the session that switched it on: %d", resp.StatusCode)
		}
		return c, secret, recovery
	}

	t.Run("code from the app, once", func(t *testing.T) {
		_, secret, _ := setUp("alice", "127.0.0.2")
		// Someone without it signs in as before.
		in.LocalAccount("bob", password)
		testrig.NewWebClientFrom(t, in, "127.0.0.3").SignIn("bob", password)

		phone := passwordStep(t, in, "127.0.0.2", "alice", password, "/notifications")
		if resp, body := codeStep(t, phone, wrongCode(t, secret)); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong or used code") {
			t.Fatalf("wrong code: %d\n%s", resp.StatusCode, body)
		}
		if phone.Cookie(httpx.SessionCookie) != "" {
			t.Fatal("a wrong code made a session")
		}
		code := totpAt(t, secret, 1) // the code confirming the setup took the step now
		csrf := phone.CSRF("/signin/two_factor")
		resp, body := phone.Post("/signin/two_factor?next=%2Fnotifications",
			url.Values{"csrf": {csrf}, "code": {code[:3] + " " + code[3:]}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/notifications" {
			t.Fatalf("right code: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if resp, _ := phone.Get("/home"); resp.StatusCode != http.StatusOK {
			t.Fatalf("signed in with the code, /home: %d", resp.StatusCode)
		}
		// The finished sign-in is spent.
		if resp, _ := phone.Get("/signin/two_factor"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
			t.Errorf("the code page after signing in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := phone.Post("/signin/two_factor", url.Values{"csrf": {csrf}, "code": {totpAt(t, secret, 1)}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("the finished sign-in taken again: %d", resp.StatusCode)
		}
		// The same code again, on another sign-in: refused, and so are the steps before it.
		laptop := passwordStep(t, in, "127.0.0.4", "alice", password, "")
		for _, old := range []string{code, totpAt(t, secret, 0), totpAt(t, secret, -1)} {
			if resp, _ := codeStep(t, laptop, old); resp.StatusCode != http.StatusUnauthorized || laptop.Cookie(httpx.SessionCookie) != "" {
				t.Errorf("replayed code %s: %d", old, resp.StatusCode)
			}
		}
	})

	t.Run("recovery code, once", func(t *testing.T) {
		_, _, recovery := setUp("carol", "127.0.0.5")
		laptop := passwordStep(t, in, "127.0.0.5", "carol", password, "")
		if resp, body := codeStep(t, laptop, strings.ToUpper(recovery[0][:8])+" "+recovery[0][8:]); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/home" {
			t.Fatalf("recovery code: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		again := passwordStep(t, in, "127.0.0.6", "carol", password, "")
		if resp, _ := codeStep(t, again, recovery[0]); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a spent recovery code: %d", resp.StatusCode)
		}
		if resp, _ := codeStep(t, again, recovery[1]); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the next recovery code: %d", resp.StatusCode)
		}
	})

	t.Run("wrong codes are limited", func(t *testing.T) {
		_, secret, _ := setUp("dave", "127.0.0.7")
		c := passwordStep(t, in, "127.0.0.7", "dave", password, "")
		csrf := c.CSRF("/signin/two_factor")
		status := 0
		for range 12 {
			resp, _ := c.Post("/signin/two_factor", url.Values{"csrf": {csrf}, "code": {wrongCode(t, secret)}})
			if status = resp.StatusCode; status != http.StatusUnauthorized {
				break
			}
		}
		if status != http.StatusTooManyRequests {
			t.Fatalf("after many wrong codes: %d, want 429", status)
		}
		// Over the limit, even the right code waits.
		if resp, _ := c.Post("/signin/two_factor", url.Values{"csrf": {csrf}, "code": {totpAt(t, secret, 1)}}); resp.StatusCode != http.StatusTooManyRequests ||
			c.Cookie(httpx.SessionCookie) != "" {
			t.Errorf("the right code over the limit: %d", resp.StatusCode)
		}
	})

	t.Run("turned off with the password and a code", func(t *testing.T) {
		settings, secret, recovery := setUp("erin", "127.0.0.8")
		off := func(pw, code string) int {
			resp, _ := settings.Post("/web/two_factor/disable", url.Values{"csrf": {settings.CSRF("/edit_profile")},
				"current_password": {pw}, "code": {code}})
			return resp.StatusCode
		}
		if status := off("not the password", recovery[1]); status != http.StatusForbidden {
			t.Errorf("off with a wrong password: %d", status)
		}
		if status := off(password, wrongCode(t, secret)); status != http.StatusForbidden {
			t.Errorf("off with a wrong code: %d", status)
		}
		if resp, _ := settings.Post("/web/two_factor/disable", url.Values{"current_password": {password}, "code": {recovery[1]}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("off without CSRF: %d", resp.StatusCode)
		}
		passwordStep(t, in, "127.0.0.9", "erin", password, "") // still on
		if status := off(password, totpAt(t, secret, 1)); status != http.StatusSeeOther {
			t.Fatalf("off: %d", status)
		}
		if _, page := settings.Get("/edit_profile"); !strings.Contains(page, "Two-factor sign-in is off") || !strings.Contains(page, `action="/web/two_factor/setup"`) {
			t.Errorf("after turning it off:\n%s", page)
		}
		testrig.NewWebClientFrom(t, in, "127.0.0.10").SignIn("erin", password)
	})
}

// twoFactorAlice starts an instance where alice ("alice's long password") has switched on
// two-factor sign-in; it returns the instance, the signed-in client that switched it on,
// and the secret.
func twoFactorAlice(t *testing.T) (*testrig.Instance, *testrig.WebClient, string) {
	t.Helper()
	in := testrig.Start(t)
	in.LocalAccount("alice", alicePassword)
	settings := testrig.NewWebClient(t, in)
	settings.SignIn("alice", alicePassword)
	secret, _ := enableTwoFactor(t, settings, in.Cfg.Domain, "alice")
	return in, settings, secret
}

const alicePassword = "alice's long password"

// TestWebTwoFactorSecondStepAlone: the code's page and form without a right password
// first, with another sign-in's form token, or from another site, lead nowhere; a sign-in
// pending for one browser is nothing to another.
func TestWebTwoFactorSecondStepAlone(t *testing.T) {
	t.Parallel()
	in, settings, secret := twoFactorAlice(t)
	const password = alicePassword

	stranger := testrig.NewWebClient(t, in)
	if resp, _ := stranger.Get("/signin/two_factor?next=%2Fhome"); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/signin?next=%2Fhome" {
		t.Errorf("the code page without a password: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The wrong password starts nothing either.
	if resp, _ := stranger.TrySignIn("alice", "a wrong password", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	pending := passwordStep(t, in, "127.0.0.2", "alice", password, "")
	csrf := pending.CSRF("/signin/two_factor")
	code := totpAt(t, secret, 1)
	for _, c := range []struct {
		name    string
		client  *testrig.WebClient
		form    url.Values
		headers []string
	}{
		{"no password step", stranger, url.Values{"csrf": {csrf}, "code": {code}}, nil},
		{"no CSRF token", pending, url.Values{"code": {code}}, nil},
		{"a forged CSRF token", pending, url.Values{"csrf": {"forged"}, "code": {code}}, nil},
		{"the session's CSRF token", pending, url.Values{"csrf": {settings.CSRF("/edit_profile")}, "code": {code}}, nil},
		{"from another site", pending, url.Values{"csrf": {csrf}, "code": {code}}, []string{"Origin", "https://evil.example"}},
	} {
		resp, body := c.client.Post("/signin/two_factor", c.form, c.headers...)
		if resp.StatusCode != http.StatusForbidden || c.client.Cookie(httpx.SessionCookie) != "" {
			t.Errorf("%s: %d\n%s", c.name, resp.StatusCode, body)
		}
	}
	// A stolen cookie value is still bound to its own form token, and the code not spent by
	// what was refused: the real sign-in finishes.
	if resp, body := codeStep(t, pending, code); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the real sign-in: %d\n%s", resp.StatusCode, body)
	}
	// The settings' forms want the session's token too.
	for _, path := range []string{"/web/two_factor/setup", "/web/two_factor/enable", "/web/two_factor/disable"} {
		if resp, _ := settings.Post(path, url.Values{"code": {code}, "current_password": {password}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without CSRF: %d", path, resp.StatusCode)
		}
		if resp, _ := stranger.Post(path, url.Values{"code": {code}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s signed out: %d", path, resp.StatusCode)
		}
	}
}

// TestUserTwoFactorOffCommand: `refuge user 2fa-off`, beside a running serve, turns
// two-factor sign-in off for someone who lost their device: the password alone signs in.
func TestUserTwoFactorOffCommand(t *testing.T) {
	t.Parallel()
	in, _, _ := twoFactorAlice(t)
	const password = alicePassword
	pending := passwordStep(t, in, "127.0.0.2", "alice", password, "")
	if code, out := in.Admin("user", "2fa-off", "alice"); code != 0 || !strings.Contains(out, "turned off two-factor sign-in of alice@") {
		t.Fatalf("2fa-off: %d %s", code, out)
	}
	testrig.Eventually(t, 5*time.Second, "the password alone to sign in", func() bool {
		resp, _ := testrig.NewWebClient(t, in).TrySignIn("alice", password, "")
		return resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/home"
	})
	// The sign-in that was waiting for a code is gone with it.
	if resp, _ := pending.Get("/signin/two_factor"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the pending sign-in after 2fa-off: %d", resp.StatusCode)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "2fa-off", "alice"}, "does not use two-factor sign-in"},
		{[]string{"user", "2fa-off", "nobody"}, "there is no account nobody"},
	} {
		if code, out := in.Admin(c.args...); code != 1 || !strings.Contains(out, c.want) {
			t.Errorf("%v: %d %s", c.args, code, out)
		}
	}
}

// TestOAuthTwoFactor: an app's approval page signs in through the same two steps, and
// comes back to the approval after the code.
func TestOAuthTwoFactor(t *testing.T) {
	t.Parallel()
	in, _, secret := twoFactorAlice(t)
	const password = alicePassword
	app := registerApp(t, in, "read", "tusky://oauth")
	q := url.Values{"client_id": {app.id}, "redirect_uri": {"tusky://oauth"}, "scope": {"read"}, "response_type": {"code"}}
	path := "/oauth/authorize?" + q.Encode()
	c := passwordStep(t, in, "127.0.0.2", "alice", password, path)
	if resp, _ := c.Get(path); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?") {
		t.Fatalf("the approval page before the code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := c.Post("/signin/two_factor?next="+url.QueryEscape(path),
		url.Values{"csrf": {c.CSRF("/signin/two_factor")}, "code": {totpAt(t, secret, 1)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path {
		t.Fatalf("code: %d %s, want %s\n%s", resp.StatusCode, resp.Header.Get("Location"), path, body)
	}
	u := approve(t, c, url.Values{"client_id": {app.id}, "redirect_uri": {"tusky://oauth"}, "scope": {"read"}}, "approve")
	if u.Query().Get("code") == "" {
		t.Errorf("no code after approving: %s", u)
	}
}
