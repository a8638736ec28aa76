package web

import (
	"net/http"

	"github.com/gorilla/mux"

	"refuge/storage"
	"refuge/templates"
)

// conversationsPage lists the viewer's conversations of direct messages, the one with the
// newest message first, as Mastodon's column does. Reading the list changes nothing: a
// conversation is marked read by its "Mark as read" button, or by the viewer's reply.
func (h *Handler) conversationsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := listPage(r)
	if err != nil {
		return err
	}
	list, err := h.Read.Conversations(r.Context(), viewer, p)
	if err != nil {
		return err
	}
	data := &templates.ConversationsData{}
	var notes []*storage.Note
	for _, c := range list {
		if !c.Hidden {
			data.Conversations = append(data.Conversations, c)
			notes = append(notes, c.Last)
		}
	}
	if len(list) > 0 { // the hidden ones too: where the next page starts is the list's
		data.Next, data.Prev = pageLinks(r, len(list), list[0].LastNoteID, list[len(list)-1].LastNoteID, perPage)
	}
	return h.render(w, r, http.StatusOK, "conversations", h.page(r, "Conversations", data), notes...)
}

// conversationAction marks one of the viewer's conversations read, or removes it from the
// list (its messages stay; the next one brings it back).
func (h *Handler) conversationAction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	action := mux.Vars(r)["action"]
	do := h.Outbox.MarkConversationRead
	if action == "remove" {
		do = h.Outbox.RemoveConversation
	}
	if err := do(r.Context(), viewer, id); err != nil {
		return err
	}
	h.flash(w, "conversation-"+action)
	http.Redirect(w, r, "/conversations", http.StatusSeeOther)
	return nil
}
