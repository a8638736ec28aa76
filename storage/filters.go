package storage

import (
	"context"
	"slices"
	"time"
)

// FilterContext is where a keyword filter applies, in Mastodon's words.
type FilterContext string

// The places a filter may apply to.
const (
	FilterHome          FilterContext = "home"          // the home timeline (and lists)
	FilterNotifications FilterContext = "notifications" // notifications
	FilterPublic        FilterContext = "public"        // the local, federated and hashtag timelines
	FilterThread        FilterContext = "thread"        // a post and its replies
	FilterAccount       FilterContext = "account"       // a profile's posts
)

// FilterContexts are the contexts in the order they are shown and stored.
var FilterContexts = []FilterContext{FilterHome, FilterNotifications, FilterPublic, FilterThread, FilterAccount}

// FilterAction is what a filter does to a post it matches.
type FilterAction string

// The actions of a filter.
const (
	FilterWarn FilterAction = "warn" // shown folded, behind the filter's title
	FilterHide FilterAction = "hide" // left out altogether
)

// Filter is a local account's keyword filter (Mastodon's CustomFilter): posts whose text,
// content warning or media descriptions hold any of its keywords are hidden, or shown
// behind a warning, in its contexts until it expires.
type Filter struct {
	ID       int64
	ActorID  int64
	Title    string
	Contexts []FilterContext
	Action   FilterAction
	Expires  time.Time // zero: never
	Created  time.Time
	Keywords []FilterKeyword
}

// FilterKeyword is one word or phrase of a filter. WholeWord matches it only at word edges.
type FilterKeyword struct {
	ID        int64
	FilterID  int64
	Keyword   string
	WholeWord bool
	Created   time.Time
}

// Live reports whether the filter is still in force at now.
func (f *Filter) Live(now time.Time) bool { return f.Expires.IsZero() || now.Before(f.Expires) }

// Applies reports whether the filter is meant for context c.
func (f *Filter) Applies(c FilterContext) bool { return slices.Contains(f.Contexts, c) }

// FilterReader reads keyword filters.
type FilterReader interface {
	// ListFilters returns the filters of local account actorID with their keywords, oldest
	// first, expired ones included.
	ListFilters(ctx context.Context, actorID int64) ([]*Filter, error)
	// GetFilter returns actorID's filter id with its keywords; NotFound when actorID has no
	// such filter (another account's is not found either).
	GetFilter(ctx context.Context, actorID, id int64) (*Filter, error)
	// GetFilterKeyword returns the keyword id of one of actorID's filters; NotFound
	// otherwise.
	GetFilterKeyword(ctx context.Context, actorID, id int64) (*FilterKeyword, error)
}

// FilterWriter writes keyword filters.
type FilterWriter interface {
	// CreateFilter stores f and its keywords, setting their ids (and Created when zero).
	CreateFilter(ctx context.Context, f *Filter) error
	// UpdateFilter stores f's title, contexts, action and expiry; NotFound when f.ActorID
	// has no filter f.ID. Its keywords are left as they are.
	UpdateFilter(ctx context.Context, f *Filter) error
	// DeleteFilter removes actorID's filter id and its keywords; NotFound when there is none.
	DeleteFilter(ctx context.Context, actorID, id int64) error
	// PutFilterKeyword adds k to filter k.FilterID when k.ID is 0 (setting its id), else
	// changes keyword k.ID of that filter; NotFound when there is no such keyword.
	PutFilterKeyword(ctx context.Context, k *FilterKeyword) error
	// DeleteFilterKeyword removes keyword id of filter filterID; NotFound when there is none.
	DeleteFilterKeyword(ctx context.Context, filterID, id int64) error
}

// FilterMatch is a filter with warn that a note matched, and which of its keywords did.
type FilterMatch struct {
	Filter   *Filter
	Keywords []string
}
