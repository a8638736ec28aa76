package storage

import (
	"context"
	"time"
)

// RepliesPolicy says which replies of its members a list shows, in Mastodon's words. A
// member's reply to its own post, or to the list's owner, is always shown.
type RepliesPolicy string

// The replies policies of a list.
const (
	RepliesFollowed RepliesPolicy = "followed" // replies to any account the owner follows
	RepliesList     RepliesPolicy = "list"     // replies to the list's members
	RepliesNone     RepliesPolicy = "none"     // no replies to others
)

// RepliesPolicies are the policies in the order they are offered.
var RepliesPolicies = []RepliesPolicy{RepliesList, RepliesFollowed, RepliesNone}

// List is a local account's named group of accounts it follows, with its own timeline
// (Mastodon's List). When Exclusive, the posts of its members leave the owner's home
// timeline, as Mastodon 4.2 does.
type List struct {
	ID            int64
	ActorID       int64 // the owner
	Title         string
	RepliesPolicy RepliesPolicy
	Exclusive     bool
	Created       time.Time
}

// ListReader reads lists.
type ListReader interface {
	// ListLists returns the lists of local account actorID, oldest first.
	ListLists(ctx context.Context, actorID int64) ([]*List, error)
	// GetList returns actorID's list id; NotFound when actorID has no such list (another
	// account's is not found either).
	GetList(ctx context.Context, actorID, id int64) (*List, error)
	// ListListMembers returns a page of the members of list id, newest first by when they
	// were added; cursors are the membership rows' ids.
	ListListMembers(ctx context.Context, id int64, p Page) (actors []*Actor, cursors []int64, err error)
	// ListsWith returns the lists of actorID that have memberID among their members,
	// oldest first.
	ListsWith(ctx context.Context, actorID, memberID int64) ([]*List, error)
}

// ListWriter writes lists.
type ListWriter interface {
	// CreateList stores l, setting its id (and Created when zero).
	CreateList(ctx context.Context, l *List) error
	// UpdateList stores l's title, replies policy and exclusiveness; NotFound when
	// l.ActorID has no list l.ID.
	UpdateList(ctx context.Context, l *List) error
	// DeleteList removes actorID's list id and its memberships; NotFound when there is none.
	DeleteList(ctx context.Context, actorID, id int64) error
	// AddListMembers adds the accounts ids to list id; one already there stays as it was.
	AddListMembers(ctx context.Context, id int64, ids []int64) error
	// RemoveListMembers takes the accounts ids out of list id; those not in it are ignored.
	RemoveListMembers(ctx context.Context, id int64, ids []int64) error
}
