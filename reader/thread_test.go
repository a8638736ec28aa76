package reader

import (
	"slices"
	"testing"

	"refuge/storage"
)

func TestRepliesAndThread(t *testing.T) {
	r := newRig(t)
	c := r.cast()
	root := r.note(c.alice, storage.Public, "")
	open := r.note(c.bob, storage.Public, root.URI)             // anyone reads it
	hidden := r.note(c.alice, storage.Followers, root.URI)      // followers only
	under := r.note(c.bob, storage.Public, hidden.URI)          // public, under the hidden one
	r.deleted(c.bob, root.URI)                                  // gone
	private := r.note(c.alice, storage.Direct, open.URI, c.dan) // to dan only
	rows := []struct {
		viewer    string
		v         Viewer
		replies   []*storage.Note // direct replies to root
		thread    []*storage.Note // root's thread, in conversation order
		ancestors []*storage.Note // of under, oldest first
	}{
		{"anonymous", c.anonymous, []*storage.Note{open}, []*storage.Note{open}, nil},
		{"stranger", c.stranger, []*storage.Note{open}, []*storage.Note{open}, nil},
		{"follower", c.follower, []*storage.Note{open, hidden}, []*storage.Note{open, hidden, under}, []*storage.Note{root, hidden}},
		{"pending follower", c.pending, []*storage.Note{open}, []*storage.Note{open}, nil},
		{"mentioned", c.mentioned, []*storage.Note{open}, []*storage.Note{open, private}, nil},
		{"author", c.me, []*storage.Note{open, hidden}, []*storage.Note{open, private, hidden, under}, []*storage.Note{root, hidden}},
	}
	for _, row := range rows {
		t.Run(row.viewer, func(t *testing.T) {
			replies, err := r.rd.Replies(r.ctx, row.v, root.URI)
			if err != nil || !slices.Equal(noteURIs(replies), noteURIs(row.replies)) {
				t.Errorf("replies %v (%v), want %v", noteURIs(replies), err, noteURIs(row.replies))
			}
			th, err := r.rd.Thread(r.ctx, row.v, root)
			if err != nil || th.Note != root || len(th.Ancestors) != 0 || !slices.Equal(noteURIs(th.Replies), noteURIs(row.thread)) {
				t.Errorf("thread of the root: replies %v (%v), want %v", noteURIs(th.Replies), err, noteURIs(row.thread))
			}
			// A hidden ancestor ends the walk up: nothing above it shows either.
			th, err = r.rd.Thread(r.ctx, row.v, under)
			if err != nil || !slices.Equal(noteURIs(th.Ancestors), noteURIs(row.ancestors)) || len(th.Replies) != 0 {
				t.Errorf("thread of the last reply: ancestors %v (%v), want %v", noteURIs(th.Ancestors), err, noteURIs(row.ancestors))
			}
		})
	}
}
