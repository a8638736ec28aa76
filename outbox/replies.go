package outbox

import (
	"context"
	"slices"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// Replies under interaction policies (GoToSocial's interaction controls): a remote post may
// say who may reply at once, who after its author's approval, and who not at all. A local
// reply that needs approval is pending until the parent's server Accepts it; the Accept (and
// the ReplyAuthorization it may bring) are then written into the reply and sent again as an
// Update, so that servers that check them show it. A Reject leaves it refused.

// Local posts have a policy of their own: anyone may reply (the default), the author's
// followers, or nobody but those the post mentions (replyPolicyOf); the author and whoever
// the post mentions may always reply. A reply from another server that the policy does not
// let in is not kept, and its author's server is sent a Reject of it (ReplyAllowed, and
// the inbox).

// replyPolicyOf checks the reply policy a local post asks for: public by default.
func replyPolicyOf(asked string) (storage.QuotePolicy, error) {
	switch p := storage.QuotePolicy(asked); p {
	case "":
		return storage.QuotePublic, nil
	case storage.QuotePublic, storage.QuoteFollowers, storage.QuoteNobody:
		return p, nil
	}
	return "", storage.Errorf(storage.Invalid, "the reply policy must be public, followers or nobody (only those mentioned)")
}

// mentions reports whether the note n mentions or addresses the actor uri.
func mentions(n *storage.Note, uri string) bool {
	return slices.ContainsFunc(n.Tags, func(t storage.Tag) bool { return t.Href == uri }) ||
		slices.Contains(n.To, uri) || slices.Contains(n.Cc, uri)
}

// ReplyAllowed reports whether the local post parent's policy lets who reply to it.
func (s *Service) ReplyAllowed(ctx context.Context, who *storage.Actor, parent *storage.Note) (bool, error) {
	switch {
	case parent.ReplyPolicy == "" || parent.ReplyPolicy == storage.QuotePublic, parent.ActorID == who.ID, mentions(parent, who.URI):
		return true, nil
	case parent.ReplyPolicy == storage.QuoteFollowers:
		f, err := s.DB.GetFollow(ctx, who.ID, parent.ActorID)
		if storage.KindOf(err) == storage.NotFound {
			return false, nil
		}
		return err == nil && f.Accepted, err
	}
	return false, nil
}

// RejectReply tells the server of the reply replyURI by replier that the local post parent's
// policy did not let it in; record stores what the inbox keeps of its Create, so that a
// second delivery is not answered twice.
func (s *Service) RejectReply(ctx context.Context, parent *storage.Note, replier *storage.Actor, replyURI string, record func(tx storage.Tx) error) error {
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		if err := record(tx); err != nil {
			return err
		}
		act := &federation.Activity{ID: s.activityURI(parent.Author, uris.Rejects), Type: federation.TypeReject,
			To: []string{replier.URI}}
		_, err := s.emit(ctx, tx, parent.Author, act, replyURI, 0, storage.Direct, []string{replier.DeliveryInbox()})
		return err
	})
	if err != nil {
		return err
	}
	s.wake()
	return nil
}

// ApproveReply answers, inside tx, the reply replyURI by replier to the local post parent,
// which its policy let in: when the policy does not let everyone in, the replier's server is
// sent an Accept of the reply, which stands for the approval (GoToSocial's approvedBy; a
// server that waits for it before it shows the reply then shows it). sent says an Accept was
// queued: call Wake after the commit.
func (s *Service) ApproveReply(ctx context.Context, tx storage.Tx, parent *storage.Note, replier *storage.Actor, replyURI string) (sent bool, err error) {
	if parent.ReplyPolicy == "" || parent.ReplyPolicy == storage.QuotePublic || parent.ActorID == replier.ID {
		return false, nil
	}
	act := &federation.Activity{ID: s.activityURI(parent.Author, uris.Accepts), Type: federation.TypeAccept,
		To: []string{replier.URI}}
	if _, err := s.emit(ctx, tx, parent.Author, act, replyURI, 0, storage.Direct, []string{replier.DeliveryInbox()}); err != nil {
		return false, err
	}
	return true, nil
}

// replyApproval is what a local reply by author to parent needs of parent's author: nil when
// nothing (anyone may reply, or the policy lets author at once), pending when it must wait
// for an Accept; Invalid when the policy does not let author reply at all. Whoever the parent
// mentions may always reply, as GoToSocial has it.
func (s *Service) replyApproval(ctx context.Context, author *storage.Actor, parent *storage.Note) (*storage.ReplyApproval, error) {
	if parent.Local {
		if ok, err := s.ReplyAllowed(ctx, author, parent); err != nil || ok {
			return nil, err
		}
		return nil, storage.Errorf(storage.Invalid, "its author does not let you reply to this post")
	}
	if parent.ActorID == author.ID || parent.ReplyPolicy == "" || parent.ReplyPolicy == storage.QuotePublic {
		return nil, nil
	}
	mentioned := mentions(parent, author.URI)
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
// carries: sent to everyone as a Create when it waited (it had gone to the parent's author
// alone), else again as an Update; or rejected. record stores what the inbox keeps of the
// answer, in the same transaction.
func (s *Service) SetReplyApproval(ctx context.Context, n *storage.Note, a storage.ReplyApproval, record func(tx storage.Tx) error) error {
	waited := n.Reply != nil && n.Reply.State != storage.QuoteAccepted
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
		if !waited {
			return s.sendAgain(ctx, tx, n)
		}
		// It went to the parent's author alone while it waited: now it goes to everyone,
		// as a Create of its own (a Create's id names one delivery of one document).
		act := &federation.Activity{ID: uris.Approved(n.URI), Type: federation.TypeCreate, To: n.To, Cc: n.Cc,
			Published: s.now()}
		stored, err := s.emit(ctx, tx, n.Author, act, NoteDocument(n), n.ID, n.Visibility, nil)
		if err != nil {
			return err
		}
		return s.distribute(ctx, tx, n.Author, n, stored.ID, nil, false)
	})
	if err != nil {
		return err
	}
	s.wake()
	return nil
}

// mayReact checks that the policy a remote post's server advertises (canLike, canAnnounce)
// lets actor like or boost it: anyone, its author's followers, or nobody but its author. One
// that wants the author's approval is sent at once, as Mastodon does; the author's server
// holds it as a request, and a Reject of it takes it back here (the inbox's
// refusedReaction).
func (s *Service) mayReact(ctx context.Context, actor *storage.Actor, kind storage.ReactionKind, n *storage.Note) error {
	policy, verb := n.LikePolicy, "like"
	if kind == storage.Announce {
		policy, verb = n.AnnouncePolicy, "boost"
	}
	switch policy {
	case "", storage.QuotePublic, storage.QuoteManual:
		return nil
	case storage.QuoteFollowers:
		if f, err := s.DB.GetFollow(ctx, actor.ID, n.ActorID); err == nil && f.Accepted {
			return nil
		}
	}
	if n.ActorID == actor.ID {
		return nil
	}
	return storage.Errorf(storage.Forbidden, "its author does not let you %s this post", verb)
}
