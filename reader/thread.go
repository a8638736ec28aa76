package reader

import (
	"context"

	"refuge/storage"
)

// Bounds on a thread: how far up a reply chain it walks (fetching missing ancestors from
// their origins), how many replies it shows and how deep it looks for them.
const (
	MaxAncestors   = 20
	MaxDescendants = 60
	MaxReplyDepth  = 8
)

// Thread is a note with the conversation around it, as v may see it.
type Thread struct {
	Ancestors []*storage.Note // oldest first
	Note      *storage.Note
	Replies   []*storage.Note // in conversation order: each reply followed by its answers
}

// Thread assembles the conversation around n (which v may read): its ancestors, fetched
// from their origins when missing, at most MaxAncestors up, ending at the first one that
// cannot be had or that v may not read; and the replies stored here that v may read.
func (rd *Reader) Thread(ctx context.Context, v Viewer, n *storage.Note) (*Thread, error) {
	t := &Thread{Note: n}
	for parent, i := n.InReplyToURI, 0; parent != "" && i < MaxAncestors; i++ {
		p, err := rd.parent(ctx, parent)
		if err != nil || rd.Visible(ctx, v, p) != nil {
			break // an unreachable or hidden ancestor ends the walk; the thread shows what it has
		}
		t.Ancestors = append([]*storage.Note{p}, t.Ancestors...)
		parent = p.InReplyToURI
	}
	var err error
	t.Replies, err = rd.descendants(ctx, v, n.URI)
	return t, err
}

// parent returns the note uri, fetched from its origin when it is not stored.
func (rd *Reader) parent(ctx context.Context, uri string) (*storage.Note, error) {
	if rd.Remote == nil {
		return rd.DB.GetNoteByURI(ctx, uri)
	}
	return rd.Remote.Note(ctx, uri)
}

// Replies lists the direct replies to uri that v may read, oldest first.
func (rd *Reader) Replies(ctx context.Context, v Viewer, uri string) ([]*storage.Note, error) {
	return rd.DB.ListReplies(ctx, uri, v.ID())
}

// descendants lists the replies to uri that v may see, and the replies to those, in
// conversation order: each reply followed by its own answers.
func (rd *Reader) descendants(ctx context.Context, v Viewer, uri string) ([]*storage.Note, error) {
	var out []*storage.Note
	var walk func(uri string, depth int) error
	walk = func(uri string, depth int) error {
		replies, err := rd.Replies(ctx, v, uri)
		if err != nil {
			return err
		}
		for _, r := range replies {
			if len(out) == MaxDescendants {
				return nil
			}
			out = append(out, r)
			if depth < MaxReplyDepth {
				if err := walk(r.URI, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(uri, 1)
}
