package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"refuge/storage"
)

// reportShape is the Report entity's attributes that Mastodon documents as always present.
var reportShape = map[string]string{"id": "string", "action_taken": "bool", "action_taken_at": "string|null",
	"category": "string", "comment": "string", "forwarded": "bool", "created_at": "string",
	"status_ids": "array|null", "rule_ids": "array|null", "target_account": "object"}

// reported checks a Report answer: its shape, the account reported, the category and the
// statuses.
func reported(t *testing.T, accountID, category string, statuses ...string) func(v any) bool {
	return func(v any) bool {
		t.Helper()
		shape(t, "Report", v, reportShape)
		m, _ := v.(map[string]any)
		shape(t, "Report.target_account", m["target_account"], accountShape)
		var ids []string
		list, _ := m["status_ids"].([]any)
		for _, id := range list {
			s, _ := id.(string)
			ids = append(ids, s)
		}
		return idOf(m["target_account"]) == accountID && m["category"] == category && m["action_taken"] == false &&
			m["forwarded"] == false && strings.Join(ids, ",") == strings.Join(statuses, ",")
	}
}

// TestReports files reports through POST /api/v1/reports, with the scope Mastodon asks
// (write:reports, or write), citing the instance's rules or not, and refuses what cannot be
// reported with nothing stored: no token 401, another scope 403, an unknown account or a
// status that is not the account's or that the reporter cannot see 404, bad parameters
// (a rule there is not among them) 422.
func TestReports(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	carolID := accountID(t, w.in, "carol")
	report := func(token string, body any) request {
		return request{method: "POST", path: "/api/v1/reports", token: token, body: body}
	}
	about := func(id string, more ...string) url.Values {
		v := url.Values{"account_id": {id}}
		for i := 0; i+1 < len(more); i += 2 {
			v.Add(more[i], more[i+1])
		}
		return v
	}
	rule, err := w.in.App.Outbox().PutRule(context.Background(), 0, "Be kind", "")
	if err != nil {
		t.Fatal(err)
	}
	ruleID := fmt.Sprint(rule.ID)
	tooMany := about(w.aliceID)
	for range 41 {
		tooMany.Add("status_ids[]", w.public)
	}
	runWrites(t, w.in, []writeCase{
		{"no token", report("", about(w.aliceID)), 401, nil},
		{"bad token", report("nope", about(w.aliceID)), 401, nil},
		{"read only", report(w.oauthToken(t, "carol", "read"), about(w.aliceID)), 403, nil},
		{"write:statuses only", report(w.oauthToken(t, "carol", "write:statuses"), about(w.aliceID)), 403, nil},
		{"an app's own token", report(w.oauthToken(t, "", "write:reports"), about(w.aliceID)), 403, nil},
		{"unknown account", report(w.carolTok, about("999999")), 404, nil},
		{"not an id", report(w.carolTok, about("abc")), 404, nil},
		{"no account", report(w.carolTok, url.Values{"comment": {"who?"}}), 422, nil},
		{"a status of another account", report(w.carolTok, about(w.aliceID, "status_ids[]", w.reply)), 404, nil},
		{"a status the reporter cannot see", report(w.carolTok, about(w.aliceID, "status_ids[]", w.private)), 404, nil},
		{"an unknown status", report(w.carolTok, about(w.aliceID, "status_ids[]", "99999998")), 404, nil},
		{"too many statuses", report(w.carolTok, tooMany), 422, nil},
		{"bad category", report(w.carolTok, about(w.aliceID, "category", "rude")), 422, nil},
		{"comment too long", report(w.carolTok, about(w.aliceID, "comment", strings.Repeat("é", 1001))), 422, nil},
		{"oneself", report(w.carolTok, about(carolID)), 422, nil},
		{"bad JSON", report(w.carolTok, "not an object"), 422, nil},

		{"a status, as a form", report(w.oauthToken(t, "carol", "write:reports"),
			about(w.aliceID, "status_ids[]", w.public, "comment", "spam", "category", "spam", "forward", "true")), 200,
			reported(t, w.aliceID, "spam", w.public)},
		{"a rule there is not", report(w.carolTok, map[string]any{"account_id": w.aliceID, "rule_ids": []string{"999"},
			"category": "violation"}), 422, nil},
		{"a rule that is no id", report(w.carolTok, about(w.aliceID, "rule_ids[]", "kind")), 422, nil},
		{"no status, as JSON, a rule", report(w.oauthToken(t, "bob", "write"),
			map[string]any{"account_id": w.aliceID, "rule_ids": []string{ruleID}, "category": "violation"}), 200,
			func(v any) bool {
				ids, _ := v.(map[string]any)["rule_ids"].([]any)
				return reported(t, w.aliceID, "violation")(v) && len(ids) == 1 && ids[0] == ruleID
			}},
		{"the default category", report(w.carolTok, about(w.bobID, "status_ids[]", w.reply, "comment", "rude")), 200,
			reported(t, w.bobID, "other", w.reply)},
	})

	// What was stored: three open reports, newest first, with their reporters and posts.
	list, err := w.in.App.DB().ListReports(context.Background(), storage.ReportQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("%d reports stored, want 3", len(list))
	}
	if r := list[2]; r.Comment != "spam" || r.Category != storage.ReportSpam || len(r.NoteIDs) != 1 || r.Forward || !r.Open() {
		t.Errorf("carol's report of alice's post: %+v", r)
	}
	if r := list[1]; r.Category != storage.ReportViolation || fmt.Sprint(r.RuleIDs) != "["+ruleID+"]" {
		t.Errorf("bob's report citing a rule: %+v", r)
	}
}
