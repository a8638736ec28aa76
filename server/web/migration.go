package web

import (
	"net/http"
	"slices"
	"time"

	"refuge/outbox"
	"refuge/storage"
	"refuge/templates"
)

// migrationPage shows the signed-in account's aliases and the form that moves it away
// ("Moving accounts", as Mastodon's settings have it).
func (h *Handler) migrationPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	d := &templates.MigrationData{Actor: viewer, Aliases: viewer.AlsoKnownAs}
	if viewer.MovedTo != "" {
		d.MovedTo, _ = h.Read.Actor(r.Context(), viewer.MovedTo) // not stored: the page shows the URI
	}
	if next := viewer.MovedAt.Add(outbox.MoveCooldown); !viewer.MovedAt.IsZero() && time.Now().Before(next) {
		d.NextMove = next
	}
	return h.render(w, r, http.StatusOK, "migration", h.page(r, "Moving accounts", d))
}

// aliasAction adds the account the form names to the viewer's aliases, or removes one.
func (h *Handler) aliasAction(add bool) FormHandler {
	return func(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
		alias := r.PostFormValue("alias")
		aliases := slices.Clone(viewer.AlsoKnownAs)
		if add {
			aliases = append(aliases, alias)
		} else {
			aliases = slices.DeleteFunc(aliases, func(a string) bool { return a == alias })
		}
		if _, err := h.Outbox.SetAliases(r.Context(), viewer, aliases); err != nil {
			return err
		}
		h.flash(w, "aliases")
		http.Redirect(w, r, "/settings/migration", http.StatusSeeOther)
		return nil
	}
}

// moveAccount moves the viewer to the account the form names, given its password.
func (h *Handler) moveAccount(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	if _, err := h.Outbox.Move(r.Context(), viewer, r.PostFormValue("current_password"), r.PostFormValue("moved_to")); err != nil {
		return err
	}
	h.flash(w, "moved")
	http.Redirect(w, r, "/settings/migration", http.StatusSeeOther)
	return nil
}
