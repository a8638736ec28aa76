package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
)

// TestWebChangePassword: the password form wants the current password and the new one
// twice; a change keeps the session it was made from, signs out the others, and the old
// password no longer signs in. What is refused changes nothing.
func TestWebChangePassword(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	in.LocalAccount("alice", "old password 1")
	laptop, phone := testrig.NewWebClient(t, in), testrig.NewWebClient(t, in)
	laptop.SignIn("alice", "old password 1")
	phone.SignIn("alice", "old password 1")
	change := func(current, next, again string) (int, string) {
		t.Helper()
		resp, body := laptop.Post("/web/password", url.Values{"csrf": {laptop.CSRF("/edit_profile")},
			"current_password": {current}, "password": {next}, "password_confirmation": {again}})
		return resp.StatusCode, body
	}
	for _, c := range []struct {
		name, current, next, again string
		status                     int
		says                       string
	}{
		{"wrong current password", "not it at all", "new password 2", "new password 2", http.StatusForbidden, "The current password is wrong"},
		{"repetition differs", "old password 1", "new password 2", "new password 3", http.StatusBadRequest, "repetition differ"},
		{"too short", "old password 1", "short", "short", http.StatusBadRequest, "at least 8"},
	} {
		if status, body := change(c.current, c.next, c.again); status != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d\n%s", c.name, status, body)
		}
	}
	if resp, _ := phone.Get("/home"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a refused change signed the phone out: %d", resp.StatusCode)
	}
	if resp, _ := laptop.Post("/web/password", url.Values{"current_password": {"old password 1"}, "password": {"x12345678"},
		"password_confirmation": {"x12345678"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d", resp.StatusCode)
	}

	if status, body := change("old password 1", "new password 2", "new password 2"); status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", status, body)
	}
	if _, page := laptop.Get("/edit_profile"); !strings.Contains(page, "Your password is changed") {
		t.Errorf("the laptop is not told, or was signed out:\n%s", page)
	}
	if resp, _ := phone.Get("/home"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the phone is still signed in: %d", resp.StatusCode)
	}
	if resp, _ := testrig.NewWebClient(t, in).TrySignIn("alice", "old password 1", ""); resp.StatusCode == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	testrig.NewWebClient(t, in).SignIn("alice", "new password 2")
}

// TestUserPasswordCommand: `refuge user password`, beside a running serve, gives a new
// password and signs out every web session; the account's API token keeps working.
func TestUserPasswordCommand(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	tok, _ := in.Account("alice", false)
	c := testrig.NewWebClient(t, in)
	c.SignIn("alice", "password-alice")
	code, out := in.Admin("user", "password", "alice")
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "its web sessions are signed out") {
		t.Fatalf("user password: %d %s", code, out)
	}
	// The serve learns of another process's commit within a quarter of a second.
	testrig.Eventually(t, 5*time.Second, "the session to end with the reset", func() bool {
		resp, _ := c.Get("/home")
		return resp.StatusCode == http.StatusSeeOther
	})
	if status, _, _ := in.Do("GET", "/api/v1/accounts/verify_credentials", tok, nil); status != http.StatusOK {
		t.Errorf("the API token after the reset: %d", status)
	}
	testrig.NewWebClient(t, in).SignIn("alice", m[1])
}

// TestBotSignsIn: an account marked as a bot (a Service) still signs in on the web; only
// the instance's own actor never does.
func TestBotSignsIn(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	tok, _ := in.Account("robo", false)
	req, err := http.NewRequest("PATCH", in.Base+"/api/v1/accounts/update_credentials", strings.NewReader("bot=true"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if a := in.LocalActor("robo"); resp.StatusCode != http.StatusOK || a.Type != "Service" {
		t.Fatalf("mark as a bot: %d, type %s", resp.StatusCode, a.Type)
	}
	testrig.NewWebClient(t, in).SignIn("robo", "password-robo")
	if code, out := in.Admin("user", "password", in.Cfg.Domain); code != 1 || !strings.Contains(out, "instance's own actor") {
		t.Errorf("a password for the instance actor: %d %s", code, out)
	}
}
