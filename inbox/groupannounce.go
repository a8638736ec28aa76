package inbox

import (
	"context"

	"refuge/federation"
	"refuge/storage"
)

// A group's Announce (FEP-1b12, as Lemmy, mbin, PieFed and Friendica send it) relays an
// activity of one of its members: the member's Create, Update or Delete of a post, a vote,
// an Undo. Only what concerns posts is taken, and only from the posts' own origins: the
// copy the group embeds is a claim by the group, not by the member. A post the group
// relays reaches the home feeds of the accounts here that follow the group, as the
// group's boost, which every surface already shows ("boosted by" the group).

// embeddedActivity is the activity an Announce embeds, or nil when it names a note (or
// anything else) or embeds no activity.
func embeddedActivity(obj federation.Object) *federation.Activity {
	if obj.Raw == nil || obj.Type == "" || federation.NoteTypes[obj.Type] || federation.ActorTypes[obj.Type] ||
		obj.Type == federation.TypeTombstone {
		return nil
	}
	inner, err := obj.Activity()
	if err != nil {
		return nil
	}
	return inner
}

// groupAnnounce handles a group's Announce of inner for the accounts here that follow the
// group (followers): a Create or Update of a post stores it as its origin has it, a Delete
// deletes what its origin no longer has; the rest is of no concern here. Any actor but a
// group announcing an activity is ignored too.
func (in *Inbox) groupAnnounce(ctx context.Context, signer *storage.Actor, act *federation.Activity,
	inner *federation.Activity, followers []int64) (Result, error) {
	if signer.Type != federation.TypeGroup || len(followers) == 0 {
		return Ignored, nil
	}
	if storage.HostOf(inner.Actor) == "" || storage.HostOf(inner.Object.ID) == "" {
		return "", storage.Errorf(storage.Invalid, "the announced %s names no actor or object by http(s) URL", inner.Type)
	}
	switch inner.Type {
	case federation.TypeCreate, federation.TypeUpdate:
		return in.groupPost(ctx, signer, act, inner, followers)
	case federation.TypeDelete:
		return in.groupDelete(ctx, signer, act, inner)
	}
	return Ignored, nil // votes, their Undo, moderators' removals, and whatever else a group relays
}

// groupPost: the post of a member's Create or Update that the group relays. It is fetched
// from its origin unless stored (and refetched for an Update), must be by the member the
// activity names, and becomes the group's boost in its followers' feeds. Only the thread's
// first post goes to the feeds: a busy group relays every comment too, which are kept for
// the thread and counted, not pushed to anyone's home.
func (in *Inbox) groupPost(ctx context.Context, signer *storage.Actor, act *federation.Activity,
	inner *federation.Activity, followers []int64) (Result, error) {
	uri := inner.Object.ID
	n, err := in.DB.GetNoteByURI(ctx, uri)
	switch {
	case err == nil && n.Local:
		// A local account's post that the group relays: ours is what counts.
	case err == nil && inner.Type == federation.TypeUpdate && !n.Deleted():
		doc, author, ferr := in.Remote.FetchNoteDoc(ctx, uri)
		if ferr != nil {
			return "", storage.Wrap(storage.KindOf(ferr), ferr, "could not fetch the edited post from its origin")
		}
		if author.ID != n.ActorID || author.URI != inner.Actor {
			return "", storage.Errorf(storage.Forbidden, "post %s is not by %s", uri, inner.Actor)
		}
		return in.edit(ctx, signer, author, act, doc, n)
	case err == nil:
	case storage.KindOf(err) != storage.NotFound:
		return "", err
	case storage.HostOf(uri) == in.Outbox.Domain:
		return Ignored, nil // a local post we do not have: nothing to fetch
	default:
		if n, err = in.fetchGroupPost(ctx, signer, inner); err != nil {
			return "", err
		}
	}
	if n.Author.URI != inner.Actor {
		return "", storage.Errorf(storage.Forbidden, "post %s is attributed to %s, not to %s", uri, n.Author.URI, inner.Actor)
	}
	if n.Deleted() || (n.Visibility != storage.Public && n.Visibility != storage.Unlisted) {
		return Ignored, nil
	}
	if n.InReplyToURI != "" {
		followers = nil
	}
	return in.react(ctx, signer, act, n, storage.Announce, storage.NotificationAnnounce, followers)
}

// fetchGroupPost fetches the post inner creates from its origin, checks that inner's actor
// wrote it, and stores it in the group when it names no group of its own.
func (in *Inbox) fetchGroupPost(ctx context.Context, group *storage.Actor, inner *federation.Activity) (*storage.Note, error) {
	doc, author, err := in.Remote.FetchNoteDoc(ctx, inner.Object.ID)
	if err != nil {
		return nil, storage.Wrap(storage.KindOf(err), err, "could not fetch the announced post from its origin")
	}
	if author.URI != inner.Actor {
		return nil, storage.Errorf(storage.Forbidden, "post %s is attributed to %s, not to %s", doc.ID, author.URI, inner.Actor)
	}
	n := federation.NoteFromDoc(doc, author, in.Outbox.Domain)
	if n.Audience == "" {
		n.Audience = group.URI
	}
	err = in.DB.Update(ctx, func(tx storage.Tx) error { return tx.CreateNote(ctx, n) })
	if storage.KindOf(err) == storage.Conflict {
		return in.DB.GetNoteByURI(ctx, n.URI) // stored meanwhile, by another delivery
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

// groupDelete: a member's (or a moderator's) Delete of a post, relayed by the group. A
// group may relay what it likes, so the post is deleted only when its origin says it is
// gone, whoever the Delete names.
func (in *Inbox) groupDelete(ctx context.Context, signer *storage.Actor, act *federation.Activity, inner *federation.Activity) (Result, error) {
	n, err := in.DB.GetNoteByURI(ctx, inner.Object.ID)
	if err != nil || n.Local || n.Deleted() {
		return Ignored, nil // nothing stored here to delete
	}
	gone, err := in.Remote.NoteGone(ctx, n.URI)
	if err != nil {
		return "", storage.Wrap(storage.KindOf(err), err, "could not ask the post's origin whether it is deleted")
	}
	if !gone {
		return Ignored, nil // still there: removed from the group at most, which is the group's to show
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
