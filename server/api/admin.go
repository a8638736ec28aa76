package api

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/reader"
	"refuge/storage"
)

// The admin API's accounts: Mastodon's /api/v1/admin/accounts and /api/v2/admin/accounts
// over the local accounts and the remote actors known here, for an admin's token with the
// admin scopes. The admins suspend a remote account by blocking it on this instance, as
// the report queue does, and such an account is shown suspended; a silenced one (on its
// own or with its server) is shown silenced.

// AdminAccount is Mastodon's Admin::Account: an account with what its admins see. Refuge
// keeps no IP addresses or locale, so those are empty. A local account is confirmed unless
// it has an e-mail address not confirmed yet (one made on the command line has none), and
// approved unless it signed up and waits for an admin's approval; invite_request is the
// reason it gave. A remote account has no e-mail and no role, as Mastodon's.
type AdminAccount struct {
	ID            string   `json:"id"`
	Username      string   `json:"username"`
	Domain        *string  `json:"domain"` // null for a local account
	CreatedAt     string   `json:"created_at"`
	Email         *string  `json:"email"`
	IP            *string  `json:"ip"`
	IPs           []any    `json:"ips"`
	Locale        string   `json:"locale"`
	InviteRequest *string  `json:"invite_request"`
	Role          *Role    `json:"role"`
	Confirmed     bool     `json:"confirmed"`
	Approved      bool     `json:"approved"`
	Disabled      bool     `json:"disabled"`
	Silenced      bool     `json:"silenced"`
	Sensitized    bool     `json:"sensitized"`
	Suspended     bool     `json:"suspended"`
	Account       *Account `json:"account"`
}

// Role is Mastodon's Role: Refuge's two are an admin's, with the administrator permission
// (bit 0), and everyone else's, Mastodon's default role with invite_users (bit 16).
type Role struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Permissions string `json:"permissions"`
	Highlighted bool   `json:"highlighted"`
}

var (
	adminRole    = Role{ID: "3", Name: "Admin", Permissions: "1", Highlighted: true}
	everyoneRole = Role{ID: "-99", Permissions: "65536"}
)

// errNotAllowed is Mastodon's answer to an account its policy refuses.
var errNotAllowed = storage.Errorf(storage.Forbidden, "This action is not allowed")

// Admin accounts pages: Mastodon's default and most.
const adminAccountsLimit, adminAccountsMax = 100, 200

// adminAccountsV1 is GET /api/v1/admin/accounts: Mastodon's older filters, each a flag
// (local, remote, active, pending, disabled, silenced, suspended, sensitized, staff) or a
// text (username, display_name, by_domain, email, ip); as Mastodon, it lists the local
// accounts that are not suspended unless told otherwise, and a flag counts when it is
// given any value.
func (h *Handler) adminAccountsV1(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q := r.URL.Query()
	origin, status := "local", "active"
	if q.Get("remote") != "" {
		origin = "remote"
	}
	for _, s := range []string{"active", "pending", "disabled", "silenced", "suspended"} {
		if q.Get(s) != "" {
			status = s
		}
	}
	f := accountFilter{origin: origin, status: status, staff: q.Get("staff") != ""}
	return h.listAdminAccounts(w, r, viewer, f)
}

// adminAccountsV2 is GET /api/v2/admin/accounts: origin (local or remote), status (active,
// pending, disabled, silenced, suspended), permissions (staff), role_ids[], invited_by,
// username, display_name and email (prefixes), by_domain and ip; every account when none is
// given.
func (h *Handler) adminAccountsV2(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q := r.URL.Query()
	roles, err := listParam(q, "role_ids", 20)
	if err != nil {
		return err
	}
	f := accountFilter{origin: q.Get("origin"), status: q.Get("status"), staff: q.Get("permissions") == "staff",
		roles: roles, invitedBy: q.Get("invited_by")}
	return h.listAdminAccounts(w, r, viewer, f)
}

// accountFilter is what the two account lists ask for, in Mastodon's words.
type accountFilter struct {
	origin, status string
	staff          bool
	roles          []string // role ids
	invitedBy      string
}

// query is the storage query of f and of the texts both versions share; none reports a
// filter that no account here can match (no account is disabled or sensitive, invited, or
// has an IP address on record).
func (f accountFilter) query(q url.Values, p paging) (_ storage.AccountQuery, none bool, _ error) {
	aq := storage.AccountQuery{Username: q.Get("username"), Name: q.Get("display_name"), Host: q.Get("by_domain"),
		Email: q.Get("email"), Admins: f.staff, Page: p.page, Since: reader.ParseID(p.since)}
	switch f.origin {
	case "":
	case "local":
		aq.Local = true
	case "remote":
		aq.Remote = true
	default:
		return aq, false, storage.Errorf(storage.Invalid, "Unknown origin: %s", f.origin)
	}
	switch f.status {
	case "":
	case "active":
		aq.NotSuspended = true
	case "suspended":
		aq.Suspended = true
	case "silenced":
		aq.Silenced = true
	case "pending":
		aq.Pending = true
	case "disabled", "sensitized":
		none = true
	default:
		return aq, false, storage.Errorf(storage.Invalid, "Unknown status: %s", f.status)
	}
	if len(f.roles) > 0 {
		if !slices.Contains(f.roles, adminRole.ID) {
			none = true // only admins have a role of their own
		}
		aq.Admins = true
	}
	if f.invitedBy != "" || q.Get("ip") != "" {
		none = true
	}
	for _, s := range []string{aq.Username, aq.Name, aq.Host, aq.Email} {
		if len(s) > maxParamLength {
			return aq, false, storage.Errorf(storage.Invalid, "a filter is too long")
		}
	}
	return aq, none, nil
}

// listAdminAccounts answers the page of accounts f asks for, newest first.
func (h *Handler) listAdminAccounts(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, f accountFilter) error {
	if !viewer.Admin {
		return errNotAllowed
	}
	p, err := pagingOf(r, adminAccountsLimit, adminAccountsMax, plainRow)
	if err != nil {
		return err
	}
	aq, none, err := f.query(r.URL.Query(), p)
	if err != nil {
		return err
	}
	var list []reader.ModeratedAccount
	if !none {
		if list, err = h.Read.AdminAccounts(r.Context(), viewer, aq); err != nil {
			return err
		}
	}
	rn := h.render(r.Context(), viewer)
	out := make([]*AdminAccount, 0, len(list))
	for _, m := range list {
		acc, err := rn.adminAccount(m)
		if err != nil {
			return err
		}
		out = append(out, acc)
	}
	if len(out) > 0 {
		link(w, r, h.URIs.Base(), out[0].ID, out[len(out)-1].ID)
	}
	return ok(w, out)
}

// adminAccount is the Admin::Account of m.
func (rn *render) adminAccount(m reader.ModeratedAccount) (*AdminAccount, error) {
	a := m.Actor
	acc, err := rn.account(a)
	if err != nil {
		return nil, err
	}
	out := &AdminAccount{ID: acc.ID, Username: a.Username, CreatedAt: acc.CreatedAt, IPs: []any{},
		Suspended: m.Suspended, Silenced: a.Limited(), Account: acc}
	if a.Local {
		role := everyoneRole
		if a.Admin {
			role = adminRole
		}
		out.Email, out.Role, out.Confirmed, out.Approved = &m.Email, &role, m.Email == "" || m.EmailConfirmed, !a.Pending
		if m.SignUp != nil && m.SignUp.Reason != "" {
			out.InviteRequest = &m.SignUp.Reason
		}
	} else {
		out.Domain = &a.Host
	}
	return out, nil
}

// adminTarget is the account of the route's id, for an admin: 403 for anyone else, 404 for
// an id that is no live account.
func (h *Handler) adminTarget(r *http.Request, viewer *storage.Actor) (reader.ModeratedAccount, error) {
	if !viewer.Admin {
		return reader.ModeratedAccount{}, errNotAllowed
	}
	id, good := plainRow(mux.Vars(r)["id"])
	if !good {
		return reader.ModeratedAccount{}, storage.Errorf(storage.NotFound, "no such account")
	}
	return h.Read.AdminAccount(r.Context(), viewer, id)
}

// adminAccount is GET /api/v1/admin/accounts/:id, for a local or a remote account.
func (h *Handler) adminAccount(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	m, err := h.adminTarget(r, viewer)
	if err != nil {
		return err
	}
	acc, err := h.render(r.Context(), viewer).adminAccount(m)
	if err != nil {
		return err
	}
	return ok(w, acc)
}

// adminAction is POST /api/v1/admin/accounts/:id/action: type (none, sensitive, disable,
// silence, suspend) and report_id; text, warning_preset_id and send_email_notification are
// accepted and not used, as Refuge sends no warnings. The outbox says what each type does
// (Moderate). It answers an empty object.
func (h *Handler) adminAction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	m, err := h.adminTarget(r, viewer)
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	in := outbox.ModerationInput{Type: q.Get("type")}
	if s := q.Get("report_id"); s != "" {
		if in.ReportID, _ = plainRow(s); in.ReportID == 0 {
			return storage.Errorf(storage.NotFound, "no such report")
		}
	}
	if err := h.Outbox.Moderate(r.Context(), viewer, m.Actor.ID, in); err != nil {
		return err
	}
	return ok(w, struct{}{})
}

// adminUnsuspend is POST /api/v1/admin/accounts/:id/unsuspend: it lifts the suspension and
// answers the Admin::Account; 403 when the account is not suspended, as Mastodon's policy.
func (h *Handler) adminUnsuspend(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	m, err := h.adminTarget(r, viewer)
	if err != nil {
		return err
	}
	if err := h.Outbox.LiftSuspension(r.Context(), viewer, m.Actor.ID); err != nil {
		return err
	}
	return h.adminAccount(w, r, viewer)
}

// adminUnsilence is POST /api/v1/admin/accounts/:id/unsilence: it lifts the account's own
// silence, if any, and answers the Admin::Account.
func (h *Handler) adminUnsilence(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	m, err := h.adminTarget(r, viewer)
	if err != nil {
		return err
	}
	if err := h.Outbox.LiftSilence(r.Context(), viewer, m.Actor.ID); err != nil {
		return err
	}
	return h.adminAccount(w, r, viewer)
}
