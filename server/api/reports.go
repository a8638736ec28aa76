package api

import (
	"net/http"
	"net/url"

	"refuge/outbox"
	"refuge/storage"
)

// Report is a report the viewer filed, as Mastodon answers POST /api/v1/reports.
type Report struct {
	reportAttributes
	StatusIDs     []string `json:"status_ids"`
	RuleIDs       []string `json:"rule_ids"` // null when it cites none
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

// fileReport is POST /api/v1/reports: account_id, status_ids[], comment, forward, category
// and rule_ids[], the instance's rules the account breaks.
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
	if in.RuleIDs, err = ruleIDsParam(q); err != nil {
		return err
	}
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
	for _, id := range rep.RuleIDs {
		out.RuleIDs = append(out.RuleIDs, rowID(id))
	}
	return ok(w, out)
}

// ruleIDsParam reads rule_ids[], the instance's rules a report cites: nil when none are
// given, Invalid for what is no id.
func ruleIDsParam(q url.Values) ([]int64, error) {
	list, err := listParam(q, "rule_ids", outbox.MaxReportRules)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, s := range list {
		id, good := plainRow(s)
		if !good {
			return nil, storage.Errorf(storage.Invalid, "rule_ids: %q is not an id", s)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
