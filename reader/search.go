package reader

import (
	"context"
	"strconv"
	"strings"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// LocalActor returns the live local account name: NotFound when there is none, Gone once
// it was deleted.
func (rd *Reader) LocalActor(ctx context.Context, name string) (*storage.Actor, error) {
	return storage.LiveLocalActor(ctx, rd.DB, name)
}

// ErrSuspended is the answer to anyone asking for the profile, posts or collections of a
// suspended local account: 403, as Mastodon answers, until the suspension is lifted.
var ErrSuspended = storage.Errorf(storage.Forbidden, "This account is suspended.")

// ShownLocalActor is LocalActor for showing the account's profile, posts or collections:
// ErrSuspended while it is suspended. Its actor document and inbox are another matter
// (other servers must still learn that it is suspended, and may still deliver to it).
func (rd *Reader) ShownLocalActor(ctx context.Context, name string) (*storage.Actor, error) {
	a, err := rd.LocalActor(ctx, name)
	if err != nil {
		return nil, err
	}
	if a.Suspended() {
		return nil, ErrSuspended
	}
	return a, nil
}

// ActorByHandle returns the live account user@host as stored, without asking any server:
// a local one when host is "" or this instance's.
func (rd *Reader) ActorByHandle(ctx context.Context, user, host string) (*storage.Actor, error) {
	if host == "" || strings.EqualFold(host, rd.Domain) {
		return rd.LocalActor(ctx, user)
	}
	a, err := rd.DB.GetActorByHandle(ctx, user, host)
	if err != nil {
		return nil, err
	}
	if !a.DeletedAt.IsZero() {
		return nil, storage.Errorf(storage.Gone, "account %s is gone", a.Handle())
	}
	return a, nil
}

// DefaultLookupTimeout bounds a search when Reader.LookupTimeout is not set: one and a half
// times the outgoing client's default fetch timeout, room for a note and its author from a
// slow but working server, while a stalling one holds the asker no longer.
const DefaultLookupTimeout = 15 * time.Second

// lookupContext bounds a search in all: each way of reading the query may fetch, and a
// stalling host would otherwise hold the asker for one fetch timeout per way.
func (rd *Reader) lookupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	d := rd.LookupTimeout
	if d <= 0 {
		d = DefaultLookupTimeout
	}
	return context.WithTimeout(ctx, d)
}

// Handle resolves the account user@host for an explicit look-up, through WebFinger and a
// fetch when it is not stored or is stale, within the look-up deadline.
func (rd *Reader) Handle(ctx context.Context, user, host string) (*storage.Actor, error) {
	ctx, cancel := rd.lookupContext(ctx)
	defer cancel()
	return rd.Remote.Handle(ctx, user, host)
}

// Lookup resolves a search for v: a handle (@user@host, or a local name), an actor's id or
// profile URL, or a note's id or page. Remote ones are fetched and stored, within the
// look-up deadline in all. A note v may not read is no result.
func (rd *Reader) Lookup(ctx context.Context, v Viewer, q string) (*storage.Actor, *storage.Note, error) {
	if len(q) > 2048 {
		return nil, nil, storage.Errorf(storage.Invalid, "that is too long to be a handle or an address")
	}
	ctx, cancel := rd.lookupContext(ctx)
	defer cancel()
	if storage.HostOf(q) == "" {
		q = strings.TrimPrefix(q, "acct:")
		if !strings.Contains(strings.TrimPrefix(q, "@"), "@") {
			q += "@" + rd.Domain // a bare name is a local account
		}
		user, host, err := federation.ParseHandle(q)
		if err != nil {
			return nil, nil, storage.Errorf(storage.Invalid, "search takes a handle such as @user@example.social, or the address of a post or profile")
		}
		actor, err := rd.Remote.Handle(ctx, user, host)
		return actor, nil, err
	}
	if n, err := rd.DB.GetNoteByURI(ctx, q); err == nil {
		return nil, rd.seeNote(ctx, v, n), nil
	}
	if actor, err := rd.DB.GetActorByURI(ctx, q); err == nil && actor.DeletedAt.IsZero() && !actor.Pending {
		return actor, nil, nil
	}
	if p := uris.New(rd.Base).Path(q); p != "" {
		return rd.lookupLocal(ctx, v, p)
	}
	n, noteErr := rd.Remote.Note(ctx, q)
	if noteErr == nil {
		return nil, rd.seeNote(ctx, v, n), nil
	}
	actor, err := rd.Remote.Actor(ctx, q)
	if err == nil {
		return actor, nil, nil
	}
	// A profile page such as https://host/@user, whose actor has another id.
	if host := storage.HostOf(q); host != "" {
		rest := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(q, "https://"), "http://"), host)
		if name, ok := strings.CutPrefix(strings.TrimSuffix(rest, "/"), "/@"); ok && !strings.ContainsAny(name, "/@?#") {
			if actor, herr := rd.Remote.Handle(ctx, name, host); herr == nil {
				return actor, nil, nil
			}
		}
	}
	return nil, nil, noteErr
}

// lookupLocal resolves a path of this instance, its query left out: a profile or a note.
func (rd *Reader) lookupLocal(ctx context.Context, v Viewer, p string) (*storage.Actor, *storage.Note, error) {
	p, _, _ = strings.Cut(p, "?")
	if id, ok := uris.ParseStoredNote(p); ok {
		n, err := rd.NoteByID(ctx, v, id)
		return nil, n, err
	}
	name, ok := uris.New(rd.Base).ParseActor(rd.Base + p)
	if !ok {
		return nil, nil, storage.Errorf(storage.NotFound, "nothing here has that address")
	}
	actor, err := rd.LocalActor(ctx, name)
	return actor, nil, err
}

// ParseID reads a positive row id, 0 when s is not one.
func ParseID(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}
