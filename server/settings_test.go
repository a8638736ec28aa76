package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/storage"
)

// TestInstanceSettings: an admin names and describes the instance and gives it rules from
// the settings page; the about page, every page's header, the front page, NodeInfo and the
// client API's instance, rules and extended description all say so. Bad input is refused
// with its reason and stores nothing; a rule keeps its id when edited.
func TestInstanceSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t)
	in.Account("alice", false)
	root := signedInAdmin(t, in)
	post := func(path string, form url.Values, want int, reason string) {
		t.Helper()
		form.Set("csrf", root.CSRF("/admin/settings"))
		resp, body := root.Post(path, form)
		if resp.StatusCode != want || !strings.Contains(body, reason) {
			t.Fatalf("POST %s %v: %d, want %d with %q\n%s", path, form, resp.StatusCode, want, reason, body)
		}
	}
	apiJSON := func(path string, v any) {
		t.Helper()
		status, body, _ := in.Do("GET", path, "", nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}

	// Before anything is set: the domain is the name, there are no rules.
	var v2 struct {
		Title, Description string
		Contact            struct {
			Email   string
			Account *struct{ Username string }
		}
		Rules []struct{ ID, Text, Hint string }
	}
	apiJSON("/api/v2/instance", &v2)
	if v2.Title != in.Cfg.Domain || v2.Description != "" || v2.Contact.Account != nil || len(v2.Rules) != 0 {
		t.Errorf("v2 instance before: %+v", v2)
	}

	good := url.Values{"name": {"Refuge Café"}, "description": {"A small place for friends."},
		"about": {"We are a few.\r\n\r\nBe gentle."}, "contact_email": {"admin@refuge.example"}, "contact_account": {"@root"}}
	for _, tt := range []struct {
		name, field, value, reason string
	}{
		{"too long a name", "name", strings.Repeat("n", 101), "at most 100"},
		{"not an address", "contact_email", "admin at refuge", "is not an e-mail address"},
		{"no such contact", "contact_account", "nobody", `no account &#34;nobody&#34; here`},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set(tt.field, tt.value)
		post("/admin/settings", form, http.StatusBadRequest, tt.reason)
		if s, err := in.App.DB().GetSettings(ctx); err != nil || s.Name != "" || s.Description != "" {
			t.Errorf("%s: stored after the refusal: %+v %v", tt.name, s, err)
		}
	}
	post("/admin/settings", good, http.StatusSeeOther, "")
	post("/admin/rules/add", url.Values{"text": {"Be kind"}, "hint": {"Everyone is somebody."}}, http.StatusSeeOther, "")
	post("/admin/rules/add", url.Values{"text": {"No adverts"}}, http.StatusSeeOther, "")
	post("/admin/rules/add", url.Values{"text": {"   "}}, http.StatusBadRequest, "needs its text")
	rules, err := in.App.DB().ListRules(ctx)
	if err != nil || len(rules) != 2 {
		t.Fatalf("rules: %+v %v", rules, err)
	}
	post("/admin/rules/"+strconv.FormatInt(rules[1].ID, 10)+"/edit", url.Values{"text": {"No ads"}}, http.StatusSeeOther, "")
	post("/admin/rules/"+strconv.FormatInt(rules[0].ID+100, 10)+"/edit", url.Values{"text": {"x"}}, http.StatusNotFound, "")
	post("/admin/rules/add", url.Values{"text": {"Short-lived"}}, http.StatusSeeOther, "")
	post("/admin/rules/"+strconv.FormatInt(rules[1].ID+1, 10)+"/delete", url.Values{}, http.StatusSeeOther, "")

	_, page := root.Get("/admin/settings")
	for _, want := range []string{`value="Refuge Café"`, `value="root"`, `value="No ads"`, `Everyone is somebody.`} {
		if !strings.Contains(page, want) {
			t.Errorf("settings page lacks %s", want)
		}
	}
	_, err = in.App.Outbox().PutInstanceBlock(ctx, storage.Block{Target: "loud.example", Severity: storage.BlockSilence,
		PublicComment: "Spam waves", PrivateComment: "the admins' own note"})
	if err != nil {
		t.Fatal(err)
	}
	visitor := testrig.NewWebClient(t, in)
	_, about := visitor.Get("/about")
	if !strings.Contains(about, `<td><code>loud.example</code></td><td>Limited</td><td dir="auto">Spam waves</td>`) ||
		strings.Contains(about, "own note") {
		t.Errorf("about page's moderated servers:\n%s", about)
	}
	for _, want := range []string{`<title>About · Refuge Café</title>`, `A small place for friends.`, `<p dir="auto">Be gentle.</p>`,
		`<span dir="auto">Be kind</span><br><small dir="auto">Everyone is somebody.</small>`, `No ads`, `href="/@root">@root</a>`,
		`mailto:admin@refuge.example`} {
		if !strings.Contains(about, want) {
			t.Errorf("about page lacks %s", want)
		}
	}
	if strings.Contains(about, "Short-lived") {
		t.Error("the deleted rule is on the about page")
	}
	if _, front := visitor.Get("/"); !strings.Contains(front, `<p class="about" dir="auto">A small place for friends.</p>`) ||
		!strings.Contains(front, `<a class="brand" href="/">Refuge Café</a>`) {
		t.Errorf("front page:\n%s", front)
	}

	apiJSON("/api/v2/instance", &v2)
	if v2.Title != "Refuge Café" || v2.Description != "A small place for friends." || v2.Contact.Email != "admin@refuge.example" ||
		v2.Contact.Account == nil || v2.Contact.Account.Username != "root" || len(v2.Rules) != 2 ||
		v2.Rules[0].Text != "Be kind" || v2.Rules[0].Hint != "Everyone is somebody." || v2.Rules[1].ID != strconv.FormatInt(rules[1].ID, 10) ||
		v2.Rules[1].Text != "No ads" {
		t.Errorf("v2 instance: %+v", v2)
	}
	var v1 struct {
		Title            string
		ShortDescription string `json:"short_description"`
		Email            string
		ContactAccount   *struct{ Username string } `json:"contact_account"`
		Rules            []struct{ ID, Text string }
	}
	apiJSON("/api/v1/instance", &v1)
	if v1.Title != "Refuge Café" || v1.ShortDescription != "A small place for friends." || v1.Email != "admin@refuge.example" ||
		v1.ContactAccount == nil || len(v1.Rules) != 2 {
		t.Errorf("v1 instance: %+v", v1)
	}
	var list []struct{ ID, Text, Hint string }
	apiJSON("/api/v1/instance/rules", &list)
	if len(list) != 2 || list[1].Text != "No ads" || list[1].Hint != "" {
		t.Errorf("rules: %+v", list)
	}
	var ext struct {
		UpdatedAt *string `json:"updated_at"`
		Content   string
	}
	apiJSON("/api/v1/instance/extended_description", &ext)
	if ext.UpdatedAt == nil || ext.Content != "<p>We are a few.</p><p>Be gentle.</p>" {
		t.Errorf("extended description: %+v", ext)
	}
	var ni struct{ Metadata map[string]string }
	apiJSON("/nodeinfo/2.1", &ni)
	if ni.Metadata["nodeName"] != "Refuge Café" || ni.Metadata["nodeDescription"] != "A small place for friends." {
		t.Errorf("nodeinfo metadata: %v", ni.Metadata)
	}
}
