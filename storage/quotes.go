package storage

import (
	"context"
	"time"
)

// QuoteState says whether a quote post's quote stands: the quoted author approved it (or
// needs not, being its author), has not yet, or refused or withdrew the approval. Only an
// accepted quote is shown with the quoted post.
type QuoteState string

// The states of a quote.
const (
	QuoteAccepted QuoteState = "accepted"
	QuotePending  QuoteState = "pending"  // asked for, or sent without a proof we could check
	QuoteRejected QuoteState = "rejected" // refused by the quoted author
	QuoteRevoked  QuoteState = "revoked"  // approved, then withdrawn (the stamp deleted)
)

// QuotePolicy is who may quote a note, as Mastodon's quote_approval_policy names it. A
// remote note's is what its server advertises (interactionPolicy.canQuote) of everyone;
// QuoteManual is that it asks its author first; "" is that its server said nothing.
type QuotePolicy string

// The quote policies.
const (
	QuotePublic    QuotePolicy = "public"
	QuoteFollowers QuotePolicy = "followers"
	QuoteNobody    QuotePolicy = "nobody"
	QuoteManual    QuotePolicy = "manual"
)

// Quote is the post a note quotes, and whether that stands.
type Quote struct {
	URI   string
	State QuoteState
	// Authorization is the id of the quoted author's approval stamp (a QuoteAuthorization)
	// when it was approved by one.
	Authorization string
}

// QuoteApproval is a local author's approval of a quote of one of its notes: the stamp
// other servers check.
type QuoteApproval struct {
	ID       int64
	NoteID   int64  // the quoted local note
	QuoteURI string // the quote post
	ActorID  int64  // its author
	Created  time.Time
}

// QuoteReader reads approvals of quotes.
type QuoteReader interface {
	// GetQuoteApproval returns the approval id of note noteID; NotFound when there is none.
	GetQuoteApproval(ctx context.Context, noteID, id int64) (*QuoteApproval, error)
}

// QuoteWriter records quotes' approvals and states.
type QuoteWriter interface {
	// PutQuoteApproval records a's approval and sets a.ID; a quote approved before keeps
	// its approval, whose id a.ID becomes.
	PutQuoteApproval(ctx context.Context, a *QuoteApproval) error
	// SetQuoteState sets the state of the quote of note noteID, and its stamp.
	SetQuoteState(ctx context.Context, noteID int64, state QuoteState, authorization string) error
	// SetReplyApproval sets what note noteID, a local reply, has of its parent's author's
	// approval.
	SetReplyApproval(ctx context.Context, noteID int64, a ReplyApproval) error
	// RevokeQuotes marks revoked the accepted quotes that stamp authorization approved, and
	// returns their notes' ids.
	RevokeQuotes(ctx context.Context, authorization string) ([]int64, error)
}

// ReplyApproval is whether a reply was approved by the author of the post it answers, under
// that post's interaction policy (GoToSocial's interaction controls), and the proofs of it:
// Authorization, the ReplyAuthorization newer servers give as the Accept's result, and
// ApprovedBy, the Accept itself, which older ones check. State takes QuotePending,
// QuoteAccepted or QuoteRejected.
type ReplyApproval struct {
	State                     QuoteState
	Authorization, ApprovedBy string
}
