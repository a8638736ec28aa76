package server

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"refuge/outbox/media"
	"refuge/server/httpx"
	"refuge/server/web"
)

// webSession is a signed-in browser: its session cookie and the CSRF token its pages carry.
type webSession struct{ cookie, csrf string }

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs name in through the sign-in form and reads the CSRF token of its pages.
func (in *instance) signIn(t *testing.T, name string) webSession {
	t.Helper()
	form := url.Values{"username": {name}, "password": {"password-" + name}, "csrf": {"signin-token"}}
	req, _ := http.NewRequest(http.MethodPost, in.base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: web.SigninCookie, Value: "signin-token"})
	resp, err := hostileClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var s webSession
	for _, c := range resp.Cookies() {
		if c.Name == httpx.SessionCookie {
			s.cookie = c.Value
		}
	}
	if resp.StatusCode != http.StatusSeeOther || s.cookie == "" {
		t.Fatalf("sign in %s: %d, no session", name, resp.StatusCode)
	}
	page := in.page(t, "/compose", s.cookie)
	m := csrfField.FindStringSubmatch(string(page.body))
	if page.status != 200 || m == nil {
		t.Fatalf("compose page of %s: %d, CSRF token found: %v", name, page.status, m != nil)
	}
	s.csrf = html.UnescapeString(m[1])
	return s
}

// page GETs path as a browser, with the session cookie when not "".
func (in *instance) page(t *testing.T, path, cookie string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, in.base+path, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: cookie})
	}
	return send1(t, req)
}

// formPost POSTs a form with a session cookie (and origin, when not ""); files are
// multipart parts: field → {filename, content type, bytes}.
func (in *instance) formPost(t *testing.T, path, cookie, origin string, fields url.Values, files map[string][3]string) answer {
	t.Helper()
	var body bytes.Buffer
	contentType := "application/x-www-form-urlencoded"
	if files == nil {
		body.WriteString(fields.Encode())
	} else {
		mw := multipart.NewWriter(&body)
		for k, vs := range fields {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		for field, f := range files {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, f[0]))
			h.Set("Content-Type", f[1])
			w, _ := mw.CreatePart(h)
			w.Write([]byte(f[2]))
		}
		mw.Close()
		contentType = mw.FormDataContentType()
	}
	req, _ := http.NewRequest(http.MethodPost, in.base+path, &body)
	req.Header.Set("Content-Type", contentType)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: cookie})
	}
	return send1(t, req)
}

// checkInertPage fails when a page could run anything a remote server put in it: a script or
// style element, an event handler, a javascript: URL, or markup from the payload left raw.
func checkInertPage(t *testing.T, got answer) {
	t.Helper()
	if csp := got.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	doc, err := html.Parse(bytes.NewReader(got.body))
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
	if !bytes.Contains(got.body, []byte("visible words")) {
		t.Errorf("the remote note's text is not on the page")
	}
}

// pngBytes is a small real PNG.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mediaFiles lists the files in the instance's media folder.
func (in *instance) mediaFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(media.Dir(in.cfg.Data))
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
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: hostileClient.Timeout,
		CheckRedirect: hostileClient.CheckRedirect}
}

// badSignIn tries name with a wrong password from the client and returns the answer.
func (in *instance) badSignIn(t *testing.T, c *http.Client, name string) answer {
	t.Helper()
	form := url.Values{"username": {name}, "password": {"not-the-password"}, "csrf": {"tok"}}
	req, _ := http.NewRequest(http.MethodPost, in.base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: web.SigninCookie, Value: "tok"})
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	return answer{status: resp.StatusCode, reason: reasonOf(body.Bytes()), header: resp.Header, body: body.Bytes()}
}

// TestHostileWeb: the web interface refuses forged forms, keeps sessions and tokens to their
// own account, renders remote content inert, never takes or serves an upload that is not an
// image, and slows down guessing of passwords.
func TestHostileWeb(t *testing.T) {
	t.Parallel()
	k1, _ := hostileKeys()
	in := startInstance(t)
	ctx := context.Background()
	aliceToken, alice := in.account("alice", false)
	malToken, _ := in.account("mal", false)
	aliceNoteURI := in.postNote("alice", aliceToken, map[string]any{"content": "alice's post", "to": "https://www.w3.org/ns/activitystreams#Public"})
	aliceNote, err := in.app.db.GetNoteByURI(ctx, aliceNoteURI)
	if err != nil {
		t.Fatal(err)
	}
	aliceWeb, malWeb := in.signIn(t, "alice"), in.signIn(t, "mal")

	// A remote actor whose name, bio and post carry everything a browser could run.
	p := newPeer(t, "127.0.0.1:0", "")
	eve := p.actor("eve", k1)
	doc := actorDoc(eve.uri, "eve", eve.keyID, eve.uri, publicPEM(k1))
	doc["name"] = `Eve<script>alert("name")</script><img src=x onerror=alert(1)>`
	doc["summary"] = `<p onclick="alert(2)">bio</p><script>alert(3)</script><a href="javascript:alert(4)">me</a>`
	doc["icon"] = map[string]any{"type": "Image", "url": "javascript:alert(5)"}
	p.doc("/users/eve", doc)
	hostile := eve.note(`<p>visible words <script>alert(6)</script><style>body{display:none}</style>`+
		`<a href="javascript:alert(7)" onmouseover="alert(8)">click</a> <a href="https:/web/signout">here</a> `+
		`<img src=x onerror=alert(9)><iframe src="https://evil.example/"></iframe><svg onload=alert(10)></svg>`+
		`<a href="https://ok.example/" style="position:fixed;top:0">ok</a></p>`, "https://www.w3.org/ns/activitystreams#Public")
	hostile["cc"] = []string{alice}
	hostile["summary"] = `<b onclick="alert(11)">cw</b><script>alert(12)</script>`
	hostile["attachment"] = []any{map[string]any{"type": "Document", "mediaType": "image/png", "url": "javascript:alert(13)",
		"name": `<script>alert(14)</script>`}}
	hostile["tag"] = []any{map[string]any{"type": "Hashtag", "name": `#x"><script>alert(15)</script>`, "href": "javascript:alert(16)"}}
	eve.deliver(t, in, eve.activity("Create", hostile, "to", hostile["to"], "cc", hostile["cc"]))
	stored, err := in.app.db.GetNoteByURI(ctx, hostile["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	// A real image, uploaded through the form.
	if got := in.formPost(t, "/web/notes", aliceWeb.cookie, "", url.Values{"content": {"a picture"}, "csrf": {aliceWeb.csrf},
		"visibility": {"public"}}, map[string][3]string{"media_1": {"dot.png", "image/png", string(pngBytes(t))}}); got.status != http.StatusSeeOther {
		t.Fatalf("upload of a real image: %v", got)
	}
	var uploaded string
	for _, f := range in.mediaFiles(t) {
		if media.FileName.MatchString(f) && !strings.Contains(f, "-thumb") {
			uploaded = f
		}
	}
	if uploaded == "" {
		t.Fatalf("no uploaded file in %v", in.mediaFiles(t))
	}

	noteForm := func(s webSession, csrf, origin string) func(t *testing.T) answer {
		return func(t *testing.T) answer {
			return in.formPost(t, "/web/notes", s.cookie, origin, url.Values{"content": {"forged"}, "csrf": {csrf}}, nil)
		}
	}
	upload := func(name, contentType, content string) func(t *testing.T) answer {
		return func(t *testing.T) answer {
			return in.formPost(t, "/web/notes", aliceWeb.cookie, "", url.Values{"content": {"see this"}, "csrf": {aliceWeb.csrf}},
				map[string][3]string{"media_1": {name, contentType, content}})
		}
	}
	noMediaFiles := func(t *testing.T, _ answer) {
		if files := in.mediaFiles(t); len(files) != 1 && len(files) != 2 { // the real upload (and its thumbnail)
			t.Errorf("media folder holds %v", files)
		}
	}
	get := func(path string) func(t *testing.T) answer {
		return func(t *testing.T) answer { return in.page(t, path, "") }
	}
	actorJSON := string(mustJSON(t, actorDoc(in.base+"/users/alice", "alice", in.base+"/users/alice#main-key", in.base+"/users/alice", publicPEM(k1))))
	outboxNote := map[string]any{"type": "Note", "content": "forged", "to": "https://www.w3.org/ns/activitystreams#Public"}

	rows := []hostileCase{
		{name: "form post without CSRF token", send: noteForm(aliceWeb, "", ""), status: 403, reason: "no CSRF token"},
		{name: "form post with another session's CSRF token", send: noteForm(aliceWeb, malWeb.csrf, ""), status: 403, reason: "CSRF token is wrong"},
		{name: "form post from another site", send: noteForm(aliceWeb, aliceWeb.csrf, "http://evil.example"), status: 403, reason: "from another site"},
		{name: "forged session cookie", send: noteForm(webSession{cookie: "made-up"}, aliceWeb.csrf, ""), status: 401, reason: "sign in first"},
		{name: "session cookie of another account deleting alice's post", send: func(t *testing.T) answer {
			return in.formPost(t, "/web/notes/"+strconv.FormatInt(aliceNote.ID, 10)+"/delete", malWeb.cookie, "",
				url.Values{"csrf": {malWeb.csrf}}, nil)
		}, status: 403, reason: "not yours", check: func(t *testing.T, _ answer) {
			if n, err := in.app.db.GetNoteByURI(ctx, aliceNoteURI); err != nil || n.Deleted() {
				t.Errorf("alice's note was deleted: %v", err)
			}
		}},
		{name: "session cookie of another account with alice's CSRF token", send: noteForm(malWeb, aliceWeb.csrf, ""),
			status: 403, reason: "CSRF token is wrong"},
		{name: "remote script, style, javascript: links and handlers on the note page",
			send: get("/notes/" + strconv.FormatInt(stored.ID, 10)), status: 200, check: func(t *testing.T, got answer) { checkInertPage(t, got) }},
		{name: "the same in the home timeline", send: func(t *testing.T) answer { return in.page(t, "/home", aliceWeb.cookie) },
			status: 200, check: func(t *testing.T, got answer) { checkInertPage(t, got) }},
		{name: "HTML uploaded as an image", send: upload("cat.png", "image/png", `<html><script>alert(1)</script></html>`),
			status: 400, reason: "not an image", check: noMediaFiles},
		{name: "an actor document uploaded as an image", send: upload("actor.jpg", "image/jpeg", actorJSON),
			status: 400, reason: "not an image", check: noMediaFiles},
		{name: "a PNG signature followed by HTML", send: upload("poly.png", "image/png", "\x89PNG\r\n\x1a\n<html><script>alert(1)</script>"),
			status: 400, reason: "not an image", check: noMediaFiles},
		{name: "SVG with a script uploaded as an image", send: upload("x.svg", "image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`),
			status: 400, reason: "not an image", check: noMediaFiles},
		{name: "an uploaded image is served only as an image", send: get("/media/" + uploaded), status: 200,
			check: func(t *testing.T, got answer) {
				h := got.header
				if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
					!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || !bytes.HasPrefix(got.body, []byte("\x89PNG")) {
					t.Errorf("served with %v", h)
				}
			}},
		{name: "a media path that is no upload", send: get("/media/refuge.db"), status: 404},
		{name: "a media path climbing out of the folder", send: func(t *testing.T) answer {
			resp, err := http.Get(in.base + "/media/..%2Frefuge.db") // follows the router's cleaning redirect
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return answer{status: resp.StatusCode, header: resp.Header}
		}, status: 404},
		{name: "a media path with an HTML name", send: get("/media/" + strings.TrimSuffix(uploaded, ".png") + ".html"), status: 404},
		{name: "brute-force sign-in from one address", send: func(t *testing.T) answer {
			var got answer
			for i := 0; i < 12; i++ {
				if got = in.badSignIn(t, hostileClient, "alice"); got.status != http.StatusUnauthorized {
					break
				}
			}
			return got
		}, status: 429, reason: "too many sign-in attempts from your address"},
		{name: "brute-force of one account from many addresses", send: func(t *testing.T) answer {
			var got answer
			for i := 3; i < 16; i++ {
				if got = in.badSignIn(t, fromAddress("127.0.0."+strconv.Itoa(i)), "mal"); got.status != http.StatusUnauthorized {
					break
				}
			}
			return got
		}, status: 429, reason: "too many sign-in attempts for this account"},
		{name: "outbox POST with another account's token", send: func(t *testing.T) answer {
			return in.hostileDo(t, "POST", "/users/alice/outbox", malToken, outboxNote)
		}, status: 403, reason: "not your outbox"},
		{name: "outbox POST with a made-up token", send: func(t *testing.T) answer {
			return in.hostileDo(t, "POST", "/users/alice/outbox", "made-up", outboxNote)
		}, status: 401, reason: "invalid or expired token"},
		{name: "outbox POST with a session cookie instead of a token", send: func(t *testing.T) answer {
			req, _ := http.NewRequest(http.MethodPost, in.base+"/users/alice/outbox", bytes.NewReader(mustJSON(t, outboxNote)))
			req.Header.Set("Content-Type", httpx.ActivityJSON)
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: aliceWeb.cookie})
			return send1(t, req)
		}, status: 401, reason: "a bearer token is required"},
		{name: "home feed read with another account's token", send: func(t *testing.T) answer {
			return in.hostileDo(t, "GET", "/users/alice/inbox", malToken, nil)
		}, status: 403, reason: "not your inbox"},
	}
	runHostile(t, in, rows)
}
