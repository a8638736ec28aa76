package reader

import (
	"context"

	"refuge/storage"
)

// Quoted is what a page shows of the post a note quotes.
type Quoted struct {
	// State is the quote's (storage.QuoteState), or "deleted" when the quoted post was
	// deleted, or "unauthorized" when the viewer may not read it (or it is not here yet).
	State string
	Note  *storage.Note // the quoted post, when State is accepted; nil otherwise
}

// Quotes gives, for each of notes that quotes a post, by the quoting note's URI, what the
// viewer is shown of the quote: the quoted post itself only for a quote its author approved
// that the viewer may read. A quoted post not stored here yet is asked for in the background
// (Backfill), for the next view.
func (rd *Reader) Quotes(ctx context.Context, v Viewer, notes []*storage.Note) map[string]Quoted {
	out := map[string]Quoted{}
	for _, n := range notes {
		if n == nil || n.Quote == nil {
			continue
		}
		q := Quoted{State: string(n.Quote.State)}
		if n.Quote.State == storage.QuoteAccepted {
			quoted, err := rd.DB.GetNoteByURI(ctx, n.Quote.URI)
			switch {
			case storage.KindOf(err) == storage.NotFound:
				q.State = "unauthorized"
				if rd.Backfill != nil {
					rd.Backfill.Ancestors(n.Quote.URI, 1)
				}
			case err != nil:
				q.State = "unauthorized"
			case quoted.Deleted():
				q.State = "deleted"
			case rd.Visible(ctx, v, quoted) != nil:
				q.State = "unauthorized"
			default:
				q.Note = quoted
			}
		}
		out[n.URI] = q
	}
	return out
}

// CustomEmojis lists the instance's own custom emoji, by shortcode.
func (rd *Reader) CustomEmojis(ctx context.Context) ([]storage.CustomEmoji, error) {
	return rd.DB.ListCustomEmojis(ctx)
}

// CustomEmoji is the instance's own custom emoji shortcode (without colons); NotFound
// saying so when there is none. The list is short (an admin's), so it is read whole.
func (rd *Reader) CustomEmoji(ctx context.Context, shortcode string) (*storage.CustomEmoji, error) {
	emojis, err := rd.DB.ListCustomEmojis(ctx)
	if err != nil {
		return nil, err
	}
	for i := range emojis {
		if emojis[i].Shortcode == shortcode {
			return &emojis[i], nil
		}
	}
	return nil, storage.Errorf(storage.NotFound, "there is no custom emoji :%s: here", shortcode)
}
