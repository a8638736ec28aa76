package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/storage"
)

// oauthCall sends a form (or, with a string body, JSON) to the instance as an app does and
// returns the status, the decoded JSON answer and the headers.
func oauthCall(t *testing.T, in *testrig.Instance, method, path string, form url.Values, headers ...string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, in.Base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(body, &out)
	return resp.StatusCode, out, resp.Header
}

// testApp is a registered app.
type testApp struct{ id, secret string }

func registerApp(t *testing.T, in *testrig.Instance, scopes string, redirects ...string) testApp {
	t.Helper()
	status, out, _ := oauthCall(t, in, "POST", "/api/v1/apps", url.Values{"client_name": {"Test app"},
		"redirect_uris": {strings.Join(redirects, "\n")}, "scopes": {scopes}, "website": {"https://app.example"}})
	if status != http.StatusOK {
		t.Fatalf("register app: %d %v", status, out)
	}
	return testApp{out["client_id"].(string), out["client_secret"].(string)}
}

// approve asks for a code as the signed-in web client would, by the approval form, and
// returns where the instance sent the browser.
func approve(t *testing.T, c *testrig.WebClient, q url.Values, decision string) *url.URL {
	t.Helper()
	q.Set("response_type", "code")
	csrf := c.CSRF("/oauth/authorize?" + q.Encode())
	form := url.Values{"csrf": {csrf}, "decision": {decision}}
	for _, k := range []string{"client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"} {
		form.Set(k, q.Get(k))
	}
	resp, body := c.Post("/oauth/authorize", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", resp.StatusCode, body)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestOAuthRegisterApp(t *testing.T) {
	in := testrig.Start(t)
	for _, c := range []struct {
		name        string
		contentType string
		body        string
		query       string
		status      int
		redirects   []any
		scopes      []any
	}{
		{"form", "application/x-www-form-urlencoded", "client_name=A&redirect_uris=tusky%3A%2F%2Foauth+http%3A%2F%2F127.0.0.1%3A9999%2Fcb&scopes=read+write",
			"", 200, []any{"tusky://oauth", "http://127.0.0.1:9999/cb"}, []any{"read", "write"}},
		{"json array", "application/json", `{"client_name":"A","redirect_uris":["urn:ietf:wg:oauth:2.0:oob","https://app.example/cb"],"scopes":"read:statuses write:media"}`,
			"", 200, []any{"urn:ietf:wg:oauth:2.0:oob", "https://app.example/cb"}, []any{"read:statuses", "write:media"}},
		{"query, default scope", "", "", "client_name=A&redirect_uris=urn:ietf:wg:oauth:2.0:oob", 200,
			[]any{"urn:ietf:wg:oauth:2.0:oob"}, []any{"read"}},
		{"form array", "application/x-www-form-urlencoded", "client_name=A&redirect_uris[]=app%3A%2F%2Fa&redirect_uris[]=app%3A%2F%2Fb", "", 200,
			[]any{"app://a", "app://b"}, []any{"read"}},
		{"no name", "application/x-www-form-urlencoded", "redirect_uris=app%3A%2F%2Fa", "", 400, nil, nil},
		{"no redirect", "application/x-www-form-urlencoded", "client_name=A", "", 400, nil, nil},
		{"javascript redirect", "application/x-www-form-urlencoded", "client_name=A&redirect_uris=javascript%3Aalert(1)", "", 400, nil, nil},
		{"http off loopback", "application/x-www-form-urlencoded", "client_name=A&redirect_uris=http%3A%2F%2Fevil.example%2Fcb", "", 400, nil, nil},
		{"unknown scope", "application/x-www-form-urlencoded", "client_name=A&redirect_uris=app%3A%2F%2Fa&scopes=read+admin:everything", "", 400, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", in.Base+"/api/v1/apps?"+c.query, strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, c.status, out)
			}
			if c.status != 200 {
				return
			}
			vapid, _ := out["vapid_key"].(string) // the instance's Web Push key: 65 bytes, base64url
			if out["client_id"] == "" || out["client_secret"] == "" || out["client_secret_expires_at"] != float64(0) || out["name"] != "A" ||
				len(vapid) != 87 {
				t.Errorf("application: %v", out)
			}
			if got, _ := json.Marshal(out["redirect_uris"]); string(got) != string(mustJSON(t, c.redirects)) {
				t.Errorf("redirect_uris %s, want %s", got, string(mustJSON(t, c.redirects)))
			}
			if got, _ := json.Marshal(out["scopes"]); string(got) != string(mustJSON(t, c.scopes)) {
				t.Errorf("scopes %s, want %s", got, string(mustJSON(t, c.scopes)))
			}
		})
	}
}

// TestOAuthGrants exchanges codes and app credentials for tokens, every refusal included,
// and uses the tokens.
func TestOAuthGrants(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice's long password")
	web := testrig.NewWebClient(t, in)
	web.SignIn("alice", "alice's long password")
	const cb = "http://127.0.0.1:9/cb"
	app := registerApp(t, in, "read write follow", cb, "urn:ietf:wg:oauth:2.0:oob")
	other := registerApp(t, in, "read", cb)

	// code asks alice's approval and returns the code.
	code := func(t *testing.T, scope, challenge, method string) string {
		t.Helper()
		u := approve(t, web, url.Values{"client_id": {app.id}, "redirect_uri": {cb}, "scope": {scope}, "state": {"s1"},
			"code_challenge": {challenge}, "code_challenge_method": {method}}, "approve")
		if u.Query().Get("state") != "s1" || u.Query().Get("code") == "" || !strings.HasPrefix(u.String(), cb+"?") {
			t.Fatalf("redirect %s", u)
		}
		return u.Query().Get("code")
	}
	exchange := func(client testApp, code, redirect, verifier string) (int, map[string]any) {
		status, out, _ := oauthCall(t, in, "POST", "/oauth/token", url.Values{"grant_type": {"authorization_code"},
			"client_id": {client.id}, "client_secret": {client.secret}, "code": {code}, "redirect_uri": {redirect},
			"code_verifier": {verifier}})
		return status, out
	}

	used := code(t, "read", "", "")
	if status, out := exchange(app, used, cb, ""); status != 200 {
		t.Fatalf("first exchange: %d %v", status, out)
	}
	// A code stored as expired, as one is ten minutes on.
	expired := "expired-code"
	err := in.App.DB().Update(context.Background(), func(tx storage.Tx) error {
		a, err := tx.GetAppByClientID(context.Background(), app.id)
		if err != nil {
			return err
		}
		return tx.PutAuthCode(context.Background(), &storage.AuthCode{Hash: storage.HashToken(expired), AppID: a.ID,
			ActorID: in.LocalActor("alice").ID, RedirectURI: cb, Scopes: "read", Created: time.Now().Add(-11 * time.Minute),
			Expires: time.Now().Add(-time.Minute)})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		client   testApp
		code     string
		redirect string
		verifier string
		status   int
		error    string
	}{
		{"unknown client", testApp{"nobody", "x"}, code(t, "read", "", ""), cb, "", 401, "invalid_client"},
		{"wrong secret", testApp{app.id, "wrong"}, code(t, "read", "", ""), cb, "", 401, "invalid_client"},
		{"another app's code", other, code(t, "read", "", ""), cb, "", 400, "invalid_grant"},
		{"wrong redirect_uri", app, code(t, "read", "", ""), "http://127.0.0.1:9/other", "", 400, "invalid_grant"},
		{"reused code", app, used, cb, "", 400, "invalid_grant"},
		{"expired code", app, expired, cb, "", 400, "invalid_grant"},
		{"unknown code", app, "made-up", cb, "", 400, "invalid_grant"},
		{"S256", app, code(t, "read", s256("verifier-1"), "S256"), cb, "verifier-1", 200, ""},
		{"S256 wrong verifier", app, code(t, "read", s256("verifier-1"), "S256"), cb, "verifier-2", 400, "invalid_grant"},
		{"S256 no verifier", app, code(t, "read", s256("verifier-1"), "S256"), cb, "", 400, "invalid_grant"},
		{"S256 verifier sent as plain", app, code(t, "read", s256("verifier-1"), "S256"), cb, s256("verifier-1"), 400, "invalid_grant"},
		{"plain", app, code(t, "read", "verifier-3", "plain"), cb, "verifier-3", 200, ""},
		{"plain by default", app, code(t, "read", "verifier-4", ""), cb, "verifier-4", 200, ""},
		{"plain wrong verifier", app, code(t, "read", "verifier-3", "plain"), cb, "verifier-4", 400, "invalid_grant"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, out := exchange(c.client, c.code, c.redirect, c.verifier)
			if status != c.status || (c.error != "" && out["error"] != c.error) {
				t.Fatalf("%d %v, want %d %s", status, out, c.status, c.error)
			}
			if c.status == 200 && (out["token_type"] != "Bearer" || out["scope"] != "read" || out["access_token"] == "" || out["created_at"] == nil) {
				t.Errorf("token answer %v", out)
			}
			if c.error == "invalid_grant" && c.code != "made-up" {
				// A refused exchange uses the code up too (a caller that is not the app
				// never reaches it).
				if status, _ := exchange(app, c.code, cb, c.verifier); status == 200 {
					t.Error("the code still worked after a refused attempt")
				}
			}
		})
	}

	// The tokens at work: scopes decide, a revoked token stops, an app's token is nobody.
	token := func(scope string) string {
		_, out := exchange(app, code(t, scope, "", ""), cb, "")
		return out["access_token"].(string)
	}
	post := map[string]any{"type": "Note", "content": "from an app"}
	reader, writer := token("read"), token("read write:statuses")
	status, out, _ := oauthCall(t, in, "POST", "/oauth/token", url.Values{"grant_type": {"client_credentials"}},
		"Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(app.id+":"+app.secret)))
	if status != 200 || out["scope"] != "read write follow" {
		t.Fatalf("client_credentials: %d %v", status, out)
	}
	appToken := out["access_token"].(string)
	if status, out, _ := oauthCall(t, in, "POST", "/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {app.id}, "client_secret": {app.secret}, "scope": {"push"}}); status != 400 || out["error"] != "invalid_scope" {
		t.Errorf("client_credentials beyond the app's scopes: %d %v", status, out)
	}
	if status, out, _ := oauthCall(t, in, "POST", "/oauth/token", url.Values{"grant_type": {"password"},
		"client_id": {app.id}, "client_secret": {app.secret}}); status != 400 || out["error"] != "unsupported_grant_type" {
		t.Errorf("password grant: %d %v", status, out)
	}
	for _, c := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		reason                    string
	}{
		{"verify with user token", "GET", "/api/v1/apps/verify_credentials", reader, nil, 200, ""},
		{"verify with app token", "GET", "/api/v1/apps/verify_credentials", appToken, nil, 200, ""},
		{"verify without token", "GET", "/api/v1/apps/verify_credentials", "", nil, 401, "The access token is invalid"},
		{"verify with bad token", "GET", "/api/v1/apps/verify_credentials", "nope", nil, 401, "The access token is invalid"},
		{"post with read token", "POST", "/users/alice/outbox", reader, post, 403, "This action is outside the authorized scopes"},
		{"post with write:statuses", "POST", "/users/alice/outbox", writer, post, 201, ""},
		{"post with app token", "POST", "/users/alice/outbox", appToken, post, 403, "This method requires an authenticated user"},
		{"home feed with read token", "GET", "/users/alice/inbox", reader, nil, 200, ""},
		{"home feed with app token", "GET", "/users/alice/inbox", appToken, nil, 403, "This method requires an authenticated user"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body, _ := in.Do(c.method, c.path, c.token, c.body)
			if status != c.status || !strings.Contains(string(body), c.reason) {
				t.Fatalf("%d %s, want %d %q", status, body, c.status, c.reason)
			}
			if c.name == "verify with user token" && !strings.Contains(string(body), `"name":"Test app"`) {
				t.Errorf("verify_credentials: %s", body)
			}
		})
	}

	// Revoked: the token stops working; someone else's revocation changes nothing.
	if status, out, _ := oauthCall(t, in, "POST", "/oauth/revoke", url.Values{"token": {writer}, "client_id": {other.id},
		"client_secret": {other.secret}}); status != 200 {
		t.Fatalf("revoke by another app: %d %v", status, out)
	}
	if status, _, _ := in.Do("GET", "/api/v1/apps/verify_credentials", writer, nil); status != 200 {
		t.Fatalf("another app revoked the token: %d", status)
	}
	if status, out, _ := oauthCall(t, in, "POST", "/oauth/revoke", url.Values{"token": {writer}, "client_id": {app.id},
		"client_secret": {"wrong"}}); status != 401 || out["error"] != "invalid_client" {
		t.Fatalf("revoke with a wrong secret: %d %v", status, out)
	}
	if status, out, _ := oauthCall(t, in, "POST", "/oauth/revoke", url.Values{"token": {writer}, "client_id": {app.id},
		"client_secret": {app.secret}}); status != 200 || len(out) != 0 {
		t.Fatalf("revoke: %d %v", status, out)
	}
	if status, _, _ := in.Do("POST", "/users/alice/outbox", writer, post); status != 401 {
		t.Fatalf("revoked token posts: %d", status)
	}

	// The authorized apps page lists the app, and revoking it there ends its tokens.
	resp, page := web.Get("/oauth/authorized_apps")
	if resp.StatusCode != 200 || !strings.Contains(page, "Test app") {
		t.Fatalf("authorized apps: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = web.Post("/oauth/authorized_apps/revoke", url.Values{"csrf": {web.CSRF("/oauth/authorized_apps")}, "client_id": {app.id}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke app: %d", resp.StatusCode)
	}
	if status, _, _ := in.Do("GET", "/users/alice/inbox", reader, nil); status != 401 {
		t.Fatalf("token of a revoked app: %d", status)
	}
	if _, page := web.Get("/oauth/authorized_apps"); strings.Contains(page, "Test app") {
		t.Error("the revoked app is still listed")
	}
}

// TestOAuthAuthorize checks the authorization page's refusals and answers.
func TestOAuthAuthorize(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice's long password")
	const cb = "tusky://oauth"
	app := registerApp(t, in, "read write:statuses", cb, "urn:ietf:wg:oauth:2.0:oob")
	anon := testrig.NewWebClient(t, in)
	web := testrig.NewWebClient(t, in)
	web.SignIn("alice", "alice's long password")
	ask := func(q url.Values) string { q.Set("response_type", "code"); return "/oauth/authorize?" + q.Encode() }

	// Signed out: to the sign-in form, which comes back here.
	path := ask(url.Values{"client_id": {app.id}, "redirect_uri": {cb}, "scope": {"read"}})
	resp, _ := anon.Get(path)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/signin?next="+url.QueryEscape(path) {
		t.Fatalf("signed out: %d %s", resp.StatusCode, loc)
	}
	resp, _ = anon.TrySignIn("alice", "alice's long password", path)
	if loc := resp.Header.Get("Location"); loc != path {
		t.Fatalf("after sign-in to %s, want %s", loc, path)
	}

	for _, c := range []struct {
		name   string
		q      url.Values
		status int
		want   string
	}{
		{"approval page", url.Values{"client_id": {app.id}, "redirect_uri": {cb}, "scope": {"read write:statuses"}}, 200, "write:statuses"},
		{"unknown client", url.Values{"client_id": {"nobody"}, "redirect_uri": {cb}}, 400, "Unknown client_id"},
		{"redirect not registered", url.Values{"client_id": {app.id}, "redirect_uri": {"tusky://other"}}, 400, "redirect_uri"},
		{"scope not registered", url.Values{"client_id": {app.id}, "redirect_uri": {cb}, "scope": {"read write"}}, 400, "did not register"},
		{"unknown scope", url.Values{"client_id": {app.id}, "redirect_uri": {cb}, "scope": {"read:everything"}}, 400, "Unknown scope"},
		{"bad challenge method", url.Values{"client_id": {app.id}, "redirect_uri": {cb}, "code_challenge": {"x"},
			"code_challenge_method": {"S512"}}, 400, "code_challenge_method"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := web.Get(ask(c.q))
			if resp.StatusCode != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("%d, want %d with %q:\n%s", resp.StatusCode, c.status, c.want, body)
			}
			if c.status == 200 && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "form-action 'self' tusky:") {
				t.Errorf("the page's CSP does not let its form go to tusky: %s", resp.Header.Get("Content-Security-Policy"))
			}
		})
	}
	implicit := url.Values{"client_id": {app.id}, "redirect_uri": {cb}, "response_type": {"token"}}
	if resp, _ := web.Get("/oauth/authorize?" + implicit.Encode()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("response_type=token: %d, want 400", resp.StatusCode)
	}

	// Denied: back to the app with access_denied and the state.
	u := approve(t, web, url.Values{"client_id": {app.id}, "redirect_uri": {cb}, "scope": {"read"}, "state": {"xyz"}}, "deny")
	if u.Scheme != "tusky" || u.Query().Get("error") != "access_denied" || u.Query().Get("state") != "xyz" || u.Query().Get("code") != "" {
		t.Errorf("deny: %s", u)
	}
	// Out of band: the code is shown on the page.
	q := url.Values{"client_id": {app.id}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"}, "scope": {"read"}, "response_type": {"code"}}
	csrf := web.CSRF("/oauth/authorize?" + q.Encode())
	q.Del("response_type")
	q.Set("csrf", csrf)
	q.Set("decision", "approve")
	resp, body := web.Post("/oauth/authorize", q)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="code"`) {
		t.Fatalf("oob: %d\n%s", resp.StatusCode, body)
	}
	// The approval form needs the session's CSRF token.
	q.Set("csrf", "forged")
	if resp, _ := web.Post("/oauth/authorize", q); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged approval: %d", resp.StatusCode)
	}
}

// TestOAuthCORS: browser apps may call the API and the token endpoint from anywhere; the
// pages that take cookies answer no other origin.
func TestOAuthCORS(t *testing.T) {
	in := testrig.Start(t)
	for _, c := range []struct {
		method, path string
		cors         bool
	}{
		{"OPTIONS", "/api/v1/apps", true},
		{"OPTIONS", "/api/v1/apps/verify_credentials", true},
		{"OPTIONS", "/oauth/token", true},
		{"POST", "/oauth/token", true},
		{"GET", "/.well-known/oauth-authorization-server", true},
		{"OPTIONS", "/settings", false},
		{"OPTIONS", "/oauth/authorize", false},
		{"OPTIONS", "/oauth/authorized_apps", false},
		{"GET", "/home", false},
		{"OPTIONS", "/signin", false},
		{"POST", "/web/notes", false},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, in.Base+c.path, nil)
			req.Header.Set("Origin", "https://app.example")
			if c.method == "OPTIONS" {
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			if got := h.Get("Access-Control-Allow-Origin") == "*"; got != c.cors {
				t.Fatalf("Access-Control-Allow-Origin %q (status %d), want CORS %v", h.Get("Access-Control-Allow-Origin"), resp.StatusCode, c.cors)
			}
			if h.Get("Access-Control-Allow-Credentials") != "" {
				t.Error("credentials allowed")
			}
			if c.cors && c.method == "OPTIONS" {
				allowed := h.Get("Access-Control-Allow-Headers")
				if resp.StatusCode != http.StatusNoContent || !strings.Contains(allowed, "Authorization") ||
					!strings.Contains(allowed, "Content-Type") || !strings.Contains(allowed, "Idempotency-Key") ||
					!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
					t.Errorf("preflight: %d %v", resp.StatusCode, h)
				}
			}
		})
	}
	status, out, _ := oauthCall(t, in, "GET", "/.well-known/oauth-authorization-server", nil)
	if status != 200 || out["token_endpoint"] != in.Base+"/oauth/token" || out["authorization_endpoint"] != in.Base+"/oauth/authorize" ||
		out["app_registration_endpoint"] != in.Base+"/api/v1/apps" || string(mustJSON(t, out["code_challenge_methods_supported"])) != `["S256","plain"]` {
		t.Errorf("metadata: %d %v", status, out)
	}
}
