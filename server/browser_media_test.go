package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/internal/testrig/testimage"
	"refuge/storage"
)

// TestBrowserMedia: while alice reads A's pages in a real Chromium — her home timeline,
// the pages of posts from another server with a picture, a video and a picture not fetched
// yet, her notifications, a search that finds bob, her timeline after she boosts bob's
// picture, her own profile and the front page — no request from the browser leaves A's
// origin, the pictures really show, and no Content Security Policy refuses anything.
// Other servers' files come from A's remote media cache, or stand in as its placeholders
// while they are not there. (Bob's header is cached too, but A has no page of a remote
// profile that would show it.)
func TestBrowserMedia(t *testing.T) {
	ctx := context.Background()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, aliceURI := a.Account("alice", false)

	// Bob on B has an avatar and a header, and alice follows him.
	bobWeb := accountWithPictures(t, b, "bob",
		testrig.Upload{Field: "avatar", Name: "me.png", ContentType: "image/png", Body: testimage.PNG(t, testimage.Halves(120, 120))},
		testrig.Upload{Field: "header", Name: "top.png", ContentType: "image/png", Body: testimage.PNG(t, testimage.Halves(600, 200))})
	a.FollowRemote("alice", aliceTok, b, "bob")

	// Bob posts a picture, a short video, and a mention of alice; each reaches A.
	bobPosts := func(content string, files ...testrig.Upload) *storage.Note {
		t.Helper()
		form := url.Values{"csrf": {bobWeb.CSRF("/compose")}, "content": {content}, "language": {"en"}, "alt_1": {content}}
		resp, body := bobWeb.PostMultipart("/web/notes", form, files...)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("bob posts %q: %d\n%s", content, resp.StatusCode, body)
		}
		var n *storage.Note
		testrig.Eventually(t, testrig.FederationWait, "bob's "+content+" on A", func() bool {
			n, _ = a.App.DB().GetNoteByURI(ctx, b.Base+resp.Header.Get("Location"))
			return n != nil && len(n.Media) == len(files)
		})
		return n
	}
	picture := bobPosts("a picture", testrig.Upload{Field: "media", Name: "p.jpg", ContentType: "image/jpeg",
		Body: testimage.JPEG(t, testimage.Halves(900, 600))})
	video := bobPosts("a short film", testrig.Upload{Field: "media", Name: "v.mp4", ContentType: "video/mp4",
		Body: testimage.MP4{Width: 64, Height: 64, Frames: 2, Seconds: 1, Mdat: 256}.Bytes()})
	bobPosts("@alice@" + a.Cfg.Domain + " have you seen the film?")
	bob := a.ActorByURI(b.Base + "/users/bob")
	if !strings.HasPrefix(bob.IconURL, b.Base) || !strings.HasPrefix(bob.ImageURL, b.Base) {
		t.Fatalf("A keeps bob's avatar %q and header %q, want B's addresses", bob.IconURL, bob.ImageURL)
	}
	for what, u := range map[string]string{"avatar": bob.IconURL, "header": bob.ImageURL,
		"picture": picture.Media[0].URL, "video": video.Media[0].URL} {
		testrig.Eventually(t, testrig.FederationWait, "bob's "+what+" cached on A", func() bool {
			m, err := a.App.DB().GetRemoteMedia(ctx, storage.MediaKey(u))
			return err == nil && m.State == storage.RemoteStored
		})
	}

	// Eve, on a third server, has an avatar and posts a picture that her server holds back
	// while alice reads: A's pages show its placeholders instead.
	p := peer.New(t, "127.0.0.1:0", "")
	k, _ := peer.Keys()
	eve := p.Actor("eve", k)
	doc := eve.Doc()
	doc["icon"] = map[string]any{"type": "Image", "mediaType": "image/png", "url": p.Base + "/files/held-avatar.png"}
	p.Doc("/users/eve", doc)
	release := make(chan struct{})
	held := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(testimage.PNG(t, testimage.Halves(64, 48)))
	}
	p.Route("/files/held-avatar.png", held)
	p.Route("/files/held.png", held)
	t.Cleanup(func() { close(release) }) // before the peer stops, which waits for its requests
	follow := a.C2S("alice", aliceTok, map[string]any{"type": "Follow", "object": eve.URI})
	eve.Deliver(t, a.Base+"/inbox", eve.Activity("Accept", follow))
	eveNote := eve.Note("not here yet", federation.PublicCollection, aliceURI)
	eveNote["attachment"] = []map[string]any{{"type": "Document", "mediaType": "image/png", "url": p.Base + "/files/held.png", "name": "held back"}}
	eve.Deliver(t, a.Base+"/inbox", eve.Activity("Create", eveNote, "to", []string{federation.PublicCollection, aliceURI}))
	held1 := a.Note(eveNote["id"].(string))

	// Every request the browser makes, by the page that was open.
	bctx := newBrowser(t, 1280, 2400)
	var (
		mu       sync.Mutex
		page     string
		seen     = map[string]bool{} // paths asked of A
		offsite  []string
		refusals []string
	)
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(ev.Request.URL)
			switch {
			case err == nil && u.Scheme == "data":
			case err == nil && u.Scheme+"://"+u.Host == a.Base:
				seen[u.Path] = true
			default:
				offsite = append(offsite, fmt.Sprintf("%s (on %s)", ev.Request.URL, page))
			}
		case *network.EventLoadingFailed:
			if ev.BlockedReason != "" {
				refusals = append(refusals, fmt.Sprintf("%s blocked: %s (on %s)", ev.RequestID, ev.BlockedReason, page))
			}
		case *log.EventEntryAdded:
			if strings.Contains(ev.Entry.Text, "Content Security Policy") {
				refusals = append(refusals, fmt.Sprintf("%s (on %s)", ev.Entry.Text, page))
			}
		}
	}); err != nil {
		t.Fatalf("listen to the browser: %v", err)
	}
	// loads lists what the open page would load, whether or not the browser did: a
	// picture the page's CSP blocks is never sent, yet would have left A without it.
	loads := func() {
		t.Helper()
		mu.Lock()
		on := page
		mu.Unlock()
		if on == "" {
			return
		}
		// Not under the lock, which the listener (run by the loop that reads the answer)
		// takes.
		urls := eval[[]string](t, bctx, pageLoads)
		mu.Lock()
		defer mu.Unlock()
		for _, u := range urls {
			if !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, a.Base+"/") {
				offsite = append(offsite, fmt.Sprintf("%s, in the page (on %s)", u, on))
			}
		}
	}
	visit := func(path string) {
		t.Helper()
		loads()
		mu.Lock()
		page = path
		mu.Unlock()
		openPage(t, bctx, a.Base+path)
	}
	// shows waits until every picture matching sel has loaded and has pixels: the test
	// cannot pass by loading nothing.
	shows := func(what, sel string) {
		t.Helper()
		js := `(() => { const l = [...document.querySelectorAll(` + strconv.Quote(sel) + `)]; ` +
			`l.forEach(i => i.loading = "eager"); return l.length > 0 && l.every(i => i.complete && i.naturalWidth > 0) })()`
		if _, err := chromedp.Run(bctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Errorf("%s: %s does not show: %v", page, what, err)
		}
	}
	note := func(n *storage.Note) string { return "#note-" + strconv.FormatInt(n.ID, 10) }
	remote := func(u string) string { return uris.RemoteMediaPath(u) }

	visit("/")
	visit("/signin")
	signInForm(t, bctx, "alice", "password-alice")
	mu.Lock()
	page = "/home"
	mu.Unlock()
	if loc := eval[string](t, bctx, `location.pathname`); loc != "/home" {
		t.Fatalf("after sign-in at %s, want /home", loc)
	}
	shows("bob's avatar", note(picture)+" img.avatar")
	shows("bob's picture", note(picture)+" .media img")

	visit(uris.StoredNote(picture.ID))
	shows("bob's avatar", "article img.avatar")
	shows("bob's picture", "article .media img")

	visit(uris.StoredNote(video.ID))
	if src := eval[string](t, bctx, `document.querySelector("article video")?.getAttribute("src") ?? ""`); src != remote(video.Media[0].URL) {
		t.Errorf("bob's video plays from %q, want %q", src, remote(video.Media[0].URL))
	}

	// The picture and avatar not fetched yet stand in as placeholders, from A too.
	visit(uris.StoredNote(held1.ID))
	shows("eve's placeholder avatar", "article img.avatar")
	if m, err := a.App.DB().GetRemoteMedia(ctx, storage.MediaKey(held1.Media[0].URL)); err != nil || m.State == storage.RemoteStored {
		t.Errorf("eve's held picture is %+v, %v: want it not stored while the page shows", m, err)
	}
	testrig.Eventually(t, 10*time.Second, "the browser asks A for eve's picture", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return seen[remote(held1.Media[0].URL)+"/small"]
	})

	visit("/notifications")
	shows("bob's avatar in the mention", "article img.avatar")
	visit("/search?q=" + url.QueryEscape("@bob@"+b.Cfg.Domain))
	shows("bob's avatar in the result", ".result img.avatar")

	// Alice boosts bob's picture from her timeline (in place, by the page's script), and
	// the timeline loaded again still shows it from A.
	visit("/home")
	clickUntil(t, bctx, note(picture)+` form[action$="/boost"] button`, `!!document.querySelector("`+note(picture)+` form[action$='/unboost']")`)
	visit("/home")
	shows("bob's picture after the boost", note(picture)+" .media img")
	visit("/@alice")

	// Signed out, the front page (signed in, "/" is the home timeline).
	submit(t, bctx, `form[action="/signout"] button`)
	visit("/")
	loads()

	mu.Lock()
	defer mu.Unlock()
	// The picture is asked for as its thumbnail or in full, as the srcset lets the browser
	// choose.
	for _, path := range []string{remote(bob.IconURL), remote(picture.Media[0].URL), remote(video.Media[0].URL)} {
		if !seen[path] && !seen[path+"/small"] {
			t.Errorf("the browser never asked A for %s", path)
		}
	}
	for _, r := range offsite {
		t.Errorf("a request left A's origin %s: %s", a.Base, r)
	}
	for _, r := range refusals {
		t.Errorf("refused: %s", r)
	}
	t.Logf("%d different paths asked of A", len(seen))
}

// pageLoads is a script listing, as absolute URLs, everything the elements of a page load
// on their own: sources, srcset candidates, posters, and stylesheets, icons and such.
// Links a reader follows are not loads.
const pageLoads = `(() => {
	const out = [], abs = u => new URL(u, document.baseURI).href;
	for (const e of document.querySelectorAll("img, video, audio, source, track, script, iframe, embed, object, input[type=image], link")) {
		if (e.localName === "link" && !/\b(stylesheet|icon|preload|modulepreload|prefetch|manifest)\b/.test(e.rel)) continue;
		for (const a of ["src", "href", "poster", "data"]) { const v = e.getAttribute(a); if (v) out.push(abs(v)); }
		const set = e.getAttribute("srcset");
		if (set) for (const c of set.split(",")) { const u = c.trim().split(/\s+/)[0]; if (u) out.push(abs(u)); }
		if (e.currentSrc) out.push(e.currentSrc);
	}
	return out;
})()`
