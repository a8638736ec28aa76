package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestWebFilters: bob keeps keyword filters on /filters (linked from his settings). Adding
// one from the form folds alice's post behind "Filtered: <title>" in his home and on her
// profile, in a <details> that shows it; a hide filter leaves her other post out; changing
// the filter (keywords one a line) and deleting it work, and alice's own view never changes.
// Every form needs the CSRF token; bad input is refused with nothing stored; another
// account's filter is not found.
func TestWebFilters(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	aliceTok, _ := in.Account("alice", false)
	bobTok, _ := in.Account("bob", false)
	in.Account("carol", false)
	in.FollowRemote("bob", bobTok, in, "alice")
	in.PostNote("alice", aliceTok, map[string]any{"content": "Who saw the finale last night?"})
	in.PostNote("alice", aliceTok, map[string]any{"content": "So much gore in that film"})
	in.PostNote("alice", aliceTok, map[string]any{"content": "A quiet walk"})
	bob := testrig.NewWebClient(t, in)
	bob.SignIn("bob", "password-bob")
	carol := testrig.NewWebClient(t, in)
	carol.SignIn("carol", "password-carol")

	if _, page := bob.Get("/edit_profile"); !strings.Contains(page, `href="/filters"`) {
		t.Errorf("the settings do not link the filters")
	}
	if resp, _ := testrig.NewWebClient(t, in).Get("/filters"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a visitor on /filters: %d, want the sign-in redirect", resp.StatusCode)
	}
	post := func(c *testrig.WebClient, path string, form url.Values) (int, string) {
		t.Helper()
		return c.PostFrom("/filters", path, form)
	}
	spoilers := url.Values{"title": {"Spoilers"}, "keywords": {"finale\n\n  ending \nfinale"}, "whole_word": {"1"},
		"context": {"home", "account"}, "action": {"warn"}, "expires_in": {""}}
	with := func(key, value string) url.Values {
		v := url.Values{}
		for k, vals := range spoilers {
			v[k] = vals
		}
		if value == "-" {
			delete(v, key)
		} else {
			v.Set(key, value)
		}
		return v
	}

	before := in.RowCounts()
	if resp, _ := bob.Post("/web/filters", spoilers); resp.StatusCode != http.StatusForbidden {
		t.Errorf("adding a filter without the CSRF token: %d", resp.StatusCode)
	}
	for _, bad := range []struct {
		name string
		form url.Values
	}{
		{"no title", with("title", " ")},
		{"no keywords", with("keywords", "\n \n")},
		{"no context", with("context", "-")},
		{"an unknown context", with("context", "everywhere")},
		{"a bad action", with("action", "burn")},
		{"a bad expiry", with("expires_in", "soon")},
	} {
		if status, _ := post(bob, "/web/filters", bad.form); status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400 (the web pages answer Invalid so)", bad.name, status)
		}
	}
	if after := in.RowCounts(); after["filters"] != before["filters"] || after["filter_keywords"] != before["filter_keywords"] {
		t.Fatalf("refused, yet stored: %v, was %v", after, before)
	}

	if status, body := post(bob, "/web/filters", spoilers); status != http.StatusSeeOther {
		t.Fatalf("add a filter: %d\n%s", status, body)
	}
	gore := with("title", "Gore")
	gore.Set("keywords", "gore")
	gore.Set("action", "hide")
	if status, body := post(bob, "/web/filters", gore); status != http.StatusSeeOther {
		t.Fatalf("add a hide filter: %d\n%s", status, body)
	}
	_, page := bob.Get("/filters")
	for _, want := range []string{"The filter is added.", `<h2 dir="auto">Spoilers</h2>`, `<code dir="auto">finale</code><code dir="auto">ending</code>`,
		"Folded in Home timeline, Profiles; never expires.", "Hidden in Home timeline, Profiles"} {
		if !strings.Contains(page, want) {
			t.Errorf("the filters page lacks %q:\n%s", want, page)
		}
	}
	ids := regexp.MustCompile(`action="/web/filters/(\d+)/delete"`).FindAllStringSubmatch(page, -1)
	if len(ids) != 2 {
		t.Fatalf("delete forms: %v", ids)
	}
	spoilersID, goreID := ids[0][1], ids[1][1]

	folded := `<summary><span class="filtered-label">Filtered:</span> <span dir="auto">Spoilers</span> <span class="show">Show</span></summary>`
	for _, path := range []string{"/home", "/@alice"} {
		_, page := bob.Get(path)
		if !strings.Contains(page, folded) || !strings.Contains(page, "finale last night") {
			t.Errorf("bob's %s does not fold the finale post:\n%s", path, page)
		}
		if strings.Contains(page, "much gore") {
			t.Errorf("bob's %s shows the post his hide filter hides", path)
		}
		if !strings.Contains(page, "A quiet walk") {
			t.Errorf("bob's %s lacks the post no filter matches", path)
		}
		if i := strings.Index(page, folded); i >= 0 && strings.Index(page[i:], "finale last night") > strings.Index(page[i:], "</details>") {
			t.Errorf("the folded post is not inside its <details>")
		}
	}
	if _, page := carol.Get("/@alice"); strings.Contains(page, "Filtered:") || !strings.Contains(page, "much gore") {
		t.Errorf("carol's view of alice's profile changed by bob's filters")
	}

	// Another's filter is not found, to see, change or delete; nothing changes.
	before = in.RowCounts()
	if resp, _ := carol.Get("/filters?edit=" + spoilersID); resp.StatusCode != http.StatusNotFound {
		t.Errorf("carol editing bob's filter: %d", resp.StatusCode)
	}
	if status, _ := post(carol, "/web/filters/"+spoilersID, with("title", "Mine")); status != http.StatusNotFound {
		t.Errorf("carol changing bob's filter: %d", status)
	}
	if status, _ := post(carol, "/web/filters/"+spoilersID+"/delete", url.Values{}); status != http.StatusNotFound {
		t.Errorf("carol deleting bob's filter: %d", status)
	}
	if resp, _ := bob.Post("/web/filters/"+spoilersID, with("title", "No token")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("changing a filter without the CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := bob.Post("/web/filters/"+goreID+"/delete", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("deleting a filter without the CSRF token: %d", resp.StatusCode)
	}
	if after := in.RowCounts(); after["filters"] != before["filters"] || after["filter_keywords"] != before["filter_keywords"] {
		t.Fatalf("refused, yet stored: %v, was %v", after, before)
	}

	// Change: the edit form shows the filter; the keywords become those listed.
	_, page = bob.Get("/filters?edit=" + spoilersID)
	if !strings.Contains(page, `action="/web/filters/`+spoilersID+`"`) || !strings.Contains(page, ">finale\nending</textarea>") ||
		!strings.Contains(page, `value="account" checked`) || strings.Contains(page, `value="public" checked`) {
		t.Errorf("the edit form:\n%s", page)
	}
	change := with("keywords", "ending\nquiet")
	change.Set("title", "Plot")
	if status, body := post(bob, "/web/filters/"+spoilersID, change); status != http.StatusSeeOther {
		t.Fatalf("change the filter: %d\n%s", status, body)
	}
	if _, page = bob.Get("/filters"); !strings.Contains(page, `<code dir="auto">ending</code><code dir="auto">quiet</code>`) ||
		!strings.Contains(page, "The filter is saved.") {
		t.Errorf("after the change, the filters page:\n%s", page)
	}
	_, page = bob.Get("/home")
	if strings.Contains(page, "<span dir=\"auto\">Spoilers</span>") || !strings.Contains(page, "<span dir=\"auto\">Plot</span>") ||
		!strings.Contains(page, "A quiet walk") {
		t.Errorf("after the change, bob's home:\n%s", page)
	}

	if status, body := post(bob, "/web/filters/"+goreID+"/delete", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("delete the filter: %d\n%s", status, body)
	}
	if _, page = bob.Get("/filters"); strings.Contains(page, "Gore") || !strings.Contains(page, "The filter is deleted.") {
		t.Errorf("after deleting, the filters page:\n%s", page)
	}
	if _, page = bob.Get("/home"); !strings.Contains(page, "much gore") {
		t.Errorf("the deleted hide filter still hides")
	}
}
