package server_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/outbox"
	"refuge/server"
	"refuge/storage"
)

// TestScreenshots saves pictures of the main pages, on a phone and on a desktop, for people
// to look at: REFUGE_SCREENSHOTS=dir go test ./server -run TestScreenshots. Without the
// variable it does nothing.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("REFUGE_SCREENSHOTS")
	if dir == "" {
		t.Log("REFUGE_SCREENSHOTS is not set: no screenshots taken")
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Sign-up waits for an admin's approval on a, so that its form asks why, and the
	// accounts page has a sign-up waiting; a mails through a receiver on loopback.
	rx := testrig.StartMailServer(t, testrig.MailPlain, "", "")
	a := testrig.Start(t, func(c *server.Config) { c.Registrations, c.SMTPURL = "approval", rx.URL() })
	b := testrig.Start(t)
	s := newScene(t, a, b)
	// alice has an address, and asked for another, which waits for its link.
	if err := a.App.Outbox().SetEmail(context.Background(), "alice", "alice@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := a.App.Outbox().ChangeEmail(context.Background(), a.LocalActor("alice"), "alice@reading-circle.example"); err != nil {
		t.Fatal(err)
	}
	a.LocalAccount("dana", s.password)
	switchOnTwoFactor(t, a, "dana")
	furnishAdminPages(t, a, s.password)
	described, undescribed := displayScene(t, a)

	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"phone", 390, 844, true}, {"desktop", 1280, 900, false}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := newBrowser(t, int(size.width), int(size.height))
			emulate := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
			if size.mobile {
				emulate = []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch}
			}
			do(t, ctx, "emulate", chromedp.EmulateViewport(size.width, size.height, emulate...))
			var shootNow func(name string)
			shoot := func(name, path string) {
				t.Helper()
				openPage(t, ctx, a.Base+path)
				shootNow(name)
			}
			shootNow = func(name string) {
				t.Helper()
				// Let lazy images load: scroll through the page, then back to the top.
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(async () => { for (let y = 0; y < document.body.scrollHeight; y += 400) { `+
					`scrollTo(0, y); await new Promise(r => setTimeout(r, 30)); } scrollTo(0, 0); return true })()`, chromedp.EvalAwaitPromise)); err != nil {
					t.Fatalf("scroll %s: %v", name, err)
				}
				chromedp.Run(ctx, chromedp.Poll[bool](`[...document.images].every(i => i.complete)`, chromedp.WithPollingTimeout(5*time.Second)))
				shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatalf("screenshot %s: %v", name, err)
				}
				file := filepath.Join(dir, name+"-"+size.name+".png")
				if err := os.WriteFile(file, shot, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("saved %s", file)
			}
			shoot("front", "/")
			shoot("profile", "/@alice")
			openPage(t, ctx, a.Base+"/signin")
			do(t, ctx, "sign in", chromedp.SendKeys(chromedp.CSS("#username"), "alice"),
				chromedp.SendKeys(chromedp.CSS("#password"), s.password))
			submit(t, ctx, "form.signin button[type=submit]")
			shoot("thread", s.threadPath)
			shoot("compose", "/compose")
			// Compose with two pictures chosen (the script's previews, one described), then
			// its reminder of the other's description; then without script the server's
			// reminder, the pictures kept from the first submit.
			flag := writePNG(t, 640, 320)
			do(t, ctx, "choose pictures", chromedp.SendKeys(chromedp.CSS("#content"), "The river at dawn, and the same bend at dusk."),
				chromedp.SetUploadFiles(chromedp.CSS("#media"), []string{flag, flag}),
				chromedp.SendKeys(chromedp.CSS("#alt-chosen-1"), "Mist over the river, the far bank a grey line"))
			chromedp.Run(ctx, chromedp.Poll[bool](`[...document.querySelectorAll(".preview canvas")].every(c => c.width > 1)`,
				chromedp.WithPollingTimeout(5*time.Second)))
			shootNow("compose_files")
			do(t, ctx, "post", chromedp.Click(chromedp.CSS("form.compose button[type=submit]"), chromedp.NodeVisible))
			shootNow("compose_reminder")
			scriptOff(t, ctx, true)
			openPage(t, ctx, a.Base+"/compose")
			do(t, ctx, "choose pictures without script", chromedp.SendKeys(chromedp.CSS("#content"), "The river at dawn, and the same bend at dusk."),
				chromedp.SetUploadFiles(chromedp.CSS("#media"), []string{flag, flag}),
				chromedp.SendKeys(chromedp.CSS("#alt-1"), "Mist over the river, the far bank a grey line"))
			submitStatus(t, ctx, "form.compose button[type=submit]")
			scriptOff(t, ctx, false) // for the scrolling below; the page loaded without
			shootNow("compose_kept")
			shoot("edit_note", fmt.Sprintf("/notes/%d/edit", s.threadID))
			shoot("history", fmt.Sprintf("/notes/%d/history", s.threadID))
			shoot("home", "/home")
			do(t, ctx, "open the menu's More", chromedp.Click(chromedp.CSS(".more-menu summary"), chromedp.NodeVisible))
			shootNow("menu_more")
			shoot("local", "/public/local")
			shoot("federated", "/public")
			shoot("profile_own", "/@alice") // her posts of every visibility, each with its badge
			shoot("media_viewer", described)
			shoot("media_viewer_undescribed", undescribed)
			shoot("notifications", "/notifications")
			shoot("search", "/search?q="+url.QueryEscape("@bob@"+b.Cfg.Domain))
			shoot("search_results", "/search?q=spring")
			shoot("remote_profile", uris.RemoteProfile("bob", b.Cfg.Domain))
			shoot("edit_profile", "/edit_profile")
			submit(t, ctx, `form[action="/web/two_factor/setup"] button`)
			shoot("two_factor", "/settings/two_factor")
			shoot("email", "/settings/email")
			shoot("filters", "/filters")
			shoot("filters_edit", fmt.Sprintf("/filters?edit=%d", s.filterID))
			shoot("lists", "/lists")
			shoot("list", fmt.Sprintf("/lists/%d", s.listID))
			shoot("favourites", "/favourites")
			shoot("bookmarks", "/bookmarks")
			shoot("conversations", "/conversations")
			do(t, ctx, "dark mode", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
					Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
				return err
			}))
			shoot("thread-dark", s.threadPath)
			// The second step of signing in, as dana, who has two-factor sign-in on.
			do(t, ctx, "light mode", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
					Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}})
				return err
			}))
			openPage(t, ctx, a.Base+"/edit_profile")
			submit(t, ctx, `form[action="/signout"] button`)
			shoot("about", "/about")
			shoot("signin", "/signin")
			shoot("password_new", "/auth/password/new")
			shoot("confirmation_new", "/auth/confirmation/new")
			if err := a.App.Outbox().RequestPasswordReset(context.Background(), "alice@example.org"); err != nil {
				t.Fatal(err)
			}
			mails := rx.Mails()
			shoot("password_edit", linkPath(t, mails[len(mails)-1].Link()))
			shoot("sign_up", "/auth/sign_up")
			openPage(t, ctx, a.Base+"/signin")
			signInForm(t, ctx, "root", s.password)
			for _, page := range []string{"reports", "accounts", "domain_blocks", "settings"} {
				shoot("admin_"+page, "/admin/"+page)
			}
			shoot("invites", "/invites")
			openPage(t, ctx, a.Base+"/home")
			submit(t, ctx, `form[action="/signout"] button`)
			openPage(t, ctx, a.Base+"/signin")
			signInForm(t, ctx, "dana", s.password)
			shoot("signin_two_factor", "/signin/two_factor")
		})
	}
}

// furnishAdminPages gives the admins' pages something to show: an admin, root, a report,
// a blocked server, the instance's settings and rules.
func furnishAdminPages(t *testing.T, in *testrig.Instance, password string) {
	t.Helper()
	ctx := context.Background()
	o := in.App.Outbox()
	if _, err := o.CreateAccount(ctx, "root", password, true); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Report(ctx, in.LocalActor("alice"), outbox.ReportInput{TargetID: in.LocalActor("carol").ID,
		Comment: "Posts the same advert under every thread.", Category: string(storage.ReportSpam)}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.AddInstanceBlock(ctx, "spam.example"); err != nil {
		t.Fatal(err)
	}
	err := o.SetSettings(ctx, storage.Settings{Name: "Refuge by the river", Description: "A small home for a reading circle and its friends.",
		About:        "We read a book a month and talk about it here.\n\nAnyone on the fediverse is welcome to follow and answer.",
		ContactEmail: "admin@refuge.example", ContactAccount: "root"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]string{{"Be kind.", "Disagree with ideas, not with people."}, {"No advertising.", ""},
		{"Mark spoilers with a content warning.", "Name the book in the warning."}} {
		if _, err := o.PutRule(ctx, 0, r[0], r[1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := o.SignUp(ctx, outbox.SignUpInput{Username: "erin", Email: "erin@mail.example", Password: password,
		Agreement: true, Reason: "I am in the reading circle on Thursdays and would like to follow the others here."}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.CreateInvite(ctx, in.LocalActor("root"), 7*24*time.Hour, 5); err != nil {
		t.Fatal(err)
	}
}

// scene is a small lived-in world for screenshots: alice and carol on one instance, bob on
// another, with posts, a thread, a content warning, images, a boost and likes.
type scene struct {
	password   string
	threadPath string
	filterID   int64 // one of alice's keyword filters
	threadID   int64 // alice's post that starts the thread, edited once
	listID     int64 // alice's list of bob, with his post
}

func newScene(t *testing.T, a, b *testrig.Instance) *scene {
	t.Helper()
	ctx := context.Background()
	s := &scene{password: "alice's long password"}
	alice, err := a.App.Outbox().CreateAccount(ctx, "alice", s.password, true)
	if err != nil {
		t.Fatal(err)
	}
	carol, err := a.App.Outbox().CreateAccount(ctx, "carol", "carol's long password", false)
	if err != nil {
		t.Fatal(err)
	}
	_, bobURI := b.Account("bob", false)
	bob, err := b.App.Outbox().UpdateProfile(ctx, b.LocalActor("bob"), outbox.ProfileInput{Name: "Bob Baker",
		Summary: "Bakes bread at dawn, sells it by noon.", Fields: []storage.Field{{Name: "Bakery", Value: "Corner of Mill Street"}}})
	if err != nil {
		t.Fatal(err)
	}

	upload := func(owner *storage.Actor, img image.Image, alt string) storage.Media {
		t.Helper()
		path := filepath.Join(t.TempDir(), "img.png")
		f, _ := os.Create(path)
		png.Encode(f, img)
		f.Close()
		f, _ = os.Open(path)
		defer f.Close()
		m, err := a.App.Outbox().SaveUpload(ctx, a.Cfg.Data, owner, f, alt)
		if err != nil {
			t.Fatal(err)
		}
		return *m
	}
	avatar := upload(alice, avatarImage(color.RGBA{46, 125, 110, 255}, color.RGBA{250, 214, 120, 255}), "")
	header := upload(alice, landscape(1500, 500), "")
	alice, err = a.App.Outbox().UpdateProfile(ctx, alice, outbox.ProfileInput{Name: "Alice Martin",
		Summary: "Gardener, bread baker and occasional photographer. Posts about plants, food and the city.",
		Fields:  []storage.Field{{Name: "Garden", Value: "allotment 14"}, {Name: "Pronouns", Value: "she/her"}},
		IconURL: avatar.URL, ImageURL: header.URL})
	if err != nil {
		t.Fatal(err)
	}
	carolAvatar := upload(carol, avatarImage(color.RGBA{120, 70, 160, 255}, color.RGBA{240, 180, 200, 255}), "")
	if carol, err = a.App.Outbox().UpdateProfile(ctx, carol, outbox.ProfileInput{Name: "Carol", Summary: "Cyclist.",
		IconURL: carolAvatar.URL}); err != nil {
		t.Fatal(err)
	}

	post := func(author *storage.Actor, in outbox.NoteInput) *storage.Note {
		t.Helper()
		if in.Language == "" {
			in.Language = "en"
		}
		n, _, err := a.App.Outbox().PostNote(ctx, author, in)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := a.App.Outbox().Follow(ctx, alice, bobURI); err != nil {
		t.Fatal(err)
	}
	if _, err := a.App.Outbox().Follow(ctx, alice, carol.URI); err != nil {
		t.Fatal(err)
	}
	if _, err := a.App.Outbox().Follow(ctx, carol, alice.URI); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 10*time.Second, "bob accepts alice", func() bool {
		f, err := a.App.DB().GetFollow(ctx, alice.ID, a.ActorByURI(bobURI).ID)
		return err == nil && f.Accepted
	})

	pinned := post(alice, outbox.NoteInput{Content: "Hello! I'm Alice. This is my little corner of the fediverse: expect tomatoes, sourdough and bike rides. #introduction"})
	if err := a.App.Outbox().Pin(ctx, alice, pinned.URI, true); err != nil {
		t.Fatal(err)
	}
	post(alice, outbox.NoteInput{Summary: "Spoilers for the season finale", Content: "I can't believe the gardener was the narrator all along."})
	lilacs := upload(alice, landscape(1200, 800), "Purple lilac bushes along a path in the park under a pale blue sky")
	thread := post(alice, outbox.NoteInput{Content: "The lilacs are out in the park this morning. Spring is really here! #spring #photography",
		Media: []storage.Media{lilacs}})
	// Alice edits it: a better description and a word more, so that it shows "edited".
	lilacs.Description = "Purple lilac bushes along a gravel path in the park, under a pale blue sky, the old mill behind them"
	if thread, err = a.App.Outbox().UpdateNote(ctx, alice, thread.URI, outbox.NoteInput{Language: "en", Media: []storage.Media{lilacs},
		Content: "The lilacs are out in the park by the river this morning. Spring is really here! #spring #photography"}); err != nil {
		t.Fatal(err)
	}
	s.threadID = thread.ID
	reply, _, err := a.App.Outbox().PostNote(ctx, carol, outbox.NoteInput{Content: "@alice Gorgeous! Which park is this?",
		InReplyTo: thread.URI, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.App.Outbox().PostNote(ctx, alice, outbox.NoteInput{Content: "@carol The one by the river, near the old mill.",
		InReplyTo: reply.URI, Language: "en"}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []*storage.Actor{carol} {
		if _, err := a.App.Outbox().React(ctx, who, "Like", thread.URI); err != nil {
			t.Fatal(err)
		}
	}
	bread, _, err := b.App.Outbox().PostNote(ctx, bob, outbox.NoteInput{Language: "en",
		Content: "First loaf from the new starter. Crumb could be more open, but the crust is perfect. #sourdough"})
	if err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 10*time.Second, "bob's post reaches a", func() bool {
		_, err := a.App.DB().GetNoteByURI(ctx, bread.URI)
		return err == nil
	})
	if _, err := a.App.Outbox().React(ctx, carol, "Announce", bread.URI); err != nil {
		t.Fatal(err)
	}
	if _, err := b.App.Outbox().React(ctx, bob, "Like", thread.URI); err != nil {
		t.Fatal(err)
	}
	testrig.Eventually(t, 10*time.Second, "bob's like reaches a", func() bool {
		n, err := a.App.DB().GetNoteByURI(ctx, thread.URI)
		return err == nil && n.Likes == 2
	})
	// Alice's keyword filters: carol's post about the race is folded in her home.
	post(carol, outbox.NoteInput{Content: "Who else watched the cycling finale last night? What a sprint to the line!"})
	week := time.Now().Add(7 * 24 * time.Hour)
	sports, err := a.App.Outbox().CreateFilter(ctx, alice, outbox.FilterEdit{Title: ptrTo("Sports results"),
		Contexts: []string{"home", "public", "thread"}, Keywords: []outbox.KeywordEdit{{Keyword: ptrTo("finale")}, {Keyword: ptrTo("sprint")}}})
	if err != nil {
		t.Fatal(err)
	}
	s.filterID = sports.ID
	if _, err := a.App.Outbox().CreateFilter(ctx, alice, outbox.FilterEdit{Title: ptrTo("Election news"), Action: ptrTo("hide"),
		Contexts: []string{"home", "notifications", "public"}, Expires: &week,
		Keywords: []outbox.KeywordEdit{{Keyword: ptrTo("election")}, {Keyword: ptrTo("polls")}, {Keyword: ptrTo("ballot")}}}); err != nil {
		t.Fatal(err)
	}
	// Alice's lists: bob's in one, the other empty; she bookmarked bob's loaf and liked
	// carol's question.
	bakers, err := a.App.Outbox().CreateList(ctx, alice, outbox.ListEdit{Title: ptrTo("Bakers")})
	if err != nil {
		t.Fatal(err)
	}
	s.listID = bakers.ID
	if err := a.App.Outbox().AddToList(ctx, alice, bakers.ID, []int64{a.ActorByURI(bobURI).ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.App.Outbox().CreateList(ctx, alice, outbox.ListEdit{Title: ptrTo("Cycling club"), Exclusive: ptrTo(true)}); err != nil {
		t.Fatal(err)
	}
	if err := a.App.Outbox().Bookmark(ctx, alice, bread.URI, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.App.Outbox().React(ctx, alice, "Like", reply.URI); err != nil {
		t.Fatal(err)
	}
	furnishConversations(t, a, b, alice, carol, bob)
	s.threadPath = strings.TrimPrefix(thread.URL, a.Base)
	if resp, _ := testrig.NewWebClient(t, a).Get(s.threadPath); resp.StatusCode != http.StatusOK {
		t.Fatalf("thread page: %d", resp.StatusCode)
	}
	return s
}

func ptrTo[T any](v T) *T { return &v }

// landscape is a picture of a sky over hills with a sun, to stand for a photo.
func landscape(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fy := float64(y) / float64(h)
			c := color.RGBA{uint8(150 + 80*fy), uint8(190 + 40*fy), 240, 255}
			hill := 0.62 + 0.08*math.Sin(float64(x)/float64(w)*6.3)
			if fy > hill {
				c = color.RGBA{uint8(110 - 40*fy), uint8(80 + 60*(1-fy)), uint8(140 - 30*fy), 255}
			}
			dx, dy := float64(x)-0.75*float64(w), float64(y)-0.25*float64(h)
			if dx*dx+dy*dy < float64(h*h)/60 {
				c = color.RGBA{255, 236, 170, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// avatarImage is a square with a ring, to stand for a face.
func avatarImage(bg, fg color.RGBA) image.Image {
	const side = 256
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	for y := range side {
		for x := range side {
			dx, dy := float64(x-side/2), float64(y-side/2)
			d := math.Sqrt(dx*dx + dy*dy)
			c := bg
			if d > 50 && d < 80 || (y > 170 && d < 120 && d > 95) {
				c = fg
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// furnishConversations gives alice two conversations of direct messages: one with carol
// that she answered last (read), and bob's question from b (unread).
func furnishConversations(t *testing.T, a, b *testrig.Instance, alice, carol, bob *storage.Actor) {
	t.Helper()
	ctx := context.Background()
	send := func(in *testrig.Instance, author *storage.Actor, content, inReplyTo string) *storage.Note {
		t.Helper()
		n, _, err := in.App.Outbox().PostNote(ctx, author, outbox.NoteInput{Content: content, Visibility: "direct",
			InReplyTo: inReplyTo, Language: "en"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	swap := send(a, alice, "@carol Are you coming to the plant swap on Saturday?", "")
	yes := send(a, carol, "@alice Yes! I'll bring tomato seedlings and some mint cuttings.", swap.URI)
	send(a, alice, "@carol Lovely, see you at ten by the greenhouse.", yes.URI)
	question := send(b, bob, "@alice@"+a.Cfg.Domain+" Could I have a spoonful of your sourdough starter? Mine gave up.", "")
	testrig.Eventually(t, 10*time.Second, "bob's message reaches a", func() bool {
		_, err := a.App.DB().GetNoteByURI(ctx, question.URI)
		return err == nil
	})
}
