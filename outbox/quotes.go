package outbox

import (
	"context"
	"strings"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// Quote posts (FEP-044f, as Mastodon 4.5 has them): a local account quotes a post whose
// policy allows it; a quote of a remote post is pending until its author's server Accepts
// the QuoteRequest sent with it, and its Update then carries the approval stamp. A quote of
// a local post is decided here and now. Quote requests of other servers' accounts are
// answered by the quoted post's policy (AnswerQuoteRequest).

// quoteFallback is the text a quote post carries for software that shows no quotes, as
// Mastodon writes it (pages and apps that show the quote hide it by its class).
func quoteFallback(url string) string {
	return `<span class="quote-inline"><br>RE: <a href="` + escapeHTML(url) + `">` + escapeHTML(url) + `</a></span>`
}

func escapeHTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// quotePolicyOf checks the policy a post asks for, for a post of visibility: public by
// default, and nobody for a post that is neither public nor unlisted, which only its author
// may quote (as on Mastodon).
func quotePolicyOf(asked string, visibility storage.Visibility) (storage.QuotePolicy, error) {
	p := storage.QuotePolicy(asked)
	switch p {
	case "":
		p = storage.QuotePublic
	case storage.QuotePublic, storage.QuoteFollowers, storage.QuoteNobody:
	default:
		return "", storage.Errorf(storage.Invalid, "quote_approval_policy must be public, followers or nobody")
	}
	if visibility != storage.Public && visibility != storage.Unlisted {
		p = storage.QuoteNobody
	}
	return p, nil
}

// quoteOf checks that author may quote the post uri, and returns it with the state its
// quote starts in: accepted for a local post whose policy lets author quote it (or its own
// post), pending for a remote one whose policy lets author ask. Refusals are Invalid.
func (s *Service) quoteOf(ctx context.Context, author *storage.Actor, uri string) (*storage.Note, storage.QuoteState, error) {
	q, err := s.findNote(ctx, uri)
	if err != nil {
		return nil, "", storage.Wrap(storage.Invalid, err, "quote: unknown post")
	}
	if ok, _ := s.DB.CanSee(ctx, q.ID, author.ID); !ok || q.Deleted() {
		return nil, "", storage.Errorf(storage.Invalid, "quote: unknown post")
	}
	if q.ActorID == author.ID {
		return q, storage.QuoteAccepted, nil
	}
	if q.Visibility != storage.Public && q.Visibility != storage.Unlisted {
		return nil, "", storage.Errorf(storage.Invalid, "only public and unlisted posts can be quoted")
	}
	follows := func() bool {
		f, err := s.DB.GetFollow(ctx, author.ID, q.ActorID)
		return err == nil && f.Accepted
	}
	switch {
	case q.QuotePolicy == storage.QuotePublic, q.QuotePolicy == storage.QuoteFollowers && follows():
		if q.Local {
			return q, storage.QuoteAccepted, nil
		}
		return q, storage.QuotePending, nil
	case q.QuotePolicy == storage.QuoteManual && !q.Local:
		return q, storage.QuotePending, nil
	}
	return nil, "", storage.Errorf(storage.Invalid, "its author does not let you quote this post")
}

// quoteRequest is the QuoteRequest of the local quote post n of author, of the post quoted.
func quoteRequest(n *storage.Note, author *storage.Actor, quoted *storage.Note) (*federation.Activity, error) {
	doc, err := federation.EncodeNote(NoteDocument(n))
	if err != nil {
		return nil, err
	}
	return &federation.Activity{ID: uris.QuoteRequest(n.URI), Type: federation.TypeQuoteRequest, Actor: author.URI,
		To: []string{quoted.Author.URI}, Object: federation.Object{ID: quoted.URI},
		Instrument: federation.Object{ID: n.URI, Raw: doc}, Published: n.Published}, nil
}

// AnswerQuoteRequest answers a remote account's request (request, whose quote post is
// quoteURI) to quote the local post quoted: accepted, with an approval kept and served as
// the stamp the Accept names; or rejected. record stores what the inbox keeps of the
// request, in the same transaction.
func (s *Service) AnswerQuoteRequest(ctx context.Context, quoted *storage.Note, requester *storage.Actor,
	request *federation.Activity, quoteURI string, accept bool, record func(tx storage.Tx) error) error {
	author := quoted.Author
	asked := &federation.Activity{ID: request.ID, Type: federation.TypeQuoteRequest, Actor: requester.URI,
		Object: federation.Object{ID: quoted.URI}, Instrument: federation.Object{ID: quoteURI}}
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		if err := record(tx); err != nil {
			return err
		}
		act := &federation.Activity{ID: s.activityURI(author, uris.Rejects), Type: federation.TypeReject, To: []string{requester.URI}}
		if accept {
			a := &storage.QuoteApproval{NoteID: quoted.ID, QuoteURI: quoteURI, ActorID: requester.ID, Created: s.now()}
			if err := tx.PutQuoteApproval(ctx, a); err != nil {
				return err
			}
			act.ID, act.Type, act.Result = s.activityURI(author, uris.Accepts), federation.TypeAccept, uris.QuoteStamp(quoted.URI, a.ID)
		}
		_, err := s.emit(ctx, tx, author, act, asked, 0, storage.Direct, []string{requester.DeliveryInbox()})
		return err
	})
	if err != nil {
		return err
	}
	s.wake()
	return nil
}

// SetQuoteState records the quoted author's answer to the QuoteRequest of the local quote
// post n: accepted with its stamp, which the post then carries, sent again as an Update to
// everyone who had it; or rejected. record stores what the inbox keeps of the answer.
func (s *Service) SetQuoteState(ctx context.Context, n *storage.Note, state storage.QuoteState, stamp string,
	record func(tx storage.Tx) error) error {
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		if err := record(tx); err != nil {
			return err
		}
		if err := tx.SetQuoteState(ctx, n.ID, state, stamp); err != nil {
			return err
		}
		if state != storage.QuoteAccepted {
			return nil
		}
		n.Quote.State, n.Quote.Authorization = state, stamp
		return s.sendAgain(ctx, tx, n)
	})
	if err != nil {
		return err
	}
	s.wake()
	return nil
}

// QuoteStamp is the approval stamp id of a quote of the local note n, as served at its
// address; NotFound when there is no such approval.
func (s *Service) QuoteStamp(ctx context.Context, n *storage.Note, id int64) (*federation.QuoteAuthorization, error) {
	a, err := s.DB.GetQuoteApproval(ctx, n.ID, id)
	if err != nil {
		return nil, err
	}
	return &federation.QuoteAuthorization{ID: uris.QuoteStamp(n.URI, a.ID), AttributedTo: n.Author.URI,
		InteractingObject: a.QuoteURI, InteractionTarget: n.URI}, nil
}

// askToQuote sends the QuoteRequest of the new local quote post n to the quoted author's
// server, for a quote of a remote post; for a local one it notifies its author, the quote
// standing already.
func (s *Service) askToQuote(ctx context.Context, tx storage.Tx, author *storage.Actor, n, quoted *storage.Note) error {
	if quoted == nil || quoted.ActorID == author.ID {
		return nil
	}
	if quoted.Local {
		return tx.Notify(ctx, quoted.ActorID, storage.NotificationQuote, author.ID, n.ID, n.Published)
	}
	req, err := quoteRequest(n, author, quoted)
	if err != nil {
		return err
	}
	_, err = s.emit(ctx, tx, author, req, quoted.URI, 0, storage.Direct, []string{quoted.Author.Inbox})
	return err
}

// sendAgain sends the local note n as it is now, as an Update, to everyone who was sent it:
// what its document carries changed (a stamp, an approval), not what its author wrote.
func (s *Service) sendAgain(ctx context.Context, tx storage.Tx, n *storage.Note) error {
	now := s.now()
	act := &federation.Activity{ID: uris.Update(n.URI, newID(now)), Type: federation.TypeUpdate, To: n.To, Cc: n.Cc, Published: now}
	stored, err := s.emit(ctx, tx, n.Author, act, NoteDocument(n), n.ID, storage.Direct, nil)
	if err != nil {
		return err
	}
	return s.distribute(ctx, tx, n.Author, n, stored.ID, nil, false)
}
