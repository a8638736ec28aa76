package storage

import (
	"context"
	"time"
)

// Settings are what an admin tells visitors, new members and other servers about the
// instance. Every field may be empty: the reader fills in the domain for a missing name.
type Settings struct {
	Name        string // the instance's title
	Description string // one short paragraph, plain text: the about page's lead, NodeInfo's
	About       string // the longer text of the about page, plain text in paragraphs
	// ContactEmail is where visitors write to the admins; ContactAccount the name of the
	// local account to reach them on the fediverse.
	ContactEmail   string
	ContactAccount string
	UpdatedAt      time.Time // when an admin last saved them; zero while never
}

// Rule is one of the instance's rules, which sign-up asks new members to accept and reports
// can name. Its ID stays when the text is edited and is never given to another rule.
type Rule struct {
	ID        int64
	Text      string
	Hint      string // a longer explanation, optional
	CreatedAt time.Time
}

// SettingsReader reads the instance's settings and rules.
type SettingsReader interface {
	// GetSettings returns the stored settings, each field "" when never set.
	GetSettings(ctx context.Context) (*Settings, error)
	// ListRules returns the rules in their order (oldest first).
	ListRules(ctx context.Context) ([]Rule, error)
}

// SettingsWriter changes the instance's settings and rules.
type SettingsWriter interface {
	// PutSettings replaces the settings with s.
	PutSettings(ctx context.Context, s *Settings) error
	// PutRule adds r when r.ID is 0 (and sets r.ID), or replaces the text and hint of rule
	// r.ID: NotFound when there is no such rule.
	PutRule(ctx context.Context, r *Rule) error
	// DeleteRule removes rule id: NotFound when there is no such rule.
	DeleteRule(ctx context.Context, id int64) error
}
