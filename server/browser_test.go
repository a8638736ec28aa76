package server_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
	"refuge/outbox"
	"refuge/storage"
)

// chromiumPath is Debian's Chromium, which CI installs.
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts a headless Chromium with a fresh profile that can reach loopback only:
// every other host goes through a proxy that does not exist, and no name resolves. On
// failure the test saves a screenshot and the page's HTML and logs where.
func newBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the browser tests need Chromium at %s: install it with `apt-get install -y --no-install-recommends chromium` (%v)",
			chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.WindowSize(width, height),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("hide-scrollbars", true),
		// Loopback only: Chromium never proxies loopback, and sends the rest to a dead port.
		chromedp.Flag("proxy-server", "http://127.0.0.1:9"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
	}
	// Debian's Chromium now and then dies while it starts on a busy machine, before it
	// has loaded anything of ours; that says nothing about Refuge, so a start is tried
	// three times, each failure logged. Everything after the start counts in full.
	var ctx context.Context
	for attempt := 1; ; attempt++ {
		// A fresh profile each time: a crashed start may leave its lock behind.
		attemptOpts := append(opts[:len(opts):len(opts)], chromedp.UserDataDir(t.TempDir()))
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), attemptOpts...)
		bctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
		bctx, cancelTimeout := context.WithTimeout(bctx, 2*time.Minute)
		stop := func() {
			cancelTimeout()
			cancelCtx()
			cancelAlloc()
		}
		err := chromedp.Do(bctx)
		if err == nil {
			ctx = bctx
			t.Cleanup(stop)
			break
		}
		stop()
		if attempt == 3 {
			t.Fatalf("start Chromium (%d attempts): %v", attempt, err)
		}
		t.Logf("start Chromium, attempt %d: %v; trying again", attempt, err)
		time.Sleep(time.Second)
	}
	t.Cleanup(func() {
		if t.Failed() {
			saveArtifacts(t, ctx, "")
		}
	})
	return ctx
}

// newWindow opens another window of the test's Chromium with cookies of its own, as a
// second person at another computer has: every instance of a test listens on 127.0.0.1,
// and cookies do not tell ports apart, so one window cannot be signed in on two
// instances. On failure the test saves its screenshot too, named for who.
func newWindow(t *testing.T, ctx context.Context, who string) context.Context {
	t.Helper()
	wctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(wctx); err != nil {
		t.Fatalf("open a window for %s: %v", who, err)
	}
	// The window's cookies are its own, its network is the browser's: loopback only.
	if _, err := chromedp.RunResponse(wctx, chromedp.Navigate("http://outside.invalid/")); err == nil {
		t.Fatalf("the window for %s reached a non-loopback address", who)
	}
	t.Cleanup(func() {
		if t.Failed() {
			saveArtifacts(t, wctx, who)
		}
	})
	return wctx
}

// artifactDir is where failed browser tests leave screenshots: $REFUGE_ARTIFACTS, or
// refuge-artifacts in the temporary directory.
func artifactDir() string {
	if d := os.Getenv("REFUGE_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "refuge-artifacts")
}

func saveArtifacts(t *testing.T, ctx context.Context, who string) {
	dir := artifactDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("artifacts: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	name := strings.ReplaceAll(t.Name(), "/", "_")
	if who != "" {
		name += "-" + who
	}
	base := filepath.Join(dir, name+"-"+time.Now().Format("150405"))
	if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		if err := os.WriteFile(base+".jpg", shot, 0o644); err == nil {
			t.Logf("screenshot of the failure: %s.jpg", base)
		}
	} else {
		t.Logf("no screenshot: %v", err)
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
		if err := os.WriteFile(base+".html", []byte(html), 0o644); err == nil {
			t.Logf("page at the failure: %s.html", base)
		}
	}
}

// openPage loads a page and fails the test unless it answers 200.
func openPage(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if status := loadPage(t, ctx, url); status != http.StatusOK {
		t.Fatalf("open %s: %d", url, status)
	}
}

// loadPage loads a page, whatever it answers, and returns its status.
func loadPage(t *testing.T, ctx context.Context, url string) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(url))
	if err == nil && resp == nil {
		// A tab opened a moment ago may not be attached yet when its first navigation's
		// answer arrives (chromedp then reports none, and the tab "no active page"): seen a few
		// times in CI runs, on both databases. Asking again is the browser's
		// question, not the server's: a server that does not answer fails below all the same.
		t.Logf("open %s: the browser saw no answer; once more", url)
		resp, err = chromedp.RunResponse(ctx, chromedp.Navigate(url))
	}
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	if resp == nil {
		t.Fatalf("open %s: the browser saw no answer", url) // a failure to report, not a panic that stops every test
	}
	return resp.Status
}

// submit clicks a button that sends a form and waits for the page it leads to, which must
// answer 200 (after any redirect).
func submit(t *testing.T, ctx context.Context, button string) {
	t.Helper()
	if status := submitStatus(t, ctx, button); status != http.StatusOK {
		t.Fatalf("click %s: the page answered %d", button, status)
	}
}

// submitStatus clicks a button that sends a form and returns the status of the page it
// leads to (after any redirect), whatever it is.
func submitStatus(t *testing.T, ctx context.Context, button string) int64 {
	t.Helper()
	openMenuFor(t, ctx, button)
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("click %s: %v", button, err)
	}
	return resp.Status
}

// openMenuFor opens the menu's "More" with a click, as a person would, when what the test
// is about to click is in it and it is closed.
func openMenuFor(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	if eval[bool](t, ctx, `!!document.querySelector(`+strconv.Quote(selector)+`)?.closest(".more-menu details:not([open])")`) {
		do(t, ctx, "open the menu's More", chromedp.Click(chromedp.CSS(".more-menu summary"), chromedp.NodeVisible))
	}
}

// clickUntil clicks an element that the page's script handles without leaving the page,
// and waits for the JavaScript condition to hold.
func clickUntil(t *testing.T, ctx context.Context, selector, condition string) {
	t.Helper()
	do(t, ctx, "click "+selector, chromedp.Click(chromedp.CSS(selector), chromedp.NodeVisible))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](condition, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("after a click on %s, %s does not hold: %v", selector, condition, err)
	}
}

// pageText is the text of the first element selector finds on the page, or "" when there is none.
func pageText(t *testing.T, ctx context.Context, selector string) string {
	t.Helper()
	return eval[string](t, ctx, `document.querySelector(`+strconv.Quote(selector)+`)?.textContent ?? ""`)
}

// reloadUntil loads url again and again until the page's JavaScript condition holds, for
// what another instance sends to arrive; it fails the test after within.
func reloadUntil(t *testing.T, ctx context.Context, within time.Duration, what, url, condition string) {
	t.Helper()
	testrig.Eventually(t, within, what, func() bool {
		return loadPage(t, ctx, url) == http.StatusOK && eval[bool](t, ctx, condition)
	})
}

// signInForm fills the sign-in form on the page and sends it.
func signInForm(t *testing.T, ctx context.Context, user, password string) {
	t.Helper()
	do(t, ctx, "fill the sign-in form",
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password))
	submit(t, ctx, "form.signin button[type=submit]")
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// writePNG saves a test picture for the file input.
func writePNG(t *testing.T, w, h int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flag.png")
	if err := os.WriteFile(path, testimage.PNG(t, testimage.Halves(w, h)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowser drives the web interface the way a person would, in a real Chromium, across
// two instances: sign in, post with a content warning and an image, follow someone on the
// other instance, see their post arrive, like it and answer it.
func TestBrowser(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	a.LocalAccount("alice", "alice's long password")
	bobToken, bobURI := b.Account("bob", false)
	ctx := newBrowser(t, 1280, 900)

	// The browser reaches nothing but loopback: any other name goes to the dead proxy on
	// 127.0.0.1:9 (a .invalid name, so even a broken rule could resolve it nowhere).
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate("http://outside.invalid/")); err == nil {
		t.Fatal("Chromium reached a non-loopback address")
	}

	// The skip link is the first thing the keyboard reaches.
	openPage(t, ctx, a.Base+"/")
	do(t, ctx, "press Tab", chromedp.KeyEvent("\t"))
	if got := eval[string](t, ctx, `document.activeElement.className`); got != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}

	// Sign in.
	openPage(t, ctx, a.Base+"/signin")
	signInForm(t, ctx, "alice", "alice's long password")
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/home" {
		t.Fatalf("after sign-in at %s, want /home", loc)
	}

	// Post with a content warning and an image with its description.
	picture := writePNG(t, 640, 320)
	openPage(t, ctx, a.Base+"/compose")
	do(t, ctx, "fill the compose form",
		chromedp.SendKeys(chromedp.CSS("#summary"), "Film ending"),
		chromedp.SendKeys(chromedp.CSS("#content"), "The twist at the end was the flag all along #films"),
		// The language as the writer chooses it: left empty, a text this short may be given
		// none (detection is tested on its own, server/language_test.go).
		chromedp.SendKeys(chromedp.CSS("#language"), "en"),
		chromedp.SetUploadFiles(chromedp.CSS("#media"), []string{picture}),
		// The page's script shows the chosen file with its own description field.
		chromedp.SendKeys(chromedp.CSS(".preview #alt-chosen-1"), "A red and blue flag"))
	submit(t, ctx, "form.compose button[type=submit]")
	if got := pageText(t, ctx, ".notice"); !strings.Contains(got, "published") {
		t.Errorf("no notice after posting: %q", got)
	}
	checkPost := func(where string) {
		t.Helper()
		if open := eval[bool](t, ctx, `!!document.querySelector("article details.cw") && !document.querySelector("article details.cw").open`); !open {
			t.Errorf("%s: the content warning is not a closed <details>", where)
		}
		if alt := eval[string](t, ctx, `document.querySelector("article details.cw img")?.alt ?? ""`); alt != "A red and blue flag" {
			t.Errorf("%s: image alt %q", where, alt)
		}
		if summary := eval[string](t, ctx, `document.querySelector("article details.cw summary").textContent`); !strings.Contains(summary, "Film ending") {
			t.Errorf("%s: summary %q", where, summary)
		}
	}
	checkPost("own page")
	// Opening the warning shows the text and loads the image.
	do(t, ctx, "open the content warning", chromedp.Click(chromedp.CSS("article details.cw summary")))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector("article details.cw img"); `+
		`return !!i && i.complete && i.naturalWidth > 0 })()`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("the image behind the warning does not load: %v", err)
	}
	openPage(t, ctx, a.Base+"/@alice")
	checkPost("profile")
	if lang := eval[string](t, ctx, `document.querySelector("article .content").lang`); lang != "en" {
		t.Errorf("post content lang %q", lang)
	}

	// Find bob on the other instance and follow him.
	openPage(t, ctx, a.Base+"/search")
	do(t, ctx, "search", chromedp.SendKeys(chromedp.CSS("#q"), "@bob@"+b.Cfg.Domain))
	submit(t, ctx, "form.search button[type=submit]")
	submit(t, ctx, `.result form[action="/web/follow"] button`)
	testrig.Eventually(t, 10*time.Second, "bob has alice as a follower", func() bool {
		followers, _, err := b.App.DB().CountFollows(context.Background(), b.LocalActor("bob").ID)
		return err == nil && followers == 1
	})
	// And a has bob's Accept: a post that reaches a before it (both deliveries may be under
	// way at once) finds no follower there and is not kept, as on Mastodon.
	testrig.Eventually(t, 10*time.Second, "a has bob's Accept", func() bool {
		f, err := a.App.DB().GetFollow(context.Background(), a.LocalActor("alice").ID, a.ActorByURI(bobURI).ID)
		return err == nil && f.Accepted
	})

	// Bob posts; the post reaches alice's home timeline.
	status, body, _ := b.Do("POST", "/users/bob/outbox", bobToken, map[string]any{"type": "Note", "content": "Fresh bread from the bakery on the corner"})
	if status != http.StatusCreated {
		t.Fatalf("bob posts: %d %s", status, body)
	}
	var noteID int64
	var noteURI string
	testrig.Eventually(t, 10*time.Second, "bob's post stored on a", func() bool {
		notes, err := a.App.DB().ListActorNotes(context.Background(), a.ActorByURI(bobURI).ID, 0, storage.Page{Limit: 20})
		if err != nil || len(notes) == 0 {
			return false
		}
		noteID, noteURI = notes[0].ID, notes[0].URI
		return true
	})
	article := "#note-" + strconv.FormatInt(noteID, 10)
	openPage(t, ctx, a.Base+"/home")
	if text := eval[string](t, ctx, `document.querySelector("`+article+`")?.textContent ?? ""`); !strings.Contains(text, "Fresh bread") {
		t.Fatalf("bob's post is not in alice's home timeline")
	}

	// Like it: the button turns into Unlike (in place: the page's script sends it).
	clickUntil(t, ctx, article+` form[action$="/like"] button`, `!!document.querySelector("`+article+` form[action$='/unlike']")`)
	// Reply: the form starts with bob's handle.
	submit(t, ctx, article+` a[href^="/compose?reply_to="]`)
	if text := eval[string](t, ctx, `document.querySelector("#content").value`); !strings.HasPrefix(text, "@bob@"+b.Cfg.Domain) {
		t.Errorf("reply starts with %q", text)
	}
	do(t, ctx, "write the reply", chromedp.SendKeys(chromedp.CSS("#content"), "Which bakery?"))
	submit(t, ctx, "form.compose button[type=submit]")

	// Bob's server counts the like and the reply.
	testrig.Eventually(t, 15*time.Second, "b counts 1 like and 1 reply", func() bool {
		n, err := b.App.DB().GetNoteByURI(context.Background(), noteURI)
		return err == nil && n.Likes == 1 && n.Replies == 1
	})
}

// TestBrowserTwoFactor: in a real Chromium, alice sets up two-factor sign-in from her
// settings with the key the page shows, sees her recovery codes, signs out, and signs in
// again with her password and then a code; then with her password and a recovery code,
// which signs in once only.
func TestBrowserTwoFactor(t *testing.T) {
	in := testrig.Start(t)
	const password = "alice's long password"
	in.LocalAccount("alice", password)
	ctx := newBrowser(t, 1280, 900)
	openPage(t, ctx, in.Base+"/signin")
	signInForm(t, ctx, "alice", password)

	openPage(t, ctx, in.Base+"/edit_profile")
	submit(t, ctx, `form[action="/web/two_factor/setup"] button`)
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/settings/two_factor" {
		t.Fatalf("after Set up at %s", loc)
	}
	secret := eval[string](t, ctx, `document.querySelector(".totp-secret").textContent`)
	code, err := outbox.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "type the first code", chromedp.SendKeys(chromedp.CSS("#code"), code))
	submit(t, ctx, `form[action="/web/two_factor/enable"] button[type=submit]`)
	recovery := eval[[]string](t, ctx, `[...document.querySelectorAll(".recovery-codes li")].map(li => li.textContent.trim())`)
	if len(recovery) != outbox.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown", len(recovery))
	}

	submit(t, ctx, `form[action="/signout"] button`)
	openPage(t, ctx, in.Base+"/signin")
	signInForm(t, ctx, "alice", password)
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/signin/two_factor" {
		t.Fatalf("after the password at %s, want the code's page", loc)
	}
	if code, err = outbox.TOTPCode(secret, time.Now().Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "type a code", chromedp.SendKeys(chromedp.CSS("#code"), code))
	submit(t, ctx, "form.signin button[type=submit]")
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/home" {
		t.Fatalf("after the code at %s, want /home", loc)
	}

	// A recovery code in place of the app's code signs in once; the second time it is refused.
	for i, want := range []int64{http.StatusOK, http.StatusUnauthorized} {
		submit(t, ctx, `form[action="/signout"] button`)
		openPage(t, ctx, in.Base+"/signin")
		signInForm(t, ctx, "alice", password)
		do(t, ctx, "type a recovery code", chromedp.SendKeys(chromedp.CSS("#code"), recovery[0]))
		if status := submitStatus(t, ctx, "form.signin button[type=submit]"); status != want {
			t.Fatalf("recovery code, time %d: %d, want %d", i+1, status, want)
		}
		if i == 0 {
			if loc := eval[string](t, ctx, `location.pathname`); loc != "/home" {
				t.Fatalf("after the recovery code at %s, want /home", loc)
			}
			continue
		}
		if problem := pageText(t, ctx, ".alert"); !strings.Contains(problem, "Wrong or used code") {
			t.Errorf("a used recovery code: the page says %q", problem)
		}
	}
}
