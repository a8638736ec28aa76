package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestRemoteFollowLookupsLimited: /authorize_follow makes us fetch WebFinger from a server
// the visitor names, so one address may only ask so often.
func TestRemoteFollowLookupsLimited(t *testing.T) {
	a := testrig.Start(t)
	b := testrig.Start(t)
	b.Account("bob", false)
	_, alice := a.Account("alice", false)
	q := "/authorize_follow?uri=" + url.QueryEscape(alice) + "&handle=" + url.QueryEscape("@bob@"+b.Cfg.Domain)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var limited bool
	for i := 0; i < 40 && !limited; i++ {
		resp, err := client.Get(a.Base + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusSeeOther:
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, b.Base+"/authorize_interaction?uri=") {
				t.Fatalf("redirected to %q", loc)
			}
		case http.StatusTooManyRequests:
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			if i < 30 {
				t.Fatalf("limited after only %d look-ups", i)
			}
			limited = true
		default:
			t.Fatalf("look-up %d: status %d", i, resp.StatusCode)
		}
	}
	if !limited {
		t.Fatal("40 look-ups from one address were never limited")
	}
}
