package api_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/outbox"
	"refuge/storage"
)

// adminAccountShape and adminReportShape are the attributes of Admin::Account and
// Admin::Report that Mastodon documents as always present.
var (
	adminAccountShape = map[string]string{"id": "string", "username": "string", "domain": "null|string",
		"created_at": "string", "email": "null|string", "ip": "null|string", "ips": "array", "locale": "string",
		"invite_request": "null|string", "role": "null|object", "confirmed": "bool", "approved": "bool",
		"disabled": "bool", "silenced": "bool", "sensitized": "bool", "suspended": "bool", "account": "object"}
	adminReportShape = map[string]string{"id": "string", "action_taken": "bool", "action_taken_at": "null|string",
		"category": "string", "comment": "string", "forwarded": "bool", "created_at": "string", "updated_at": "string",
		"account": "object", "target_account": "object", "assigned_account": "null|object",
		"action_taken_by_account": "null|object", "statuses": "array", "rules": "array"}
)

// moderation is a world with an admin, root, and a remote actor, eve, known here: carol
// reported alice's public post (as spam) and then eve; eve's report is the newer.
type moderation struct {
	*world
	rootID, eveID       string
	aliceReport, eveRep string // report ids
	eve                 *peer.Actor
	adminTok, malTok    string // root's with every admin scope; carol's (no admin) with them too
	readTok, plainTok   string // root's with admin:read:reports and admin:read:accounts only; root's with read write follow
}

func newModeration(t *testing.T) *moderation {
	t.Helper()
	ctx := context.Background()
	m := &moderation{world: newWorld(t)}
	in := m.in
	if _, err := in.App.Outbox().CreateAccount(ctx, "root", "password-root", true); err != nil {
		t.Fatal(err)
	}
	m.rootID = accountID(t, in, "root")
	k1, _ := peer.Keys()
	p := peer.New(t, "127.0.0.1:0", "")
	m.eve = p.Actor("eve", k1)
	doc := m.eve.Doc()
	doc["name"] = "Eve Remote"
	p.Doc("/users/eve", doc)
	note := m.eve.Note("<p>remote</p>", "https://www.w3.org/ns/activitystreams#Public")
	m.eve.Deliver(t, in.Base+"/inbox", m.eve.Activity("Create", note, "to", note["to"]))
	eve := in.ActorByURI(m.eve.URI)
	m.eveID = fmt.Sprint(eve.ID)

	carol := in.LocalActor("carol")
	rep, err := in.App.Outbox().Report(ctx, carol, outbox.ReportInput{TargetID: mustID(t, m.aliceID), NoteIDs: []int64{mustID(t, m.public) / 2},
		Comment: "spam from alice", Category: "spam"})
	if err != nil {
		t.Fatal(err)
	}
	m.aliceReport = fmt.Sprint(rep.ID)
	if rep, err = in.App.Outbox().Report(ctx, carol, outbox.ReportInput{TargetID: eve.ID, Comment: "eve"}); err != nil {
		t.Fatal(err)
	}
	m.eveRep = fmt.Sprint(rep.ID)
	m.adminTok = m.oauthToken(t, "root", "admin:read admin:write")
	m.malTok = m.oauthToken(t, "carol", "admin:read admin:write")
	m.readTok = m.oauthToken(t, "root", "admin:read:reports admin:read:accounts")
	m.plainTok = m.oauthToken(t, "root", "read write follow")
	return m
}

// TestAdminReports: GET /api/v1/admin/reports lists the open reports, or the resolved ones,
// by reporter and by account reported, newest first and paged, as Admin::Report entities;
// GET .../:id shows one. assign_to_self, unassign, PUT (category, and the instance's rules
// it cites), resolve and reopen change a report and answer it. Tokens without the admin scopes for reports get
// 403, and so does an account that is no admin whatever its scopes; an unknown id is 404;
// a refused change stores nothing.
func TestAdminReports(t *testing.T) {
	t.Parallel()
	m := newModeration(t)
	in := m.in
	accountsTok := m.oauthToken(t, "root", "admin:read:accounts admin:write:accounts")
	rule, err := in.App.Outbox().PutRule(context.Background(), 0, "Be kind", "")
	if err != nil {
		t.Fatal(err)
	}
	ruleID := fmt.Sprint(rule.ID)
	carolID := accountID(t, in, "carol")

	for _, c := range []struct {
		name, path, token string
		status            int
		want              []string // the report ids listed, in order
	}{
		{"no token", "/api/v1/admin/reports", "", 401, nil},
		{"read write follow", "/api/v1/admin/reports", m.plainTok, 403, nil},
		{"admin scopes for accounts only", "/api/v1/admin/reports", accountsTok, 403, nil},
		{"a non-admin with admin scopes", "/api/v1/admin/reports", m.malTok, 403, nil},
		{"bad limit", "/api/v1/admin/reports?limit=0", m.adminTok, 422, nil},
		{"bad account_id", "/api/v1/admin/reports?account_id=x", m.adminTok, 422, nil},
		{"open", "/api/v1/admin/reports", m.readTok, 200, []string{m.eveRep, m.aliceReport}},
		{"resolved", "/api/v1/admin/reports?resolved=true", m.adminTok, 200, []string{}},
		{"resolved=false is the open ones", "/api/v1/admin/reports?resolved=false", m.adminTok, 200, []string{m.eveRep, m.aliceReport}},
		{"by carol", "/api/v1/admin/reports?account_id=" + carolID, m.adminTok, 200, []string{m.eveRep, m.aliceReport}},
		{"by alice", "/api/v1/admin/reports?account_id=" + m.aliceID, m.adminTok, 200, []string{}},
		{"about alice", "/api/v1/admin/reports?target_account_id=" + m.aliceID, m.adminTok, 200, []string{m.aliceReport}},
		{"limit", "/api/v1/admin/reports?limit=1", m.adminTok, 200, []string{m.eveRep}},
		{"older", "/api/v1/admin/reports?max_id=" + m.eveRep, m.adminTok, 200, []string{m.aliceReport}},
		{"newer", "/api/v1/admin/reports?since_id=" + m.aliceReport, m.adminTok, 200, []string{m.eveRep}},
		{"just after", "/api/v1/admin/reports?limit=1&min_id=" + m.aliceReport, m.adminTok, 200, []string{m.eveRep}},
		{"one", "/api/v1/admin/reports/" + m.aliceReport, m.readTok, 200, []string{m.aliceReport}},
		{"one, by a non-admin", "/api/v1/admin/reports/" + m.aliceReport, m.malTok, 403, nil},
		{"one, unknown", "/api/v1/admin/reports/999999", m.adminTok, 404, nil},
		{"one, no id", "/api/v1/admin/reports/abc", m.adminTok, 404, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			list, v, h := adminGet(t, in, c.path, c.token, c.status)
			if c.status != 200 {
				return
			}
			if got := idsOf(list); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("reports %v, want %v", got, c.want)
			}
			if c.name == "limit" && linkOf(h, "next") == "" {
				t.Errorf("no next Link: %v", h)
			}
			if c.name == "open" {
				checkReportShape(t, list[0])
				eve := list[0].(map[string]any)["target_account"]
				if field(eve, "domain") == "" || eve.(map[string]any)["email"] != nil || eve.(map[string]any)["role"] != nil {
					t.Errorf("eve, a remote account: %v", eve)
				}
			}
			if c.name == "one" {
				checkReportShape(t, v)
				r := v.(map[string]any)
				statuses, _ := r["statuses"].([]any)
				if len(statuses) != 1 || idOf(statuses[0]) != m.public || idOf(r["account"]) != carolID ||
					idOf(r["target_account"]) != m.aliceID || r["category"] != "spam" || r["comment"] != "spam from alice" ||
					r["action_taken"] != false || r["assigned_account"] != nil {
					t.Errorf("alice's report: %v", r)
				}
				shape(t, "Status", statuses[0], statusShape)
			}
		})
	}

	post := func(token, id, action string) request {
		return request{method: "POST", path: "/api/v1/admin/reports/" + id + "/" + action, token: token}
	}
	put := func(token, id string, body any) request {
		return request{method: "PUT", path: "/api/v1/admin/reports/" + id, token: token, body: body}
	}
	report := func(check func(r map[string]any) bool) func(any) bool {
		return func(v any) bool {
			checkReportShape(t, v)
			r, _ := v.(map[string]any)
			return idOf(r) == m.aliceReport && check(r)
		}
	}
	stored := func() *storage.Report {
		r, err := in.App.DB().GetReport(context.Background(), mustID(t, m.aliceReport))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var refused []writeCase
	for _, action := range []string{"assign_to_self", "unassign", "resolve", "reopen"} {
		refused = append(refused,
			writeCase{action + " without a token", post("", m.aliceReport, action), 401, nil},
			writeCase{action + " with read write follow", post(m.plainTok, m.aliceReport, action), 403, nil},
			writeCase{action + " with admin:read only", post(m.readTok, m.aliceReport, action), 403, nil},
			writeCase{action + " with the admin scopes for accounts", post(accountsTok, m.aliceReport, action), 403, nil},
			writeCase{action + " by a non-admin", post(m.malTok, m.aliceReport, action), 403, nil},
			writeCase{action + " of an unknown report", post(m.adminTok, "999999", action), 404, nil},
		)
	}
	refused = append(refused,
		writeCase{"update by a non-admin", put(m.malTok, m.aliceReport, url.Values{"category": {"other"}}), 403, nil},
		writeCase{"update with admin:read only", put(m.readTok, m.aliceReport, url.Values{"category": {"other"}}), 403, nil},
		writeCase{"update of an unknown report", put(m.adminTok, "999999", url.Values{"category": {"other"}}), 404, nil},
		writeCase{"update to a bad category", put(m.adminTok, m.aliceReport, url.Values{"category": {"rude"}}), 422, nil},
		writeCase{"update citing a rule there is not", put(m.adminTok, m.aliceReport, map[string]any{"category": "violation",
			"rule_ids": []string{"999"}}), 422, nil},
		writeCase{"update citing no id", put(m.adminTok, m.aliceReport, url.Values{"rule_ids[]": {"kind"}}), 422, nil},
	)
	runWrites(t, in, refused)
	if r := stored(); !r.Open() || r.AssignedID != 0 || r.Category != storage.ReportSpam || !r.Updated.Equal(r.Created) ||
		len(r.RuleIDs) != 0 {
		t.Fatalf("the refused changes changed the report: %+v", r)
	}

	runWrites(t, in, []writeCase{
		{"assign_to_self", post(m.adminTok, m.aliceReport, "assign_to_self"), 200, report(func(r map[string]any) bool {
			return idOf(r["assigned_account"]) == m.rootID && r["updated_at"] != r["created_at"]
		})},
		{"unassign", post(m.adminTok, m.aliceReport, "unassign"), 200, report(func(r map[string]any) bool {
			return r["assigned_account"] == nil
		})},
		{"update the category and the rules, as JSON", put(m.adminTok, m.aliceReport, map[string]any{"category": "violation",
			"rule_ids": []string{ruleID}}), 200, report(func(r map[string]any) bool {
			rules, _ := r["rules"].([]any)
			if len(rules) == 1 {
				shape(t, "Rule", rules[0], map[string]string{"id": "string", "text": "string", "hint": "string"})
			}
			return r["category"] == "violation" && len(rules) == 1 && idOf(rules[0]) == ruleID && field(rules[0], "text") == "Be kind"
		})},
		{"update with nothing", put(m.adminTok, m.aliceReport, url.Values{}), 200, report(func(r map[string]any) bool {
			return r["category"] == "violation" && len(r["rules"].([]any)) == 1
		})},
		{"resolve", post(m.adminTok, m.aliceReport, "resolve"), 200, report(func(r map[string]any) bool {
			return r["action_taken"] == true && field(r, "action_taken_at") != "" && idOf(r["action_taken_by_account"]) == m.rootID
		})},
		{"resolve again", post(m.adminTok, m.aliceReport, "resolve"), 200, report(func(r map[string]any) bool {
			return r["action_taken"] == true
		})},
		{"reopen", post(m.adminTok, m.aliceReport, "reopen"), 200, report(func(r map[string]any) bool {
			return r["action_taken"] == false && r["action_taken_at"] == nil && r["action_taken_by_account"] == nil
		})},
		{"reopen again", post(m.adminTok, m.aliceReport, "reopen"), 200, report(func(r map[string]any) bool {
			return r["action_taken"] == false
		})},
	})
	if r := stored(); !r.Open() || r.Category != storage.ReportViolation || r.ResolvedByID != 0 || fmt.Sprint(r.RuleIDs) != "["+ruleID+"]" {
		t.Errorf("stored after: %+v", r)
	}

	// Resolving from the web's queue records the admin the API shows.
	root := testrig.NewWebClient(t, in)
	root.SignIn("root", "password-root")
	if resp, body := root.Post("/admin/reports/"+m.eveRep+"/dismiss", url.Values{"csrf": {root.CSRF("/admin/reports")}}); resp.StatusCode != 303 {
		t.Fatalf("the web's dismiss: %d\n%s", resp.StatusCode, body)
	}
	status, v, _ := get(t, in, "/api/v1/admin/reports?resolved=true", m.adminTok)
	list, _ := v.([]any)
	if status != 200 || len(list) != 1 || idOf(list[0]) != m.eveRep || idOf(list[0].(map[string]any)["action_taken_by_account"]) != m.rootID {
		t.Errorf("resolved from the web: %d %v", status, v)
	}
}

// checkReportShape checks an Admin::Report and the Admin::Account entities in it.
func checkReportShape(t *testing.T, v any) {
	t.Helper()
	shape(t, "Admin::Report", v, adminReportShape)
	r, _ := v.(map[string]any)
	for _, k := range []string{"account", "target_account", "assigned_account", "action_taken_by_account"} {
		if r[k] != nil {
			shape(t, "Admin::Report."+k, r[k], adminAccountShape)
			shape(t, "Admin::Report."+k+".account", r[k].(map[string]any)["account"], accountShape)
		}
	}
}

// mustID reads a decimal id.
func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("id %q", s)
	}
	return n
}
