package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestPageCache: an anonymous reader of a profile gets the kept page only while nothing
// was written since it was built, so a new post shows at once; a reader with a cookie is
// never given it.
func TestPageCache(t *testing.T) {
	in := testrig.Start(t)
	token, _ := in.Account("carol", false)
	get := func(cookie string) string {
		t.Helper()
		req, err := http.NewRequest("GET", in.Base+"/@carol", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "text/html")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") == "" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
		}
		return string(body)
	}
	post := func(text string) {
		t.Helper()
		if st, body, _ := in.Do("POST", "/users/carol/outbox", token, map[string]any{"type": "Note", "content": text}); st != http.StatusCreated {
			t.Fatalf("post: %d %s", st, body)
		}
	}
	post("first words")
	if first := get(""); !strings.Contains(first, "first words") || first != get("") {
		t.Fatal("the profile page changed without a write, or lacks the post")
	}
	post("second thoughts")
	if page := get(""); !strings.Contains(page, "second thoughts") {
		t.Fatal("a post made after the page was kept is missing from it")
	}
	if got := get("other=1"); !strings.Contains(got, "second thoughts") {
		t.Fatal("a reader with a cookie was not served the profile")
	}
}
