package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

var csrfValues = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// TestSignedInPageCache: a signed-in reader's profile page is kept for that account, yet
// every answer is as fresh as the data after a like, a boost, a follow and a post by
// anyone; it is never given to another account or to an anonymous reader; each answer's
// CSRF token is masked anew, valid for the asking session and no other; and a session that
// ended is never given it.
func TestSignedInPageCache(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	aliceTok, _ := in.Account("alice", false)
	in.Account("bob", false)
	carolTok, _ := in.Account("carol", false)
	daveTok, _ := in.Account("dave", false)
	note := in.Note(in.PostNote("alice", aliceTok, map[string]any{"content": "first words",
		"to": "https://www.w3.org/ns/activitystreams#Public"}))
	noteID := strconv.FormatInt(note.ID, 10)
	statusID := strconv.FormatInt(note.ID*2, 10) // the client API's id of it (api.noteStatusID)

	signIn := func(name string) *testrig.WebClient {
		c := testrig.NewWebClient(t, in)
		c.SignIn(name, "password-"+name)
		return c
	}
	bob, bobLaptop, carol := signIn("bob"), signIn("bob"), signIn("carol")

	// page reads alice's profile as c sees it and returns it with its tokens taken out,
	// and the one token all its forms carry.
	page := func(c *testrig.WebClient) (string, string) {
		t.Helper()
		resp, body := c.Get("/@alice")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/@alice: %d", resp.StatusCode)
		}
		token := ""
		for _, m := range csrfValues.FindAllStringSubmatch(body, -1) {
			if token != "" && m[1] != token {
				t.Fatalf("one answer carries two tokens: %q and %q", token, m[1])
			}
			token = m[1]
		}
		if regexp.MustCompile(`csrf[0-9a-f]{32}`).MatchString(body) {
			t.Fatalf("an answer carries the placeholder of the token:\n%s", body)
		}
		return csrfValues.ReplaceAllString(body, `name="csrf" value=""`), token
	}
	// kept reads bob's page twice, so that the second is the kept one, and checks that
	// only the token differs.
	kept := func() (string, string) {
		t.Helper()
		first, t1 := page(bob)
		again, t2 := page(bob)
		if first != again {
			t.Fatalf("bob's page changed with nothing written")
		}
		if t1 == "" || t1 == t2 {
			t.Fatalf("tokens %q and %q: want two, each masked anew", t1, t2)
		}
		return again, t2
	}
	likeForm := func(c *testrig.WebClient, token string) int {
		t.Helper()
		resp, _ := c.Post("/web/notes/"+noteID+"/like", url.Values{"csrf": {token}}, "Referer", in.Base+"/@alice")
		return resp.StatusCode
	}
	count := func(body, label string) string {
		t.Helper()
		m := regexp.MustCompile(`<span class="label">` + label + `</span> <span class="count">(\d+)</span>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s button in:\n%s", label, body)
		}
		return m[1]
	}

	// The kept page is bob's: the laptop's session gets it with a token of its own,
	// which bob's other session may not use.
	body, _ := kept()
	if !strings.Contains(body, "first words") || !strings.Contains(body, `href="`+in.Base+`/@bob">Profile`) {
		t.Fatalf("bob's page lacks the post or bob's menu:\n%s", body)
	}
	_, laptopToken := page(bobLaptop)
	if code := likeForm(bob, laptopToken); code != http.StatusForbidden {
		t.Fatalf("bob's phone posted with the laptop session's token: %d, want 403", code)
	}

	// Nobody else is given it.
	if other, _ := page(carol); !strings.Contains(other, `href="`+in.Base+`/@carol">Profile`) ||
		strings.Contains(other, "/@bob\">Profile") {
		t.Fatalf("carol was given a page that is not hers:\n%s", other)
	}
	if _, anon := testrig.NewWebClient(t, in).Get("/@alice"); strings.Contains(anon, "Sign out") || strings.Contains(anon, `name="csrf"`) {
		t.Fatalf("an anonymous reader was given a signed-in page:\n%s", anon)
	}

	// The kept answer's token works, and bob's own like shows at once.
	_, token := kept()
	if code := likeForm(bob, token); code != http.StatusSeeOther {
		t.Fatalf("like with the kept page's token: %d", code)
	}
	body, _ = kept()
	if count(body, "Unlike") != "1" {
		t.Fatalf("bob's like is not on his page")
	}

	// Everyone else's writes show too.
	aliceID := strconv.FormatInt(in.LocalActor("alice").ID, 10)
	writes := []struct {
		name  string
		write func() (int, []byte, http.Header)
		shows func(string) bool
	}{
		{"carol's like", func() (int, []byte, http.Header) {
			return in.Do("POST", "/api/v1/statuses/"+statusID+"/favourite", carolTok, nil)
		}, func(b string) bool { return count(b, "Unlike") == "2" }},
		{"carol's boost", func() (int, []byte, http.Header) {
			return in.Do("POST", "/api/v1/statuses/"+statusID+"/reblog", carolTok, nil)
		}, func(b string) bool { return count(b, "Boost") == "1" }},
		{"dave's follow", func() (int, []byte, http.Header) {
			return in.Do("POST", "/api/v1/accounts/"+aliceID+"/follow", daveTok, nil)
		}, func(b string) bool { return strings.Contains(b, "<strong>1</strong> follower<") }},
		{"alice's post", func() (int, []byte, http.Header) {
			in.PostNote("alice", aliceTok, map[string]any{"content": "second thoughts",
				"to": "https://www.w3.org/ns/activitystreams#Public"})
			return http.StatusOK, nil, nil
		}, func(b string) bool { return strings.Contains(b, "second thoughts") }},
	}
	for _, w := range writes {
		if before, _ := kept(); w.shows(before) {
			t.Fatalf("%s: shown before it happened", w.name)
		}
		if code, resp, _ := w.write(); code != http.StatusOK {
			t.Fatalf("%s: %d %s", w.name, code, resp)
		}
		if after, _ := page(bob); !w.shows(after) {
			t.Errorf("%s: not on bob's kept page:\n%s", w.name, after)
		}
	}

	// A session that ended is never given the page: its cookie, sent again after sign-out,
	// is an anonymous reader's.
	_, token = kept()
	old := bob.Cookie("refuge_session")
	if old == "" {
		t.Fatal("bob's client has no session cookie")
	}
	if resp, _ := bob.Post("/signout", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", in.Base+"/@alice", nil)
	req.Header.Set("Cookie", "refuge_session="+old)
	if _, body := testrig.NewWebClient(t, in).Do(req); strings.Contains(body, "Sign out") || strings.Contains(body, `name="csrf"`) {
		t.Fatalf("a session that ended was given a signed-in page:\n%s", body)
	}
	if laptop, _ := page(bobLaptop); !strings.Contains(laptop, "Sign out") {
		t.Fatalf("bob's other session lost its page")
	}
}
