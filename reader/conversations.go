package reader

import (
	"time"

	"context"

	"refuge/storage"
)

// Conversations of direct notes, as Mastodon lists them: the account's own, newest message
// first. One whose participants are all hidden from the account (blocked, blocking it,
// muted) is marked Hidden, as a timeline hides their posts; so is one whose newest note
// cannot be shown (its author is suspended).

// maxUnreadConversations bounds the unread count: a badge says "40+" past it.
const maxUnreadConversations = 40

// Conversations is a page of account's conversations, ordered and paged by their newest
// note's row id; the hidden ones are kept in the page, marked, so that its bounds are the
// list's.
func (rd *Reader) Conversations(ctx context.Context, account *storage.Actor, p storage.Page) ([]*storage.Conversation, error) {
	list, err := rd.DB.ListConversations(ctx, account.ID, p)
	if err != nil {
		return nil, err
	}
	rd.markHiddenConversations(ctx, account, list)
	return list, nil
}

// ConversationOfNote is account's conversation that holds note noteID, as its list shows
// it; NotFound when there is none or it is hidden.
func (rd *Reader) ConversationOfNote(ctx context.Context, account *storage.Actor, noteID int64) (*storage.Conversation, error) {
	c, err := rd.DB.NoteConversation(ctx, account.ID, noteID)
	if err != nil {
		return nil, err
	}
	rd.markHiddenConversations(ctx, account, []*storage.Conversation{c})
	if c.Hidden {
		return nil, storage.Errorf(storage.NotFound, "conversation not found")
	}
	return c, nil
}

// UnreadConversations counts account's unread conversations that are shown, up to
// maxUnreadConversations: what a menu's badge says.
// Every signed-in page asks: it reads only their participants' and last notes' ids, not
// the conversations as their page shows them.
func (rd *Reader) UnreadConversations(ctx context.Context, account *storage.Actor) (int, error) {
	list, err := rd.DB.ListConversationHeads(ctx, account.ID, storage.Page{Unread: true, Limit: maxUnreadConversations})
	if err != nil {
		return 0, err
	}
	rd.markHiddenConversations(ctx, account, list)
	n := 0
	for _, c := range list {
		if !c.Hidden {
			n++
		}
	}
	return n, nil
}

// markHiddenConversations sets Hidden on the conversations of list that account is not
// shown, asking about each participant once, and not at all when the account blocks and
// mutes nobody, as most do: one query says so, sparing the query per participant that every
// signed-in page's unread count would otherwise pay.
func (rd *Reader) markHiddenConversations(ctx context.Context, account *storage.Actor, list []*storage.Conversation) {
	v := Local(account)
	hidden := map[int64]bool{}
	hides, err := rd.DB.HidesAnyone(ctx, account.ID, time.Now())
	if err != nil {
		hides = true // ask about each, as without the shortcut
	}
	for _, c := range list {
		if c.Last == nil {
			c.Hidden = true
			continue
		}
		if !hides {
			continue
		}
		all := len(c.Participants) > 0
		for _, a := range c.Participants {
			h, known := hidden[a.ID]
			if !known {
				h = rd.Hidden(ctx, v, a.ID)
				hidden[a.ID] = h
			}
			all = all && h
		}
		c.Hidden = all
	}
}

// Conversation is account's conversation id, whether hidden or not: what the account asked
// for by its id. NotFound when it has none.
func (rd *Reader) Conversation(ctx context.Context, account *storage.Actor, id int64) (*storage.Conversation, error) {
	return rd.DB.GetConversation(ctx, account.ID, id)
}
