package storage

import (
	"context"
	"time"
)

// PushPolicy says from whom a push subscription wants notifications pushed.
type PushPolicy string

// The policies, as Mastodon names them.
const (
	PushAll      PushPolicy = "all"      // from anyone
	PushFollowed PushPolicy = "followed" // from accounts the subscriber follows
	PushFollower PushPolicy = "follower" // from accounts that follow the subscriber
	PushNone     PushPolicy = "none"     // from nobody
)

// PushAlerts are the alert types a push subscription may ask for, as Mastodon names them.
// Refuge makes notifications of some only; the others are kept as the app set them.
var PushAlerts = []string{"mention", "status", "reblog", "follow", "follow_request", "favourite",
	"poll", "update", "admin.sign_up", "admin.report"}

// PushAlertOf is the alert type a notification kind is pushed under.
func PushAlertOf(k NotificationKind) string {
	switch k {
	case NotificationReply:
		return "mention"
	case NotificationLike:
		return "favourite"
	case NotificationReaction:
		// Mastodon's apps subscribe to favourites, and a reaction is what a like is to
		// Mastodon (see outbox.Service.EmojiReact): told under the same alert.
		return "favourite"
	case NotificationAnnounce:
		return "reblog"
	}
	return string(k)
}

// PushSubscription is where to push an API token's notifications: a Web Push endpoint and
// the browser's keys that encrypt for it (RFC 8291).
type PushSubscription struct {
	ID        int64
	TokenHash string
	AccountID int64
	Endpoint  string
	// AccessToken is the token's secret, which the payload carries as Mastodon's does (apps
	// tell by it which account a push is for). Kept only while the subscription lasts.
	AccessToken string
	P256dh      string // the browser's P-256 public key, uncompressed, base64url
	Auth        string // the browser's 16-byte auth secret, base64url
	Alerts      []string
	Policy      PushPolicy
	Created     time.Time
}

// Push is one notification queued for one subscription, with what the worker needs.
type Push struct {
	ID           int64
	Attempts     int
	Subscription *PushSubscription
	Notification int64
}

// PushReader finds push subscriptions.
type PushReader interface {
	// GetPushSubscription returns the subscription of the token whose hash is tokenHash;
	// NotFound when it has none.
	GetPushSubscription(ctx context.Context, tokenHash string) (*PushSubscription, error)
	// NextPushDue returns when the earliest queued push is due, or zero when none is.
	NextPushDue(ctx context.Context) (time.Time, error)
}

// PushWriter stores push subscriptions. Notify queues pushes for them.
type PushWriter interface {
	// PutPushSubscription stores s as its token's subscription, replacing any it had, and
	// sets s.ID (s.Created when zero).
	PutPushSubscription(ctx context.Context, s *PushSubscription) error
	// UpdatePushSubscription sets the alerts and policy of the token's subscription;
	// NotFound when it has none.
	UpdatePushSubscription(ctx context.Context, tokenHash string, alerts []string, policy PushPolicy) error
	// DeletePushSubscription removes the token's subscription, if any.
	DeletePushSubscription(ctx context.Context, tokenHash string) error
}

// PushQueue is how the push workers take and settle queued pushes. Each method is its own
// transaction.
type PushQueue interface {
	// ClaimPushes returns up to limit pushes due at now, oldest first, and leases them
	// until now+lease, as ClaimDeliveries does.
	ClaimPushes(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*Push, error)
	// FinishPush removes a push that was sent or never will be.
	FinishPush(ctx context.Context, id int64) error
	// RetryPush records a failed attempt and when to try again.
	RetryPush(ctx context.Context, id int64, next time.Time, reason string) error
	// RemovePushSubscription removes the subscription with row id id and its queued pushes:
	// the push service said its endpoint is gone.
	RemovePushSubscription(ctx context.Context, id int64) error
}
