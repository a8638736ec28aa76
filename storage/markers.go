package storage

import (
	"context"
	"time"
)

// Marker is where an account stopped reading one of its timelines ("home" or
// "notifications"), kept so that another app of the same account starts there.
type Marker struct {
	Timeline   string
	LastReadID string // the id of the last item read, as the app named it
	Version    int    // 0 when first saved, one more on each save after, for apps to tell a newer marker
	Updated    time.Time
}

// MarkerReader reads timeline markers.
type MarkerReader interface {
	// ListMarkers returns the account's markers of the timelines named.
	ListMarkers(ctx context.Context, accountID int64, timelines []string) ([]Marker, error)
}

// MarkerWriter saves timeline markers.
type MarkerWriter interface {
	// PutMarker saves the account's marker of m.Timeline, as version 0 or one version after
	// the one saved before, and sets m.Version.
	PutMarker(ctx context.Context, accountID int64, m *Marker) error
}
