package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"refuge/internal/testrig"
)

// TestBrowserConversation: alice on a writes to bob on b from the compose page, visible
// only to the people mentioned. Bob's Conversations page on b shows it unread, with the
// count in the menu; he answers it from there, directly too, which leaves his conversation
// read. Alice's Conversations page on a then holds the one conversation, unread, whose
// thread has both messages; she marks it read. Neither message is on any public timeline
// of either instance, nor on their profiles.
func TestBrowserConversation(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	a.LocalAccount("alice", "password-alice")
	b.LocalAccount("bob", "password-bob")
	const question, answer = "Lunch at the durian stall at noon?", "Yes, see you there"

	ctx := newBrowser(t, 1280, 900)
	openPage(t, ctx, a.Base+"/signin")
	signInForm(t, ctx, "alice", "password-alice")
	openPage(t, ctx, a.Base+"/compose")
	do(t, ctx, "write to bob", chromedp.SendKeys(chromedp.CSS("#content"), "@bob@"+b.Cfg.Domain+" "+question),
		chromedp.SetValue(chromedp.CSS("#visibility"), "direct"))
	submit(t, ctx, `form.compose button[type=submit]`)
	if got := pageText(t, ctx, ".notice"); !strings.Contains(got, "published") {
		t.Fatalf("after posting: %q", got)
	}

	bc := newWindow(t, ctx, "bob")
	openPage(t, bc, b.Base+"/signin")
	signInForm(t, bc, "bob", "password-bob")
	reloadUntil(t, bc, testrig.FederationWait, "alice's message in bob's conversations", b.Base+"/conversations",
		`(document.querySelector(".conversation.unread")?.textContent.includes(`+jsString(question)+`) ?? false)`)
	if got := pageText(t, bc, "nav a[href='/conversations']"); !strings.Contains(got, "1 unread") {
		t.Errorf("bob's menu: %q, want the unread count", got)
	}
	if got := pageText(t, bc, ".conversation .participants"); !strings.Contains(got, "@alice@"+a.Cfg.Domain) {
		t.Errorf("bob's conversation is with %q", got)
	}
	do(t, bc, "open the reply form", chromedp.Click(chromedp.CSS(`.conversation .post-foot a[href^="/compose?reply_to="]`), chromedp.NodeVisible))
	do(t, bc, "the reply form", chromedp.WaitVisible(chromedp.CSS("#content")))
	if v := eval[string](t, bc, `document.querySelector("#visibility").value`); v != "direct" {
		t.Errorf("the reply to a direct message is %q by default, want direct", v)
	}
	// After the mention the form starts with, as a person types.
	do(t, bc, "answer", chromedp.SendKeys(chromedp.CSS("#content"), kb.End+answer))
	submit(t, bc, `form.compose button[type=submit]`)
	openPage(t, bc, b.Base+"/conversations")
	if n := eval[int](t, bc, `document.querySelectorAll(".conversation").length`); n != 1 ||
		eval[bool](t, bc, `!!document.querySelector(".conversation.unread")`) || !strings.Contains(pageText(t, bc, ".conversation"), answer) {
		t.Errorf("bob's conversations after his answer: %d, %q", n, pageText(t, bc, "main"))
	}

	reloadUntil(t, ctx, testrig.FederationWait, "bob's answer in alice's conversations", a.Base+"/conversations",
		`(document.querySelector(".conversation.unread")?.textContent.includes(`+jsString(answer)+`) ?? false)`)
	if n := eval[int](t, ctx, `document.querySelectorAll(".conversation").length`); n != 1 {
		t.Errorf("alice has %d conversations, want 1: %q", n, pageText(t, ctx, "main"))
	}
	// Opening it goes to the thread and marks it read, as in Mastodon's column.
	submit(t, ctx, `.conversation form[action$="/open"] button`)
	if thread := pageText(t, ctx, "main"); !strings.Contains(thread, question) || !strings.Contains(thread, answer) {
		t.Errorf("the thread lacks a message: %q", thread)
	}
	openPage(t, ctx, a.Base+"/conversations")
	if eval[bool](t, ctx, `!!document.querySelector(".conversation.unread")`) || !eval[bool](t, ctx, `!!document.querySelector(".conversation a.button")`) {
		t.Errorf("after opening it: %q", pageText(t, ctx, "main"))
	}

	// Nowhere public: the front pages and profiles as a visitor sees them, and every
	// public timeline of the client API.
	visitor := newWindow(t, ctx, "visitor")
	for _, in := range []*testrig.Instance{a, b} {
		for _, path := range []string{"/", "/@alice", "/@bob"} {
			if path != "/" && (path == "/@alice") != (in == a) {
				continue
			}
			openPage(t, visitor, in.Base+path)
			if text := pageText(t, visitor, "main"); strings.Contains(text, "durian") || strings.Contains(text, answer) {
				t.Errorf("%s%s shows a direct message: %q", in.Cfg.Domain, path, text)
			}
		}
		for _, q := range []string{"", "?local=true", "?remote=true"} {
			status, body, _ := in.Do("GET", "/api/v1/timelines/public"+q, "", nil)
			if status != 200 || strings.Contains(string(body), "durian") || strings.Contains(string(body), answer) {
				t.Errorf("%s public timeline%s: %d %s", in.Cfg.Domain, q, status, body)
			}
		}
	}
}

// TestBrowserKeywordFilter: alice on a follows bob on b, whose "I love durian" is in her
// home. She adds a filter "durian" that hides on /filters: the post leaves her home. Changed
// to warn, it is back folded behind "Filtered: durian", its text hidden until she opens it.
func TestBrowserKeywordFilter(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	aliceToken, _ := a.Account("alice", false)
	bobToken, _ := b.Account("bob", false)
	a.FollowRemote("alice", aliceToken, b, "bob")
	note := arrived(t, a, b.PostNote("bob", bobToken, map[string]any{"content": "I love durian",
		"to": "https://www.w3.org/ns/activitystreams#Public"}))

	ctx := newBrowser(t, 1280, 900)
	openPage(t, ctx, a.Base+"/signin")
	signInForm(t, ctx, "alice", "password-alice")
	openPage(t, ctx, a.Base+"/home")
	if !eval[bool](t, ctx, `!!document.querySelector("`+note+`")`) {
		t.Fatalf("bob's post is not in alice's home: %q", pageText(t, ctx, "main"))
	}

	openPage(t, ctx, a.Base+"/filters")
	do(t, ctx, "fill the filter form", chromedp.SendKeys(chromedp.CSS("#filter-title"), "durian"),
		chromedp.SendKeys(chromedp.CSS("#filter-keywords"), "durian"))
	if !eval[bool](t, ctx, `document.querySelector("#filter-context-home").checked`) {
		do(t, ctx, "filter the home timeline", chromedp.Click(chromedp.CSS("#filter-context-home")))
	}
	do(t, ctx, "hide what it finds", chromedp.Click(chromedp.CSS("#filter-hide")))
	submit(t, ctx, `#filter-form button[type=submit]`)
	if got := pageText(t, ctx, ".notice"); !strings.Contains(got, "filter is added") {
		t.Fatalf("after adding the filter: %q", got)
	}
	openPage(t, ctx, a.Base+"/home")
	if eval[bool](t, ctx, `!!document.querySelector("`+note+`")`) || strings.Contains(pageText(t, ctx, "main"), "I love durian") {
		t.Errorf("the hidden post is on alice's home: %q", pageText(t, ctx, "main"))
	}

	openPage(t, ctx, a.Base+"/filters")
	do(t, ctx, "edit the filter", chromedp.Click(chromedp.CSS(`.filters a.button[href^="/filters?edit="]`), chromedp.NodeVisible))
	do(t, ctx, "the filter's form", chromedp.WaitVisible(chromedp.CSS(`#filter-form[action^="/web/filters/"]`)))
	do(t, ctx, "fold what it finds", chromedp.Click(chromedp.CSS("#filter-warn")))
	submit(t, ctx, `#filter-form button[type=submit]`)
	openPage(t, ctx, a.Base+"/home")
	folded := note + " details.filtered"
	if got := pageText(t, ctx, folded+" > summary"); !strings.Contains(got, "Filtered: durian") {
		t.Fatalf("the folded post's summary: %q", got)
	}
	visible := `document.querySelector("` + note + ` .content")?.checkVisibility() ?? false`
	if eval[bool](t, ctx, visible) {
		t.Errorf("the folded post's text shows before it is opened")
	}
	do(t, ctx, "open the folded post", chromedp.Click(chromedp.CSS(folded+" > summary"), chromedp.NodeVisible))
	if !eval[bool](t, ctx, visible) || !strings.Contains(pageText(t, ctx, note), "I love durian") {
		t.Errorf("the opened post: %q", pageText(t, ctx, note))
	}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
