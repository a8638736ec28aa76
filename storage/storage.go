// Package storage owns Refuge's domain: the plain structs every other package passes around
// (Actor, Note, Follow, Activity, Delivery, ...), their small vocabularies (Visibility,
// NotificationKind, TokenKind, ReactionKind), the error kinds every package returns, and the
// interfaces through which the data is read and written. It has no SQL and imports nothing of
// Refuge's; storage/sqlite implements the interfaces on one SQLite file.
//
// The interfaces come one per entity, a reader and a writer, so that a package that needs
// little can say so with an interface of its own made of a few of them. Reads are on Reader,
// which both DB and Tx offer; writes happen on a Tx, inside DB.Update. Errors are *Error
// values: each method's comment says which kinds it returns besides Internal.
package storage

import (
	"context"
	"time"
)

// Reader is every read. DB reads what is committed; a Tx reads its own writes too.
type Reader interface {
	ActorReader
	CredentialReader
	NoteReader
	MediaReader
	SocialReader
	FeedReader
	TokenReader
	AppReader
	ActivityReader
	DeliveryReader
	BlockReader
	AccountBlockReader
	MetaReader
	SearchReader
	MarkerReader
	PushReader
	RemoteMediaReader
	ReportReader
	ListReader
	FilterReader
	SettingsReader
	EmailTokenReader
	RegistrationReader
	ConversationReader
	ImportReader
	TranslationReader
	TagFollowReader
	PollReader
	QuoteReader
	CustomEmojiReader
	PeerSignatureReader
	GroupReader
	PeerSoftwareReader
}

// Tx is a write transaction. It has every read method too, so that a check and the write it
// guards see the same data.
type Tx interface {
	Reader
	ActorWriter
	CredentialWriter
	NoteWriter
	MediaWriter
	SocialWriter
	FeedWriter
	TokenWriter
	AppWriter
	ActivityWriter
	DeliveryWriter
	BlockWriter
	AccountBlockWriter
	MetaWriter
	LimitWriter
	MarkerWriter
	PushWriter
	RemoteMediaWriter
	ReportWriter
	ListWriter
	FilterWriter
	SettingsWriter
	EmailTokenWriter
	RegistrationWriter
	ConversationWriter
	ImportWriter
	TranslationWriter
	TagFollowWriter
	PollWriter
	QuoteWriter
	CustomEmojiWriter
	PeerSignatureWriter
	GroupWriter
	PeerSoftwareWriter
}

// DB is an open Refuge database.
type DB interface {
	Reader
	DeliveryQueue
	PushQueue
	RemoteMediaQueue
	ImportQueue

	// Update runs fn in a write transaction, committing when fn returns nil and rolling back
	// what fn did otherwise, so that nothing is ever half-stored. It returns fn's error, or
	// the commit's, once the commit is done; a panic in fn reaches the caller after the
	// rollback. An update whose ctx ends before its commit is rolled back (or never run)
	// and returns a Transient error wrapping ctx's: nothing is stored for a caller that
	// gave up, or was given an answer, already.
	//
	// fn may run more than once (a database shared by several processes runs it again when
	// another's commit got in its way), so it must act only through tx and set afresh
	// whatever it hands back to its caller.
	Update(ctx context.Context, fn func(tx Tx) error) error

	// CheckDelivery reports, in one read, whether an activity with id activityURI is stored
	// already and whether any of actors (URIs), or their hosts (see BlockedBy), is blocked:
	// what the inbox asks of every delivery. The blocks come from memory, read again
	// whenever a block was set or lifted since, by any process (PutBlock and DeleteBlock
	// change a version that this read fetches with the activity).
	CheckDelivery(ctx context.Context, activityURI string, actors []string) (seen, blocked bool, err error)

	// ReindexNotes writes the full-text index terms of every live note again, a batch at a
	// time, and drops those of notes gone; searches go on meanwhile. progress, when not
	// nil, is told after each batch how many notes of how many are done.
	ReindexNotes(ctx context.Context, progress func(done, total int)) error

	// Commits counts the write transactions made so far. Whatever was read from the
	// database is still current while it has not changed. On SQLite it counts this
	// process's own (the admin commands' writes go unseen); on PostgreSQL other processes'
	// too, as their commits are announced, within milliseconds.
	Commits() int64

	// RowCounts counts the rows of every table, by table name, in one consistent read: for
	// tests (a refused request must leave every table as it was) and for an admin's
	// overview of what an instance holds.
	RowCounts(ctx context.Context) (map[string]int, error)

	// Close releases the database; nothing may use it afterwards.
	Close() error
}

// MetaReader reads instance-wide settings fixed at first start.
type MetaReader interface {
	// GetMeta returns the value stored under key, or "" when there is none.
	GetMeta(ctx context.Context, key string) (string, error)
}

// MetaWriter writes instance-wide settings.
type MetaWriter interface {
	// PutMeta stores value under key, replacing any value it had.
	PutMeta(ctx context.Context, key, value string) error
}

// Page asks for a slice of a list ordered newest first: items older than Before (a row id;
// 0 means from the newest), or, when After is set, the items just newer than After.
type Page struct {
	Before int64
	After  int64
	Oldest bool // the oldest items (a collection's last page); still returned newest first
	Limit  int  // 0, or more than the list allows, means the list's default

	// Filters that lists of notes apply (others ignore them), so that a filtered page is
	// as full as an unfiltered one.
	NoReplies bool   // leave out replies to other actors' notes (a thread of one's own stays)
	OnlyMedia bool   // only notes with attachments
	Tag       string // only notes with this hashtag (lower case, without #), when set

	// Filters that lists of notifications apply.
	Kinds        []NotificationKind // only these kinds, when any
	ExcludeKinds []NotificationKind // none of these
	FromActor    int64              // only those of this actor, when not 0
	AboutNote    int64              // only those about this note, when not 0
	CreatedFrom  time.Time          // only those made at or after this, when set
	CreatedUntil time.Time          // only those made before this, when set
	Unread       bool               // only those not yet seen

	// HiddenFor is a local account (0: none) for whom lists of notes, feeds and
	// notifications leave out what is hidden from it: the posts and boosts of the accounts
	// it blocks, that block it, or that it mutes as of HiddenAt (zero: now), and the boosts
	// of the accounts it follows without their boosts (Follow.HideReblogs); notifications
	// from the accounts it blocks or mutes with their notifications. Left out in the query,
	// so that a page stays full.
	HiddenFor int64
	HiddenAt  time.Time

	// Filters that a home feed applies (ListFeed): a list's timeline is the rows of its
	// owner's feed that the list's members brought.
	List          *List // only what its members posted or boosted, its replies policy applied
	HideExclusive bool  // leave out what the members of the account's exclusive lists brought
}
