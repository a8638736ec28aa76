package api

import (
	"net/http"
	"slices"

	"github.com/gorilla/mux"

	"refuge/reader"
	"refuge/storage"
)

// The admin API: Mastodon's /api/v1/admin/accounts over the local accounts, for an admin's
// token with the admin scopes. Remote accounts are not listed: an admin acts on a remote
// actor by blocking it (the domain blocks page, `refuge block`).

// AdminAccount is Mastodon's Admin::Account: an account with what its admins see. Refuge
// keeps no e-mail, IP addresses or locale, so those are empty, and every account is
// confirmed and approved.
type AdminAccount struct {
	ID            string   `json:"id"`
	Username      string   `json:"username"`
	Domain        *string  `json:"domain"` // null for a local account
	CreatedAt     string   `json:"created_at"`
	Email         string   `json:"email"`
	IP            *string  `json:"ip"`
	IPs           []any    `json:"ips"`
	Locale        string   `json:"locale"`
	InviteRequest *string  `json:"invite_request"`
	Role          Role     `json:"role"`
	Confirmed     bool     `json:"confirmed"`
	Approved      bool     `json:"approved"`
	Disabled      bool     `json:"disabled"`
	Silenced      bool     `json:"silenced"`
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

// adminAccounts is GET /api/v1/admin/accounts: the local accounts, newest first, paged by
// max_id, since_id, min_id and limit; remote=true lists none, as Refuge lists no remote
// accounts here.
func (h *Handler) adminAccounts(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	if !viewer.Admin {
		return errNotAllowed
	}
	p, err := pagingOf(r, adminAccountsLimit, adminAccountsMax, plainRow)
	if err != nil {
		return err
	}
	list, err := h.Read.LocalAccounts(r.Context(), viewer)
	if err != nil {
		return err
	}
	if boolParam(r.URL.Query(), "remote") {
		list = nil
	}
	slices.Reverse(list) // newest first
	since := reader.ParseID(p.since)
	list = slices.DeleteFunc(list, func(d reader.AccountDetails) bool {
		id := d.Actor.ID
		return (p.page.Before > 0 && id >= p.page.Before) || (p.page.After > 0 && id <= p.page.After) || (since > 0 && id <= since)
	})
	if len(list) > p.page.Limit {
		if p.page.After > 0 {
			list = list[len(list)-p.page.Limit:] // the ones just after min_id
		} else {
			list = list[:p.page.Limit]
		}
	}
	out := make([]*AdminAccount, 0, len(list))
	for _, d := range list {
		acc, err := h.adminAccount(r, viewer, d.Actor)
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

// adminAccount is the Admin::Account of local account a.
func (h *Handler) adminAccount(r *http.Request, viewer, a *storage.Actor) (*AdminAccount, error) {
	acc, err := h.render(r.Context(), viewer).account(a)
	if err != nil {
		return nil, err
	}
	role := everyoneRole
	if a.Admin {
		role = adminRole
	}
	return &AdminAccount{ID: acc.ID, Username: a.Username, CreatedAt: acc.CreatedAt, IPs: []any{}, Role: role,
		Confirmed: true, Approved: true, Suspended: a.Suspended(), Silenced: a.Limited(), Account: acc}, nil
}

// adminTarget is the local account of the route's id, for an admin: 403 for anyone else,
// 404 for an id that is no live local account.
func (h *Handler) adminTarget(r *http.Request, viewer *storage.Actor) (*storage.Actor, error) {
	if !viewer.Admin {
		return nil, errNotAllowed
	}
	id, good := plainRow(mux.Vars(r)["id"])
	if !good {
		return nil, storage.Errorf(storage.NotFound, "no such account")
	}
	return h.Read.LocalAccount(r.Context(), viewer, id)
}

// adminAction is POST /api/v1/admin/accounts/:id/action: type=suspend suspends the account
// (its followers' servers are told), type=none does nothing, as Mastodon's none only warns
// by e-mail, which Refuge does not send. Mastodon's disable, sensitive and silence are
// refused with 422: Refuge has no such states. It answers an empty object.
func (h *Handler) adminAction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	a, err := h.adminTarget(r, viewer)
	if err != nil {
		return err
	}
	q, err := params(w, r, 1<<16)
	if err != nil {
		return err
	}
	switch q.Get("type") {
	case "none":
	case "suspend":
		if a.ID == viewer.ID {
			return errNotAllowed // as Mastodon, an admin does not suspend itself
		}
		if _, err := h.Outbox.Suspend(r.Context(), a.Username); err != nil && storage.KindOf(err) != storage.Conflict {
			return err
		}
	case "":
		return storage.Errorf(storage.Invalid, "type is missing")
	default:
		return storage.Errorf(storage.Invalid, "type %q is not supported: only suspend and none", q.Get("type"))
	}
	return ok(w, struct{}{})
}

// adminUnsuspend is POST /api/v1/admin/accounts/:id/unsuspend: it lifts the suspension and
// answers the Admin::Account; 403 when the account is not suspended, as Mastodon's policy.
func (h *Handler) adminUnsuspend(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	a, err := h.adminTarget(r, viewer)
	if err != nil {
		return err
	}
	if !a.Suspended() {
		return errNotAllowed
	}
	if a, err = h.Outbox.Unsuspend(r.Context(), a.Username); err != nil {
		return err
	}
	acc, err := h.adminAccount(r, viewer, a)
	if err != nil {
		return err
	}
	return ok(w, acc)
}
