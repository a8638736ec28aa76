package api

import (
	"net/http"

	"refuge/storage"
)

// Conversation is a thread of direct statuses the viewer takes part in: the other
// accounts in it and its newest status.
type Conversation struct {
	ID         string     `json:"id"`
	Unread     bool       `json:"unread"`
	Accounts   []*Account `json:"accounts"`
	LastStatus *Status    `json:"last_status"`
}

// conversation is the Conversation entity of c.
func (rn *render) conversation(c *storage.Conversation) (*Conversation, error) {
	out := &Conversation{ID: rowID(c.ID), Unread: c.Unread, Accounts: []*Account{}}
	if err := rn.countAll(c.Participants...); err != nil {
		return nil, err
	}
	for _, a := range c.Participants {
		acc, err := rn.account(a)
		if err != nil {
			return nil, err
		}
		out.Accounts = append(out.Accounts, acc)
	}
	if c.Last != nil {
		list, err := rn.statuses([]*storage.Note{c.Last})
		if err != nil {
			return nil, err
		}
		out.LastStatus = list[0]
	}
	return out, nil
}

// conversations answers GET /api/v1/conversations: the viewer's conversations, the one
// with the newest status first, paged as Mastodon does by the ids of their last statuses.
func (h *Handler) conversations(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := pagingOf(r, statusesLimit, statusesMax, noteRow)
	if err != nil {
		return err
	}
	list, err := h.Read.Conversations(r.Context(), viewer, p.page)
	if err != nil {
		return err
	}
	rn := h.render(r.Context(), viewer)
	out := []*Conversation{}
	for _, c := range sinceCut(list, p.since, func(c *storage.Conversation) string { return noteStatusID(c.LastNoteID) }) {
		if c.Hidden {
			continue
		}
		x, err := rn.conversation(c)
		if err != nil {
			return err
		}
		out = append(out, x)
	}
	if len(list) > 0 { // hidden ones too: where the next page starts is the list's
		link(w, r, h.URIs.Base(), noteStatusID(list[0].LastNoteID), noteStatusID(list[len(list)-1].LastNoteID))
	}
	return ok(w, out)
}

// deleteConversation answers DELETE /api/v1/conversations/:id: the conversation leaves
// the viewer's list (its statuses stay), and comes back with the next status in it.
func (h *Handler) deleteConversation(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "conversation")
	if err != nil {
		return err
	}
	if err := h.Outbox.RemoveConversation(r.Context(), viewer, id); err != nil {
		return err
	}
	return ok(w, struct{}{})
}

// readConversation answers POST /api/v1/conversations/:id/read with the conversation,
// marked read.
func (h *Handler) readConversation(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "conversation")
	if err != nil {
		return err
	}
	if err := h.Outbox.MarkConversationRead(r.Context(), viewer, id); err != nil {
		return err
	}
	c, err := h.Read.Conversation(r.Context(), viewer, id)
	if err != nil {
		return err
	}
	x, err := h.render(r.Context(), viewer).conversation(c)
	if err != nil {
		return err
	}
	return ok(w, x)
}
