package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/server"
	"refuge/storage"
)

// signUpFields is a sign-up on the form that passes every check, for name.
func signUpFields(name string) url.Values {
	return url.Values{"username": {name}, "email": {name + "@mail.example"}, "password": {"password-" + name},
		"password_confirmation": {"password-" + name}, "agreement": {"1"}}
}

// signUpOnForm loads the sign-up form at path (for its token and the invite it carries)
// and posts it with fields.
func signUpOnForm(t *testing.T, c *testrig.WebClient, path string, fields url.Values) (*http.Response, string) {
	t.Helper()
	resp, body := c.Get(path)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET %s: %d, no form:\n%s", path, resp.StatusCode, body)
	}
	fields.Set("csrf", m[1])
	if code := regexp.MustCompile(`name="invite_code" value="([^"]+)"`).FindStringSubmatch(body); code != nil {
		fields.Set("invite_code", code[1])
	}
	return c.Post("/auth/sign_up", fields)
}

// TestSignUpModes: the sign-up form in every registrations mode, over real HTTP: what the
// front page, the sign-in page and the form offer; what a sign-up makes; that refusals
// store nothing.
func TestSignUpModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"closed", "open", "approval", "invite"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			var rx *testrig.MailServer
			in := testrig.Start(t, func(c *server.Config) {
				c.Registrations = mode
				if mode == "open" { // open sign-up needs mail
					rx = testrig.StartMailServer(t, testrig.MailPlain, "", "")
					c.SMTPURL = rx.URL()
				}
			})
			visitor := testrig.NewWebClient(t, in)
			_, front := visitor.Get("/")
			_, signin := visitor.Get("/signin")
			offered := mode != "closed"
			if strings.Contains(front, `href="/auth/sign_up"`) != offered || strings.Contains(signin, `href="/auth/sign_up"`) != offered {
				t.Errorf("sign-up offered on the front or sign-in page in mode %s: %v", mode, !offered)
			}
			resp, page := visitor.Get("/auth/sign_up")
			switch mode {
			case "closed", "invite":
				want := map[string]string{"closed": "Sign-up is closed on this server.", "invite": "Sign-up on this server is by invitation"}[mode]
				if resp.StatusCode != 200 || !strings.Contains(page, want) || strings.Contains(page, `action="/auth/sign_up"`) {
					t.Errorf("sign-up page: %d\n%s", resp.StatusCode, page)
				}
				// The form posted anyway (with a token of a sign-up cookie of its own): 403.
				before := in.RowCounts()
				got := signUpPost(t, in, "tok", maskedToken("tok"), signUpFields("bob"))
				if got.Status != http.StatusForbidden || !strings.Contains(string(got.Body), strings.TrimSuffix(want, ".")) {
					t.Errorf("POST in mode %s: %d %s", mode, got.Status, got.Body)
				}
				if ch := countChanges(before, in.RowCounts(), nil); len(ch) > 0 {
					t.Errorf("refused, yet stored: %v", ch)
				}
				return
			}
			if resp.StatusCode != 200 || strings.Contains(page, `name="reason"`) != (mode == "approval") {
				t.Errorf("sign-up page: %d\n%s", resp.StatusCode, page)
			}

			// Problems come back on the form, with what was typed; nothing is stored.
			in.Account("alice", false)
			before := in.RowCounts()
			bad := signUpFields("ALICE")
			bad.Set("password_confirmation", "something else")
			bad.Set("email", "not an address")
			bad.Del("agreement")
			resp, body := signUpOnForm(t, visitor, "/auth/sign_up", bad)
			for _, want := range []string{"Username is taken", "Email is not an e-mail address", "Password confirmation doesn&#39;t match the password",
				"Agreement must be accepted", `value="ALICE"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the form's answer lacks %q", want)
				}
			}
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("bad sign-up: %d", resp.StatusCode)
			}
			if ch := countChanges(before, in.RowCounts(), nil); len(ch) > 0 {
				t.Errorf("refused, yet stored: %v", ch)
			}

			fields := signUpFields("bob")
			fields.Set("reason", "I post about cats")
			resp, _ = signUpOnForm(t, visitor, "/auth/sign_up", fields)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
				t.Fatalf("sign up: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, signin = visitor.Get("/signin")
			bob := testrig.NewWebClient(t, in)
			resp, body = bob.TrySignIn("bob", "password-bob", "")
			if mode == "open" {
				// Mailed a link, which bob follows before he can sign in.
				if !strings.Contains(signin, "we mailed you a link") || resp.StatusCode != http.StatusForbidden ||
					!strings.Contains(body, "confirm your e-mail address") {
					t.Errorf("bob signs in before confirming: %d %s", resp.StatusCode, body)
				}
				m := rx.WaitMail(1)
				link, _ := url.Parse(m.Link())
				if m.To[0] != "bob@mail.example" || link == nil {
					t.Fatalf("the confirmation mail to %v: %s", m.To, m.Body)
				}
				if resp, _ := bob.Get(link.RequestURI()); resp.StatusCode != http.StatusSeeOther {
					t.Errorf("the link: %d", resp.StatusCode)
				}
				if resp, body := bob.TrySignIn("bob", "password-bob", ""); resp.StatusCode != http.StatusSeeOther {
					t.Errorf("bob signs in: %d %s", resp.StatusCode, body)
				}
				return
			}
			// Approval: bob waits, unseen, until the admin approves him.
			if !strings.Contains(signin, "an admin will look at it") || resp.StatusCode != http.StatusForbidden ||
				!strings.Contains(body, "waiting for an admin") {
				t.Errorf("bob signs in while pending: %d %s", resp.StatusCode, body)
			}
			for _, path := range []string{"/@bob", "/users/bob", "/.well-known/webfinger?resource=acct:bob@" + in.Cfg.Domain} {
				if resp, _ := visitor.Get(path); resp.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s of a pending account: %d", path, resp.StatusCode)
				}
			}
			signUpOnForm(t, testrig.NewWebClient(t, in), "/auth/sign_up", signUpFields("carol"))
			admin := signedInAdmin(t, in)
			_, accounts := admin.Get("/admin/accounts")
			bobID, carolID := in.LocalActor("bob").ID, in.LocalActor("carol").ID
			for _, want := range []string{"Sign-ups waiting for approval", "bob@mail.example", "I post about cats",
				`action="/admin/accounts/` + itoa(bobID) + `/approve"`, `action="/admin/accounts/` + itoa(carolID) + `/reject"`} {
				if !strings.Contains(accounts, want) {
					t.Errorf("the accounts page lacks %q", want)
				}
			}
			csrf := admin.CSRF("/admin/accounts")
			if resp, _ := admin.Post("/admin/accounts/"+itoa(bobID)+"/approve", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("approve: %d", resp.StatusCode)
			}
			if resp, _ := admin.Post("/admin/accounts/"+itoa(carolID)+"/reject", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("reject: %d", resp.StatusCode)
			}
			if resp, body := bob.TrySignIn("bob", "password-bob", ""); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("bob signs in once approved: %d %s", resp.StatusCode, body)
			}
			if resp, _ := visitor.Get("/@bob"); resp.StatusCode != http.StatusOK {
				t.Errorf("bob's profile once approved: %d", resp.StatusCode)
			}
			if _, err := in.App.DB().GetLocalActor(context.Background(), "carol"); storage.KindOf(err) != storage.NotFound {
				t.Errorf("carol after the rejection: %v", err)
			}
			// carol's name and address are free again.
			if resp, body := signUpOnForm(t, testrig.NewWebClient(t, in), "/auth/sign_up", signUpFields("carol")); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("carol again: %d %s", resp.StatusCode, body)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestInvites: in invite mode anyone makes invite links on /invites and sees their own;
// admins see everyone's and make them in every mode; a link leads to the form, lets as many
// sign up as it allows, skips approval, and once expired or used up is refused clearly.
func TestInvites(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t, func(c *server.Config) { c.Registrations = "invite" })
	in.Account("alice", false)
	alice := testrig.NewWebClient(t, in)
	alice.SignIn("alice", "password-alice")
	_, home := alice.Get("/home")
	if !strings.Contains(home, `href="/invites"`) {
		t.Error("the menu does not offer invites")
	}
	csrf := alice.CSRF("/invites")
	makeInvite := func(c *testrig.WebClient, csrf, expires, uses string) string {
		t.Helper()
		resp, body := c.Post("/invites", url.Values{"csrf": {csrf}, "expires_in": {expires}, "max_uses": {uses}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("make an invite: %d %s", resp.StatusCode, body)
		}
		_, page := c.Get("/invites")
		m := regexp.MustCompile(`<code>` + regexp.QuoteMeta(in.Base) + `/invite/([^<]+)</code>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no invite link on the page:\n%s", page)
		}
		return m[1]
	}
	before := in.RowCounts()
	for _, bad := range []url.Values{{"expires_in": {"60"}, "max_uses": {"1"}}, {"expires_in": {"1800"}, "max_uses": {"7"}},
		{"expires_in": {"x"}, "max_uses": {"1"}}} {
		bad.Set("csrf", csrf)
		if resp, _ := alice.Post("/invites", bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("an invite of %v: %d", bad, resp.StatusCode)
		}
	}
	if ch := countChanges(before, in.RowCounts(), nil); len(ch) > 0 {
		t.Errorf("refused, yet stored: %v", ch)
	}
	code := makeInvite(alice, csrf, "1800", "1")

	visitor := testrig.NewWebClient(t, in)
	resp, _ := visitor.Get("/invite/" + code)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/auth/sign_up?invite="+code {
		t.Fatalf("the invite link: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := signUpOnForm(t, visitor, "/auth/sign_up?invite="+code, signUpFields("bob"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign up by invite: %d %s", resp.StatusCode, body)
	}
	if in.LocalActor("bob").Pending {
		t.Error("bob, invited, waits for approval")
	}
	_, page := alice.Get("/invites")
	if !strings.Contains(page, "1 of 1") || !strings.Contains(page, "<del>") || strings.Contains(page, "Made by") {
		t.Errorf("alice's invites after its use:\n%s", page)
	}
	resp, body = testrig.NewWebClient(t, in).Get("/auth/sign_up?invite=" + code)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "has expired or has been used") {
		t.Errorf("a used-up invite: %d %s", resp.StatusCode, body)
	}
	if resp, body := testrig.NewWebClient(t, in).Get("/auth/sign_up?invite=nope"); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(body, "not valid") {
		t.Errorf("an unknown invite: %d %s", resp.StatusCode, body)
	}

	// An invite expired by its maker is refused, on the page and when posted.
	code = makeInvite(alice, csrf, "0", "0")
	late := testrig.NewWebClient(t, in)
	_, form := late.Get("/auth/sign_up?invite=" + code)
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(form)
	inv, err := in.App.DB().GetInvite(context.Background(), code)
	if err != nil || token == nil {
		t.Fatal(err, token)
	}
	if resp, _ := alice.Post("/invites/"+itoa(inv.ID)+"/expire", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("expire: %d", resp.StatusCode)
	}
	fields := signUpFields("carol")
	fields.Set("csrf", token[1])
	fields.Set("invite_code", code)
	before = in.RowCounts()
	if resp, body := late.Post("/auth/sign_up", fields); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "has expired") {
		t.Errorf("sign up with an expired invite: %d %s", resp.StatusCode, body)
	}
	if ch := countChanges(before, in.RowCounts(), nil); len(ch) > 0 {
		t.Errorf("refused, yet stored: %v", ch)
	}

	// The admin sees everyone's invites, with their makers.
	admin := signedInAdmin(t, in)
	_, page = admin.Get("/invites")
	if !strings.Contains(page, "Made by") || strings.Count(page, "/invite/") != 2 {
		t.Errorf("the admin's invites page:\n%s", page)
	}
}

// TestInvitesOutsideInviteMode: while sign-up is not by invitation, only admins make invite
// links, and theirs let people in, without approval, even when sign-up is closed.
func TestInvitesOutsideInviteMode(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"closed", "approval"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			in := testrig.Start(t, func(c *server.Config) { c.Registrations = mode })
			in.Account("alice", false)
			alice := testrig.NewWebClient(t, in)
			alice.SignIn("alice", "password-alice")
			if resp, _ := alice.Get("/invites"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("/invites to alice: %d", resp.StatusCode)
			}
			if _, home := alice.Get("/home"); strings.Contains(home, `href="/invites"`) {
				t.Error("alice's menu offers invites")
			}
			admin := signedInAdmin(t, in)
			csrf := admin.CSRF("/invites")
			if resp, _ := admin.Post("/invites", url.Values{"csrf": {csrf}, "expires_in": {"604800"}, "max_uses": {"5"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("the admin makes an invite: %d", resp.StatusCode)
			}
			list, err := in.App.DB().ListInvites(context.Background(), 0)
			if err != nil || len(list) != 1 || list[0].MaxUses != 5 {
				t.Fatalf("invites: %+v %v", list, err)
			}
			resp, body := signUpOnForm(t, testrig.NewWebClient(t, in), "/auth/sign_up?invite="+list[0].Code, signUpFields("bob"))
			if resp.StatusCode != http.StatusSeeOther || in.LocalActor("bob").Pending {
				t.Errorf("sign up by the admin's invite: %d %s", resp.StatusCode, body)
			}
		})
	}
}
