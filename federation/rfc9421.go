package federation

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"

	"refuge/storage"
)

// RFC 9421 HTTP message signatures, the scheme newer servers (Fedify, Mastodon 4.5) try
// first: Signature-Input names what is signed and how, Signature holds the signature, by a
// label each. Refuge verifies them from anyone, and signs with them only toward servers
// known to take them (see Client); everyone else gets draft-cavage (SignRequest).

// messageComponents are what SignMessage covers, as Fedify signs: the method, the whole
// target and its authority, the Host and Date headers, and with a body its digest.
var (
	messageComponents     = []string{"@method", "@target-uri", "@authority", "host", "date"}
	messageComponentsBody = append(messageComponents[:len(messageComponents):len(messageComponents)], "content-digest")
)

// SignMessage signs r with an RFC 9421 message signature (rsa-v1_5-sha256, label sig1),
// setting Host and Date first and, for a request with a body (or any POST), a SHA-256
// Content-Digest of body. Like SignRequest, it replaces what an earlier attempt left.
func SignMessage(r *http.Request, body []byte, s Signer, now time.Time) error {
	if s.Key == nil || s.KeyID == "" {
		return storage.Errorf(storage.Internal, "sign request: no key")
	}
	if body == nil && r.Method == http.MethodPost {
		body = []byte{}
	}
	host := r.URL.Host
	r.Host = host
	r.Header.Set("Host", host)
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	for _, h := range []string{"Signature", "Signature-Input", "Digest", "Content-Digest"} {
		r.Header.Del(h)
	}
	components := messageComponents
	if body != nil {
		sum := sha256.Sum256(body)
		r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
		components = messageComponentsBody
	}
	m := &messageSignature{components: components, input: httpsfv.InnerList{Params: httpsfv.NewParams()}}
	for _, c := range components {
		m.input.Items = append(m.input.Items, httpsfv.NewItem(c))
	}
	m.input.Params.Add("created", now.Unix())
	m.input.Params.Add("keyid", s.KeyID)
	m.input.Params.Add("alg", "rsa-v1_5-sha256")
	base, err := m.signatureBase(r, r.URL.String())
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	hashed := sha256.Sum256([]byte(base))
	sig, err := rsa.SignPKCS1v15(nil, s.Key, crypto.SHA256, hashed[:])
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	input, err := httpsfv.Marshal(httpsfv.List{m.input})
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	r.Header.Set("Signature-Input", "sig1="+input)
	r.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
	return nil
}

// HasMessageSignature reports whether h carries an RFC 9421 signature rather than a
// draft-cavage one.
func HasMessageSignature(h http.Header) bool { return h.Get("Signature-Input") != "" }

// messageSignature is one signature of a request: its covered components, in order, and
// the parameters that follow them.
type messageSignature struct {
	input      httpsfv.InnerList // as Signature-Input gives it, for @signature-params
	components []string
	keyID, alg string
	created    int64
	expires    int64 // 0 when absent
	signature  []byte
}

// maxSignatures bounds the signatures of one request looked at.
const maxSignatures = 4

// parseMessageSignature reads the first signature of h that Refuge can check: one whose
// components are plain names (no parameters), with a keyid and a created time.
func parseMessageSignature(h http.Header) (*messageSignature, error) {
	inputs, err := httpsfv.UnmarshalDictionary(h.Values("Signature-Input"))
	if err != nil {
		return nil, unauthorized("malformed Signature-Input header")
	}
	sigs, err := httpsfv.UnmarshalDictionary(h.Values("Signature"))
	if err != nil {
		return nil, unauthorized("malformed Signature header (RFC 9421)")
	}
	reason := "no signature in Signature-Input"
	for i, label := range inputs.Names() {
		if i == maxSignatures {
			break
		}
		m, _ := inputs.Get(label)
		s, err := messageSignatureOf(m)
		if err != nil {
			reason = storage.Message(err)
			continue
		}
		v, ok := sigs.Get(label)
		item, isItem := v.(httpsfv.Item)
		sig, isBytes := item.Value.([]byte)
		if !ok || !isItem || !isBytes || len(sig) == 0 {
			reason = "no signature " + label + " in the Signature header"
			continue
		}
		s.signature = sig
		return s, nil
	}
	return nil, unauthorized(reason)
}

func messageSignatureOf(m httpsfv.Member) (*messageSignature, error) {
	list, ok := m.(httpsfv.InnerList)
	if !ok {
		return nil, unauthorized("malformed Signature-Input header")
	}
	s := &messageSignature{input: list}
	for _, it := range list.Items {
		name, ok := it.Value.(string)
		if !ok || len(it.Params.Names()) > 0 || name == "" || name != strings.ToLower(name) {
			return nil, unauthorized("unsupported signature component")
		}
		s.components = append(s.components, name)
	}
	for _, p := range list.Params.Names() {
		v, _ := list.Params.Get(p)
		switch p {
		case "keyid":
			s.keyID, _ = v.(string)
		case "alg":
			s.alg, _ = v.(string)
		case "created":
			s.created, _ = v.(int64)
		case "expires":
			s.expires, _ = v.(int64)
		}
	}
	switch {
	case s.keyID == "":
		return nil, unauthorized("signature has no keyid")
	case s.created <= 0:
		return nil, unauthorized("signature has no created time")
	}
	return s, nil
}

// signatureBase is what was signed (RFC 9421, section 2.5), with the request's target as
// uri: the absolute URL the sender addressed.
func (s *messageSignature) signatureBase(r *http.Request, uri string) (string, error) {
	var b strings.Builder
	host := strings.ToLower(r.Host)
	if host == "" {
		host = strings.ToLower(r.URL.Host)
	}
	for _, c := range s.components {
		var v string
		switch c {
		case "@method":
			v = r.Method
		case "@target-uri":
			v = uri
		case "@authority":
			v = host
		case "@scheme":
			v, _, _ = strings.Cut(uri, ":")
		case "@request-target":
			v = r.URL.RequestURI()
		case "@path":
			v = r.URL.EscapedPath()
			if v == "" {
				v = "/"
			}
		case "@query":
			v = "?" + r.URL.RawQuery
		case "host":
			v = host
		default:
			if strings.HasPrefix(c, "@") {
				return "", unauthorized("unsupported signature component " + c)
			}
			values := r.Header.Values(c)
			if len(values) == 0 {
				return "", unauthorized("signed header " + c + " is missing")
			}
			for i := range values {
				values[i] = strings.TrimSpace(values[i])
			}
			v = strings.Join(values, ", ")
		}
		if strings.ContainsAny(v, "\r\n") {
			return "", unauthorized("signature component " + c + " holds a line break")
		}
		b.WriteString(`"` + c + `": ` + v + "\n")
	}
	params, err := httpsfv.Marshal(httpsfv.List{s.input})
	if err != nil {
		return "", unauthorized("malformed Signature-Input header")
	}
	b.WriteString(`"@signature-params": ` + params)
	return b.String(), nil
}

func (s *messageSignature) covers(name string) bool {
	for _, c := range s.components {
		if c == name {
			return true
		}
	}
	return false
}

// verifyMessageSignature checks r's RFC 9421 signature against pub and the raw body, with
// the same demands as a draft-cavage one: the method and the target (the whole URI, or
// its authority and path) signed, and with a body its Content-Digest, which must match;
// created within the hour, not expired; RSA PKCS #1 v1.5 with SHA-256 for an RSA key,
// Ed25519 for an Ed25519 key (an actor's Multikey). The target is tried as https and then
// as http, as a server behind a proxy does not know which the sender wrote.
func verifyMessageSignature(r *http.Request, body []byte, pub crypto.PublicKey, now time.Time) error {
	s, err := parseMessageSignature(r.Header)
	if err != nil {
		return err
	}
	// The key says the algorithm; alg, when given, must agree with it.
	switch pub.(type) {
	case *rsa.PublicKey:
		if s.alg != "" && s.alg != "rsa-v1_5-sha256" {
			return unauthorized("unsupported signature algorithm " + s.alg + " for an RSA key")
		}
	case ed25519.PublicKey:
		if s.alg != "" && s.alg != "ed25519" {
			return unauthorized("unsupported signature algorithm " + s.alg + " for an Ed25519 key")
		}
	default:
		return unauthorized("unsupported key type")
	}
	switch {
	case !s.covers("@method"):
		return unauthorized("signature does not cover @method")
	case !s.covers("@target-uri") && !((s.covers("@authority") || s.covers("host")) && (s.covers("@path") || s.covers("@request-target"))):
		return unauthorized("signature does not cover @target-uri")
	case (r.Method == http.MethodPost || len(body) > 0) && !s.covers("content-digest"):
		return unauthorized("signature does not cover content-digest")
	}
	created := time.Unix(s.created, 0)
	if created.Before(now.Add(-maxSkew)) || created.After(now.Add(maxSkew)) {
		return unauthorized("created out of window")
	}
	if s.expires != 0 && now.After(time.Unix(s.expires, 0)) {
		return unauthorized("signature expired")
	}
	if s.covers("content-digest") {
		if err := checkContentDigest(r.Header.Values("Content-Digest"), body); err != nil {
			return err
		}
	}
	for _, scheme := range []string{"https", "http"} {
		host := r.Host
		if host == "" {
			host = r.URL.Host
		}
		base, err := s.signatureBase(r, scheme+"://"+host+r.URL.RequestURI())
		if err != nil {
			return err
		}
		if verifyBase(pub, base, s.signature) {
			return nil
		}
		if !s.covers("@target-uri") && !s.covers("@scheme") {
			break // the scheme is not signed: the second try would check the same bytes
		}
	}
	return unauthorized("signature verification failed")
}

// verifyBase checks sig over a signature base with pub, an RSA (PKCS #1 v1.5, SHA-256) or
// Ed25519 key.
func verifyBase(pub crypto.PublicKey, base string, sig []byte) bool {
	switch key := pub.(type) {
	case *rsa.PublicKey:
		hashed := sha256.Sum256([]byte(base))
		return rsa.VerifyPKCS1v15(key, crypto.SHA256, hashed[:], sig) == nil
	case ed25519.PublicKey:
		return ed25519.Verify(key, []byte(base), sig)
	}
	return false
}

// checkContentDigest finds a SHA-256 or SHA-512 digest in Content-Digest (RFC 9530) and
// compares it with the raw body.
func checkContentDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return unauthorized("missing Content-Digest header")
	}
	d, err := httpsfv.UnmarshalDictionary(values)
	if err != nil {
		return unauthorized("malformed Content-Digest header")
	}
	for _, digest := range []struct {
		alg string
		sum func([]byte) []byte
	}{
		{"sha-256", func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }},
		{"sha-512", func(b []byte) []byte { s := sha512.Sum512(b); return s[:] }},
	} {
		m, ok := d.Get(digest.alg)
		if !ok {
			continue
		}
		item, _ := m.(httpsfv.Item)
		got, _ := item.Value.([]byte)
		if subtle.ConstantTimeCompare(got, digest.sum(body)) != 1 {
			return unauthorized("Content-Digest does not match body")
		}
		return nil
	}
	return unauthorized("Content-Digest has no sha-256 or sha-512 value")
}

// messageKeyID is the keyid of h's RFC 9421 signature.
func messageKeyID(h http.Header) (string, error) {
	s, err := parseMessageSignature(h)
	if err != nil {
		return "", err
	}
	return s.keyID, nil
}
