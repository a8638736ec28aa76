package storage

import "context"

// Conversation is a local account's thread of direct notes (Mastodon's AccountConversation):
// one per thread it takes part in, as author or recipient, kept where notes are stored and
// deleted. A new note in it makes it unread for its recipients and read for its author;
// one removed by its account comes back, with only the new note, when another arrives.
type Conversation struct {
	ID         int64
	ActorID    int64  // the local account whose conversation it is
	Context    string // the thread: its notes' conversation, or its root
	LastNoteID int64
	Unread     bool

	// Filled by the read methods: the actors who wrote in it or were mentioned in it,
	// other than the account, and its newest note (nil when it cannot be read).
	Participants []*Actor
	Last         *Note

	// Hidden is set by reader: every participant is hidden from the account (blocked,
	// blocking it, or muted). The page keeps it so that where the next page starts is the
	// list's; whatever shows the page leaves it out.
	Hidden bool
}

// ConversationReader reads the conversations of local accounts.
type ConversationReader interface {
	// ListConversations returns a page of account's conversations, the one with the newest
	// note first, paged by LastNoteID; only the unread ones when p.Unread.
	ListConversations(ctx context.Context, accountID int64, p Page) ([]*Conversation, error)
	// ListConversationHeads is ListConversations with only what tells whether each is
	// shown: its participants bear their ids alone, and Last, when its note is shown, the
	// note's id alone. What a count of them reads, for a page's menu.
	ListConversationHeads(ctx context.Context, accountID int64, p Page) ([]*Conversation, error)
	// GetConversation returns account's conversation id; NotFound when it has none.
	GetConversation(ctx context.Context, accountID, id int64) (*Conversation, error)
	// NoteConversation returns account's conversation that note noteID is in; NotFound
	// when it is in none of the account's.
	NoteConversation(ctx context.Context, accountID, noteID int64) (*Conversation, error)
}

// ConversationWriter changes the conversations of local accounts. The notes in them are
// written by NoteWriter.
type ConversationWriter interface {
	// MarkConversationRead marks account's conversation id read; NotFound when it has none.
	MarkConversationRead(ctx context.Context, accountID, id int64) error
	// DeleteConversation removes account's conversation id (its notes stay); NotFound when
	// it has none.
	DeleteConversation(ctx context.Context, accountID, id int64) error
}
