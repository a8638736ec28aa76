package inbox

import (
	"context"
	"strings"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// Quote posts (FEP-044f): the inbox checks the quotes it stores, answers the QuoteRequests of
// other servers' accounts quoting local posts, and records the answers to those of local
// accounts.

// checkQuote decides whether the quote of a remote note n (doc as sent) stands, as FEP-044f
// has third parties decide: its author quoting itself, or with a stamp from the quoted
// author that names this very quote. The older forms carry no stamp: they stand unless they
// quote a local post whose author does not let n's author quote it. What cannot be checked
// now (the stamp's server did not answer) stays pending, and is not shown as a quote.
func (in *Inbox) checkQuote(ctx context.Context, n *storage.Note, doc *federation.Note, old *storage.Note) {
	q := n.Quote
	if q == nil {
		return
	}
	if old != nil && old.Quote != nil && old.Quote.URI == q.URI && old.Quote.Authorization == q.Authorization &&
		old.Quote.State != storage.QuotePending {
		q.State = old.Quote.State // checked when it came; a revocation is kept
		return
	}
	quoted, err := in.Remote.Note(ctx, q.URI)
	if err != nil || quoted.Deleted() {
		return // pending
	}
	if q.Authorization == "" && !doc.QuoteLegacy && quoted.ActorID != n.ActorID {
		// Sent before its approval, or delivered after the Update that carried the stamp
		// (deliveries are not in order): the note as its server has it now may have one.
		if fresh, _, err := in.Remote.FetchNoteDoc(ctx, n.URI); err == nil && fresh.Quote == q.URI {
			q.Authorization = fresh.QuoteAuthorization
		}
	}
	switch {
	case quoted.ActorID == n.ActorID:
		q.State = storage.QuoteAccepted
	case doc.QuoteLegacy:
		q.State = storage.QuoteAccepted
		if quoted.Local && !in.mayQuote(ctx, quoted, n.Author) {
			q.State = storage.QuoteRejected
		}
	case q.Authorization == "":
	case quoted.Local:
		// A stamp of ours: the approval it names must be of this quote.
		q.State = storage.QuoteRejected
		noteURI, id, ok := uris.ParseQuoteStamp(q.Authorization)
		if ok && noteURI == quoted.URI {
			if a, err := in.DB.GetQuoteApproval(ctx, quoted.ID, id); err == nil && a.QuoteURI == n.URI {
				q.State = storage.QuoteAccepted
			}
		}
	default:
		stamp, err := in.Remote.FetchQuoteAuthorization(ctx, q.Authorization)
		if err != nil {
			return // pending: asked again when the note is next updated
		}
		q.State = storage.QuoteRejected
		if stamp.InteractingObject == n.URI && stamp.InteractionTarget == quoted.URI && stamp.AttributedTo == quoted.Author.URI &&
			storage.SameHost(stamp.ID, quoted.Author.URI) {
			q.State = storage.QuoteAccepted
		}
	}
}

// mayQuote tells whether the local note n's policy lets actor quote it without asking: its
// author, anyone for a public policy, a follower of the author for a followers policy; and
// only a public or unlisted post.
func (in *Inbox) mayQuote(ctx context.Context, n *storage.Note, actor *storage.Actor) bool {
	if actor.ID == n.ActorID {
		return true
	}
	if n.Visibility != storage.Public && n.Visibility != storage.Unlisted {
		return false
	}
	switch n.QuotePolicy {
	case storage.QuotePublic:
		return true
	case storage.QuoteFollowers:
		f, err := in.DB.GetFollow(ctx, actor.ID, n.ActorID)
		return err == nil && f.Accepted
	}
	return false
}

// quoteRequest: a remote account asks to quote a local post. The post's policy answers at
// once: an Accept whose result is the stamp (served at QuoteStamp), or a Reject. The
// instrument, the quote post, must be the asker's.
func (in *Inbox) quoteRequest(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	quoted, err := in.DB.GetNoteByURI(ctx, act.Object.ID)
	if err != nil || !quoted.Local || quoted.Deleted() {
		return "", storage.Errorf(storage.NotFound, "no local post %s to quote", act.Object.ID)
	}
	if ok, _ := in.DB.CanSee(ctx, quoted.ID, signer.ID); !ok {
		return "", storage.Errorf(storage.NotFound, "no local post %s to quote", act.Object.ID)
	}
	quote := act.Instrument.ID
	if quote == "" || storage.HostOf(quote) != signer.Host {
		return "", storage.Errorf(storage.Invalid, "a QuoteRequest's instrument is the asker's quote post")
	}
	if act.Instrument.Raw != nil {
		if doc, err := act.Instrument.Note(); err != nil || doc.AttributedTo != signer.URI {
			return "", storage.Errorf(storage.Forbidden, "the quote post is not the asker's")
		}
	}
	accept := in.mayQuote(ctx, quoted, signer)
	if err := in.Outbox.AnswerQuoteRequest(ctx, quoted, signer, act, quote, accept, func(tx storage.Tx) error {
		return in.record(ctx, tx, signer, act, 0)
	}); err != nil {
		return "", err
	}
	return Stored, nil
}

// quoteAnswer: the quoted author's server answers a local account's QuoteRequest. An Accept
// brings the stamp, which the quote post then carries (sent again as an Update); a Reject
// leaves the quote refused.
func (in *Inbox) quoteAnswer(ctx context.Context, signer *storage.Actor, act *federation.Activity, accepted bool) (Result, error) {
	noteURI, _ := uris.ParseQuoteRequest(act.Object.ID)
	n, err := in.DB.GetNoteByURI(ctx, noteURI)
	if err != nil || !n.Local || n.Quote == nil || n.Deleted() {
		return Ignored, nil
	}
	quoted, err := in.DB.GetNoteByURI(ctx, n.Quote.URI)
	if err != nil || quoted.ActorID != signer.ID {
		return "", storage.Errorf(storage.Forbidden, "only the quoted post's author answers a request to quote it")
	}
	state, stamp := storage.QuoteRejected, ""
	if accepted {
		if act.Result == "" || !storage.SameHost(act.Result, signer.URI) {
			return "", storage.Errorf(storage.Invalid, "an Accept of a QuoteRequest carries its stamp, on the author's server, as its result")
		}
		state, stamp = storage.QuoteAccepted, act.Result
	}
	if err := in.Outbox.SetQuoteState(ctx, n, state, stamp, func(tx storage.Tx) error {
		return in.record(ctx, tx, signer, act, n.ID)
	}); err != nil {
		return "", err
	}
	return Stored, nil
}

// isQuoteAnswer tells an Accept or Reject of a QuoteRequest from one of a Follow.
func isQuoteAnswer(act *federation.Activity) bool {
	_, ok := uris.ParseQuoteRequest(act.Object.ID)
	return act.Object.Type == federation.TypeQuoteRequest || ok && !strings.Contains(act.Object.ID, "/follows/")
}

// notifyQuote tells a local author that n quotes one of its posts, when the quote first
// stands (old is the note before an Update, nil for a new one).
func (in *Inbox) notifyQuote(ctx context.Context, tx storage.Tx, signer *storage.Actor, n, old *storage.Note) error {
	if n.Quote == nil || n.Quote.State != storage.QuoteAccepted ||
		old != nil && old.Quote != nil && old.Quote.State == storage.QuoteAccepted && old.Quote.URI == n.Quote.URI {
		return nil
	}
	quoted, err := tx.GetNoteByURI(ctx, n.Quote.URI)
	if err != nil || !quoted.Local {
		return nil
	}
	return tx.Notify(ctx, quoted.ActorID, storage.NotificationQuote, signer.ID, n.ID, in.now())
}

// revokeQuotes: a Delete of an approval stamp withdraws the approval of the quotes it
// stamped; anything else not stored here is ignored.
func (in *Inbox) revokeQuotes(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	if storage.HostOf(act.Object.ID) != signer.Host {
		return Ignored, nil
	}
	var revoked []int64
	err := in.DB.Update(ctx, func(tx storage.Tx) error {
		var err error
		if revoked, err = tx.RevokeQuotes(ctx, act.Object.ID); err != nil || len(revoked) == 0 {
			return err
		}
		return in.record(ctx, tx, signer, act, 0)
	})
	if err != nil {
		return "", err
	}
	if len(revoked) == 0 {
		return Ignored, nil
	}
	return Stored, nil
}
