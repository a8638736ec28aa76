package inbox

import (
	"context"
	"strings"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// localInteraction finds the local note an Accept or Reject of an interaction answers (of
// GoToSocial's interaction controls): its object is the reply itself (by id, or embedded),
// the reply's Create, or a ReplyRequest whose instrument is the reply. nil when it answers
// no local note.
func (in *Inbox) localInteraction(ctx context.Context, obj federation.Object) *storage.Note {
	candidates := []string{obj.ID, strings.TrimSuffix(obj.ID, "/activity")}
	if obj.Raw != nil {
		if inner, err := obj.Activity(); err == nil {
			candidates = append(candidates, inner.Object.ID, inner.Instrument.ID)
		}
	}
	for _, uri := range candidates {
		if uri == "" || storage.HostOf(uri) != in.Outbox.Domain {
			continue
		}
		if n, err := in.DB.GetNoteByURI(ctx, uri); err == nil && n.Local && !n.Deleted() {
			return n
		}
	}
	return nil
}

// replyAnswer: the author of the post a local reply answers accepts or rejects it. An
// Accept is kept as the reply's proof (its id, and its result when it brings a
// ReplyAuthorization), which the reply carries from then on; a Reject leaves the reply
// refused, and shown so. Only that author may answer.
func (in *Inbox) replyAnswer(ctx context.Context, signer *storage.Actor, act *federation.Activity, n *storage.Note, accepted bool) (Result, error) {
	parent, err := in.DB.GetNoteByURI(ctx, n.InReplyToURI)
	if n.InReplyToURI == "" || err != nil || parent.ActorID != signer.ID {
		return "", storage.Errorf(storage.Forbidden, "only the author of what it answers may approve a reply")
	}
	a := storage.ReplyApproval{State: storage.QuoteRejected}
	if accepted {
		a = storage.ReplyApproval{State: storage.QuoteAccepted, ApprovedBy: act.ID}
		if storage.SameHost(act.Result, signer.URI) {
			a.Authorization = act.Result
		}
	}
	err = in.Outbox.SetReplyApproval(ctx, n, a, func(tx storage.Tx) error { return in.record(ctx, tx, signer, act, n.ID) })
	if err != nil {
		return "", err
	}
	return Stored, nil
}

// isLocalActivity tells an answer to one of our own activities that is no Follow (a Like or
// boost that the post's author approved, as GoToSocial sends): nothing to record.
func (in *Inbox) isLocalActivity(obj federation.Object) bool {
	name, kind, _, ok := uris.New(in.Outbox.Base).ParseActivity(obj.ID)
	return ok && name != "" && kind != uris.Follows
}

// refusedReaction: the author of a post refuses a like or boost of it by one of ours (a
// Reject, as GoToSocial sends when its policy wants approval and the author declines). It
// is taken back as if its maker had: gone here, and an Undo sent where it went, so that a
// boost leaves the followers' timelines too. Only that author may refuse it.
func (in *Inbox) refusedReaction(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	for _, kind := range []storage.ReactionKind{storage.Like, storage.Announce} {
		r, err := in.DB.GetReactionByURI(ctx, kind, act.Object.ID)
		if err != nil {
			continue
		}
		n, err := in.DB.GetNoteByID(ctx, r.NoteID)
		if err != nil {
			return "", err
		}
		if n.ActorID != signer.ID {
			return "", storage.Errorf(storage.Forbidden, "only the author of the post may refuse a %s of it", kind)
		}
		maker, err := in.DB.GetActorByID(ctx, r.ActorID)
		if err != nil {
			return "", err
		}
		if err := in.Outbox.Unreact(ctx, maker, kind, n.URI); err != nil {
			return "", err
		}
		return Stored, nil
	}
	return Ignored, nil // taken back already
}
