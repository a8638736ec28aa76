package federation

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-fed/httpsig"

	"refuge/storage"
)

// maxSkew is how far a signed Date or (created) may be from our clock either way. Mastodon
// allows an hour into the future and about an hour into the past; we mirror it so that what
// Mastodon accepts, we accept.
const maxSkew = time.Hour

// Signer is what signs a request: an actor's key and the keyId peers fetch to verify it.
type Signer struct {
	KeyID string
	Key   *rsa.PrivateKey
}

// SignRequest signs r with draft-cavage HTTP signatures the way Mastodon expects: Date and
// Host are set first, a GET covers (request-target) host date, a request with a body (or
// any POST) also covers a SHA-256 Digest of body, which is added here. The algorithm label
// is rsa-sha256 because a few peers refuse httpsig's hs2019.
//
// It writes what httpsig's signer writes, byte for byte (TestSignRequestAsHTTPSig), without
// its signer object, buffers and header map lookups: a fan-out signs one request a follower
// server, and those cost a tenth as much again as the delivery's HTTP request.
func SignRequest(r *http.Request, body []byte, s Signer, now time.Time) error {
	if s.Key == nil || s.KeyID == "" {
		return storage.Errorf(storage.Internal, "sign request: no key")
	}
	if body == nil && r.Method == http.MethodPost {
		body = []byte{}
	}
	// Go keeps the host outside the header map; put it in so that it is sent as signed, and
	// make the wire Host the one we signed.
	host := r.URL.Host
	date := now.UTC().Format(http.TimeFormat)
	r.Host = host
	r.Header.Set("Host", host)
	r.Header.Set("Date", date)
	r.Header.Del("Signature")
	r.Header.Del("Digest") // one left by a failed attempt

	// (request-target) is the path as it is on the wire, escaped, as peers verify it.
	var b strings.Builder
	b.Grow(200)
	b.WriteString("(request-target): ")
	b.WriteString(strings.ToLower(r.Method))
	b.WriteByte(' ')
	b.WriteString(r.URL.EscapedPath())
	if r.URL.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(r.URL.RawQuery)
	}
	b.WriteString("\nhost: ")
	b.WriteString(host)
	b.WriteString("\ndate: ")
	b.WriteString(date)
	headers := "(request-target) host date"
	if body != nil {
		sum := sha256.Sum256(body)
		digest := "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
		r.Header.Set("Digest", digest)
		b.WriteString("\ndigest: ")
		b.WriteString(digest)
		headers += " digest"
	}
	hashed := sha256.Sum256([]byte(b.String()))
	sig, err := rsa.SignPKCS1v15(nil, s.Key, crypto.SHA256, hashed[:])
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	r.Header.Set("Signature", `keyId="`+s.KeyID+`",algorithm="rsa-sha256",headers="`+headers+
		`",signature="`+base64.StdEncoding.EncodeToString(sig)+`"`)
	return nil
}

// sigParams is a parsed Signature header.
type sigParams struct {
	keyID, algorithm, signature string
	headers                     []string // lower case, in signed order
	created, expires            string   // raw values, "" when absent
}

func (p *sigParams) covers(name string) bool {
	for _, h := range p.headers {
		if h == name {
			return true
		}
	}
	return false
}

// canonical rebuilds the header in the exact form httpsig parses: "," between parameters
// and no spaces, which peers do not all send.
func (p *sigParams) canonical() string {
	var b strings.Builder
	fmt.Fprintf(&b, `keyId="%s",algorithm="hs2019",`, p.keyID)
	if p.created != "" {
		fmt.Fprintf(&b, "created=%s,", p.created)
	}
	if p.expires != "" {
		fmt.Fprintf(&b, "expires=%s,", p.expires)
	}
	fmt.Fprintf(&b, `headers="%s",signature="%s"`, strings.Join(p.headers, " "), p.signature)
	return b.String()
}

func unauthorized(reason string) error {
	return storage.Errorf(storage.Unauthorized, "%s", reason)
}

// signatureHeader returns the Signature header, or the parameters of an
// "Authorization: Signature ..." header, which the draft allows as well.
func signatureHeader(h http.Header) string {
	if v := h.Get("Signature"); v != "" {
		return v
	}
	a := h.Get("Authorization")
	if len(a) > len("Signature ") && strings.EqualFold(a[:len("Signature ")], "Signature ") {
		return a[len("Signature "):]
	}
	return ""
}

// parseSignature reads the signature parameters of r. Peers separate parameters with "," or
// ", ", so this tokenizer accepts both; quoted values may hold anything but '"'.
func parseSignature(h http.Header) (*sigParams, error) {
	s := strings.TrimSpace(signatureHeader(h))
	if s == "" {
		return nil, unauthorized("request is not signed")
	}
	m := map[string]string{}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, unauthorized("malformed signature header")
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return nil, unauthorized("malformed signature header")
			}
			val, s = s[1:1+end], s[end+2:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val, s = strings.TrimSpace(s[:end]), s[end:]
			if strings.ContainsRune(val, '"') {
				// A stray quote would end up inside the quoted canonical form httpsig reads.
				return nil, unauthorized("malformed signature header")
			}
		}
		if _, dup := m[key]; dup {
			return nil, unauthorized("malformed signature header")
		}
		m[key] = val
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			break
		}
		if s[0] != ',' {
			return nil, unauthorized("malformed signature header")
		}
		s = strings.TrimLeft(s[1:], " \t")
	}
	return sigParamsFrom(m)
}

func sigParamsFrom(m map[string]string) (*sigParams, error) {
	p := &sigParams{keyID: m["keyid"], algorithm: m["algorithm"], signature: m["signature"],
		created: m["created"], expires: m["expires"]}
	// The canonical form handed to httpsig splits on ','; a keyId holding one could smuggle
	// parameters, and no real keyId contains one.
	if p.keyID == "" || strings.ContainsAny(p.keyID, `,"`) {
		return nil, unauthorized("malformed signature header: bad keyId")
	}
	if p.signature == "" {
		return nil, unauthorized("malformed signature header: no signature")
	}
	for _, v := range []string{p.created, p.expires} {
		if _, err := strconv.ParseInt(v, 10, 64); v != "" && err != nil {
			return nil, unauthorized("malformed signature header: bad created or expires")
		}
	}
	hs := m["headers"]
	if hs == "" {
		hs = "date" // the draft's default
	}
	p.headers = strings.Fields(strings.ToLower(hs))
	return p, nil
}

// SignatureKeyID returns the keyId of r's signature (RFC 9421's keyid, or draft-cavage's in
// its Signature or Authorization: Signature header), so
// the caller can fetch the key before verifying. It returns an Unauthorized error when the
// header is missing or malformed.
func SignatureKeyID(r *http.Request) (string, error) {
	if HasMessageSignature(r.Header) {
		return messageKeyID(r.Header)
	}
	p, err := parseSignature(r.Header)
	if err != nil {
		return "", err
	}
	return p.keyID, nil
}

// VerifyRequest checks r's signature against pub and the raw body: an RFC 9421 one when r
// has Signature-Input (verifyMessageSignature), else draft-cavage, as Mastodon checks it:
// algorithm rsa-sha256, hs2019 or absent; (request-target), host, date or (created) and,
// with a body, digest must be signed; Date within an hour of now; Digest matching body;
// the target tried with and then without the query string. Every failure is an
// Unauthorized error whose message says why.
func VerifyRequest(r *http.Request, body []byte, pub crypto.PublicKey, now time.Time) error {
	if HasMessageSignature(r.Header) {
		return verifyMessageSignature(r, body, pub, now)
	}
	p, err := parseSignature(r.Header)
	if err != nil {
		return err
	}
	switch strings.ToLower(p.algorithm) {
	case "", "rsa-sha256", "hs2019":
	default:
		return unauthorized("unsupported signature algorithm")
	}
	if _, ok := pub.(*rsa.PublicKey); !ok {
		return unauthorized("unsupported key type")
	}
	if err := checkCoverage(r, p, body); err != nil {
		return err
	}
	if err := checkFreshness(r.Header, p, now); err != nil {
		return err
	}
	if p.covers("digest") {
		if err := checkDigest(r.Header.Values("Digest"), body); err != nil {
			return err
		}
	}
	return verifyTargets(r, p, pub)
}

func checkCoverage(r *http.Request, p *sigParams, body []byte) error {
	switch {
	case !p.covers(httpsig.RequestTarget):
		return unauthorized("signature does not cover (request-target)")
	case !p.covers("host"):
		return unauthorized("signature does not cover host")
	case !p.covers("date") && !p.covers("(created)"):
		return unauthorized("signature does not cover date")
	case (r.Method == http.MethodPost || len(body) > 0) && !p.covers("digest"):
		return unauthorized("signature does not cover digest")
	}
	return nil
}

func checkFreshness(h http.Header, p *sigParams, now time.Time) error {
	inWindow := func(t time.Time) bool {
		return !t.Before(now.Add(-maxSkew)) && !t.After(now.Add(maxSkew))
	}
	if p.covers("date") {
		d, err := http.ParseTime(h.Get("Date"))
		if err != nil {
			return unauthorized("invalid date header")
		}
		if !inWindow(d) {
			return unauthorized("date out of window")
		}
	}
	if p.covers("(created)") {
		if p.created == "" {
			return unauthorized("signature covers (created) but has no created value")
		}
		c, _ := strconv.ParseInt(p.created, 10, 64) // checked in sigParamsFrom
		if !inWindow(time.Unix(c, 0)) {
			return unauthorized("created out of window")
		}
	}
	if p.expires != "" {
		e, _ := strconv.ParseInt(p.expires, 10, 64)
		if now.After(time.Unix(e, 0)) {
			return unauthorized("signature expired")
		}
	}
	return nil
}

// checkDigest finds the SHA-256 value among the (possibly several, comma-separated) digests
// and compares it with the raw body. httpsig does not do this.
func checkDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return unauthorized("missing digest header")
	}
	sum := sha256.Sum256(body)
	for _, part := range strings.Split(strings.Join(values, ","), ",") {
		alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(alg, "SHA-256") {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(val))
		if err != nil {
			return unauthorized("malformed digest header")
		}
		if subtle.ConstantTimeCompare(got, sum[:]) != 1 {
			return unauthorized("digest does not match body")
		}
		return nil
	}
	return unauthorized("digest header has no SHA-256 value")
}

// verifyTargets checks the signature over each plausible (request-target): the path as sent
// and as decoded (httpsig signs the decoded one), each with and then without the query
// string (Mastodon signs GETs without it).
func verifyTargets(r *http.Request, p *sigParams, pub crypto.PublicKey) error {
	h := r.Header.Clone()
	h.Del("Authorization") // httpsig refuses a request with both headers
	h.Set("Signature", p.canonical())
	// A server's request keeps the Host header in r.Host, outside the map.
	if r.Host != "" {
		h.Set("Host", r.Host)
	} else if h.Get("Host") == "" {
		h.Set("Host", r.URL.Host)
	}
	for _, target := range requestTargets(r.URL) {
		v := &http.Request{Method: r.Method, URL: target, Header: h}
		ver, err := httpsig.NewVerifier(v)
		if err != nil {
			return storage.Wrap(storage.Unauthorized, err, "malformed signature header")
		}
		if ver.Verify(pub, httpsig.RSA_SHA256) == nil {
			return nil
		}
	}
	return unauthorized("signature verification failed")
}

// requestTargets lists the URL forms to try, each with Path set to what httpsig must write.
func requestTargets(u *url.URL) []*url.URL {
	paths := []string{u.EscapedPath()}
	if u.Path != paths[0] {
		paths = append(paths, u.Path)
	}
	var out []*url.URL
	for _, path := range paths {
		if path == "" {
			path = "/"
		}
		if u.RawQuery != "" {
			out = append(out, &url.URL{Path: path, RawQuery: u.RawQuery})
		}
		out = append(out, &url.URL{Path: path})
	}
	return out
}
