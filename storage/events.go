package storage

// EventKind says what an Event is about.
type EventKind string

// The kinds of Event, with the fields each sets.
const (
	// EventFeed: a note (AnnounceID: the boost that brought it, or 0) entered the home
	// feed of local account AccountID.
	EventFeed EventKind = "feed"
	// EventNotification: notification NotificationID was stored for local account AccountID.
	EventNotification EventKind = "notification"
	// EventNote: a public or direct note NoteID was stored.
	EventNote EventKind = "note"
	// EventEdit: note NoteID was edited.
	EventEdit EventKind = "edit"
	// EventDelete: note NoteID, by ActorID, was deleted; Public when it was a public note.
	// Or, with AnnounceID instead, ActorID's boost was undone.
	EventDelete EventKind = "delete"
	// EventSuspended: local account AccountID was suspended (or deleted). Its token is
	// refused from then on, and the streaming connections it opened before are ended.
	EventSuspended EventKind = "suspended"
	// EventConversation: direct note NoteID entered a conversation of local account
	// AccountID, or is the newest note of one it marked read.
	EventConversation EventKind = "conversation"
	// EventFilters: the keyword filters of local account AccountID changed (a filter or
	// one of its keywords was created, changed or deleted); recorded once a transaction.
	EventFilters EventKind = "filters"
)

// Event is something a streaming client may be told about: recorded by a write transaction
// and published only after its commit, to every process on the database. It holds row ids
// alone; what a client is sent is read afresh, for that client, when it is sent.
type Event struct {
	Kind           EventKind
	AccountID      int64
	NoteID         int64
	AnnounceID     int64
	NotificationID int64
	ActorID        int64
	Public         bool
}
