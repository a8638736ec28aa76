package outbox

import (
	"context"
	"fmt"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// NoteURI makes the URI of a new note of the local account author, posted at published: what
// an import gives a note before storing it, so that replies among the imported notes can name
// it.
func (s *Service) NoteURI(author *storage.Actor, published time.Time) string {
	return s.uris().Note(author.Username, newID(published))
}

// ImportNotes stores notes of the local account author taken from an account archive, in one
// transaction: each (with its URI, ImportedFrom, Published and the rest filled in by the
// caller, its media rows' files already made) and its Create activity, dated as the note. It
// is quiet by design: nothing is delivered, no feed is written, no notification raised, no
// streaming event sent (storage.Tx.ImportNote). A note already imported from the same URI is
// a Conflict and the whole batch is stored not at all.
func (s *Service) ImportNotes(ctx context.Context, author *storage.Actor, notes []*storage.Note) error {
	for _, n := range notes {
		// To names the recipients of a direct note; the rest are addressed as posted here.
		n.To, n.Cc = address(n.Visibility, author.FollowersURI, n.To)
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		for _, n := range notes {
			n.ID, n.ActorID, n.Local, n.Author = 0, author.ID, true, author
			if n.URL == "" {
				n.URL = n.URI
			}
			for i := range n.Media {
				// A retried transaction (PostgreSQL) stores the rows again.
				n.Media[i].ID, n.Media[i].ActorID = 0, author.ID
			}
			doc, err := federation.EncodeActivity(&federation.Activity{ID: uris.NoteActivity(n.URI), Type: federation.TypeCreate,
				Actor: author.URI, To: n.To, Cc: n.Cc, Published: n.Published}, NoteDocument(n))
			if err != nil {
				return fmt.Errorf("encode imported note: %w", err)
			}
			create := &storage.Activity{URI: uris.NoteActivity(n.URI), ActorID: author.ID, Local: true, Type: federation.TypeCreate,
				ObjectURI: n.URI, Visibility: n.Visibility, JSON: string(doc), Published: n.Published}
			if err := tx.ImportNote(ctx, n, create); err != nil {
				return err
			}
		}
		return nil
	})
}
