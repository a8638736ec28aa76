package federation

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEncryptPushRFC8291 encrypts RFC 8291's example (appendix A) with its keys and salt and
// must give its body byte for byte.
func TestEncryptPushRFC8291(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(b64(t, "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := encryptPush([]byte("When I grow up, I want to be a watermelon"),
		b64(t, "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
		b64(t, "BTBZMqHH6r4Tts7J_aSIgg"), as, b64(t, "DGv6ra1nlYgDCS1FRnbzlw"))
	if err != nil {
		t.Fatal(err)
	}
	want := "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
	if s := base64.RawURLEncoding.EncodeToString(got); s != want {
		t.Errorf("body\n%s\nwant\n%s", s, want)
	}
}

// TestEncryptPushRefuses checks what cannot be encrypted for.
func TestEncryptPushRefuses(t *testing.T) {
	ua, _ := ecdh.P256().GenerateKey(rand.Reader)
	for _, c := range []struct {
		name    string
		message []byte
		key     []byte
	}{
		{"compressed key", []byte("hi"), append([]byte{2}, make([]byte, 32)...)},
		{"off the curve", []byte("hi"), append([]byte{4}, make([]byte, 64)...)},
		{"too long", make([]byte, MaxPushPayload+1), ua.PublicKey().Bytes()},
	} {
		if _, err := EncryptPush(c.message, c.key, make([]byte, 16)); err == nil {
			t.Errorf("%s: encrypted", c.name)
		}
	}
	if _, err := EncryptPush(make([]byte, MaxPushPayload), ua.PublicKey().Bytes(), make([]byte, 16)); err != nil {
		t.Errorf("the most a push holds: %v", err)
	}
}

// TestVAPID checks the key's round trip through storage and the Authorization header's JWT:
// ES256 by the key, for the endpoint's origin, expiring within a day, with the contact.
func TestVAPID(t *testing.T) {
	k, err := NewVAPIDKey()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseVAPIDKey(k.String())
	if err != nil || again.PublicKey() != k.PublicKey() {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := ParseVAPIDKey("not a key"); err == nil {
		t.Error("parsed a bad key")
	}
	now := time.Now()
	h, err := k.authorization("https://push.example:8443/send/abc?x=1", "https://refuge.example", now)
	if err != nil {
		t.Fatal(err)
	}
	jwt, key, ok := strings.Cut(strings.TrimPrefix(h, "vapid t="), ", k=")
	if !ok || key != k.PublicKey() {
		t.Fatalf("header %q", h)
	}
	parts := strings.Split(jwt, ".")
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b64(t, key))
	if err != nil || len(parts) != 3 {
		t.Fatalf("jwt %q: %v", jwt, err)
	}
	sig := b64(t, parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Error("signature does not verify")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(b64(t, parts[1]), &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Aud != "https://push.example:8443" || claims.Sub != "https://refuge.example" ||
		claims.Exp <= now.Unix() || claims.Exp > now.Add(24*time.Hour).Unix() {
		t.Errorf("claims %+v", claims)
	}
}
