package storage

import (
	"context"
	"time"
)

// Follow is one actor following another. Accepted is false while a request waits for a
// locked account's answer (or for the remote server's Accept).
type Follow struct {
	ID         int64
	URI        string
	FollowerID int64
	FolloweeID int64
	Accepted   bool
	Created    time.Time
	// HideReblogs keeps the followee's boosts out of a local follower's home timeline.
	HideReblogs bool
}

// AccountCounts are the counts an account shows everyone, as Mastodon's accounts do: its live
// posts but for direct ones (public, unlisted and followers-only), its accepted followers
// and the accounts it follows.
type AccountCounts struct{ Posts, Followers, Following int }

// ReactionKind says which of the two reactions a Reaction is. The values are the
// ActivityStreams types of the activities that make them.
type ReactionKind string

// The kinds of reaction.
const (
	Like     ReactionKind = "Like"
	Announce ReactionKind = "Announce" // a boost
)

// Reaction is a Like or an Announce of a note by an actor.
type Reaction struct {
	ID      int64
	URI     string
	ActorID int64
	NoteID  int64
	Created time.Time
}

// EmojiReaction is an emoji reaction of an actor to a note: Pleroma's, Akkoma's and honk's
// EmojiReact, Misskey's Like that carries a reaction, or a local account's own. Unlike a
// like, an actor may react to one note with several emoji, each once.
type EmojiReaction struct {
	ID      int64
	URI     string // the activity's id
	ActorID int64
	NoteID  int64
	// Emoji is a Unicode emoji, or a custom emoji's shortcode between colons (":blobcat:").
	Emoji string
	// ImageURL is a custom emoji's picture on the server that has it; "" for Unicode.
	ImageURL string
	Created  time.Time
}

// Custom reports whether r is a custom emoji (a picture) rather than a Unicode one.
func (r *EmojiReaction) Custom() bool { return r.ImageURL != "" }

// ReactionGroup is the emoji reactions to one note with one emoji: what a post shows.
type ReactionGroup struct {
	Emoji    string // as EmojiReaction.Emoji
	ImageURL string // a custom emoji's picture, "" for Unicode
	Count    int
	Me       bool // the viewer is one of them
}

// EmojiReactor is one actor's reaction, for the list of who reacted with what.
type EmojiReactor struct {
	Reaction *EmojiReaction
	Actor    *Actor
}

// ViewerState is what one viewer did to each of some notes, by note id.
type ViewerState struct {
	Liked, Boosted, Pinned, Bookmarked map[int64]bool
	// Votes are the options the viewer chose in the polls it voted in, by note.
	Votes map[int64][]int
}

// SocialReader reads follows, reactions and pins.
type SocialReader interface {
	// GetFollow returns the follow of follower to followee; NotFound when there is none.
	GetFollow(ctx context.Context, follower, followee int64) (*Follow, error)
	// GetFollowByURI returns the follow whose Follow activity had id uri; NotFound when
	// there is none.
	GetFollowByURI(ctx context.Context, uri string) (*Follow, error)
	// ListFollowers returns the actors following actorID (accepted, or pending when pending
	// is true), newest first, at most 1,000 (40 by default), with the follow row ids that
	// Page.Before and Page.After refer to.
	ListFollowers(ctx context.Context, actorID int64, pending bool, p Page) ([]*Actor, []int64, error)
	// ListFollowing returns the actors actorID follows (accepted), as ListFollowers does.
	ListFollowing(ctx context.Context, actorID int64, p Page) ([]*Actor, []int64, error)
	// ListReactors returns the actors who reacted to noteID with kind, newest first, with
	// the row ids of their reactions, by which the list is paged.
	ListReactors(ctx context.Context, kind ReactionKind, noteID int64, p Page) ([]*Actor, []int64, error)
	// CountFollows returns how many accepted followers and followings actorID has.
	CountFollows(ctx context.Context, actorID int64) (followers, following int, err error)
	// CountAccounts returns the counts of each of the actors ids, in one go (an actor not
	// stored is left out).
	CountAccounts(ctx context.Context, ids []int64) (map[int64]AccountCounts, error)
	// FollowerInboxes returns the distinct delivery inboxes (shared when known) of the
	// live remote accepted followers of actorID: one entry per server in practice.
	FollowerInboxes(ctx context.Context, actorID int64) ([]string, error)
	// KnownInboxes returns the distinct delivery inboxes (shared when known) of the live
	// remote actors that know actorID: those that follow it or that it follows (accepted or
	// asked), whose notes it liked, boosted, reacted to or answered, and who did any of
	// those to its notes. They are told when the account is deleted.
	KnownInboxes(ctx context.Context, actorID int64) ([]string, error)
	// LocalFollowers returns the ids of the local accounts that follow actorID (accepted).
	LocalFollowers(ctx context.Context, actorID int64) ([]int64, error)
	// GetReaction returns actorID's reaction of the kind to noteID; NotFound when there is
	// none.
	GetReaction(ctx context.Context, kind ReactionKind, actorID, noteID int64) (*Reaction, error)
	// GetReactionByURI returns the reaction of the kind whose activity id is uri; NotFound
	// when there is none.
	GetReactionByURI(ctx context.Context, kind ReactionKind, uri string) (*Reaction, error)
	// ListPinned returns the actor's live pinned notes that viewer may read, newest first,
	// with the filters of p (its paging is not used: there are few).
	ListPinned(ctx context.Context, actorID, viewer int64, p Page) ([]*Note, error)
	// ListBookmarked returns the live notes actorID bookmarked and may still read, newest
	// bookmark first, with the bookmarks' row ids, by which the list is paged.
	ListBookmarked(ctx context.Context, actorID int64, p Page) ([]*Note, []int64, error)
	// ListLiked returns the live notes actorID liked and may still read, newest like
	// first, with the likes' row ids, by which the list is paged.
	ListLiked(ctx context.Context, actorID int64, p Page) ([]*Note, []int64, error)
	// ViewerState returns which of noteIDs the viewer has liked, boosted, pinned and
	// bookmarked, in one read.
	ViewerState(ctx context.Context, viewer int64, noteIDs []int64) (*ViewerState, error)
	// GetEmojiReaction returns actorID's reaction with emoji to noteID; NotFound when there
	// is none.
	GetEmojiReaction(ctx context.Context, actorID, noteID int64, emoji string) (*EmojiReaction, error)
	// GetEmojiReactionByURI returns the emoji reaction whose activity id is uri; NotFound
	// when there is none.
	GetEmojiReactionByURI(ctx context.Context, uri string) (*EmojiReaction, error)
	// ReactionGroups returns the emoji reactions to each of noteIDs grouped by emoji, the
	// first given first, with whether viewer (0 for nobody) is among each group, in one
	// read however many notes a page shows. Suspended actors' reactions are not counted.
	ReactionGroups(ctx context.Context, viewer int64, noteIDs []int64) (map[int64][]ReactionGroup, error)
	// ListEmojiReactors returns who reacted to noteID, with which emoji (only emoji when
	// not ""), oldest first, at most limit (1,000 at most); suspended actors are left out.
	ListEmojiReactors(ctx context.Context, noteID int64, emoji string, limit int) ([]EmojiReactor, error)
}

// SocialWriter stores follows, reactions and pins.
type SocialWriter interface {
	// PutFollow records a follow and fills f from what is stored. When the pair already
	// follows, the stored row keeps its state but takes the new URI, because a repeated
	// Follow is how peers re-sync, and the Accept or Undo that comes next names the newest
	// id. Conflict when another pair's follow has the URI.
	PutFollow(ctx context.Context, f *Follow) error
	// AcceptFollow marks a follow accepted.
	AcceptFollow(ctx context.Context, id int64) error
	// SetHideReblogs sets whether follow id keeps the followee's boosts out of the
	// follower's home timeline.
	SetHideReblogs(ctx context.Context, id int64, hide bool) error
	// DeleteFollow removes a follow (Undo, Reject, unfollow).
	DeleteFollow(ctx context.Context, id int64) error
	// PutReaction records a reaction of the kind and sets r.ID. A repeat by the same actor
	// of the same note is a no-op that reports false.
	PutReaction(ctx context.Context, kind ReactionKind, r *Reaction) (bool, error)
	// DeleteReaction removes a reaction of the kind by row id.
	DeleteReaction(ctx context.Context, kind ReactionKind, id int64) error
	// PutEmojiReaction records an emoji reaction and sets r.ID. A repeat (the same actor,
	// note and emoji, or the same activity id) is a no-op that reports false.
	PutEmojiReaction(ctx context.Context, r *EmojiReaction) (bool, error)
	// DeleteEmojiReaction removes an emoji reaction by row id; nothing when there is none.
	DeleteEmojiReaction(ctx context.Context, id int64) error
	// Pin adds or removes a note from its author's featured collection.
	Pin(ctx context.Context, actorID, noteID int64, pinned bool) error
	// Bookmark adds (on) or removes a bookmark of actorID's on noteID; either is a no-op
	// when done already.
	Bookmark(ctx context.Context, actorID, noteID int64, on bool, at time.Time) error
}
