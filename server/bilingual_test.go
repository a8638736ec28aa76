package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// shownIn tells whether page shows text first in lang, as a post in several languages is
// shown to its reader: the version with its lang, followed by the switch to the others.
func shownIn(page, lang, text string) bool {
	shown := fmt.Sprintf(`<div class="content" lang="%s" dir="auto"><p>%s</p></div>`, lang, text)
	for rest := page; ; {
		i := strings.Index(rest, shown)
		if i < 0 {
			return false
		}
		rest = rest[i+len(shown):]
		if strings.HasPrefix(strings.TrimSpace(rest), `<details class="versions">`) {
			return true
		}
	}
}

// readIn loads path as a reader of acceptLanguage would; c is signed in or not.
func readIn(t *testing.T, c *testrig.WebClient, base, path, acceptLanguage string) string {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", acceptLanguage)
	resp, page := c.Do(req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s in %s: %d", path, acceptLanguage, resp.StatusCode)
	}
	if vary := strings.Join(resp.Header.Values("Vary"), ", "); !strings.Contains(vary, "Accept-Language") {
		t.Errorf("GET %s: Vary %q lacks Accept-Language", path, vary)
	}
	return page
}

// TestBilingualPostAcrossInstances: a bilingual post created on A is delivered to B and
// shown to a zh-CN reader in Chinese and to an en reader in English, on both instances:
// on the post's page, on the author's profile (a page kept for anonymous readers) and in
// a follower's home timeline. One post is written on A's compose page in English with a
// Chinese translation, another through the client API in Chinese with an English one;
// each reader gets each in their language, the other under the switch. The feed and the
// client API carry the main language.
func TestBilingualPostAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	b.FollowRemote("bob", bobTok, a, "alice")
	alice := testrig.NewWebClient(t, a)
	alice.SignIn("alice", "password-alice")

	// English first, with a Chinese translation, from the compose page.
	resp, body := alice.PostMultipart("/web/notes", url.Values{"csrf": {alice.CSRF("/compose")},
		"content": {"Good morning, garden"}, "language": {"en"}, "visibility": {"public"},
		"translation_language_1": {"zh-Hans"}, "translation_1": {"早上好，花园"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("compose: %d\n%s", resp.StatusCode, body)
	}
	englishFirst := a.Base + strings.SplitN(resp.Header.Get("Location"), "#", 2)[0]
	// Chinese first, with an English translation, through the client API.
	req, err := http.NewRequest("POST", a.Base+"/api/v1/statuses", strings.NewReader(
		`{"status": "今天下雨", "language": "zh-Hans", "content_map": {"en": "It rains today"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+aliceTok)
	apiResp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(apiResp.Body)
	apiResp.Body.Close()
	if apiResp.StatusCode != http.StatusOK {
		t.Fatalf("API post: %d %s", apiResp.StatusCode, raw)
	}
	var status struct{ URI, Content, Language string }
	if err := json.Unmarshal(raw, &status); err != nil {
		t.Fatal(err)
	}
	if status.Language != "zh-Hans" || status.Content != "<p>今天下雨</p>" {
		t.Errorf("the API's Status in %q: %q, want the main language", status.Language, status.Content)
	}
	chineseFirst := status.URI

	// On B, as received.
	arrived(t, b, englishFirst)
	arrived(t, b, chineseFirst)
	for _, uri := range []string{englishFirst, chineseFirst} {
		na, nb := a.Note(uri), b.Note(uri)
		if nb.Language != na.Language || len(nb.ContentMap) != 2 {
			t.Errorf("%s on B in %q with %v; on A in %q", uri, nb.Language, nb.ContentMap, na.Language)
		}
	}

	readers := []struct {
		accept         string
		english, chine string // how each post is shown first: its text
		lang1, lang2   string
	}{
		{"zh-CN,zh;q=0.9,en;q=0.5", "早上好，花园", "今天下雨", "zh-Hans", "zh-Hans"},
		{"en-US,en;q=0.9", "Good morning, garden", "It rains today", "en", "en"},
	}
	visitorA, visitorB := testrig.NewWebClient(t, a), testrig.NewWebClient(t, b)
	bob := testrig.NewWebClient(t, b)
	bob.SignIn("bob", "password-bob")
	pages := []struct {
		name   string
		client *testrig.WebClient
		base   string
		path   string
	}{
		{"A: the post's page", visitorA, a.Base, strings.TrimPrefix(englishFirst, a.Base)},
		{"A: the other post's page", visitorA, a.Base, strings.TrimPrefix(chineseFirst, a.Base)},
		{"A: the profile, kept for anonymous readers", visitorA, a.Base, "/@alice"},
		{"B: the post's page", visitorB, b.Base, "/notes/" + strconv.FormatInt(b.Note(englishFirst).ID, 10)},
		{"B: the other post's page", visitorB, b.Base, "/notes/" + strconv.FormatInt(b.Note(chineseFirst).ID, 10)},
		{"B: bob's home timeline", bob, b.Base, "/home"},
	}
	// Each page twice in turn, so that a kept page is never given to a reader of another
	// language.
	for round := 0; round < 2; round++ {
		for _, p := range pages {
			for _, r := range readers {
				t.Run(fmt.Sprintf("%s, %s, round %d", p.name, r.accept, round), func(t *testing.T) {
					page := readIn(t, p.client, p.base, p.path, r.accept)
					englishHere := !strings.Contains(p.name, "other post")
					chineseHere := strings.Contains(p.name, "other post") || !strings.Contains(p.name, "post's page")
					if englishHere && !shownIn(page, r.lang1, r.english) {
						t.Errorf("the English-first post is not shown first in %s as %q", r.lang1, r.english)
					}
					if chineseHere && !shownIn(page, r.lang2, r.chine) {
						t.Errorf("the Chinese-first post is not shown first in %s as %q", r.lang2, r.chine)
					}
				})
			}
		}
	}

	// ?lang= asks for a language whatever the browser says.
	if page := readIn(t, visitorB, b.Base, "/notes/"+strconv.FormatInt(b.Note(chineseFirst).ID, 10)+"?lang=en", "zh-CN"); !shownIn(page, "en", "It rains today") {
		t.Errorf("?lang=en on B did not show English first")
	}
	// The feed carries each post's main language.
	_, feed := visitorA.Get("/@alice.rss")
	if !strings.Contains(feed, "Good morning, garden") || !strings.Contains(feed, "今天下雨") ||
		strings.Contains(feed, "早上好") || strings.Contains(feed, "It rains today") {
		t.Errorf("the feed does not carry the main languages only:\n%s", feed)
	}
}
