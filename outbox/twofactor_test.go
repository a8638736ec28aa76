package outbox

import (
	"strings"
	"testing"
	"time"

	"refuge/storage"
)

// TestTwoFactor: setting up, confirming, codes taken once within one step either way of
// now, recovery codes taken once, turning off with the password and a code, and the
// admin's turning off; each refusal changes nothing.
func TestTwoFactor(t *testing.T) {
	r := newRig(t)
	now := time.Unix(1_800_000_000, 0) // on a step boundary
	r.s.Now = func() time.Time { return now }
	alice := r.account("alice", false)
	creds := func() *storage.Credentials {
		t.Helper()
		c, err := r.db.GetCredentials(r.ctx, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := r.s.EnableTwoFactor(r.ctx, alice, "123456"); kindOf(err) != storage.NotFound {
		t.Fatalf("enable before setting up: %v", err)
	}
	setup, err := r.s.SetUpTwoFactor(r.ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	want := "otpauth://totp/" + testDomain + ":alice@" + testDomain + "?algorithm=SHA1&digits=6&issuer=" + testDomain +
		"&period=30&secret=" + setup.Secret
	if len(setup.Secret) != 32 || setup.URI != want {
		t.Errorf("setup %q %q, want %q", setup.Secret, setup.URI, want)
	}
	if on, err := r.s.TwoFactorEnabled(r.ctx, alice); err != nil || on {
		t.Fatalf("on before confirming: %v %v", on, err)
	}
	if c := creds(); c.TOTPSecret != setup.Secret || c.PasswordHash == "" || c.PrivateKeyPEM == "" {
		t.Errorf("stored %+v", c)
	}
	code := func(steps int) string {
		c, err := TOTPCode(setup.Secret, now.Add(time.Duration(steps)*totpPeriod*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	r.try(t, storage.Invalid, func() error { _, err := r.s.EnableTwoFactor(r.ctx, alice, code(2)); return err })
	var recovery []string
	r.try(t, "", func() (err error) { recovery, err = r.s.EnableTwoFactor(r.ctx, alice, code(0)); return err })
	if c := creds(); len(recovery) != RecoveryCodeCount || len(c.RecoveryCodes) != RecoveryCodeCount || !c.TOTPEnabled ||
		c.RecoveryCodes[0] != storage.HashToken(recovery[0]) || c.TOTPStep != totpStep(now) {
		t.Fatalf("enabled: %v, stored %+v", recovery, c)
	}
	r.try(t, storage.Conflict, func() error { _, err := r.s.SetUpTwoFactor(r.ctx, alice); return err })

	begin := func() *storage.Token {
		p, err := r.s.BeginSignin(r.ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		tok, a, err := r.s.PendingSignin(r.ctx, p)
		if err != nil || a.ID != alice.ID {
			t.Fatalf("pending sign-in: %v", err)
		}
		return tok
	}
	for _, c := range []struct {
		name  string
		later time.Duration // the clock moves on by this first
		code  string
		kind  storage.Kind
	}{
		{"the confirming code again", 0, code(0), storage.Forbidden},
		{"the step before it", 0, code(-1), storage.Forbidden},
		{"two steps ahead", 0, code(2), storage.Forbidden},
		{"the next step's code, early", 0, code(1), ""},
		{"the same code again", 0, code(1), storage.Forbidden},
		{"a minute on, the code of then", 2 * totpPeriod * time.Second, code(2), ""},
		{"not digits", 0, "abcdef", storage.Forbidden},
		{"empty", 0, "", storage.Forbidden},
		{"a recovery code, spaced and in capitals", 0, " " + strings.ToUpper(recovery[0][:5]) + " " + recovery[0][5:] + " ", ""},
		{"the same recovery code again", 0, recovery[0], storage.Forbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			now = now.Add(c.later)
			pending := begin()
			before := r.counts()
			_, err := r.s.FinishSignin(r.ctx, alice, pending, c.code)
			if kindOf(err) != c.kind {
				t.Fatalf("got %v, want kind %q", err, c.kind)
			}
			if err != nil {
				// Nothing changed: the pending sign-in stays for another try.
				r.unchanged(t, before)
			}
		})
	}
	if got := len(creds().RecoveryCodes); got != RecoveryCodeCount-1 {
		t.Errorf("%d recovery codes left", got)
	}
	// A pending sign-in expires, and is not taken as anything else.
	p, err := r.s.BeginSignin(r.ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := r.db.GetToken(r.ctx, storage.HashToken(p), now); err != nil || tok.Kind != storage.TokenSignin {
		t.Fatalf("pending token %v %v", tok, err)
	}
	now = now.Add(signinStepLifetime + time.Second)
	if _, _, err := r.s.PendingSignin(r.ctx, p); kindOf(err) != storage.NotFound {
		t.Errorf("an expired pending sign-in: %v", err)
	}

	r.try(t, storage.Forbidden, func() error { return r.s.DisableTwoFactor(r.ctx, alice, "wrong password", code(0)) })
	r.try(t, storage.Forbidden, func() error { return r.s.DisableTwoFactor(r.ctx, alice, "password of alice", recovery[0]) })
	r.try(t, "", func() error { return r.s.DisableTwoFactor(r.ctx, alice, "password of alice", recovery[1]) })
	if c := creds(); c.TOTPEnabled || c.TOTPSecret != "" || len(c.RecoveryCodes) != 0 || c.PasswordHash == "" {
		t.Errorf("after turning it off: %+v", c)
	}
	r.try(t, storage.Conflict, func() error { return r.s.DisableTwoFactor(r.ctx, alice, "password of alice", code(0)) })

	// The admin's command.
	r.try(t, storage.Conflict, func() error { _, err := r.s.TurnOffTwoFactor(r.ctx, "alice"); return err })
	r.try(t, storage.NotFound, func() error { _, err := r.s.TurnOffTwoFactor(r.ctx, "nobody"); return err })
	if setup, err = r.s.SetUpTwoFactor(r.ctx, alice); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.EnableTwoFactor(r.ctx, alice, code(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.BeginSignin(r.ctx, alice); err != nil {
		t.Fatal(err)
	}
	r.try(t, "", func() error { _, err := r.s.TurnOffTwoFactor(r.ctx, "alice"); return err })
	if c := creds(); c.TOTPEnabled || c.TOTPSecret != "" {
		t.Errorf("after 2fa-off: %+v", c)
	}
}
