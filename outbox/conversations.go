package outbox

import (
	"context"

	"refuge/storage"
)

// MarkConversationRead marks account's conversation id read; NotFound when it has none.
// Writing in a conversation marks it read too (see storage.Conversation).
func (s *Service) MarkConversationRead(ctx context.Context, account *storage.Actor, id int64) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.MarkConversationRead(ctx, account.ID, id) })
}

// RemoveConversation takes conversation id off account's list, its notes staying where
// they are; a new note in the thread brings it back. NotFound when it has none.
func (s *Service) RemoveConversation(ctx context.Context, account *storage.Actor, id int64) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteConversation(ctx, account.ID, id) })
}
