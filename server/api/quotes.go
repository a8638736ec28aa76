package api

import (
	"context"

	"refuge/storage"
)

// Quote is Mastodon 4.5's Quote entity: a status's quote, its state and, when the quote
// stands and the viewer may read it, the quoted status (whose own quote is left out).
type Quote struct {
	State        string  `json:"state"`
	QuotedStatus *Status `json:"quoted_status"`
}

// QuoteApproval is who may quote a status, as Mastodon 4.5 says it: automatic and manual
// list "public" and "followers" as the policy has them, and current_user what the viewer
// would get ("automatic", "manual", "denied", or "unknown" without a viewer).
type QuoteApproval struct {
	Automatic   []string `json:"automatic"`
	Manual      []string `json:"manual"`
	CurrentUser string   `json:"current_user"`
}

// quoteApprovalOf is the QuoteApproval of n for the viewer (nil: anonymous); follows tells
// whether the viewer follows n's author.
func quoteApprovalOf(n *storage.Note, viewer *storage.Actor, follows func() bool) *QuoteApproval {
	a := &QuoteApproval{Automatic: []string{}, Manual: []string{}, CurrentUser: "unknown"}
	switch n.QuotePolicy {
	case storage.QuotePublic:
		a.Automatic = []string{"public"}
	case storage.QuoteFollowers:
		a.Automatic = []string{"followers"}
	case storage.QuoteManual:
		a.Manual = []string{"public"}
	case "":
		if !n.Local {
			a.Automatic = []string{"unsupported_policy"}
		}
	}
	if viewer == nil {
		return a
	}
	quotable := n.Visibility == storage.Public || n.Visibility == storage.Unlisted
	switch {
	case viewer.ID == n.ActorID:
		a.CurrentUser = "automatic"
	case !quotable:
		a.CurrentUser = "denied"
	case n.QuotePolicy == storage.QuotePublic, n.QuotePolicy == storage.QuoteFollowers && follows():
		a.CurrentUser = "automatic"
	case n.QuotePolicy == storage.QuoteManual:
		a.CurrentUser = "manual"
	default:
		a.CurrentUser = "denied"
	}
	return a
}

// quotes sets the quote, quote_approval and interaction_policy of statuses, out[i] being
// notes[i]'s.
func (rn *render) quotes(ctx context.Context, notes []*storage.Note, out []*Status) error {
	quoted := rn.h.Read.Quotes(ctx, rn.who(), notes)
	for i, n := range notes {
		out[i].QuoteApproval = quoteApprovalOf(n, rn.viewer, func() bool {
			return rn.h.Read.Relationship(ctx, rn.viewer, n.Author).Following
		})
		out[i].InteractionPolicy = interactionPolicyOf(n)
		q, ok := quoted[n.URI]
		if !ok {
			continue
		}
		out[i].Quote = &Quote{State: q.State}
		if q.Note != nil {
			s, err := rn.status(q.Note)
			if err != nil {
				return err
			}
			out[i].Quote.QuotedStatus = s
		}
	}
	return nil
}
