package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"refuge/reader"
	"refuge/storage"
)

// The admin API's reports: Mastodon's /api/v1/admin/reports, the same queue as the web's
// admin pages, acted on through the same outbox.

// AdminReport is Mastodon's Admin::Report.
type AdminReport struct {
	reportAttributes
	UpdatedAt            string        `json:"updated_at"`
	Account              *AdminAccount `json:"account"`
	TargetAccount        *AdminAccount `json:"target_account"`
	AssignedAccount      *AdminAccount `json:"assigned_account"`
	ActionTakenByAccount *AdminAccount `json:"action_taken_by_account"`
	Statuses             []*Status     `json:"statuses"`
	Rules                []Rule        `json:"rules"`
}

// Admin reports pages: Mastodon's default and most.
const adminReportsLimit, adminReportsMax = 100, 200

// adminReports is GET /api/v1/admin/reports: the open reports, or the resolved ones with
// resolved=true, maybe only those by account_id or about target_account_id, newest first.
func (h *Handler) adminReports(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	if !viewer.Admin {
		return errNotAllowed
	}
	p, err := pagingOf(r, adminReportsLimit, adminReportsMax, plainRow)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rq := storage.ReportQuery{Resolved: boolParam(q, "resolved"), Page: p.page, Since: reader.ParseID(p.since)}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"account_id", &rq.ReporterID}, {"target_account_id", &rq.TargetID}} {
		if s := q.Get(f.name); s != "" {
			if *f.dst, _ = plainRow(s); *f.dst == 0 {
				return storage.Errorf(storage.Invalid, "%s is not an id", f.name)
			}
		}
	}
	list, err := h.Read.Reports(r.Context(), viewer, rq)
	if err != nil {
		return err
	}
	rn := h.render(r.Context(), viewer)
	out := make([]*AdminReport, 0, len(list))
	for _, d := range list {
		rep, err := rn.adminReport(d)
		if err != nil {
			return err
		}
		out = append(out, rep)
	}
	if len(out) > 0 {
		link(w, r, h.URIs.Base(), out[0].ID, out[len(out)-1].ID)
	}
	return ok(w, out)
}

// adminReport is GET /api/v1/admin/reports/:id.
func (h *Handler) adminReport(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	if !viewer.Admin {
		return errNotAllowed
	}
	id, good := plainRow(mux.Vars(r)["id"])
	if !good {
		return storage.Errorf(storage.NotFound, "no such report")
	}
	d, err := h.Read.Report(r.Context(), viewer, id)
	if err != nil {
		return err
	}
	rep, err := h.render(r.Context(), viewer).adminReport(*d)
	if err != nil {
		return err
	}
	return ok(w, rep)
}

// changeReport runs change, an outbox action on the route's report, and answers the report
// as it is then: 403 for anyone but an admin, 404 for an unknown id.
func (h *Handler) changeReport(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, change func(id int64) error) error {
	if !viewer.Admin {
		return errNotAllowed
	}
	id, good := plainRow(mux.Vars(r)["id"])
	if !good {
		return storage.Errorf(storage.NotFound, "no such report")
	}
	if err := change(id); err != nil {
		return err
	}
	return h.adminReport(w, r, viewer)
}

// assignReport is POST /api/v1/admin/reports/:id/assign_to_self.
func (h *Handler) assignReport(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.changeReport(w, r, viewer, func(id int64) error {
		_, err := h.Outbox.AssignReport(r.Context(), viewer, id, true)
		return err
	})
}

// unassignReport is POST /api/v1/admin/reports/:id/unassign.
func (h *Handler) unassignReport(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.changeReport(w, r, viewer, func(id int64) error {
		_, err := h.Outbox.AssignReport(r.Context(), viewer, id, false)
		return err
	})
}

// resolveReport is POST /api/v1/admin/reports/:id/resolve: the report is resolved with
// nothing else done (the web queue's "dismiss"); resolving a resolved report changes nothing.
func (h *Handler) resolveReport(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.changeReport(w, r, viewer, func(id int64) error {
		_, err := h.Outbox.ResolveReport(r.Context(), viewer, id, storage.ReportDismissed)
		if storage.KindOf(err) == storage.Conflict {
			return nil
		}
		return err
	})
}

// reopenReport is POST /api/v1/admin/reports/:id/reopen.
func (h *Handler) reopenReport(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.changeReport(w, r, viewer, func(id int64) error {
		_, err := h.Outbox.ReopenReport(r.Context(), viewer, id)
		return err
	})
}

// updateReport is PUT /api/v1/admin/reports/:id: category and rule_ids[] (the instance's
// rules it cites, replacing those it cited; left as they are when none are given).
func (h *Handler) updateReport(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.changeReport(w, r, viewer, func(id int64) error {
		q, err := params(w, r, maxParamsBytes)
		if err != nil {
			return err
		}
		rules, err := ruleIDsParam(q) // nil: the rules cited stay as they are
		if err != nil {
			return err
		}
		_, err = h.Outbox.RecategoriseReport(r.Context(), viewer, id, q.Get("category"), rules)
		return err
	})
}

// adminReport is the Admin::Report of d.
func (rn *render) adminReport(d reader.ReportDetails) (*AdminReport, error) {
	rep := d.Report
	out := &AdminReport{reportAttributes: reportAttributesOf(rep), UpdatedAt: timeOf(rep.Updated), Rules: []Rule{}}
	for _, a := range []struct {
		actor *storage.Actor
		dst   **AdminAccount
	}{{d.Reporter, &out.Account}, {d.Target, &out.TargetAccount}, {d.Assigned, &out.AssignedAccount},
		{d.Resolver, &out.ActionTakenByAccount}} {
		if a.actor == nil {
			continue
		}
		m, err := rn.h.Read.Moderated(rn.ctx, a.actor)
		if err != nil {
			return nil, err
		}
		if *a.dst, err = rn.adminAccount(m); err != nil {
			return nil, err
		}
	}
	for _, rule := range d.Rules {
		out.Rules = append(out.Rules, Rule{ID: rowID(rule.ID), Text: rule.Text, Hint: rule.Hint})
	}
	var err error
	if out.Statuses, err = rn.statuses(d.Notes); err != nil {
		return nil, err
	}
	return out, nil
}
