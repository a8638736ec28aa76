package api_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/pgtest"
	"refuge/server"
	"refuge/server/httpx"
)

// limited starts an instance with the client API's rate limits l.
func limited(t *testing.T, l httpx.APILimits) *testrig.Instance {
	t.Helper()
	return testrig.Start(t, func(c *server.Config) { c.APILimits = l })
}

// answer is what a rate-limited request was answered.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func hit(t *testing.T, in *testrig.Instance, method, path, token string) answer {
	t.Helper()
	status, body, h := in.Do(method, path, token, nil)
	return answer{status, h, body}
}

// checkHeaders checks the rate-limit headers of a: the limit, what is left, and a reset
// time in ISO 8601 within the period from now.
func checkHeaders(t *testing.T, what string, a answer, limit, remaining int, period time.Duration) {
	t.Helper()
	if got := a.header.Get("X-RateLimit-Limit"); got != strconv.Itoa(limit) {
		t.Errorf("%s: X-RateLimit-Limit %q, want %d", what, got, limit)
	}
	if got := a.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(remaining) {
		t.Errorf("%s: X-RateLimit-Remaining %q, want %d", what, got, remaining)
	}
	reset, err := time.Parse(time.RFC3339Nano, a.header.Get("X-RateLimit-Reset"))
	if now := time.Now(); err != nil || reset.Before(now.Add(-time.Second)) || reset.After(now.Add(period)) {
		t.Errorf("%s: X-RateLimit-Reset %q (%v), want an ISO 8601 time within %s", what, a.header.Get("X-RateLimit-Reset"), err, period)
	}
}

// checkRefused checks that a is Mastodon's 429: the JSON error, nothing left, and a
// Retry-After of whole seconds, at most the time one request takes to come back.
func checkRefused(t *testing.T, what string, a answer, limit int, period time.Duration) {
	t.Helper()
	var body map[string]any
	if a.status != http.StatusTooManyRequests || json.Unmarshal(a.body, &body) != nil || body["error"] != "Too many requests" {
		t.Fatalf("%s: %d %s, want 429 {\"error\":\"Too many requests\"}", what, a.status, a.body)
	}
	checkHeaders(t, what, a, limit, 0, period)
	after, err := strconv.Atoi(a.header.Get("Retry-After"))
	if err != nil || after < 1 || time.Duration(after)*time.Second > period/time.Duration(limit)+time.Second {
		t.Errorf("%s: Retry-After %q, want whole seconds up to %s", what, a.header.Get("Retry-After"), period/time.Duration(limit))
	}
}

// TestRateLimitRequests: API requests are limited per token, and without a token per
// client address, and in all per address; each answer carries the headers; the request
// past the limit is refused with 429 and Retry-After; tokens count apart; the token
// endpoint is limited like the API; other paths are not.
func TestRateLimitRequests(t *testing.T) {
	t.Parallel()
	const period = 5 * time.Minute
	in := limited(t, httpx.APILimits{Token: httpx.Quota{Limit: 3, Period: period}, Address: httpx.Quota{Limit: 2, Period: period}})
	alice, _ := in.Account("alice", false)
	bob, _ := in.Account("bob", false)

	for i := range 3 {
		a := hit(t, in, "GET", "/api/v1/accounts/verify_credentials", alice)
		if a.status != 200 {
			t.Fatalf("alice's request %d: %d %s", i+1, a.status, a.body)
		}
		checkHeaders(t, "alice's request "+strconv.Itoa(i+1), a, 3, 2-i, period)
	}
	checkRefused(t, "alice's 4th request", hit(t, in, "GET", "/api/v1/accounts/verify_credentials", alice), 3, period)
	checkRefused(t, "alice's 5th request, elsewhere in the API", hit(t, in, "GET", "/api/v1/timelines/home", alice), 3, period)

	a := hit(t, in, "GET", "/api/v1/accounts/verify_credentials", bob)
	if a.status != 200 {
		t.Fatalf("bob's first request, his token its own: %d %s", a.status, a.body)
	}
	checkHeaders(t, "bob's first request", a, 3, 2, period)

	// Without a token: per address, apart from the tokens'.
	for i := range 2 {
		a := hit(t, in, "GET", "/api/v1/instance", "")
		if a.status != 200 {
			t.Fatalf("anonymous request %d: %d %s", i+1, a.status, a.body)
		}
		checkHeaders(t, "anonymous request "+strconv.Itoa(i+1), a, 2, 1-i, period)
	}
	checkRefused(t, "3rd anonymous request", hit(t, in, "GET", "/api/v1/instance", ""), 2, period)
	checkRefused(t, "a bad token counts as none", hit(t, in, "GET", "/api/v1/instance", "not-a-token"), 2, period)
	status, body, h := in.Do("POST", "/oauth/token", "", url.Values{"grant_type": {"client_credentials"}}.Encode())
	checkRefused(t, "the token endpoint", answer{status, h, body}, 2, period)
	if a := hit(t, in, "GET", "/api/v1/accounts/verify_credentials", bob); a.status != 200 {
		t.Errorf("bob's token after the address ran out: %d %s", a.status, a.body)
	}

	// A browser app on another origin may read the headers.
	r, err := http.NewRequest("GET", in.Base+"/api/v1/accounts/verify_credentials", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Origin", "https://app.example")
	r.Header.Set("Authorization", "Bearer "+bob)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, name := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"} {
		if !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), name) {
			t.Errorf("Access-Control-Expose-Headers %q lacks %s", resp.Header.Get("Access-Control-Expose-Headers"), name)
		}
	}

	// The pages and ActivityPub are not the API's to limit.
	for _, path := range []string{"/users/alice", "/.well-known/webfinger?resource=acct:alice@" + in.Cfg.Domain, "/nodeinfo/2.0"} {
		a := hit(t, in, "GET", path, "")
		if a.status == http.StatusTooManyRequests || a.header.Get("X-RateLimit-Limit") != "" {
			t.Errorf("%s: %d with X-RateLimit-Limit %q, want no API limit", path, a.status, a.header.Get("X-RateLimit-Limit"))
		}
	}
}

// TestRateLimitAddressAll: the per-address limit on every request holds whatever tokens
// the requests carry, and the headers report the limit closest to running out.
func TestRateLimitAddressAll(t *testing.T) {
	t.Parallel()
	const period = 5 * time.Minute
	in := limited(t, httpx.APILimits{Token: httpx.Quota{Limit: 100, Period: period}, AddressAll: httpx.Quota{Limit: 3, Period: period}})
	alice, _ := in.Account("alice", false)
	bob, _ := in.Account("bob", false)
	carol, _ := in.Account("carol", false)
	for i, token := range []string{alice, bob, ""} {
		a := hit(t, in, "GET", "/api/v1/instance", token)
		if a.status != 200 {
			t.Fatalf("request %d: %d %s", i+1, a.status, a.body)
		}
		checkHeaders(t, "request "+strconv.Itoa(i+1), a, 3, 2-i, period)
	}
	checkRefused(t, "4th request from the address, another token", hit(t, in, "GET", "/api/v1/instance", carol), 3, period)
}

// TestRateLimitAccountWrites: uploads and deletions (unreblogs too) have their own limit per
// account; the one past it is refused before anything is stored or deleted.
func TestRateLimitAccountWrites(t *testing.T) {
	t.Parallel()
	const period = 30 * time.Minute
	in := limited(t, httpx.APILimits{Media: httpx.Quota{Limit: 2, Period: period}, Deletions: httpx.Quota{Limit: 2, Period: period}})
	alice, _ := in.Account("alice", false)
	bob, _ := in.Account("bob", false)

	uploadImage(t, in, alice, "one")
	uploadImage(t, in, alice, "two")
	before := in.RowCounts()
	status, v := send(t, in, request{method: "POST", path: "/api/v1/media", token: alice, body: multipartBody{
		files: []testrig.Upload{{Field: "file", Name: "a.png", ContentType: "image/png", Body: pngImage(t)}}}})
	if status != http.StatusTooManyRequests || field(v, "error") != "Too many requests" {
		t.Fatalf("alice's 3rd upload: %d %v, want 429", status, v)
	}
	if after := in.RowCounts(); !maps.Equal(before, after) {
		t.Errorf("the refused upload stored something: rows %v, then %v", before, after)
	}
	uploadImage(t, in, bob, "bob's own limit")

	post := func(token, text string) string {
		t.Helper()
		status, v := send(t, in, request{method: "POST", path: "/api/v1/statuses", token: token, body: url.Values{"status": {text}}})
		if status != 200 {
			t.Fatalf("post %q: %d %v", text, status, v)
		}
		return idOf(v)
	}
	first, second, third := post(alice, "one"), post(alice, "two"), post(bob, "bob's")
	if status, v := send(t, in, request{method: "POST", path: "/api/v1/statuses/" + third + "/reblog", token: alice}); status != 200 {
		t.Fatalf("reblog: %d %v", status, v)
	}
	a := hit(t, in, "DELETE", "/api/v1/statuses/"+first, alice)
	if a.status != 200 {
		t.Fatalf("first deletion: %d %s", a.status, a.body)
	}
	checkHeaders(t, "first deletion", a, 2, 1, period)
	if status, v := send(t, in, request{method: "POST", path: "/api/v1/statuses/" + third + "/unreblog", token: alice}); status != 200 {
		t.Fatalf("unreblog, the second deletion: %d %v", status, v)
	}
	checkRefused(t, "third deletion", hit(t, in, "DELETE", "/api/v1/statuses/"+second, alice), 2, period)
	if status, v, _ := get(t, in, "/api/v1/statuses/"+second, alice); status != 200 {
		t.Errorf("the status whose deletion was refused: %d %v", status, v)
	}
	if a := hit(t, in, "GET", "/api/v1/statuses/"+second, alice); a.header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("a read has no account limit on: X-RateLimit-Limit %q", a.header.Get("X-RateLimit-Limit"))
	}
}

// TestRateLimitOff: a zero limit is none: no headers, nothing refused. Tests run so unless
// they set limits; `refuge serve` starts from Mastodon's.
func TestRateLimitOff(t *testing.T) {
	t.Parallel()
	in := limited(t, httpx.APILimits{Token: httpx.Quota{Limit: 0, Period: time.Minute}, Address: httpx.Quota{Limit: 1}})
	alice, _ := in.Account("alice", false)
	for i := range 20 {
		for _, token := range []string{alice, ""} {
			a := hit(t, in, "GET", "/api/v1/instance", token)
			if a.status != 200 || a.header.Get("X-RateLimit-Limit") != "" {
				t.Fatalf("request %d: %d, X-RateLimit-Limit %q", i+1, a.status, a.header.Get("X-RateLimit-Limit"))
			}
		}
	}
}

// TestRateLimitTwoProcesses: two processes on one PostgreSQL database share the account
// limits on uploads and deletions, and each counts the request limits of its own (the
// trade-off httpx.apiLimits explains).
func TestRateLimitTwoProcesses(t *testing.T) {
	if pgtest.Admin() == "" {
		t.Skipf("needs PostgreSQL: set %s", pgtest.EnvVar)
	}
	t.Parallel()
	const period = 30 * time.Minute
	l := httpx.APILimits{Token: httpx.Quota{Limit: 2, Period: period}, Media: httpx.Quota{Limit: 2, Period: period}}
	one := limited(t, l)
	two := testrig.Start(t, func(c *server.Config) {
		c.APILimits, c.DB, c.Data, c.Domain = l, one.Cfg.DB, one.Cfg.Data, one.Cfg.Domain
	})
	alice, _ := one.Account("alice", false)

	uploadImage(t, one, alice, "through one")
	uploadImage(t, two, alice, "through two")
	for _, in := range []*testrig.Instance{one, two} {
		status, v := send(t, in, request{method: "POST", path: "/api/v2/media", token: alice, body: multipartBody{
			files: []testrig.Upload{{Field: "file", Name: "a.png", ContentType: "image/png", Body: pngImage(t)}}}})
		if status != http.StatusTooManyRequests {
			t.Errorf("3rd upload through %s: %d %v, want 429 (the limit is the database's)", in.Base, status, v)
		}
	}
	// Each process took one upload and refused one: the token's two requests are spent in
	// each, and each counts its own.
	for _, in := range []*testrig.Instance{one, two} {
		checkRefused(t, "the token's 3rd request through "+in.Base, hit(t, in, "GET", "/api/v1/instance", alice), 2, period)
	}
}
