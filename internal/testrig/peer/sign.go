package peer

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sig says how to sign a request; the zero value signs it properly, as Mastodon does. Each
// field gets one part wrong, or shaped as some other server shapes it.
type Sig struct {
	None        bool      // send no Signature header at all (nor Date or Digest)
	Headers     []string  // signed headers; nil means (request-target) host date digest
	Algorithm   string    // "" means rsa-sha256
	NoAlgorithm bool      // leave the algorithm parameter out, as some servers do
	Target      string    // the (request-target) path signed; "" means the request's own
	Separator   string    // between the header's parameters; "" means ","
	Date        time.Time // zero means now
	DigestOf    []byte    // the body the Digest header is computed over; nil means the one sent
	KeyID       string    // for Actor.Post: sign as this keyId instead of the actor's
	Key         *rsa.PrivateKey
}

// Sign signs r by hand, independently of Refuge's own signer, so that a test can get any
// part wrong on purpose: it sets Date and Digest, then the Signature header over them.
func Sign(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, o Sig) error {
	if o.None {
		return nil
	}
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	r.Header.Set("Date", date.UTC().Format(http.TimeFormat))
	digestBody := body
	if o.DigestOf != nil {
		digestBody = o.DigestOf
	}
	r.Header.Set("Digest", Digest(digestBody))
	return SignHeaders(r, keyID, key, o)
}

// SignHeaders sets the Signature header over the headers r carries already, the way
// Mastodon's Ruby code assembles it; o.Date and o.DigestOf do not apply.
func SignHeaders(r *http.Request, keyID string, key *rsa.PrivateKey, o Sig) error {
	headers := o.Headers
	if headers == nil {
		headers = []string{"(request-target)", "host", "date", "digest"}
	}
	target := o.Target
	if target == "" {
		target = r.URL.RequestURI()
	}
	var lines []string
	for _, h := range headers {
		switch h {
		case "(request-target)":
			lines = append(lines, h+": "+strings.ToLower(r.Method)+" "+target)
		case "host":
			lines = append(lines, "host: "+r.Host)
		default:
			lines = append(lines, h+": "+r.Header.Get(h))
		}
	}
	hashed := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	s, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, hashed[:])
	if err != nil {
		return err
	}
	params := []string{`keyId="` + keyID + `"`}
	if !o.NoAlgorithm {
		alg := o.Algorithm
		if alg == "" {
			alg = "rsa-sha256"
		}
		params = append(params, `algorithm="`+alg+`"`)
	}
	params = append(params, `headers="`+strings.Join(headers, " ")+`"`,
		`signature="`+base64.StdEncoding.EncodeToString(s)+`"`)
	sep := o.Separator
	if sep == "" {
		sep = ","
	}
	r.Header.Set("Signature", strings.Join(params, sep))
	return nil
}

// Digest is the Digest header of body: SHA-256, base64.
func Digest(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

// SignedPost builds a POST of body to url as application/activity+json, signed by key as
// keyID the way o says (the zero Sig: as Mastodon delivers).
func SignedPost(url string, body []byte, keyID string, key *rsa.PrivateKey, o Sig) (*http.Request, error) {
	return signedPost(url, body, ActivityJSON, keyID, key, o)
}

func signedPost(url string, body []byte, contentType, keyID string, key *rsa.PrivateKey, o Sig) (*http.Request, error) {
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", contentType)
	if err := Sign(r, body, keyID, key, o); err != nil {
		return nil, err
	}
	return r, nil
}

// SignMessage signs r with an RFC 9421 message signature (rsa-v1_5-sha256, or ed25519 with
// an Ed25519 key), as Fedify signs first: a Content-Digest of body when body is not nil,
// then Signature-Input and Signature over components, created at created, with extra
// parameters (";alg=...", ";expires=...") after keyid. The signature base is written out
// here line by line, not with Refuge's code.
func SignMessage(r *http.Request, body []byte, key crypto.Signer, keyID string, created time.Time, components []string, extra string) error {
	if body != nil {
		sum := sha256.Sum256(body)
		r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	}
	quoted := make([]string, len(components))
	var b strings.Builder
	for i, c := range components {
		quoted[i] = `"` + c + `"`
		var v string
		switch c {
		case "@method":
			v = r.Method
		case "@target-uri":
			v = r.URL.String()
		case "@authority":
			v = r.URL.Host
		case "@path":
			v = r.URL.Path
		case "host":
			v = r.URL.Host
		default:
			v = r.Header.Get(c)
		}
		b.WriteString(`"` + c + `": ` + v + "\n")
	}
	params := "(" + strings.Join(quoted, " ") + ");created=" + strconv.FormatInt(created.Unix(), 10) + `;keyid="` + keyID + `"` + extra
	b.WriteString(`"@signature-params": ` + params)
	var sig []byte
	var err error
	if k, ok := key.(*rsa.PrivateKey); ok {
		hashed := sha256.Sum256([]byte(b.String()))
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, hashed[:])
	} else {
		sig, err = key.Sign(rand.Reader, []byte(b.String()), crypto.Hash(0)) // Ed25519 signs the base itself
	}
	if err != nil {
		return err
	}
	r.Header.Set("Signature-Input", "sig1="+params)
	r.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
	return nil
}

// Ed25519Multibase writes an Ed25519 public key as a Multikey's publicKeyMultibase: "z",
// then base58btc of the multicodec prefix 0xed01 and the key.
func Ed25519Multibase(key ed25519.PublicKey) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	b := append([]byte{0xed, 0x01}, key...) // no leading zero bytes: the prefix is not zero
	n, radix, digit := new(big.Int).SetBytes(b), big.NewInt(58), new(big.Int)
	var out []byte
	for n.Sign() > 0 {
		n.DivMod(n, radix, digit)
		out = append(out, alphabet[digit.Int64()])
	}
	slices.Reverse(out)
	return "z" + string(out)
}
