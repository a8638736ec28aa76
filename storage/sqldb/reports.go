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
	if r.Updated.IsZero() {
		r.Updated = r.Created
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO reports (uri, reporter_id, target_id, comment, category, forward, created,
		assigned_to, updated) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id`, r.URI, r.ReporterID, r.TargetID, r.Comment,
		string(r.Category), r.Forward, ts(r.Created), r.AssignedID, ts(r.Updated)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("create report: %w", err)
	}
	for _, id := range r.NoteIDs {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO report_notes (report_id, note_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, r.ID, id); err != nil {
			return fmt.Errorf("create report: note %d: %w", id, err)
		}
	}
	return tx.putReportRules(ctx, r)
}

// putReportRules makes the rules report r cites r.RuleIDs.
func (tx *Tx) putReportRules(ctx context.Context, r *storage.Report) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM report_rules WHERE report_id = ?`, r.ID); err != nil {
		return fmt.Errorf("rules of report %d: %w", r.ID, err)
	}
	for _, id := range r.RuleIDs {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO report_rules (report_id, rule_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, r.ID, id); err != nil {
			return fmt.Errorf("rules of report %d: rule %d: %w", r.ID, id, err)
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
	if _, err := tx.tx.ExecContext(ctx, `UPDATE reports SET resolved_at = ?, resolved_by = ?, resolution = ?, updated = ?
		WHERE id = ?`, ts(at), by, string(how), ts(at), id); err != nil {
		return fmt.Errorf("resolve report %d: %w", id, err)
	}
	return nil
}

// UpdateReport writes what an admin changes of report r.
func (tx *Tx) UpdateReport(ctx context.Context, r *storage.Report) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE reports SET category = ?, assigned_to = ?, resolved_at = ?, resolved_by = ?,
		resolution = ?, updated = ? WHERE id = ?`, string(r.Category), r.AssignedID, ts(r.ResolvedAt), r.ResolvedByID,
		string(r.Resolution), ts(r.Updated), r.ID)
	if err != nil {
		return fmt.Errorf("update report %d: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update report %d: %w", r.ID, err)
	} else if n == 0 {
		return storage.Errorf(storage.NotFound, "report %d not found", r.ID)
	}
	return tx.putReportRules(ctx, r)
}

const reportColumns = `id, uri, reporter_id, target_id, comment, category, forward, created, resolved_at, resolved_by, resolution,
	assigned_to, updated`

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

// ListReports returns the reports q asks for, newest first.
func (r reader) ListReports(ctx context.Context, q storage.ReportQuery) ([]*storage.Report, error) {
	query, args := `SELECT `+reportColumns+` FROM reports WHERE resolved_at = {never}`, []any{}
	if q.Resolved {
		query = `SELECT ` + reportColumns + ` FROM reports WHERE resolved_at <> {never}`
	}
	if q.ReporterID != 0 {
		query += ` AND reporter_id = ?`
		args = append(args, q.ReporterID)
	}
	if q.TargetID != 0 {
		query += ` AND target_id = ?`
		args = append(args, q.TargetID)
	}
	query, args, asc := byIDPage(query, args, "id", q.Page, q.Since)
	out, err := r.reports(ctx, query, args...)
	if asc {
		reverse(out)
	}
	return out, err
}

// byIDPage adds to query, a SELECT with a WHERE clause, the conditions, ORDER BY and LIMIT
// of page p of a list ordered by column col, newest first, of at most 200 (40 when p has
// no limit), with the items above since when not 0. It reports whether the rows come
// oldest first, for the caller to reverse: those just above p.After do.
func byIDPage(query string, args []any, col string, p storage.Page, since int64) (string, []any, bool) {
	limit := p.Limit
	if limit <= 0 || limit > 200 {
		limit = 40
	}
	for _, c := range []struct {
		op string
		id int64
	}{{"<", p.Before}, {">", p.After}, {">", since}} {
		if c.id > 0 {
			query += ` AND ` + col + ` ` + c.op + ` ?`
			args = append(args, c.id)
		}
	}
	if p.After > 0 {
		return query + fmt.Sprintf(` ORDER BY %s ASC LIMIT %d`, col, limit), args, true
	}
	return query + fmt.Sprintf(` ORDER BY %s DESC LIMIT %d`, col, limit), args, false
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
		var category, resolution, created, resolved, updated string
		if err := rows.Scan(&rep.ID, &rep.URI, &rep.ReporterID, &rep.TargetID, &rep.Comment, &category, &rep.Forward,
			&created, &resolved, &rep.ResolvedByID, &resolution, &rep.AssignedID, &updated); err != nil {
			return nil, fmt.Errorf("scan report: %w", err)
		}
		rep.Category, rep.Resolution = storage.ReportCategory(category), storage.ReportResolution(resolution)
		rep.Created, rep.ResolvedAt, rep.Updated = parseTS(created), parseTS(resolved), parseTS(updated)
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
		if rep.RuleIDs, err = column[int64](r.q.QueryContext(ctx, `SELECT rule_id FROM report_rules WHERE report_id = ?
			ORDER BY rule_id`, rep.ID)); err != nil {
			return nil, fmt.Errorf("rules of report %d: %w", rep.ID, err)
		}
	}
	return out, nil
}
