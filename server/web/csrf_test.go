package web

import (
	"encoding/base64"
	"testing"
)

// TestMaskToken: every mask of a token differs and verifies; the token in clear, another
// token's mask, a tampered mask and rubbish do not.
func TestMaskToken(t *testing.T) {
	const token = "session-csrf-token-0123456789"
	a, b := maskToken(token), maskToken(token)
	if a == b {
		t.Fatalf("two masks are equal: %q", a)
	}
	flipped, _ := base64.RawURLEncoding.DecodeString(a)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name, masked string
		want         bool
	}{
		{"first mask", a, true},
		{"second mask", b, true},
		{"token in clear", token, false},
		{"another token's mask", maskToken("session-csrf-token-0123456788"), false},
		{"tampered", base64.RawURLEncoding.EncodeToString(flipped), false},
		{"truncated", a[:len(a)-2], false},
		{"not base64", "!!" + a[2:], false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		if got := tokenMatches(tt.masked, token); got != tt.want {
			t.Errorf("%s: tokenMatches = %v, want %v", tt.name, got, tt.want)
		}
	}
	if tokenMatches(maskToken(""), "") {
		t.Error("an empty token matched")
	}
}
