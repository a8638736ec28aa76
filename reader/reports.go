package reader

import (
	"context"
	"fmt"

	"refuge/storage"
)

// ReportDetails is a report with the accounts and the posts it names, as an admin sees it.
type ReportDetails struct {
	Report   *storage.Report
	Target   *storage.Actor
	Reporter *storage.Actor
	Notes    []*storage.Note // deleted ones too, shown as such
}

// OpenReports is the admins' queue: the reports no admin has resolved, newest first. Only
// admins may read it; the caller checks that viewer is one.
func (rd *Reader) OpenReports(ctx context.Context, viewer *storage.Actor, p storage.Page) ([]ReportDetails, error) {
	if viewer == nil || !viewer.Admin {
		return nil, storage.Errorf(storage.Forbidden, "only admins see the reports")
	}
	list, err := rd.DB.ListReports(ctx, true, p)
	if err != nil {
		return nil, err
	}
	out := make([]ReportDetails, 0, len(list))
	for _, rep := range list {
		d := ReportDetails{Report: rep}
		if d.Target, err = rd.DB.GetActorByID(ctx, rep.TargetID); err != nil {
			return nil, fmt.Errorf("report %d: target: %w", rep.ID, err)
		}
		if d.Reporter, err = rd.DB.GetActorByID(ctx, rep.ReporterID); err != nil {
			return nil, fmt.Errorf("report %d: reporter: %w", rep.ID, err)
		}
		for _, id := range rep.NoteIDs {
			n, err := rd.DB.GetNoteByID(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("report %d: note %d: %w", rep.ID, id, err)
			}
			d.Notes = append(d.Notes, n)
		}
		out = append(out, d)
	}
	return out, nil
}
