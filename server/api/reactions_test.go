package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// reactionsOf shows a Status's pleroma.emoji_reactions as "name count" (" me" when the
// viewer is among them, " url" for a custom one), in order.
func reactionsOf(t *testing.T, status any) []string {
	t.Helper()
	s, _ := status.(map[string]any)
	pleroma, ok := s["pleroma"].(map[string]any)
	if !ok {
		t.Fatalf("status without pleroma: %v", s)
	}
	list, ok := pleroma["emoji_reactions"].([]any)
	if !ok {
		t.Fatalf("pleroma.emoji_reactions not a list: %v", pleroma)
	}
	var out []string
	for _, x := range list {
		m := x.(map[string]any)
		line := fmt.Sprintf("%v %v", m["name"], m["count"])
		if m["me"] == true {
			line += " me"
		}
		if u, _ := m["url"].(string); u != "" {
			line += " url"
		}
		out = append(out, line)
	}
	return out
}

// reactionPath is the Pleroma API's path of a status's reaction with emoji.
func reactionPath(id, emoji string) string {
	return "/api/v1/pleroma/statuses/" + id + "/reactions/" + url.PathEscape(emoji)
}

// TestEmojiReactionsAcrossInstances: alice on A reacts to bob's post on B through the
// Pleroma API, with two emoji; B stores them, shows them grouped with their counts in the
// API and on the post's page, and tells bob; Mastodon's like count stays as it was; alice
// takes them back and they go from B.
func TestEmojiReactionsAcrossInstances(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	a, b := x.a, x.b
	onA := idOf(x.home[0])
	_, mine, _ := get(t, b, "/api/v1/accounts/"+accountID(t, b, "bob")+"/statuses", x.bobTok)
	onB := idOf(statusesIn(mine)[0])

	for _, step := range []struct {
		method, emoji string
		want          []string // on A, as alice sees it
	}{
		{"PUT", "🔥", []string{"🔥 1 me"}},
		{"PUT", "🎉", []string{"🔥 1 me", "🎉 1 me"}},
		{"PUT", "🔥", []string{"🔥 1 me", "🎉 1 me"}}, // again: nothing changes
	} {
		status, v := send(t, a, request{method: step.method, path: reactionPath(onA, step.emoji), token: x.aliceTok})
		if status != http.StatusOK || !slices.Equal(reactionsOf(t, v), step.want) {
			t.Fatalf("%s %s: %d %v, want %q", step.method, step.emoji, status, reactionsOf(t, v), step.want)
		}
	}
	onBNow := func() []string {
		_, s, _ := get(t, b, "/api/v1/statuses/"+onB, x.bobTok)
		return reactionsOf(t, s)
	}
	// The two Likes travel separately and may be taken in either order, and B lists
	// emoji in the order it got them.
	testrig.Eventually(t, testrig.FederationWait, "both reactions on B", func() bool {
		got := onBNow()
		slices.Sort(got)
		return slices.Equal(got, []string{"🎉 1", "🔥 1"})
	})

	// Mastodon's fields are as they were: a reaction is not a like here.
	_, s, _ := get(t, b, "/api/v1/statuses/"+onB, x.bobTok)
	if m := s.(map[string]any); m["favourites_count"] != float64(0) || m["favourited"] != false {
		t.Errorf("on B: favourites_count %v, favourited %v; want 0, false", m["favourites_count"], m["favourited"])
	}

	// Who reacted, as Pleroma lists them; and one emoji's alone.
	_, list, _ := get(t, b, "/api/v1/pleroma/statuses/"+onB+"/reactions", "")
	groups, _ := list.([]any)
	if len(groups) != 2 {
		t.Fatalf("reactions on B: %v", list)
	}
	for _, g := range groups {
		accounts, _ := g.(map[string]any)["accounts"].([]any)
		if len(accounts) != 1 || field(accounts[0], "acct") != "alice@"+a.Cfg.Domain {
			t.Errorf("reactors of %v: %v", g.(map[string]any)["name"], accounts)
		}
	}
	if _, list, _ = get(t, b, reactionPath(onB, "🎉"), ""); len(list.([]any)) != 1 || list.([]any)[0].(map[string]any)["name"] != "🎉" {
		t.Errorf("the 🎉 reactions on B: %v", list)
	}

	// bob is told of each, as Pleroma tells it; Mastodon's apps asking for their types are not.
	_, ns, _ := get(t, b, "/api/v1/notifications", x.bobTok)
	var emoji []string
	for _, n := range ns.([]any) {
		if m := n.(map[string]any); m["type"] == "pleroma:emoji_reaction" {
			if st, _ := m["status"].(map[string]any); st["id"] != onB || field(m["account"], "acct") != "alice@"+a.Cfg.Domain {
				t.Errorf("notification %v", m)
			}
			emoji = append(emoji, field(m, "emoji"))
		}
	}
	slices.Sort(emoji)
	if want := []string{"🎉", "🔥"}; !slices.Equal(emoji, want) {
		t.Errorf("bob's reaction notifications: %q, want %q", emoji, want)
	}
	if _, ns, _ = get(t, b, "/api/v1/notifications?types[]=favourite&types[]=mention", x.bobTok); len(ns.([]any)) != 0 {
		t.Errorf("favourites and mentions: %v", ns)
	}

	// The post's page on B shows them, grouped with their counts.
	page := fetchPage(t, x.uri)
	for _, want := range []string{`<span class="emoji">🔥</span> <span class="count">1</span>`, `<span class="emoji">🎉</span> <span class="count">1</span>`} {
		if !strings.Contains(page, want) {
			t.Errorf("bob's post's page on B lacks %s", want)
		}
	}

	// Taken back, one after the other.
	for _, step := range []struct {
		emoji string
		want  []string
	}{{"🔥", []string{"🎉 1"}}, {"🎉", nil}, {"🎉", nil}} {
		status, v := send(t, a, request{method: "DELETE", path: reactionPath(onA, step.emoji), token: x.aliceTok})
		if status != http.StatusOK {
			t.Fatalf("DELETE %s: %d %v", step.emoji, status, v)
		}
		testrig.Eventually(t, testrig.FederationWait, fmt.Sprintf("B shows %q", step.want), func() bool {
			return slices.Equal(onBNow(), step.want)
		})
	}
	if page := fetchPage(t, x.uri); strings.Contains(page, `<span class="emoji">`) {
		t.Errorf("bob's post's page still shows a reaction")
	}
}

// fetchPage reads a page as a browser does.
func fetchPage(t *testing.T, u string) string {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return string(body)
}

// TestEmojiReactionRefusals: what the API refuses, with a reason, and that it stores nothing.
func TestEmojiReactionRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rows := []struct {
		name   string
		req    request
		status int
	}{
		{"text is no emoji", request{method: "PUT", path: reactionPath(w.public, "nice"), token: w.bobTok}, http.StatusUnprocessableEntity},
		{"two emoji are not one", request{method: "PUT", path: reactionPath(w.public, "🔥🔥"), token: w.bobTok}, http.StatusUnprocessableEntity},
		{"a custom emoji is not offered", request{method: "PUT", path: reactionPath(w.public, ":blobcat:"), token: w.bobTok}, http.StatusUnprocessableEntity},
		{"a long one", request{method: "PUT", path: reactionPath(w.public, strings.Repeat("🔥", 200)), token: w.bobTok}, http.StatusUnprocessableEntity},
		{"without a token", request{method: "PUT", path: reactionPath(w.public, "🔥")}, http.StatusUnauthorized},
		{"a post carol may not read", request{method: "PUT", path: reactionPath(w.private, "🔥"), token: w.carolTok}, http.StatusNotFound},
		{"no such status", request{method: "PUT", path: reactionPath("999998", "🔥"), token: w.bobTok}, http.StatusNotFound},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before := w.in.RowCounts()
			status, v := send(t, w.in, row.req)
			if status != row.status {
				t.Fatalf("%d %v, want %d", status, v, row.status)
			}
			if msg := field(v, "error"); msg == "" {
				t.Errorf("no reason given: %v", v)
			}
			if after := w.in.RowCounts(); after["emoji_reactions"] != before["emoji_reactions"] || after["activities"] != before["activities"] {
				t.Errorf("stored something: %v → %v", before, after)
			}
		})
	}
	// A heart is a like, as it is to every peer: favourited, and no reaction.
	status, v := send(t, w.in, request{method: "PUT", path: reactionPath(w.public, "❤️"), token: w.bobTok})
	if m, _ := v.(map[string]any); status != http.StatusOK || m["favourited"] != true || len(reactionsOf(t, v)) != 0 {
		t.Errorf("a heart: %d %v", status, v)
	}
}
