package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// Admin is a page only admins see: visitors are sent to sign in, other accounts get 403.
func (h *Handler) Admin(page PageHandler) httpx.HandlerFunc {
	return h.SignedIn(func(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
		if !viewer.Admin {
			return storage.Errorf(storage.Forbidden, "only admins may see this page")
		}
		return page(w, r, viewer)
	})
}

// AdminForm is Form for admins only: the session and its CSRF token are checked first, then
// that the account is an admin's.
func (h *Handler) AdminForm(handle FormHandler) httpx.HandlerFunc {
	return h.Form(func(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, sess *storage.Token) error {
		if !viewer.Admin {
			return storage.Errorf(storage.Forbidden, "only admins may do this")
		}
		return handle(w, r, viewer, sess)
	})
}

// report files the viewer's report of an account (the form's actor, a URI) or of one of
// its posts (note, a row id), with a comment and, for a remote account, whether to send a
// copy to its server.
func (h *Handler) report(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	in := outbox.ReportInput{Comment: strings.TrimSpace(r.PostFormValue("comment")), Category: r.PostFormValue("category"),
		Forward: r.PostFormValue("forward") == "1"}
	back := ""
	if id := r.PostFormValue("note"); id != "" {
		n, err := h.Read.NoteByID(ctx, reader.Local(viewer), reader.ParseID(id))
		if err != nil {
			return err
		}
		in.TargetID, in.NoteIDs, back = n.ActorID, []int64{n.ID}, h.noteLink(n)
	} else {
		a, err := h.Read.Actor(ctx, strings.TrimSpace(r.PostFormValue("actor")))
		if err != nil {
			return storage.Errorf(storage.NotFound, "there is no such account here")
		}
		in.TargetID, back = a.ID, "/search?q="+url.QueryEscape(a.URI)
		if a.Local {
			back = h.URIs.Path(a.URL)
		}
	}
	if _, err := h.Outbox.Report(ctx, viewer, in); err != nil {
		return err
	}
	h.flash(w, "reported")
	return h.back(w, r, back, "")
}

// reportsPage is the admins' queue of open reports, newest first.
func (h *Handler) reportsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := listPage(r)
	if err != nil {
		return err
	}
	list, err := h.Read.OpenReports(r.Context(), viewer, p)
	if err != nil {
		return err
	}
	body := &templates.ReportsData{}
	for _, d := range list {
		body.Reports = append(body.Reports, templates.ReportItem{Report: d.Report, Target: d.Target, Reporter: d.Reporter,
			Notes: d.Notes})
	}
	if len(list) == p.Limit {
		body.Next = "/admin/reports?max_id=" + strconv.FormatInt(list[len(list)-1].Report.ID, 10)
	}
	return h.render(w, r, http.StatusOK, "reports", h.page(r, "Reports", body))
}

// resolutions are the admin's actions on a report, by the name in its form's path.
var resolutions = map[string]storage.ReportResolution{
	"dismiss": storage.ReportDismissed,
	"delete":  storage.ReportNotesDeleted,
	"suspend": storage.ReportSuspended,
	"silence": storage.ReportSilenced,
}

// resolveReport dismisses a report, deletes the posts it names, suspends or silences the
// account, and resolves it, then goes back to the queue.
func (h *Handler) resolveReport(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	how := resolutions[mux.Vars(r)["action"]]
	if _, err := h.Outbox.ResolveReport(r.Context(), viewer, id, how); err != nil {
		return err
	}
	h.flash(w, "resolved")
	http.Redirect(w, r, "/admin/reports", http.StatusSeeOther)
	return nil
}
