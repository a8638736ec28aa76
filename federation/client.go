package federation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"refuge/storage"
)

// Defaults for ClientConfig's zero values.
const (
	defaultTimeout      = 10 * time.Second
	defaultMaxBody      = 1 << 20
	defaultMaxRedirects = 5
	defaultMaxPerHost   = 4
	defaultUserAgent    = "Refuge (ActivityPub)"
	postDrainLimit      = 64 << 10 // an inbox's answer is a status; its body is only drained
)

// Accept headers for the documents we fetch.
const (
	AcceptActivity = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	AcceptJRD      = "application/jrd+json, application/json"
	AcceptXRD      = "application/xrd+xml, application/xml, text/xml"
	AcceptMedia    = "image/*, video/*, audio/*;q=0.9, */*;q=0.1"
)

// Resolver looks up a host's addresses. *net.Resolver satisfies it; tests give a fake one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ClientConfig configures a Client. Zero values mean: refuse private addresses, use the
// system resolver and dialer, 10 s per request, 1 MiB bodies, 5 redirects, 4 fetches at
// once per host, no blocked hosts.
type ClientConfig struct {
	AllowPrivate  bool           // allow every address; for development only
	AllowPrefixes []netip.Prefix // addresses allowed even though private (a test network)
	Resolver      Resolver
	Dial          func(ctx context.Context, network, addr string) (net.Conn, error)
	Timeout       time.Duration // whole request: every hop and the body
	MaxBody       int64
	MaxRedirects  int
	MaxPerHost    int // GETs in flight to one host; more wait, within their timeout
	UserAgent     string
	// Signatures, when set, keeps what the client learns of which servers take RFC 9421
	// signatures (see signatureBook); without it every request is signed draft-cavage.
	Signatures SignatureStore
	// HostBlocked, when set, says whether the admin blocked a host (with its port, if
	// any); nothing is sent to a blocked host, on any hop.
	HostBlocked func(ctx context.Context, host string) (bool, error)
}

// Client is the one way out to the network. It resolves names itself and dials only the
// addresses it has checked, so a name cannot be rebound to a private address between the
// check and the connection, and every redirect hop passes the same check.
type Client struct {
	cfg        ClientConfig
	http       *http.Client
	slots      hostSlots
	signatures signatureBook
}

// Timeout is the longest any one request may take, every hop and the body.
func (c *Client) Timeout() time.Duration { return c.cfg.Timeout }

// NewClient makes a Client from cfg, filling in defaults.
func NewClient(cfg ClientConfig) *Client {
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Dial == nil {
		d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
		cfg.Dial = d.DialContext
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = defaultMaxBody
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = defaultMaxRedirects
	}
	if cfg.MaxPerHost <= 0 {
		cfg.MaxPerHost = defaultMaxPerHost
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	c := &Client{cfg: cfg, slots: hostSlots{max: cfg.MaxPerHost, m: map[string]*hostSlot{}},
		signatures: signatureBook{store: cfg.Signatures}}
	t := &http.Transport{
		Proxy:             nil, // a proxy would dial for us and bypass the guard
		DialContext:       c.dial,
		ForceAttemptHTTP2: true,
		// A fan-out goes to every follower's server, and the next one (or the Accepts and
		// fetches before it) to the same servers again: a connection kept costs a few tens
		// of KiB, one made anew costs both sides a handshake. One kept a host spreads the
		// idle connections over as many servers as possible; the few more that a burst to
		// one server opens (up to MaxPerHost and the delivery workers' 4 a host) are closed
		// after it rather than crowd out other servers' connections.
		MaxIdleConns:           1000,
		MaxIdleConnsPerHost:    1,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	c.http = &http.Client{
		Transport: t,
		// Redirects are followed by hand so each hop is re-signed and counted.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// dial resolves addr's host, drops refused addresses and dials the first allowed one that
// answers, by IP.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		addrs, err = c.cfg.Resolver.LookupNetIP(ctx, "ip", host)
		if err == nil && len(addrs) == 0 {
			err = fmt.Errorf("no addresses")
		}
		if err != nil {
			return nil, storage.Wrap(storage.Transient, err, "cannot resolve "+host)
		}
	}
	var lastErr error
	for _, a := range addrs {
		if !c.allowed(a) {
			continue
		}
		conn, err := c.cfg.Dial(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		lastErr = err
	}
	if lastErr != nil {
		return nil, lastErr
	}
	return nil, storage.Wrap(storage.Forbidden,
		fmt.Errorf("%s resolves to %v", host, addrs), "address not allowed")
}

func (c *Client) allowed(a netip.Addr) bool {
	if c.cfg.AllowPrivate {
		return true
	}
	for _, p := range c.cfg.AllowPrefixes {
		if p.Contains(a) || p.Contains(a.Unmap()) {
			return true
		}
	}
	return !IsRefusedAddr(a)
}

// refused4 are the IPv4 ranges that are not the public internet (RFC 6890 and friends).
var refused4 = prefixes("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
	"192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",
	"240.0.0.0/4")

// refused6 are special IPv6 ranges inside global unicast 2000::/3; everything outside
// 2000::/3 is refused anyway.
var refused6 = prefixes("2001::/23", "2001:db8::/32", "3fff::/20")

var (
	global6 = netip.MustParsePrefix("2000::/3")
	nat64   = netip.MustParsePrefix("64:ff9b::/96")
	compat4 = netip.MustParsePrefix("::/96")
	sixTo4  = netip.MustParsePrefix("2002::/16")
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// IsRefusedAddr reports whether a is not a public internet address: loopback, private,
// link-local (cloud metadata), multicast, unspecified, CGNAT, broadcast, documentation and
// reserved ranges, and IPv6 forms that embed a refused IPv4 address (IPv4-mapped,
// IPv4-compatible, NAT64, 6to4).
func IsRefusedAddr(a netip.Addr) bool {
	if !a.IsValid() || a.Zone() != "" {
		return true
	}
	a = a.Unmap()
	if a.Is4() {
		for _, p := range refused4 {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	b := a.As16()
	switch {
	case nat64.Contains(a), compat4.Contains(a):
		return IsRefusedAddr(netip.AddrFrom4([4]byte(b[12:16])))
	case sixTo4.Contains(a):
		return IsRefusedAddr(netip.AddrFrom4([4]byte(b[2:6])))
	case !global6.Contains(a):
		return true // ULA, link-local, multicast, loopback, unspecified, discard, ...
	}
	for _, p := range refused6 {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Get fetches url with the given Accept header, signed when s is not nil, following up to
// MaxRedirects redirects (each re-signed and re-checked). It returns the body (at most
// MaxBody bytes), the final URL and the response's Content-Type. Errors: Forbidden for a
// refused address or a 401/403, NotFound, Gone, TooLarge, Transient for 5xx, timeouts and
// connection failures, Invalid otherwise.
func (c *Client) Get(ctx context.Context, url, accept string, s *Signer) (body []byte, finalURL, contentType string, err error) {
	return c.get(ctx, url, accept, s, nil, "")
}

// GetActivity fetches an ActivityStreams document, signed when s is not nil. Anything not
// served as application/activity+json or application/ld+json is refused with Invalid, before
// its body is read.
func (c *Client) GetActivity(ctx context.Context, url string, s *Signer) (body []byte, finalURL string, err error) {
	body, finalURL, _, err = c.get(ctx, url, AcceptActivity, s, isActivityType, "an ActivityPub document")
	return body, finalURL, err
}

// GetJRD fetches a JSON document such as WebFinger's JRD or NodeInfo, unsigned.
func (c *Client) GetJRD(ctx context.Context, url string) ([]byte, error) {
	body, _, _, err := c.get(ctx, url, AcceptJRD, nil, isJSONType, "a JSON document")
	return body, err
}

func isActivityType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/activity+json" || mt == "application/ld+json")
}

func isJSONType(ct string) bool {
	if ct == "" {
		return true // some WebFinger servers send none; the JSON decoder still has to agree
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// get is Get with a check of the Content-Type (okType; nil accepts any) made before the
// body is read; what names the expected kind of document in the error.
func (c *Client) get(ctx context.Context, rawURL, accept string, s *Signer, okType func(string) bool, what string) ([]byte, string, string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, u, release, err := c.follow(ctx, rawURL, accept, s)
	if err != nil {
		return nil, "", "", err
	}
	defer release()
	defer resp.Body.Close()
	body, ct, err := c.readResponse(resp, u, okType, what)
	return body, u.String(), ct, err
}

// follow GETs rawURL, following up to MaxRedirects redirects, each hop re-signed when s is
// not nil and re-checked by send and dial. It returns the first response that is not a
// redirect, whatever its status, with its URL and the func that gives back the per-host
// slot it holds; the caller closes the body, then releases.
func (c *Client) follow(ctx context.Context, rawURL, accept string, s *Signer) (*http.Response, *url.URL, func(), error) {
	u, err := parseHTTPURL(rawURL)
	if err != nil {
		return nil, nil, nil, err
	}
	for hop := 0; ; hop++ {
		// One slow or hostile host may hold at most MaxPerHost of our fetches at once.
		release, err := c.slots.acquire(ctx, strings.ToLower(u.Host))
		if err != nil {
			return nil, nil, nil, err
		}
		resp, err := c.send(ctx, http.MethodGet, u, accept, nil, s, nil)
		if err != nil {
			release()
			return nil, nil, nil, err
		}
		if !isRedirect(resp.StatusCode) {
			return resp, u, release, nil
		}
		drain(resp.Body)
		release()
		if hop >= c.cfg.MaxRedirects {
			return nil, nil, nil, storage.Errorf(storage.Invalid, "fetch %s: too many redirects", rawURL)
		}
		next, err := u.Parse(resp.Header.Get("Location"))
		if err != nil || resp.Header.Get("Location") == "" {
			return nil, nil, nil, storage.Errorf(storage.Invalid, "fetch %s: bad redirect", u)
		}
		if u, err = parseHTTPURL(next.String()); err != nil {
			return nil, nil, nil, err
		}
	}
}

func (c *Client) readResponse(resp *http.Response, u *url.URL, okType func(string) bool, what string) ([]byte, string, error) {
	if err := statusError(resp.StatusCode, u); err != nil {
		return nil, "", err
	}
	ct := resp.Header.Get("Content-Type")
	if okType != nil && !okType(ct) {
		return nil, "", storage.Errorf(storage.Invalid, "fetch %s: not %s", u, what)
	}
	if resp.ContentLength > c.cfg.MaxBody {
		return nil, "", storage.Errorf(storage.TooLarge, "fetch %s: body over %d bytes", u, c.cfg.MaxBody)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBody+1))
	if err != nil {
		return nil, "", storage.Wrap(storage.Transient, err, "fetch "+u.String()+": reading body failed")
	}
	if int64(len(body)) > c.cfg.MaxBody {
		return nil, "", storage.Errorf(storage.TooLarge, "fetch %s: body over %d bytes", u, c.cfg.MaxBody)
	}
	return body, ct, nil
}

// GetMedia fetches a remote file (an image, video or sound) through the same guard and
// redirects as Get, unsigned, and hands its Content-Type and body to read while the fetch
// is still open, so that a large file can be streamed to disk rather than held in memory.
// timeout bounds the whole fetch, read included (0 means the client's Timeout); maxBytes
// caps the body (0 means the client's MaxBody). A body declared longer than maxBytes is
// refused before read is called; one that turns out longer makes the reader fail with
// TooLarge rather than end early. The per-host slot is held until read returns.
//
// Errors: as Get's (Forbidden, NotFound, Gone, TooLarge, Transient, Invalid); a failure of
// the body itself (TooLarge, or Transient for a timeout or a broken connection) is returned
// even when read made something else of it, or nothing; otherwise read's error is returned
// as it is.
func (c *Client) GetMedia(ctx context.Context, url string, maxBytes int64, timeout time.Duration, read func(contentType string, body io.Reader) error) error {
	if timeout <= 0 {
		timeout = c.cfg.Timeout
	}
	if maxBytes <= 0 {
		maxBytes = c.cfg.MaxBody
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, u, release, err := c.follow(ctx, url, AcceptMedia, nil)
	if err != nil {
		return err
	}
	defer release()
	defer resp.Body.Close()
	if err := statusError(resp.StatusCode, u); err != nil {
		return err
	}
	if resp.ContentLength > maxBytes {
		return storage.Errorf(storage.TooLarge, "fetch %s: body over %d bytes", u, maxBytes)
	}
	body := &mediaBody{r: resp.Body, u: u, left: maxBytes, max: maxBytes}
	err = read(resp.Header.Get("Content-Type"), body)
	if body.err != nil && !errors.Is(err, body.err) {
		// A body cut short is never a whole file, whatever read made of it.
		if err != nil {
			return fmt.Errorf("%w (then: %v)", body.err, err)
		}
		return body.err
	}
	return err
}

// mediaBody reads a response body of at most max bytes. Reading past max fails with
// TooLarge, and any other failure of the body is Transient; the first failure sticks, so
// GetMedia can tell it from read's own errors.
type mediaBody struct {
	r    io.Reader
	u    *url.URL
	left int64 // bytes still allowed
	max  int64
	err  error
}

func (b *mediaBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Ask for one byte more than allowed: getting it means the body is over the cap.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	if int64(n) > b.left {
		n = int(b.left)
		b.left = 0
		b.err = storage.Errorf(storage.TooLarge, "fetch %s: body over %d bytes", b.u, b.max)
		return n, b.err
	}
	b.left -= int64(n)
	switch {
	case err == io.EOF:
		return n, io.EOF
	case err != nil:
		b.err = storage.Wrap(storage.Transient, err, "fetch "+b.u.String()+": reading body failed")
		return n, b.err
	}
	return n, nil
}

// Post delivers body to an inbox, signed by s, without following redirects. It returns the
// peer's status; err is only for failures to get one: Forbidden for a refused address,
// Transient for connection errors and timeouts.
func (c *Client) Post(ctx context.Context, url string, body []byte, s Signer) (status int, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u, err := parseHTTPURL(url)
	if err != nil {
		return 0, err
	}
	resp, err := c.send(ctx, http.MethodPost, u, "", body, &s, nil)
	if err != nil {
		return 0, err
	}
	drain(resp.Body)
	return resp.StatusCode, nil
}

// send makes one request to u, signed when s is not nil, unless u's host is blocked; header
// adds to (or replaces) the headers it sets.
func (c *Client) send(ctx context.Context, method string, u *url.URL, accept string, body []byte, s *Signer, header http.Header) (*http.Response, error) {
	if c.cfg.HostBlocked != nil {
		blocked, err := c.hostBlocked(ctx, strings.ToLower(u.Host))
		if err != nil && ctx.Err() != nil {
			return nil, storage.Wrap(storage.Transient, err, "request to "+u.String()+" timed out")
		}
		if err != nil {
			return nil, err
		}
		if blocked {
			return nil, storage.Errorf(storage.Forbidden, "%s is blocked", u.Host)
		}
	}
	scheme := storage.SignatureCavage
	if s != nil {
		scheme = c.signatures.scheme(ctx, strings.ToLower(u.Host))
	}
	resp, err := c.do(ctx, method, u, accept, body, s, header, scheme)
	if err != nil || scheme != storage.SignatureRFC9421 || (resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized) {
		return resp, err
	}
	// The double knock: a server that took RFC 9421 before, or said it would, refused it.
	// Knock again with draft-cavage, and if that is let in, sign for it so from now on.
	drain(resp.Body)
	resp, err = c.do(ctx, method, u, accept, body, s, header, storage.SignatureCavage)
	if err == nil && resp.StatusCode < 400 {
		// Only a success says the signature was the trouble: a 404 or a 503 may come before
		// or after any signature check, and says nothing of one.
		c.signatures.learn(ctx, strings.ToLower(u.Host), storage.SignatureCavage, "refused", time.Now())
	}
	return resp, err
}

// do makes one request to u, signed with scheme when s is not nil.
func (c *Client) do(ctx context.Context, method string, u *url.URL, accept string, body []byte, s *Signer, header http.Header, scheme string) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "bad request to "+u.String())
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/activity+json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if s != nil {
		sign := SignRequest
		if scheme == storage.SignatureRFC9421 {
			sign = SignMessage
		}
		if err := sign(req, body, *s, time.Now()); err != nil {
			return nil, err
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(u, err)
	}
	return resp, nil
}

// checkedHostsKey is the context key of WithHostsChecked's answers.
type checkedHostsKey struct{}

// WithHostsChecked returns ctx carrying the answers of a HostBlocked check just made for
// many hosts at once (host, lower case with its port as in a URL → blocked; a host absent is
// not blocked): a request to one of those hosts under the returned context takes the answer
// from there instead of asking HostBlocked again. The delivery workers check the hosts of a
// whole claimed batch in one query just before sending it, not once a delivery. Any other
// host (a redirect's) is still asked about.
func WithHostsChecked(ctx context.Context, hosts []string, blocked map[string]bool) context.Context {
	m := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		m[strings.ToLower(h)] = blocked[h]
	}
	return context.WithValue(ctx, checkedHostsKey{}, m)
}

// hostBlocked is HostBlocked's answer for host, from WithHostsChecked's when ctx has one.
func (c *Client) hostBlocked(ctx context.Context, host string) (bool, error) {
	if m, ok := ctx.Value(checkedHostsKey{}).(map[string]bool); ok {
		if blocked, ok := m[host]; ok {
			return blocked, nil
		}
	}
	return c.cfg.HostBlocked(ctx, host)
}

// transportError keeps the kind of an error the guard made (Forbidden) and calls anything
// else the network did Transient.
func transportError(u *url.URL, err error) error {
	var se *storage.Error
	if errors.As(err, &se) {
		return fmt.Errorf("request %s: %w", u, err)
	}
	return storage.Wrap(storage.Transient, err, "request to "+u.String()+" failed")
}

func statusError(code int, u *url.URL) error {
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusNotFound:
		return storage.Errorf(storage.NotFound, "fetch %s: not found", u)
	case code == http.StatusGone:
		return storage.Errorf(storage.Gone, "fetch %s: gone", u)
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return storage.Errorf(storage.Forbidden, "fetch %s: refused with status %d", u, code)
	case code == http.StatusTooManyRequests, code == http.StatusRequestTimeout, code >= 500:
		return storage.Errorf(storage.Transient, "fetch %s: status %d", u, code)
	}
	return storage.Errorf(storage.Invalid, "fetch %s: unexpected status %d", u, code)
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// parseHTTPURL accepts only the plain absolute http and https URLs that storage.HostOf
// finds a host in (no credentials, backslashes or control characters), so that the host a
// block or an origin check compares is the host we connect to.
func parseHTTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "bad URL")
	}
	if storage.HostOf(s) == "" {
		return nil, storage.Errorf(storage.Invalid, "not an http(s) URL: %s", strconv.Quote(s))
	}
	return u, nil
}

// hostSlots bounds the requests in flight to each host. An entry lives only while someone
// holds or waits for one of its slots, so the map cannot grow with the hosts ever seen.
type hostSlots struct {
	mu  sync.Mutex
	max int
	m   map[string]*hostSlot
}

type hostSlot struct {
	ch    chan struct{}
	users int // holders and waiters
}

// acquire takes a slot for host, waiting at most until ctx ends; the error then is
// Transient. The returned func gives the slot back.
func (h *hostSlots) acquire(ctx context.Context, host string) (func(), error) {
	h.mu.Lock()
	s := h.m[host]
	if s == nil {
		s = &hostSlot{ch: make(chan struct{}, h.max)}
		h.m[host] = s
	}
	s.users++
	h.mu.Unlock()
	leave := func() {
		h.mu.Lock()
		if s.users--; s.users == 0 {
			delete(h.m, host)
		}
		h.mu.Unlock()
	}
	select {
	case s.ch <- struct{}{}:
		return func() { <-s.ch; leave() }, nil
	case <-ctx.Done():
		leave()
		return nil, storage.Wrap(storage.Transient, ctx.Err(), "too many fetches from "+host+" at once; try again later")
	}
}

func drain(r io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(r, postDrainLimit))
	r.Close()
}
