package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
)

// Forms never carry a CSRF token as it is: a compressed page that holds a secret next to
// text an attacker chose (a search, a post) would let them guess the secret a character at a
// time from the answers' lengths (BREACH). maskToken gives each rendering its own form of
// the token, base64(pad || pad XOR token) with a fresh random pad, so that no two answers
// share it; tokenMatches undoes the mask and compares in constant time. Only the masked form
// is accepted: every form is rendered here, and an unmasked token in a form would mean a page
// that leaks it.

// maskToken masks token with a fresh random pad.
func maskToken(token string) string {
	b := make([]byte, 2*len(token))
	rand.Read(b[:len(token)]) // never fails (crypto/rand)
	for i := range len(token) {
		b[len(token)+i] = b[i] ^ token[i]
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenMatches reports whether masked is a mask of token (which must not be empty).
func tokenMatches(masked, token string) bool {
	b, err := base64.RawURLEncoding.DecodeString(masked)
	if err != nil || token == "" || len(b) != 2*len(token) {
		return false
	}
	pad, x := b[:len(token)], b[len(token):]
	for i := range x {
		x[i] ^= pad[i]
	}
	return subtle.ConstantTimeCompare(x, []byte(token)) == 1
}
