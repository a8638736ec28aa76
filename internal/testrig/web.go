package testrig

import (
	"bytes"
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
)

// WebClient is a browser stand-in for HTTP tests: it keeps cookies, asks for HTML, does
// not follow redirects (tests look at them), and may connect from another loopback
// address so that per-address limits can be told apart.
type WebClient struct {
	t  testing.TB
	in *Instance
	c  *http.Client
}

// NewWebClient is a WebClient of in that connects from any address.
func NewWebClient(t testing.TB, in *Instance) *WebClient {
	return NewWebClientFrom(t, in, "")
}

// NewWebClientFrom connects from the loopback address from (such as 127.0.0.2), or any.
func NewWebClientFrom(t testing.TB, in *Instance, from string) *WebClient {
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
	return &WebClient{t: t, in: in, c: &http.Client{Jar: jar, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *WebClient) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return c.in.Base + path
}

// Do sends req as a browser would (asking for HTML unless req asks otherwise, as a page's
// script may) and returns the answer with its body read.
func (c *WebClient) Do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	}
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

// Get loads a page: a local path or a whole URL.
func (c *WebClient) Get(path string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.url(path), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.Do(req)
}

// Post sends a urlencoded form, with the headers given as name, value pairs (Referer,
// Origin, ...).
func (c *WebClient) Post(path string, form url.Values, headers ...string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.url(path), strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.Do(req)
}

// Upload is a file field of a multipart form.
type Upload struct {
	Field, Name, ContentType string
	Body                     []byte
}

// Multipart encodes a multipart form with files, as the compose and profile forms send
// it, and returns the body and its Content-Type.
func Multipart(t testing.TB, form url.Values, files ...Upload) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+f.Field+`"; filename="`+f.Name+`"`)
		h.Set("Content-Type", f.ContentType)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.Body)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// PostMultipart sends a multipart form with files, as the compose and profile forms do.
func (c *WebClient) PostMultipart(path string, form url.Values, files ...Upload) (*http.Response, string) {
	c.t.Helper()
	body, contentType := Multipart(c.t, form, files...)
	req, err := http.NewRequest("POST", c.url(path), bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return c.Do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// CSRF is the token in the forms of the page at path.
func (c *WebClient) CSRF(path string) string {
	c.t.Helper()
	resp, body := c.Get(path)
	m := csrfInput.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		c.t.Fatalf("GET %s: %d, no csrf input in:\n%s", path, resp.StatusCode, body)
	}
	return m[1]
}

// PostFrom sends a form as the page at page does: with the CSRF token of its forms added to
// form's values. It returns the status and the body.
func (c *WebClient) PostFrom(page, path string, form url.Values) (int, string) {
	c.t.Helper()
	signed := url.Values{"csrf": {c.CSRF(page)}}
	for k, v := range form {
		signed[k] = v
	}
	resp, body := c.Post(path, signed)
	return resp.StatusCode, body
}

// SignIn signs in through the form and fails the test unless it works.
func (c *WebClient) SignIn(user, password string) {
	c.t.Helper()
	resp, body := c.TrySignIn(user, password, "")
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: %d\n%s", user, resp.StatusCode, body)
	}
}

// TrySignIn loads the form (for its token) and posts it; next, when not "", is where the
// form says to go afterwards.
func (c *WebClient) TrySignIn(user, password, next string) (*http.Response, string) {
	c.t.Helper()
	path := "/signin"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	token := c.CSRF(path)
	return c.Post(path, url.Values{"username": {user}, "password": {password}, "csrf": {token}})
}

// Cookie is the value of the client's cookie name for the instance, or "".
func (c *WebClient) Cookie(name string) string {
	u, err := url.Parse(c.in.Base)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, k := range c.c.Jar.Cookies(u) {
		if k.Name == name {
			return k.Value
		}
	}
	return ""
}

// Cookie returns the named cookie of an answer's Set-Cookie headers, or nil.
func Cookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
