package sqldb

import (
	"context"
	"fmt"
	"time"

	"refuge/storage"
)

// CreateReport stores r with its notes and sets r.ID.
func (tx *Tx) CreateReport(ctx context.Context, r *storage.Report) error {
	if r.Created.IsZero() {
		r.Created = time.Now()
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO reports (uri, reporter_id, target_id, comment, category, forward, created)
		VALUES (?,?,?,?,?,?,?) RETURNING id`, r.URI, r.ReporterID, r.TargetID, r.Comment, string(r.Category), r.Forward,
		ts(r.Created)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("create report: %w", err)
	}
	for _, id := range r.NoteIDs {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO report_notes (report_id, note_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, r.ID, id); err != nil {
			return fmt.Errorf("create report: note %d: %w", id, err)
		}
	}
	return nil
}

// ResolveReport marks report id resolved by the admin by; Conflict when it was already.
func (tx *Tx) ResolveReport(ctx context.Context, id, by int64, how storage.ReportResolution, at time.Time) error {
	r, err := tx.GetReport(ctx, id)
	if err != nil {
		return err
	}
	if !r.Open() {
		return storage.Errorf(storage.Conflict, "report %d was resolved already (%s)", id, r.Resolution)
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE reports SET resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ?`,
		ts(at), by, string(how), id); err != nil {
		return fmt.Errorf("resolve report %d: %w", id, err)
	}
	return nil
}

const reportColumns = `id, uri, reporter_id, target_id, comment, category, forward, created, resolved_at, resolved_by, resolution`

// GetReport returns report id.
func (r reader) GetReport(ctx context.Context, id int64) (*storage.Report, error) {
	list, err := r.reports(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, storage.Errorf(storage.NotFound, "report %d not found", id)
	}
	return list[0], nil
}

// ListReports returns the reports, open ones only when open is set, newest first.
func (r reader) ListReports(ctx context.Context, open bool, p storage.Page) ([]*storage.Report, error) {
	limit := p.Limit
	if limit <= 0 || limit > 200 {
		limit = 40
	}
	q, args := `SELECT `+reportColumns+` FROM reports WHERE TRUE`, []any{}
	if open {
		q += ` AND resolved_at = {never}`
	}
	if p.Before > 0 {
		q += ` AND id < ?`
		args = append(args, p.Before)
	}
	return r.reports(ctx, q+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit), args...)
}

// reports runs a query for reportColumns and reads the notes of each report found.
func (r reader) reports(ctx context.Context, q string, args ...any) ([]*storage.Report, error) {
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	defer rows.Close()
	var out []*storage.Report
	for rows.Next() {
		rep := &storage.Report{}
		var category, resolution, created, resolved string
		if err := rows.Scan(&rep.ID, &rep.URI, &rep.ReporterID, &rep.TargetID, &rep.Comment, &category, &rep.Forward,
			&created, &resolved, &rep.ResolvedByID, &resolution); err != nil {
			return nil, fmt.Errorf("scan report: %w", err)
		}
		rep.Category, rep.Resolution = storage.ReportCategory(category), storage.ReportResolution(resolution)
		rep.Created, rep.ResolvedAt = parseTS(created), parseTS(resolved)
		out = append(out, rep)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	rows.Close()
	for _, rep := range out {
		ids, err := column[int64](r.q.QueryContext(ctx, `SELECT note_id FROM report_notes WHERE report_id = ? ORDER BY note_id`, rep.ID))
		if err != nil {
			return nil, fmt.Errorf("notes of report %d: %w", rep.ID, err)
		}
		rep.NoteIDs = ids
	}
	return out, nil
}
