package outbox

import (
	"context"
	"slices"

	"refuge/storage"
)

// Replies under interaction policies (GoToSocial's interaction controls): a remote post may
// say who may reply at once, who after its author's approval, and who not at all. A local
// reply that needs approval is pending until the parent's server Accepts it; the Accept (and
// the ReplyAuthorization it may bring) are then written into the reply and sent again as an
// Update, so that servers that check them show it. A Reject leaves it refused.

// replyApproval is what a local reply by author to parent needs of parent's author: nil when
// nothing (anyone may reply, or the policy lets author at once), pending when it must wait
// for an Accept; Invalid when the policy does not let author reply at all. Whoever the parent
// mentions may always reply, as GoToSocial has it.
func (s *Service) replyApproval(ctx context.Context, author *storage.Actor, parent *storage.Note) (*storage.ReplyApproval, error) {
	if parent.Local || parent.ActorID == author.ID || parent.ReplyPolicy == "" || parent.ReplyPolicy == storage.QuotePublic {
		return nil, nil
	}
	mentioned := slices.ContainsFunc(parent.Tags, func(t storage.Tag) bool { return t.Href == author.URI }) ||
		slices.Contains(parent.To, author.URI) || slices.Contains(parent.Cc, author.URI)
	pending := &storage.ReplyApproval{State: storage.QuotePending}
	switch parent.ReplyPolicy {
	case storage.QuoteManual:
		return pending, nil
	case storage.QuoteFollowers:
		// Even a follower waits for the Accept, which stands for the follow to third servers.
		if f, err := s.DB.GetFollow(ctx, author.ID, parent.ActorID); err == nil && f.Accepted || mentioned {
			return pending, nil
		}
	default:
		if mentioned {
			return nil, nil
		}
	}
	return nil, storage.Errorf(storage.Invalid, "its author does not let you reply to this post")
}

// SetReplyApproval records the parent's author's answer to the local reply n: accepted, with
// the Accept's id and its result (a ReplyAuthorization) when it has one, which the reply then
// carries, sent again as an Update; or rejected. record stores what the inbox keeps of the
// answer, in the same transaction.
func (s *Service) SetReplyApproval(ctx context.Context, n *storage.Note, a storage.ReplyApproval, record func(tx storage.Tx) error) error {
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		if err := record(tx); err != nil {
			return err
		}
		if err := tx.SetReplyApproval(ctx, n.ID, a); err != nil {
			return err
		}
		if a.State != storage.QuoteAccepted {
			return nil
		}
		n.Reply = &a
		return s.sendAgain(ctx, tx, n)
	})
	if err != nil {
		return err
	}
	s.wake()
	return nil
}
