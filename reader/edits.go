package reader

import (
	"context"

	"refuge/storage"
)

// History is the versions of note id that v may read, oldest first: the original, then
// each edit, the last being the note as it is now. A note never edited has one version,
// itself.
func (rd *Reader) History(ctx context.Context, v Viewer, id int64) (*storage.Note, []storage.NoteEdit, error) {
	n, err := rd.NoteByID(ctx, v, id)
	if err != nil {
		return nil, nil, err
	}
	edits, err := rd.DB.ListNoteEdits(ctx, n.ID)
	if err != nil {
		return nil, nil, err
	}
	if len(edits) == 0 {
		at := n.Published
		if n.Updated.After(at) { // edited before it reached us: this version dates from then
			at = n.Updated
		}
		edits = []storage.NoteEdit{{NoteID: n.ID, Content: n.Content, Summary: n.Summary, Sensitive: n.Sensitive,
			Language: n.Language, Media: n.Media, Created: at}}
	}
	return n, edits, nil
}

// OwnNote is the live note id of the local account viewer, with what it typed; NotFound for
// anyone else's, as for a note that does not exist, so that the source of a post is its
// author's alone.
func (rd *Reader) OwnNote(ctx context.Context, viewer *storage.Actor, id int64) (*storage.Note, error) {
	n, err := rd.NoteByID(ctx, Local(viewer), id)
	if err != nil {
		return nil, err
	}
	if viewer == nil || n.ActorID != viewer.ID {
		return nil, storage.Errorf(storage.NotFound, "note not found")
	}
	return n, nil
}

// Bookmarks is a page of the notes the local account bookmarked and may still read, newest
// bookmark first; cursors are the bookmarks' paging ids.
func (rd *Reader) Bookmarks(ctx context.Context, accountID int64, p storage.Page) ([]*storage.Note, []int64, error) {
	return rd.DB.ListBookmarked(ctx, accountID, p)
}

// Favourites is a page of the notes the local account liked and may still read, newest like
// first; cursors are the likes' paging ids.
func (rd *Reader) Favourites(ctx context.Context, accountID int64, p storage.Page) ([]*storage.Note, []int64, error) {
	return rd.DB.ListLiked(ctx, accountID, p)
}
