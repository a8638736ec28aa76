package outbox

import (
	"testing"
	"time"
)

// TestHOTPVectors: RFC 6238's test vectors for HMAC-SHA1 (Appendix B; 8 digits), and the
// same steps cut to the 6 digits sign-in uses.
func TestHOTPVectors(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, c := range []struct {
		unix  int64
		step  int64
		eight string
		six   string
	}{
		{59, 0x1, "94287082", "287082"},
		{1111111109, 0x23523EC, "07081804", "081804"},
		{1111111111, 0x23523ED, "14050471", "050471"},
		{1234567890, 0x273EF07, "89005924", "005924"},
		{2000000000, 0x3F940AA, "69279037", "279037"},
		{20000000000, 0x27BC86AA, "65353130", "353130"},
	} {
		step := totpStep(time.Unix(c.unix, 0))
		if step != c.step {
			t.Errorf("T at %d: %#x, want %#x", c.unix, step, c.step)
		}
		if got := hotp(key, uint64(step), 8); got != c.eight {
			t.Errorf("TOTP at %d: %s, want %s", c.unix, got, c.eight)
		}
		if got := hotp(key, uint64(step), totpDigits); got != c.six {
			t.Errorf("6-digit TOTP at %d: %s, want %s", c.unix, got, c.six)
		}
	}
}
