package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
	"refuge/outbox/media"
	"refuge/server/httpx"
	"refuge/storage"
)

// TestWebSignIn: the sign-in form starts a session only with the right password and its
// own CSRF token, and the session cookie cannot be read by scripts or sent cross-site.
func TestWebSignIn(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "correct horse battery")

	tests := []struct {
		name       string
		user, pass string
		token      string // "" loads the form for a real token; "-" sends none
		next       string
		wantStatus int
		wantTo     string
	}{
		{"right password", "alice", "correct horse battery", "", "", http.StatusSeeOther, "/home"},
		{"whole handle", "@alice@" + in.Cfg.Domain, "correct horse battery", "", "", http.StatusSeeOther, "/home"},
		{"any case", "ALICE", "correct horse battery", "", "", http.StatusSeeOther, "/home"},
		{"back where it was going", "alice", "correct horse battery", "", "/search?q=x", http.StatusSeeOther, "/search?q=x"},
		{"never to another site", "alice", "correct horse battery", "", "//evil.example/x", http.StatusSeeOther, "/home"},
		{"wrong password", "alice", "wrong horse", "", "", http.StatusUnauthorized, ""},
		{"unknown account", "mallory", "correct horse battery", "", "", http.StatusUnauthorized, ""},
		{"instance actor has no password", in.Cfg.Domain, "", "", "", http.StatusUnauthorized, ""},
		{"no CSRF token", "alice", "correct horse battery", "-", "", http.StatusForbidden, ""},
		{"wrong CSRF token", "alice", "correct horse battery", "forged", "", http.StatusForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testrig.NewWebClient(t, in)
			path := "/signin"
			if tt.next != "" {
				path += "?next=" + url.QueryEscape(tt.next)
			}
			token := tt.token
			switch token {
			case "":
				token = c.CSRF(path)
			case "-":
				token = ""
			default:
				c.CSRF(path) // the cookie is set, but the form carries another value
			}
			resp, body := c.Post(path, url.Values{"username": {tt.user}, "password": {tt.pass}, "csrf": {token}})
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tt.wantStatus, body)
			}
			session := testrig.Cookie(resp, httpx.SessionCookie)
			if tt.wantStatus != http.StatusSeeOther {
				if session != nil {
					t.Errorf("a failed sign-in set a session cookie")
				}
				if resp.StatusCode == http.StatusUnauthorized && !strings.Contains(body, "Wrong username or password") {
					t.Errorf("no reason shown:\n%s", body)
				}
				return
			}
			if got := resp.Header.Get("Location"); got != tt.wantTo {
				t.Errorf("redirect to %q, want %q", got, tt.wantTo)
			}
			if session == nil || session.Value == "" {
				t.Fatal("no session cookie")
			}
			if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Secure != !in.Cfg.HTTP {
				t.Errorf("cookie flags: HttpOnly=%v SameSite=%v Path=%q Secure=%v", session.HttpOnly, session.SameSite, session.Path, session.Secure)
			}
			// Only the hash is stored.
			ctx := context.Background()
			if _, err := in.App.DB().GetToken(ctx, session.Value, time.Now()); err == nil {
				t.Error("the session secret itself is stored")
			}
			if tok, err := in.App.DB().GetToken(ctx, storage.HashToken(session.Value), time.Now()); err != nil || tok.CSRF == "" {
				t.Errorf("session not stored by hash with a CSRF token: %v", err)
			}
			resp, body = c.Get("/home")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="/signout"`) {
				t.Errorf("home after sign-in: %d\n%s", resp.StatusCode, body)
			}
		})
	}
}

// TestWebSignedOutPages: pages of an account send visitors to the sign-in form and back.
func TestWebSignedOutPages(t *testing.T) {
	in := testrig.Start(t)
	c := testrig.NewWebClient(t, in)
	for _, path := range []string{"/home", "/notifications", "/follow_requests", "/compose?reply_to=1", "/search?q=%40a%40b", "/edit_profile"} {
		resp, _ := c.Get(path)
		want := "/signin?next=" + url.QueryEscape(path)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("GET %s: %d to %q, want 303 to %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	resp, _ := c.Post("/web/notes", url.Values{"content": {"hi"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("post while signed out: %d", resp.StatusCode)
	}
}

// TestWebSignInRateLimit: attempts are limited per address and per account name, before
// the password is even checked, with 429 and Retry-After. The buckets refill (one attempt
// every six seconds), so on a slow machine a few more attempts may pass; the test allows
// for that and only asks that the limit comes, and that the right password is refused too.
func TestWebSignInRateLimit(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("carol", "carol's password")
	in.LocalAccount("dave", "dave's password")

	// limited tries the right password until it is refused with 429 (a few tries at most:
	// each attempt is much faster than a refill).
	limited := func(what string, try func(i int) *http.Response) {
		t.Helper()
		for i := range 5 {
			resp := try(i)
			if resp.StatusCode == http.StatusTooManyRequests {
				if resp.Header.Get("Retry-After") == "" {
					t.Errorf("%s: 429 without Retry-After", what)
				}
				return
			}
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %d", what, resp.StatusCode)
			}
		}
		t.Fatalf("%s: never limited", what)
	}

	// Per address: ten tries at ten different names, then even dave's right password.
	c := testrig.NewWebClientFrom(t, in, "127.0.0.2")
	for i := range 10 {
		if resp, body := c.TrySignIn("nobody"+strconv.Itoa(i), "guess", ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d\n%s", i+1, resp.StatusCode, body)
		}
	}
	limited("one address", func(int) *http.Response {
		resp, _ := testrig.NewWebClientFrom(t, in, "127.0.0.2").TrySignIn("dave", "dave's password", "")
		return resp
	})
	// Another address is not affected.
	if resp, body := testrig.NewWebClientFrom(t, in, "127.0.0.3").TrySignIn("carol", "carol's password", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in from another address: %d\n%s", resp.StatusCode, body)
	}

	// Per account: guesses at one name from many addresses.
	for i := range 9 { // carol used one attempt above
		if resp, _ := testrig.NewWebClientFrom(t, in, "127.0.1."+strconv.Itoa(i+1)).TrySignIn("carol", "guess", ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i+1, resp.StatusCode)
		}
	}
	limited("one account", func(i int) *http.Response {
		resp, _ := testrig.NewWebClientFrom(t, in, "127.0.2."+strconv.Itoa(i+1)).TrySignIn("Carol", "carol's password", "")
		return resp
	})
}

// TestWebCSRF: every form of a signed-in account needs its session's token, masked anew on
// every page; without it, or with a tampered one, nothing happens.
func TestWebCSRF(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice password")
	c := testrig.NewWebClient(t, in)
	c.SignIn("alice", "alice password")
	token := c.CSRF("/compose")
	// Every page masks the token anew (BREACH: see web.maskToken); each mask verifies.
	second := c.CSRF("/compose")
	if second == token {
		t.Fatalf("two renders carry the same csrf value %q", token)
	}
	ctx := context.Background()
	alice, err := in.App.DB().GetLocalActor(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n, err := in.App.DB().CountActorNotes(ctx, alice.ID, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	tests := []struct {
		name    string
		token   string
		headers []string
		want    int
	}{
		{"missing", "", nil, http.StatusForbidden},
		{"wrong", token + "x", nil, http.StatusForbidden},
		{"tampered", tamper(token), nil, http.StatusForbidden},
		{"another page's mask", second, nil, http.StatusSeeOther},
		{"other site", token, []string{"Origin", "http://evil.example"}, http.StatusForbidden},
		{"right", token, []string{"Origin", in.Base}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := count()
			form := url.Values{"content": {"csrf " + tt.name}, "visibility": {"public"}, "language": {"en"}}
			if tt.token != "" {
				form.Set("csrf", tt.token)
			}
			resp, body := c.Post("/web/notes", form, tt.headers...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tt.want, body)
			}
			after := count()
			if tt.want == http.StatusForbidden {
				if after != before {
					t.Errorf("a refused form stored a note")
				}
				if !strings.Contains(body, "CSRF") && !strings.Contains(body, "another site") {
					t.Errorf("403 without a reason:\n%s", body)
				}
			} else if after != before+1 {
				t.Errorf("notes %d → %d", before, after)
			}
		})
	}
	// Multipart forms and sign-out are checked too.
	resp, _ := c.PostMultipart("/web/notes", url.Values{"content": {"multipart"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("multipart without token: %d", resp.StatusCode)
	}
	resp, _ = c.Post("/signout", url.Values{})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without token: %d", resp.StatusCode)
	}
	if resp, _ := c.Get("/home"); resp.StatusCode != http.StatusOK {
		t.Errorf("session gone after a refused sign-out: %d", resp.StatusCode)
	}
}

// TestWebSignOut: signing out ends the session, and the next page says so; signing out
// everywhere ends them all.
func TestWebSignOut(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice password")
	phone, laptop := testrig.NewWebClient(t, in), testrig.NewWebClient(t, in)
	phone.SignIn("alice", "alice password")
	laptop.SignIn("alice", "alice password")

	resp, _ := phone.Post("/signout", url.Values{"csrf": {phone.CSRF("/home")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := phone.Get("/home"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("still signed in after sign-out: %d", resp.StatusCode)
	}
	if _, body := phone.Get("/"); !strings.Contains(body, "You are signed out.") {
		t.Errorf("the front page after sign-out does not say so:\n%s", body)
	}
	if resp, _ := laptop.Get("/home"); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-out ended another session: %d", resp.StatusCode)
	}
	phone.SignIn("alice", "alice password")
	resp, _ = laptop.Post("/web/signout_all", url.Values{"csrf": {laptop.CSRF("/edit_profile")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", resp.StatusCode)
	}
	for name, c := range map[string]*testrig.WebClient{"phone": phone, "laptop": laptop} {
		if resp, _ := c.Get("/home"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s still signed in: %d", name, resp.StatusCode)
		}
	}
}

// TestWebComposeAndAct: a post written in the form shows on the profile and its page, with
// its content warning folded; a reply, a like and a pin work from their buttons.
func TestWebComposeAndAct(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice password")
	in.LocalAccount("bob", "bob password")
	alice, bob := testrig.NewWebClient(t, in), testrig.NewWebClient(t, in)
	alice.SignIn("alice", "alice password")
	bob.SignIn("bob", "bob password")

	resp, body := alice.PostMultipart("/web/notes", url.Values{"csrf": {alice.CSRF("/compose")},
		"content": {"Soup recipe #cooking"}, "summary": {"food talk"}, "visibility": {"public"}, "language": {"fr"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("post: %d\n%s", resp.StatusCode, body)
	}
	notePath := resp.Header.Get("Location")
	if !strings.HasPrefix(notePath, "/users/alice/statuses/") {
		t.Fatalf("redirected to %q, want the note's page", notePath)
	}
	resp, body = alice.Get(notePath)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("note page: %d", resp.StatusCode)
	}
	for _, want := range []string{"Your post is published.", `<details class="cw">`, "food talk", `lang="fr"`, "Soup recipe"} {
		if !strings.Contains(body, want) {
			t.Errorf("note page lacks %q", want)
		}
	}
	if _, profile := testrig.NewWebClient(t, in).Get("/@alice"); !strings.Contains(profile, "Soup recipe") {
		t.Errorf("post not on the public profile")
	}
	n, err := in.App.DB().GetNoteByURI(context.Background(), in.Base+notePath)
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(n.ID, 10)

	// Bob answers: the form is prefilled with the mention and the content warning.
	_, compose := bob.Get("/compose?reply_to=" + id)
	if !strings.Contains(compose, "@alice@"+in.Cfg.Domain+" </textarea>") || !strings.Contains(compose, `value="food talk"`) {
		t.Errorf("reply form not prefilled:\n%s", compose)
	}
	resp, body = bob.PostMultipart("/web/notes", url.Values{"csrf": {bob.CSRF("/compose")}, "in_reply_to": {id},
		"content": {"@alice@" + in.Cfg.Domain + " yum"}, "visibility": {"public"}, "language": {"en"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %d\n%s", resp.StatusCode, body)
	}
	// Alice answers bob: the thread shows both replies, each followed by its answers.
	bobReply, err := in.App.DB().ListReplies(context.Background(), n.URI, 0)
	if err != nil || len(bobReply) != 1 {
		t.Fatalf("replies: %v %d", err, len(bobReply))
	}
	resp, body = alice.PostMultipart("/web/notes", url.Values{"csrf": {alice.CSRF("/compose")},
		"in_reply_to": {strconv.FormatInt(bobReply[0].ID, 10)}, "content": {"thanks bob"}, "language": {"en"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", resp.StatusCode, body)
	}
	_, thread := testrig.NewWebClient(t, in).Get(notePath)
	if i, j := strings.Index(thread, " yum"), strings.Index(thread, "thanks bob"); i < 0 || j < i {
		t.Errorf("thread does not show the reply and then its answer")
	}
	// Bob likes it from alice's profile and is sent back there, at the post.
	resp, _ = bob.Post("/web/notes/"+id+"/like", url.Values{"csrf": {bob.CSRF("/home")}}, "Referer", in.Base+"/@alice")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/@alice#note-"+id {
		t.Errorf("like: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A Referer from elsewhere is not followed.
	resp, _ = bob.Post("/web/notes/"+id+"/boost", url.Values{"csrf": {bob.CSRF("/home")}}, "Referer", "http://evil.example/")
	if resp.Header.Get("Location") != notePath+"#note-"+id {
		t.Errorf("boost went to %q", resp.Header.Get("Location"))
	}
	resp, _ = alice.Post("/web/notes/"+id+"/pin", url.Values{"csrf": {alice.CSRF("/home")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("pin: %d", resp.StatusCode)
	}
	resp, _ = bob.Post("/web/notes/"+id+"/delete", url.Values{"csrf": {bob.CSRF("/home")}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("bob deleted alice's note: %d", resp.StatusCode)
	}
	n, _ = in.App.DB().GetNoteByURI(context.Background(), n.URI)
	if n.Likes != 1 || n.Announces != 1 || n.Replies != 1 { // alice's answer is to bob's reply
		t.Errorf("likes %d boosts %d replies %d, want 1 each", n.Likes, n.Announces, n.Replies)
	}
	_, page := alice.Get(notePath)
	if !strings.Contains(page, "/web/notes/"+id+"/unpin") {
		t.Error("pinned note offers no unpin")
	}
	_, notes := alice.Get("/notifications")
	for _, want := range []string{"liked your post", "boosted your post", "replied to you"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notifications lack %q", want)
		}
	}
	if _, home := alice.Get("/home"); strings.Contains(home, "unread</span>") {
		t.Error("notifications still unread after being shown")
	}

	// An empty post comes back with the reason, nothing stored.
	resp, body = alice.PostMultipart("/web/notes", url.Values{"csrf": {alice.CSRF("/compose")}, "content": {" "},
		"summary": {"kept"}, "language": {"en"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "content is empty") || !strings.Contains(body, `value="kept"`) {
		t.Errorf("empty post: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = alice.Post("/web/notes/"+id+"/delete", url.Values{"csrf": {alice.CSRF("/home")}}, "Referer", in.Base+notePath)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/@alice" {
		t.Errorf("delete from its page: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := alice.Get(notePath); resp.StatusCode != http.StatusGone {
		t.Errorf("deleted note: %d", resp.StatusCode)
	}
}

// TestWebUploads: only real images are stored, re-encoded without their metadata, and served
// so that no browser would run them.
func TestWebUploads(t *testing.T) {
	in, c, alice := aliceSignedIn(t)
	ctx := context.Background()
	mediaDir := media.Dir(in.Cfg.Data)
	const secret = "GPS 48.8584N 2.2945E secret-marker"

	post := func(f testrig.Upload, alt string) (*http.Response, string) {
		return c.PostMultipart("/web/notes", url.Values{"csrf": {c.CSRF("/compose")}, "content": {"look"},
			"language": {"en"}, "alt_1": {alt}, "without_descriptions": {"1"}}, f)
	}
	refused := []struct {
		name string
		file testrig.Upload
	}{
		{"HTML named .png", testrig.Upload{Field: "media", Name: "cat.png", ContentType: "image/png", Body: []byte("<!doctype html><html><script>alert(1)</script></html>")}},
		{"JSON named .jpg", testrig.Upload{Field: "media", Name: "cat.jpg", ContentType: "image/jpeg", Body: []byte(`{"type":"Note","content":"<img src=x onerror=alert(1)>"}`)}},
		{"SVG", testrig.Upload{Field: "media", Name: "cat.svg", ContentType: "image/svg+xml", Body: []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)}},
		{"PNG header then HTML", testrig.Upload{Field: "media", Name: "cat.png", ContentType: "image/png", Body: append([]byte("\x89PNG\r\n\x1a\n"), "<html>"...)}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(tt.file, "")
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not an image") {
				t.Fatalf("status %d\n%s", resp.StatusCode, body)
			}
			if n, _ := in.App.DB().CountMedia(ctx, alice.ID); n != 0 {
				t.Errorf("%d media rows after a refused upload", n)
			}
			if files, _ := os.ReadDir(mediaDir); len(files) != 0 {
				t.Errorf("files left in media: %v", files)
			}
		})
	}

	served := []struct {
		name        string
		file        testrig.Upload
		ctype       string
		w, h        int
		thumb       bool
		decode      func([]byte) (image.Image, error)
		turned      bool // the JPEG is turned as its EXIF said: its red left half is now on top
		description string
	}{
		{"PNG with text and EXIF chunks", testrig.Upload{Field: "media", Name: "a.png", ContentType: "image/png", Body: testimage.PNGWithText(t, 600, 300, secret)},
			"image/png", 600, 300, true, func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }, false, "A red and blue flag"},
		{"JPEG with EXIF, turned", testrig.Upload{Field: "media", Name: "a.jpg", ContentType: "image/jpeg", Body: testimage.JPEGWithExif(t, 80, 40, secret)},
			"image/jpeg", 40, 80, false, func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }, true, ""},
	}
	for _, tt := range served {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(tt.file.Body, []byte(secret)) {
				t.Fatal("the fixture lacks its metadata")
			}
			resp, body := post(tt.file, tt.description)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("upload: %d\n%s", resp.StatusCode, body)
			}
			n, err := in.App.DB().GetNoteByURI(ctx, in.Base+resp.Header.Get("Location"))
			if err != nil || len(n.Media) != 1 {
				t.Fatalf("note with media: %v %+v", err, n)
			}
			m := n.Media[0]
			if m.MediaType != tt.ctype || m.Width != tt.w || m.Height != tt.h || m.Blurhash == "" || m.Description != tt.description {
				t.Errorf("media row %+v", m)
			}
			if (m.ThumbPath != "") != tt.thumb {
				t.Errorf("thumbnail %q, want one: %v", m.ThumbPath, tt.thumb)
			}
			resp, img := testrig.NewWebClient(t, in).Get(m.URL)
			h := resp.Header
			if resp.StatusCode != http.StatusOK || h.Get("Content-Type") != tt.ctype || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Content-Disposition") != "inline" {
				t.Errorf("served with %d %v", resp.StatusCode, h)
			}
			if strings.Contains(img, "secret-marker") || strings.Contains(img, "Exif") {
				t.Error("served image still carries the metadata")
			}
			dec, err := tt.decode([]byte(img))
			if err != nil {
				t.Fatalf("served bytes do not decode: %v", err)
			}
			if b := dec.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Errorf("served %v, want %d×%d", b, tt.w, tt.h)
			}
			red := func(x, y int) bool { r, _, b, _ := dec.At(x, y).RGBA(); return r > b }
			if !red(2, 2) || red(2, tt.h-3) != !tt.turned {
				t.Errorf("turned wrong: top-left red %v, bottom-left red %v", red(2, 2), red(2, tt.h-3))
			}
			_, notePage := c.Get(n.URL)
			if !strings.Contains(notePage, `alt="`+orDefault(tt.description, "Image without a description")+`"`) {
				t.Errorf("note page lacks the image's alt text")
			}
			if tt.thumb {
				if resp, _ := c.Get(strings.TrimSuffix(m.URL, m.Path) + m.ThumbPath); resp.StatusCode != http.StatusOK {
					t.Errorf("thumbnail: %d", resp.StatusCode)
				}
			}
		})
	}

	// Nothing but SaveUpload's files is served.
	os.WriteFile(filepath.Join(mediaDir, ".upload-123"), []byte("<html>"), 0o600)
	for _, p := range []string{"/media/.upload-123", "/media/..%2Frefuge.db", "/media/refuge.db", "/media/abc.html",
		"/media/aaaaaaaaaaaaaaaaaaaaaaaaaa.png"} {
		if resp, _ := c.Get(p); resp.StatusCode == http.StatusOK {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// TestWebFeeds: RSS and Atom feeds of an account and a tag parse and carry public posts only.
func TestWebFeeds(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice password")
	c := testrig.NewWebClient(t, in)
	c.SignIn("alice", "alice password")
	for _, p := range []struct{ content, visibility string }{
		{"public soup #cooking", "public"}, {"quiet soup #cooking", "unlisted"}, {"secret soup #cooking", "followers"}} {
		resp, body := c.PostMultipart("/web/notes", url.Values{"csrf": {c.CSRF("/compose")}, "content": {p.content},
			"visibility": {p.visibility}, "language": {"en"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("post: %d\n%s", resp.StatusCode, body)
		}
	}
	type rss struct {
		Channel struct {
			Title string `xml:"title"`
			Items []struct {
				Title       string `xml:"title"`
				Link        string `xml:"link"`
				Description string `xml:"description"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	type atom struct {
		Title   string `xml:"title"`
		Entries []struct {
			ID      string `xml:"id"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	tests := []struct {
		path, ctype string
		title       string
	}{
		{"/@alice.rss", "application/rss+xml", "alice"},
		{"/@alice.atom", "application/atom+xml", "alice"},
		{"/tags/cooking.rss", "application/rss+xml", "#cooking"},
		{"/tags/cooking.atom", "application/atom+xml", "#cooking"},
	}
	visitor := testrig.NewWebClient(t, in)
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := visitor.Get(tt.path)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			var title string
			var texts []string
			if strings.HasSuffix(tt.path, ".rss") {
				var f rss
				if err := xml.Unmarshal([]byte(body), &f); err != nil {
					t.Fatalf("RSS does not parse: %v\n%s", err, body)
				}
				title = f.Channel.Title
				for _, it := range f.Channel.Items {
					texts = append(texts, it.Description)
				}
			} else {
				var f atom
				if err := xml.Unmarshal([]byte(body), &f); err != nil {
					t.Fatalf("Atom does not parse: %v\n%s", err, body)
				}
				title = f.Title
				for _, e := range f.Entries {
					texts = append(texts, e.Content)
				}
			}
			if !strings.Contains(title, tt.title) {
				t.Errorf("title %q", title)
			}
			if len(texts) != 1 || !strings.Contains(texts[0], "public soup") {
				t.Errorf("entries %q, want the public post only", texts)
			}
		})
	}
	_, profile := visitor.Get("/@alice")
	if !strings.Contains(profile, `href="`+in.Base+`/@alice.rss"`) {
		t.Error("profile does not link its feed")
	}
	if resp, _ := visitor.Get("/@nobody.rss"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("feed of nobody: %d", resp.StatusCode)
	}
}

// TestWebFollowRequests: a locked account sees who asks, and approves or rejects them.
func TestWebFollowRequests(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice password")
	in.LocalAccount("bob", "bob password")
	in.LocalAccount("carol", "carol password")
	ctx := context.Background()
	bobActor, _ := in.App.DB().GetLocalActor(ctx, "bob")
	bobActor.Locked = true
	if _, err := in.App.Outbox().UpdateProfile(ctx, bobActor, testrig.Profile(bobActor)); err != nil {
		t.Fatal(err)
	}
	bob := testrig.NewWebClient(t, in)
	bob.SignIn("bob", "bob password")
	for _, name := range []string{"alice", "carol"} {
		c := testrig.NewWebClient(t, in)
		c.SignIn(name, name+" password")
		resp, _ := c.Post("/web/follow", url.Values{"csrf": {c.CSRF("/home")}, "actor": {bobActor.URI}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s follows bob: %d", name, resp.StatusCode)
		}
		if _, page := c.Get("/@bob"); !strings.Contains(page, "Cancel follow request") {
			t.Errorf("%s's request not shown as pending", name)
		}
	}
	_, page := bob.Get("/follow_requests")
	if strings.Count(page, "/approve") != 2 {
		t.Fatalf("follow requests page:\n%s", page)
	}
	for name, answer := range map[string]string{"alice": "approve", "carol": "reject"} {
		a, _ := in.App.DB().GetLocalActor(ctx, name)
		resp, _ := bob.Post("/web/follow_requests/"+strconv.FormatInt(a.ID, 10)+"/"+answer, url.Values{"csrf": {bob.CSRF("/home")}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s %s: %d", answer, name, resp.StatusCode)
		}
	}
	alice, _ := in.App.DB().GetLocalActor(ctx, "alice")
	carol, _ := in.App.DB().GetLocalActor(ctx, "carol")
	if f, err := in.App.DB().GetFollow(ctx, alice.ID, bobActor.ID); err != nil || !f.Accepted {
		t.Errorf("alice's follow: %+v %v", f, err)
	}
	if _, err := in.App.DB().GetFollow(ctx, carol.ID, bobActor.ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("carol's follow still there: %v", err)
	}
}

// TestWebRemote: a search for a handle on another instance finds the account, the follow
// button follows it, a search for a post URL finds the post, and remote follow sends a
// visitor to their own server.
func TestWebRemote(t *testing.T) {
	a, b := testrig.Start(t), testrig.Start(t)
	a.LocalAccount("alice", "alice password")
	bobToken, bobURI := b.Account("bob", false)
	c := testrig.NewWebClient(t, a)
	c.SignIn("alice", "alice password")

	_, page := c.Get("/search?q=" + url.QueryEscape("@bob@"+b.Cfg.Domain))
	if !strings.Contains(page, `name="actor" value="`+bobURI+`"`) {
		t.Fatalf("search result lacks the follow form:\n%s", page)
	}
	resp, _ := c.Post("/web/follow", url.Values{"csrf": {c.CSRF("/home")}, "actor": {bobURI}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("follow: %d", resp.StatusCode)
	}
	testrig.Eventually(t, 10*time.Second, "bob accepts", func() bool {
		_, page := c.Get("/search?q=" + url.QueryEscape("@bob@"+b.Cfg.Domain))
		return strings.Contains(page, ">Unfollow<")
	})
	status, body, _ := b.Do("POST", "/users/bob/outbox", bobToken, map[string]any{"type": "Note", "content": "news from bob"})
	if status != http.StatusCreated {
		t.Fatalf("bob posts: %d %s", status, body)
	}
	testrig.Eventually(t, 10*time.Second, "bob's post in alice's home", func() bool {
		_, page := c.Get("/home")
		return strings.Contains(page, "news from bob")
	})
	// The timeline links the local view of the remote post.
	_, home := c.Get("/home")
	m := regexp.MustCompile(`href="(/notes/[0-9]+)"`).FindStringSubmatch(home)
	if m == nil {
		t.Fatalf("no local link to bob's post:\n%s", home)
	}
	if resp, page := c.Get(m[1]); resp.StatusCode != http.StatusOK || !strings.Contains(page, "news from bob") {
		t.Errorf("local view of bob's post: %d", resp.StatusCode)
	}

	// A post of b found by its URL.
	var created struct{ ID string }
	status, body, _ = b.Do("POST", "/users/bob/outbox", bobToken, map[string]any{"type": "Note", "content": "found by url"})
	if status != http.StatusCreated {
		t.Fatal(status)
	}
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	noteURI := strings.TrimSuffix(created.ID, "/activity") // the outbox answers with the Create's id
	if _, page := c.Get("/search?q=" + url.QueryEscape(noteURI)); !strings.Contains(page, "found by url") {
		t.Errorf("search by post URL:\n%s", page)
	}

	// Remote follow: a visitor of b with an account on a types their handle.
	visitor := testrig.NewWebClient(t, b)
	resp, _ = visitor.Get("/authorize_follow?uri=" + url.QueryEscape(bobURI) + "&handle=" + url.QueryEscape("@alice@"+a.Cfg.Domain))
	want := a.Base + "/authorize_interaction?uri=" + url.QueryEscape(bobURI)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("remote follow: %d to %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	// And a's own template brings alice to a page that says whom she is about to follow,
	// with the follow button; a visitor is asked to sign in and brought back.
	resp, _ = c.Get(want)
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc != "/interact?uri="+url.QueryEscape(bobURI) {
		t.Fatalf("authorize_interaction: %d to %q", resp.StatusCode, loc)
	}
	if resp, page := c.Get(loc); resp.StatusCode != http.StatusOK || !strings.Contains(page, "<h1>Follow <span") ||
		!strings.Contains(page, "@bob@"+b.Cfg.Domain) || !strings.Contains(page, `name="actor" value="`+bobURI+`"`) {
		t.Errorf("the interaction page for alice: %d\n%s", resp.StatusCode, page)
	}
	stranger := testrig.NewWebClient(t, a)
	if resp, page := stranger.Get(loc); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Sign in</a> to go on") ||
		!strings.Contains(page, bobURI) || strings.Contains(page, `name="actor" value="`+bobURI+`"`) {
		t.Errorf("the interaction page for a visitor: %d\n%s", resp.StatusCode, page)
	}
	for _, h := range []string{"not a handle", "@nobody@" + a.Cfg.Domain + "x", "@ghost@127.0.0.1:1"} {
		resp, body := visitor.Get("/authorize_follow?uri=" + url.QueryEscape(bobURI) + "&handle=" + url.QueryEscape(h))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<html") {
			t.Errorf("handle %q: %d\n%s", h, resp.StatusCode, body)
		}
	}
}

// TestWebStatic: the stylesheet, the icons and the default avatar that every page links
// are served, and so is /favicon.ico, which browsers ask for without looking.
func TestWebStatic(t *testing.T) {
	in := testrig.Start(t)
	c := testrig.NewWebClient(t, in)
	_, page := c.Get("/")
	for _, icon := range []string{`<link rel="icon" href="/static/favicon.ico?v=`, `<link rel="icon" href="/static/favicon.svg?v=`} {
		if !strings.Contains(page, icon) {
			t.Errorf("the front page does not link %s", icon)
		}
	}
	if resp, ico := c.Get("/favicon.ico"); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/x-icon" ||
		!strings.HasPrefix(ico, "\x00\x00\x01\x00") {
		t.Errorf("/favicon.ico: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), ico[:min(len(ico), 8)])
	}
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(page, -1) {
		resp, _ := c.Get(strings.ReplaceAll(m[1], "&amp;", "&"))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", m[1], resp.StatusCode)
		}
	}
	resp, css := c.Get("/static/style.css")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(css, "--accent") {
		t.Errorf("style.css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestWebEditProfile: the profile form saves the name, bio, fields, the lock and a new
// avatar, re-encoded like any upload.
func TestWebEditProfile(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice password")
	c := testrig.NewWebClient(t, in)
	c.SignIn("alice", "alice password")
	avatar := testimage.PNGWithText(t, 500, 500, "secret-marker")
	resp, body := c.PostMultipart("/web/profile", url.Values{"csrf": {c.CSRF("/edit_profile")}, "display_name": {"Alice M."},
		"summary": {"Grows tomatoes."}, "locked": {"1"}, "field_name": {"Garden", "", "", ""}, "field_value": {"plot 14", "", "", ""}},
		testrig.Upload{Field: "avatar", Name: "me.png", ContentType: "image/png", Body: avatar})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/@alice" {
		t.Fatalf("save: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	a := in.LocalActor("alice")
	if a.Name != "Alice M." || !strings.Contains(a.Summary, "Grows tomatoes.") || !a.Locked ||
		len(a.Fields) != 1 || a.Fields[0].Name != "Garden" || !strings.HasPrefix(a.IconURL, in.Base+"/media/") {
		t.Fatalf("profile not saved: %+v", a)
	}
	resp, img := c.Get(a.IconURL)
	if resp.StatusCode != http.StatusOK || strings.Contains(img, "secret-marker") {
		t.Errorf("avatar: %d, metadata kept: %v", resp.StatusCode, strings.Contains(img, "secret-marker"))
	}
	_, page := c.Get("/@alice")
	for _, want := range []string{"Alice M.", "Grows tomatoes.", "plot 14", `src="` + a.IconURL + `"`, "Approves followers", "Your profile is saved."} {
		if !strings.Contains(page, want) {
			t.Errorf("profile page lacks %q", want)
		}
	}
	// A bad avatar changes nothing.
	resp, _ = c.PostMultipart("/web/profile", url.Values{"csrf": {c.CSRF("/edit_profile")}, "display_name": {"Mallory"}},
		testrig.Upload{Field: "avatar", Name: "me.png", ContentType: "image/png", Body: []byte("<html>")})
	if resp.StatusCode != http.StatusBadRequest || in.LocalActor("alice").Name != "Alice M." {
		t.Errorf("bad avatar: %d", resp.StatusCode)
	}
	// The form shows the avatar there is, and takes it away when asked.
	if _, form := c.Get("/edit_profile"); !strings.Contains(form, `class="current-avatar" src="`+a.IconURL+`"`) ||
		!strings.Contains(form, `name="remove_avatar"`) || strings.Contains(form, `name="remove_header"`) {
		t.Errorf("the form does not show the avatar to remove:\n%s", form)
	}
	resp, _ = c.PostMultipart("/web/profile", url.Values{"csrf": {c.CSRF("/edit_profile")}, "display_name": {"Alice M."},
		"summary": {"Grows tomatoes."}, "locked": {"1"}, "field_name": {"Garden"}, "field_value": {"plot 14"}, "remove_avatar": {"1"}})
	if a := in.LocalActor("alice"); resp.StatusCode != http.StatusSeeOther || a.IconURL != "" || a.Name != "Alice M." {
		t.Errorf("remove the avatar: %d, %+v", resp.StatusCode, a)
	}
	if _, form := c.Get("/edit_profile"); !strings.Contains(form, `class="current-avatar" src="/static/avatar.svg`) || strings.Contains(form, `name="remove_avatar"`) {
		t.Errorf("after removing, the form:\n%s", form)
	}
}

// tamper changes one character in the middle of a masked token, keeping it base64.
func tamper(token string) string {
	b := []byte(token)
	if i := len(b) / 2; b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestWebErrorPage: an error page states the error as a sentence and offers ways on: back
// to the page of this instance the reader came from (never to another site), sign-in to a
// visitor refused, the home timeline to someone signed in.
func TestWebErrorPage(t *testing.T) {
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice password")
	visitor := testrig.NewWebClient(t, in)
	get := func(c *testrig.WebClient, path, referer string) (int, string) {
		t.Helper()
		req, err := http.NewRequest("GET", in.Base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if referer != "" {
			req.Header.Set("Referer", referer)
		}
		resp, body := c.Do(req)
		return resp.StatusCode, body
	}
	code, body := get(visitor, "/@nobody", in.Base+"/@alice?max_id=5")
	if code != http.StatusNotFound || !strings.Contains(body, `href="/@alice?max_id=5">Back to the page you came from`) ||
		!strings.Contains(body, `href="/">The front page`) {
		t.Errorf("404 from a page here: %d\n%s", code, body)
	}
	if m := regexp.MustCompile(`<p dir="auto">(.)`).FindStringSubmatch(body); m == nil || strings.ToUpper(m[1]) != m[1] {
		t.Errorf("the message does not start with a capital: %v", m)
	}
	if _, body := get(visitor, "/@nobody", "https://elsewhere.example/page"); strings.Contains(body, "Back to the page") {
		t.Errorf("a link back to another site:\n%s", body)
	}
	signed := testrig.NewWebClient(t, in)
	signed.SignIn("alice", "alice password")
	if _, body := get(signed, "/@nobody", ""); !strings.Contains(body, `href="/home">Your home timeline`) || strings.Contains(body, "Back to the page") {
		t.Errorf("404 for alice:\n%s", body)
	}
}
