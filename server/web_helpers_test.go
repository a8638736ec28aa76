package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"refuge/storage"
)

// webClient is a browser stand-in for HTTP tests: it keeps cookies, asks for HTML, does
// not follow redirects (tests look at them), and may connect from another loopback
// address so that per-address limits can be told apart.
type webClient struct {
	t  *testing.T
	in *instance
	c  *http.Client
}

func newWebClient(t *testing.T, in *instance) *webClient {
	return newWebClientFrom(t, in, "")
}

// newWebClientFrom connects from the loopback address from (such as 127.0.0.2), or any.
func newWebClientFrom(t *testing.T, in *instance, from string) *webClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		tr.DialContext = d.DialContext
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &webClient{t: t, in: in, c: &http.Client{Jar: jar, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *webClient) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return c.in.base + path
}

// do sends req as a browser would and returns the answer with its body read.
func (c *webClient) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(body)
}

func (c *webClient) get(path string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.url(path), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a urlencoded form, with the headers given (Referer, Origin, ...).
func (c *webClient) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.url(path), strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// upload is a file field of a multipart form.
type upload struct {
	field, name, ctype string
	body               []byte
}

// postMultipart sends a multipart form with files, as the compose and profile forms do.
func (c *webClient) postMultipart(path string, form url.Values, files ...upload) (*http.Response, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+f.field+`"; filename="`+f.name+`"`)
		h.Set("Content-Type", f.ctype)
		w, err := mw.CreatePart(h)
		if err != nil {
			c.t.Fatal(err)
		}
		w.Write(f.body)
	}
	mw.Close()
	req, err := http.NewRequest("POST", c.url(path), &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token in the forms of the page at path.
func (c *webClient) csrf(path string) string {
	c.t.Helper()
	resp, body := c.get(path)
	m := csrfInput.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		c.t.Fatalf("GET %s: %d, no csrf input in:\n%s", path, resp.StatusCode, body)
	}
	return m[1]
}

// signIn signs in through the form and fails the test unless it works.
func (c *webClient) signIn(user, password string) {
	c.t.Helper()
	resp, body := c.trySignIn(user, password, "")
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: %d\n%s", user, resp.StatusCode, body)
	}
}

// trySignIn loads the form (for its token) and posts it.
func (c *webClient) trySignIn(user, password, next string) (*http.Response, string) {
	c.t.Helper()
	path := "/signin"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	token := c.csrf(path)
	return c.post(path, url.Values{"username": {user}, "password": {password}, "csrf": {token}})
}

// cookie returns the named cookie of an answer's Set-Cookie headers.
func cookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// localAccount creates a local account with a known password.
func (in *instance) localAccount(name, password string) {
	in.t.Helper()
	if _, err := in.app.svc.CreateAccount(context.Background(), name, password, false); err != nil {
		in.t.Fatalf("create %s: %v", name, err)
	}
}

// testImage is a w×h picture: red on the left half, blue on the right, so that a rotation
// shows.
func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{200, 30, 30, 255}
			if x >= w/2 {
				c = color.RGBA{30, 30, 200, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// pngWithText is a PNG carrying metadata: a tEXt chunk and an eXIf chunk with text in it.
func pngWithText(t *testing.T, w, h int, secret string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	chunk := func(typ string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		out = append(out, typ...)
		out = append(out, data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdrEnd := 8 + 4 + 4 + 13 + 4 // signature, then IHDR's length, type, data, crc
	var out []byte
	out = append(out, b[:ihdrEnd]...)
	out = append(out, chunk("tEXt", []byte("Comment\x00"+secret))...)
	out = append(out, chunk("eXIf", append([]byte("MM\x00\x2a\x00\x00\x00\x08\x00\x00"), secret...))...)
	return append(out, b[ihdrEnd:]...)
}

// jpegWithExif is a JPEG whose EXIF says "turn me a quarter clockwise" (orientation 6) and
// carries secret (as a GPS tag would) in the same segment.
func jpegWithExif(t *testing.T, w, h int, secret string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08" + // big-endian TIFF, first IFD at 8
		"\x00\x01" + // one entry
		"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00" + // Orientation SHORT 1 = 6
		"\x00\x00\x00\x00") // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	seg = append(seg, secret...)
	app1 := []byte{0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), append(app1, seg...)...), b[2:]...)
}

// mustActor is a local account of the instance.
func mustActor(t *testing.T, in *instance, name string) *storage.Actor {
	t.Helper()
	a, err := in.app.db.GetLocalActor(context.Background(), name)
	if err != nil {
		t.Fatalf("account %s: %v", name, err)
	}
	return a
}

// mustActorURI is an actor the instance has stored.
func mustActorURI(t *testing.T, in *instance, uri string) *storage.Actor {
	t.Helper()
	a, err := in.app.db.GetActorByURI(context.Background(), uri)
	if err != nil {
		t.Fatalf("actor %s: %v", uri, err)
	}
	return a
}

func storageFirstPage() storage.Page { return storage.Page{Limit: 20} }
