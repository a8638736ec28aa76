// Package reader is Refuge's read side: what a viewer may see and how it is put together,
// for every surface alike (ActivityPub documents, web pages, feeds and, later, the client
// API). It owns the one visibility rule for a single note, threads, relationships, the
// timelines and notifications lists, and search. Handlers decode a request, call one
// function here and render; none of them decides on its own who may see what.
//
// It reads through storage. A page never waits on another server: where a thread names a
// note not stored yet, it asks federation's background fetcher for it and shows what it
// has. Only a search, an explicit act, fetches while the asker waits, within a deadline.
// It never writes what a person did: that is outbox's.
package reader

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// Reader answers the read side's questions from storage; a search fetches remote notes and
// actors through Remote, a thread asks Backfill for the ancestors it lacks.
type Reader struct {
	DB       storage.DB
	Remote   *federation.Remote
	Backfill *federation.Backfill // nil: a thread shows what is stored and asks for nothing
	Domain   string               // the instance's host, with its port for local work
	Base     string               // scheme://domain, the prefix of every local URI
	// LookupTimeout bounds a search in all, however many fetches it tries; 0 means
	// DefaultLookupTimeout.
	LookupTimeout time.Duration

	instance atomic.Pointer[keptInstance] // see Instance
}

// Viewer is who is asking: a local account (API token or web session), a remote actor
// (a signed fetch), or nobody (both nil).
type Viewer struct {
	Local  *storage.Actor
	Remote *storage.Actor
}

// localID is the local account of the viewer, 0 for none.
func (v Viewer) localID() int64 {
	if v.Local == nil {
		return 0
	}
	return v.Local.ID
}

// Local returns the viewer of a local account; a nil account is an anonymous viewer.
func Local(a *storage.Actor) Viewer { return Viewer{Local: a} }

// ID is the actor id of the viewer, 0 when anonymous.
func (v Viewer) ID() int64 {
	switch {
	case v.Local != nil:
		return v.Local.ID
	case v.Remote != nil:
		return v.Remote.ID
	}
	return 0
}

// Visible is the one rule for a single note: a deleted note is Gone (the note is still
// returned, so that ActivityPub can answer with its Tombstone); one the viewer may not read
// is NotFound, so that nobody learns it exists; otherwise nil. The posts of a suspended
// account are shown to nobody (NotFound, as Mastodon's client API answers; the account's
// own pages and documents say why, see AccountNote).
func (rd *Reader) Visible(ctx context.Context, v Viewer, n *storage.Note) error {
	if n.Deleted() {
		return storage.Errorf(storage.Gone, "this post was deleted")
	}
	if n.Author != nil && n.Author.Suspended() {
		return storage.Errorf(storage.NotFound, "note not found")
	}
	ok, err := rd.DB.CanSee(ctx, n.ID, v.ID())
	if err != nil && storage.KindOf(err) != storage.NotFound {
		return err
	}
	if !ok {
		return storage.Errorf(storage.NotFound, "note not found")
	}
	return nil
}

// AccountNote is NoteByURI for the address of a note of local account name, its page or
// document: the account is answered for first, as Mastodon does, so that a suspended one's
// note is ErrSuspended (403), not a note that was never there.
func (rd *Reader) AccountNote(ctx context.Context, v Viewer, name, uri string) (*storage.Note, error) {
	if _, err := rd.ShownLocalActor(ctx, name); err != nil && storage.KindOf(err) != storage.Gone {
		return nil, err
	}
	return rd.NoteByURI(ctx, v, uri)
}

// NoteByURI returns the stored note with id uri when v may read it. A deleted note comes
// back with a Gone error (see Visible).
func (rd *Reader) NoteByURI(ctx context.Context, v Viewer, uri string) (*storage.Note, error) {
	n, err := rd.DB.GetNoteByURI(ctx, uri)
	if err != nil {
		return nil, err
	}
	if err := rd.Visible(ctx, v, n); err != nil {
		if storage.KindOf(err) == storage.Gone {
			return n, err
		}
		return nil, err
	}
	return n, nil
}

// Parents returns, by URI, the notes that notes answer and v may read (their row and author
// ids), in one query: a list names each parent, never one v may not read.
func (rd *Reader) Parents(ctx context.Context, v Viewer, notes []*storage.Note) (map[string]storage.NoteRef, error) {
	var uris []string
	for _, n := range notes {
		if n.InReplyToURI != "" && !slices.Contains(uris, n.InReplyToURI) {
			uris = append(uris, n.InReplyToURI)
		}
	}
	return rd.DB.VisibleNoteRefs(ctx, uris, v.ID())
}

// ReplyParents returns, by URI, the stored notes that notes answer and v may read, with
// their authors: what a page says a reply answers ("in reply to NAME"). The parents are
// found in one query (Parents), then each author once.
func (rd *Reader) ReplyParents(ctx context.Context, v Viewer, notes []*storage.Note) (map[string]storage.ReplyParent, error) {
	notes = slices.DeleteFunc(slices.Clone(notes), func(n *storage.Note) bool { return n == nil })
	refs, err := rd.Parents(ctx, v, notes)
	if err != nil || len(refs) == 0 {
		return nil, err
	}
	authors := make(map[int64]*storage.Actor)
	out := make(map[string]storage.ReplyParent, len(refs))
	for uri, ref := range refs {
		a, ok := authors[ref.ActorID]
		if !ok {
			if a, err = rd.DB.GetActorByID(ctx, ref.ActorID); err != nil {
				return nil, fmt.Errorf("author of reply parent %d: %w", ref.ID, err)
			}
			authors[ref.ActorID] = a
		}
		if a.Suspended() {
			continue // its notes are listed nowhere while the suspension lasts
		}
		out[uri] = storage.ReplyParent{ID: ref.ID, Author: a}
	}
	return out, nil
}

// NoteByID returns the live stored note with row id id when v may read it.
func (rd *Reader) NoteByID(ctx context.Context, v Viewer, id int64) (*storage.Note, error) {
	if id <= 0 {
		return nil, storage.Errorf(storage.Invalid, "bad note id")
	}
	n, err := rd.DB.GetNoteByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := rd.Visible(ctx, v, n); err != nil {
		return nil, err
	}
	return n, nil
}

// seeNote is n when v may read it, else nil.
func (rd *Reader) seeNote(ctx context.Context, v Viewer, n *storage.Note) *storage.Note {
	if rd.Visible(ctx, v, n) != nil {
		return nil
	}
	return n
}

// Relationship tells how the local viewer and another account stand; empty for an
// anonymous viewer or the viewer's own account.
func (rd *Reader) Relationship(ctx context.Context, viewer, other *storage.Actor) storage.Relationship {
	var rel storage.Relationship
	if viewer == nil || other == nil || viewer.ID == other.ID {
		return rel
	}
	rel, err := rd.DB.GetRelationship(ctx, viewer.ID, other.ID, time.Now())
	if err != nil {
		return storage.Relationship{} // as each of its reads did: none known
	}
	return rel
}

// Hidden reports whether what authorID writes is kept from the local viewer: it blocks
// the author or the author's server, the author blocks it, or it mutes the author (the rule of
// storage.Page.HiddenFor, for one author).
func (rd *Reader) Hidden(ctx context.Context, v Viewer, authorID int64) bool {
	if v.Local == nil || v.Local.ID == authorID {
		return false
	}
	rel := rd.Relationship(ctx, v.Local, &storage.Actor{ID: authorID})
	return rel.Blocking || rel.BlockedBy || rel.Muting || rel.DomainBlocking
}

// ViewerState marks which of notes the local viewer liked, boosted, pinned or bookmarked,
// in one read for the whole page, and what the viewer chose in their polls, in another when
// the page has polls; all empty for an anonymous viewer.
func (rd *Reader) ViewerState(ctx context.Context, viewer *storage.Actor, notes []*storage.Note) (*storage.ViewerState, error) {
	if viewer == nil || len(notes) == 0 {
		return &storage.ViewerState{}, nil
	}
	ids := make([]int64, 0, len(notes))
	var polls []int64
	for _, n := range notes {
		if n != nil {
			ids = append(ids, n.ID)
			if n.Poll != nil {
				polls = append(polls, n.ID)
			}
		}
	}
	st, err := rd.DB.ViewerState(ctx, viewer.ID, ids)
	if err != nil || len(polls) == 0 {
		return st, err
	}
	st.Votes, err = rd.DB.OwnVotes(ctx, viewer.ID, polls)
	return st, err
}

// LocalActivity returns a stored activity of a local actor by its id, so that every id we
// send can be dereferenced; NotFound for anything else. An activity about a note (a
// Create, Like, Announce, Update, Delete, or the Undo of one) names the note and who acted
// on it, so v must be allowed to read that note (Visible): NotFound, exactly as an unknown
// id, when v may not, Gone once the note is deleted. One about actors (Follow, Accept,
// Reject, an Update of a profile) is anyone's to read.
func (rd *Reader) LocalActivity(ctx context.Context, v Viewer, uri string) (*storage.Activity, error) {
	notFound := storage.Errorf(storage.NotFound, "no such activity")
	act, err := rd.DB.GetActivityByURI(ctx, uri)
	if err != nil || !act.Local || act.JSON == "" {
		return nil, notFound
	}
	n, err := rd.activityNote(ctx, act)
	if err != nil {
		if storage.KindOf(err) == storage.NotFound {
			return nil, notFound // what it is about cannot be found: it cannot be checked
		}
		return nil, err
	}
	if n == nil {
		return act, nil
	}
	if err := rd.Visible(ctx, v, n); err != nil {
		if storage.KindOf(err) == storage.NotFound {
			return nil, notFound
		}
		return nil, err
	}
	return act, nil
}

// activityNote is the note a stored activity is about, nil when it is about none: the
// note it was stored with, the note its object names, or for an Undo the note of the
// activity it undoes (one level: we never undo an Undo).
func (rd *Reader) activityNote(ctx context.Context, act *storage.Activity) (*storage.Note, error) {
	if act.NoteID != 0 {
		return rd.DB.GetNoteByID(ctx, act.NoteID)
	}
	if act.ObjectURI == "" {
		return nil, nil
	}
	n, err := rd.DB.GetNoteByURI(ctx, act.ObjectURI)
	if err == nil || storage.KindOf(err) != storage.NotFound {
		return n, err
	}
	if act.Type != federation.TypeUndo {
		return nil, nil // an actor, or a Follow being answered
	}
	inner, err := rd.DB.GetActivityByURI(ctx, act.ObjectURI)
	if err != nil {
		return nil, err
	}
	if inner.Type == federation.TypeUndo {
		return nil, storage.Errorf(storage.NotFound, "an undo of an undo")
	}
	return rd.activityNote(ctx, inner)
}

// InstanceCounts counts the local accounts and their live posts, as NodeInfo reports them.
func (rd *Reader) InstanceCounts(ctx context.Context) (users, posts int, err error) {
	if users, err = rd.DB.CountLocalUsers(ctx); err != nil {
		return 0, 0, err
	}
	posts, err = rd.DB.CountLocalNotes(ctx)
	return users, posts, err
}

// Actor returns a stored actor by its id (URI); NotFound when it is not stored, or is a
// local account waiting for approval.
func (rd *Reader) Actor(ctx context.Context, uri string) (*storage.Actor, error) {
	return shown(rd.DB.GetActorByURI(ctx, uri))
}

// ActorByID returns a stored actor by its row id; NotFound for a local account waiting for
// approval, as for none.
func (rd *Reader) ActorByID(ctx context.Context, id int64) (*storage.Actor, error) {
	return shown(rd.DB.GetActorByID(ctx, id))
}

// shown hides a local account waiting for approval: it does not exist yet for anyone but
// the admins (see storage.LiveLocalActor).
func shown(a *storage.Actor, err error) (*storage.Actor, error) {
	if err == nil && a.Pending {
		return nil, storage.Wrap(storage.NotFound, storage.ErrNotFound, "account not found")
	}
	return a, err
}
