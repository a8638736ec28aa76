package outbox

import (
	"cmp"
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"refuge/federation"
	"refuge/storage"
)

// Registrations is who may sign up here, as Mastodon's registrations modes: nobody
// (closed), anyone (open), anyone but an admin approves the account before it can be used
// (approval), or those with an invite link (invite). A valid invite lets its holder sign up
// whatever the mode, without approval, as on Mastodon.
type Registrations string

// The registrations modes; the zero mode is closed.
const (
	RegistrationsClosed   Registrations = "closed"
	RegistrationsOpen     Registrations = "open"
	RegistrationsApproval Registrations = "approval"
	RegistrationsInvite   Registrations = "invite"
)

// ParseRegistrations reads a registrations mode; "" is closed.
func ParseRegistrations(s string) (Registrations, error) {
	switch m := Registrations(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return RegistrationsClosed, nil
	case RegistrationsClosed, RegistrationsOpen, RegistrationsApproval, RegistrationsInvite:
		return m, nil
	}
	return "", fmt.Errorf("registrations %q: give closed, open, approval or invite", s)
}

// Mode is the registrations mode, closed when none was set.
func (s *Service) Mode() Registrations {
	if s.Registrations == "" {
		return RegistrationsClosed
	}
	return s.Registrations
}

// Problem is one thing wrong with one field of a new account, with Mastodon's code for it
// (ERR_BLANK, ERR_INVALID, ERR_TAKEN, ERR_TOO_LONG, ERR_TOO_SHORT, ERR_ACCEPTED), which the
// client API reports in the details of its 422.
type Problem struct {
	Field, Code, Description string
}

// Problems is everything wrong with a new account, in the order of its fields.
type Problems []Problem

func (p *Problems) add(field, code, description string) {
	*p = append(*p, Problem{Field: field, Code: code, Description: description})
}

// String says the problem in a sentence: "Username is taken".
func (p Problem) String() string {
	return strings.ToUpper(p.Field[:1]) + strings.ReplaceAll(p.Field[1:], "_", " ") + " " + p.Description
}

// Error says every problem, as Mastodon's "Validation failed: ..." does.
func (p Problems) Error() string {
	parts := make([]string, len(p))
	for i, x := range p {
		parts[i] = x.String()
	}
	return "Validation failed: " + strings.Join(parts, ", ")
}

// err is nil without problems, else an Invalid error that wraps p (errors.As finds it).
func (p Problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &storage.Error{Kind: storage.Invalid, Msg: p.Error(), Err: p}
}

// newAccountProblems checks a new local account's name and password by the rules every way
// of making one shares: the command line, the sign-up form and the client API.
func newAccountProblems(name, password string) Problems {
	var p Problems
	switch {
	case name == "":
		p.add("username", "ERR_BLANK", "can't be blank")
	case len(name) > 30:
		p.add("username", "ERR_TOO_LONG", "is too long (at most 30 characters)")
	case ValidUsername(name) != nil:
		p.add("username", "ERR_INVALID", "is invalid: use only letters, digits and underscores")
	}
	switch {
	case password == "":
		p.add("password", "ERR_BLANK", "can't be blank")
	case len(password) < 8:
		p.add("password", "ERR_TOO_SHORT", "is too short (at least 8 characters)")
	}
	return p
}

// Lengths, in characters, of what a sign-up may say: Mastodon's.
const (
	maxEmail  = 254
	maxReason = 420
)

// SignUpInput is what someone signing up gives, on the sign-up form or through the API.
type SignUpInput struct {
	Username, Email, Password string
	// PasswordConfirmation is the password typed again, on the sign-up form; nil where it
	// is not asked for (the API).
	PasswordConfirmation *string
	// Agreement is the "I accept" of the instance's rules, which must be given.
	Agreement bool
	// Reason is why they want to join, for the admin who approves the account.
	Reason string
	// InviteCode is the code of the invite link they came with, or "".
	InviteCode string
	// App, for a sign-up through the client API, is the app that asked: it is given a token
	// for the new account, with Scopes, in the same transaction.
	App    *storage.App
	Scopes string
}

// SignedUp is a new account: its actor (Pending when an admin must approve it) and, for a
// sign-up through the API, its token and the token's secret.
type SignedUp struct {
	Actor  *storage.Actor
	Token  *storage.Token
	Secret string
	// Mailed is set when the instance sends mail and the link that confirms the address
	// went out; until it is followed the account cannot sign in.
	Mailed bool
}

// Refusals of a sign-up before its fields are looked at.
var (
	ErrRegistrationsClosed = storage.Errorf(storage.Forbidden, "Sign-up is closed on this server.")
	ErrInviteNeeded        = storage.Errorf(storage.Forbidden, "Sign-up on this server is by invitation: open the invite link you were given.")
	ErrInviteUnknown       = storage.Errorf(storage.Forbidden, "This invite link is not valid: check it with the person who gave it to you.")
	ErrInviteExpired       = storage.Errorf(storage.Forbidden, "This invite link has expired or has been used as often as it may be.")
)

// SignUp makes a local account for someone signing up, as the registrations mode allows:
// Forbidden when it is closed (or by invite, without a valid invite); Invalid with every
// Problem of the fields when any; nothing is stored on any refusal. The account is pending
// until an admin approves it when the mode is approval and no invite was given. An invite
// is used up in the transaction that makes the account, so that of two sign-ups racing for
// its last use one wins and the other is refused. The address is stored unconfirmed.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*SignedUp, error) {
	mode := s.Mode()
	in.Username = strings.TrimSpace(in.Username)
	in.Email = strings.TrimSpace(in.Email)
	in.Reason = strings.TrimSpace(strings.ReplaceAll(in.Reason, "\r\n", "\n"))
	in.InviteCode = strings.TrimSpace(in.InviteCode)
	if in.InviteCode != "" {
		if _, err := s.UsableInvite(ctx, in.InviteCode); err != nil {
			return nil, err
		}
	} else if mode == RegistrationsClosed {
		return nil, ErrRegistrationsClosed
	} else if mode == RegistrationsInvite {
		return nil, ErrInviteNeeded
	}
	problems, err := s.signUpProblems(ctx, s.DB, in)
	if err != nil {
		return nil, err
	}
	if err := problems.err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	a, priv, err := s.newLocalActor(in.Username, federation.TypePerson)
	if err != nil {
		return nil, err
	}
	a.Pending = mode == RegistrationsApproval && in.InviteCode == ""
	var out *SignedUp
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		out = &SignedUp{Actor: a}
		up := &storage.SignUp{Reason: in.Reason, CreatedAt: s.now()}
		if in.InviteCode != "" {
			inv, err := tx.UseInvite(ctx, in.InviteCode, s.now())
			if err != nil {
				return inviteRefusal(err)
			}
			up.InviteID = inv.ID
		}
		// Checked again where the account is stored: another sign-up may have taken the
		// name or the address since.
		if p, err := s.signUpProblems(ctx, tx, in); err != nil || len(p) > 0 {
			return cmp.Or(err, p.err())
		}
		if err := tx.CreateActor(ctx, a); storage.KindOf(err) == storage.Conflict {
			return Problems{{Field: "username", Code: "ERR_TAKEN", Description: "is taken"}}.err()
		} else if err != nil {
			return err
		}
		err := tx.PutCredentials(ctx, &storage.Credentials{ActorID: a.ID, PasswordHash: hash, PrivateKeyPEM: priv, Email: in.Email})
		if storage.KindOf(err) == storage.Conflict {
			return Problems{{Field: "email", Code: "ERR_TAKEN", Description: "is taken"}}.err()
		} else if err != nil {
			return err
		}
		up.ActorID = a.ID
		if err := tx.PutSignUp(ctx, up); err != nil {
			return err
		}
		if in.App == nil {
			return nil
		}
		out.Secret = NewSecret(32)
		out.Token = &storage.Token{Hash: storage.HashToken(out.Secret), ActorID: a.ID, Kind: storage.TokenOAuth,
			Scopes: in.Scopes, AppID: in.App.ID, Created: s.now()}
		return tx.PutToken(ctx, out.Token)
	})
	if err != nil {
		return nil, fmt.Errorf("sign up %s: %w", in.Username, err)
	}
	s.Log.Info("signed up", "username", a.Username, "pending", a.Pending, "invite", in.InviteCode != "")
	if s.Mail != nil {
		// After the commit: a mail that fails loses no account, and the resend form or
		// POST /api/v1/emails/confirmations sends another.
		out.Mailed = true
		if err := s.SendConfirmation(ctx, a); err != nil {
			out.Mailed = false
			s.Log.Warn("the confirmation of a sign-up was not mailed", "username", a.Username, "err", err)
		}
	}
	return out, nil
}

// signUpProblems checks the fields of a sign-up against the rules and what r holds.
func (s *Service) signUpProblems(ctx context.Context, r storage.Reader, in SignUpInput) (Problems, error) {
	p := newAccountProblems(in.Username, in.Password)
	if len(p) == 0 || p[0].Field != "username" {
		if _, err := r.GetLocalActor(ctx, in.Username); err == nil {
			p = append(Problems{{Field: "username", Code: "ERR_TAKEN", Description: "is taken"}}, p...)
		} else if storage.KindOf(err) != storage.NotFound {
			return nil, err
		}
	}
	switch {
	case in.Email == "":
		p.add("email", "ERR_BLANK", "can't be blank")
	case utf8.RuneCountInString(in.Email) > maxEmail:
		p.add("email", "ERR_TOO_LONG", fmt.Sprintf("is too long (at most %d characters)", maxEmail))
	case !isEmail(in.Email):
		p.add("email", "ERR_INVALID", "is not an e-mail address")
	default:
		if _, err := r.AccountByEmail(ctx, in.Email); err == nil {
			p.add("email", "ERR_TAKEN", "is taken")
		} else if storage.KindOf(err) != storage.NotFound {
			return nil, err
		}
	}
	if in.PasswordConfirmation != nil && *in.PasswordConfirmation != in.Password {
		p.add("password_confirmation", "ERR_INVALID", "doesn't match the password")
	}
	if !in.Agreement {
		p.add("agreement", "ERR_ACCEPTED", "must be accepted")
	}
	if utf8.RuneCountInString(in.Reason) > maxReason {
		p.add("reason", "ERR_TOO_LONG", fmt.Sprintf("is too long (at most %d characters)", maxReason))
	}
	return p, nil
}

// isEmail reports whether s is a plain address, name@host, and nothing more.
func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && !strings.ContainsAny(s, " <>")
}

// UsableInvite returns the invite of code when it may be used now: ErrInviteUnknown or
// ErrInviteExpired when not.
func (s *Service) UsableInvite(ctx context.Context, code string) (*storage.Invite, error) {
	inv, err := s.DB.GetInvite(ctx, code)
	if err != nil {
		return nil, inviteRefusal(err)
	}
	if inv.Expired(s.now()) {
		return nil, ErrInviteExpired
	}
	return inv, nil
}

// inviteRefusal is what a sign-up is told when its invite cannot be used.
func inviteRefusal(err error) error {
	switch storage.KindOf(err) {
	case storage.NotFound:
		return ErrInviteUnknown
	case storage.Gone:
		return ErrInviteExpired
	}
	return err
}

// ErrPending refuses the right password of an account waiting for approval.
var ErrPending = storage.Errorf(storage.Forbidden, "Your sign-up is waiting for an admin's approval: you can sign in once it is approved.")

// pendingAccount is local account id if it waits for approval: NotFound when there is no
// such pending account.
func pendingAccount(ctx context.Context, r storage.Reader, id int64) (*storage.Actor, error) {
	a, err := r.GetActorByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Local || !a.Pending {
		return nil, storage.Errorf(storage.NotFound, "no sign-up waits for approval as account %d", id)
	}
	return a, nil
}

// ApproveAccount lets the pending account id be used, as Mastodon's approve: its created_at
// stays the sign-up's. NotFound when no account id waits for approval (approved already,
// rejected, or another); Forbidden for anyone but an admin.
func (s *Service) ApproveAccount(ctx context.Context, admin *storage.Actor, id int64) (*storage.Actor, error) {
	return s.answerSignUp(ctx, admin, id, true)
}

// RejectAccount removes the pending account id with everything it has, and its name is free
// again, as Mastodon's reject: NotFound when no account id waits for approval; Forbidden
// for anyone but an admin.
func (s *Service) RejectAccount(ctx context.Context, admin *storage.Actor, id int64) (*storage.Actor, error) {
	return s.answerSignUp(ctx, admin, id, false)
}

func (s *Service) answerSignUp(ctx context.Context, admin *storage.Actor, id int64, approve bool) (*storage.Actor, error) {
	verb := map[bool]string{true: "approve", false: "reject"}[approve]
	if admin == nil || !admin.Admin {
		return nil, storage.Errorf(storage.Forbidden, "only admins %s sign-ups", verb)
	}
	var a *storage.Actor
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		var err error
		if a, err = pendingAccount(ctx, tx, id); err != nil {
			return err
		}
		if !approve {
			return tx.DeletePendingAccount(ctx, id)
		}
		a.Pending = false
		return tx.UpdateActor(ctx, a)
	})
	if err != nil {
		return nil, fmt.Errorf("%s the sign-up of account %d: %w", verb, id, err)
	}
	s.Log.Info("sign-up answered", "username", a.Username, "answer", verb, "admin", admin.Username)
	return a, nil
}

// InviteExpiries and InviteUses are the choices an invite is made with, Mastodon's: how long
// it lasts (0: for ever) and how many may sign up with it (0: any number).
var (
	InviteExpiries = []time.Duration{30 * time.Minute, time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
		7 * 24 * time.Hour, 0}
	InviteUses = []int{1, 5, 10, 25, 50, 100, 0}
)

// DefaultInviteExpiry is the expiry the form offers first: a week, so that a forgotten link
// stops working. Any number of uses is offered first.
const DefaultInviteExpiry = 7 * 24 * time.Hour

// MayInvite reports whether actor may make invite links: anyone while sign-up is by invite,
// admins always (their links are how people join a closed server).
func (s *Service) MayInvite(actor *storage.Actor) bool {
	return actor != nil && (actor.Admin || s.Mode() == RegistrationsInvite)
}

// CreateInvite makes an invite link of actor's that lasts expiresIn (0: for ever) for
// maxUses sign-ups (0: any number), each one of the choices InviteExpiries and InviteUses
// offer: Forbidden when actor may not invite, Invalid for another choice.
func (s *Service) CreateInvite(ctx context.Context, actor *storage.Actor, expiresIn time.Duration, maxUses int) (*storage.Invite, error) {
	if !s.MayInvite(actor) {
		return nil, storage.Errorf(storage.Forbidden, "only admins make invite links while sign-up is not by invitation")
	}
	if !slices.Contains(InviteExpiries, expiresIn) || !slices.Contains(InviteUses, maxUses) {
		return nil, storage.Errorf(storage.Invalid, "choose how long the invite lasts and how many may use it from the lists")
	}
	now := s.now()
	inv := &storage.Invite{Code: NewSecret(9), ActorID: actor.ID, MaxUses: maxUses, CreatedAt: now}
	if expiresIn > 0 {
		inv.ExpiresAt = now.Add(expiresIn)
	}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutInvite(ctx, inv) }); err != nil {
		return nil, fmt.Errorf("create invite: %w", err)
	}
	return inv, nil
}

// ExpireInvite makes invite id expire now: its maker or an admin may; Forbidden for anyone
// else, NotFound when there is no such invite.
func (s *Service) ExpireInvite(ctx context.Context, actor *storage.Actor, id int64) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		inv, err := tx.GetInviteByID(ctx, id)
		if err != nil {
			return err
		}
		if actor == nil || (!actor.Admin && inv.ActorID != actor.ID) {
			return storage.Errorf(storage.Forbidden, "only its maker or an admin may expire an invite")
		}
		return tx.ExpireInvite(ctx, id, s.now())
	})
}
