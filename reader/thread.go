package reader

import (
	"context"

	"refuge/storage"
)

// Bounds on a thread: how far up a reply chain it walks (and asks for missing ancestors
// from their origins), how many replies it shows and how deep it looks for them.
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

// Thread assembles the conversation around n (which v may read) from what is stored: its
// ancestors, at most MaxAncestors up, ending at the first one that is missing, that v may
// not read or that was already shown (a loop); and the replies stored here that v may read.
// The posts of accounts hidden from v (Hidden) are left out of both.
// A missing ancestor is asked for in the background, never waited for: a page view must
// not hang on another server, and the next view shows what arrived.
//
// v's keyword filters for threads apply: to the ancestors and replies as to any list, and
// to n itself only as warnings, whatever their action, since v asked for n by name.
func (rd *Reader) Thread(ctx context.Context, v Viewer, n *storage.Note) (*Thread, error) {
	fs, err := rd.Filters(ctx, v, storage.FilterThread)
	if err != nil {
		return nil, err
	}
	t := &Thread{Note: fs.Mark(n)} // as Focus marks it
	seen := map[string]bool{n.URI: true}
	for parent, i := n.InReplyToURI, 0; parent != "" && !seen[parent] && i < MaxAncestors; i++ {
		seen[parent] = true
		p, err := rd.DB.GetNoteByURI(ctx, parent)
		if storage.KindOf(err) == storage.NotFound && rd.Backfill != nil {
			rd.Backfill.Ancestors(parent, MaxAncestors-i)
		}
		if err != nil || rd.Visible(ctx, v, p) != nil {
			break // a missing or hidden ancestor ends the walk; the thread shows what it has
		}
		parent = p.InReplyToURI
		if rd.Hidden(ctx, v, p.ActorID) {
			continue // by an account blocked or muted: left out, and the walk goes on above it
		}
		t.Ancestors = append([]*storage.Note{p}, t.Ancestors...)
	}
	t.Ancestors = fs.Notes(t.Ancestors)
	if t.Replies, err = rd.descendants(ctx, v, n.URI); err != nil {
		return nil, err
	}
	t.Replies = fs.Notes(t.Replies)
	return t, nil
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
