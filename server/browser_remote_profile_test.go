package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"refuge/federation/uris"
	"refuge/internal/testrig"
)

// TestBrowserRemoteProfile: alice on a searches bob's handle on b, opens his page on a,
// where the posts he made before anyone on a followed him appear (read from his outbox in
// the background: reloaded until they do), follows him from there and b records it; then
// part of his display name finds him among the accounts a knows.
func TestBrowserRemoteProfile(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	a.LocalAccount("alice", "alice's long password")
	bobToken, bobURI, bob := namedAccount(t, b, "bob", "Bob the Baker", "Bread, mostly.")
	public := []string{"https://www.w3.org/ns/activitystreams#Public"}
	b.PostNote("bob", bobToken, map[string]any{"content": "First loaf of the year", "to": public})
	b.PostNote("bob", bobToken, map[string]any{"content": "The starter is alive", "to": public})

	ctx := newBrowser(t, 1280, 900)
	openPage(t, ctx, a.Base+"/signin")
	signInForm(t, ctx, "alice", "alice's long password")

	// Search his handle: the result links to his page here.
	openPage(t, ctx, a.Base+"/search")
	do(t, ctx, "search", chromedp.SendKeys(chromedp.CSS("#q"), "@bob@"+b.Cfg.Domain))
	submit(t, ctx, "form.search button[type=submit]")
	page := uris.RemoteProfile("bob", b.Cfg.Domain)
	if href := eval[string](t, ctx, `document.querySelector(".result .actor a.name")?.getAttribute("href") ?? ""`); href != page {
		t.Fatalf("the search result links %q, want %q", href, page)
	}
	submit(t, ctx, ".result .actor a.name")
	if got := pageText(t, ctx, "h1"); got != "Bob the Baker" {
		t.Errorf("his page is headed %q", got)
	}
	if got := pageText(t, ctx, ".profile .bio"); !strings.Contains(got, "Bread, mostly.") {
		t.Errorf("his page shows the bio %q", got)
	}
	if href := eval[string](t, ctx, `[...document.querySelectorAll(".profile a")].find(a => a.textContent.includes("Open original profile"))?.href ?? ""`); href != b.Base+"/@bob" {
		t.Errorf("the original profile link goes to %q", href)
	}

	// His earlier posts arrive from his outbox; the page never waited for them.
	reloadUntil(t, ctx, testrig.FederationWait, "bob's earlier posts on his page on a", a.Base+page,
		`document.querySelectorAll("article.post").length === 2 && document.body.textContent.includes("First loaf of the year")`)
	if first := pageText(t, ctx, "article.post .content"); !strings.Contains(first, "The starter is alive") {
		t.Errorf("the newest post is not first: %q", first)
	}
	if href := eval[string](t, ctx, `document.querySelector("article.post a.name")?.getAttribute("href") ?? ""`); href != page {
		t.Errorf("his name on his posts links %q, want his page here", href)
	}

	// Follow him from his page: b records alice as his follower, and the page offers Unfollow.
	submit(t, ctx, `.profile form[action="/web/follow"] button`)
	if loc := eval[string](t, ctx, `location.pathname`); loc != page {
		t.Errorf("after following, at %s, want his page", loc)
	}
	testrig.Eventually(t, testrig.FederationWait, "b records alice as bob's follower", func() bool {
		n, _, err := b.App.DB().CountFollows(context.Background(), bob.ID)
		return err == nil && n == 1
	})
	reloadUntil(t, ctx, testrig.FederationWait, "the page offers Unfollow", a.Base+page,
		`!!document.querySelector('.profile form[action="/web/unfollow"]')`)

	// Part of his display name finds him among the accounts a knows.
	openPage(t, ctx, a.Base+"/search?q="+url.QueryEscape("the bak"))
	if got := pageText(t, ctx, "#found-accounts + .actors"); !strings.Contains(got, "Bob the Baker") || !strings.Contains(got, "@bob@"+b.Cfg.Domain) {
		t.Errorf("a search for part of his name finds %q", got)
	}
	if !eval[bool](t, ctx, `!!document.querySelector('.result form[action="/web/unfollow"] input[value="`+bobURI+`"]')`) {
		t.Error("the search result does not show that alice follows him")
	}
}
