package web

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"refuge/storage"
	"refuge/templates"
)

// aboutPage tells visitors what the instance is: its description, rules, whom to ask, and
// which servers it moderates, as Mastodon's about page lists them.
func (h *Handler) aboutPage(w http.ResponseWriter, r *http.Request) error {
	in, err := h.Read.Instance(r.Context())
	if err != nil {
		return err
	}
	blocks, err := h.Read.HostBlocks(r.Context())
	if err != nil {
		return err
	}
	pg := h.page(r, "About", &templates.AboutData{Settings: in.Settings, Rules: in.Rules, Blocks: blocks})
	pg.Canonical = h.URIs.Base() + "/about"
	return h.render(w, r, http.StatusOK, "about", pg)
}

// settingsPage is the admins' form for the instance's settings and rules.
func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	in, err := h.Read.Instance(r.Context())
	if err != nil {
		return err
	}
	s, err := h.Read.DB.GetSettings(r.Context()) // the name as stored, "" rather than the domain
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "settings", h.page(r, "Instance settings", &templates.SettingsData{Settings: *s, Rules: in.Rules}))
}

// saveSettings stores the instance's settings.
func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request, _ *storage.Actor, _ *storage.Token) error {
	err := h.Outbox.SetSettings(r.Context(), storage.Settings{Name: r.PostFormValue("name"),
		Description: r.PostFormValue("description"), About: r.PostFormValue("about"),
		ContactEmail: r.PostFormValue("contact_email"), ContactAccount: r.PostFormValue("contact_account")})
	if err != nil {
		return err
	}
	h.flash(w, "settings-saved")
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
	return nil
}

// ruleAction adds a rule, edits one or deletes one.
func (h *Handler) ruleAction(w http.ResponseWriter, r *http.Request, _ *storage.Actor, _ *storage.Token) error {
	var id int64
	if s := mux.Vars(r)["id"]; s != "" {
		var err error
		if id, err = strconv.ParseInt(s, 10, 64); err != nil {
			return storage.Errorf(storage.NotFound, "no rule %s", s)
		}
	}
	var err error
	notice := "rule-saved"
	if mux.Vars(r)["action"] == "delete" {
		err, notice = h.Outbox.DeleteRule(r.Context(), id), "rule-deleted"
	} else {
		_, err = h.Outbox.PutRule(r.Context(), id, r.PostFormValue("text"), r.PostFormValue("hint"))
	}
	if err != nil {
		return err
	}
	h.flash(w, notice)
	http.Redirect(w, r, "/admin/settings#rules", http.StatusSeeOther)
	return nil
}
