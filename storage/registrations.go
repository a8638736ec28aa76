package storage

import (
	"context"
	"time"
)

// Invite is a link that lets people sign up: while sign-up is by invite, and whatever the
// mode, as on Mastodon. Anyone may make one while sign-up is by invite, admins always.
type Invite struct {
	ID        int64
	Code      string // the secret part of the link, /invite/CODE
	ActorID   int64  // the account that made it
	MaxUses   int    // how many may sign up with it; 0 for any number
	Uses      int    // how many did
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Expired reports whether the invite can no longer be used at now: expired or used up.
func (i *Invite) Expired(now time.Time) bool {
	return (!i.ExpiresAt.IsZero() && !now.Before(i.ExpiresAt)) || (i.MaxUses > 0 && i.Uses >= i.MaxUses)
}

// SignUp is what someone told when signing up: why they want to join, which the admins read
// before approving, and the invite they came with (0: none). Accounts made on the command
// line have none.
type SignUp struct {
	ActorID   int64
	Reason    string
	InviteID  int64
	CreatedAt time.Time
}

// RegistrationReader reads invites and sign-ups.
type RegistrationReader interface {
	// GetInvite returns the invite whose code is code, expired or not; NotFound when none.
	GetInvite(ctx context.Context, code string) (*Invite, error)
	// GetInviteByID returns invite id; NotFound when there is none.
	GetInviteByID(ctx context.Context, id int64) (*Invite, error)
	// ListInvites returns the invites made by actorID (every account's when 0), newest
	// first.
	ListInvites(ctx context.Context, actorID int64) ([]*Invite, error)
	// GetSignUp returns what local account actorID told when it signed up; NotFound when it
	// did not sign up (made on the command line, or the first admin).
	GetSignUp(ctx context.Context, actorID int64) (*SignUp, error)
}

// RegistrationWriter stores invites and sign-ups.
type RegistrationWriter interface {
	// PutInvite stores a new invite and sets i.ID; Conflict when its code is taken.
	PutInvite(ctx context.Context, i *Invite) error
	// ExpireInvite makes invite id expire at at (now, usually), unless it expired before;
	// NotFound when there is no such invite.
	ExpireInvite(ctx context.Context, id int64, at time.Time) error
	// UseInvite counts one use of the invite whose code is code, if it may still be used at
	// now, and returns it as it is after the use: NotFound when there is no such invite,
	// Gone when it expired or is used up. Two uses racing for the last one: one wins.
	UseInvite(ctx context.Context, code string, now time.Time) (*Invite, error)
	// PutSignUp stores what a new account told when it signed up.
	PutSignUp(ctx context.Context, s *SignUp) error
	// DeletePendingAccount removes local account id, which must still be pending, with
	// everything it has (credentials, tokens, sign-up), freeing its name: NotFound when
	// there is no pending account id.
	DeletePendingAccount(ctx context.Context, id int64) error
}
