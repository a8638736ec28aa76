package server_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"refuge/internal/testrig"
)

// TestBrowserList: alice on a follows bob on b and carol on a. In Chromium she opens Lists
// from the menu, makes "Friends" and adds bob from the accounts she follows. Bob posts on
// b and carol on a: the list's timeline shows bob's post and not carol's (which her home
// shows). Removing bob from the list empties it.
func TestBrowserList(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	carolTok, _ := a.Account("carol", false)
	bobTok, bobURI := b.Account("bob", false)
	a.FollowRemote("alice", aliceTok, b, "bob")
	a.FollowRemote("alice", aliceTok, a, "carol")
	bobOnA := a.ActorByURI(bobURI)

	ctx := newBrowser(t, 1280, 900)
	openPage(t, ctx, a.Base+"/signin")
	signInForm(t, ctx, "alice", "password-alice")
	openMenuFor(t, ctx, `nav a[href="/lists"]`)
	do(t, ctx, "open Lists from the menu", chromedp.Click(chromedp.CSS(`nav a[href="/lists"]`), chromedp.NodeVisible))
	chromedp.Run(ctx, chromedp.Poll[bool](`location.pathname === "/lists"`))
	do(t, ctx, "name the list", chromedp.SendKeys(chromedp.CSS("#list-new-title"), "Friends"))
	submit(t, ctx, `form[action="/web/lists"] button[type=submit]`)
	if got := pageText(t, ctx, "h1"); got != "Friends" {
		t.Fatalf("after Create the page's heading is %q", got)
	}
	listPath := eval[string](t, ctx, `location.pathname`)
	do(t, ctx, "choose bob", chromedp.SetValue(chromedp.CSS("#list-add"), strconv.FormatInt(bobOnA.ID, 10)))
	submit(t, ctx, `form[action$="/add"] button[type=submit]`)
	if got := pageText(t, ctx, ".notice"); got != "Added to the list." {
		t.Errorf("after Add the notice says %q", got)
	}
	if got := pageText(t, ctx, ".members"); !strings.Contains(got, "bob@"+b.Cfg.Domain) {
		t.Errorf("the members are %q, want bob", got)
	}

	bobNote := arrived(t, a, b.PostNote("bob", bobTok, map[string]any{"content": "Bob, from the other server",
		"to": "https://www.w3.org/ns/activitystreams#Public"}))
	carolNote := arrived(t, a, a.PostNote("carol", carolTok, map[string]any{"content": "Carol, not in the list",
		"to": "https://www.w3.org/ns/activitystreams#Public"}))
	reloadUntil(t, ctx, testrig.FederationWait, "bob's post in the list", a.Base+listPath, `!!document.querySelector("`+bobNote+`")`)
	if eval[bool](t, ctx, `!!document.querySelector("`+carolNote+`")`) {
		t.Error("carol's post is in the list")
	}
	openPage(t, ctx, a.Base+"/home")
	if !eval[bool](t, ctx, `!!document.querySelector("`+carolNote+`") && !!document.querySelector("`+bobNote+`")`) {
		t.Error("alice's home lacks bob's or carol's post")
	}

	openPage(t, ctx, a.Base+listPath)
	submit(t, ctx, `.members form[action$="/remove"] button[type=submit]`)
	if got := pageText(t, ctx, ".notice"); got != "Removed from the list." {
		t.Errorf("after Remove the notice says %q", got)
	}
	if eval[bool](t, ctx, `!!document.querySelector("`+bobNote+`")`) || !strings.Contains(pageText(t, ctx, "main"), "No posts here yet") {
		t.Errorf("the list after bob left: %q", pageText(t, ctx, "main"))
	}
}
