package storage

import (
	"context"
	"time"
)

// EmailPurpose says what a link mailed to an account does.
type EmailPurpose string

// The purposes of mailed links.
const (
	// EmailConfirm confirms the address the link was mailed to as the account's.
	EmailConfirm EmailPurpose = "confirm"
	// EmailReset lets its bearer choose a new password for the account.
	EmailReset EmailPurpose = "reset"
)

// EmailToken is a link mailed to an account: single use, with an expiry; only the hash of
// its secret is stored (HashToken), so a copy of the database opens no account.
type EmailToken struct {
	Hash    string
	ActorID int64
	Purpose EmailPurpose
	// Email is the address it was mailed to: for EmailConfirm, the address that becomes
	// the account's when the link is followed.
	Email   string
	Created time.Time
	Expires time.Time
}

// EmailTokenReader finds mailed links.
type EmailTokenReader interface {
	// GetEmailToken returns the link of purpose whose secret hashes to hash: NotFound
	// when there is none, it was used, or it expired before now.
	GetEmailToken(ctx context.Context, hash string, purpose EmailPurpose, now time.Time) (*EmailToken, error)
	// PendingEmailToken returns the account's unexpired link of purpose: NotFound when it
	// has none.
	PendingEmailToken(ctx context.Context, actorID int64, purpose EmailPurpose, now time.Time) (*EmailToken, error)
}

// EmailTokenWriter stores and spends mailed links.
type EmailTokenWriter interface {
	// PutEmailToken stores t, replacing the account's earlier link of the same purpose,
	// which stops working.
	PutEmailToken(ctx context.Context, t *EmailToken) error
	// DeleteEmailTokens removes the account's link of purpose: a used one, or one made
	// pointless (a reset link once the password is changed).
	DeleteEmailTokens(ctx context.Context, actorID int64, purpose EmailPurpose) error
}
