package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// trendRow matches one hashtag of a trend list on the front page: its name and people.
var trendRow = regexp.MustCompile(`<a href="/tags/([^"]+)" dir="auto">#[^<]+</a> <span class="hint">(\d+) (?:people|person)</span>`)

// trendLists reads the front page's two trend lists, as "name:people" in order.
func trendLists(t *testing.T, page string) (day, week []string) {
	t.Helper()
	_, rest, ok := strings.Cut(page, `id="trends-day"`)
	if !ok {
		t.Fatalf("no trends on the front page:\n%s", page)
	}
	dayPart, weekPart, _ := strings.Cut(rest, `id="trends-week"`)
	weekPart, _, _ = strings.Cut(weekPart, "</section>")
	read := func(s string) []string {
		out := []string{}
		for _, m := range trendRow.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1]+":"+m[2])
		}
		return out
	}
	return read(dayPart), read(weekPart)
}

// TestTrendsPages: on a real instance, four accounts post hashtags through the client API.
// Alice posts #spam twelve times; alice, bob and carol use #gardening once each; bob and
// dan use #Cats, and dan #cats once more to his followers only. The front page a visitor
// gets lists, today and this week, gardening (3 people), cats (2), spam (1 person): one
// account posting a tag many times does not make it trend. When carol then uses #cats, the
// next front page shows it at once (the kept page is built anew after a commit). The tag
// pages show each tag's posts and people today and in all, and /api/v1/trends/tags ranks
// the same way with Mastodon's history.
func TestTrendsPages(t *testing.T) {
	a := testrig.Start(t)
	tokens := map[string]string{}
	for _, name := range []string{"alice", "bob", "carol", "dan"} {
		tokens[name], _ = a.Account(name, false)
	}
	post := func(name, text, visibility string) {
		t.Helper()
		if st, body := apiForm(t, a, "POST", "/api/v1/statuses", tokens[name],
			url.Values{"status": {text}, "visibility": {visibility}}); st != http.StatusOK {
			t.Fatalf("%s posts %q: %d %s", name, text, st, body)
		}
	}
	for i := range 12 {
		post("alice", fmt.Sprintf("buy now #spam %d", i), "public")
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		post(name, "my tomatoes #gardening", "public")
	}
	post("bob", "a cat #Cats", "public")
	post("dan", "another cat #cats", "public")
	post("dan", "my cat, for my followers #cats", "private")

	visitor := func(path string) string {
		t.Helper()
		resp, err := http.Get(a.Base + path) // no cookie: the page kept for every visitor
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return string(b)
	}
	want := []string{"gardening:3", "cats:2", "spam:1"}
	front := visitor("/")
	if day, week := trendLists(t, front); !slices.Equal(day, want) || !slices.Equal(week, want) {
		t.Errorf("front page trends: today %v, this week %v; want %v for both", day, week, want)
	}
	if again := visitor("/"); again != front {
		t.Errorf("the same front page twice without a commit in between differs")
	}

	// A new post is in the next front page's trends.
	post("carol", "cats are best #cats", "public")
	want = []string{"cats:3", "gardening:3", "spam:1"}
	if day, week := trendLists(t, visitor("/")); !slices.Equal(day, want) || !slices.Equal(week, want) {
		t.Errorf("after carol's post: today %v, this week %v; want %v for both", day, week, want)
	}

	// Tag pages: the totals and today's row (the first).
	for _, row := range []struct{ tag, total, today string }{
		{"gardening", "3 posts by 3 people.", "<td>3</td><td>3</td>"},
		{"cats", "3 posts by 3 people.", "<td>3</td><td>3</td>"},
		{"spam", "12 posts by 1 person.", "<td>12</td><td>1</td>"},
		{"unused", "0 posts by 0 people.", "<td>0</td><td>0</td>"},
	} {
		page := visitor("/tags/" + row.tag)
		if !strings.Contains(page, `<p class="usage-total">`+row.total+`</p>`) {
			t.Errorf("#%s page: no %q in\n%s", row.tag, row.total, page)
		}
		_, body, _ := strings.Cut(page, "<tbody>")
		if first, _, _ := strings.Cut(body, "</tr>"); !strings.Contains(first, row.today) {
			t.Errorf("#%s page: today's row is %q, want %q", row.tag, first, row.today)
		}
		if n := strings.Count(body, `<th scope="row">`); n != 7 {
			t.Errorf("#%s page: %d days, want 7", row.tag, n)
		}
	}

	// The client API ranks the same, with Mastodon's history.
	st, body, _ := a.Do("GET", "/api/v1/trends/tags", "", nil)
	var tags []struct {
		Name    string `json:"name"`
		History []struct {
			Day, Uses, Accounts string
		} `json:"history"`
	}
	if err := json.Unmarshal(body, &tags); err != nil || st != http.StatusOK {
		t.Fatalf("trends: %d %v %s", st, err, body)
	}
	var got []string
	for _, tag := range tags {
		got = append(got, tag.Name+":"+tag.History[0].Accounts+":"+tag.History[0].Uses)
		if len(tag.History) != 7 {
			t.Errorf("#%s: %d days of history, want 7", tag.Name, len(tag.History))
		}
	}
	if want := []string{"cats:3:3", "gardening:3:3", "spam:1:12"}; !slices.Equal(got, want) {
		t.Errorf("API trends %v, want %v", got, want)
	}
}
