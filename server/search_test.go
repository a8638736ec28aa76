package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestFullTextSearch searches posts in Chinese and English on a real instance, through the
// web search page and the client API: others' posts are found once their author lets
// anyone's search find them (the profile form's choice), a visitor finds only those.
func TestFullTextSearch(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	in.Account("alice", false)
	in.Account("bob", false)
	alice, bob := testrig.NewWebClient(t, in), testrig.NewWebClient(t, in)
	alice.SignIn("alice", "password-alice")
	bob.SignIn("bob", "password-bob")
	post := func(c *testrig.WebClient, text string) {
		t.Helper()
		if resp, body := c.Post("/web/notes", url.Values{"csrf": {c.CSRF("/compose")}, "content": {text}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("post %q: %d\n%s", text, resp.StatusCode, body)
		}
	}
	post(alice, "我家的猫咪很可爱")
	post(alice, "周末去买园艺工具")
	post(alice, "My cats love gardening #Refuge")
	post(bob, "bob的猫咪")
	page := func(c *testrig.WebClient, q string) string {
		t.Helper()
		resp, body := c.Get("/search?q=" + url.QueryEscape(q))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("search %q: %d", q, resp.StatusCode)
		}
		return body
	}
	api := func(q string) []string {
		t.Helper()
		resp, err := http.Get(in.Base + "/api/v2/search?type=statuses&q=" + url.QueryEscape(q))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res struct{ Statuses []struct{ Content string } }
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("search %q: %d %v", q, resp.StatusCode, err)
		}
		out := []string{}
		for _, s := range res.Statuses {
			out = append(out, s.Content)
		}
		return out
	}
	has := func(body string, want ...string) bool {
		for _, w := range want {
			if !strings.Contains(body, w) {
				return false
			}
		}
		return true
	}

	if body := page(bob, "猫咪"); !has(body, "bob的猫咪") || has(body, "我家的猫咪很可爱") {
		t.Errorf("before alice consents, bob's search shows her post, or not his own:\n%s", body)
	}
	if got := api("猫咪"); len(got) != 0 {
		t.Errorf("before alice consents, a visitor finds %v", got)
	}
	if body := page(alice, "猫咪"); !has(body, "我家的猫咪很可爱") {
		t.Errorf("alice does not find her own post:\n%s", body)
	}

	if resp, body := alice.PostMultipart("/web/profile", url.Values{"csrf": {alice.CSRF("/edit_profile")},
		"display_name": {"Alice"}, "indexable": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("alice's profile: %d\n%s", resp.StatusCode, body)
	}
	if _, body := alice.Get("/edit_profile"); !strings.Contains(body, `name="indexable" type="checkbox" value="1" checked`) {
		t.Errorf("the profile form does not show alice's choice")
	}
	for _, row := range []struct {
		q         string
		want, not []string
	}{
		{"猫咪", []string{"我家的猫咪很可爱", "bob的猫咪"}, []string{"周末去买园艺工具"}},
		{"园艺", []string{"周末去买园艺工具"}, []string{"我家的猫咪很可爱", "bob的猫咪"}},
		{"猫", []string{"我家的猫咪很可爱", "bob的猫咪"}, nil},
		{"CAT", []string{"My cats love gardening"}, []string{"我家的猫咪很可爱"}},
		{"#refuge", []string{"My cats love gardening"}, nil},
	} {
		body := page(bob, row.q)
		if !has(body, row.want...) {
			t.Errorf("bob's search for %q does not show %v", row.q, row.want)
		}
		for _, n := range row.not {
			if strings.Contains(body, n) {
				t.Errorf("bob's search for %q shows %q", row.q, n)
			}
		}
	}
	if body := page(bob, "猫咪 sort"); strings.Contains(body, "我家的猫咪很可爱") {
		t.Errorf("terms are not ANDed")
	}
	if resp, body := bob.Get("/search?sort=relevance&q=" + url.QueryEscape("猫咪")); resp.StatusCode != 200 || !has(body, "我家的猫咪很可爱", "bob的猫咪", `value="relevance" selected`) {
		t.Errorf("by relevance: %d", resp.StatusCode)
	}
	got := api("猫咪")
	if len(got) != 1 || !strings.Contains(got[0], "我家的猫咪很可爱") {
		t.Errorf("a visitor finds %v, want alice's post only (bob did not consent)", got)
	}
}
