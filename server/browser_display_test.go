package server_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
	"refuge/outbox"
	"refuge/storage"
)

// TestBrowserDisplay: in a real Chromium, alice reaches A's Local timeline from the menu:
// it shows bob's public posts, not his followers-only one nor remy's from B, which the
// Federated timeline shows. Bob's long post comes collapsed: its last lines are not
// visible until she clicks "Show more", and "Show less" (by the keyboard) folds it again.
// Bob's picture carries an ALT badge; clicking it opens the viewer page with the picture
// loaded and its description shown, and "Back to the post" goes to the post.
func TestBrowserDisplay(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := a.Account("bob", false)
	remyTok, _ := b.Account("remy", false)
	a.FollowRemote("alice", aliceTok, b, "remy")
	public := federation.PublicCollection
	bobURI := a.LocalActor("bob").URI
	a.PostNote("bob", bobTok, map[string]any{"content": "bob says hello to everyone", "to": public})
	a.PostNote("bob", bobTok, map[string]any{"content": "bob whispers to his followers", "to": bobURI + "/followers"})
	var long strings.Builder
	for i := range 40 {
		fmt.Fprintf(&long, "Line %d of a long story.\n\n", i)
	}
	longNote := a.Note(a.PostNote("bob", bobTok, map[string]any{"content": long.String(), "to": public}))
	remyNote := b.PostNote("remy", remyTok, map[string]any{"content": "remy waves from far away", "to": public})
	testrig.Eventually(t, testrig.FederationWait, "remy's post on A", func() bool { return a.Note(remyNote) != nil })

	// Bob posts a described picture from the compose form.
	bobWeb := testrig.NewWebClient(t, a)
	bobWeb.SignIn("bob", "password-bob")
	resp, body := bobWeb.PostMultipart("/web/notes", url.Values{"csrf": {bobWeb.CSRF("/compose")}, "content": {"bob's flag"},
		"language": {"en"}, "visibility": {"public"}, "alt_1": {"A red and blue flag on a pole"}},
		testrig.Upload{Field: "media", Name: "flag.png", ContentType: "image/png", Body: testimage.PNG(t, testimage.Halves(600, 400))})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob posts his picture: %d\n%s", resp.StatusCode, body)
	}
	flag := a.Note(a.Base + resp.Header.Get("Location"))

	ctx := newBrowser(t, 1280, 900)
	openPage(t, ctx, a.Base+"/signin")
	signInForm(t, ctx, "alice", "password-alice")
	articles := func() string {
		return eval[string](t, ctx, `[...document.querySelectorAll("article .content")].map(c => c.innerText).join("\n")`)
	}

	// The Local timeline, from the menu.
	submit(t, ctx, `nav a[href="/public/local"]`)
	if got := eval[string](t, ctx, `document.querySelector("nav [aria-current=page]")?.textContent ?? ""`); got != "Local timeline" {
		t.Errorf("the menu marks %q, want Local", got)
	}
	text := articles()
	if !strings.Contains(text, "bob says hello") || strings.Contains(text, "whispers") || strings.Contains(text, "remy waves") {
		t.Errorf("the Local timeline shows:\n%s", text)
	}
	if got := eval[string](t, ctx, `document.querySelector("article .visibility")?.title ?? ""`); got != "Public" {
		t.Errorf("the visibility badge says %q", got)
	}
	submit(t, ctx, `nav a[href="/public"]`)
	if text := articles(); !strings.Contains(text, "remy waves") || !strings.Contains(text, "bob says hello") || strings.Contains(text, "whispers") {
		t.Errorf("the Federated timeline shows:\n%s", text)
	}

	// The long post, collapsed and expanded.
	openPage(t, ctx, a.Base+"/public/local")
	article := "#note-" + strconv.FormatInt(longNote.ID, 10)
	visible := func(line string) bool {
		return eval[bool](t, ctx, `[...document.querySelectorAll("`+article+` .content p")].find(p => p.textContent.includes(`+
			strconv.Quote(line)+`))?.checkVisibility() ?? false`)
	}
	summary := article + " details.more > summary"
	label := func() string { return eval[string](t, ctx, `document.querySelector("`+summary+`").innerText`) }
	if !visible("Line 0 of") || visible("Line 39 of") || label() != "Show more" {
		t.Fatalf("collapsed: first line visible %v, last %v, button %q", visible("Line 0 of"), visible("Line 39 of"), label())
	}
	do(t, ctx, "click Show more", chromedp.Click(chromedp.CSS(summary), chromedp.NodeVisible))
	if !visible("Line 39 of") || label() != "Show less" {
		t.Errorf("expanded: last line visible %v, button %q", visible("Line 39 of"), label())
	}
	// "Show less" comes after the text, where the reader ends.
	if !eval[bool](t, ctx, `document.querySelector("`+summary+`").getBoundingClientRect().top > [...document.querySelectorAll("`+article+
		` .content p")].pop().getBoundingClientRect().bottom`) {
		t.Errorf("Show less is not under the text")
	}
	do(t, ctx, "fold it by the keyboard", chromedp.Focus(chromedp.CSS(summary)), chromedp.KeyEvent("\r"))
	if visible("Line 39 of") || label() != "Show more" {
		t.Errorf("folded again: last line visible %v, button %q", visible("Line 39 of"), label())
	}

	// The picture's ALT badge and its viewer.
	thumb := "#note-" + strconv.FormatInt(flag.ID, 10) + " a.thumb"
	if got := eval[string](t, ctx, `document.querySelector("`+thumb+` .alt-badge")?.innerText ?? ""`); got != "ALT" {
		t.Errorf("the thumbnail's badge says %q", got)
	}
	submit(t, ctx, thumb)
	if got, want := eval[string](t, ctx, `location.pathname`), uris.StoredMedia(flag.ID, 1); got != want {
		t.Fatalf("the thumbnail leads to %s, want %s", got, want)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector(".viewer img"); `+
		`return !!i && i.complete && i.naturalWidth > 0 })()`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("the picture does not load in the viewer: %v", err)
	}
	if got := pageText(t, ctx, ".alt-text"); got != "A red and blue flag on a pole" {
		t.Errorf("the viewer shows the description %q", got)
	}
	if !eval[bool](t, ctx, `document.querySelector(".alt-text").checkVisibility()`) {
		t.Errorf("the description is not visible")
	}
	submit(t, ctx, `.viewer-back a.button`)
	if got, want := eval[string](t, ctx, `location.href`), flag.URL; got != want {
		t.Errorf("Back to the post leads to %s, want %s", got, want)
	}
}

// displayScene adds to the screenshots' world what the display pages show: alice's posts of
// every visibility, carol's long post and alice's two pictures, the first described; it
// returns the viewer pages of the two pictures.
func displayScene(t *testing.T, a *testrig.Instance) (described, undescribed string) {
	t.Helper()
	ctx := context.Background()
	o := a.App.Outbox()
	alice, carol := a.LocalActor("alice"), a.LocalActor("carol")
	post := func(author *storage.Actor, in outbox.NoteInput) *storage.Note {
		t.Helper()
		in.Language = "en"
		n, _, err := o.PostNote(ctx, author, in)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var long strings.Builder
	for _, p := range []string{"A long ride report from Sunday, for those who asked.",
		"We left the old mill at seven, when the river was still steaming, and took the towpath east. The first twenty kilometres are flat and sheltered, with herons standing in the shallows and the odd early fisherman.",
		"After the lock at Brenton the path turns to gravel. Wider tyres would have helped; I walked the worst of it rather than risk the new wheels.",
		"Lunch was at the café by the second bridge: soup, bread, and far too much cake. They fill water bottles for free if you ask nicely.",
		"The climb out of the valley is longer than the map suggests. Take it slowly, there is a bench halfway up with a view over the whole plain.",
		"Coming home we had the wind behind us for once, and the last hour flew by. Ninety-two kilometres in all, and not a single puncture.",
		"Next month: the coast road, if the weather holds. Everyone is welcome; we wait at every junction and nobody is left behind.",
		"Bring lights, a spare tube, and something warm for the stops. The forecast says dry, but the forecast always says dry.",
		"A word on pace: we ride at the speed of the slowest rider, and we stop whenever anyone asks. It is a day out, not a race.",
		"Thanks to Sam for the route, to Priya for the puncture kit nobody needed, and to the café for letting us lean eight bikes on their fence.",
		"Photos in the next post, once I have sorted out which ones are not just blurry hedges."} {
		long.WriteString(p + "\n\n")
	}
	post(carol, outbox.NoteInput{Content: long.String()})
	post(alice, outbox.NoteInput{Content: "Seed swap at the allotments on Saturday, only for those who follow me here.", Visibility: "followers"})
	post(alice, outbox.NoteInput{Content: "Quiet post: the tomatoes are finally turning red.", Visibility: "unlisted"})
	post(alice, outbox.NoteInput{Content: "@carol are we still on for the ride on Sunday?", Visibility: "direct"})
	pictures := []storage.Media{upload(t, a, alice, landscape(900, 600), "Eight bicycles leaning on a wooden fence in front of a café"),
		upload(t, a, alice, landscape(600, 900), "")}
	two := post(alice, outbox.NoteInput{Content: "Two from the ride: the café stop, and the view from the bench.", Media: pictures})
	return uris.StoredMedia(two.ID, 1), uris.StoredMedia(two.ID, 2)
}

// upload saves a picture as owner's upload on in, with its description.
func upload(t *testing.T, in *testrig.Instance, owner *storage.Actor, img image.Image, alt string) storage.Media {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	m, err := in.App.Outbox().SaveUpload(context.Background(), in.Cfg.Data, owner, &buf, alt)
	if err != nil {
		t.Fatal(err)
	}
	return *m
}
