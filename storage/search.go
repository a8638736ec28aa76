package storage

import (
	"context"
	"time"
)

// TagUse is how much a hashtag was used over some days: its public posts and their
// distinct authors.
type TagUse struct {
	Name     string // lower case, without '#'
	Uses     int
	Accounts int
}

// TagPost is one public post carrying a hashtag: when, and by whom.
type TagPost struct {
	Published time.Time
	ActorID   int64
}

// ActorQuery is what an account search matches: a username beginning with Name (any case)
// or, without Host, a display name containing it; with Host, only actors whose host
// begins with it.
type ActorQuery struct {
	Name       string
	Host       string
	FollowedBy int64 // when not 0, only the actors this account follows (accepted)
	Viewer     int64 // who searches (0: anonymous): limited accounts it does not follow are left out
	Limit      int
	Offset     int
}

// NoteSearch is what a search of posts matches: those whose indexed text has every term of
// Text (see storage/textindex), among those ActorID (0: a visitor) may read and find: its
// own, the public ones of indexable authors, and those it liked, boosted, bookmarked,
// replied to or is mentioned in; a visitor finds only public posts of indexable local
// accounts. Only AuthorID's when it is not 0; with ids below Before and above After when
// those are set. Newest first, or best first with ByRelevance.
type NoteSearch struct {
	Text          string
	ActorID       int64
	AuthorID      int64
	Before, After int64
	ByRelevance   bool
	Limit, Offset int
}

// SearchReader finds accounts, hashtags and notes by text, and reads what the instance's
// trends and activity are made of.
type SearchReader interface {
	// SearchActors returns the live actors matching q, none suspended and none limited that
	// q.Viewer neither is nor follows: exact usernames first, then local ones, then by name.
	SearchActors(ctx context.Context, q ActorQuery) ([]*Actor, error)
	// SearchTags returns the names (lower case, without '#') of the hashtags of live public
	// notes that begin with prefix, the most used first.
	SearchTags(ctx context.Context, prefix string, limit, offset int) ([]string, error)
	// SearchNotes returns the live notes q matches, newest first (or best first).
	SearchNotes(ctx context.Context, q NoteSearch) ([]*Note, error)
	// ListTagUses returns the hashtags of the live public notes published since, the ones
	// used by most accounts first, then by most posts.
	ListTagUses(ctx context.Context, since time.Time, limit, offset int) ([]TagUse, error)
	// ListTagPosts returns when and by whom the live public notes with hashtag name (lower
	// case, without '#') published since were posted.
	ListTagPosts(ctx context.Context, name string, since time.Time) ([]TagPost, error)
	// ListPeerHosts returns the hosts of the live remote actors stored, in order.
	ListPeerHosts(ctx context.Context) ([]string, error)
	// CountLocalActivity counts what happened on the instance from from until before to:
	// local posts written (deleted ones included, as they were written), the local
	// accounts that signed in (a session or token made then and still kept), and the local
	// accounts created.
	CountLocalActivity(ctx context.Context, from, to time.Time) (posts, logins, registrations int, err error)
}
