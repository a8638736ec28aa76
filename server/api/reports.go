package api

import (
	"net/http"

	"refuge/outbox"
	"refuge/storage"
)

// Report is a report the viewer filed, as Mastodon answers POST /api/v1/reports.
type Report struct {
	reportAttributes
	StatusIDs     []string `json:"status_ids"`
	RuleIDs       []string `json:"rule_ids"` // always null: the instance has no rules
	TargetAccount *Account `json:"target_account"`
}

// reportAttributes are what Report and Admin::Report share.
type reportAttributes struct {
	ID            string  `json:"id"`
	ActionTaken   bool    `json:"action_taken"`
	ActionTakenAt *string `json:"action_taken_at"`
	Category      string  `json:"category"`
	Comment       string  `json:"comment"`
	Forwarded     bool    `json:"forwarded"`
	CreatedAt     string  `json:"created_at"`
}

// reportAttributesOf are the attributes of rep that Report and Admin::Report share.
func reportAttributesOf(rep *storage.Report) reportAttributes {
	out := reportAttributes{ID: rowID(rep.ID), ActionTaken: !rep.Open(), Category: string(rep.Category), Comment: rep.Comment,
		Forwarded: rep.Forward, CreatedAt: timeOf(rep.Created)}
	if !rep.Open() {
		out.ActionTakenAt = ptr(timeOf(rep.ResolvedAt))
	}
	return out
}

// fileReport is POST /api/v1/reports: account_id, status_ids[], comment, forward and
// category; rule_ids are ignored, as this instance has no rules to cite.
func (h *Handler) fileReport(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	id, good := plainRow(q.Get("account_id"))
	if !good {
		if q.Get("account_id") == "" {
			return storage.Errorf(storage.Invalid, "account_id is missing")
		}
		return storage.Errorf(storage.NotFound, "Record not found")
	}
	target, err := h.Read.ActorByID(r.Context(), id)
	if err != nil {
		return err
	}
	statusIDs, err := listParam(q, "status_ids", outbox.MaxReportNotes)
	if err != nil {
		return err
	}
	in := outbox.ReportInput{TargetID: target.ID, Comment: q.Get("comment"), Category: q.Get("category"),
		Forward: boolParam(q, "forward")}
	for _, s := range statusIDs {
		row, boost, good := parseStatusID(s)
		if !good || boost {
			return storage.Errorf(storage.NotFound, "Record not found")
		}
		in.NoteIDs = append(in.NoteIDs, row)
	}
	rep, err := h.Outbox.Report(r.Context(), viewer, in)
	if err != nil {
		return err
	}
	acc, err := h.render(r.Context(), viewer).account(target)
	if err != nil {
		return err
	}
	out := &Report{reportAttributes: reportAttributesOf(rep), StatusIDs: []string{}, TargetAccount: acc}
	for _, n := range rep.NoteIDs {
		out.StatusIDs = append(out.StatusIDs, noteStatusID(n))
	}
	return ok(w, out)
}
