package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
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
			status, v, h := get(t, w.in, c.path, c.token)
			if status != c.status {
				t.Fatalf("%d %v, want %d", status, v, c.status)
			}
			if status != 200 {
				if field(v, "error") == "" {
					t.Errorf("error body %v", v)
				}
				return
			}
			list, _ := v.([]any)
			if len(list) != c.want {
				t.Fatalf("%d accounts, want %d: %v", len(list), c.want, v)
			}
			if c.name == "all" {
				if idOf(list[0]) != rootID || idOf(list[3]) != w.aliceID || linkOf(h, "next") == "" {
					t.Errorf("not newest first, or no Link: %v %v", list, h)
				}
				shape(t, "Admin::Account", list[0], map[string]string{"id": "string", "username": "string",
					"domain": "null|string", "created_at": "string", "email": "string", "ip": "null|string", "ips": "array",
					"locale": "string", "invite_request": "null|string", "role": "object", "confirmed": "bool",
					"approved": "bool", "disabled": "bool", "silenced": "bool", "suspended": "bool", "account": "object"})
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
		{"action of an unsupported type", action(adminTok, w.aliceID, url.Values{"type": {"silence"}}), 422, nil},
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
