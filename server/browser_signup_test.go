package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"refuge/internal/testrig"
	"refuge/server"
	"refuge/storage"
)

// TestBrowserSignUpByInvite: in a real Chromium, an admin makes an invite link on /invites
// and signs out; a new visitor opens the link, signs up on the form it leads to, signs in
// and posts.
func TestBrowserSignUpByInvite(t *testing.T) {
	in := testrig.Start(t, func(c *server.Config) { c.Registrations = "invite" })
	in.LocalAccount("root", "root's long password")
	root := in.LocalActor("root")
	root.Admin = true
	if err := in.App.DB().Update(context.Background(), func(tx storage.Tx) error { return tx.UpdateActor(context.Background(), root) }); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t, 1280, 900)

	openPage(t, ctx, in.Base+"/signin")
	signInForm(t, ctx, "root", "root's long password")
	openPage(t, ctx, in.Base+"/invites")
	do(t, ctx, "choose the invite's expiry and uses",
		chromedp.SetValue(chromedp.CSS("#invite-expires"), "86400"),
		chromedp.SetValue(chromedp.CSS("#invite-uses"), "1"))
	submit(t, ctx, `form[action="/invites"] button[type=submit]`)
	link := eval[string](t, ctx, `document.querySelector("table.invites code")?.textContent ?? ""`)
	if !strings.HasPrefix(link, in.Base+"/invite/") {
		t.Fatalf("no invite link on the page: %q", link)
	}
	if uses := eval[string](t, ctx, `document.querySelector("table.invites tbody tr td:nth-child(3)").textContent`); uses != "0 of 1" {
		t.Errorf("uses %q", uses)
	}
	submit(t, ctx, `form[action="/signout"] button`)

	// The visitor follows the link to the form, which carries the invite.
	openPage(t, ctx, link)
	if loc := eval[string](t, ctx, `location.pathname + location.search`); !strings.HasPrefix(loc, "/auth/sign_up?invite=") {
		t.Fatalf("the invite link led to %s", loc)
	}
	if got := eval[string](t, ctx, `document.querySelector("input[name=invite_code]")?.value ?? ""`); !strings.HasSuffix(link, "/"+got) || got == "" {
		t.Errorf("the form's invite code %q, link %s", got, link)
	}
	do(t, ctx, "fill the sign-up form",
		chromedp.SendKeys(chromedp.CSS("#signup-username"), "newcomer"),
		chromedp.SendKeys(chromedp.CSS("#signup-email"), "newcomer@mail.example"),
		chromedp.SendKeys(chromedp.CSS("#signup-password"), "newcomer's password"),
		chromedp.SendKeys(chromedp.CSS("#signup-password-again"), "newcomer's password"),
		chromedp.Click(chromedp.CSS("#signup-agreement")))
	submit(t, ctx, "section.signup form button[type=submit]")
	if got := eval[string](t, ctx, `document.querySelector(".notice")?.textContent ?? ""`); !strings.Contains(got, "Your account is ready") {
		t.Errorf("after sign-up at %s, notice %q", eval[string](t, ctx, `location.pathname`), got)
	}

	signInForm(t, ctx, "newcomer", "newcomer's password")
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/home" {
		t.Fatalf("after sign-in at %s, want /home", loc)
	}
	openPage(t, ctx, in.Base+"/compose")
	do(t, ctx, "write a post", chromedp.SendKeys(chromedp.CSS("#content"), "Hello, I was invited"))
	submit(t, ctx, "form.compose button[type=submit]")
	if got := eval[string](t, ctx, `document.querySelector(".notice")?.textContent ?? ""`); !strings.Contains(got, "published") {
		t.Errorf("no notice after posting: %q", got)
	}
	notes, err := in.App.DB().ListActorNotes(context.Background(), in.LocalActor("newcomer").ID, 0, storage.Page{Limit: 5})
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0].Content, "Hello, I was invited") {
		t.Errorf("newcomer's notes: %v %v", notes, err)
	}
	if inv, err := in.App.DB().ListInvites(context.Background(), root.ID); err != nil || len(inv) != 1 || inv[0].Uses != 1 {
		t.Errorf("invites after the sign-up: %v %v", inv, err)
	}
}
