package federation

import (
	"context"
	"encoding/json"

	"refuge/storage"
)

// What an Announce names: a note, as Mastodon's boosts do, or an activity, as a group's
// Announce does (FEP-1b12: Lemmy, Friendica, others), whose own object is the note. Either is
// taken from its origin, never from a copy another server sends.

// Announced returns what the Announce of uri names by id: the note (from storage, or fetched
// and stored as Note stores it), or the activity, fetched from its origin, its id checked to
// be the URL it came from, decoded and not stored. Exactly one of the two is not nil.
func (r *Remote) Announced(ctx context.Context, uri string) (*storage.Note, *Activity, error) {
	if n, err := r.DB.GetNoteByURI(ctx, uri); err == nil || storage.KindOf(err) != storage.NotFound || r.isLocal(uri) {
		return n, nil, err
	}
	body, err := r.fetch(ctx, uri)
	if err != nil {
		return nil, nil, err
	}
	if NoteTypes[typeOf(body)] {
		doc, author, err := r.noteDocFrom(ctx, uri, body)
		if err != nil {
			return nil, nil, err
		}
		n, err := r.storeNote(ctx, NoteFromDoc(doc, author, r.LocalHost), nil)
		return n, nil, err
	}
	act, err := DecodeActivity(body)
	if err != nil {
		return nil, nil, storage.Wrap(storage.Invalid, err, uri+" is neither a note nor an activity")
	}
	return nil, act, nil
}

// NoteGone reports whether the note uri is gone at its origin: answered 404 or 410, or
// served as a Tombstone. A Delete that another server relays (a group's Announce of its
// member's Delete) is believed only when the origin agrees.
func (r *Remote) NoteGone(ctx context.Context, uri string) (bool, error) {
	if r.isLocal(uri) {
		return false, storage.Errorf(storage.Forbidden, "%s is a local note", uri)
	}
	body, err := r.fetch(ctx, uri)
	switch storage.KindOf(err) {
	case storage.NotFound, storage.Gone:
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return typeOf(body) == TypeTombstone, nil
}

// typeOf is a document's type when it is one plain string, else "".
func typeOf(body []byte) string {
	var head struct {
		Type json.RawMessage `json:"type"`
	}
	if json.Unmarshal(body, &head) != nil {
		return ""
	}
	var t string
	if json.Unmarshal(head.Type, &t) != nil {
		return ""
	}
	return t
}
