package web

import (
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/storage"
	"refuge/templates"
)

// accountsPage lists the local accounts with the admin's actions on each, and the sign-ups
// waiting for approval with theirs.
func (h *Handler) accountsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.renderAccounts(w, r, viewer, nil)
}

// renderAccounts renders the accounts page; reset, when set, is a password just given,
// shown this once.
func (h *Handler) renderAccounts(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, reset *templates.PasswordReset) error {
	list, err := h.Read.LocalAccounts(r.Context(), viewer)
	if err != nil {
		return err
	}
	silenced, err := h.Read.SilencedAccounts(r.Context(), viewer)
	if err != nil {
		return err
	}
	body := &templates.AccountsData{Reset: reset, Silenced: silenced}
	for _, d := range list {
		item := templates.AccountItem{Actor: d.Actor, TwoFactor: d.TwoFactor, Email: d.Email, SignUp: d.SignUp}
		if d.Actor.Pending {
			body.Pending = append(body.Pending, item)
		} else {
			body.Accounts = append(body.Accounts, item)
		}
	}
	return h.render(w, r, http.StatusOK, "accounts", h.page(r, "Accounts", body))
}

// accountAction suspends an account, lifts its suspension, silences it or lifts its
// silence, gives it a new password (shown once, on the page this answers with, and every
// web session of it signed out) or turns its two-factor sign-in off.
func (h *Handler) accountAction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	name := mux.Vars(r)["name"]
	var err error
	switch action := mux.Vars(r)["action"]; action {
	case "suspend":
		_, err = h.Outbox.Suspend(ctx, name)
	case "unsuspend":
		_, err = h.Outbox.Unsuspend(ctx, name)
	case "silence", "unsilence":
		a, err := h.Outbox.Account(ctx, name)
		if err != nil {
			return err
		}
		return h.silenceAction(w, r, a.ID, action == "silence")
	case "two_factor_off":
		_, err = h.Outbox.TurnOffTwoFactor(ctx, name)
	case "password":
		a, err := h.Outbox.LocalActor(ctx, name)
		if err != nil {
			return err
		}
		password := outbox.NewSecret(15)
		if err := h.Outbox.ChangePassword(ctx, a, password, ""); err != nil {
			return err
		}
		slog.Info("admin reset a password", "admin", viewer.Username, "account", name)
		return h.renderAccounts(w, r, viewer, &templates.PasswordReset{Username: a.Username, Password: password})
	}
	if err != nil {
		return err
	}
	h.flash(w, "account-"+mux.Vars(r)["action"])
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
	return nil
}

// silenceAction silences account id, or lifts its silence, and goes back to the accounts.
func (h *Handler) silenceAction(w http.ResponseWriter, r *http.Request, id int64, silence bool) error {
	change, code := h.Outbox.Unsilence, "account-unsilence"
	if silence {
		change, code = h.Outbox.Silence, "account-silence"
	}
	if _, err := change(r.Context(), id); err != nil {
		return err
	}
	h.flash(w, code)
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
	return nil
}

// unsilence lifts the silence of the account, local or remote, of row id, from the list of
// silenced accounts.
func (h *Handler) unsilence(w http.ResponseWriter, r *http.Request, _ *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	return h.silenceAction(w, r, id, false)
}

// blocksPage lists the instance-level blocks, the same ones `refuge block list` prints.
func (h *Handler) blocksPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	list, err := h.Read.InstanceBlocks(r.Context(), viewer)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "domain_blocks", h.page(r, "Domain blocks", &templates.DomainBlocksData{Blocks: list}))
}

// addBlock blocks a host or an actor for the whole instance, with a severity and reasons,
// as `refuge block add` does, and after a suspension removes what the media cache kept of
// it.
func (h *Handler) addBlock(w http.ResponseWriter, r *http.Request, _ *storage.Actor, _ *storage.Token) error {
	b, _, err := h.Outbox.PutInstanceBlock(r.Context(), storage.Block{Target: r.PostFormValue("target"),
		Severity:      storage.BlockSeverity(r.PostFormValue("severity")),
		PublicComment: r.PostFormValue("public_comment"), PrivateComment: r.PostFormValue("private_comment")})
	if err != nil {
		return err
	}
	if b.Severity == storage.BlockSilence {
		h.flash(w, "instance-silenced")
	} else {
		h.flash(w, "instance-blocked")
	}
	http.Redirect(w, r, "/admin/domain_blocks", http.StatusSeeOther)
	return nil
}

// removeBlock lifts an instance-level block.
func (h *Handler) removeBlock(w http.ResponseWriter, r *http.Request, _ *storage.Actor, _ *storage.Token) error {
	if _, err := h.Outbox.RemoveInstanceBlock(r.Context(), r.PostFormValue("target")); err != nil {
		return err
	}
	h.flash(w, "instance-unblocked")
	http.Redirect(w, r, "/admin/domain_blocks", http.StatusSeeOther)
	return nil
}

// emojiPage lists the instance's custom emoji, with the forms to add and remove them.
func (h *Handler) emojiPage(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	emojis, err := h.Read.CustomEmojis(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "custom_emojis", h.page(r, "Custom emoji", &templates.CustomEmojisData{Emojis: emojis}))
}

// addEmoji adds a custom emoji from the form's shortcode and file, as `refuge emoji add` does.
func (h *Handler) addEmoji(w http.ResponseWriter, r *http.Request, _ *storage.Actor, _ *storage.Token) error {
	files := formFiles(r, "file")
	if len(files) != 1 {
		return storage.Errorf(storage.Invalid, "choose one picture")
	}
	f, err := files[0].Open()
	if err != nil {
		return storage.Wrap(storage.Invalid, err, "the picture could not be read")
	}
	defer f.Close()
	if _, err := h.Outbox.AddCustomEmoji(r.Context(), h.DataDir, r.PostFormValue("shortcode"), f); err != nil {
		return err
	}
	h.flash(w, "emoji-added")
	http.Redirect(w, r, "/admin/emoji", http.StatusSeeOther)
	return nil
}

// removeEmoji removes a custom emoji.
func (h *Handler) removeEmoji(w http.ResponseWriter, r *http.Request, _ *storage.Actor, _ *storage.Token) error {
	if err := h.Outbox.RemoveCustomEmoji(r.Context(), h.DataDir, r.PostFormValue("shortcode")); err != nil {
		return err
	}
	h.flash(w, "emoji-removed")
	http.Redirect(w, r, "/admin/emoji", http.StatusSeeOther)
	return nil
}
