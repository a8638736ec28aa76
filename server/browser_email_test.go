package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserMail: in Chromium, alice forgets her password: "Forgot your password?" on the
// sign-in page, her address, the link the receiver on loopback gets, a new password, and
// she signs in with it. Then dana, whose address is not confirmed, is refused at sign-in,
// asks for the link again from there, follows it, and signs in.
func TestBrowserMail(t *testing.T) {
	in, rx := startWithMail(t)
	const old, next = "alice's long password", "a new and longer password"
	in.LocalAccount("alice", old)
	withAddress(t, in, "alice", "alice@example.org", true)
	in.LocalAccount("dana", "dana's long password")
	withAddress(t, in, "dana", "dana@example.org", false)
	ctx := newBrowser(t, 1280, 900)

	openPage(t, ctx, in.Base+"/signin")
	submit(t, ctx, `a[href="/auth/password/new"]`)
	do(t, ctx, "give the address", chromedp.SendKeys(chromedp.CSS("#email"), "alice@example.org"))
	submit(t, ctx, `form[action="/auth/password"] button[type=submit]`)
	if got := pageText(t, ctx, "main"); !strings.Contains(got, "a mail with a link to choose a new password is on its way") {
		t.Errorf("after asking: %q", got)
	}
	openPage(t, ctx, rx.WaitMail(1).Link())
	do(t, ctx, "choose a new password", chromedp.SendKeys(chromedp.CSS("#password"), next),
		chromedp.SendKeys(chromedp.CSS("#password_confirmation"), next))
	submit(t, ctx, `form[action="/auth/password/edit"] button[type=submit]`)
	if got := pageText(t, ctx, ".notice"); !strings.Contains(got, "Your password is changed") {
		t.Errorf("after the reset: %q", got)
	}
	signInForm(t, ctx, "alice", next)
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/home" {
		t.Fatalf("after signing in with the new password at %s", loc)
	}
	submit(t, ctx, `form[action="/signout"] button`)

	openPage(t, ctx, in.Base+"/signin")
	do(t, ctx, "sign in as dana", chromedp.SendKeys(chromedp.CSS("#username"), "dana"),
		chromedp.SendKeys(chromedp.CSS("#password"), "dana's long password"))
	if status := submitStatus(t, ctx, "form.signin button[type=submit]"); status != http.StatusForbidden {
		t.Fatalf("dana's sign-in before confirming: %d", status)
	}
	submit(t, ctx, `a[href="/auth/confirmation/new"]`)
	do(t, ctx, "give the address", chromedp.SendKeys(chromedp.CSS("#email"), "dana@example.org"))
	submit(t, ctx, `form[action="/auth/confirmation"] button[type=submit]`)
	m := rx.WaitMail(2)
	if m.To[0] != "dana@example.org" {
		t.Fatalf("mailed to %v", m.To)
	}
	openPage(t, ctx, m.Link())
	if got := pageText(t, ctx, ".notice"); !strings.Contains(got, "Your e-mail address is confirmed") {
		t.Errorf("after the link: %q", got)
	}
	signInForm(t, ctx, "dana", "dana's long password")
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/home" {
		t.Fatalf("dana after confirming at %s", loc)
	}
}
