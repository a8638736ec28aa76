package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"refuge/internal/testrig"
	"refuge/storage"
)

// The browser tests of an account's life and its safety tools: changing the password,
// muting and blocking someone on another server, reporting their post to both admins, and
// deleting the account, each done in Chromium as a person does it and checked both on the
// page and, for what federates, on the other instance.

// TestBrowserPassword: alice, signed in in Chromium and on another device, changes her
// password in her settings. A wrong current password changes nothing; the right one keeps
// this session, signs the other device out, and from then on only the new password signs in.
func TestBrowserPassword(t *testing.T) {
	in := testrig.Start(t)
	const old, next = "alice's long password", "a new and longer password"
	in.LocalAccount("alice", old)
	device := testrig.NewWebClient(t, in)
	device.SignIn("alice", old)
	onDevice := func() int {
		t.Helper()
		resp, _ := device.Get("/home")
		return resp.StatusCode
	}
	ctx := newBrowser(t, 1280, 900)
	openPage(t, ctx, in.Base+"/signin")
	signInForm(t, ctx, "alice", old)

	change := func(current string) int64 {
		t.Helper()
		openPage(t, ctx, in.Base+"/edit_profile")
		do(t, ctx, "fill the password form",
			chromedp.SendKeys(chromedp.CSS("#current_password"), current),
			chromedp.SendKeys(chromedp.CSS("#password"), next),
			chromedp.SendKeys(chromedp.CSS("#password_confirmation"), next))
		return submitStatus(t, ctx, `form[action="/web/password"] button[type=submit]`)
	}
	if status := change("not her password"); status != http.StatusForbidden {
		t.Fatalf("a wrong current password: %d", status)
	}
	if got := pageText(t, ctx, "main"); !strings.Contains(got, "current password is wrong") {
		t.Errorf("a wrong current password: the page says %q", got)
	}
	if status := onDevice(); status != http.StatusOK {
		t.Fatalf("a refused change signed the other device out: %d", status)
	}

	if status := change(old); status != http.StatusOK {
		t.Fatalf("the change: %d", status)
	}
	if got := pageText(t, ctx, ".notice"); !strings.Contains(got, "password is changed") {
		t.Errorf("no notice after the change: %q", got)
	}
	if status := onDevice(); status != http.StatusSeeOther {
		t.Errorf("the other device after the change: %d, want signed out", status)
	}
	openPage(t, ctx, in.Base+"/home") // this session stays
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/home" {
		t.Fatalf("this window after the change at %s", loc)
	}

	submit(t, ctx, `form[action="/signout"] button`)
	openPage(t, ctx, in.Base+"/signin")
	do(t, ctx, "sign in with the old password", chromedp.SendKeys(chromedp.CSS("#username"), "alice"),
		chromedp.SendKeys(chromedp.CSS("#password"), old))
	if status := submitStatus(t, ctx, "form.signin button[type=submit]"); status == http.StatusOK ||
		eval[string](t, ctx, `location.pathname`) != "/signin" {
		t.Fatalf("the old password: %d at %s", status, eval[string](t, ctx, `location.pathname`))
	}
	openPage(t, ctx, in.Base+"/signin")
	signInForm(t, ctx, "alice", next)
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/home" {
		t.Fatalf("after signing in with the new password at %s", loc)
	}
}

// acrossInstances is two instances where alice on a, signed in in Chromium, follows bob on
// b, and a post of bob's has reached her home timeline.
type acrossInstances struct {
	a, b     *testrig.Instance
	ctx      context.Context // alice's window
	bobURI   string
	bobToken string
	note     string // the element of bob's post on a's pages, as a CSS selector
	noteURI  string
}

// newAcrossInstances makes it; bob follows alice too when mutual.
func newAcrossInstances(t *testing.T, mutual bool) *acrossInstances {
	t.Helper()
	x := &acrossInstances{a: testrig.Start(t), b: testrig.Start(t)}
	aliceToken, _ := x.a.Account("alice", false)
	x.bobToken, x.bobURI = x.b.Account("bob", false)
	x.a.FollowRemote("alice", aliceToken, x.b, "bob")
	if mutual {
		x.b.FollowRemote("bob", x.bobToken, x.a, "alice")
	}
	x.noteURI = x.b.PostNote("bob", x.bobToken, map[string]any{"content": "Cheap watches, click here",
		"to": "https://www.w3.org/ns/activitystreams#Public"})
	x.note = arrived(t, x.a, x.noteURI)

	x.ctx = newBrowser(t, 1280, 900)
	openPage(t, x.ctx, x.a.Base+"/signin")
	signInForm(t, x.ctx, "alice", "password-alice")
	if !x.inHome(t) {
		t.Fatal("bob's post is not in alice's home timeline")
	}
	return x
}

// arrived waits for the post uri to reach the instance in and returns its element on in's
// pages, as a CSS selector.
func arrived(t *testing.T, in *testrig.Instance, uri string) string {
	t.Helper()
	var n *storage.Note
	testrig.Eventually(t, testrig.FederationWait, "the post "+uri+" on "+in.Cfg.Domain, func() bool {
		n = in.Note(uri)
		return n != nil
	})
	return "#note-" + strconv.FormatInt(n.ID, 10)
}

// inHome tells whether bob's post is on alice's home page.
func (x *acrossInstances) inHome(t *testing.T) bool {
	t.Helper()
	openPage(t, x.ctx, x.a.Base+"/home")
	return eval[bool](t, x.ctx, `!!document.querySelector("`+x.note+`")`)
}

// openBob opens bob's card in alice's search, where the controls for his account are.
func (x *acrossInstances) openBob(t *testing.T) {
	t.Helper()
	openPage(t, x.ctx, x.a.Base+"/search?q="+url.QueryEscape("@bob@"+x.b.Cfg.Domain))
}

// TestBrowserMuteBlock: alice mutes bob, on another server, from the More menu of his card:
// his post leaves her home timeline, and comes back when she unmutes him. She blocks him:
// the post goes, they follow each other no more on either server (bob's server is sent the
// Block, and its page of bob's followers loses alice), and she unblocks him.
func TestBrowserMuteBlock(t *testing.T) {
	ctx := context.Background()
	x := newAcrossInstances(t, true)
	a, b, bc := x.a, x.b, x.ctx
	alice, bob := a.LocalActor("alice"), a.ActorByURI(x.bobURI)
	followers := b.Base + "/users/bob/followers"
	visitor := newWindow(t, bc, "visitor")
	reloadUntil(t, visitor, testrig.FederationWait, "alice among bob's followers on b", followers,
		`document.querySelector("main").textContent.includes("@alice@`+a.Cfg.Domain+`")`)

	// Mute, from the More menu: the post leaves her home; unmute brings it back.
	x.openBob(t)
	do(t, bc, "open More", chromedp.Click(chromedp.CSS(".result details.more summary"), chromedp.NodeVisible))
	submit(t, bc, `.result form[action="/web/mute"] button`)
	if got := pageText(t, bc, ".notice"); !strings.HasPrefix(got, "Muted") {
		t.Errorf("after Mute the notice says %q", got)
	}
	if x.inHome(t) {
		t.Error("bob's post is still in alice's home after the mute")
	}
	x.openBob(t)
	submit(t, bc, `.result form[action="/web/unmute"] button`)
	if got := pageText(t, bc, ".notice"); !strings.HasPrefix(got, "Unmuted") {
		t.Errorf("after Unmute the notice says %q", got)
	}
	if !x.inHome(t) {
		t.Error("bob's post is not back in alice's home after the unmute")
	}

	// Block: the post goes and the follows end both ways, here and on bob's server.
	x.openBob(t)
	if pageText(t, bc, ".result .badge") != "Follows you" || !eval[bool](t, bc, `!!document.querySelector('.result form[action="/web/unfollow"]')`) {
		t.Fatal("before the block, bob's card shows no follows both ways")
	}
	do(t, bc, "open More", chromedp.Click(chromedp.CSS(".result details.more summary"), chromedp.NodeVisible))
	submit(t, bc, `.result form[action="/web/block"] button`)
	if got := pageText(t, bc, ".notice"); !strings.HasPrefix(got, "Blocked") {
		t.Errorf("after Block the notice says %q", got)
	}
	if eval[bool](t, bc, `!!document.querySelector(".result .badge") || !!document.querySelector('.result form[action="/web/unfollow"]')`) {
		t.Error("after the block bob's card still shows a follow")
	}
	if !eval[bool](t, bc, `!!document.querySelector('.result form[action="/web/unblock"]')`) {
		t.Error("after the block bob's card offers no Unblock")
	}
	if x.inHome(t) {
		t.Error("bob's post is still in alice's home after the block")
	}
	for _, pair := range [][2]*storage.Actor{{alice, bob}, {bob, alice}} {
		if _, err := a.App.DB().GetFollow(ctx, pair[0].ID, pair[1].ID); storage.KindOf(err) != storage.NotFound {
			t.Errorf("a still has %s following %s: %v", pair[0].URI, pair[1].URI, err)
		}
	}
	block, err := a.App.DB().GetAccountBlock(ctx, alice.ID, bob.ID)
	if err != nil {
		t.Fatalf("the block is not stored: %v", err)
	}
	testrig.Eventually(t, testrig.FederationWait, "b receives the Block", func() bool {
		got, err := b.App.DB().GetActivityByURI(ctx, block.URI)
		return err == nil && got.Type == "Block" && got.ObjectURI == b.LocalActor("bob").URI
	})
	testrig.Eventually(t, testrig.FederationWait, "b ends the follows both ways", func() bool {
		followers, following, err := b.App.DB().CountFollows(ctx, b.LocalActor("bob").ID)
		return err == nil && followers == 0 && following == 0
	})
	reloadUntil(t, visitor, testrig.FederationWait, "alice gone from bob's followers on b", followers,
		`!document.querySelector("main").textContent.includes("@alice@`+a.Cfg.Domain+`")`)

	// Unblock: the card offers Block again, and the block is gone.
	x.openBob(t)
	submit(t, bc, `.result form[action="/web/unblock"] button`)
	if got := pageText(t, bc, ".notice"); !strings.HasPrefix(got, "Unblocked") {
		t.Errorf("after Unblock the notice says %q", got)
	}
	if !eval[bool](t, bc, `!!document.querySelector('.result form[action="/web/block"]') && !document.querySelector('.result form[action="/web/unblock"]')`) {
		t.Error("after Unblock bob's card does not offer Block again")
	}
	if _, err := a.App.DB().GetAccountBlock(ctx, alice.ID, bob.ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("the block is still stored: %v", err)
	}
}

// TestBrowserReport: alice reports bob's post, on another server, from its Report menu,
// with a comment and asking for a copy to go to his server. The Flag reaches bob's server,
// whose admin, signed in in another window, sees the report with the post and the comment
// in the queue and resolves it by suspending bob: bob's profile there says he is
// suspended, and alice's server hears of it (the Update): his post leaves her home, and
// his card there says he is suspended.
func TestBrowserReport(t *testing.T) {
	ctx := context.Background()
	x := newAcrossInstances(t, false)
	a, b, bc := x.a, x.b, x.ctx

	do(t, bc, "open Report", chromedp.Click(chromedp.CSS(x.note+" details.report summary"), chromedp.NodeVisible))
	do(t, bc, "fill the report",
		chromedp.SetValue(chromedp.CSS(x.note+` details.report select[name="category"]`), "spam"),
		chromedp.SendKeys(chromedp.CSS(x.note+" details.report textarea"), "Spam for watches, again"),
		chromedp.Click(chromedp.CSS(x.note+` details.report input[name="forward"]`), chromedp.NodeVisible))
	submit(t, bc, x.note+" details.report button[type=submit]")
	if got := pageText(t, bc, ".notice"); !strings.Contains(got, "report is sent") {
		t.Errorf("after the report the notice says %q", got)
	}
	if mine, err := a.App.DB().ListReports(ctx, storage.ReportQuery{}); err != nil || len(mine) != 1 || !mine[0].Forward || mine[0].Category != "spam" {
		t.Fatalf("a's reports: %v %v", mine, err)
	}

	if _, err := b.App.Outbox().CreateAccount(ctx, "boss", "the boss's password", true); err != nil {
		t.Fatal(err)
	}
	admin := newWindow(t, bc, "admin")
	openPage(t, admin, b.Base+"/signin")
	signInForm(t, admin, "boss", "the boss's password")
	const report = "ul.reports li.card"
	reloadUntil(t, admin, testrig.FederationWait, "the report in b's queue", b.Base+"/admin/reports", `!!document.querySelector("`+report+`")`)
	if got := pageText(t, admin, report+" blockquote.comment"); got != "Spam for watches, again" {
		t.Errorf("the comment in b's queue: %q", got)
	}
	if got := pageText(t, admin, report+" ul.reported"); !strings.Contains(got, "Cheap watches") {
		t.Errorf("the post in b's queue: %q", got)
	}
	if got := pageText(t, admin, report+" h2"); !strings.Contains(got, "@bob@"+b.Cfg.Domain) {
		t.Errorf("the report's heading in b's queue: %q", got)
	}
	submit(t, admin, report+` form[action$="/suspend"] button`)
	if got := pageText(t, admin, ".notice"); !strings.Contains(got, "resolved") {
		t.Errorf("after Suspend the notice says %q", got)
	}
	if got := pageText(t, admin, "main"); !strings.Contains(got, "No open reports") {
		t.Errorf("the queue after the suspension: %q", got)
	}
	if status := loadPage(t, admin, b.Base+"/@bob"); status != http.StatusForbidden || !strings.Contains(pageText(t, admin, "main"), "This account is suspended") {
		t.Errorf("bob's profile on b: %d %q", status, pageText(t, admin, "main"))
	}

	testrig.Eventually(t, testrig.FederationWait, "a shows bob suspended", func() bool {
		return a.ActorByURI(x.bobURI).Suspended()
	})
	if x.inHome(t) {
		t.Error("bob's post is still in alice's home after his suspension")
	}
	x.openBob(t)
	if got := pageText(t, bc, ".result .suspended"); got != "This account is suspended by its server." {
		t.Errorf("bob's card on a after his suspension says %q", got)
	}
}

// TestBrowserDeleteAccount: alice deletes her account from her settings with her password
// (a wrong one deletes nothing). Bob, on another server and signed in there in another
// window, follows her and had her post in his home: it leaves his home, and his server
// knows her no more.
func TestBrowserDeleteAccount(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	const password = "password-alice"
	aliceToken, aliceURI := a.Account("alice", false)
	bobToken, _ := b.Account("bob", false)
	b.FollowRemote("bob", bobToken, a, "alice")
	post := arrived(t, b, a.PostNote("alice", aliceToken, map[string]any{"content": "Moving to another server, bye",
		"to": "https://www.w3.org/ns/activitystreams#Public"}))

	bc := newBrowser(t, 1280, 900)
	bobs := newWindow(t, bc, "bob")
	openPage(t, bobs, b.Base+"/signin")
	signInForm(t, bobs, "bob", "password-bob")
	openPage(t, bobs, b.Base+"/home")
	if !eval[bool](t, bobs, `!!document.querySelector("`+post+`")`) {
		t.Fatal("alice's post is not in bob's home")
	}

	openPage(t, bc, a.Base+"/signin")
	signInForm(t, bc, "alice", password)
	deleteWith := func(pw string) int64 {
		t.Helper()
		openPage(t, bc, a.Base+"/edit_profile")
		do(t, bc, "type the password", chromedp.SendKeys(chromedp.CSS("#delete_password"), pw))
		return submitStatus(t, bc, `form[action="/web/delete_account"] button[type=submit]`)
	}
	if status := deleteWith("not her password"); status != http.StatusForbidden || !strings.Contains(pageText(t, bc, "main"), "not deleted") {
		t.Fatalf("a wrong password: %d %q", status, pageText(t, bc, "main"))
	}
	if !a.LocalActor("alice").DeletedAt.IsZero() {
		t.Fatal("a wrong password deleted the account")
	}
	if status := deleteWith(password); status != http.StatusOK {
		t.Fatalf("the deletion: %d", status)
	}
	if got := pageText(t, bc, ".notice"); !strings.Contains(got, "Your account is deleted") {
		t.Errorf("after the deletion the notice says %q", got)
	}
	if loc := eval[string](t, bc, `location.pathname`); loc != "/" {
		t.Errorf("after the deletion at %s", loc)
	}
	if status := loadPage(t, bc, a.Base+"/@alice"); status != http.StatusGone {
		t.Errorf("alice's profile on a: %d", status)
	}

	// Bob's server hears of it: her post leaves his home, and looking her up finds nothing.
	reloadUntil(t, bobs, testrig.FederationWait, "alice's post gone from bob's home", b.Base+"/home",
		`!document.querySelector("`+post+`")`)
	if b.ActorByURI(aliceURI).DeletedAt.IsZero() {
		t.Error("b does not show alice deleted")
	}
	openPage(t, bobs, b.Base+"/search?q="+url.QueryEscape("@alice@"+a.Cfg.Domain))
	if eval[bool](t, bobs, `!!document.querySelector(".result")`) || !strings.Contains(pageText(t, bobs, "main"), "Nothing found") {
		t.Errorf("bob's search for alice: %q", pageText(t, bobs, "main"))
	}
}
