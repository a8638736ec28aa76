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
