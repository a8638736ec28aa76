package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/outbox"
	"refuge/server"
	"refuge/server/httpx"
	"refuge/storage"
)

// appToken registers an app with scopes and returns its own token (client_credentials),
// as an app about to sign someone up gets one.
func appToken(t *testing.T, in *testrig.Instance, scopes string) string {
	t.Helper()
	status, v := send(t, in, request{method: "POST", path: "/api/v1/apps", body: map[string]any{
		"client_name": "Signer-upper", "redirect_uris": outbox.OOB, "scopes": scopes}})
	if status != http.StatusOK {
		t.Fatalf("register app: %d %v", status, v)
	}
	status, v = send(t, in, request{method: "POST", path: "/oauth/token", body: url.Values{"grant_type": {"client_credentials"},
		"client_id": {field(v, "client_id")}, "client_secret": {field(v, "client_secret")}, "scope": {scopes}}})
	if status != http.StatusOK || field(v, "access_token") == "" {
		t.Fatalf("client_credentials: %d %v", status, v)
	}
	return field(v, "access_token")
}

// withRegistrations starts the instance in the registrations mode.
// withRegistrations sets the registrations mode; open ones mail through a receiver on
// loopback, since open sign-up needs mail.
func withRegistrations(t *testing.T, mode string) func(*server.Config) {
	smtp := ""
	if mode == "open" {
		smtp = testrig.StartMailServer(t, testrig.MailPlain, "", "").URL()
	}
	return func(c *server.Config) { c.Registrations, c.SMTPURL = mode, smtp }
}

// signUpForm is a sign-up that passes every check, for name.
func signUpForm(name string) url.Values {
	return url.Values{"username": {name}, "email": {name + "@mail.example"}, "password": {"password-" + name},
		"agreement": {"true"}, "locale": {"en"}}
}

// registration is POST /api/v1/accounts with token and form.
func registration(token string, form url.Values) request {
	return request{method: "POST", path: "/api/v1/accounts", token: token, body: form}
}

// details checks a 422's body: Mastodon's "Validation failed" with each field's codes.
func details(want map[string]string) func(any) bool {
	return func(v any) bool {
		m, _ := v.(map[string]any)
		d, _ := m["details"].(map[string]any)
		if !strings.HasPrefix(field(v, "error"), "Validation failed: ") || len(d) != len(want) {
			return false
		}
		for f, code := range want {
			list, _ := d[f].([]any)
			if len(list) == 0 || field(list[0], "error") != code || field(list[0], "description") == "" {
				return false
			}
		}
		return true
	}
}

// TestRegisterAccountModes: POST /api/v1/accounts in each registrations mode, with the
// instance entities saying the mode; refusals store nothing (runWrites checks every table).
func TestRegisterAccountModes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mode                       string
		enabled, approval, invites bool
		plain                      int // a sign-up without an invite
		pendingAfter               bool
	}{
		{"closed", false, false, false, 403, false},
		{"open", true, false, false, 200, false},
		{"approval", true, true, false, 200, true},
		{"invite", false, false, true, 403, false},
	} {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			in := testrig.Start(t, withRegistrations(t, c.mode))
			aliceTok, _ := in.Account("alice", false)
			app := appToken(t, in, "read write follow")
			readOnly := appToken(t, in, "read")
			admin, err := in.App.DB().GetLocalActor(ctx, "admin")
			if err != nil {
				t.Fatal(err)
			}
			invite, err := in.App.Outbox().CreateInvite(ctx, admin, 0, 1)
			if err != nil {
				t.Fatal(err)
			}

			_, v1, _ := get(t, in, "/api/v1/instance", "")
			_, v2, _ := get(t, in, "/api/v2/instance", "")
			reg := v2.(map[string]any)["registrations"]
			shape(t, "Instance v2 registrations", reg, map[string]string{"enabled": "bool", "approval_required": "bool",
				"message": "string|null", "url": "string|null"})
			m1, m2 := v1.(map[string]any), reg.(map[string]any)
			if m1["registrations"] != c.enabled || m1["approval_required"] != c.approval || m1["invites_enabled"] != c.invites ||
				m2["enabled"] != c.enabled || m2["approval_required"] != c.approval {
				t.Errorf("instance says %v / %v for %s", m1, m2, c.mode)
			}

			var nodeinfo map[string]any
			if status, body, _ := in.Do("GET", "/nodeinfo/2.0", "", nil); status != 200 || json.Unmarshal(body, &nodeinfo) != nil ||
				nodeinfo["openRegistrations"] != c.enabled {
				t.Errorf("NodeInfo: %d %s", status, body)
			}

			tokenOf := map[string]string{}
			signedUp := func(name string) func(any) bool {
				return func(v any) bool {
					shape(t, "Token", v, map[string]string{"access_token": "string", "token_type": "string", "scope": "string",
						"created_at": "number"})
					a, err := in.App.DB().GetLocalActor(ctx, name)
					tokenOf[name] = field(v, "access_token")
					return err == nil && a.Pending == (c.pendingAfter && name != "dave") && field(v, "scope") == "read write follow" && field(v, "token_type") == "Bearer"
				}
			}
			cases := []writeCase{
				{"no token", registration("", signUpForm("bob")), 401, nil},
				{"a bad token", registration("nope", signUpForm("bob")), 401, nil},
				{"a token without write:accounts", registration(readOnly, signUpForm("bob")), 403, nil},
				{"an unknown invite", registration(app, withInvite(signUpForm("bob"), "nope")), 403, nil},
				{"without an invite", registration(app, signUpForm("bob")), c.plain, nil},
			}
			if c.plain == 200 {
				cases[len(cases)-1].check = signedUp("bob")
				cases = append(cases,
					writeCase{"nothing given", registration(app, url.Values{}), 422,
						details(map[string]string{"username": "ERR_BLANK", "email": "ERR_BLANK", "password": "ERR_BLANK", "agreement": "ERR_ACCEPTED"})},
					writeCase{"a taken name, in another case", registration(app, withField(signUpForm("BOB"), "email", "other@mail.example")), 422,
						details(map[string]string{"username": "ERR_TAKEN"})},
					writeCase{"a taken address, in another case", registration(app, withField(signUpForm("carol"), "email", "BOB@mail.example")), 422,
						details(map[string]string{"email": "ERR_TAKEN"})},
					writeCase{"bad fields", registration(app, url.Values{"username": {"no-dashes"}, "email": {"not an address"},
						"password": {"short"}, "agreement": {"false"}, "reason": {strings.Repeat("r", 421)}}), 422,
						details(map[string]string{"username": "ERR_INVALID", "email": "ERR_INVALID", "password": "ERR_TOO_SHORT",
							"agreement": "ERR_ACCEPTED", "reason": "ERR_TOO_LONG"})},
					writeCase{"a name too long", registration(app, withField(signUpForm("carol"), "username", strings.Repeat("c", 31))), 422,
						details(map[string]string{"username": "ERR_TOO_LONG"})},
					writeCase{"JSON, with a reason", request{method: "POST", path: "/api/v1/accounts", token: app, body: map[string]any{
						"username": "carol", "email": "carol@mail.example", "password": "password-carol", "agreement": true,
						"locale": "en", "reason": "I like it here"}}, 200, signedUp("carol")},
				)
			}
			cases = append(cases,
				writeCase{"with an invite", registration(app, withInvite(signUpForm("dave"), invite.Code)), 200, signedUp("dave")},
				writeCase{"with the invite used up", registration(app, withInvite(signUpForm("erin"), invite.Code)), 403, nil})
			runWrites(t, in, cases)

			// An invite skips approval; without one, approval mode makes a pending account,
			// whose token is refused until an admin approves it; with mail, every new
			// account's token is refused until its address is confirmed.
			for name, pending := range map[string]bool{"bob": c.pendingAfter, "carol": c.pendingAfter, "dave": false} {
				tok, ok := tokenOf[name]
				if !ok {
					continue
				}
				// With mail (open mode), the token waits for the address's confirmation too.
				status, v, _ := get(t, in, "/api/v1/accounts/verify_credentials", tok)
				want, why := 200, ""
				switch {
				case pending:
					want, why = 403, "Your login is currently pending approval"
				case in.Cfg.SMTPURL != "":
					want, why = 403, "Your login is missing a confirmed e-mail address"
				}
				if status != want || field(v, "error") != why {
					t.Errorf("%s's token: %d %v, want %d %q", name, status, v, want, why)
				}
				if status, _, _ := in.Do("GET", "/.well-known/webfinger?resource=acct:"+name+"@"+in.Cfg.Domain, "", nil); (status == 200) == pending {
					t.Errorf("WebFinger of %s (pending %v): %d", name, pending, status)
				}
				c, err := in.App.DB().GetCredentials(ctx, mustActor(t, in, name).ID)
				if err != nil || c.Email != name+"@mail.example" || !c.EmailConfirmedAt.IsZero() {
					t.Errorf("%s's credentials: %+v %v", name, c, err)
				}
			}
			if c.mode == "open" {
				if status, _, _ := get(t, in, "/api/v1/accounts/verify_credentials", aliceTok); status != 200 {
					t.Errorf("alice: %d", status)
				}
			}
		})
	}
}

func withInvite(f url.Values, code string) url.Values { f.Set("invite_code", code); return f }

func withField(f url.Values, name, value string) url.Values { f.Set(name, value); return f }

func mustActor(t *testing.T, in *testrig.Instance, name string) *storage.Actor {
	t.Helper()
	a, err := in.App.DB().GetLocalActor(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestApproveReject: an admin approves a pending sign-up through the API, which then signs
// in, and rejects another, which is gone with its name free; the Admin::Account says the
// truth about both before. Non-admins, other scopes and accounts not pending are refused.
func TestApproveReject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t, withRegistrations(t, "approval"))
	w := &world{in: in}
	app := appToken(t, in, "read write")
	in.Account("alice", false)
	if _, err := in.App.Outbox().CreateAccount(ctx, "root", "password-root", true); err != nil {
		t.Fatal(err)
	}
	adminTok := w.oauthToken(t, "root", "admin:read admin:write")
	plainTok := w.oauthToken(t, "root", "read write follow")
	malTok := w.oauthToken(t, "alice", "admin:read admin:write")
	tokens := map[string]string{}
	for _, name := range []string{"bob", "carol"} {
		form := signUpForm(name)
		form.Set("reason", "I am "+name)
		status, v := send(t, in, registration(app, form))
		if status != 200 {
			t.Fatalf("sign up %s: %d %v", name, status, v)
		}
		tokens[name] = field(v, "access_token")
	}
	bob, carol := mustActor(t, in, "bob"), mustActor(t, in, "carol")
	bobID, carolID := itoa(bob.ID), itoa(carol.ID)

	// The admin sees them, pending, with their address and reason; nobody else finds them.
	_, list, _ := get(t, in, "/api/v1/admin/accounts", adminTok)
	var seen int
	for _, a := range list.([]any) {
		m := a.(map[string]any)
		switch m["username"] {
		case "bob", "carol":
			seen++
			if m["approved"] != false || m["confirmed"] != false || m["email"] != m["username"].(string)+"@mail.example" ||
				m["invite_request"] != "I am "+m["username"].(string) {
				t.Errorf("pending Admin::Account: %v", m)
			}
		case "alice":
			if m["approved"] != true || m["confirmed"] != true || m["invite_request"] != nil {
				t.Errorf("alice's Admin::Account: %v", m)
			}
		}
	}
	if seen != 2 {
		t.Errorf("the admin sees %d of the sign-ups: %v", seen, list)
	}
	if _, v, _ := get(t, in, "/api/v2/admin/accounts?status=pending", adminTok); len(v.([]any)) != 2 ||
		idOf(v.([]any)[0]) != carolID || idOf(v.([]any)[1]) != bobID {
		t.Errorf("status=pending: %v", v)
	}
	for _, path := range []string{"/api/v1/accounts/" + bobID, "/api/v1/accounts/lookup?acct=bob", "/users/bob", "/@bob",
		"/.well-known/webfinger?resource=acct:bob@" + in.Cfg.Domain} {
		if status, body, _ := in.Do("GET", path, "", nil); status != 404 {
			t.Errorf("GET %s of a pending account: %d %s", path, status, body)
		}
	}
	if status, v, _ := get(t, in, "/api/v2/search?q=bob&resolve=false", w.oauthToken(t, "alice", "read")); status != 200 ||
		len(v.(map[string]any)["accounts"].([]any)) != 0 {
		t.Errorf("search finds a pending account: %d %v", status, v)
	}
	if _, v, _ := get(t, in, "/api/v1/instance", ""); v.(map[string]any)["stats"].(map[string]any)["user_count"] != float64(3) {
		t.Errorf("the pending sign-ups are counted: %v", v.(map[string]any)["stats"])
	}
	if _, v, _ := get(t, in, "/nodeinfo/2.0", ""); v.(map[string]any)["usage"].(map[string]any)["users"].(map[string]any)["total"] != float64(3) {
		t.Errorf("NodeInfo counts the pending sign-ups: %v", v.(map[string]any)["usage"])
	}

	approve := func(token, id string) request {
		return request{method: "POST", path: "/api/v1/admin/accounts/" + id + "/approve", token: token}
	}
	reject := func(token, id string) request {
		return request{method: "POST", path: "/api/v1/admin/accounts/" + id + "/reject", token: token}
	}
	aliceID := itoa(mustActor(t, in, "alice").ID)
	runWrites(t, in, []writeCase{
		{"approve without a token", approve("", bobID), 401, nil},
		{"approve with read write follow", approve(plainTok, bobID), 403, nil},
		{"approve by a non-admin", approve(malTok, bobID), 403, nil},
		{"approve an unknown id", approve(adminTok, "999999"), 404, nil},
		{"approve one not pending", approve(adminTok, aliceID), 403, nil},
		{"reject by a non-admin", reject(malTok, carolID), 403, nil},
		{"reject with read write follow", reject(plainTok, carolID), 403, nil},
		{"reject one not pending", reject(adminTok, aliceID), 403, nil},
		{"approve", approve(adminTok, bobID), 200, func(v any) bool {
			m := v.(map[string]any)
			return idOf(v) == bobID && m["approved"] == true && !mustActor(t, in, "bob").Pending
		}},
		{"approve again", approve(adminTok, bobID), 403, nil},
		{"reject", reject(adminTok, carolID), 200, func(v any) bool {
			_, err := in.App.DB().GetLocalActor(ctx, "carol")
			return idOf(v) == carolID && field(v, "username") == "carol" && storage.KindOf(err) == storage.NotFound
		}},
		{"reject again", reject(adminTok, carolID), 404, nil},
	})
	if status, _, _ := get(t, in, "/api/v1/accounts/verify_credentials", tokens["bob"]); status != 200 {
		t.Errorf("bob's token once approved: %d", status)
	}
	if status, _, _ := get(t, in, "/api/v1/accounts/verify_credentials", tokens["carol"]); status != 401 {
		t.Errorf("carol's token once rejected: %d", status)
	}
	if status, _, _ := in.Do("GET", "/.well-known/webfinger?resource=acct:bob@"+in.Cfg.Domain, "", nil); status != 200 {
		t.Errorf("WebFinger of bob once approved: %d", status)
	}
	// The name and the address are free again.
	if status, v := send(t, in, registration(app, signUpForm("carol"))); status != 200 {
		t.Errorf("carol again: %d %v", status, v)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestInviteRace: two sign-ups racing for an invite's last use: one wins, the other is
// refused, and the invite counts one use.
func TestInviteRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t, withRegistrations(t, "invite"))
	app := appToken(t, in, "write")
	admin := mustActor(t, in, "admin")
	for round := range 3 {
		inv, err := in.App.Outbox().CreateInvite(ctx, admin, time.Hour, 1)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], _ = send(t, in, registration(app, withInvite(signUpForm("racer"+strconv.Itoa(round)+"x"+strconv.Itoa(i)), inv.Code)))
			}()
		}
		wg.Wait()
		if !(statuses[0] == 200 && statuses[1] == 403 || statuses[0] == 403 && statuses[1] == 200) {
			t.Errorf("round %d: %v, want one 200 and one 403", round, statuses)
		}
		got, err := in.App.DB().GetInvite(ctx, inv.Code)
		if err != nil || got.Uses != 1 {
			t.Errorf("round %d: invite %+v %v, want 1 use", round, got, err)
		}
	}
}

// TestSignUpRateLimit: five sign-ups an address in half an hour, the API's and the form's
// together; the sixth is 429 with a reason, on both.
func TestSignUpRateLimit(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t, withRegistrations(t, "open"), func(c *server.Config) { c.APILimits.SignUps = httpx.MastodonLimits.SignUps })
	app := appToken(t, in, "write")
	for i := range 4 {
		if status, v := send(t, in, registration(app, signUpForm("user"+strconv.Itoa(i)))); status != 200 {
			t.Fatalf("sign-up %d: %d %v", i+1, status, v)
		}
	}
	web := testrig.NewWebClient(t, in)
	form := signUpForm("webuser")
	form.Set("password_confirmation", form.Get("password"))
	form.Set("csrf", web.CSRF("/auth/sign_up"))
	if resp, body := web.Post("/auth/sign_up", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the 5th sign-up, on the form: %d %s", resp.StatusCode, body)
	}
	before := in.RowCounts()
	status, v := send(t, in, registration(app, signUpForm("toomany")))
	if status != http.StatusTooManyRequests || !strings.Contains(field(v, "error"), "Too many sign-ups") {
		t.Errorf("the 6th sign-up: %d %v", status, v)
	}
	form = signUpForm("webtoomany")
	form.Set("password_confirmation", form.Get("password"))
	form.Set("csrf", web.CSRF("/auth/sign_up"))
	if resp, body := web.Post("/auth/sign_up", form); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many sign-ups") {
		t.Errorf("the 7th sign-up, on the form: %d %s", resp.StatusCode, body)
	}
	after := in.RowCounts()
	delete(before, "limits")
	delete(after, "limits")
	if before["actors"] != after["actors"] || before["credentials"] != after["credentials"] {
		t.Errorf("refused, yet stored: %v, was %v", after, before)
	}
}
