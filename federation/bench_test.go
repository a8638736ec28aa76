package federation

import (
	"bytes"
	"crypto/x509"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"refuge/internal/testrig/peer"
)

// The hot paths behind the inbox figure of BENCHMARKS.md: a delivery is one signature
// check, one key parse (unless cached) and one activity decode. Compare runs with benchstat.

func BenchmarkSign(b *testing.B) {
	key, _ := peer.Keys()
	body := []byte(`{"type":"Create"}`)
	now := time.Now()
	for b.Loop() {
		r := httptest.NewRequest("POST", "https://peer.example/inbox", bytes.NewReader(body))
		if err := SignRequest(r, body, Signer{KeyID: testKeyID, Key: key}, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	key, _ := peer.Keys()
	body, err := os.ReadFile("testdata/mastodon_create_note.json")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	r := httptest.NewRequest("POST", "https://refuge.example/inbox", bytes.NewReader(body))
	if err := SignRequest(r, body, Signer{KeyID: testKeyID, Key: key}, now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := VerifyRequest(r, body, &key.PublicKey, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePublicKey(b *testing.B) {
	key, _ := peer.Keys()
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	pub := pemEncode("PUBLIC KEY", der)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePublicKey(pub); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeActivity(b *testing.B) {
	body, err := os.ReadFile("testdata/mastodon_create_note.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		act, err := DecodeActivity(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := act.Object.Note(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSanitizeHTML(b *testing.B) {
	html := `<p><span class="h-card" translate="no"><a href="https://gts.example/@bob" class="u-url mention">@<span>bob</span></a></span> look at this <a href="https://mastodon.example/tags/birds" class="mention hashtag" rel="tag">#<span>birds</span></a> :blobcat:</p>`
	b.ReportAllocs()
	for b.Loop() {
		SanitizeHTML(html)
	}
}
