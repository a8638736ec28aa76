package federation_test

import (
	"bytes"
	"crypto"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/federation"
)

// What one delivery costs at each end: signing a POST of about 1 KB (the floor of fan-out)
// and verifying one (the floor of receiving), through the exported API the outbox and inbox
// use. The URL is never dialled.

const benchInbox = "https://peer.example/users/alice/inbox"

// benchBody is an activity of about 1 KB.
var benchBody = []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://origin.example/users/bob/statuses/1/activity",` +
	`"type":"Create","actor":"https://origin.example/users/bob","to":["https://www.w3.org/ns/activitystreams#Public"],` +
	`"object":{"id":"https://origin.example/users/bob/statuses/1","type":"Note","attributedTo":"https://origin.example/users/bob",` +
	`"content":"<p>` + strings.Repeat("Lorem ipsum dolor sit amet. ", 26) + `</p>"}}`)

// benchKey makes a key pair; the public half is read back from its PEM, as the inbox does.
func benchKey(b *testing.B) (federation.Signer, crypto.PublicKey) {
	b.Helper()
	if len(benchBody) < 900 || len(benchBody) > 1200 {
		b.Fatalf("body is %d bytes, want about 1 KB", len(benchBody))
	}
	priv, pubPEM, err := federation.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	key, err := federation.ParsePrivateKey(priv)
	if err != nil {
		b.Fatal(err)
	}
	pub, err := federation.ParsePublicKey(pubPEM)
	if err != nil {
		b.Fatal(err)
	}
	return federation.Signer{KeyID: "https://origin.example/users/bob#main-key", Key: key}, pub
}

func benchPost(b *testing.B) *http.Request {
	r, err := http.NewRequest(http.MethodPost, benchInbox, bytes.NewReader(benchBody))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	return r
}

func BenchmarkSign1KB(b *testing.B) {
	s, _ := benchKey(b)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if err := federation.SignRequest(benchPost(b), benchBody, s, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify1KB(b *testing.B) {
	s, pub := benchKey(b)
	r := benchPost(b)
	now := time.Now()
	if err := federation.SignRequest(r, benchBody, s, now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := federation.VerifyRequest(r, benchBody, pub, now); err != nil {
			b.Fatal(err)
		}
	}
}

// The same for RFC 9421, sent to servers known to take it: the RSA work is the same, the
// structured fields around it are what differs.
func BenchmarkSignMessage1KB(b *testing.B) {
	s, _ := benchKey(b)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if err := federation.SignMessage(benchPost(b), benchBody, s, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyMessage1KB(b *testing.B) {
	s, pub := benchKey(b)
	r := benchPost(b)
	now := time.Now()
	if err := federation.SignMessage(r, benchBody, s, now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := federation.VerifyRequest(r, benchBody, pub, now); err != nil {
			b.Fatal(err)
		}
	}
}
