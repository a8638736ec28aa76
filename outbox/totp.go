package outbox

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// TOTP as RFC 6238 defines it and authenticator apps expect by default: HOTP (RFC 4226,
// HMAC-SHA1) of the number of 30-second steps since the Unix epoch, 6 digits. It is written
// out here because it is this short; totp_test.go checks it against the RFC's vectors.
const (
	totpPeriod = 30
	totpDigits = 6
)

// totpStep is the time step that t falls in.
func totpStep(t time.Time) int64 {
	return t.Unix() / totpPeriod
}

// hotp is RFC 4226's one-time value of key for counter, digits digits long.
func hotp(key []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f // dynamic truncation
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// TOTPCode is the code that an authenticator app set up with secret (base32, as
// SetUpTwoFactor gives it, spaces allowed) shows at t: for tests and tools that play the app.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := base32NoPad.DecodeString(strings.ToUpper(strings.TrimRight(strings.ReplaceAll(secret, " ", ""), "=")))
	if err != nil {
		return "", fmt.Errorf("TOTP secret: %w", err)
	}
	return hotp(key, uint64(totpStep(t)), totpDigits), nil
}
