package reader

import (
	"context"

	"refuge/storage"
)

// ReactionGroups returns the emoji reactions to each of notes, grouped by emoji with their
// counts and whether the local viewer is among them, in one read for the whole page. The
// notes are those the viewer may read already; anybody may see their reactions, as their
// likes.
func (rd *Reader) ReactionGroups(ctx context.Context, viewer *storage.Actor, notes []*storage.Note) (map[int64][]storage.ReactionGroup, error) {
	ids := make([]int64, 0, len(notes))
	for _, n := range notes {
		if n != nil {
			ids = append(ids, n.ID)
		}
	}
	if len(ids) == 0 {
		return map[int64][]storage.ReactionGroup{}, nil
	}
	var id int64
	if viewer != nil {
		id = viewer.ID
	}
	return rd.DB.ReactionGroups(ctx, id, ids)
}

// maxEmojiReactors bounds the reactions listed for one note, as a page of accounts is.
const maxEmojiReactors = 1000

// EmojiReactors lists who reacted to note id with what (only emoji, when not ""), oldest
// first, when v may read the note.
func (rd *Reader) EmojiReactors(ctx context.Context, v Viewer, id int64, emoji string) (*storage.Note, []storage.EmojiReactor, error) {
	n, err := rd.NoteByID(ctx, v, id)
	if err != nil {
		return nil, nil, err
	}
	list, err := rd.DB.ListEmojiReactors(ctx, id, emoji, maxEmojiReactors)
	return n, list, err
}
