package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/outbox/media"
	"refuge/storage"
)

// emit stores an activity of a local actor and queues it for inboxes, inside tx. An
// activity whose id is stored already (a Follow asked for again keeps its id) is sent
// again as stored, and only when it is this actor's own of the same type.
func (s *Service) emit(ctx context.Context, tx storage.Tx, actor *storage.Actor, act *federation.Activity,
	object any, noteID int64, visibility storage.Visibility, inboxes []string) (*storage.Activity, error) {
	if act.Published.IsZero() {
		act.Published = s.now()
	}
	act.Actor = actor.URI
	if err := s.describeEmojiOf(ctx, tx, object); err != nil {
		return nil, err
	}
	doc, err := federation.EncodeActivity(act, object)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", act.Type, err)
	}
	objectURI := ""
	switch o := object.(type) {
	case string:
		objectURI = o
	case *federation.Note:
		objectURI = o.ID
	case *federation.Activity:
		objectURI = o.ID
	case *federation.Actor:
		objectURI = o.ID
	}
	stored := &storage.Activity{URI: act.ID, ActorID: actor.ID, Local: true, Type: act.Type, ObjectURI: objectURI,
		NoteID: noteID, Visibility: visibility, JSON: string(doc), Published: act.Published}
	added, err := tx.PutActivity(ctx, stored)
	if err != nil {
		return nil, err
	}
	if !added {
		// PutActivity stored nothing and left stored.ID at 0: queue the activity that is
		// stored under the id.
		old, err := tx.GetActivityByURI(ctx, act.ID)
		if err != nil {
			return nil, fmt.Errorf("send %s again: %w", act.ID, err)
		}
		if !old.Local || old.ActorID != actor.ID || old.Type != act.Type {
			return nil, storage.Errorf(storage.Conflict, "activity id %s is taken", act.ID)
		}
		stored = old
	}
	if err := tx.EnqueueDeliveries(ctx, stored.ID, uniq(inboxes), s.now()); err != nil {
		return nil, err
	}
	return stored, nil
}

// findActor returns a stored actor by URI, fetching a remote one if needed.
func (s *Service) findActor(ctx context.Context, uri string) (*storage.Actor, error) {
	a, err := s.DB.GetActorByURI(ctx, uri)
	if err == nil || storage.KindOf(err) != storage.NotFound || s.Remote == nil || storage.HostOf(uri) == s.Domain {
		if err == nil && !a.DeletedAt.IsZero() {
			return nil, storage.Errorf(storage.Gone, "%s is gone", uri)
		}
		return a, err
	}
	return s.Remote.Actor(ctx, uri)
}

// Follow makes actor follow the account target (an actor URI). A local target that is not
// locked accepts at once; a remote one is sent a Follow and answers with Accept or Reject.
// Asking again is answered as Mastodon answers it: the follow or the request stands, with
// its id, and nobody is notified twice; a remote request not answered yet is sent again,
// with that id, for a server that lost it (to Mastodon and to us a repeat is a no-op).
// Forbidden when either account blocks the other.
func (s *Service) Follow(ctx context.Context, actor *storage.Actor, target string) (*storage.Follow, error) {
	return s.FollowWith(ctx, actor, target, FollowOptions{})
}

// FollowOptions are what a follower may choose of a follow; nil keeps what the follow has
// (a new one shows the followee's boosts).
type FollowOptions struct {
	Reblogs *bool // whether the followee's boosts reach the follower's home timeline

	// Quiet leaves a request not answered yet as it is: an import that meets it again is
	// not someone asking again, and a server that keeps the first (GoToSocial answers a
	// repeated Follow id with a 500) would be sent a repeat on every import.
	Quiet bool
}

// FollowWith is Follow with the follower's choices, which asking again changes.
func (s *Service) FollowWith(ctx context.Context, actor *storage.Actor, target string, opt FollowOptions) (*storage.Follow, error) {
	t, err := s.findActor(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("follow %s: %w", target, err)
	}
	if t.ID == actor.ID {
		return nil, storage.Errorf(storage.Invalid, "you cannot follow yourself")
	}
	if t.Type == federation.TypeApplication && t.Local {
		return nil, storage.Errorf(storage.Invalid, "the instance actor cannot be followed")
	}
	if t.Suspended() {
		// Mastodon's FollowService finds no account to follow while it is suspended.
		return nil, storage.Errorf(storage.NotFound, "%s is suspended", t.Handle())
	}
	f := &storage.Follow{URI: s.activityURI(actor, uris.Follows), FollowerID: actor.ID, FolloweeID: t.ID,
		Accepted: t.Local && !t.Locked, Created: s.now()}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		if err := blocked(ctx, tx, actor.ID, t.ID); err != nil {
			return err
		}
		if t.Local && t.Type == federation.TypeGroup {
			if banned, err := tx.GroupBanned(ctx, t.ID, actor.ID, actor.Host); err != nil {
				return err
			} else if banned {
				return storage.Errorf(storage.Forbidden, "you are banned from %s", t.Handle())
			}
		}
		old, err := tx.GetFollow(ctx, actor.ID, t.ID)
		switch {
		case err == nil:
			*f = *old
			if err := setFollowOptions(ctx, tx, f, opt); err != nil {
				return err
			}
			if t.Local || f.Accepted || opt.Quiet {
				return nil
			}
			return s.sendFollow(ctx, tx, actor, t, f)
		case storage.KindOf(err) != storage.NotFound:
			return err
		}
		if err := tx.PutFollow(ctx, f); err != nil {
			return err
		}
		if err := setFollowOptions(ctx, tx, f, opt); err != nil {
			return err
		}
		if t.Local {
			kind := storage.NotificationFollow
			if !f.Accepted {
				kind = storage.NotificationFollowRequest
			}
			return tx.Notify(ctx, t.ID, kind, actor.ID, 0, f.Created)
		}
		return s.sendFollow(ctx, tx, actor, t, f)
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return f, nil
}

// setFollowOptions applies the follower's choices to the stored follow f, inside tx.
func setFollowOptions(ctx context.Context, tx storage.Tx, f *storage.Follow, opt FollowOptions) error {
	if opt.Reblogs == nil || f.HideReblogs == !*opt.Reblogs {
		return nil
	}
	f.HideReblogs = !*opt.Reblogs
	return tx.SetHideReblogs(ctx, f.ID, f.HideReblogs)
}

// sendFollow queues the Follow f of the remote account t, inside tx.
func (s *Service) sendFollow(ctx context.Context, tx storage.Tx, actor, t *storage.Actor, f *storage.Follow) error {
	_, err := s.emit(ctx, tx, actor, &federation.Activity{ID: f.URI, Type: federation.TypeFollow, To: []string{t.URI}},
		t.URI, 0, storage.Direct, []string{t.Inbox})
	return err
}

// Unfollow undoes actor's follow (or follow request) of target.
func (s *Service) Unfollow(ctx context.Context, actor *storage.Actor, target string) error {
	t, err := s.DB.GetActorByURI(ctx, target)
	if err != nil {
		return err
	}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		f, err := tx.GetFollow(ctx, actor.ID, t.ID)
		if err != nil {
			return err
		}
		return s.unfollow(ctx, tx, actor, t, f)
	})
	if err == nil {
		s.wake()
	}
	return err
}

// unfollow removes actor's follow f of t and what it brought to actor's feed, and tells a
// remote t with the Undo of the Follow, inside tx.
func (s *Service) unfollow(ctx context.Context, tx storage.Tx, actor, t *storage.Actor, f *storage.Follow) error {
	if err := tx.DeleteFollow(ctx, f.ID); err != nil {
		return err
	}
	if err := tx.RemoveFromFeeds(ctx, actor.ID, t.ID); err != nil {
		return err
	}
	if t.Local {
		return nil
	}
	follow := &federation.Activity{ID: f.URI, Type: federation.TypeFollow, Actor: actor.URI}
	_, err := s.emit(ctx, tx, actor, &federation.Activity{ID: uris.Undo(f.URI), Type: federation.TypeUndo, To: []string{t.URI}},
		withObject(follow, t.URI), 0, storage.Direct, []string{t.Inbox})
	return err
}

// withObject sets an embedded activity's object to a link and returns it.
func withObject(a *federation.Activity, id string) *federation.Activity {
	a.Object = federation.Object{ID: id}
	return a
}

// AnswerFollowRequest accepts or rejects a pending follow of the local account by follower.
// It returns the id of the Accept or Reject sent ("" for a local follower).
func (s *Service) AnswerFollowRequest(ctx context.Context, account *storage.Actor, followerURI string, accept bool) (string, error) {
	follower, err := s.DB.GetActorByURI(ctx, followerURI)
	if err != nil {
		return "", err
	}
	var uri string
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		f, err := tx.GetFollow(ctx, follower.ID, account.ID)
		if err != nil {
			return err
		}
		uri, err = s.answerFollow(ctx, tx, account, follower, f, accept)
		return err
	})
	if err == nil {
		s.wake()
	}
	return uri, err
}

// answerFollow records the answer to follow f of account by follower, and tells a remote
// follower with Accept or Reject. The inbox calls it too, for accounts that are not locked.
func (s *Service) answerFollow(ctx context.Context, tx storage.Tx, account, follower *storage.Actor, f *storage.Follow, accept bool) (string, error) {
	kind, path := federation.TypeReject, uris.Rejects
	if accept {
		kind, path = federation.TypeAccept, uris.Accepts
		if err := tx.AcceptFollow(ctx, f.ID); err != nil {
			return "", err
		}
	} else if err := tx.DeleteFollow(ctx, f.ID); err != nil {
		return "", err
	}
	if follower.Local {
		if accept {
			return "", nil
		}
		// As after an unfollow or an incoming Reject: what she was sent of account's goes.
		return "", tx.RemoveFromFeeds(ctx, follower.ID, account.ID)
	}
	follow := &federation.Activity{ID: f.URI, Type: federation.TypeFollow, Actor: follower.URI}
	act, err := s.emit(ctx, tx, account, &federation.Activity{ID: s.activityURI(account, path), Type: kind,
		To: []string{follower.URI}}, withObject(follow, account.URI), 0, storage.Direct, []string{follower.Inbox})
	if err != nil {
		return "", err
	}
	return act.URI, nil
}

// AnswerFollow is answerFollow inside an existing transaction, for the inbox.
func (s *Service) AnswerFollow(ctx context.Context, tx storage.Tx, account, follower *storage.Actor, f *storage.Follow, accept bool) error {
	_, err := s.answerFollow(ctx, tx, account, follower, f, accept)
	return err
}

// reactionPaths are the path segments of the ids of local actors' reactions.
var reactionPaths = map[storage.ReactionKind]uris.Kind{storage.Like: uris.Likes, storage.Announce: uris.Boosts}

// reactionNotices are the notifications a local author gets of a reaction.
var reactionNotices = map[storage.ReactionKind]storage.NotificationKind{
	storage.Like: storage.NotificationLike, storage.Announce: storage.NotificationAnnounce}

// React likes or boosts a note, by URI.
func (s *Service) React(ctx context.Context, actor *storage.Actor, kind storage.ReactionKind, noteURI string) (*storage.Reaction, error) {
	n, err := s.findNote(ctx, noteURI)
	if err != nil {
		return nil, err
	}
	if ok, _ := s.DB.CanSee(ctx, n.ID, actor.ID); !ok || n.Deleted() {
		return nil, storage.Errorf(storage.NotFound, "note not found")
	}
	if kind == storage.Announce && n.Visibility != storage.Public && n.Visibility != storage.Unlisted {
		return nil, storage.Errorf(storage.Forbidden, "only public and unlisted notes can be boosted")
	}
	if err := s.mayReact(ctx, actor, kind, n); err != nil {
		return nil, err
	}
	r := &storage.Reaction{URI: s.activityURI(actor, reactionPaths[kind]),
		ActorID: actor.ID, NoteID: n.ID, Created: s.now()}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		added, err := tx.PutReaction(ctx, kind, r)
		if err != nil || !added {
			if !added && err == nil {
				old, gerr := tx.GetReaction(ctx, kind, actor.ID, n.ID)
				if gerr == nil {
					*r = *old
				}
			}
			return err
		}
		if n.Author.Local {
			if err := tx.Notify(ctx, n.Author.ID, reactionNotices[kind], actor.ID, n.ID, r.Created); err != nil {
				return err
			}
		}
		act := &federation.Activity{ID: r.URI, Type: string(kind), To: []string{n.Author.URI}}
		var inboxes []string
		if !n.Author.Local {
			inboxes = append(inboxes, n.Author.DeliveryInbox())
		}
		visibility := storage.Direct
		if kind == storage.Announce {
			act.To, act.Cc = []string{federation.PublicCollection}, []string{n.Author.URI, actor.FollowersURI}
			visibility = storage.Public
			remote, err := tx.FollowerInboxes(ctx, actor.ID)
			if err != nil {
				return err
			}
			inboxes = append(inboxes, remote...)
			locals, err := tx.LocalFollowers(ctx, actor.ID)
			if err != nil {
				return err
			}
			if err := tx.AddToFeed(ctx, locals, n.ID, r.ID, r.Created); err != nil {
				return err
			}
		}
		_, err = s.emit(ctx, tx, actor, act, n.URI, n.ID, visibility, inboxes)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return r, nil
}

// Unreact undoes actor's Like or Announce (kind) of a note.
func (s *Service) Unreact(ctx context.Context, actor *storage.Actor, kind storage.ReactionKind, noteURI string) error {
	n, err := s.DB.GetNoteByURI(ctx, noteURI)
	if err != nil {
		return err
	}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		r, err := tx.GetReaction(ctx, kind, actor.ID, n.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteReaction(ctx, kind, r.ID); err != nil {
			return err
		}
		var inboxes []string
		if !n.Author.Local {
			inboxes = append(inboxes, n.Author.DeliveryInbox())
		}
		undo := &federation.Activity{ID: uris.Undo(r.URI), Type: federation.TypeUndo, To: []string{n.Author.URI}}
		if kind == storage.Announce {
			undo.To, undo.Cc = []string{federation.PublicCollection}, []string{n.Author.URI, actor.FollowersURI}
			remote, err := tx.FollowerInboxes(ctx, actor.ID)
			if err != nil {
				return err
			}
			inboxes = append(inboxes, remote...)
		}
		inner := withObject(&federation.Activity{ID: r.URI, Type: string(kind), Actor: actor.URI}, n.URI)
		_, err = s.emit(ctx, tx, actor, undo, inner, 0, storage.Direct, inboxes)
		return err
	})
	if err == nil {
		s.wake()
	}
	return err
}

// ownNote returns a live note of actor, or Forbidden / NotFound.
func (s *Service) ownNote(ctx context.Context, actor *storage.Actor, uri string) (*storage.Note, error) {
	n, err := s.DB.GetNoteByURI(ctx, uri)
	if err != nil {
		return nil, err
	}
	if n.ActorID != actor.ID {
		return nil, storage.Errorf(storage.Forbidden, "that note is not yours")
	}
	if n.Deleted() {
		return nil, storage.Errorf(storage.Gone, "note already deleted")
	}
	return n, nil
}

// DeleteNote deletes a note of actor and federates a Delete with a Tombstone to everyone
// who was sent the note.
func (s *Service) DeleteNote(ctx context.Context, actor *storage.Actor, uri string) error {
	n, err := s.ownNote(ctx, actor, uri)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		// Checked again inside the transaction: two Deletes racing would both send one.
		cur, err := tx.GetNoteByID(ctx, n.ID)
		if err != nil {
			return err
		}
		if cur.Deleted() {
			return storage.Errorf(storage.Gone, "note already deleted")
		}
		if err := tx.DeleteNote(ctx, n.ID, now); err != nil {
			return err
		}
		act := &federation.Activity{ID: uris.Delete(uri), Type: federation.TypeDelete, To: n.To, Cc: n.Cc, Published: now}
		tomb := &federation.Note{ID: uri, Type: federation.TypeTombstone, Updated: now}
		stored, err := s.emit(ctx, tx, actor, act, tomb, 0, storage.Direct, nil)
		if err != nil {
			return err
		}
		return s.distribute(ctx, tx, actor, n, stored.ID, nil, false)
	})
	if err != nil {
		return err
	}
	s.wake()
	if s.DataDir != "" {
		for i := range n.Media {
			media.Remove(media.Dir(s.DataDir), n.Media[i].Path, n.Media[i].ThumbPath) // the rows went with the note
		}
	}
	return nil
}

// UpdateNote replaces the text (and, when in names any or ReplaceMedia, the attachments)
// of a note of actor and federates an Update; storage keeps the versions.
func (s *Service) UpdateNote(ctx context.Context, actor *storage.Actor, uri string, in NoteInput) (*storage.Note, error) {
	n, err := s.ownNote(ctx, actor, uri)
	if err != nil {
		return nil, err
	}
	in.Visibility = string(n.Visibility)
	if in.Language == "" {
		in.Language = editLanguage(n, in) // kept, or detected again when it was never chosen
	}
	if len(in.Media) == 0 && !in.ReplaceMedia {
		in.Media = n.Media
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := s.now()
	// The translations an edit does not name stay; the old main text is replaced by the new.
	kept := maps.Clone(n.ContentMap)
	delete(kept, n.Language)
	n.Source, n.Summary, n.Sensitive, n.Updated = in.Content, in.Summary, in.Sensitive || in.Summary != "", now
	n.Language = in.Language
	resolve := s.mentionResolver()
	n.Content, n.Tags = Format(ctx, in.Content, s.Base, s.Domain, resolve)
	n.ContentMap = s.formatTranslations(ctx, in, n.Content, kept, resolve)
	if err := s.addEmojiTags(ctx, n, in); err != nil {
		return nil, err
	}
	if n.Quote != nil {
		n.Content += quoteFallback(n.Quote.URI) // the quote stays: an edit does not change it
	}
	n.Media = in.Media
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		if err := tx.UpdateNote(ctx, n); err != nil {
			return err
		}
		act := &federation.Activity{ID: uris.Update(uri, newID(now)), Type: federation.TypeUpdate, To: n.To, Cc: n.Cc, Published: now}
		stored, err := s.emit(ctx, tx, actor, act, NoteDocument(n), n.ID, storage.Direct, nil)
		if err != nil {
			return err
		}
		if err := s.distribute(ctx, tx, actor, n, stored.ID, nil, false); err != nil {
			return err
		}
		return s.ForwardInGroups(ctx, tx, actor, n, json.RawMessage(stored.JSON))
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return n, nil
}

// MaxPinned is how many notes an account may pin, as on Mastodon.
const MaxPinned = 5

// Pin adds (or removes) one of actor's public or unlisted notes to its featured collection,
// at most MaxPinned of them. Refusals are Invalid with Mastodon's words, which clients show.
// Unpinning a note that is not pinned (someone else's included) changes nothing.
func (s *Service) Pin(ctx context.Context, actor *storage.Actor, uri string, pinned bool) error {
	n, err := s.DB.GetNoteByURI(ctx, uri)
	if err != nil {
		return err
	}
	if n.Deleted() {
		return storage.Errorf(storage.Gone, "note already deleted")
	}
	if !pinned {
		return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.Pin(ctx, actor.ID, n.ID, false) })
	}
	switch {
	case n.ActorID != actor.ID:
		return storage.Errorf(storage.Invalid, "Validation failed: Someone else's post cannot be pinned")
	case n.Visibility == storage.Direct:
		// A followers-only post may be pinned, as on Mastodon: the pinned lists and the
		// featured collection show each pin only to who may read it.
		return storage.Errorf(storage.Invalid, "Validation failed: Posts that are only visible to mentioned users cannot be pinned")
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		list, err := tx.ListPinned(ctx, actor.ID, actor.ID, storage.Page{})
		if err != nil {
			return err
		}
		for _, p := range list {
			if p.ID == n.ID {
				return nil // pinned already
			}
		}
		if len(list) >= MaxPinned {
			return storage.Errorf(storage.Invalid, "Validation failed: You have already pinned the maximum number of posts")
		}
		return tx.Pin(ctx, actor.ID, n.ID, true)
	})
}

// Bookmark bookmarks a note actor may read (on), or takes the bookmark away. A bookmark
// is the account's own: nothing is sent anywhere. Either is a no-op when done already;
// unbookmarking needs no right to read the note any longer.
func (s *Service) Bookmark(ctx context.Context, actor *storage.Actor, uri string, on bool) error {
	n, err := s.DB.GetNoteByURI(ctx, uri)
	if err != nil {
		return err
	}
	if on {
		if ok, _ := s.DB.CanSee(ctx, n.ID, actor.ID); !ok || n.Deleted() {
			return storage.Errorf(storage.NotFound, "note not found")
		}
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.Bookmark(ctx, actor.ID, n.ID, on, s.now()) })
}

// MarkNotificationsRead marks actor's notifications up to row id upTo as read.
func (s *Service) MarkNotificationsRead(ctx context.Context, actor *storage.Actor, upTo int64) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.MarkNotificationsRead(ctx, actor.ID, upTo) })
}
