package api

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"refuge/reader"
	"refuge/storage"
)

// Emoji reactions, as Pleroma's API has them (/api/v1/pleroma/statuses/:id/reactions), which
// Pleroma-family apps use; Mastodon's API has none.

// emojiReactions are the EmojiReaction entities of a status's reaction groups.
func (h *Handler) emojiReactions(groups []storage.ReactionGroup) []EmojiReaction {
	out := make([]EmojiReaction, 0, len(groups))
	for _, g := range groups {
		out = append(out, h.emojiReaction(g))
	}
	return out
}

func (h *Handler) emojiReaction(g storage.ReactionGroup) EmojiReaction {
	e := EmojiReaction{Name: g.Emoji, Count: g.Count, Me: g.Me}
	if g.ImageURL != "" {
		e.Name = strings.Trim(g.Emoji, ":")
		u := h.served(g.ImageURL, false)
		e.URL, e.StaticURL = &u, &u
	}
	return e
}

// putReaction reacts to a status with the Unicode emoji in the path and answers the status;
// reacting again with it changes nothing.
func (h *Handler) putReaction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.statusOf(r, viewer)
	if err != nil {
		return err
	}
	if err := h.Outbox.EmojiReact(r.Context(), viewer, n.URI, mux.Vars(r)["emoji"]); err != nil {
		return err
	}
	return h.answerStatus(w, r, viewer, n.ID)
}

// deleteReaction takes the viewer's reaction with the emoji back and answers the status;
// taking back what was never given succeeds, as unfavourite does.
func (h *Handler) deleteReaction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.statusOf(r, viewer)
	if err != nil {
		return err
	}
	err = h.Outbox.EmojiUnreact(r.Context(), viewer, n.URI, mux.Vars(r)["emoji"])
	if err != nil && storage.KindOf(err) != storage.NotFound {
		return err
	}
	return h.answerStatus(w, r, viewer, n.ID)
}

// reactions lists a status's emoji reactions with who gave each (only the emoji of the
// path, when there is one), in the order they were first given.
func (h *Handler) reactions(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	row, good := noteRow(mux.Vars(r)["id"])
	if !good {
		return storage.Errorf(storage.NotFound, "no such status")
	}
	_, list, err := h.Read.EmojiReactors(r.Context(), reader.Local(viewer), row, shortcodeOrEmoji(mux.Vars(r)["emoji"]))
	if err != nil {
		return err
	}
	rn := h.render(r.Context(), viewer)
	actors := make([]*storage.Actor, len(list))
	for i, x := range list {
		actors[i] = x.Actor
	}
	if err := rn.countAll(actors...); err != nil { // every account's counts in one query
		return err
	}
	out := []EmojiReaction{}
	index := map[[2]string]int{}
	for _, x := range list {
		key := [2]string{x.Reaction.Emoji, x.Reaction.ImageURL}
		i, seen := index[key]
		if !seen {
			i = len(out)
			index[key] = i
			e := h.emojiReaction(storage.ReactionGroup{Emoji: x.Reaction.Emoji, ImageURL: x.Reaction.ImageURL})
			e.Accounts = []*Account{}
			out = append(out, e)
		}
		acc, err := rn.account(x.Actor)
		if err != nil {
			return err
		}
		out[i].Count++
		out[i].Me = out[i].Me || viewer != nil && x.Actor.ID == viewer.ID
		out[i].Accounts = append(out[i].Accounts, acc)
	}
	return ok(w, out)
}

// shortcodeOrEmoji is how a reaction is stored for the emoji an app names in a path: a
// custom one by its shortcode, which Pleroma's apps give without colons ("blobcat"), is
// stored between colons.
func shortcodeOrEmoji(emoji string) string {
	if emoji == "" || strings.HasPrefix(emoji, ":") {
		return emoji
	}
	for _, c := range emoji {
		if c > 0x7f {
			return emoji // Unicode
		}
	}
	return ":" + emoji + ":"
}
