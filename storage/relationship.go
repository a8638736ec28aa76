package storage

import (
	"context"
	"time"
)

// Relationship is how a local account stands with another actor, as every surface shows it.
type Relationship struct {
	Following bool // the account follows the other (accepted)
	// ShowingReblogs: the account's follow (or request) lets the other's boosts reach its
	// home timeline.
	ShowingReblogs bool
	Requested      bool // the account asked to follow and waits for an answer
	FollowsYou     bool // the other follows the account (accepted)
	RequestsYou    bool // the other asked to follow the account and waits for its answer
	Blocking       bool // the account blocks the other
	BlockedBy      bool // the other blocks the account (known only of a local other)
	Muting         bool // the account mutes the other, and the mute has not ended
	// MutingNotifications: the mute hides the other's notifications as well.
	MutingNotifications bool
	// DomainBlocking: the account blocks the whole server of the other (AccountDomainBlock).
	DomainBlocking bool
}

// AccountDomainBlock is a local account's block of a whole server, Mastodon's user domain
// block: what the actors whose Host is Domain post, boost or notify is hidden from the
// account, and the follows between it and them ended when it was made.
type AccountDomainBlock struct {
	ID      int64
	ActorID int64
	Domain  string
	Created time.Time
}

// AccountBlock is a local account's block of another actor: neither follows the other, and
// nothing of the other reaches the account. URI is the id of the Block activity sent to a
// remote target, which its Undo names. (Block is the admin's block of a host or an actor.)
type AccountBlock struct {
	ID       int64
	URI      string
	ActorID  int64
	TargetID int64
	Created  time.Time
}

// Mute is a local account's mute of another actor: the other's posts and boosts (and, with
// Notifications, its notifications) are kept out of what the account reads, and the other
// is never told. A zero Expires is a mute without end.
type Mute struct {
	ID            int64
	ActorID       int64
	TargetID      int64
	Notifications bool
	Expires       time.Time
	Created       time.Time
}

// Live reports whether the mute holds at now.
func (m *Mute) Live(now time.Time) bool { return m.Expires.IsZero() || m.Expires.After(now) }

// PostingDefaults are what a local account posts with when a client does not say.
type PostingDefaults struct {
	Privacy   Visibility // "" is Public
	Sensitive bool
	Language  string
}

// AccountBlockReader reads local accounts' blocks and mutes of other accounts, and their
// posting defaults.
type AccountBlockReader interface {
	// GetAccountBlock returns actorID's block of targetID; NotFound when there is none.
	GetAccountBlock(ctx context.Context, actorID, targetID int64) (*AccountBlock, error)
	// ListAccountBlocks returns the actors actorID blocks, newest block first, with the
	// block row ids that Page.Before and Page.After refer to.
	ListAccountBlocks(ctx context.Context, actorID int64, p Page) ([]*Actor, []int64, error)
	// GetMute returns actorID's mute of targetID that holds at now; NotFound when there is
	// none, or it ended.
	GetMute(ctx context.Context, actorID, targetID int64, now time.Time) (*Mute, error)
	// ListHiders returns the local accounts that block targetID, and the mutes of targetID
	// that hold at now: what a move of targetID carries over to its new account.
	ListHiders(ctx context.Context, targetID int64, now time.Time) (blockers []int64, mutes []*Mute, err error)
	// GetRelationship reads how actor stands with other at now (follows, requests, blocks
	// and mutes both ways, as Relationship says), in one read.
	GetRelationship(ctx context.Context, actor, other int64, now time.Time) (Relationship, error)
	// HidesAnyone reports whether anything can keep others' posts from actorID at now: it
	// blocks or mutes someone or blocks a server, or someone blocks it. When nothing can,
	// a reader need not ask about each author in turn.
	HidesAnyone(ctx context.Context, actorID int64, now time.Time) (bool, error)
	// ListMutes returns the actors actorID mutes at now, newest mute first, with the mute
	// row ids that Page.Before and Page.After refer to.
	ListMutes(ctx context.Context, actorID int64, now time.Time, p Page) ([]*Actor, []int64, error)
	// ListAccountDomainBlocks returns the domains actorID blocks, newest block first
	// (Page.Before and Page.After refer to their ids).
	ListAccountDomainBlocks(ctx context.Context, actorID int64, p Page) ([]*AccountDomainBlock, error)
	// GetPostingDefaults returns actorID's posting defaults; the zero value when it set
	// none.
	GetPostingDefaults(ctx context.Context, actorID int64) (PostingDefaults, error)
}

// AccountBlockWriter stores local accounts' blocks and mutes, and their posting defaults.
type AccountBlockWriter interface {
	// PutAccountBlock stores b and fills it from what is stored: blocking twice keeps the
	// first block, and reports false.
	PutAccountBlock(ctx context.Context, b *AccountBlock) (bool, error)
	// DeleteAccountBlock lifts actorID's block of targetID and returns it; NotFound when
	// there was none.
	DeleteAccountBlock(ctx context.Context, actorID, targetID int64) (*AccountBlock, error)
	// PutMute stores m, replacing the settings of a mute of the same pair, and sets m.ID.
	PutMute(ctx context.Context, m *Mute) error
	// DeleteMute lifts actorID's mute of targetID; NotFound when there was none.
	DeleteMute(ctx context.Context, actorID, targetID int64) error
	// PutAccountDomainBlock stores b and fills it from what is stored: blocking a domain
	// twice keeps the first block, and reports false.
	PutAccountDomainBlock(ctx context.Context, b *AccountDomainBlock) (bool, error)
	// DeleteAccountDomainBlock lifts actorID's block of domain; NotFound when there was
	// none.
	DeleteAccountDomainBlock(ctx context.Context, actorID int64, domain string) error
	// ListFollowsOnHost returns the actors on host that actorID follows or that follow it,
	// requests included.
	ListFollowsOnHost(ctx context.Context, actorID int64, host string) ([]*Actor, error)
	// PutPostingDefaults stores actorID's posting defaults.
	PutPostingDefaults(ctx context.Context, actorID int64, d PostingDefaults) error
}
