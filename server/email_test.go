package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/server"
	"refuge/storage"
)

// startWithMail starts an instance that mails through a receiver on loopback, which
// wants a user and password.
func startWithMail(t *testing.T) (*testrig.Instance, *testrig.MailServer) {
	t.Helper()
	rx := testrig.StartMailServer(t, testrig.MailPlain, "refuge", "mail pa$$word")
	in := testrig.Start(t, func(c *server.Config) { c.SMTPURL = rx.URL() })
	return in, rx
}

// withAddress gives local account name the address email, confirmed or not, as sign-up
// stores it.
func withAddress(t *testing.T, in *testrig.Instance, name, email string, confirmed bool) {
	t.Helper()
	ctx := context.Background()
	if confirmed {
		if err := in.App.Outbox().SetEmail(ctx, name, email); err != nil {
			t.Fatal(err)
		}
		return
	}
	a := in.LocalActor(name)
	err := in.App.DB().Update(ctx, func(tx storage.Tx) error {
		c, err := tx.GetCredentials(ctx, a.ID)
		if err != nil {
			return err
		}
		c.Email = email
		return tx.PutCredentials(ctx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// askMail posts the reset or resend form, as a visitor does, with the form's own token.
func askMail(c *testrig.WebClient, form, email string) (*http.Response, string) {
	page := map[string]string{"/auth/password": "/auth/password/new", "/auth/confirmation": "/auth/confirmation/new"}[form]
	return c.Post(form, url.Values{"csrf": {c.CSRF(page)}, "email": {email}})
}

// linkPath is the local path and query of a mailed link.
func linkPath(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Path == "" {
		t.Fatalf("no link: %q", link)
	}
	return u.RequestURI()
}

// TestMailPasswordReset: "Forgot your password?" mails a link to a known address and
// answers the same for an unknown one, which is mailed nothing; the link leads to the form
// of the new password, works once, and the reset signs out every session and app token;
// the old password is refused, the new one signs in, and two-factor sign-in stays on.
func TestMailPasswordReset(t *testing.T) {
	t.Parallel()
	in, rx := startWithMail(t)
	in.LocalAccount("alice", "old password 1")
	withAddress(t, in, "alice", "Alice@Example.org", true)
	ctx := context.Background()
	alice := in.LocalActor("alice")
	apiToken, err := in.App.Outbox().NewToken(ctx, alice, storage.TokenAPI)
	if err != nil {
		t.Fatal(err)
	}
	laptop := testrig.NewWebClient(t, in)
	laptop.SignIn("alice", "old password 1")

	visitor := testrig.NewWebClient(t, in)
	if _, page := visitor.Get("/signin"); !strings.Contains(page, `href="/auth/password/new"`) {
		t.Fatalf("the sign-in page offers no reset:\n%s", page)
	}
	resp, known := askMail(visitor, "/auth/password", "alice@example.ORG")
	if resp.StatusCode != http.StatusOK || !strings.Contains(known, "If an account here has that address") {
		t.Fatalf("reset request: %d\n%s", resp.StatusCode, known)
	}
	m := rx.WaitMail(1)
	if m.To[0] != "Alice@Example.org" || !strings.Contains(m.Subject(), "Reset your password") || !strings.Contains(m.Body, "@alice@") {
		t.Errorf("mail to %v, %q:\n%s", m.To, m.Subject(), m.Body)
	}
	link := linkPath(t, m.Link())
	if !strings.HasPrefix(link, "/auth/password/edit?reset_password_token=") {
		t.Fatalf("link %s", link)
	}
	resp, unknown := askMail(visitor, "/auth/password", "nobody@example.org")
	if resp.StatusCode != http.StatusOK || csrfField.ReplaceAllString(unknown, "") != csrfField.ReplaceAllString(strings.Replace(known, "alice@example.ORG", "nobody@example.org", 1), "") {
		t.Errorf("an unknown address is answered otherwise: %d\n%s", resp.StatusCode, unknown)
	}

	resp, page := visitor.Get(link)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="reset_password_token"`) || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("the link's page: %d\n%s", resp.StatusCode, page)
	}
	token := strings.TrimPrefix(link, "/auth/password/edit?reset_password_token=")
	token, _ = url.QueryUnescape(token)
	set := func(password, again string) (*http.Response, string) {
		return visitor.Post("/auth/password/edit", url.Values{"csrf": {visitor.CSRF("/auth/password/new")}, "reset_password_token": {token},
			"password": {password}, "password_confirmation": {again}})
	}
	for _, c := range []struct{ name, password, again, says string }{
		{"repetition differs", "new password 2", "new password 3", "repetition differ"},
		{"too short", "short", "short", "at least 8"},
	} {
		if resp, body := set(c.password, c.again); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d\n%s", c.name, resp.StatusCode, body)
		}
	}
	if resp, _ := visitor.Post("/auth/password/edit", url.Values{"reset_password_token": {token}, "password": {"new password 2"},
		"password_confirmation": {"new password 2"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := laptop.Get("/home"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a refused reset signed the laptop out: %d", resp.StatusCode)
	}

	if resp, body := set("new password 2", "new password 2"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Fatalf("reset: %d\n%s", resp.StatusCode, body)
	}
	if _, page := visitor.Get("/signin"); !strings.Contains(page, "Your password is changed") {
		t.Errorf("not told:\n%s", page)
	}
	if resp, _ := laptop.Get("/home"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the laptop is still signed in: %d", resp.StatusCode)
	}
	if status, _, _ := in.Do(http.MethodGet, "/api/v1/accounts/verify_credentials", apiToken, nil); status != http.StatusUnauthorized {
		t.Errorf("the app token still works: %d", status)
	}
	if resp, _ := testrig.NewWebClient(t, in).TrySignIn("alice", "old password 1", ""); resp.StatusCode == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	testrig.NewWebClient(t, in).SignIn("alice", "new password 2")

	// Used: refused, and the password stays.
	if resp, body := visitor.Get(link); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "wrong, used or expired") {
		t.Errorf("the used link's page: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := set("third password 3", "third password 3"); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "wrong, used or expired") {
		t.Errorf("the used link again: %d\n%s", resp.StatusCode, body)
	}
	testrig.NewWebClient(t, in).SignIn("alice", "new password 2")
	if n := len(rx.Mails()); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
}

// TestMailResetKeepsTwoFactor: after a reset by mail, signing in still asks for the code.
func TestMailResetKeepsTwoFactor(t *testing.T) {
	t.Parallel()
	in, rx := startWithMail(t)
	in.LocalAccount("alice", "old password 1")
	withAddress(t, in, "alice", "alice@example.org", true)
	c := testrig.NewWebClient(t, in)
	c.SignIn("alice", "old password 1")
	enableTwoFactor(t, c, in.Cfg.Domain, "alice")
	visitor := testrig.NewWebClient(t, in)
	askMail(visitor, "/auth/password", "alice@example.org")
	link := linkPath(t, rx.WaitMail(1).Link())
	token, _ := url.QueryUnescape(strings.TrimPrefix(link, "/auth/password/edit?reset_password_token="))
	if resp, body := visitor.Post("/auth/password/edit", url.Values{"csrf": {visitor.CSRF("/auth/password/new")}, "reset_password_token": {token},
		"password": {"new password 2"}, "password_confirmation": {"new password 2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d\n%s", resp.StatusCode, body)
	}
	resp, _ := testrig.NewWebClient(t, in).TrySignIn("alice", "new password 2", "")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin/two_factor") {
		t.Errorf("sign-in after the reset: %d to %q, want the code's step", resp.StatusCode, loc)
	}
}

// TestMailBadLinks: a made-up, empty or expired link is refused with a way to ask again,
// and changes nothing.
func TestMailBadLinks(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	later := time.Duration(0)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(later) }
	rx := testrig.StartMailServer(t, testrig.MailPlain, "", "")
	in := testrig.Start(t, func(c *server.Config) { c.SMTPURL, c.Now = rx.URL(), now })
	in.LocalAccount("alice", "old password 1")
	withAddress(t, in, "alice", "alice@example.org", true)
	visitor := testrig.NewWebClient(t, in)
	for _, path := range []string{"/auth/password/edit?reset_password_token=made-up", "/auth/password/edit",
		"/auth/confirmation?confirmation_token=made-up", "/auth/confirmation"} {
		if resp, body := visitor.Get(path); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "wrong, used or expired") ||
			!strings.Contains(body, `name="email"`) {
			t.Errorf("%s: %d\n%s", path, resp.StatusCode, body)
		}
	}
	askMail(visitor, "/auth/password", "alice@example.org")
	link := linkPath(t, rx.WaitMail(1).Link())
	mu.Lock()
	later = 6*time.Hour + time.Second
	mu.Unlock()
	if resp, body := visitor.Get(link); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "wrong, used or expired") {
		t.Errorf("an expired link: %d\n%s", resp.StatusCode, body)
	}
	testrig.NewWebClient(t, in).SignIn("alice", "old password 1")
}

// TestMailConfirmation: an account whose address is not confirmed cannot sign in while mail
// is on, and is offered a new link; the resend form mails one (the earlier link stops
// working) and answers the same for an address nobody has; the link confirms once, after
// which the password signs in. Accounts without an address are not held back.
func TestMailConfirmation(t *testing.T) {
	t.Parallel()
	in, rx := startWithMail(t)
	in.LocalAccount("alice", "password-alice")
	withAddress(t, in, "alice", "alice@example.org", false)
	in.LocalAccount("bob", "password-bob") // made on the command line: no address
	testrig.NewWebClient(t, in).SignIn("bob", "password-bob")

	// Sign-up mails the first link.
	if err := in.App.Outbox().SendConfirmation(context.Background(), in.LocalActor("alice")); err != nil {
		t.Fatal(err)
	}
	first := rx.WaitMail(1)
	if first.To[0] != "alice@example.org" || !strings.Contains(first.Subject(), "Confirm your e-mail address") {
		t.Errorf("mail to %v: %q", first.To, first.Subject())
	}
	resp, body := testrig.NewWebClient(t, in).TrySignIn("alice", "password-alice", "")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "confirm your e-mail address") ||
		!strings.Contains(body, `href="/auth/confirmation/new"`) || testrig.Cookie(resp, "refuge_session") != nil {
		t.Fatalf("sign-in before confirmation: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := testrig.NewWebClient(t, in).TrySignIn("alice", "wrong password", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong password of an unconfirmed account: %d, want the usual 401", resp.StatusCode)
	}

	visitor := testrig.NewWebClient(t, in)
	resp, known := askMail(visitor, "/auth/confirmation", "ALICE@example.org")
	if resp.StatusCode != http.StatusOK || !strings.Contains(known, "a mail with a new link is on its way") {
		t.Fatalf("resend: %d\n%s", resp.StatusCode, known)
	}
	second := rx.WaitMail(2)
	resp, unknown := askMail(visitor, "/auth/confirmation", "nobody@example.org")
	if resp.StatusCode != http.StatusOK || csrfField.ReplaceAllString(unknown, "") != csrfField.ReplaceAllString(strings.Replace(known, "ALICE@example.org", "nobody@example.org", 1), "") {
		t.Errorf("an unknown address is answered otherwise: %d\n%s", resp.StatusCode, unknown)
	}
	if resp, _ := visitor.Get(linkPath(t, first.Link())); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the first link still works after a new one was sent: %d", resp.StatusCode)
	}
	resp, body = visitor.Get(linkPath(t, second.Link()))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Fatalf("the link: %d\n%s", resp.StatusCode, body)
	}
	if _, page := visitor.Get("/signin"); !strings.Contains(page, "Your e-mail address is confirmed") {
		t.Errorf("not told:\n%s", page)
	}
	testrig.NewWebClient(t, in).SignIn("alice", "password-alice")
	if resp, _ := visitor.Get(linkPath(t, second.Link())); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the link works twice: %d", resp.StatusCode)
	}
	// Confirmed: the resend form sends nothing more, and says the same.
	if resp, _ := askMail(visitor, "/auth/confirmation", "alice@example.org"); resp.StatusCode != http.StatusOK {
		t.Errorf("resend for a confirmed address: %d", resp.StatusCode)
	}
	if n := len(rx.Mails()); n != 2 {
		t.Errorf("%d mails, want 2", n)
	}
}

// TestMailChangeAddress: a signed-in person's new address is mailed a link and the old one
// stays until it is followed; an address of another account is refused; the settings show
// both. The form wants the session's CSRF token.
func TestMailChangeAddress(t *testing.T) {
	t.Parallel()
	in, rx := startWithMail(t)
	in.LocalAccount("alice", "password-alice")
	in.LocalAccount("bob", "password-bob")
	withAddress(t, in, "alice", "old@example.org", true)
	withAddress(t, in, "bob", "bob@example.org", true)
	c := testrig.NewWebClient(t, in)
	c.SignIn("alice", "password-alice")
	change := func(email string) (*http.Response, string) {
		return c.Post("/web/email", url.Values{"csrf": {c.CSRF("/settings/email")}, "email": {email}})
	}
	for _, bad := range []struct {
		email  string
		status int
		says   string
	}{{"BOB@example.org", http.StatusConflict, "belongs to another account"}, {"not an address", http.StatusBadRequest, "not an e-mail address"},
		{"", http.StatusBadRequest, "Give an e-mail address"}, {"OLD@example.org", http.StatusBadRequest, "is your address already"}} {
		if resp, body := change(bad.email); resp.StatusCode != bad.status || !strings.Contains(body, bad.says) {
			t.Errorf("change to %q: %d\n%s", bad.email, resp.StatusCode, body)
		}
	}
	if resp, _ := c.Post("/web/email", url.Values{"email": {"new@example.org"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d", resp.StatusCode)
	}
	if n := len(rx.Mails()); n != 0 {
		t.Fatalf("%d mails after refused changes", n)
	}
	if resp, body := change("new@example.org"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", resp.StatusCode, body)
	}
	m := rx.WaitMail(1)
	if m.To[0] != "new@example.org" {
		t.Errorf("mailed to %v", m.To)
	}
	_, page := c.Get("/settings/email")
	if !strings.Contains(page, "old@example.org</strong> (confirmed)") || !strings.Contains(page, "Waiting for confirmation: <strong class=\"uri\">new@example.org") {
		t.Errorf("settings before the link:\n%s", page)
	}
	ctx := context.Background()
	if id, err := in.App.DB().AccountByEmail(ctx, "new@example.org"); storage.KindOf(err) != storage.NotFound {
		t.Errorf("the new address is the account's before confirmation: %d, %v", id, err)
	}
	if resp, _ := c.Get(linkPath(t, m.Link())); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/email" {
		t.Errorf("the link: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = c.Get("/settings/email")
	if !strings.Contains(page, "new@example.org</strong> (confirmed)") || strings.Contains(page, "Waiting") {
		t.Errorf("settings after the link:\n%s", page)
	}
	if id, err := in.App.DB().AccountByEmail(ctx, "old@example.org"); storage.KindOf(err) != storage.NotFound {
		t.Errorf("the old address still finds the account: %d, %v", id, err)
	}

	// An address another account took while the link waited is not taken from it.
	if resp, body := change("later@example.org"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", resp.StatusCode, body)
	}
	waiting := rx.WaitMail(2)
	if err := in.App.Outbox().SetEmail(ctx, "bob", "Later@example.org"); err != nil {
		t.Fatal(err)
	}
	if resp, body := c.Get(linkPath(t, waiting.Link())); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "belongs to another account") {
		t.Errorf("the link to an address taken since: %d\n%s", resp.StatusCode, body)
	}
	if _, page := c.Get("/settings/email"); !strings.Contains(page, "new@example.org</strong> (confirmed)") {
		t.Errorf("settings after the refused link:\n%s", page)
	}
	if err := in.App.Outbox().SetEmail(ctx, "bob", "bob@example.org"); err != nil {
		t.Fatal(err)
	}

	// A deleted account's address is free again, and mails nothing.
	if _, err := in.App.Outbox().DeleteAccount(ctx, in.LocalActor("alice")); err != nil {
		t.Fatal(err)
	}
	if resp, _ := askMail(testrig.NewWebClient(t, in), "/auth/password", "new@example.org"); resp.StatusCode != http.StatusOK {
		t.Errorf("reset for a deleted account's address: %d", resp.StatusCode)
	}
	if err := in.App.Outbox().SetEmail(ctx, "bob", "new@example.org"); err != nil {
		t.Errorf("a deleted account's address for another: %v", err)
	}
	if n := len(rx.Mails()); n != 2 {
		t.Errorf("%d mails, want 2", n)
	}
}

// TestMailServerDown: when the mail server cannot take the mail, the person is told to
// try again, nothing stored is lost, and once it is back the same request works.
func TestMailServerDown(t *testing.T) {
	t.Parallel()
	in, rx := startWithMail(t)
	in.LocalAccount("alice", "password-alice")
	withAddress(t, in, "alice", "alice@example.org", true)
	c := testrig.NewWebClient(t, in)
	c.SignIn("alice", "password-alice")
	rx.Refuse(true)
	visitor := testrig.NewWebClient(t, in)
	resp, body := askMail(visitor, "/auth/password", "alice@example.org")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "We could not send the mail; try again") {
		t.Errorf("reset with the mail server refusing: %d\n%s", resp.StatusCode, body)
	}
	resp, body = c.Post("/web/email", url.Values{"csrf": {c.CSRF("/settings/email")}, "email": {"new@example.org"}})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "could not send the mail") {
		t.Errorf("change of address with the mail server refusing: %d\n%s", resp.StatusCode, body)
	}
	if _, page := c.Get("/settings/email"); !strings.Contains(page, "alice@example.org</strong> (confirmed)") {
		t.Errorf("the address was lost:\n%s", page)
	}
	testrig.NewWebClient(t, in).SignIn("alice", "password-alice")

	rx.Close() // nobody listening at all
	if resp, body := askMail(visitor, "/auth/password", "alice@example.org"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("reset with the mail server gone: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := c.Get("/home"); resp.StatusCode != http.StatusOK {
		t.Errorf("the session was lost: %d", resp.StatusCode)
	}
}

// TestMailLimits: the forms that mail are limited per address typed (Mastodon's five in
// half an hour), and each account is mailed at most five links in that while, whoever asks
// and how, without the answer telling.
func TestMailLimits(t *testing.T) {
	t.Parallel()
	in, rx := startWithMail(t)
	in.LocalAccount("alice", "password-alice")
	withAddress(t, in, "alice", "alice@example.org", true)
	visitor := testrig.NewWebClient(t, in)
	for i := range 5 {
		if resp, body := askMail(visitor, "/auth/password", "Alice@example.org"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d\n%s", i+1, resp.StatusCode, body)
		}
	}
	rx.WaitMail(5)
	if resp, body := askMail(visitor, "/auth/password", "alice@EXAMPLE.org"); resp.StatusCode != http.StatusTooManyRequests ||
		!strings.Contains(body, "Too many mails") {
		t.Errorf("the sixth request: %d\n%s", resp.StatusCode, body)
	}
	// Another way to the same account: answered, not mailed.
	if err := in.App.Outbox().RequestPasswordReset(context.Background(), "alice@example.org"); err != nil {
		t.Errorf("past the account's limit: %v", err)
	}
	if resp, _ := askMail(visitor, "/auth/password", "nobody@example.org"); resp.StatusCode != http.StatusOK {
		t.Errorf("another address is limited too: %d", resp.StatusCode)
	}
	if n := len(rx.Mails()); n != 5 {
		t.Errorf("%d mails, want 5", n)
	}
}

// TestMailOff: without --smtp-url nothing is offered or mailed: no reset link on the sign-in
// page, the mail pages are not there, an address is kept unconfirmed, and an account with
// an unconfirmed address signs in.
func TestMailOff(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	in.LocalAccount("alice", "password-alice")
	withAddress(t, in, "alice", "alice@example.org", false)
	c := testrig.NewWebClient(t, in)
	if _, page := c.Get("/signin"); strings.Contains(page, "/auth/") {
		t.Errorf("the sign-in page offers mail:\n%s", page)
	}
	for _, path := range []string{"/auth/password/new", "/auth/confirmation/new", "/auth/password/edit?reset_password_token=x",
		"/auth/confirmation?confirmation_token=x"} {
		if resp, _ := c.Get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	c.SignIn("alice", "password-alice")
	if resp, body := c.Post("/web/email", url.Values{"csrf": {c.CSRF("/settings/email")}, "email": {"new@example.org"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", resp.StatusCode, body)
	}
	if _, page := c.Get("/settings/email"); !strings.Contains(page, "new@example.org</strong> (not confirmed yet)") || strings.Contains(page, "resend") {
		t.Errorf("settings:\n%s", page)
	}
}

// TestMailConfigErrors: a malformed --smtp-url or --smtp-from stops the start with a
// message that names the flag and never shows the password; so does open sign-up without
// mail, naming the modes that need none.
func TestMailConfigErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ url, from, says string }{
		{"http://me:s3cret@mail.example", "", "--smtp-url"},
		{"smtp://me:s3cret@mail.example/x", "", "only the server"},
		{"smtp://me:s3cret@", "", "only the server"},
		{"smtp://me:s3cret@mail.example", "two words", "--smtp-from"},
	} {
		cfg := server.Config{Domain: "refuge.example", Data: t.TempDir(), SMTPURL: c.url, SMTPFrom: c.from}
		err := cfg.Check()
		if err == nil || !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q, %q: %v", c.url, c.from, err)
		}
	}
	open := server.Config{Domain: "refuge.example", Data: t.TempDir(), Registrations: "open"}
	if err := open.Check(); err == nil || !strings.Contains(err.Error(), "--registrations open needs --smtp-url") ||
		!strings.Contains(err.Error(), "approval or invite") {
		t.Errorf("open sign-up without mail: %v", err)
	}
	for _, mode := range []string{"closed", "approval", "invite"} {
		c := server.Config{Domain: "refuge.example", Data: t.TempDir(), Registrations: mode}
		if err := c.Check(); err != nil {
			t.Errorf("%s without mail: %v", mode, err)
		}
	}
	open.SMTPURL = "smtp://127.0.0.1:2525"
	if err := open.Check(); err != nil {
		t.Errorf("open sign-up with mail: %v", err)
	}
	cfg := server.Config{Domain: "refuge.example:8443", Data: t.TempDir(), SMTPURL: "smtps://me:s3cret@mail.example"}
	m, err := cfg.Mailer()
	if err != nil || m.From.Address != "notifications@refuge.example" || m.Addr != "mail.example:465" {
		t.Errorf("default sender: %+v, %v", m, err)
	}
}
