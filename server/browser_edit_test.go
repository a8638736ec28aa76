package server_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"refuge/internal/testrig"
)

// TestBrowserEditPost: in a real Chromium, alice posts a picture with its description,
// which bob, on another server, follows her for. She opens Edit on her post and changes
// its text, its content warning and the picture's description. In his own window bob's
// home on his server shows the new text, marked edited, and the history there lists both
// versions, newest first.
func TestBrowserEditPost(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	a.LocalAccount("alice", "alice's long password")
	bobToken, _ := b.Account("bob", false)
	b.FollowRemote("bob", bobToken, a, "alice")
	ctx := newBrowser(t, 1280, 900)
	openPage(t, ctx, a.Base+"/signin")
	signInForm(t, ctx, "alice", "alice's long password")

	openPage(t, ctx, a.Base+"/compose")
	do(t, ctx, "fill the compose form",
		chromedp.SendKeys(chromedp.CSS("#summary"), "Garden"),
		chromedp.SendKeys(chromedp.CSS("#content"), "The first tomatoes of the year"),
		chromedp.SetUploadFiles(chromedp.CSS("#media"), []string{writePNG(t, 640, 320)}),
		chromedp.SendKeys(chromedp.CSS(".preview #alt-chosen-1"), "Two green tomatoes"))
	submit(t, ctx, "form.compose button[type=submit]")
	noteURI := a.Base + eval[string](t, ctx, `location.pathname`)
	onB := arrived(t, b, noteURI)

	// Edit, from the post's own actions: the form holds what she typed.
	submit(t, ctx, `article.own a[href$="/edit"]`)
	if got := eval[string](t, ctx, `document.querySelector("#content").value + "|" + document.querySelector("#summary").value + "|" + `+
		`document.querySelector("textarea[name^=description_]").value`); got != "The first tomatoes of the year|Garden|Two green tomatoes" {
		t.Fatalf("the edit form holds %q", got)
	}
	if src := eval[string](t, ctx, `document.querySelector(".edit-attachment img")?.src ?? ""`); !strings.Contains(src, "/media/") {
		t.Errorf("the edit form shows no thumbnail of the picture: %q", src)
	}
	do(t, ctx, "change the text, warning and description",
		chromedp.Clear(chromedp.CSS("#content")), chromedp.SendKeys(chromedp.CSS("#content"), "The first red tomatoes of the year"),
		chromedp.Clear(chromedp.CSS("#summary")), chromedp.SendKeys(chromedp.CSS("#summary"), "Garden news"),
		chromedp.Clear(chromedp.CSS("textarea[name^=description_]")),
		chromedp.SendKeys(chromedp.CSS("textarea[name^=description_]"), "Two red tomatoes on the vine"))
	submit(t, ctx, "form.edit-note button[type=submit]")
	if got := pageText(t, ctx, ".notice"); !strings.Contains(got, "updated") {
		t.Errorf("after saving the notice says %q", got)
	}
	if got := pageText(t, ctx, "article.own .edited"); !strings.HasPrefix(got, "edited") {
		t.Errorf("her post does not say it was edited: %q", got)
	}

	// Bob, in his own window on his own server.
	bob := newWindow(t, ctx, "bob")
	openPage(t, bob, b.Base+"/signin")
	signInForm(t, bob, "bob", "password-bob")
	reloadUntil(t, bob, testrig.FederationWait, "the edit in bob's home", b.Base+"/home",
		`(() => { const p = document.querySelector(`+strconv.Quote(onB)+`); `+
			`return !!p && p.textContent.includes("The first red tomatoes") && !!p.querySelector(".edited") })()`)
	if got := eval[string](t, bob, `document.querySelector(`+strconv.Quote(onB+" details.cw summary")+`).textContent`); !strings.Contains(got, "Garden news") {
		t.Errorf("bob sees the warning %q", got)
	}
	if alt := eval[string](t, bob, `document.querySelector(`+strconv.Quote(onB+" .media img")+`)?.alt ?? ""`); alt != "Two red tomatoes on the vine" {
		t.Errorf("bob sees the description %q", alt)
	}
	submit(t, bob, onB+" a.edited")
	versions := eval[[]string](t, bob, `[...document.querySelectorAll("li.version")].map(v => v.textContent.replace(/\s+/g, " "))`)
	if len(versions) != 2 {
		t.Fatalf("the history on b lists %d versions: %q", len(versions), versions)
	}
	for i, want := range [][]string{{"Edited", "Current", "Garden news", "The first red tomatoes", "Two red tomatoes on the vine"},
		{"Posted", "Garden", "The first tomatoes of the year", "Two green tomatoes"}} {
		for _, w := range want {
			if !strings.Contains(versions[i], w) {
				t.Errorf("version %d lacks %q: %s", i+1, w, versions[i])
			}
		}
	}
}
