package outbox

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// Two-factor sign-in, as Mastodon offers it: a TOTP authenticator app (RFC 6238) and ten
// single-use recovery codes. Setting up writes a fresh secret that signs nobody in yet; a
// code from the app confirms it and switches it on, and the recovery codes are made then
// and shown once. Turning it off takes the password and a code. Signing in with it takes
// two steps: the password starts a short-lived pending sign-in (a TokenSignin, not a
// session), and a code finishes it.

// RecoveryCodeCount is how many recovery codes an account gets, Mastodon's number.
const RecoveryCodeCount = 10

// signinStepLifetime is how long a pending sign-in waits for its code.
const signinStepLifetime = 5 * time.Minute

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// TwoFactorSetup is what an account is shown to set up its authenticator app: the secret
// to type in, and the otpauth:// URI that a QR code or a link carries.
type TwoFactorSetup struct {
	Secret string // base32, as apps take it
	URI    string
}

// twoFactorSetup describes secret for actor: the issuer is the instance's domain and the
// account name@domain, as apps show them.
func (s *Service) twoFactorSetup(actor *storage.Actor, secret string) *TwoFactorSetup {
	account := actor.Username + "@" + s.Domain
	q := url.Values{"secret": {secret}, "issuer": {s.Domain}, "algorithm": {"SHA1"},
		"digits": {fmt.Sprint(totpDigits)}, "period": {fmt.Sprint(totpPeriod)}}
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + s.Domain + ":" + account, RawQuery: q.Encode()}
	return &TwoFactorSetup{Secret: secret, URI: u.String()}
}

// TwoFactorEnabled reports whether local account actor signs in with a second factor.
func (s *Service) TwoFactorEnabled(ctx context.Context, actor *storage.Actor) (bool, error) {
	c, err := s.DB.GetCredentials(ctx, actor.ID)
	if err != nil {
		return false, fmt.Errorf("two-factor state of %s: %w", actor.Username, err)
	}
	return c.TOTPEnabled, nil
}

// SetUpTwoFactor gives actor a fresh secret to set up in an authenticator app; it is not
// asked for at sign-in until EnableTwoFactor confirms it. Conflict when two-factor sign-in
// is on already.
func (s *Service) SetUpTwoFactor(ctx context.Context, actor *storage.Actor) (*TwoFactorSetup, error) {
	key := make([]byte, 20) // 160 bits, RFC 4226's recommended length for HMAC-SHA1
	rand.Read(key)
	secret := base32NoPad.EncodeToString(key)
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		c, err := tx.GetCredentials(ctx, actor.ID)
		if err != nil {
			return err
		}
		if c.TOTPEnabled {
			return storage.Errorf(storage.Conflict, "two-factor sign-in is already on")
		}
		c.TOTPSecret, c.TOTPStep, c.RecoveryCodes = secret, 0, nil
		return tx.PutCredentials(ctx, c)
	})
	if err != nil {
		return nil, fmt.Errorf("set up two-factor sign-in of %s: %w", actor.Username, err)
	}
	return s.twoFactorSetup(actor, secret), nil
}

// PendingTwoFactor is the setup SetUpTwoFactor began and nothing confirmed yet: NotFound
// when there is none, Conflict when two-factor sign-in is on.
func (s *Service) PendingTwoFactor(ctx context.Context, actor *storage.Actor) (*TwoFactorSetup, error) {
	c, err := s.DB.GetCredentials(ctx, actor.ID)
	switch {
	case err != nil:
		return nil, err
	case c.TOTPEnabled:
		return nil, storage.Errorf(storage.Conflict, "two-factor sign-in is already on")
	case c.TOTPSecret == "":
		return nil, storage.Errorf(storage.NotFound, "two-factor sign-in is not being set up; start again")
	}
	return s.twoFactorSetup(actor, c.TOTPSecret), nil
}

// EnableTwoFactor switches two-factor sign-in on for actor once code, from the app set up
// with the pending secret, is right; it returns the recovery codes, which are stored only
// hashed and so shown this once. Invalid for a wrong code (nothing changes), NotFound when
// nothing is being set up, Conflict when it is on already.
func (s *Service) EnableTwoFactor(ctx context.Context, actor *storage.Actor, code string) ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	hashes := make([]string, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, 8) // 16 hex digits, the length Mastodon's codes have
		rand.Read(b)
		codes[i] = hex.EncodeToString(b)
		hashes[i] = storage.HashToken(codes[i])
	}
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		c, err := tx.GetCredentials(ctx, actor.ID)
		switch {
		case err != nil:
			return err
		case c.TOTPEnabled:
			return storage.Errorf(storage.Conflict, "two-factor sign-in is already on")
		case c.TOTPSecret == "":
			return storage.Errorf(storage.NotFound, "two-factor sign-in is not being set up; start again")
		}
		step, ok := s.matchTOTP(c, code)
		if !ok {
			return storage.Errorf(storage.Invalid, "the code is wrong: type the 6 digits the app shows now")
		}
		c.TOTPEnabled, c.TOTPStep, c.RecoveryCodes = true, step, hashes
		return tx.PutCredentials(ctx, c)
	})
	if err != nil {
		return nil, fmt.Errorf("enable two-factor sign-in of %s: %w", actor.Username, err)
	}
	return codes, nil
}

// DisableTwoFactor switches two-factor sign-in off for actor, given its password and a
// code (or a recovery code): Forbidden when either is wrong, Conflict when it is off.
func (s *Service) DisableTwoFactor(ctx context.Context, actor *storage.Actor, password, code string) error {
	a, err := s.Authenticate(ctx, actor.Username, password)
	if err != nil {
		return err
	}
	if a == nil || a.ID != actor.ID {
		return storage.Errorf(storage.Forbidden, "the password is wrong")
	}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		c, err := tx.GetCredentials(ctx, actor.ID)
		if err != nil {
			return err
		}
		if !c.TOTPEnabled {
			return storage.Errorf(storage.Conflict, "two-factor sign-in is not on")
		}
		if !s.takeSecondFactor(c, code) {
			return storage.Errorf(storage.Forbidden, "the code is wrong")
		}
		clearTwoFactor(c)
		return tx.PutCredentials(ctx, c)
	})
	if err != nil {
		return fmt.Errorf("disable two-factor sign-in of %s: %w", actor.Username, err)
	}
	return nil
}

// TurnOffTwoFactor switches two-factor sign-in off for the live local account name, for
// an admin helping someone who lost their device: NotFound when there is no such account,
// Conflict when it is off.
func (s *Service) TurnOffTwoFactor(ctx context.Context, name string) (*storage.Actor, error) {
	var a *storage.Actor
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		var err error
		if a, err = liveAccount(ctx, tx, name); err != nil {
			return err
		}
		c, err := tx.GetCredentials(ctx, a.ID)
		if err != nil {
			return err
		}
		if !c.TOTPEnabled {
			return storage.Errorf(storage.Conflict, "account %s does not use two-factor sign-in", name)
		}
		clearTwoFactor(c)
		if err := tx.PutCredentials(ctx, c); err != nil {
			return err
		}
		return tx.DeleteTokens(ctx, a.ID, storage.TokenSignin, "")
	})
	if err != nil {
		return nil, fmt.Errorf("turn off two-factor sign-in of %s: %w", name, err)
	}
	return a, nil
}

func clearTwoFactor(c *storage.Credentials) {
	c.TOTPSecret, c.TOTPEnabled, c.TOTPStep, c.RecoveryCodes = "", false, 0, nil
}

// matchTOTP finds the step, within one of now either way (clocks drift, and a code typed
// at the end of its 30 seconds arrives in the next), whose code is code and which is later
// than the last step taken: a code is never taken twice.
func (s *Service) matchTOTP(c *storage.Credentials, code string) (int64, bool) {
	code = strings.Join(strings.Fields(code), "")
	key, err := base32NoPad.DecodeString(c.TOTPSecret)
	if err != nil || len(code) != totpDigits || c.TOTPSecret == "" {
		return 0, false
	}
	now := totpStep(s.now())
	for step := now - 1; step <= now+1; step++ {
		if step > c.TOTPStep && subtle.ConstantTimeCompare([]byte(hotp(key, uint64(step), totpDigits)), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// takeSecondFactor checks code against c, a TOTP code or else a recovery code, and spends
// it in c: the step is recorded, the recovery code removed. The caller stores c.
func (s *Service) takeSecondFactor(c *storage.Credentials, code string) bool {
	if step, ok := s.matchTOTP(c, code); ok {
		c.TOTPStep = step
		return true
	}
	hash := storage.HashToken(strings.ToLower(strings.Join(strings.Fields(code), "")))
	i := slices.IndexFunc(c.RecoveryCodes, func(h string) bool { return subtle.ConstantTimeCompare([]byte(h), []byte(hash)) == 1 })
	if i < 0 {
		return false
	}
	c.RecoveryCodes = slices.Delete(c.RecoveryCodes, i, i+1)
	return true
}

// BeginSignin starts the second step of actor's sign-in after the right password: a
// pending sign-in that only FinishSignin takes, for a few minutes. It replaces any other
// pending sign-in of the account, so each account has at most one. It returns the
// pending sign-in's secret, for a cookie.
func (s *Service) BeginSignin(ctx context.Context, actor *storage.Actor) (string, error) {
	secret := NewSecret(32)
	t := &storage.Token{Hash: storage.HashToken(secret), ActorID: actor.ID, Kind: storage.TokenSignin,
		CSRF: NewSecret(24), Expires: s.now().Add(signinStepLifetime)}
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		if err := tx.DeleteTokens(ctx, actor.ID, storage.TokenSignin, ""); err != nil {
			return err
		}
		return tx.PutToken(ctx, t)
	})
	if err != nil {
		return "", fmt.Errorf("begin the sign-in of %s: %w", actor.Username, err)
	}
	return secret, nil
}

// PendingSignin returns the pending sign-in whose secret is secret and its account:
// NotFound when there is none, it expired, or the account can no longer sign in.
func (s *Service) PendingSignin(ctx context.Context, secret string) (*storage.Token, *storage.Actor, error) {
	none := storage.Errorf(storage.NotFound, "the sign-in expired; enter your password again")
	if secret == "" {
		return nil, nil, none
	}
	t, err := s.DB.GetToken(ctx, storage.HashToken(secret), s.now())
	if storage.KindOf(err) == storage.NotFound || err == nil && t.Kind != storage.TokenSignin {
		return nil, nil, none
	}
	if err != nil {
		return nil, nil, err
	}
	a, err := s.DB.GetActorByID(ctx, t.ActorID)
	if storage.KindOf(err) == storage.NotFound || err == nil && (!a.DeletedAt.IsZero() || a.Suspended() ||
		a.Type != federation.TypePerson && a.Type != federation.TypeService) {
		return nil, nil, none
	}
	if err != nil {
		return nil, nil, err
	}
	return t, a, nil
}

// FinishSignin checks the code (TOTP or recovery) given for the pending sign-in p of
// actor. When it is right the code is spent, the pending sign-in ends and a web session
// begins, all at once; its secret is returned. A wrong code returns Forbidden and changes
// nothing: the pending sign-in may try again until it expires, within the sign-in limits.
func (s *Service) FinishSignin(ctx context.Context, actor *storage.Actor, p *storage.Token, code string) (string, error) {
	secret := NewSecret(32)
	session := &storage.Token{Hash: storage.HashToken(secret), ActorID: actor.ID, Kind: storage.TokenSession,
		CSRF: NewSecret(24), Expires: s.now().Add(sessionLifetime)}
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		c, err := tx.GetCredentials(ctx, actor.ID)
		if err != nil {
			return err
		}
		if !c.TOTPEnabled || !s.takeSecondFactor(c, code) {
			return storage.Errorf(storage.Forbidden, "the code is wrong")
		}
		if err := tx.PutCredentials(ctx, c); err != nil {
			return err
		}
		if err := tx.DeleteTokens(ctx, actor.ID, storage.TokenSignin, p.Hash); err != nil {
			return err
		}
		return tx.PutToken(ctx, session)
	})
	if err != nil {
		return "", fmt.Errorf("finish the sign-in of %s: %w", actor.Username, err)
	}
	return secret, nil
}
