package outbox

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"refuge/federation"
	outmail "refuge/outbox/mail"
	"refuge/storage"
)

// E-mail: an account's address, confirmed by a link mailed to it, and a password reset by a
// link mailed to a confirmed-or-not address, as Mastodon (devise's confirmable and
// recoverable) does. Every link is single use, stored as its hash, and mailed only after the
// transaction that stored it committed: a mail that fails leaves the data as it was, and
// the person is told to try again.

// The links' lifetimes. A reset link lasts Mastodon's six hours (devise's
// reset_password_within). Mastodon's confirmation links never expire; ours last a day,
// and a new one is a form away.
const (
	resetLinkLifetime   = 6 * time.Hour
	confirmLinkLifetime = 24 * time.Hour
)

// How many mails one account may be sent in a while, whoever asks: Mastodon's limit per
// address (five in 30 minutes), counted in the database so every process shares it. Past
// it, asking again sends nothing and says nothing different.
const (
	mailsPerAccount     = 5
	mailsPerAccountRate = mailsPerAccount / (30 * 60.0)
)

// ErrMailNotSent is what the person sees when the SMTP server could not take the mail: the
// link is stored, nothing is lost, and asking again sends a new one.
var ErrMailNotSent = storage.Errorf(storage.Transient, "we could not send the mail; try again in a few minutes")

// ErrUnconfirmed refuses the right password of an account whose address is not confirmed
// yet, while mail is set up: Mastodon's rule, so that sign-ups are real addresses.
var ErrUnconfirmed = storage.Errorf(storage.Forbidden, "You have to confirm your e-mail address before you can sign in.")

// MailEnabled reports whether the instance sends mail (--smtp-url).
func (s *Service) MailEnabled() bool { return s.Mail != nil }

// CheckEmail tidies an address someone typed and checks it is one: Invalid, saying why, when
// it is not.
func CheckEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	switch a, err := mail.ParseAddress(email); {
	case email == "":
		return "", storage.Errorf(storage.Invalid, "give an e-mail address")
	case err != nil || a.Address != email || a.Name != "":
		return "", storage.Errorf(storage.Invalid, "%q is not an e-mail address", email)
	case len(email) > maxEmail:
		return "", storage.Errorf(storage.Invalid, "an e-mail address has at most %d characters", maxEmail)
	}
	return email, nil
}

// CheckConfirmed returns ErrUnconfirmed for an account that gave an address it has not
// confirmed, when the instance sends mail. Accounts without an address (made on the command
// line, or before addresses) are not held back, and nobody is while mail is off: nothing
// could confirm it.
func (s *Service) CheckConfirmed(ctx context.Context, actor *storage.Actor) error {
	if s.Mail == nil {
		return nil
	}
	c, err := s.DB.GetCredentials(ctx, actor.ID)
	if err != nil {
		return err
	}
	if c.Email != "" && c.EmailConfirmedAt.IsZero() {
		return ErrUnconfirmed
	}
	return nil
}

// EmailState is what the settings page shows of an account's address.
type EmailState struct {
	Email     string
	Confirmed bool
	// Pending is an address asked for and mailed a link, not confirmed yet ("" for none).
	Pending string
}

// Email reads actor's address and the one waiting for confirmation.
func (s *Service) Email(ctx context.Context, actor *storage.Actor) (*EmailState, error) {
	c, err := s.DB.GetCredentials(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	st := &EmailState{Email: c.Email, Confirmed: !c.EmailConfirmedAt.IsZero()}
	p, err := s.DB.PendingEmailToken(ctx, actor.ID, storage.EmailConfirm, s.now())
	if err == nil && !strings.EqualFold(p.Email, c.Email) {
		st.Pending = p.Email
	} else if err != nil && storage.KindOf(err) != storage.NotFound {
		return nil, err
	}
	return st, nil
}

// SetEmail sets local account name's address from the command line: confirmed at once,
// since the admin vouches for it. Conflict when another account has it.
func (s *Service) SetEmail(ctx context.Context, name, email string) error {
	email, err := CheckEmail(email)
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		a, err := liveAccount(ctx, tx, name)
		if err != nil {
			return err
		}
		if a.Type != federation.TypePerson && a.Type != federation.TypeService {
			return storage.Errorf(storage.Invalid, "%s is the instance's own actor, not an account", name)
		}
		c, err := tx.GetCredentials(ctx, a.ID)
		if err != nil {
			return err
		}
		c.Email, c.EmailConfirmedAt = email, s.now()
		if err := tx.PutCredentials(ctx, c); err != nil {
			return err
		}
		return tx.DeleteEmailTokens(ctx, a.ID, storage.EmailConfirm)
	})
}

// ChangeEmail is a signed-in person asking for a new address. With mail, the address is
// mailed a confirmation link and the old one stays until it is followed; without mail,
// nothing could confirm it, and it is set at once, unconfirmed. Conflict when another
// account has it; ErrMailNotSent when the mail failed (ask again).
func (s *Service) ChangeEmail(ctx context.Context, actor *storage.Actor, email string) error {
	email, err := CheckEmail(email)
	if err != nil {
		return err
	}
	if id, err := s.DB.AccountByEmail(ctx, email); err == nil && id != actor.ID {
		return storage.Errorf(storage.Conflict, "that e-mail address belongs to another account")
	} else if err != nil && storage.KindOf(err) != storage.NotFound {
		return err
	}
	if c, err := s.DB.GetCredentials(ctx, actor.ID); err != nil {
		return err
	} else if strings.EqualFold(c.Email, email) && (!c.EmailConfirmedAt.IsZero() || s.Mail == nil) {
		return storage.Errorf(storage.Invalid, "%s is your address already", c.Email)
	}
	if s.Mail == nil {
		return s.DB.Update(ctx, func(tx storage.Tx) error {
			c, err := tx.GetCredentials(ctx, actor.ID)
			if err != nil {
				return err
			}
			if c.Email != email {
				c.Email, c.EmailConfirmedAt = email, time.Time{}
			}
			return tx.PutCredentials(ctx, c)
		})
	}
	return s.mailConfirmation(ctx, actor, email)
}

// ErrNothingToConfirm refuses a new confirmation link to an account whose address is
// confirmed and that asked for no other: Mastodon's words.
var ErrNothingToConfirm = storage.Errorf(storage.Forbidden, "This method is only available while the e-mail is awaiting confirmation")

// SendConfirmation mails actor a link that confirms its unconfirmed address, or the new
// address it asked for: sign-up calls it, and so does the resend form. ErrNothingToConfirm
// when nothing waits; ErrMailNotSent when the mail failed.
func (s *Service) SendConfirmation(ctx context.Context, actor *storage.Actor) error {
	st, err := s.Email(ctx, actor)
	if err != nil {
		return err
	}
	switch {
	case st.Pending != "":
		return s.mailConfirmation(ctx, actor, st.Pending)
	case st.Email != "" && !st.Confirmed:
		return s.mailConfirmation(ctx, actor, st.Email)
	}
	return ErrNothingToConfirm
}

// ConfirmAgain is an app asking for a new confirmation link for its account, as Mastodon's
// POST /api/v1/emails/confirmations: only while an address waits for confirmation
// (ErrNothingToConfirm otherwise); with email, that address is the one mailed, and the
// account's becomes it once confirmed.
func (s *Service) ConfirmAgain(ctx context.Context, actor *storage.Actor, email string, newAddress bool) error {
	if s.Mail == nil {
		return storage.Errorf(storage.Forbidden, "this server sends no mail")
	}
	st, err := s.Email(ctx, actor)
	if err != nil {
		return err
	}
	if st.Pending == "" && (st.Email == "" || st.Confirmed) {
		return ErrNothingToConfirm
	}
	if newAddress && !strings.EqualFold(strings.TrimSpace(email), st.Email) {
		return s.ChangeEmail(ctx, actor, email)
	}
	return s.SendConfirmation(ctx, actor)
}

// ResendConfirmation is the resend form: a new confirmation link for the account with the
// address email, if there is one that waits for it, and nothing otherwise; the answer is
// the same either way, so that the form tells nobody which addresses have accounts here.
// Only a mail that failed is an error (ErrMailNotSent).
func (s *Service) ResendConfirmation(ctx context.Context, email string) error {
	actor, _, err := s.accountWithEmail(ctx, email)
	if actor == nil || err != nil {
		return err
	}
	if err = s.SendConfirmation(ctx, actor); err == ErrNothingToConfirm {
		return nil // already confirmed: nothing to send, nothing to say
	}
	return err
}

func (s *Service) mailConfirmation(ctx context.Context, actor *storage.Actor, email string) error {
	link := s.Base + "/auth/confirmation?confirmation_token="
	return s.mailLink(ctx, actor, storage.EmailConfirm, email, confirmLinkLifetime, func(secret string) outmail.Message {
		return outmail.Message{To: email, Subject: "Confirm your e-mail address on " + s.Domain,
			Body: fmt.Sprintf("Hello %s,\n\nTo confirm %s as the e-mail address of your account @%s@%s, open this link:\n\n%s%s\n\n"+
				"It works once, within %d hours. If you did not ask for this, ignore this mail.\n",
				actor.Username, email, actor.Username, s.Domain, link, url.QueryEscape(secret), int(confirmLinkLifetime.Hours()))}
	})
}

// RequestPasswordReset mails a reset link to the address email when an account that may
// sign in has it, and does nothing otherwise: the caller gives the same answer either way
// (Mastodon's paranoid mode). Only a mail that failed is an error (ErrMailNotSent).
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	if s.Mail == nil {
		return storage.Errorf(storage.Invalid, "this server sends no mail; ask its admin to reset your password")
	}
	actor, c, err := s.accountWithEmail(ctx, email)
	if actor == nil || err != nil {
		return err
	}
	link := s.Base + "/auth/password/edit?reset_password_token="
	return s.mailLink(ctx, actor, storage.EmailReset, c.Email, resetLinkLifetime, func(secret string) outmail.Message {
		return outmail.Message{To: c.Email, Subject: "Reset your password on " + s.Domain,
			Body: fmt.Sprintf("Hello %s,\n\nSomeone asked to change the password of @%s@%s. To choose a new one, open this link:\n\n%s%s\n\n"+
				"It works once, within %d hours. If you did not ask for this, ignore this mail: your password stays as it is.\n",
				actor.Username, actor.Username, s.Domain, link, url.QueryEscape(secret), int(resetLinkLifetime.Hours()))}
	})
}

// accountWithEmail is the live account that may sign in whose address is email, with its
// credentials; nil, and no error, when there is none.
func (s *Service) accountWithEmail(ctx context.Context, email string) (*storage.Actor, *storage.Credentials, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, nil, nil
	}
	id, err := s.DB.AccountByEmail(ctx, email)
	if storage.KindOf(err) == storage.NotFound {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	a, err := s.DB.GetActorByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !a.DeletedAt.IsZero() || a.Suspended() || a.Type != federation.TypePerson && a.Type != federation.TypeService {
		return nil, nil, nil
	}
	c, err := s.DB.GetCredentials(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return a, c, nil
}

// mailLink stores a new link of purpose for actor (replacing its earlier one) and, once
// that committed, mails it with the message msg makes from its secret. Past the account's
// mail limit it stores and sends nothing, and says nothing different.
func (s *Service) mailLink(ctx context.Context, actor *storage.Actor, purpose storage.EmailPurpose, email string,
	lifetime time.Duration, msg func(secret string) outmail.Message) error {
	if s.Mail == nil {
		return storage.Errorf(storage.Invalid, "this server sends no mail")
	}
	secret := NewSecret(32)
	now := s.now()
	t := &storage.EmailToken{Hash: storage.HashToken(secret), ActorID: actor.ID, Purpose: purpose, Email: email,
		Created: now, Expires: now.Add(lifetime)}
	var allowed bool
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		ok, _, err := tx.TakeToken(ctx, fmt.Sprintf("mail-account %d", actor.ID), mailsPerAccountRate, mailsPerAccount, now)
		if err != nil || !ok {
			allowed = false
			return err
		}
		allowed = true
		return tx.PutEmailToken(ctx, t)
	})
	if err != nil {
		return fmt.Errorf("store the %s link of %s: %w", purpose, actor.Username, err)
	}
	if !allowed {
		s.Log.Info("mail not sent: the account's mail limit is reached", "account", actor.Username, "purpose", purpose)
		return nil
	}
	if err := s.Mail.Send(ctx, msg(secret)); err != nil {
		s.Log.Error("mail not sent", "account", actor.Username, "purpose", purpose, "err", err)
		return ErrMailNotSent
	}
	s.Log.Info("mail sent", "account", actor.Username, "purpose", purpose)
	return nil
}

// ConfirmEmail follows a confirmation link: the address it was mailed to becomes the
// account's, confirmed, and the link is spent. NotFound for an unknown, used or expired
// link; Conflict when another account took the address meanwhile. It returns the account.
func (s *Service) ConfirmEmail(ctx context.Context, secret string) (*storage.Actor, error) {
	var actor *storage.Actor
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		t, err := s.linkOf(ctx, tx, secret, storage.EmailConfirm)
		if err != nil {
			return err
		}
		if actor, err = tx.GetActorByID(ctx, t.ActorID); err != nil {
			return err
		}
		c, err := tx.GetCredentials(ctx, t.ActorID)
		if err != nil {
			return err
		}
		c.Email, c.EmailConfirmedAt = t.Email, s.now()
		if err := tx.PutCredentials(ctx, c); err != nil {
			return err
		}
		return tx.DeleteEmailTokens(ctx, t.ActorID, storage.EmailConfirm)
	})
	if err != nil {
		return nil, err
	}
	return actor, nil
}

// CheckResetLink returns the account a reset link is for, without spending it (the form
// that asks for the new password shows first): NotFound for an unknown, used or expired
// link, or an account that can no longer sign in.
func (s *Service) CheckResetLink(ctx context.Context, secret string) (*storage.Actor, error) {
	t, err := s.linkOf(ctx, s.DB, secret, storage.EmailReset)
	if err != nil {
		return nil, err
	}
	return s.resettable(ctx, s.DB, t.ActorID)
}

// ResetPassword follows a reset link with the new password: the password is changed, the
// link spent, and every session, pending sign-in and app token of the account ends, as
// Mastodon's reset does; two-factor sign-in stays on. Following the link also proves the
// address, so an unconfirmed one it was mailed to is confirmed. NotFound for an unknown,
// used or expired link; Invalid for a password too short.
func (s *Service) ResetPassword(ctx context.Context, secret, password string) (*storage.Actor, error) {
	hash, err := newPasswordHash(password)
	if err != nil {
		return nil, err
	}
	var actor *storage.Actor
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		t, err := s.linkOf(ctx, tx, secret, storage.EmailReset)
		if err != nil {
			return err
		}
		if actor, err = s.resettable(ctx, tx, t.ActorID); err != nil {
			return err
		}
		if err := setPassword(ctx, tx, actor, hash, ""); err != nil {
			return err
		}
		for _, kind := range []storage.TokenKind{storage.TokenAPI, storage.TokenOAuth, storage.TokenSignin} {
			if err := tx.DeleteTokens(ctx, actor.ID, kind, ""); err != nil {
				return err
			}
		}
		c, err := tx.GetCredentials(ctx, actor.ID)
		if err != nil {
			return err
		}
		if strings.EqualFold(c.Email, t.Email) && c.EmailConfirmedAt.IsZero() {
			c.EmailConfirmedAt = s.now()
			if err := tx.PutCredentials(ctx, c); err != nil {
				return err
			}
		}
		return tx.DeleteEmailTokens(ctx, actor.ID, storage.EmailReset)
	})
	if err != nil {
		return nil, err
	}
	return actor, nil
}

// badLink is the refusal of an unknown, used or expired link.
func badLink(purpose storage.EmailPurpose) error {
	if purpose == storage.EmailReset {
		return storage.Errorf(storage.NotFound, "This password reset link is wrong, used or expired; ask for a new one.")
	}
	return storage.Errorf(storage.NotFound, "This confirmation link is wrong, used or expired; ask for a new one.")
}

// linkOf is the unexpired link of purpose whose secret is secret.
func (s *Service) linkOf(ctx context.Context, r storage.Reader, secret string, purpose storage.EmailPurpose) (*storage.EmailToken, error) {
	if secret == "" {
		return nil, badLink(purpose)
	}
	t, err := r.GetEmailToken(ctx, storage.HashToken(secret), purpose, s.now())
	if storage.KindOf(err) == storage.NotFound {
		return nil, badLink(purpose)
	}
	return t, err
}

// resettable is account id when it may still sign in; else the link is as good as gone.
func (s *Service) resettable(ctx context.Context, r storage.Reader, id int64) (*storage.Actor, error) {
	a, err := r.GetActorByID(ctx, id)
	if storage.KindOf(err) == storage.NotFound || err == nil && (!a.DeletedAt.IsZero() || a.Suspended() ||
		a.Type != federation.TypePerson && a.Type != federation.TypeService) {
		return nil, badLink(storage.EmailReset)
	}
	return a, err
}
