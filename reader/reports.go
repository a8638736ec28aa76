package reader

import (
	"context"
	"fmt"
	"slices"

	"refuge/storage"
)

// ReportDetails is a report with the accounts and the posts it names, as an admin sees it.
type ReportDetails struct {
	Report   *storage.Report
	Target   *storage.Actor
	Reporter *storage.Actor
	Notes    []*storage.Note // deleted ones too, shown as such
	Assigned *storage.Actor  // the admin who took it on; nil for none
	Resolver *storage.Actor  // the admin who resolved it; nil while it is open
	Rules    []storage.Rule  // the instance's rules it cites
}

// OpenReports is the admins' queue: the reports no admin has resolved, newest first. Only
// admins may read it.
func (rd *Reader) OpenReports(ctx context.Context, viewer *storage.Actor, p storage.Page) ([]ReportDetails, error) {
	return rd.Reports(ctx, viewer, storage.ReportQuery{Page: p})
}

// Reports lists the reports q asks for, newest first, with what they name. Only admins
// may read them.
func (rd *Reader) Reports(ctx context.Context, viewer *storage.Actor, q storage.ReportQuery) ([]ReportDetails, error) {
	if viewer == nil || !viewer.Admin {
		return nil, storage.Errorf(storage.Forbidden, "only admins see the reports")
	}
	list, err := rd.DB.ListReports(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]ReportDetails, 0, len(list))
	for _, rep := range list {
		d, err := rd.reportDetails(ctx, rep)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// Report is report id with what it names, for an admin: NotFound when there is none.
func (rd *Reader) Report(ctx context.Context, viewer *storage.Actor, id int64) (*ReportDetails, error) {
	if viewer == nil || !viewer.Admin {
		return nil, storage.Errorf(storage.Forbidden, "only admins see the reports")
	}
	rep, err := rd.DB.GetReport(ctx, id)
	if err != nil {
		return nil, err
	}
	return rd.reportDetails(ctx, rep)
}

// reportDetails reads the accounts and posts report rep names.
func (rd *Reader) reportDetails(ctx context.Context, rep *storage.Report) (*ReportDetails, error) {
	d := &ReportDetails{Report: rep}
	var err error
	if d.Target, err = rd.DB.GetActorByID(ctx, rep.TargetID); err != nil {
		return nil, fmt.Errorf("report %d: target: %w", rep.ID, err)
	}
	if d.Reporter, err = rd.DB.GetActorByID(ctx, rep.ReporterID); err != nil {
		return nil, fmt.Errorf("report %d: reporter: %w", rep.ID, err)
	}
	for _, admin := range []struct {
		id  int64
		dst **storage.Actor
	}{{rep.AssignedID, &d.Assigned}, {rep.ResolvedByID, &d.Resolver}} {
		if admin.id == 0 {
			continue
		}
		// An admin's account is never removed from the table, but it may have been deleted.
		if *admin.dst, err = rd.DB.GetActorByID(ctx, admin.id); err != nil {
			return nil, fmt.Errorf("report %d: admin %d: %w", rep.ID, admin.id, err)
		}
	}
	if len(rep.RuleIDs) > 0 {
		rules, err := rd.DB.ListRules(ctx)
		if err != nil {
			return nil, fmt.Errorf("report %d: %w", rep.ID, err)
		}
		for _, r := range rules {
			if slices.Contains(rep.RuleIDs, r.ID) {
				d.Rules = append(d.Rules, r)
			}
		}
	}
	for _, id := range rep.NoteIDs {
		n, err := rd.DB.GetNoteByID(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("report %d: note %d: %w", rep.ID, id, err)
		}
		d.Notes = append(d.Notes, n)
	}
	return d, nil
}
