package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/outbox"
	"refuge/server/httpx"
	"refuge/storage"
)

// TestHostileAdmin: the admins' pages and forms refuse everyone else. Every POST under
// /admin is refused (403) to a signed-in account that is no admin, even with its own CSRF
// token, and to an admin without the CSRF token, with another session's or from another
// site; nothing changes. The queue is 403 to a non-admin and a sign-in redirect to a
// visitor, and so are the accounts, domain blocks and settings pages; silencing and lifting a
// silence (of an account, from a report, of a server) are among those POSTs. A Flag from
// another server is kept only when it names an account here.
func TestHostileAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t)
	_, alice := in.Account("alice", false)
	in.Account("mal", false)
	if _, err := in.App.Outbox().CreateAccount(ctx, "root", "password-root", true); err != nil {
		t.Fatal(err)
	}
	rootWeb, malWeb := webSignIn(t, in, "root"), webSignIn(t, in, "mal")
	target := in.LocalActor("alice")
	rep, err := in.App.Outbox().Report(ctx, in.LocalActor("mal"), outbox.ReportInput{TargetID: target.ID, Comment: "bait"})
	if err != nil {
		t.Fatal(err)
	}
	k1, _ := peer.Keys()
	p := peer.New(t, "127.0.0.1:0", "")
	eve := p.Actor("eve", k1)
	p.Doc("/users/eve", eve.Doc())

	// alice uses two-factor sign-in and kept.example is blocked, so that every admin action
	// on the accounts and blocks pages would change something.
	db := in.App.DB()
	creds, err := db.GetCredentials(ctx, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	creds.TOTPSecret, creds.TOTPEnabled = "JBSWY3DPEHPK3PXP", true
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutCredentials(ctx, creds) }); err != nil {
		t.Fatal(err)
	}
	if _, err := in.App.Outbox().AddInstanceBlock(ctx, "kept.example"); err != nil {
		t.Fatal(err)
	}
	// quiet is silenced, so that lifting it would change something too.
	in.Account("quiet", false)
	quiet := in.LocalActor("quiet")
	if _, err := in.App.Outbox().Silence(ctx, quiet.ID); err != nil {
		t.Fatal(err)
	}
	rule, err := in.App.Outbox().PutRule(ctx, 0, "Be kind", "")
	if err != nil {
		t.Fatal(err)
	}
	// newbie signed up and waits for approval, so that approving or rejecting it would too.
	newbie, err := in.App.Outbox().CreateAccount(ctx, "newbie", "password-newbie", false)
	if err != nil {
		t.Fatal(err)
	}
	newbie.Pending = true
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateActor(ctx, newbie) }); err != nil {
		t.Fatal(err)
	}
	unchanged := func(t *testing.T, _ peer.Answer) {
		got, err := in.App.DB().GetReport(ctx, rep.ID)
		if err != nil || !got.Open() || got.AssignedID != 0 || got.Category != storage.ReportOther || !got.Updated.Equal(got.Created) {
			t.Errorf("the report was resolved or changed: %+v %v", got, err)
		}
		if a := in.LocalActor("alice"); a.Suspended() {
			t.Error("alice was suspended")
		}
		if c, err := db.GetCredentials(ctx, target.ID); err != nil || c.PasswordHash != creds.PasswordHash || !c.TOTPEnabled {
			t.Errorf("alice's credentials changed: %v", err)
		}
		if list, err := db.ListBlocks(ctx); err != nil || len(list) != 1 || list[0].Target != "kept.example" ||
			list[0].Severity != storage.BlockSuspend || list[0].PublicComment != "" {
			t.Errorf("blocks changed: %+v %v", list, err)
		}
		if s, err := db.GetSettings(ctx); err != nil || s.Name != "" {
			t.Errorf("settings changed: %+v %v", s, err)
		}
		if list, err := db.ListRules(ctx); err != nil || len(list) != 1 || list[0].Text != "Be kind" {
			t.Errorf("rules changed: %+v %v", list, err)
		}
		if a := in.LocalActor("alice"); a.Limited() {
			t.Error("alice was silenced")
		}
		if q := in.LocalActor("quiet"); !q.Limited() {
			t.Error("quiet's silence was lifted")
		}
		if a, err := db.GetLocalActor(ctx, "newbie"); err != nil || !a.Pending {
			t.Errorf("newbie was approved or rejected: %v", err)
		}
	}
	var rows []hostileCase
	type adminPost struct {
		path   string
		fields url.Values // besides the CSRF token
	}
	var posts []adminPost
	for _, action := range []string{"dismiss", "delete", "suspend", "silence"} {
		posts = append(posts, adminPost{fmt.Sprintf("/admin/reports/%d/%s", rep.ID, action), nil})
	}
	for _, action := range []string{"suspend", "unsuspend", "password", "two_factor_off", "silence"} {
		posts = append(posts, adminPost{"/admin/accounts/alice/" + action, nil})
	}
	posts = append(posts, adminPost{"/admin/accounts/quiet/unsilence", nil},
		adminPost{fmt.Sprintf("/admin/silenced/%d/unsilence", quiet.ID), nil},
		adminPost{"/admin/domain_blocks/add", url.Values{"target": {"kept.example"}, "severity": {"silence"},
			"public_comment": {"changed"}}})
	for _, action := range []string{"approve", "reject"} {
		posts = append(posts, adminPost{fmt.Sprintf("/admin/accounts/%d/%s", newbie.ID, action), nil})
	}
	posts = append(posts, adminPost{"/admin/domain_blocks/add", url.Values{"target": {"new.example"}}},
		adminPost{"/admin/domain_blocks/remove", url.Values{"target": {"kept.example"}}},
		adminPost{"/admin/settings", url.Values{"name": {"Taken over"}}},
		adminPost{"/admin/rules/add", url.Values{"text": {"Obey mal"}}},
		adminPost{fmt.Sprintf("/admin/rules/%d/edit", rule.ID), url.Values{"text": {"Obey mal"}}},
		adminPost{fmt.Sprintf("/admin/rules/%d/delete", rule.ID), nil})
	for _, ap := range posts {
		action := ap.path
		post := func(s webSession, csrf, origin string) func(t *testing.T) peer.Answer {
			return func(t *testing.T) peer.Answer {
				form := url.Values{"csrf": {csrf}}
				for k, v := range ap.fields {
					form[k] = v
				}
				return formPost(t, in, ap.path, s.cookie, origin, form)
			}
		}
		rows = append(rows,
			hostileCase{name: action + " by a non-admin with its own CSRF token", send: post(malWeb, malWeb.csrf, ""),
				status: 403, reason: "only admins", check: unchanged},
			hostileCase{name: action + " by the admin without the CSRF token", send: post(rootWeb, "", ""),
				status: 403, reason: "no CSRF token", check: unchanged},
			hostileCase{name: action + " by the admin with another session's CSRF token", send: post(rootWeb, malWeb.csrf, ""),
				status: 403, reason: "CSRF token is wrong", check: unchanged},
			hostileCase{name: action + " by the admin from another site", send: post(rootWeb, rootWeb.csrf, "http://evil.example"),
				status: 403, reason: "from another site", check: unchanged},
			hostileCase{name: action + " by a visitor", send: post(webSession{}, rootWeb.csrf, ""),
				status: 401, reason: "sign in first", check: unchanged},
		)
	}
	// The admin API's writes: a non-admin's token with every admin scope, the admin's token
	// without the scope the endpoint needs, and the admin's web session (no token, so no
	// cross-site request can carry it) are all refused, with nothing changed.
	malAdmin := apiToken(t, in, "mal", "admin:read admin:write")
	rootRead := apiToken(t, in, "root", "read write follow admin:read")
	rootReports := apiToken(t, in, "root", "admin:write:reports")
	rootAccounts := apiToken(t, in, "root", "admin:write:accounts")
	type apiWrite struct {
		method, path string
		other        string // the admin's token with the other admin write scope only
	}
	var apiWrites []apiWrite
	for _, action := range []string{"assign_to_self", "unassign", "resolve", "reopen"} {
		apiWrites = append(apiWrites, apiWrite{"POST", fmt.Sprintf("/api/v1/admin/reports/%d/%s", rep.ID, action), rootAccounts})
	}
	apiWrites = append(apiWrites, apiWrite{"PUT", fmt.Sprintf("/api/v1/admin/reports/%d?category=spam", rep.ID), rootAccounts})
	for _, action := range []string{"action?type=suspend", "action?type=silence", "unsuspend", "unsilence"} {
		apiWrites = append(apiWrites, apiWrite{"POST", fmt.Sprintf("/api/v1/admin/accounts/%d/%s", target.ID, action), rootReports})
	}
	for _, aw := range apiWrites {
		call := func(token string) func(t *testing.T) peer.Answer {
			return func(t *testing.T) peer.Answer { return hostileDo(t, in, aw.method, aw.path, token, nil) }
		}
		rows = append(rows,
			hostileCase{name: aw.method + " " + aw.path + " by a non-admin's token with the admin scopes", send: call(malAdmin),
				status: 403, reason: "This action is not allowed", check: unchanged},
			hostileCase{name: aw.method + " " + aw.path + " by the admin's token without admin scopes", send: call(rootRead),
				status: 403, check: unchanged},
			hostileCase{name: aw.method + " " + aw.path + " by the admin's token with the other admin write scope",
				send: call(aw.other), status: 403, check: unchanged},
			hostileCase{name: aw.method + " " + aw.path + " by the admin's web session", send: func(t *testing.T) peer.Answer {
				req, err := http.NewRequest(aw.method, in.Base+aw.path, strings.NewReader(url.Values{"csrf": {rootWeb.csrf}}.Encode()))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: rootWeb.cookie})
				return peer.Send(t, req)
			}, status: 401, check: unchanged},
		)
	}
	for _, page := range []string{"/admin/reports", "/admin/accounts", "/admin/domain_blocks", "/admin/settings"} {
		rows = append(rows,
			hostileCase{name: page + " to a non-admin", send: func(t *testing.T) peer.Answer {
				return getPage(t, in, page, malWeb.cookie)
			}, status: 403, reason: "nly admins may see this page"},
			hostileCase{name: page + " to a visitor", send: func(t *testing.T) peer.Answer {
				return getPage(t, in, page, "")
			}, status: http.StatusSeeOther})
	}
	rows = append(rows,
		hostileCase{name: "a Flag naming an account here is kept, without the posts that are not ours",
			send: func(t *testing.T) peer.Answer {
				return eve.Post(t, in.Base+"/inbox", eve.Activity("Flag", []string{alice, p.Base + "/notes/1"},
					"content", "alice is rude"), peer.Sig{})
			}, status: http.StatusAccepted, delta: map[string]int{"reports": 1, "activities": 1, "actors": 1}, // eve is fetched once
			check: func(t *testing.T, _ peer.Answer) {
				list, err := in.App.DB().ListReports(ctx, storage.ReportQuery{})
				if err != nil || len(list) != 2 || list[0].Comment != "alice is rude" || list[0].TargetID != target.ID ||
					len(list[0].NoteIDs) != 0 {
					t.Errorf("reports: %+v %v", list, err)
				}
			}},
		hostileCase{name: "a Flag naming nothing here is dropped", send: func(t *testing.T) peer.Answer {
			return eve.Post(t, in.Base+"/inbox", eve.Activity("Flag", []string{p.Base + "/users/nobody", in.Base + "/users/ghost"},
				"content", "about no one here"), peer.Sig{})
		}, status: http.StatusAccepted},
		hostileCase{name: "a Flag whose object is too long a list", send: func(t *testing.T) peer.Answer {
			objects := make([]string, 101)
			for i := range objects {
				objects[i] = alice
			}
			return eve.Post(t, in.Base+"/inbox", eve.Activity("Flag", objects), peer.Sig{})
		}, status: http.StatusBadRequest, reason: "too many objects"},
	)
	runHostile(t, in, rows)
}

// apiToken stores an OAuth token of local account name with scopes, as the token endpoint
// would, and returns its secret.
func apiToken(t *testing.T, in *testrig.Instance, name, scopes string) string {
	t.Helper()
	ctx := context.Background()
	secret := "hostile-" + name + "-" + strings.ReplaceAll(scopes, " ", "-")
	tok := &storage.Token{Hash: storage.HashToken(secret), Kind: storage.TokenOAuth, Scopes: scopes, ActorID: in.LocalActor(name).ID}
	if err := in.App.DB().Update(ctx, func(tx storage.Tx) error { return tx.PutToken(ctx, tok) }); err != nil {
		t.Fatal(err)
	}
	return secret
}
