package storage

import (
	"context"
	"time"
)

// Activity is an activity we made (JSON is what we deliver and serve at URI) or one we
// received (kept so that a repeated delivery is recognised).
type Activity struct {
	ID         int64
	URI        string
	ActorID    int64
	Local      bool
	Type       string
	ObjectURI  string
	NoteID     int64
	Visibility Visibility
	JSON       string
	Published  time.Time
}

// Delivery is one activity waiting to be POSTed to one inbox.
type Delivery struct {
	ID         int64
	ActivityID int64
	Inbox      string
	Host       string
	Attempts   int
	NextTry    time.Time
	LastError  string
	Created    time.Time

	// From the activity, for the worker.
	ActorID int64
	JSON    string
}

// ActivityReader finds stored activities.
type ActivityReader interface {
	// GetActivityByURI returns the stored activity with id uri; NotFound when unknown.
	GetActivityByURI(ctx context.Context, uri string) (*Activity, error)
	// GetActivityByID returns the stored activity with row id id; NotFound when there is
	// none.
	GetActivityByID(ctx context.Context, id int64) (*Activity, error)
	// ListOutbox returns a local actor's Create and Announce activities (those of deleted
	// notes left out), newest first. Only the owner (owner=true) sees followers-only and
	// direct ones.
	ListOutbox(ctx context.Context, actorID int64, owner bool, p Page) ([]*Activity, error)
	// CountOutbox counts what ListOutbox pages through.
	CountOutbox(ctx context.Context, actorID int64, owner bool) (int, error)
}

// ActivityWriter stores activities.
type ActivityWriter interface {
	// PutActivity records an activity and sets a.ID (a.Published when zero, a.Visibility
	// when empty: Public). It reports false, storing nothing, when one with the same URI
	// is stored already: that is how duplicate deliveries become no-ops.
	PutActivity(ctx context.Context, a *Activity) (bool, error)
	// SetActivityJSON stores the id and JSON of an activity whose id was only known after
	// insert.
	SetActivityJSON(ctx context.Context, id int64, uri, json string) error
}

// DeliveryReader looks at the delivery queue.
type DeliveryReader interface {
	// NextDeliveryDue returns when the earliest queued delivery is due, or zero when none
	// is queued.
	NextDeliveryDue(ctx context.Context) (time.Time, error)
	// CountDeliveries counts queued deliveries.
	CountDeliveries(ctx context.Context) (int, error)
	// ListDeliveries returns the queued deliveries of one activity, oldest first (without
	// the activity's JSON).
	ListDeliveries(ctx context.Context, activityID int64) ([]*Delivery, error)
}

// DeliveryWriter queues deliveries, in the transaction that stores their activity.
type DeliveryWriter interface {
	// EnqueueDeliveries queues the stored activity with row id activityID for each inbox,
	// due at now; Internal for an id of 0, one PutActivity did not store. Repeats are
	// ignored.
	EnqueueDeliveries(ctx context.Context, activityID int64, inboxes []string, now time.Time) error
}

// DeliveryQueue is how the delivery workers take and settle queued deliveries. Each method
// is its own transaction.
type DeliveryQueue interface {
	// ClaimDeliveries returns up to limit deliveries due at now, oldest first, and leases
	// them until now+lease so that no other worker takes them; a crash leaves the lease to
	// expire and the delivery to be retried.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*Delivery, error)
	// FinishDeliveries removes deliveries that succeeded or will never succeed, all in one
	// statement.
	FinishDeliveries(ctx context.Context, ids ...int64) error
	// ReleaseDelivery hands a claimed delivery back, due at next, without counting an
	// attempt.
	ReleaseDelivery(ctx context.Context, id int64, next time.Time) error
	// RetryDelivery records a failed attempt, why, and when to try again.
	RetryDelivery(ctx context.Context, id int64, next time.Time, reason string) error
	// RemoveActorsByInbox marks the remote actors whose personal inbox answered 410 Gone as
	// deleted (see ActorWriter.MarkActorDeleted). A shared inbox that is gone removes
	// nobody: the server may be moving.
	RemoveActorsByInbox(ctx context.Context, inbox string, at time.Time) error
}
