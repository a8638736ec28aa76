package web

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"refuge/reader"
	"refuge/storage"
	"refuge/templates"
)

// conversationsPage lists the viewer's conversations of direct messages, the one with the
// newest message first, as Mastodon's column does. Reading the list changes nothing: a
// conversation is marked read by opening it from here, its "Mark as read" button, or the
// viewer's reply.
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
// list (its messages stay; the next one brings it back). Opening an unread one marks it read
// and goes to its thread, as opening it in Mastodon's column does: a form, so that no GET
// changes anything.
func (h *Handler) conversationAction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	action := mux.Vars(r)["action"]
	if action == "open" {
		c, err := h.Read.Conversation(r.Context(), viewer, id)
		if err != nil {
			return err
		}
		last, err := h.Read.NoteByID(r.Context(), reader.Local(viewer), c.LastNoteID)
		if err != nil {
			return err
		}
		if err := h.Outbox.MarkConversationRead(r.Context(), viewer, id); err != nil {
			return err
		}
		http.Redirect(w, r, h.noteLink(last)+"#note-"+strconv.FormatInt(last.ID, 10), http.StatusSeeOther)
		return nil
	}
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
