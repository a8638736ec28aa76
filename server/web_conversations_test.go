package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestWebConversations: alice's direct message to bob is on bob's /conversations, unread,
// with the menu's count, and reading the page changes nothing; "Mark as read" marks it,
// bob's reply leaves it read and makes alice's unread; "Remove from list" takes it off until
// the next message. Both forms need the CSRF token, and another account's conversation is
// not found; a visitor is sent to sign in.
func TestWebConversations(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	in.Account("alice", false)
	in.Account("bob", false)
	in.Account("carol", false)
	alice, bob, carol := testrig.NewWebClient(t, in), testrig.NewWebClient(t, in), testrig.NewWebClient(t, in)
	alice.SignIn("alice", "password-alice")
	bob.SignIn("bob", "password-bob")
	carol.SignIn("carol", "password-carol")
	post := func(c *testrig.WebClient, path string, form url.Values) (int, string) {
		t.Helper()
		return c.PostFrom("/conversations", path, form)
	}
	if resp, _ := testrig.NewWebClient(t, in).Get("/conversations"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a visitor on /conversations: %d, want the sign-in redirect", resp.StatusCode)
	}
	if status, body := post(alice, "/web/notes", url.Values{"content": {"@bob the durian is ripe"}, "visibility": {"direct"}}); status != http.StatusSeeOther {
		t.Fatalf("alice's direct post: %d\n%s", status, body)
	}

	convID := regexp.MustCompile(`action="/web/conversations/(\d+)/remove"`)
	_, page := bob.Get("/conversations")
	m := convID.FindStringSubmatch(page)
	for _, want := range []string{`<li class="conversation unread">`, `>Unread</span>`, "the durian is ripe",
		`Messages <span class="badge">1<span class="sr-only"> unread</span>`} {
		if !strings.Contains(page, want) || m == nil {
			t.Fatalf("bob's conversations lack %q:\n%s", want, page)
		}
	}
	id := m[1]
	if _, again := bob.Get("/conversations"); !strings.Contains(again, `<li class="conversation unread">`) {
		t.Errorf("reading the list marked it read")
	}
	_, alices := alice.Get("/conversations")
	aliceID := convID.FindStringSubmatch(alices)
	if aliceID == nil || strings.Contains(alices, "conversation unread") {
		t.Fatalf("alice's own message is not read in her list:\n%s", alices)
	}

	before := in.RowCounts()
	for _, path := range []string{"/web/conversations/" + id + "/read", "/web/conversations/" + id + "/remove", "/web/conversations/" + id + "/open"} {
		if resp, _ := bob.Post(path, url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without the CSRF token: %d", path, resp.StatusCode)
		}
		if status, _ := post(carol, path, url.Values{}); status != http.StatusNotFound {
			t.Errorf("carol posting %s: %d, want 404", path, status)
		}
	}
	if status, _ := post(bob, "/web/conversations/"+aliceID[1]+"/read", url.Values{}); status != http.StatusNotFound {
		t.Errorf("bob reading alice's conversation: %d, want 404", status)
	}
	if _, page := bob.Get("/conversations"); !strings.Contains(page, `<li class="conversation unread">`) || in.RowCounts()["conversations"] != before["conversations"] {
		t.Fatalf("a refused form changed bob's conversation:\n%s", page)
	}

	// Opening it from the list marks it read and goes to its thread.
	if !strings.Contains(page, `action="/web/conversations/`+id+`/open"`) {
		t.Fatalf("an unread conversation is not opened by a form:\n%s", page)
	}
	resp, _ := bob.Post("/web/conversations/"+id+"/open", url.Values{"csrf": {bob.CSRF("/conversations")}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "#note-") {
		t.Fatalf("open: %d to %q", resp.StatusCode, loc)
	}
	if _, page := bob.Get("/conversations"); strings.Contains(page, "conversation unread") {
		t.Errorf("opening it left it unread:\n%s", page)
	}
	if status, _ := post(bob, "/web/conversations/"+id+"/read", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("mark as read: %d", status)
	}
	_, page = bob.Get("/conversations")
	if !strings.Contains(page, "The conversation is marked as read.") || strings.Contains(page, "conversation unread") ||
		strings.Contains(page, `action="/web/conversations/`+id+`/read"`) || strings.Contains(page, `Messages <span class="badge">`) {
		t.Errorf("after marking it read:\n%s", page)
	}

	// Bob answers from the thread's reply form: his list stays read, alice's is unread.
	noteID := regexp.MustCompile(`href="/compose\?reply_to=(\d+)"`).FindStringSubmatch(page)
	if noteID == nil {
		t.Fatalf("no reply link:\n%s", page)
	}
	if status, body := post(bob, "/web/notes", url.Values{"content": {"@alice on my way"}, "visibility": {"direct"}, "in_reply_to": {noteID[1]}}); status != http.StatusSeeOther {
		t.Fatalf("bob's reply: %d\n%s", status, body)
	}
	if _, page := bob.Get("/conversations"); strings.Contains(page, "conversation unread") || !strings.Contains(page, "on my way") {
		t.Errorf("bob's list after his reply:\n%s", page)
	}
	if _, page := alice.Get("/conversations"); !strings.Contains(page, `<li class="conversation unread">`) || !strings.Contains(page, "on my way") ||
		strings.Count(page, `<li class="conversation`) != 1 {
		t.Errorf("alice's list after bob's reply:\n%s", page)
	}

	if status, _ := post(bob, "/web/conversations/"+id+"/remove", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("remove: %d", status)
	}
	if _, page := bob.Get("/conversations"); !strings.Contains(page, "No conversations yet.") || !strings.Contains(page, "is removed from your list") {
		t.Errorf("after removing it:\n%s", page)
	}
	if status, _ := post(alice, "/web/notes", url.Values{"content": {"@bob see you"}, "visibility": {"direct"}, "in_reply_to": {noteID[1]}}); status != http.StatusSeeOther {
		t.Fatalf("alice's answer: %d", status)
	}
	if _, page := bob.Get("/conversations"); !strings.Contains(page, `<li class="conversation unread">`) || !strings.Contains(page, "see you") {
		t.Errorf("the removed conversation did not come back with a new message:\n%s", page)
	}
}
