package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestBrowserOAuth is an app's sign-in the way a person goes through it, in a real
// Chromium: the app opens the authorization page, the person signs in and lands back on it,
// approves, and the browser takes the code to the app's loopback redirect; the app then
// exchanges it with its PKCE verifier and uses the token.
func TestBrowserOAuth(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice's long password")

	// The app's redirect URI: a loopback server that keeps what the browser brought.
	got := make(chan url.Values, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.URL.Query():
		default:
		}
		w.Write([]byte("<!doctype html><title>App</title><p>Signed in.</p>"))
	}))
	t.Cleanup(app.Close)
	redirect := app.URL + "/callback"
	client := registerApp(t, in, "read write", redirect)

	verifier := "a-long-random-verifier-of-the-app-0123456789"
	ask := url.Values{"response_type": {"code"}, "client_id": {client.id}, "redirect_uri": {redirect},
		"scope": {"read write:statuses"}, "state": {"st-42"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	ctx := newBrowser(t, 1024, 800)
	openPage(t, ctx, in.Base+"/oauth/authorize?"+ask.Encode())
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/signin" {
		t.Fatalf("signed out, the authorization page led to %s, want the sign-in form", loc)
	}
	signInForm(t, ctx, "alice", "alice's long password")
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/oauth/authorize" {
		t.Fatalf("after sign-in at %s, want back at /oauth/authorize", loc)
	}
	text := eval[string](t, ctx, `document.querySelector("form.authorize").textContent`)
	for _, want := range []string{"Test app", "https://app.example", "read", "write:statuses", "@alice"} {
		if !strings.Contains(text, want) {
			t.Errorf("the approval page does not show %q:\n%s", want, text)
		}
	}
	submit(t, ctx, `form.authorize button[value=approve]`)
	var q url.Values
	select {
	case q = <-got:
	default:
		t.Fatalf("the app's redirect URI was not reached; the browser is at %s", eval[string](t, ctx, `location.href`))
	}
	if q.Get("state") != "st-42" || q.Get("code") == "" {
		t.Fatalf("redirect query %v", q)
	}

	// The app exchanges the code, with its verifier, and uses the token.
	status, out, _ := oauthCall(t, in, "POST", "/oauth/token", url.Values{"grant_type": {"authorization_code"},
		"code": {q.Get("code")}, "redirect_uri": {redirect}, "client_id": {client.id}, "client_secret": {client.secret},
		"code_verifier": {verifier}})
	if status != http.StatusOK || out["scope"] != "read write:statuses" {
		t.Fatalf("token: %d %v", status, out)
	}
	token := out["access_token"].(string)
	if status, body, _ := in.Do("GET", "/api/v1/apps/verify_credentials", token, nil); status != http.StatusOK ||
		!strings.Contains(string(body), "Test app") {
		t.Fatalf("verify_credentials: %d %s", status, body)
	}
	if status, body, _ := in.Do("POST", "/users/alice/outbox", token, map[string]any{"type": "Note",
		"content": "Posted from an app"}); status != http.StatusCreated {
		t.Fatalf("post with the app's token: %d %s", status, body)
	}
	openPage(t, ctx, in.Base+"/@alice")
	if text := eval[string](t, ctx, `document.body.textContent`); !strings.Contains(text, "Posted from an app") {
		t.Error("the app's post is not on alice's profile")
	}
	openPage(t, ctx, in.Base+"/oauth/authorized_apps")
	if text := eval[string](t, ctx, `document.body.textContent`); !strings.Contains(text, "Test app") {
		t.Error("the app is not among the authorized apps")
	}
}
