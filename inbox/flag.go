package inbox

import (
	"context"
	"slices"

	"refuge/federation"
	"refuge/storage"
)

// flag: another server reports accounts here, maybe with some of their posts (Mastodon
// sends a Flag from its instance actor when a reporter asks for the report to be
// forwarded): object is the accounts and posts, content the comment. Each account named
// that is ours gets a report in the admins' queue, with the posts named that are its own,
// reported by the sender. A Flag naming no account of ours is dropped, as Mastodon does.
func (in *Inbox) flag(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	var targets []*storage.Actor
	notes := map[int64][]int64{} // local account → its posts named
	for _, uri := range act.Objects {
		if a, err := in.localTarget(ctx, uri); err == nil {
			if !slices.ContainsFunc(targets, func(t *storage.Actor) bool { return t.ID == a.ID }) {
				targets = append(targets, a)
			}
			continue
		}
		if n, err := in.DB.GetNoteByURI(ctx, uri); err == nil && n.Local && !n.Deleted() &&
			!slices.Contains(notes[n.ActorID], n.ID) {
			notes[n.ActorID] = append(notes[n.ActorID], n.ID)
		}
	}
	if len(targets) == 0 {
		return Ignored, nil
	}
	err := in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, 0); err != nil {
			return err
		}
		for _, t := range targets {
			rep := &storage.Report{URI: act.ID, ReporterID: signer.ID, TargetID: t.ID, NoteIDs: notes[t.ID],
				Comment: act.Content, Category: storage.ReportOther, Created: in.now()}
			if err := tx.CreateReport(ctx, rep); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return Stored, nil
}
