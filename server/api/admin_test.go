package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/outbox"
	"refuge/storage"
)

// TestAdminAccounts: GET /api/v1/admin/accounts lists the local accounts as Admin::Account
// entities to an admin's token with admin:read:accounts, newest first and paged; the
// action and unsuspend endpoints suspend an account and lift it. Tokens without the admin
// scopes get 403, and so does an account that is no admin, whatever its scopes.
func TestAdminAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	if _, err := w.in.App.Outbox().CreateAccount(ctx, "root", "password-root", true); err != nil {
		t.Fatal(err)
	}
	rootID := accountID(t, w.in, "root")
	adminTok := w.oauthToken(t, "root", "admin:read admin:write")
	readTok := w.oauthToken(t, "root", "admin:read:accounts")
	plainTok := w.oauthToken(t, "root", "read write follow")
	malTok := w.oauthToken(t, "carol", "admin:read admin:write")

	for _, c := range []struct {
		name, path, token string
		status            int
		want              int // accounts listed
	}{
		{"no token", "/api/v1/admin/accounts", "", 401, 0},
		{"read write follow", "/api/v1/admin/accounts", plainTok, 403, 0},
		{"a non-admin with admin scopes", "/api/v1/admin/accounts", malTok, 403, 0},
		{"bad limit", "/api/v1/admin/accounts?limit=x", adminTok, 422, 0},
		{"all", "/api/v1/admin/accounts", readTok, 200, 5}, // and the instance's first admin,
		{"limit", "/api/v1/admin/accounts?limit=2", adminTok, 200, 2},
		{"remote", "/api/v1/admin/accounts?remote=true", adminTok, 200, 0},
		{"older than root", "/api/v1/admin/accounts?max_id=" + rootID, adminTok, 200, 4},
		{"newer than alice", "/api/v1/admin/accounts?since_id=" + w.aliceID, adminTok, 200, 3},
		{"just after alice", "/api/v1/admin/accounts?limit=1&min_id=" + w.aliceID, adminTok, 200, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			list, v, h := adminGet(t, w.in, c.path, c.token, c.status)
			if c.status != 200 {
				return
			}
			if len(list) != c.want {
				t.Fatalf("%d accounts, want %d: %v", len(list), c.want, v)
			}
			if c.name == "all" {
				if idOf(list[0]) != rootID || idOf(list[3]) != w.aliceID || linkOf(h, "next") == "" {
					t.Errorf("not newest first, or no Link: %v %v", list, h)
				}
				shape(t, "Admin::Account", list[0], adminAccountShape)
				if field(list[0], "email") != "" || list[0].(map[string]any)["role"] == nil {
					t.Errorf("a local account has an e-mail (empty) and a role: %v", list[0])
				}
				shape(t, "Role", list[0].(map[string]any)["role"], map[string]string{"id": "string", "name": "string",
					"color": "string", "permissions": "string", "highlighted": "bool"})
			}
			if c.name == "just after alice" && idOf(list[0]) != w.bobID {
				t.Errorf("min_id: %v, want bob", list)
			}
		})
	}

	action := func(token, id string, form url.Values) request {
		return request{method: "POST", path: "/api/v1/admin/accounts/" + id + "/action", token: token, body: form}
	}
	unsuspend := func(token, id string) request {
		return request{method: "POST", path: "/api/v1/admin/accounts/" + id + "/unsuspend", token: token}
	}
	suspendForm := url.Values{"type": {"suspend"}}
	aliceSuspended := func(want bool) func(any) bool {
		return func(any) bool {
			a, err := w.in.App.DB().GetLocalActor(ctx, "alice")
			return err == nil && a.Suspended() == want
		}
	}
	runWrites(t, w.in, []writeCase{
		{"action without a token", action("", w.aliceID, suspendForm), 401, nil},
		{"action with read write follow", action(plainTok, w.aliceID, suspendForm), 403, nil},
		{"action with admin:read only", action(readTok, w.aliceID, suspendForm), 403, nil},
		{"action by a non-admin", action(malTok, w.aliceID, suspendForm), 403, nil},
		{"action on an unknown id", action(adminTok, "999999", suspendForm), 404, nil},
		{"action on no id", action(adminTok, "abc", suspendForm), 404, nil},
		{"action without a type", action(adminTok, w.aliceID, url.Values{}), 422, nil},
		{"action of an unknown type", action(adminTok, w.aliceID, url.Values{"type": {"ban"}}), 422, nil},
		{"suspend oneself", action(adminTok, rootID, suspendForm), 403, nil},
		{"unsuspend one not suspended", unsuspend(adminTok, w.aliceID), 403, nil},
		{"none", action(adminTok, w.aliceID, url.Values{"type": {"none"}}), 200, aliceSuspended(false)},
		{"suspend", action(adminTok, w.aliceID, suspendForm), 200, aliceSuspended(true)},
		{"suspend again", action(adminTok, w.aliceID, suspendForm), 200, aliceSuspended(true)},
		{"unsuspend by a non-admin", unsuspend(malTok, w.aliceID), 403, nil},
		{"unsuspend with read write follow", unsuspend(plainTok, w.aliceID), 403, nil},
		{"unsuspend", unsuspend(adminTok, w.aliceID), 200, func(v any) bool {
			m, _ := v.(map[string]any)
			return aliceSuspended(false)(v) && idOf(v) == w.aliceID && m["suspended"] == false
		}},
	})
	if status, v, _ := get(t, w.in, "/api/v1/admin/accounts?limit=1&max_id="+w.bobID, adminTok); status != http.StatusOK ||
		len(v.([]any)) != 1 || v.([]any)[0].(map[string]any)["suspended"] != false {
		t.Errorf("alice after unsuspend: %d %v", status, v)
	}
}

// TestAdminAccountsV2: GET /api/v2/admin/accounts lists local and remote accounts with
// Mastodon's filters, and v1's list takes its older ones, remote=true among them; GET
// /api/v1/admin/accounts/:id shows a local or a remote account, with a local one's e-mail
// address. Filters on what Refuge does not keep (pending, IP) match nothing; unknown origins
// and statuses are 422.
func TestAdminAccountsV2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newModeration(t)
	in := m.in
	if _, err := in.App.Outbox().Suspend(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	eve := in.ActorByURI(m.eve.URI)
	if _, err := in.App.Outbox().Silence(ctx, eve.ID); err != nil {
		t.Fatal(err)
	}
	// alice gave an address she has not confirmed yet.
	creds, err := in.App.DB().GetCredentials(ctx, mustID(t, m.aliceID))
	if err != nil {
		t.Fatal(err)
	}
	creds.Email = "Alice@Example.com"
	if err := in.App.DB().Update(ctx, func(tx storage.Tx) error { return tx.PutCredentials(ctx, creds) }); err != nil {
		t.Fatal(err)
	}
	firstAdmin := firstAdminID(t, m)
	for _, c := range []struct {
		name, path, token string
		status            int
		want              []string // the account ids listed, in order
	}{
		{"no token", "/api/v2/admin/accounts", "", 401, nil},
		{"read write follow", "/api/v2/admin/accounts", m.plainTok, 403, nil},
		{"a non-admin with admin scopes", "/api/v2/admin/accounts", m.malTok, 403, nil},
		{"unknown origin", "/api/v2/admin/accounts?origin=moon", m.adminTok, 422, nil},
		{"unknown status", "/api/v2/admin/accounts?status=happy", m.adminTok, 422, nil},
		{"bad max_id", "/api/v2/admin/accounts?max_id=x", m.adminTok, 422, nil},
		{"all", "/api/v2/admin/accounts", m.readTok, 200, []string{m.eveID, m.rootID, accountID(t, in, "carol"), m.bobID, m.aliceID, firstAdmin}},
		{"remote", "/api/v2/admin/accounts?origin=remote", m.adminTok, 200, []string{m.eveID}},
		{"local, limit 2", "/api/v2/admin/accounts?origin=local&limit=2", m.adminTok, 200, []string{m.rootID, accountID(t, in, "carol")}},
		{"suspended", "/api/v2/admin/accounts?status=suspended", m.adminTok, 200, []string{m.bobID}},
		{"active", "/api/v2/admin/accounts?status=active&origin=local&max_id=" + m.rootID, m.adminTok, 200,
			[]string{accountID(t, in, "carol"), m.aliceID, firstAdmin}},
		{"staff", "/api/v2/admin/accounts?permissions=staff", m.adminTok, 200, []string{m.rootID, firstAdmin}},
		{"the admin role", "/api/v2/admin/accounts?role_ids[]=3", m.adminTok, 200, []string{m.rootID, firstAdmin}},
		{"another role", "/api/v2/admin/accounts?role_ids[]=-99", m.adminTok, 200, []string{}},
		{"username prefix, any case", "/api/v2/admin/accounts?username=AL", m.adminTok, 200, []string{m.aliceID}},
		{"username with a wildcard", "/api/v2/admin/accounts?username=%25", m.adminTok, 200, []string{}},
		{"display name", "/api/v2/admin/accounts?display_name=eve%20r", m.adminTok, 200, []string{m.eveID}},
		{"by domain", "/api/v2/admin/accounts?by_domain=" + eve.Host, m.adminTok, 200, []string{m.eveID}},
		{"pending", "/api/v2/admin/accounts?status=pending", m.adminTok, 200, []string{}},
		{"silenced", "/api/v2/admin/accounts?status=silenced", m.adminTok, 200, []string{m.eveID}},
		{"v1 silenced", "/api/v1/admin/accounts?silenced=true&remote=true", m.adminTok, 200, []string{m.eveID}},
		{"email prefix, any case", "/api/v2/admin/accounts?email=alice@EX", m.adminTok, 200, []string{m.aliceID}},
		{"email nobody has", "/api/v2/admin/accounts?email=bob", m.adminTok, 200, []string{}},
		{"one with an e-mail address", "/api/v1/admin/accounts/" + m.aliceID, m.adminTok, 200, []string{m.aliceID}},
		{"ip", "/api/v2/admin/accounts?ip=127.0.0.1", m.adminTok, 200, []string{}},
		{"v1 lists local active accounts", "/api/v1/admin/accounts?username=b", m.adminTok, 200, []string{}},
		{"v1 suspended", "/api/v1/admin/accounts?suspended=true", m.adminTok, 200, []string{m.bobID}},
		{"v1 remote", "/api/v1/admin/accounts?remote=true", m.adminTok, 200, []string{m.eveID}},
		{"v1 staff", "/api/v1/admin/accounts?staff=true", m.adminTok, 200, []string{m.rootID, firstAdmin}},
		{"one local", "/api/v1/admin/accounts/" + m.bobID, m.readTok, 200, []string{m.bobID}},
		{"one remote", "/api/v1/admin/accounts/" + m.eveID, m.adminTok, 200, []string{m.eveID}},
		{"one, by a non-admin", "/api/v1/admin/accounts/" + m.eveID, m.malTok, 403, nil},
		{"one, unknown", "/api/v1/admin/accounts/999999", m.adminTok, 404, nil},
		{"the instance's own actor", "/api/v1/admin/accounts/" + instanceActorID(t, in), m.adminTok, 404, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			list, v, h := adminGet(t, in, c.path, c.token, c.status)
			if c.status != 200 {
				return
			}
			if got := idsOf(list); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("accounts %v, want %v", got, c.want)
			}
			for _, a := range list {
				shape(t, "Admin::Account", a, adminAccountShape)
			}
			if c.name == "local, limit 2" && !strings.Contains(linkOf(h, "next"), "origin=local") {
				t.Errorf("the next Link keeps the filters: %v", h)
			}
			if c.name == "one remote" {
				a := v.(map[string]any)
				if a["domain"] != eve.Host || a["email"] != nil || a["role"] != nil || a["confirmed"] != false ||
					a["suspended"] != false || a["silenced"] != true || field(a["account"], "acct") != "eve@"+eve.Host {
					t.Errorf("eve: %v", a)
				}
			}
			if c.name == "one local" && v.(map[string]any)["suspended"] != true {
				t.Errorf("bob is suspended: %v", v)
			}
			if c.name == "one with an e-mail address" && (field(v, "email") != "Alice@Example.com" || v.(map[string]any)["confirmed"] != false) {
				t.Errorf("alice's address, not confirmed: %v", v)
			}
		})
	}
}

// TestAdminAccountActions: POST /api/v1/admin/accounts/:id/action suspends a local
// account (its reports resolved) or a remote one (blocked here, as the report queue does),
// and none resolves only the report named; unsuspend lifts either; silence silences a
// local account and unsilence lifts it (nothing to lift is no error, as Mastodon's). An
// admin is neither suspended nor silenced, as Mastodon's policy has it. Types Refuge cannot
// do are 422; a bad report_id is 404; nothing is stored when refused.
func TestAdminAccountActions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newModeration(t)
	in, db := m.in, m.in.App.DB()
	action := func(token, id string, form url.Values) request {
		return request{method: "POST", path: "/api/v1/admin/accounts/" + id + "/action", token: token, body: form}
	}
	post := func(token, id, what string) request {
		return request{method: "POST", path: "/api/v1/admin/accounts/" + id + "/" + what, token: token}
	}
	report := func(id string) *storage.Report {
		r, err := db.GetReport(ctx, mustID(t, id))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// A second open report about eve, so that a suspension resolves both.
	again, err := in.App.Outbox().Report(ctx, in.LocalActor("bob"), outbox.ReportInput{TargetID: mustID(t, m.eveID)})
	if err != nil {
		t.Fatal(err)
	}
	aboutAlice, err := in.App.Outbox().Report(ctx, in.LocalActor("bob"), outbox.ReportInput{TargetID: mustID(t, m.aliceID)})
	if err != nil {
		t.Fatal(err)
	}
	aliceSuspended := func(want bool) func(any) bool {
		return func(any) bool { return in.LocalActor("alice").Suspended() == want }
	}
	eveBlocked := func(want bool) func(any) bool {
		return func(any) bool {
			blocked, err := db.IsBlocked(ctx, m.eve.URI)
			return err == nil && blocked == want
		}
	}
	suspend := url.Values{"type": {"suspend"}, "text": {"ignored"}, "send_email_notification": {"true"}}
	runWrites(t, in, []writeCase{
		{"no token", action("", m.eveID, suspend), 401, nil},
		{"read write follow", action(m.plainTok, m.eveID, suspend), 403, nil},
		{"admin:read only", action(m.readTok, m.eveID, suspend), 403, nil},
		{"a non-admin", action(m.malTok, m.eveID, suspend), 403, nil},
		{"unknown account", action(m.adminTok, "999999", suspend), 404, nil},
		{"unknown report", action(m.adminTok, m.eveID, url.Values{"type": {"none"}, "report_id": {"999999"}}), 404, nil},
		{"bad report id", action(m.adminTok, m.eveID, url.Values{"type": {"none"}, "report_id": {"x"}}), 404, nil},
		{"disable", action(m.adminTok, m.aliceID, url.Values{"type": {"disable"}}), 422, nil},
		{"sensitive", action(m.adminTok, m.aliceID, url.Values{"type": {"sensitive"}}), 422, nil},
		{"unsilence by a non-admin", post(m.malTok, m.aliceID, "unsilence"), 403, nil},
		{"unsuspend one not suspended", post(m.adminTok, m.eveID, "unsuspend"), 403, nil},
		{"suspend another admin", action(m.adminTok, firstAdminID(t, m), suspend), 403, nil},
		{"none without a report", action(m.adminTok, m.eveID, url.Values{"type": {"none"}}), 200, eveBlocked(false)},
		{"none with alice's report", action(m.adminTok, m.aliceID, url.Values{"type": {"none"}, "report_id": {m.aliceReport}}),
			200, func(any) bool {
				r := report(m.aliceReport)
				return !r.Open() && r.Resolution == storage.ReportDismissed && fmt.Sprint(r.ResolvedByID) == m.rootID &&
					aliceSuspended(false)(nil) && report(m.eveRep).Open() && report(fmt.Sprint(aboutAlice.ID)).Open()
			}},
		{"no type", action(m.adminTok, m.eveID, nil), 422, nil},
	})
	runWrites(t, in, []writeCase{
		{"suspend eve", request{method: "POST", path: "/api/v1/admin/accounts/" + m.eveID + "/action", token: m.adminTok,
			body: map[string]any{"type": "suspend", "report_id": m.eveRep}}, 200, func(v any) bool {
			r, r2 := report(m.eveRep), report(fmt.Sprint(again.ID))
			return eveBlocked(true)(v) && !r.Open() && !r2.Open() && r.Resolution == storage.ReportSuspended &&
				fmt.Sprint(r2.ResolvedByID) == m.rootID
		}},
		{"suspend eve again", action(m.adminTok, m.eveID, suspend), 200, eveBlocked(true)},
		{"unsuspend eve", post(m.adminTok, m.eveID, "unsuspend"), 200, func(v any) bool {
			return eveBlocked(false)(v) && idOf(v) == m.eveID && v.(map[string]any)["suspended"] == false
		}},
		{"unsuspend eve again", post(m.adminTok, m.eveID, "unsuspend"), 403, nil},
		{"suspend alice", action(m.adminTok, m.aliceID, suspend), 200, func(v any) bool {
			r := report(fmt.Sprint(aboutAlice.ID))
			return aliceSuspended(true)(v) && !r.Open() && r.Resolution == storage.ReportSuspended
		}},
		{"unsuspend alice", post(m.adminTok, m.aliceID, "unsuspend"), 200, func(v any) bool {
			return aliceSuspended(false)(v) && v.(map[string]any)["suspended"] == false
		}},
	})
	// A new report about alice, which her silence resolves.
	later, err := in.App.Outbox().Report(ctx, in.LocalActor("bob"), outbox.ReportInput{TargetID: mustID(t, m.aliceID)})
	if err != nil {
		t.Fatal(err)
	}
	runWrites(t, in, []writeCase{
		{"silence another admin", action(m.adminTok, firstAdminID(t, m), url.Values{"type": {"silence"}}), 403, nil},
		{"silence alice", action(m.adminTok, m.aliceID, url.Values{"type": {"silence"}}), 200, func(any) bool {
			r := report(fmt.Sprint(later.ID))
			return in.LocalActor("alice").Limited() && !r.Open() && r.Resolution == storage.ReportSilenced
		}},
		{"silence alice again", action(m.adminTok, m.aliceID, url.Values{"type": {"silence"}}), 200, func(any) bool {
			return in.LocalActor("alice").Limited()
		}},
		{"unsilence alice", post(m.adminTok, m.aliceID, "unsilence"), 200, func(v any) bool {
			return !in.LocalActor("alice").Limited() && v.(map[string]any)["silenced"] == false && idOf(v) == m.aliceID
		}},
		{"unsilence alice again", post(m.adminTok, m.aliceID, "unsilence"), 200, func(v any) bool {
			return v.(map[string]any)["silenced"] == false
		}},
	})
	status, v, _ := get(t, in, "/api/v1/admin/accounts/"+m.eveID, m.adminTok)
	if status != 200 || v.(map[string]any)["suspended"] != false {
		t.Errorf("eve after: %d %v", status, v)
	}
}

// mustList is the list an admin GET answers.
func mustList(t *testing.T, in *testrig.Instance, path, token string) []any {
	t.Helper()
	status, v, _ := get(t, in, path, token)
	list, _ := v.([]any)
	if status != 200 {
		t.Fatalf("%s: %d %v", path, status, v)
	}
	return list
}

// instanceActorID is the row id of the instance's own actor.
func instanceActorID(t *testing.T, in *testrig.Instance) string {
	t.Helper()
	a, err := in.App.Outbox().InstanceActor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(a.ID)
}

// adminGet GETs path with token and checks the status, and the error body of a refusal; it
// answers the items of a list, or the one entity answered as a list of one.
func adminGet(t *testing.T, in *testrig.Instance, path, token string, status int) ([]any, any, http.Header) {
	t.Helper()
	got, v, h := get(t, in, path, token)
	if got != status {
		t.Fatalf("%d %v, want %d", got, v, status)
	}
	if got != http.StatusOK {
		if field(v, "error") == "" {
			t.Errorf("error body %v", v)
		}
		return nil, v, h
	}
	list, isList := v.([]any)
	if !isList {
		list = []any{v}
	}
	return list, v, h
}

// idsOf is the ids of the entities of list, in order.
func idsOf(list []any) []string {
	ids := []string{}
	for _, v := range list {
		ids = append(ids, idOf(v))
	}
	return ids
}

// firstAdminID is the account id of the admin made at the instance's first start.
func firstAdminID(t *testing.T, m *moderation) string {
	t.Helper()
	for _, a := range mustList(t, m.in, "/api/v2/admin/accounts?origin=local&permissions=staff", m.adminTok) {
		if field(a, "username") != "root" {
			return idOf(a)
		}
	}
	t.Fatal("no first admin")
	return ""
}
