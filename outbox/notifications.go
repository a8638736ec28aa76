package outbox

import (
	"context"
	"strconv"
	"strings"
	"time"

	"refuge/storage"
)

// DismissNotification removes one of actor's notifications; NotFound when it has none
// with that id.
func (s *Service) DismissNotification(ctx context.Context, actor *storage.Actor, id int64) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNotification(ctx, actor.ID, id) })
}

// DismissNotifications removes actor's notifications that f's filters keep: every one of
// them when it has none.
func (s *Service) DismissNotifications(ctx context.Context, actor *storage.Actor, f storage.Page) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNotifications(ctx, actor.ID, f) })
}

// Timelines whose reading position an account keeps (Mastodon's markers).
const (
	MarkerHome          = "home"
	MarkerNotifications = "notifications"
)

// maxMarkerID bounds a marker's id: an app's id of a status or a notification.
const maxMarkerID = 100

// SaveMarkers saves where actor stopped reading each timeline of markers, all or none.
// Setting the notifications marker marks the notifications up to it read, as reading them
// on the web does, so that the unread counts of every surface agree.
func (s *Service) SaveMarkers(ctx context.Context, actor *storage.Actor, markers []*storage.Marker) error {
	for _, m := range markers {
		if m.Timeline != MarkerHome && m.Timeline != MarkerNotifications {
			return storage.Errorf(storage.Invalid, "no timeline %q to mark", m.Timeline)
		}
		m.LastReadID = strings.TrimSpace(m.LastReadID)
		if m.LastReadID == "" || len(m.LastReadID) > maxMarkerID {
			return storage.Errorf(storage.Invalid, "%s[last_read_id] is missing or too long", m.Timeline)
		}
	}
	now := time.Now()
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		for _, m := range markers {
			m.Updated = now
			if err := tx.PutMarker(ctx, actor.ID, m); err != nil {
				return err
			}
			if upTo, err := strconv.ParseInt(m.LastReadID, 10, 64); err == nil && m.Timeline == MarkerNotifications && upTo > 0 {
				if err := tx.MarkNotificationsRead(ctx, actor.ID, upTo); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
