package inbox

import (
	"context"
	"slices"

	"refuge/federation"
	"refuge/storage"
)

// localTarget returns the live local account uri names, or NotFound; an account waiting for
// approval is nobody yet, whose address another server can only have guessed.
func (in *Inbox) localTarget(ctx context.Context, uri string) (*storage.Actor, error) {
	a, err := in.DB.GetActorByURI(ctx, uri)
	if err != nil || !a.Local || !a.DeletedAt.IsZero() || a.Type != federation.TypePerson || a.Pending {
		return nil, storage.Errorf(storage.NotFound, "no local account %s", uri)
	}
	return a, nil
}

// followable returns the live local account or group uri names, or NotFound.
func (in *Inbox) followable(ctx context.Context, uri string) (*storage.Actor, error) {
	a, err := in.DB.GetActorByURI(ctx, uri)
	if err == nil && a.Local && a.Type == federation.TypeGroup && a.DeletedAt.IsZero() {
		return a, nil
	}
	return in.localTarget(ctx, uri)
}

// follow: a remote actor asks to follow a local account, or to join a local group.
// Unlocked accounts and open groups accept at once; one that blocks the actor refuses, as
// does a group that banned the actor or its server.
func (in *Inbox) follow(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	target, err := in.followable(ctx, act.Object.ID)
	if err != nil {
		return "", err
	}
	if _, err := in.DB.GetAccountBlock(ctx, target.ID, signer.ID); err == nil {
		return "", storage.Errorf(storage.Forbidden, "%s blocks you", target.URI)
	}
	if target.Type == federation.TypeGroup {
		if banned, err := in.DB.GroupBanned(ctx, target.ID, signer.ID, signer.Host); err != nil {
			return "", err
		} else if banned {
			return "", storage.Errorf(storage.Forbidden, "you are banned from %s", target.URI)
		}
		// What the new member's server runs says which Announce it is sent; a server that
		// cannot tell is sent the boost, which every server shows.
		if _, err := in.Remote.Software(ctx, signer.Host); err != nil {
			in.Log.Warn("inbox: could not keep what a group member's server runs", "host", signer.Host, "err", err)
		}
	}
	err = in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, 0); err != nil {
			return err
		}
		_, err := tx.GetFollow(ctx, signer.ID, target.ID)
		if err != nil && storage.KindOf(err) != storage.NotFound {
			return err
		}
		asked := err == nil // a repeat, under a new id (the same id is a known activity)
		f := &storage.Follow{URI: act.ID, FollowerID: signer.ID, FolloweeID: target.ID, Created: in.now()}
		if err := tx.PutFollow(ctx, f); err != nil {
			return err
		}
		if target.Locked && !f.Accepted {
			if asked {
				return nil // as Mastodon: the request stands under the new id, nobody is told twice
			}
			return tx.Notify(ctx, target.ID, storage.NotificationFollowRequest, signer.ID, 0, f.Created)
		}
		if !f.Accepted {
			if err := tx.Notify(ctx, target.ID, storage.NotificationFollow, signer.ID, 0, f.Created); err != nil {
				return err
			}
		}
		// Accept again even when already accepted: a repeated Follow means the peer lost track.
		return in.Outbox.AnswerFollow(ctx, tx, target, signer, f, true)
	})
	if err != nil {
		return "", err
	}
	in.Outbox.Wake()
	return Stored, nil
}

// followOf finds the Follow an Accept, Reject or Undo refers to: by its id, or for an
// embedded Follow without a known id, by the pair it names.
func (in *Inbox) followOf(ctx context.Context, obj federation.Object) (*storage.Follow, error) {
	if f, err := in.DB.GetFollowByURI(ctx, obj.ID); err == nil {
		return f, nil
	}
	if obj.Raw == nil {
		return nil, storage.Errorf(storage.NotFound, "no follow %s", obj.ID)
	}
	inner, err := obj.Activity()
	if err != nil || inner.Type != federation.TypeFollow {
		return nil, storage.Errorf(storage.Invalid, "the object is not a Follow")
	}
	follower, err1 := in.DB.GetActorByURI(ctx, inner.Actor)
	followee, err2 := in.DB.GetActorByURI(ctx, inner.Object.ID)
	if err1 != nil || err2 != nil {
		return nil, storage.Errorf(storage.NotFound, "no such follow")
	}
	return in.DB.GetFollow(ctx, follower.ID, followee.ID)
}

// accept: a remote account accepted a local account's follow request.
func (in *Inbox) accept(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	return in.answer(ctx, signer, act, true)
}

// reject: a remote account refused (or removed) a local follower.
func (in *Inbox) reject(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	return in.answer(ctx, signer, act, false)
}

func (in *Inbox) answer(ctx context.Context, signer *storage.Actor, act *federation.Activity, accepted bool) (Result, error) {
	if isQuoteAnswer(act) {
		return in.quoteAnswer(ctx, signer, act, accepted)
	}
	if act.Object.Type != federation.TypeFollow {
		if n := in.localInteraction(ctx, act.Object); n != nil {
			return in.replyAnswer(ctx, signer, act, n, accepted)
		}
		if in.isLocalActivity(act.Object) && !accepted {
			return in.refusedReaction(ctx, signer, act)
		}
		if in.isLocalActivity(act.Object) {
			return Ignored, nil // a like or boost of ours approved: nothing is kept of it
		}
	}
	if act.Object.Type != "" && act.Object.Type != federation.TypeFollow && act.Object.Raw != nil {
		return Ignored, nil
	}
	f, err := in.followOf(ctx, act.Object)
	if err != nil {
		return "", storage.Errorf(storage.NotFound, "%s of a follow that was never sent", act.Type)
	}
	if f.FolloweeID != signer.ID {
		return "", storage.Errorf(storage.Forbidden, "only the account followed may answer a follow")
	}
	err = in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, 0); err != nil {
			return err
		}
		if accepted {
			return tx.AcceptFollow(ctx, f.ID)
		}
		if err := tx.DeleteFollow(ctx, f.ID); err != nil {
			return err
		}
		return tx.RemoveFromFeeds(ctx, f.FollowerID, signer.ID)
	})
	if err != nil {
		return "", err
	}
	return Stored, nil
}

// undo: a Follow, Like, Announce or emoji reaction is taken back, only ever by whoever made it.
func (in *Inbox) undo(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	kind := act.Object.Type
	if kind == "" {
		if _, err := in.DB.GetFollowByURI(ctx, act.Object.ID); err == nil {
			kind = federation.TypeFollow
		} else if _, err := in.DB.GetReactionByURI(ctx, storage.Like, act.Object.ID); err == nil {
			kind = federation.TypeLike
		} else if _, err := in.DB.GetReactionByURI(ctx, storage.Announce, act.Object.ID); err == nil {
			kind = federation.TypeAnnounce
		} else if _, err := in.DB.GetEmojiReactionByURI(ctx, act.Object.ID); err == nil {
			kind = federation.TypeEmojiReact
		}
	}
	var apply func(tx storage.Tx) error
	switch kind {
	case federation.TypeFollow:
		f, err := in.followOf(ctx, act.Object)
		if err != nil {
			return Ignored, nil // nothing to undo
		}
		if f.FollowerID != signer.ID {
			return "", storage.Errorf(storage.Forbidden, "only the follower may undo a follow")
		}
		apply = func(tx storage.Tx) error { return tx.DeleteFollow(ctx, f.ID) }
	case federation.TypeLike, federation.TypeAnnounce:
		r, err := in.DB.GetReactionByURI(ctx, storage.ReactionKind(kind), act.Object.ID)
		if err != nil && kind == federation.TypeLike {
			return in.undoEmojiReaction(ctx, signer, act) // a Like that was a reaction
		}
		if err != nil {
			return Ignored, nil
		}
		if r.ActorID != signer.ID {
			return "", storage.Errorf(storage.Forbidden, "only its author may undo a %s", kind)
		}
		apply = func(tx storage.Tx) error { return tx.DeleteReaction(ctx, storage.ReactionKind(kind), r.ID) }
	case federation.TypeEmojiReact:
		return in.undoEmojiReaction(ctx, signer, act)
	default:
		return Ignored, nil
	}
	err := in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, 0); err != nil {
			return err
		}
		return apply(tx)
	})
	if err != nil {
		return "", err
	}
	return Stored, nil
}

// noteOf returns the note an activity carries, checked to be by the signer. A link is
// fetched from its origin; an embedded note must be the signer's own.
func (in *Inbox) noteOf(ctx context.Context, signer *storage.Actor, obj federation.Object) (*federation.Note, error) {
	if obj.Raw == nil {
		if storage.HostOf(obj.ID) != signer.Host {
			return nil, storage.Errorf(storage.Forbidden, "object %s is not on the actor's host", obj.ID)
		}
		doc, author, err := in.Remote.FetchNoteDoc(ctx, obj.ID)
		if err != nil {
			return nil, err
		}
		if author.ID != signer.ID {
			return nil, storage.Errorf(storage.Forbidden, "object %s is not the actor's", obj.ID)
		}
		return doc, nil
	}
	doc, err := obj.Note()
	if err != nil {
		return nil, err
	}
	if storage.HostOf(doc.ID) != signer.Host {
		return nil, storage.Errorf(storage.Forbidden, "object %s is not on the actor's host", doc.ID)
	}
	if doc.AttributedTo != signer.URI {
		return nil, storage.Errorf(storage.Forbidden, "object %s is attributed to %q, not the actor", doc.ID, doc.AttributedTo)
	}
	return doc, nil
}

// create: a new post. It is kept when someone here follows its author, it addresses or
// mentions someone here, or it replies to a note stored here.
func (in *Inbox) create(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	doc, err := in.noteOf(ctx, signer, act.Object)
	if err != nil {
		return "", err
	}
	if poll, choice := in.votedIn(ctx, doc); poll != nil {
		return in.vote(ctx, signer, act, poll, choice)
	}
	if !federation.NoteTypes[doc.Type] {
		return Ignored, nil
	}
	n := federation.NoteFromDoc(doc, signer, in.Outbox.Domain)
	followers, err := in.DB.LocalFollowers(ctx, signer.ID)
	if err != nil {
		return "", err
	}
	addressed := in.localRecipients(ctx, n)
	var parent *storage.Note
	if n.InReplyToURI != "" {
		parent, _ = in.DB.GetNoteByURI(ctx, n.InReplyToURI)
	}
	if parent != nil && parent.Local {
		allowed, err := in.Outbox.ReplyAllowed(ctx, signer, parent)
		if err != nil {
			return "", err
		}
		if !allowed {
			// Not kept, and its server told so, as GoToSocial answers a reply its post's
			// policy does not let in.
			in.Log.Info("inbox: reply refused by its post's policy", "reply", n.URI, "post", parent.URI)
			err := in.Outbox.RejectReply(ctx, parent, signer, n.URI, func(tx storage.Tx) error { return in.record(ctx, tx, signer, act, 0) })
			if err != nil {
				return "", err
			}
			return Ignored, nil
		}
	}
	quotesLocal := n.Quote != nil && storage.HostOf(n.Quote.URI) == in.Outbox.Domain
	groups, err := in.Outbox.GroupsOf(ctx, in.DB, n)
	if err != nil {
		return "", err
	}
	if len(followers) == 0 && len(addressed) == 0 && (parent == nil || !parent.Local) && !quotesLocal && len(groups) == 0 {
		return Ignored, nil
	}
	in.checkQuote(ctx, n, doc, nil)
	approved := false // an Accept of the reply was queued
	err = in.DB.Update(ctx, func(tx storage.Tx) error {
		approved = false
		if err := tx.CreateNote(ctx, n); storage.KindOf(err) == storage.Conflict {
			// Known already (fetched for a boost or a thread): keep it, but its Create still
			// brings it to followers' feeds.
			old, gerr := tx.GetNoteByURI(ctx, n.URI)
			if gerr != nil {
				return gerr
			}
			if old.ActorID != signer.ID {
				return storage.Errorf(storage.Forbidden, "note %s belongs to someone else", n.URI)
			}
			if old.Deleted() {
				return storage.Errorf(storage.Gone, "note %s was deleted", n.URI) // and stays deleted
			}
			if q := n.Quote; q != nil && q.State == storage.QuoteAccepted && old.Quote != nil && old.Quote.URI == q.URI &&
				old.Quote.State == storage.QuotePending {
				// Its Create and the Update that brought its stamp were handled at once.
				if err := tx.SetQuoteState(ctx, old.ID, q.State, q.Authorization); err != nil {
					return err
				}
			}
			n.ID = old.ID
		} else if err != nil {
			return err
		}
		if err := in.record(ctx, tx, signer, act, n.ID); err != nil {
			return err
		}
		feed := addressed
		if n.Visibility != storage.Direct {
			feed = append(feed, followers...)
		}
		if n.Visibility == storage.Public {
			// The accounts here that follow one of its hashtags get it home too (public
			// posts only, as Mastodon's followed tags).
			byTag, err := tx.TagFollowers(ctx, storage.HashtagNames(n.Tags), signer.ID)
			if err != nil {
				return err
			}
			feed = append(feed, byTag...)
		}
		if err := tx.AddToFeed(ctx, feed, n.ID, 0, n.Published); err != nil {
			return err
		}
		for _, id := range addressed {
			kind := storage.NotificationMention
			if parent != nil && parent.ActorID == id {
				kind = storage.NotificationReply
			}
			if err := tx.Notify(ctx, id, kind, signer.ID, n.ID, in.now()); err != nil {
				return err
			}
		}
		if parent != nil && parent.Local && !slices.Contains(addressed, parent.ActorID) {
			if err := tx.Notify(ctx, parent.ActorID, storage.NotificationReply, signer.ID, n.ID, in.now()); err != nil {
				return err
			}
		}
		if parent != nil && parent.Local {
			sent, err := in.Outbox.ApproveReply(ctx, tx, parent, signer, n.URI)
			if err != nil {
				return err
			}
			approved = sent
		}
		if err := in.notifyQuote(ctx, tx, signer, n, nil); err != nil {
			return err
		}
		if len(groups) == 0 {
			return nil
		}
		announced, err := in.Outbox.AnnounceInGroups(ctx, tx, signer, n, act.Raw)
		approved = approved || announced
		return err
	})
	if storage.KindOf(err) == storage.Gone {
		return Ignored, nil
	}
	if err != nil {
		return "", err
	}
	if approved {
		in.Outbox.Wake()
	}
	return Stored, nil
}

// votedIn tells whether a new note is a vote, as Mastodon tells it: a Note named by an
// option of the local poll it replies to. It returns the poll's note and the option's
// position; nil for anything else, which is then an ordinary reply.
func (in *Inbox) votedIn(ctx context.Context, doc *federation.Note) (*storage.Note, int) {
	if doc.Type != federation.TypeNote || doc.Name == "" || storage.HostOf(doc.InReplyTo) != in.Outbox.Domain {
		return nil, 0
	}
	n, err := in.DB.GetNoteByURI(ctx, doc.InReplyTo)
	if err != nil || !n.Local || n.Poll == nil || n.Deleted() {
		return nil, 0
	}
	for i, o := range n.Poll.Options {
		if o.Title == doc.Name {
			return n, i
		}
	}
	return nil, 0
}

// vote counts a remote account's vote in a local poll: once an option an account, one
// option an account in a single-choice poll; none after the poll ended. The vote itself is
// not kept as a note.
func (in *Inbox) vote(ctx context.Context, signer *storage.Actor, act *federation.Activity, n *storage.Note, choice int) (Result, error) {
	if n.Poll.Closed(in.now()) {
		return Ignored, nil
	}
	if ok, _ := in.DB.CanSee(ctx, n.ID, signer.ID); !ok {
		return "", storage.Errorf(storage.Forbidden, "the actor cannot see that poll")
	}
	err := in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, 0); err != nil {
			return err
		}
		_, err := tx.Vote(ctx, n.ID, signer.ID, []int{choice}, in.now())
		return err
	})
	if err != nil {
		return "", err
	}
	return Stored, nil
}

// localRecipients lists the local accounts a note addresses or mentions.
func (in *Inbox) localRecipients(ctx context.Context, n *storage.Note) []int64 {
	var ids []int64
	seen := map[string]bool{}
	check := func(uri string) {
		if seen[uri] || storage.HostOf(uri) != in.Outbox.Domain {
			return
		}
		seen[uri] = true
		if a, err := in.localTarget(ctx, uri); err == nil {
			ids = append(ids, a.ID)
		}
	}
	for _, list := range [][]string{n.To, n.Cc} {
		for _, uri := range list {
			check(uri)
		}
	}
	for _, t := range n.Tags {
		if t.Type == federation.TypeMention {
			check(t.Href)
		}
	}
	return ids
}

// update: a note edited by its author, or an actor's new profile.
func (in *Inbox) update(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	if act.Object.ID == signer.URI || federation.ActorTypes[act.Object.Type] {
		if act.Object.ID != signer.URI {
			return "", storage.Errorf(storage.Forbidden, "an actor may only update itself")
		}
		// Refetch from the origin rather than trust the payload: the key may have changed too.
		if _, err := in.Remote.FetchActor(ctx, signer.URI); err != nil {
			return "", err
		}
		in.ForgetSigner(signer.URI)
		return Stored, in.DB.Update(ctx, func(tx storage.Tx) error { return in.record(ctx, tx, signer, act, 0) })
	}
	doc, err := in.noteOf(ctx, signer, act.Object)
	if err != nil {
		return "", err
	}
	old, err := in.DB.GetNoteByURI(ctx, doc.ID)
	if err != nil && doc.Quote != "" && storage.HostOf(doc.Quote) == in.Outbox.Domain {
		// A quote of a local post whose Update (with the stamp we gave) overtook its Create:
		// stored from the Update, which is the note as it now stands; the Create that comes
		// after finds it known.
		return in.create(ctx, signer, act)
	}
	if err != nil {
		return Ignored, nil // an edit of a note we never kept
	}
	if old.ActorID != signer.ID {
		return "", storage.Errorf(storage.Forbidden, "only its author may update a note")
	}
	if old.Deleted() {
		return Ignored, nil
	}
	return in.edit(ctx, signer, signer, act, doc, old)
}

// edit stores doc, by author, as the new version of the stored note old, recording act of
// signer (the author, or a group that relays the author's Update).
func (in *Inbox) edit(ctx context.Context, signer, author *storage.Actor, act *federation.Activity, doc *federation.Note, old *storage.Note) (Result, error) {
	n := federation.NoteFromDoc(doc, author, in.Outbox.Domain)
	n.ID = old.ID
	in.checkQuote(ctx, n, doc, old)
	if !n.Updated.After(old.Published) || !n.Updated.After(old.Updated) {
		// No edit time, or one the wire's whole seconds made no later than the version
		// before: the edit is dated when it arrived, so that it shows as an edit.
		n.Updated = in.now()
	}
	err := in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, n.ID); err != nil {
			return err
		}
		if err := tx.UpdateNote(ctx, n); err != nil {
			return err
		}
		if err := in.Outbox.ForwardInGroups(ctx, tx, author, n, act.Raw); err != nil {
			return err
		}
		return in.notifyQuote(ctx, tx, author, n, old)
	})
	if storage.KindOf(err) == storage.Gone {
		return Ignored, nil // deleted since the check above: UpdateNote leaves a tombstone alone
	}
	if err != nil {
		return "", err
	}
	return Stored, nil
}

// delete: a note deleted by its author, or the author's whole account.
func (in *Inbox) delete(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	if act.Object.ID == signer.URI {
		err := in.DB.Update(ctx, func(tx storage.Tx) error {
			if err := in.record(ctx, tx, signer, act, 0); err != nil {
				return err
			}
			return tx.MarkActorDeleted(ctx, signer.ID, in.now())
		})
		if err != nil {
			return "", err
		}
		in.ForgetSigner(signer.URI)
		return Stored, nil
	}
	n, err := in.DB.GetNoteByURI(ctx, act.Object.ID)
	if err != nil {
		return in.revokeQuotes(ctx, signer, act) // nothing stored to delete, unless it is a stamp
	}
	if n.ActorID != signer.ID {
		return "", storage.Errorf(storage.Forbidden, "only its author may delete a note")
	}
	err = in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, 0); err != nil {
			return err
		}
		return tx.DeleteNote(ctx, n.ID, in.now())
	})
	if err != nil {
		return "", err
	}
	return Stored, nil
}

// like: someone likes a note; kept when the note is stored here. A Like that carries an
// emoji other than a heart is an emoji reaction (see likeReaction).
func (in *Inbox) like(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	r, isReaction, err := likeReaction(act)
	if err != nil {
		return "", err
	}
	if isReaction {
		return in.emojiReaction(ctx, signer, act, r)
	}
	n, err := in.DB.GetNoteByURI(ctx, act.Object.ID)
	if err != nil || n.Deleted() {
		return Ignored, nil
	}
	if ok, _ := in.DB.CanSee(ctx, n.ID, signer.ID); !ok {
		return "", storage.Errorf(storage.Forbidden, "the actor cannot see that note")
	}
	return in.react(ctx, signer, act, n, storage.Like, storage.NotificationLike, nil)
}

// announce: a boost. The announced note is taken from storage or fetched from its own
// origin; an embedded copy is never trusted, since anyone can write one.
//
// A group's Announce may name an activity instead (FEP-1b12): see groupAnnounce.
func (in *Inbox) announce(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	followers, err := in.DB.LocalFollowers(ctx, signer.ID)
	if err != nil {
		return "", err
	}
	if inner := embeddedActivity(act.Object); inner != nil {
		return in.groupAnnounce(ctx, signer, act, inner, followers)
	}
	n, err := in.DB.GetNoteByURI(ctx, act.Object.ID)
	if err != nil && (len(followers) == 0 || storage.HostOf(act.Object.ID) == in.Outbox.Domain) {
		return Ignored, nil // a boost of something nobody here follows or has
	}
	if err != nil && signer.Type == federation.TypeGroup {
		// A group's Announce may name the activity it relays by its id alone.
		var inner *federation.Activity
		if n, inner, err = in.Remote.Announced(ctx, act.Object.ID); inner != nil {
			return in.groupAnnounce(ctx, signer, act, inner, followers)
		}
		if err != nil {
			return "", storage.Wrap(storage.KindOf(err), err, "could not fetch the announced object from its origin")
		}
	} else if err != nil {
		if n, err = in.Remote.Note(ctx, act.Object.ID); err != nil {
			return "", storage.Wrap(storage.KindOf(err), err, "could not fetch the announced note from its origin")
		}
	}
	if n.Deleted() || (n.Visibility != storage.Public && n.Visibility != storage.Unlisted) {
		return Ignored, nil
	}
	return in.react(ctx, signer, act, n, storage.Announce, storage.NotificationAnnounce, followers)
}

func (in *Inbox) react(ctx context.Context, signer *storage.Actor, act *federation.Activity, n *storage.Note,
	kind storage.ReactionKind, notice storage.NotificationKind, feed []int64) (Result, error) {
	err := in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, n.ID); err != nil {
			return err
		}
		r := &storage.Reaction{URI: act.ID, ActorID: signer.ID, NoteID: n.ID, Created: in.now()}
		added, err := tx.PutReaction(ctx, kind, r)
		if err != nil || !added {
			return err
		}
		if len(feed) > 0 {
			if err := tx.AddToFeed(ctx, feed, n.ID, r.ID, r.Created); err != nil {
				return err
			}
		}
		if n.Author.Local {
			return tx.Notify(ctx, n.Author.ID, notice, signer.ID, n.ID, r.Created)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return Stored, nil
}

// block: a remote actor blocks a local account, so neither follows the other any longer
// (requests included). The block itself is not kept: what the remote account sees is its
// server's to decide.
func (in *Inbox) block(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	target, err := in.localTarget(ctx, act.Object.ID)
	if err != nil {
		return "", err
	}
	err = in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, 0); err != nil {
			return err
		}
		for _, pair := range [][2]int64{{signer.ID, target.ID}, {target.ID, signer.ID}} {
			f, err := tx.GetFollow(ctx, pair[0], pair[1])
			if storage.KindOf(err) == storage.NotFound {
				continue
			}
			if err != nil {
				return err
			}
			if err := tx.DeleteFollow(ctx, f.ID); err != nil {
				return err
			}
		}
		return tx.RemoveFromFeeds(ctx, target.ID, signer.ID)
	})
	if err != nil {
		return "", err
	}
	return Stored, nil
}
