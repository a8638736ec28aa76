package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// FeedItem is one entry of a home feed: a note, boosted by someone when Booster is set.
type FeedItem struct {
	ID      int64
	Note    *Note
	Booster *Actor
	Boost   *Reaction // the booster's Announce, when Booster is set
	Created time.Time
}

// NotificationKind says what happened that a notification tells of. The values are what is
// stored, and what the notifications page shows by.
type NotificationKind string

// The kinds of notification.
const (
	NotificationFollow        NotificationKind = "follow"         // someone followed
	NotificationFollowRequest NotificationKind = "follow_request" // someone asks to follow a locked account
	NotificationMention       NotificationKind = "mention"        // a note mentions or addresses the account
	NotificationReply         NotificationKind = "reply"          // a note replies to one of the account's
	NotificationLike          NotificationKind = "like"           // a note of the account was liked
	NotificationAnnounce      NotificationKind = "announce"       // a note of the account was boosted
	NotificationMove          NotificationKind = "move"           // an account followed moved (to its MovedTo)
	NotificationPoll          NotificationKind = "poll"           // a poll the account voted in or made ended
	NotificationQuote         NotificationKind = "quote"          // a post quotes one of the account's
	NotificationReaction      NotificationKind = "reaction"       // a note of the account was reacted to with an emoji
)

// Notification tells a local account that someone did something concerning it.
type Notification struct {
	ID      int64
	Type    NotificationKind
	Actor   *Actor
	Note    *Note
	Created time.Time
	Read    bool
	// Emoji and EmojiURL are a reaction's emoji and, for a custom one, its picture.
	Emoji, EmojiURL string
}

// FeedReader reads home feeds and notifications.
type FeedReader interface {
	// ListFeed returns an account's home feed: its live notes that it may read now (by the
	// same rule as CanSee), newest first; a Limited author's note that came by itself (a
	// mention) only when the account follows the author.
	ListFeed(ctx context.Context, accountID int64, p Page) ([]FeedItem, error)
	// ListNotifications returns an account's notifications, newest first, with their
	// actors and notes; none from suspended actors, nor from Limited ones the account does
	// not follow.
	ListNotifications(ctx context.Context, accountID int64, p Page) ([]*Notification, error)
	// FeedPosition returns the newest row of the account's feed that brought note id (or,
	// when boost, the boost with row id id), 0 when there is none: where it stands in the
	// feed, for paging from it.
	FeedPosition(ctx context.Context, accountID, id int64, boost bool) (int64, error)
	// CountUnreadNotifications counts an account's notifications it has not seen yet.
	CountUnreadNotifications(ctx context.Context, accountID int64) (int, error)
	// CountNotifications counts an account's notifications that p's filters keep (its
	// paging ignored), up to most.
	CountNotifications(ctx context.Context, accountID int64, p Page, most int) (int, error)
}

// FeedWriter writes home feeds and notifications.
type FeedWriter interface {
	// AddToFeed puts a note (and the announce that brought it, or 0) into local accounts'
	// feeds; one already there is not added twice.
	AddToFeed(ctx context.Context, accountIDs []int64, noteID, announceID int64, at time.Time) error
	// RemoveFromFeeds takes everything of author out of account's feed (after an
	// unfollow).
	RemoveFromFeeds(ctx context.Context, accountID, authorID int64) error
	// Notify records a notification for a local account; nothing when the account did it
	// itself, but for the end of its own poll, which Mastodon tells its author of too.
	// noteID is 0 when no note is concerned.
	Notify(ctx context.Context, accountID int64, kind NotificationKind, actorID, noteID int64, at time.Time) error
	// NotifyReaction records, as Notify does, that actorID reacted to the account's note
	// noteID with emoji (and, for a custom one, its picture emojiURL).
	NotifyReaction(ctx context.Context, accountID, actorID, noteID int64, emoji, emojiURL string, at time.Time) error
	// MarkNotificationsRead marks an account's notifications up to row id upTo as seen.
	MarkNotificationsRead(ctx context.Context, accountID, upTo int64) error
	// DeleteNotification removes the account's notification with row id id; NotFound when
	// the account has none with that id.
	DeleteNotification(ctx context.Context, accountID, id int64) error
	// DeleteNotifications removes the account's notifications that p's filters keep (its
	// paging ignored): all of them when it has none.
	DeleteNotifications(ctx context.Context, accountID int64, p Page) error
}

// TokenKind says what a token lets its bearer in to.
type TokenKind string

// The kinds of token.
const (
	TokenAPI     TokenKind = "api"     // a bearer token for the API
	TokenSession TokenKind = "session" // a web session cookie, with its CSRF token
	// An OAuth access token: it belongs to an app, carries the scopes granted, and has no
	// account when the app asked for one for itself (client_credentials).
	TokenOAuth TokenKind = "oauth"
	// A sign-in half done: the password was right and the account's second factor is
	// asked for next. It lives minutes, carries the second form's CSRF token, and lets its
	// bearer in to nothing but that form.
	TokenSignin TokenKind = "signin"
)

// Token is an API bearer token or a web session; only its hash is stored.
type Token struct {
	Hash    string
	ActorID int64 // 0: an app's own token, acting for no account
	Kind    TokenKind
	CSRF    string
	Scopes  string // space-separated; "" grants every scope (sessions, `refuge token`)
	AppID   int64  // the OAuth app it was issued to, or 0
	Created time.Time
	Expires time.Time
}

// HashToken is how a secret token is stored and looked up.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// TokenReader finds tokens.
type TokenReader interface {
	// GetToken returns the token whose secret hashes to hash; NotFound when there is none
	// or it expired before now.
	GetToken(ctx context.Context, hash string, now time.Time) (*Token, error)
	// GetSession returns the web session (TokenSession) whose secret hashes to hash, with
	// its account, deleted or not; NotFound when there is none or it expired before now.
	GetSession(ctx context.Context, hash string, now time.Time) (*Token, *Actor, error)
}

// TokenWriter stores tokens.
type TokenWriter interface {
	// PutToken stores a token (t.Hash must be HashToken of the secret) and sets t.Created
	// when zero.
	PutToken(ctx context.Context, t *Token) error
	// DeleteTokens removes the actor's token of the kind whose hash is hash, or with hash
	// "" every token of the kind the actor has.
	DeleteTokens(ctx context.Context, actorID int64, kind TokenKind, hash string) error
	// DeleteOtherTokens removes every token of the kind the actor has but the one whose
	// hash is keep.
	DeleteOtherTokens(ctx context.Context, actorID int64, kind TokenKind, keep string) error
}
