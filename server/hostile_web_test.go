package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/internal/testrig/testimage"
	"refuge/outbox/media"
	"refuge/server/httpx"
	"refuge/server/web"
)

// webSession is a signed-in browser: its session cookie and the CSRF token its pages carry.
type webSession struct{ cookie, csrf string }

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// maskedToken is token in the masked form forms carry (see web.maskToken), with a pad of
// zeros: what a page would have carried for a sign-in cookie of the test's choosing.
func maskedToken(token string) string {
	return base64.RawURLEncoding.EncodeToString(append(make([]byte, len(token)), token...))
}

// webSignIn signs name in through the sign-in form and reads the CSRF token of its pages.
func webSignIn(t *testing.T, in *testrig.Instance, name string) webSession {
	t.Helper()
	got, cookie := trySignIn(t, in, name)
	s := webSession{cookie: cookie}
	if got.Status != http.StatusSeeOther || s.cookie == "" {
		t.Fatalf("sign in %s: %d, no session", name, got.Status)
	}
	page := getPage(t, in, "/compose", s.cookie)
	m := csrfField.FindStringSubmatch(string(page.Body))
	if page.Status != 200 || m == nil {
		t.Fatalf("compose page of %s: %d, CSRF token found: %v", name, page.Status, m != nil)
	}
	s.csrf = html.UnescapeString(m[1])
	return s
}

// trySignIn posts name's right password to the sign-in form: the answer, and the session
// cookie it set ("" when none).
func trySignIn(t *testing.T, in *testrig.Instance, name string) (peer.Answer, string) {
	t.Helper()
	form := url.Values{"username": {name}, "password": {"password-" + name}, "csrf": {maskedToken("signin-token")}}
	req, _ := http.NewRequest(http.MethodPost, in.Base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: web.SigninCookie, Value: "signin-token"})
	got := peer.Send(t, req)
	for _, c := range (&http.Response{Header: got.Header}).Cookies() {
		if c.Name == httpx.SessionCookie {
			return got, c.Value
		}
	}
	return got, ""
}

// getPage GETs path as a browser, with the session cookie when not "".
func getPage(t *testing.T, in *testrig.Instance, path, cookie string) peer.Answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, in.Base+path, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: cookie})
	}
	return peer.Send(t, req)
}

// formPost POSTs a form with a session cookie (and origin, when not ""); with files, as a
// multipart form.
func formPost(t *testing.T, in *testrig.Instance, path, cookie, origin string, fields url.Values, files ...testrig.Upload) peer.Answer {
	t.Helper()
	body, contentType := []byte(fields.Encode()), "application/x-www-form-urlencoded"
	if len(files) > 0 {
		body, contentType = testrig.Multipart(t, fields, files...)
	}
	req, _ := http.NewRequest(http.MethodPost, in.Base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: cookie})
	}
	return peer.Send(t, req)
}

// checkInertPage fails when a page could run anything a remote server put in it: a script or
// style element, an event handler, a javascript: URL, or markup from the payload left raw.
func checkInertPage(t *testing.T, got peer.Answer) {
	t.Helper()
	if csp := got.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	doc, err := html.Parse(bytes.NewReader(got.Body))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "iframe", "object", "embed", "svg", "base":
				t.Errorf("the page has a <%s> element", n.Data)
			}
			for _, a := range n.Attr {
				val := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "style" {
					t.Errorf("the page has a %s attribute on <%s>", a.Key, n.Data)
				}
				if strings.Contains(val, "javascript:") || strings.Contains(val, "data:text") {
					t.Errorf("the page has a script URL in <%s %s=%q>", n.Data, a.Key, a.Val)
				}
				if (a.Key == "href" || a.Key == "src") && strings.HasPrefix(val, "https:/") && !strings.HasPrefix(val, "https://") {
					t.Errorf("the page has a host-less link %q", a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !bytes.Contains(got.Body, []byte("visible words")) {
		t.Errorf("the remote note's text is not on the page")
	}
}

// mediaFiles lists the files in the instance's media folder.
func mediaFiles(t *testing.T, in *testrig.Instance) []string {
	t.Helper()
	entries, err := os.ReadDir(media.Dir(in.Cfg.Data))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// fromAddress is a client whose connections come from the loopback address ip, so the
// instance sees another client address.
func fromAddress(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: peer.Client.Timeout,
		CheckRedirect: peer.Client.CheckRedirect}
}

// badSignIn tries name with a wrong password from the client and returns the answer.
func badSignIn(t *testing.T, in *testrig.Instance, c *http.Client, name string) peer.Answer {
	t.Helper()
	form := url.Values{"username": {name}, "password": {"not-the-password"}, "csrf": {maskedToken("tok")}}
	req, _ := http.NewRequest(http.MethodPost, in.Base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: web.SigninCookie, Value: "tok"})
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	return peer.Answer{Status: resp.StatusCode, Reason: peer.ReasonOf(body.Bytes()), Header: resp.Header, Body: body.Bytes()}
}

// TestHostileWeb: the web interface refuses forged forms, keeps sessions and tokens to their
// own account, renders remote content inert, never takes or serves an upload that is not an
// image, and slows down guessing of passwords.
func TestHostileWeb(t *testing.T) {
	t.Parallel()
	k1, _ := peer.Keys()
	in := testrig.Start(t)
	ctx := context.Background()
	aliceToken, alice := in.Account("alice", false)
	malToken, _ := in.Account("mal", false)
	aliceNoteURI := in.PostNote("alice", aliceToken, map[string]any{"content": "alice's post", "to": "https://www.w3.org/ns/activitystreams#Public"})
	aliceNote, err := in.App.DB().GetNoteByURI(ctx, aliceNoteURI)
	if err != nil {
		t.Fatal(err)
	}
	aliceWeb, malWeb := webSignIn(t, in, "alice"), webSignIn(t, in, "mal")

	// A remote actor whose name, bio and post carry everything a browser could run.
	p := peer.New(t, "127.0.0.1:0", "")
	eve := p.Actor("eve", k1)
	doc := peer.ActorDoc(eve.URI, "eve", eve.KeyID, eve.URI, peer.PublicPEM(k1))
	doc["name"] = `Eve<script>alert("name")</script><img src=x onerror=alert(1)>`
	doc["summary"] = `<p onclick="alert(2)">bio</p><script>alert(3)</script><a href="javascript:alert(4)">me</a>`
	doc["icon"] = map[string]any{"type": "Image", "url": "javascript:alert(5)"}
	p.Doc("/users/eve", doc)
	hostile := eve.Note(`<p>visible words <script>alert(6)</script><style>body{display:none}</style>`+
		`<a href="javascript:alert(7)" onmouseover="alert(8)">click</a> <a href="https:/web/signout">here</a> `+
		`<img src=x onerror=alert(9)><iframe src="https://evil.example/"></iframe><svg onload=alert(10)></svg>`+
		`<a href="https://ok.example/" style="position:fixed;top:0">ok</a></p>`, "https://www.w3.org/ns/activitystreams#Public")
	hostile["cc"] = []string{alice}
	hostile["summary"] = `<b onclick="alert(11)">cw</b><script>alert(12)</script>`
	hostile["attachment"] = []any{map[string]any{"type": "Document", "mediaType": "image/png", "url": "javascript:alert(13)",
		"name": `<script>alert(14)</script>`}}
	hostile["tag"] = []any{map[string]any{"type": "Hashtag", "name": `#x"><script>alert(15)</script>`, "href": "javascript:alert(16)"}}
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Create", hostile, "to", hostile["to"], "cc", hostile["cc"]))
	stored, err := in.App.DB().GetNoteByURI(ctx, hostile["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	// A real image, uploaded through the form.
	if got := formPost(t, in, "/web/notes", aliceWeb.cookie, "", url.Values{"content": {"a picture"}, "csrf": {aliceWeb.csrf},
		"visibility": {"public"}}, testrig.Upload{Field: "media_1", Name: "dot.png", ContentType: "image/png",
		Body: testimage.PNG(t, image.NewRGBA(image.Rect(0, 0, 3, 2)))}); got.Status != http.StatusSeeOther {
		t.Fatalf("upload of a real image: %v", got)
	}
	var uploaded string
	for _, f := range mediaFiles(t, in) {
		if media.FileName.MatchString(f) && !strings.Contains(f, "-thumb") {
			uploaded = f
		}
	}
	if uploaded == "" {
		t.Fatalf("no uploaded file in %v", mediaFiles(t, in))
	}

	noteForm := func(s webSession, csrf, origin string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			return formPost(t, in, "/web/notes", s.cookie, origin, url.Values{"content": {"forged"}, "csrf": {csrf}})
		}
	}
	// Her password is what a forged deletion would need besides: given here, so that only
	// the session and its CSRF token stand in the way.
	deleteForm := func(s webSession, csrf, origin string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			return formPost(t, in, "/web/delete_account", s.cookie, origin, url.Values{"current_password": {"password-alice"}, "csrf": {csrf}})
		}
	}
	editForm := func(s webSession, csrf, origin string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			return formPost(t, in, "/web/notes/"+strconv.FormatInt(aliceNote.ID, 10)+"/edit", s.cookie, origin,
				url.Values{"content": {"forged"}, "csrf": {csrf}})
		}
	}
	aliceNoteKept := func(t *testing.T, _ peer.Answer) {
		if n, err := in.App.DB().GetNoteByURI(ctx, aliceNoteURI); err != nil || strings.Contains(n.Content, "forged") {
			t.Errorf("alice's note was changed: %v", err)
		}
	}
	aliceLives := func(t *testing.T, _ peer.Answer) {
		if !in.LocalActor("alice").DeletedAt.IsZero() {
			t.Fatal("alice's account was deleted")
		}
	}
	upload := func(name, contentType, content string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			return formPost(t, in, "/web/notes", aliceWeb.cookie, "", url.Values{"content": {"see this"}, "csrf": {aliceWeb.csrf}},
				testrig.Upload{Field: "media_1", Name: name, ContentType: contentType, Body: []byte(content)})
		}
	}
	noMediaFiles := func(t *testing.T, _ peer.Answer) {
		if files := mediaFiles(t, in); len(files) != 1 && len(files) != 2 { // the real upload (and its thumbnail)
			t.Errorf("media folder holds %v", files)
		}
	}
	get := func(path string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer { return getPage(t, in, path, "") }
	}
	actorJSON := string(mustJSON(t, peer.ActorDoc(in.Base+"/users/alice", "alice", in.Base+"/users/alice#main-key", in.Base+"/users/alice", peer.PublicPEM(k1))))
	outboxNote := map[string]any{"type": "Note", "content": "forged", "to": "https://www.w3.org/ns/activitystreams#Public"}

	rows := []hostileCase{
		{name: "form post without CSRF token", send: noteForm(aliceWeb, "", ""), status: 403, reason: "no CSRF token"},
		{name: "form post with another session's CSRF token", send: noteForm(aliceWeb, malWeb.csrf, ""), status: 403, reason: "CSRF token is wrong"},
		{name: "form post from another site", send: noteForm(aliceWeb, aliceWeb.csrf, "http://evil.example"), status: 403, reason: "from another site"},
		{name: "forged session cookie", send: noteForm(webSession{cookie: "made-up"}, aliceWeb.csrf, ""), status: 401, reason: "sign in first"},
		{name: "session cookie of another account deleting alice's post", send: func(t *testing.T) peer.Answer {
			return formPost(t, in, "/web/notes/"+strconv.FormatInt(aliceNote.ID, 10)+"/delete", malWeb.cookie, "",
				url.Values{"csrf": {malWeb.csrf}})
		}, status: 403, reason: "not yours", check: func(t *testing.T, _ peer.Answer) {
			if n, err := in.App.DB().GetNoteByURI(ctx, aliceNoteURI); err != nil || n.Deleted() {
				t.Errorf("alice's note was deleted: %v", err)
			}
		}},
		{name: "session cookie of another account editing alice's post", send: editForm(malWeb, malWeb.csrf, ""),
			status: 404, reason: "not found", check: aliceNoteKept},
		{name: "edit alice's post with another session's CSRF token", send: editForm(aliceWeb, malWeb.csrf, ""),
			status: 403, reason: "CSRF token is wrong", check: aliceNoteKept},
		{name: "edit alice's post from another site", send: editForm(aliceWeb, aliceWeb.csrf, "http://evil.example"),
			status: 403, reason: "from another site", check: aliceNoteKept},
		{name: "edit alice's post without a CSRF token", send: editForm(aliceWeb, "", ""),
			status: 403, reason: "no CSRF token", check: aliceNoteKept},
		{name: "session cookie of another account with alice's CSRF token", send: noteForm(malWeb, aliceWeb.csrf, ""),
			status: 403, reason: "CSRF token is wrong"},
		{name: "delete alice's account with her password but another session's CSRF token", send: deleteForm(aliceWeb, malWeb.csrf, ""),
			status: 403, reason: "CSRF token is wrong", check: aliceLives},
		{name: "delete alice's account from another site", send: deleteForm(aliceWeb, aliceWeb.csrf, "http://evil.example"),
			status: 403, reason: "from another site", check: aliceLives},
		{name: "delete alice's account without a CSRF token", send: deleteForm(aliceWeb, "", ""),
			status: 403, reason: "no CSRF token", check: aliceLives},
		{name: "delete an account without a session", send: deleteForm(webSession{}, aliceWeb.csrf, ""),
			status: 401, reason: "sign in first", check: aliceLives},
		{name: "remote script, style, javascript: links and handlers on the note page",
			send: get("/notes/" + strconv.FormatInt(stored.ID, 10)), status: 200, check: func(t *testing.T, got peer.Answer) { checkInertPage(t, got) }},
		{name: "the same in the home timeline", send: func(t *testing.T) peer.Answer { return getPage(t, in, "/home", aliceWeb.cookie) },
			status: 200, check: func(t *testing.T, got peer.Answer) { checkInertPage(t, got) }},
		{name: "HTML uploaded as an image", send: upload("cat.png", "image/png", `<html><script>alert(1)</script></html>`),
			status: 400, reason: "not an image", check: noMediaFiles},
		{name: "an actor document uploaded as an image", send: upload("actor.jpg", "image/jpeg", actorJSON),
			status: 400, reason: "not an image", check: noMediaFiles},
		{name: "a PNG signature followed by HTML", send: upload("poly.png", "image/png", "\x89PNG\r\n\x1a\n<html><script>alert(1)</script>"),
			status: 400, reason: "not an image", check: noMediaFiles},
		{name: "SVG with a script uploaded as an image", send: upload("x.svg", "image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`),
			status: 400, reason: "not an image", check: noMediaFiles},
		{name: "an uploaded image is served only as an image", send: get("/media/" + uploaded), status: 200,
			check: func(t *testing.T, got peer.Answer) {
				h := got.Header
				if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
					!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || !bytes.HasPrefix(got.Body, []byte("\x89PNG")) {
					t.Errorf("served with %v", h)
				}
			}},
		{name: "a media path that is no upload", send: get("/media/refuge.db"), status: 404},
		{name: "a media path climbing out of the folder", send: func(t *testing.T) peer.Answer {
			resp, err := http.Get(in.Base + "/media/..%2Frefuge.db") // follows the router's cleaning redirect
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return peer.Answer{Status: resp.StatusCode, Header: resp.Header}
		}, status: 404},
		{name: "a media path with an HTML name", send: get("/media/" + strings.TrimSuffix(uploaded, ".png") + ".html"), status: 404},
		{name: "brute-force sign-in from one address", send: func(t *testing.T) peer.Answer {
			var got peer.Answer
			for i := 0; i < 12; i++ {
				if got = badSignIn(t, in, peer.Client, "alice"); got.Status != http.StatusUnauthorized {
					break
				}
			}
			return got
		}, status: 429, reason: "too many sign-in attempts from your address"},
		{name: "brute-force of one account from many addresses", send: func(t *testing.T) peer.Answer {
			var got peer.Answer
			for i := 3; i < 16; i++ {
				if got = badSignIn(t, in, fromAddress("127.0.0."+strconv.Itoa(i)), "mal"); got.Status != http.StatusUnauthorized {
					break
				}
			}
			return got
		}, status: 429, reason: "too many sign-in attempts for this account"},
		{name: "outbox POST with another account's token", send: func(t *testing.T) peer.Answer {
			return hostileDo(t, in, "POST", "/users/alice/outbox", malToken, outboxNote)
		}, status: 403, reason: "not your outbox"},
		{name: "outbox POST with a made-up token", send: func(t *testing.T) peer.Answer {
			return hostileDo(t, in, "POST", "/users/alice/outbox", "made-up", outboxNote)
		}, status: 401, reason: "The access token is invalid"},
		{name: "outbox POST with a session cookie instead of a token", send: func(t *testing.T) peer.Answer {
			req, _ := http.NewRequest(http.MethodPost, in.Base+"/users/alice/outbox", bytes.NewReader(mustJSON(t, outboxNote)))
			req.Header.Set("Content-Type", httpx.ActivityJSON)
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: aliceWeb.cookie})
			return peer.Send(t, req)
		}, status: 401, reason: "a bearer token is required"},
		{name: "home feed read with another account's token", send: func(t *testing.T) peer.Answer {
			return hostileDo(t, in, "GET", "/users/alice/inbox", malToken, nil)
		}, status: 403, reason: "not your inbox"},
	}
	runHostile(t, in, rows)
}
