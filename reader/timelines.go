package reader

import (
	"context"
	"strings"

	"refuge/storage"
)

// HomePage is a page of a home timeline.
type HomePage struct {
	Items       []storage.FeedItem // each note once, where it came newest
	Rows        int                // feed rows read, repeats included: a full page has more after it
	First, Last int64              // the first and last feed row ids read, for paging
}

// Home is a page of the local account's home timeline: its own posts, the posts of the
// accounts it follows and what they boosted, newest first. A note reaches a feed more than
// once (posted by someone followed and boosted by another, or mentioning the reader who
// also follows its author): it is shown once, where it came newest. What is hidden from
// the account (storage.Page.HiddenFor) is left out, and its keyword filters for the home
// timeline applied (Filters).
//
// The members of the account's exclusive lists are read in those lists only, as Mastodon's.
func (rd *Reader) Home(ctx context.Context, accountID int64, p storage.Page) (*HomePage, error) {
	p.HideExclusive = true
	return rd.feedPage(ctx, accountID, p)
}

// feedPage is a page of the account's feed as its home timeline shows it, with p's filters
// (a list's, or the exclusive lists').
func (rd *Reader) feedPage(ctx context.Context, accountID int64, p storage.Page) (*HomePage, error) {
	p.HiddenFor = accountID
	all, err := rd.DB.ListFeed(ctx, accountID, p)
	if err != nil || len(all) == 0 {
		return &HomePage{}, err
	}
	fs, err := rd.accountFilters(ctx, accountID, storage.FilterHome)
	if err != nil {
		return nil, err
	}
	hp := &HomePage{Rows: len(all), First: all[0].ID, Last: all[len(all)-1].ID}
	seen := make(map[int64]bool, len(all))
	for _, it := range fs.items(all) {
		if !seen[it.Note.ID] {
			seen[it.Note.ID] = true
			hp.Items = append(hp.Items, it)
		}
	}
	return hp, nil
}

// HomePosition is where the note with row id id (or, when boost, the boost) stands in the
// account's home feed (its newest row there), 0 when it is not there: a client pages a
// timeline by the ids of what it shows, the feed by its own rows.
func (rd *Reader) HomePosition(ctx context.Context, accountID, id int64, boost bool) (int64, error) {
	return rd.DB.FeedPosition(ctx, accountID, id, boost)
}

// Feed is a page of the account's feed rows as stored, repeats included: what its
// ActivityPub inbox collection serves, one item per delivery.
func (rd *Reader) Feed(ctx context.Context, accountID int64, p storage.Page) ([]storage.FeedItem, error) {
	return rd.DB.ListFeed(ctx, accountID, p)
}

// LocalTimeline is a page of this instance's public posts, newest first, as v sees it:
// without what is hidden from it (storage.Page.HiddenFor), its public keyword filters
// applied.
func (rd *Reader) LocalTimeline(ctx context.Context, v Viewer, p storage.Page) ([]*storage.Note, error) {
	p.HiddenFor = v.localID()
	return rd.filtered(ctx, v, storage.FilterPublic)(rd.DB.ListLocalPublic(ctx, p))
}

// filtered returns a function that applies v's filters for context c to a list of notes as
// a list method returns it (Filters.Notes), reading the filters only when the list was read.
func (rd *Reader) filtered(ctx context.Context, v Viewer, c storage.FilterContext) func([]*storage.Note, error) ([]*storage.Note, error) {
	return func(notes []*storage.Note, err error) ([]*storage.Note, error) {
		if err != nil || len(notes) == 0 || v.Local == nil {
			return notes, err
		}
		fs, err := rd.Filters(ctx, v, c)
		if err != nil {
			return nil, err
		}
		return fs.Page(notes), nil
	}
}

// PublicTimeline is a page of the public posts of local authors, of remote ones, or of
// both when local and remote are alike (the federated timeline), newest first, as v sees
// it.
func (rd *Reader) PublicTimeline(ctx context.Context, v Viewer, local, remote bool, p storage.Page) ([]*storage.Note, error) {
	p.HiddenFor = v.localID()
	return rd.filtered(ctx, v, storage.FilterPublic)(rd.DB.ListPublic(ctx, local, remote, p))
}

// NormalizeTag checks a hashtag from a URL and returns it in lower case, without '#'.
func NormalizeTag(tag string) (string, error) {
	tag = strings.ToLower(strings.TrimPrefix(tag, "#"))
	if tag == "" || len(tag) > 100 {
		return "", storage.Errorf(storage.Invalid, "bad tag")
	}
	return tag, nil
}

// Tagged is a page of the public posts, local and remote, carrying hashtag tag, as v sees
// them.
func (rd *Reader) Tagged(ctx context.Context, v Viewer, tag string, p storage.Page) ([]*storage.Note, error) {
	p.HiddenFor = v.localID()
	return rd.filtered(ctx, v, storage.FilterPublic)(rd.DB.ListTagged(ctx, tag, p))
}

// Profile is what an account's profile shows v: counts, pinned posts (on the first page
// only) and a page of the posts v may read.
type Profile struct {
	Actor                *storage.Actor
	Followers, Following int
	Posts                int
	Pinned               []*storage.Note
	Notes                []*storage.Note
	Relationship         storage.Relationship
	// Limited says that the account is silenced (storage.Actor.Limited) and v neither is it
	// nor follows it: the profile says so, as Mastodon's says that the moderators hid it.
	Limited bool
	// MovedTo is the account that actor moved to (its MovedTo), when it is stored here.
	MovedTo *storage.Actor
}

// Profile gathers the profile of actor as v sees it, v's keyword filters for profiles
// applied to its posts (the posts are ActorNotes', as the client API lists them).
//
// The posts of a remote actor are those stored here. When a local viewer opens the first
// page, the actor's outbox is asked for in the background (federation.Backfill.Outbox,
// at most once in a few minutes per actor), never waited for: the posts it made before
// anyone here followed it show on a later view. Nothing is asked of a server the viewer
// blocks, nor for an actor it blocks; the instance's blocks are the fetcher's to keep.
func (rd *Reader) Profile(ctx context.Context, v Viewer, actor *storage.Actor, p storage.Page) (*Profile, error) {
	pr := &Profile{Actor: actor}
	fs, err := rd.Filters(ctx, v, storage.FilterAccount)
	if err != nil {
		return nil, err
	}
	if pr.Notes, err = rd.ActorNotes(ctx, v, actor, p); err != nil {
		return nil, err
	}
	if p.Before == 0 && p.After == 0 && !actor.Suspended() {
		if pr.Pinned, err = rd.DB.ListPinned(ctx, actor.ID, v.ID(), storage.Page{}); err != nil {
			return nil, err
		}
		pr.Pinned = fs.Notes(pr.Pinned) // not paged
	}
	if pr.Followers, pr.Following, pr.Posts, err = rd.Counts(ctx, v, actor.ID); err != nil {
		return nil, err
	}
	pr.Relationship = rd.Relationship(ctx, v.Local, actor)
	pr.Limited = actor.Limited() && v.ID() != actor.ID && !pr.Relationship.Following
	if actor.MovedTo != "" {
		pr.MovedTo, _ = rd.Actor(ctx, actor.MovedTo) // not stored: the page links to the URI
	}
	if !actor.Local && v.Local != nil && rd.Backfill != nil && p.Before == 0 && p.After == 0 &&
		!pr.Relationship.Blocking && !pr.Relationship.DomainBlocking {
		rd.Backfill.Outbox(actor)
	}
	return pr, nil
}

// Counts are an account's followers, the accounts it follows and its posts that v may read,
// as its profile shows them.
func (rd *Reader) Counts(ctx context.Context, v Viewer, actorID int64) (followers, following, posts int, err error) {
	if followers, following, err = rd.DB.CountFollows(ctx, actorID); err != nil {
		return 0, 0, 0, err
	}
	posts, err = rd.DB.CountActorNotes(ctx, actorID, v.ID())
	return followers, following, posts, err
}

// AccountCounts are the counts of each of the accounts ids that everyone is shown (not
// those of a profile, which Counts gives as its viewer may read them), all in one query: a
// page of statuses shows every author's.
func (rd *Reader) AccountCounts(ctx context.Context, ids []int64) (map[int64]storage.AccountCounts, error) {
	return rd.DB.CountAccounts(ctx, ids)
}

// ActorNotes is a page of actor's posts that v may read: none while actor is suspended, as
// Mastodon lists none of a suspended account's; v's keyword filters for profiles applied.
func (rd *Reader) ActorNotes(ctx context.Context, v Viewer, actor *storage.Actor, p storage.Page) ([]*storage.Note, error) {
	if actor.Suspended() {
		return nil, nil
	}
	return rd.filtered(ctx, v, storage.FilterAccount)(rd.DB.ListActorNotes(ctx, actor.ID, v.ID(), p))
}

// PublicActorNotes is a page of actor's public posts: what its feeds carry.
func (rd *Reader) PublicActorNotes(ctx context.Context, actorID int64, p storage.Page) ([]*storage.Note, error) {
	return rd.DB.ListPublicActorNotes(ctx, actorID, p)
}

// Pinned lists actor's pinned posts that v may read, with the filters of p; none while
// actor is suspended.
func (rd *Reader) Pinned(ctx context.Context, v Viewer, actor *storage.Actor, p storage.Page) ([]*storage.Note, error) {
	if actor.Suspended() {
		return nil, nil
	}
	return rd.filtered(ctx, v, storage.FilterAccount)(rd.DB.ListPinned(ctx, actor.ID, v.ID(), p))
}

// Follows is a page of actor's followers (or, when pending, of those waiting for an
// answer), or of the accounts it follows; cursors are the rows' paging ids.
func (rd *Reader) Follows(ctx context.Context, actorID int64, followers, pending bool, p storage.Page) (actors []*storage.Actor, cursors []int64, err error) {
	if followers {
		return rd.DB.ListFollowers(ctx, actorID, pending, p)
	}
	return rd.DB.ListFollowing(ctx, actorID, p)
}

// Reactors is a page of the actors who liked (or boosted, by kind) note id, when v may
// read it; cursors are the reactions' paging ids.
func (rd *Reader) Reactors(ctx context.Context, v Viewer, id int64, kind storage.ReactionKind, p storage.Page) (actors []*storage.Actor, cursors []int64, err error) {
	if _, err := rd.NoteByID(ctx, v, id); err != nil {
		return nil, nil, err
	}
	return rd.DB.ListReactors(ctx, kind, id, p)
}

// Notifications is a page of the account's notifications, newest first.
// Those from accounts it blocks, or mutes with their notifications, are left out, and its
// keyword filters for notifications applied to the posts they are about.
func (rd *Reader) Notifications(ctx context.Context, accountID int64, p storage.Page) ([]*storage.Notification, error) {
	p.HiddenFor = accountID
	list, err := rd.DB.ListNotifications(ctx, accountID, p)
	if err != nil || len(list) == 0 {
		return list, err
	}
	fs, err := rd.accountFilters(ctx, accountID, storage.FilterNotifications)
	if err != nil {
		return nil, err
	}
	return fs.notifications(list), nil
}

// Notification returns the account's notification with row id id; NotFound when it has
// none with that id.
func (rd *Reader) Notification(ctx context.Context, accountID, id int64) (*storage.Notification, error) {
	// The one notification at or below id, read the way a page is.
	list, err := rd.Notifications(ctx, accountID, storage.Page{Before: id + 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 || list[0].ID != id {
		return nil, storage.Errorf(storage.NotFound, "notification not found")
	}
	return list[0], nil
}

// Unread counts the account's unread notifications.
func (rd *Reader) Unread(ctx context.Context, accountID int64) (int, error) {
	return rd.DB.CountUnreadNotifications(ctx, accountID)
}

// PushSubscription returns the push subscription of the token whose hash is tokenHash: only
// its bearer asks for it. NotFound when it has none.
func (rd *Reader) PushSubscription(ctx context.Context, tokenHash string) (*storage.PushSubscription, error) {
	return rd.DB.GetPushSubscription(ctx, tokenHash)
}
