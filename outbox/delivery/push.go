package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// PushStore is what the push workers need of storage: the queue of pushes, and the
// notifications they tell of.
type PushStore interface {
	storage.PushQueue
	NextPushDue(ctx context.Context) (time.Time, error)
	ListNotifications(ctx context.Context, accountID int64, p storage.Page) ([]*storage.Notification, error)
}

// Pusher sends queued Web Push notifications to the push services of apps that subscribed,
// through the same guarded client as deliveries. The queue is the pushes table, filled in
// the transaction that stores a notification; the workers lease, send and retry on the
// deliveries' schedule. A push service that answers 404 or 410 has forgotten the
// subscription, which is then removed.
type Pusher struct {
	DB          PushStore
	Client      *federation.Client
	Key         *federation.VAPIDKey
	Contact     string // the instance's URL: whom the push service may reach (VAPID's sub)
	DefaultIcon string // the icon of a push whose actor has no avatar
	Log         *slog.Logger
	Schedule    []time.Duration // nil means DefaultSchedule
	Now         func() time.Time
	Workers     int           // pushes sent at once; 0 means 8
	Lease       time.Duration // 0 means DefaultLease
	// Idle is the longest the workers sleep with nothing due: notifications stored by paths
	// that wake nobody are sent within it. 0 means 2 seconds.
	Idle time.Duration

	waker
}

func (p *Pusher) now() time.Time { return now(p.Now) }

// Run sends pushes until ctx ends; those in flight then keep their lease and are sent
// again once it runs out.
func (p *Pusher) Run(ctx context.Context) {
	workers, lease, idle := p.Workers, p.Lease, p.Idle
	if workers <= 0 {
		workers = 8
	}
	if lease <= 0 {
		lease = DefaultLease
	}
	if idle <= 0 {
		idle = 2 * time.Second
	}
	for ctx.Err() == nil {
		batch, err := p.DB.ClaimPushes(ctx, p.now(), lease, workers)
		if err != nil && ctx.Err() == nil {
			p.Log.Error("claim pushes", "err", err)
		}
		var wg sync.WaitGroup
		for _, job := range batch {
			wg.Go(func() { p.push(ctx, job) })
		}
		wg.Wait()
		if len(batch) > 0 {
			continue
		}
		wait := idle
		if next, err := p.DB.NextPushDue(ctx); err == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(p.now()), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-p.c():
		case <-t.C:
		}
		t.Stop()
	}
}

// push makes one attempt at job and settles it.
func (p *Pusher) push(ctx context.Context, job *storage.Push) {
	sub := job.Subscription
	body, err := p.payload(ctx, job)
	if err != nil {
		// The notification is gone (dismissed, or its note deleted) or hidden: nothing to say.
		if storage.KindOf(err) != storage.NotFound {
			p.Log.Error("push payload", "push", job.ID, "err", err)
		}
		p.finish(ctx, job)
		return
	}
	key, err1 := federation.DecodeKey(sub.P256dh)
	auth, err2 := federation.DecodeKey(sub.Auth)
	if err1 != nil || err2 != nil {
		p.finish(ctx, job) // checked when subscribing; never sendable
		return
	}
	sealed, err := federation.EncryptPush(body, key, auth)
	if err != nil {
		p.Log.Warn("push not encrypted", "subscription", sub.ID, "err", err)
		p.finish(ctx, job)
		return
	}
	status, err := p.Client.PostPush(ctx, federation.Push{Endpoint: sub.Endpoint, Body: sealed, TTL: 48 * time.Hour,
		Urgency: "normal"}, p.Key, p.Contact)
	if ctx.Err() != nil {
		return // shutting down: the lease runs out and it is sent after the restart
	}
	switch {
	case err == nil && status >= 200 && status < 300:
		p.finish(ctx, job)
	case err == nil && (status == 404 || status == 410):
		p.Log.Info("push subscription gone", "subscription", sub.ID, "status", status)
		if err := p.DB.RemovePushSubscription(ctx, sub.ID); err != nil {
			p.Log.Error("remove push subscription", "subscription", sub.ID, "err", err)
		}
	case err == nil && status >= 400 && status < 500 && status != 408 && status != 429:
		p.Log.Warn("push refused", "subscription", sub.ID, "status", status)
		p.finish(ctx, job)
	case err != nil && storage.KindOf(err) != storage.Transient:
		p.Log.Warn("push not allowed", "subscription", sub.ID, "err", err)
		p.finish(ctx, job)
	default:
		reason := fmt.Sprintf("status %d", status)
		if err != nil {
			reason = err.Error()
		}
		p.retry(ctx, job, reason)
	}
}

func (p *Pusher) finish(ctx context.Context, job *storage.Push) {
	if err := p.DB.FinishPush(ctx, job.ID); err != nil {
		p.Log.Error("finish push", "push", job.ID, "err", err)
	}
}

// retry schedules the next attempt as deliveries are, or gives up after the last.
func (p *Pusher) retry(ctx context.Context, job *storage.Push, reason string) {
	wait, again := backoff(p.Schedule, job.Attempts)
	if !again {
		p.Log.Warn("push given up", "subscription", job.Subscription.ID, "attempts", job.Attempts+1, "last", reason)
		p.finish(ctx, job)
		return
	}
	if err := p.DB.RetryPush(ctx, job.ID, p.now().Add(wait), reason); err != nil {
		p.Log.Error("retry push", "push", job.ID, "err", err)
	}
	p.Log.Info("push failed, will retry", "subscription", job.Subscription.ID, "in", wait.Round(time.Second), "reason", reason)
}

// PushPayload is what a push says, as Mastodon's: enough for an app to show the
// notification at once and to fetch it by id.
type PushPayload struct {
	AccessToken      string `json:"access_token"`
	PreferredLocale  string `json:"preferred_locale"`
	NotificationID   int64  `json:"notification_id"`
	NotificationType string `json:"notification_type"`
	Icon             string `json:"icon"`
	Title            string `json:"title"`
	Body             string `json:"body"`
}

// pushTitles are the title of each kind of notification's push, after the actor's name.
var pushTitles = map[storage.NotificationKind]string{
	storage.NotificationMention:       "mentioned you",
	storage.NotificationReply:         "mentioned you",
	storage.NotificationLike:          "favourited your post",
	storage.NotificationReaction:      "reacted to your post",
	storage.NotificationAnnounce:      "boosted your post",
	storage.NotificationFollow:        "followed you",
	storage.NotificationFollowRequest: "has requested to follow you",
	storage.NotificationMove:          "has moved to a new account",
}

// reactedWith names a Unicode reaction's emoji after the title ("reacted to your post 🔥"),
// or a custom one's shortcode.
func reactedWith(n *storage.Notification) string {
	if n.Type != storage.NotificationReaction || n.Emoji == "" {
		return ""
	}
	return " " + n.Emoji
}

// pushBodyChars is how much of a post's text a push shows, as Mastodon's.
const pushBodyChars = 140

// payload reads the notification of job and says it as a push; NotFound when it is gone
// or hidden from its account (a muted actor's).
func (p *Pusher) payload(ctx context.Context, job *storage.Push) ([]byte, error) {
	sub := job.Subscription
	list, err := p.DB.ListNotifications(ctx, sub.AccountID, storage.Page{Before: job.Notification + 1, Limit: 1, HiddenFor: sub.AccountID})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || list[0].ID != job.Notification {
		return nil, storage.Errorf(storage.NotFound, "notification gone")
	}
	n := list[0]
	name := n.Actor.Name
	if strings.TrimSpace(name) == "" {
		name = n.Actor.Username
	}
	body := federation.PlainText(n.Actor.Summary)
	if n.Note != nil {
		body = federation.PlainText(n.Note.Content)
		if n.Note.Summary != "" { // a content warning is shown instead of what it hides
			body = federation.PlainText(n.Note.Summary)
		}
	}
	msg := PushPayload{AccessToken: sub.AccessToken, PreferredLocale: "en", NotificationID: n.ID,
		NotificationType: storage.PushAlertOf(n.Type), Icon: n.Actor.IconURL, Title: name + " " + pushTitles[n.Type] + reactedWith(n),
		Body: truncate(body, pushBodyChars)}
	if msg.Icon == "" {
		msg.Icon = p.DefaultIcon
	} else if !n.Actor.Local {
		// From the remote media cache: the phone that shows it tells no other server.
		msg.Icon = uris.New(p.Contact).RemoteMedia(n.Actor.IconURL)
	}
	return json.Marshal(msg)
}

// truncate cuts s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
