package outbox

import (
	"context"
	"strings"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// Emoji reactions by local accounts. One goes out as a Like with the emoji in content and
// _misskey_reaction, as Misskey sends its own: Misskey-family and Pleroma-family servers
// show the emoji, and Mastodon and GoToSocial, which read neither, count a like.

// ReactionEmoji checks what a local account reacts with: one Unicode emoji (custom emoji
// are not offered here), trimmed. Invalid otherwise.
func ReactionEmoji(emoji string) (string, error) {
	emoji = strings.TrimSpace(emoji)
	if emoji == "" {
		return "", storage.Errorf(storage.Invalid, "choose an emoji to react with")
	}
	if len(emoji) > federation.MaxReactionBytes || !federation.IsEmoji(emoji) {
		return "", storage.Errorf(storage.Invalid, "a reaction is one emoji, such as 🔥 or 👍")
	}
	return emoji, nil
}

// EmojiReact reacts to a note, by URI, with a Unicode emoji, and tells the note's author's
// server. A heart is a like (React): it is what a Like with a heart means to every peer,
// Refuge included, so it is kept as one here too. Reacting again with the same emoji
// changes nothing.
func (s *Service) EmojiReact(ctx context.Context, actor *storage.Actor, noteURI, emoji string) error {
	emoji, err := ReactionEmoji(emoji)
	if err != nil {
		return err
	}
	if federation.IsHeart(emoji) {
		_, err := s.React(ctx, actor, storage.Like, noteURI)
		return err
	}
	n, err := s.findNote(ctx, noteURI)
	if err != nil {
		return err
	}
	if ok, _ := s.DB.CanSee(ctx, n.ID, actor.ID); !ok || n.Deleted() {
		return storage.Errorf(storage.NotFound, "note not found")
	}
	if err := s.mayReact(ctx, actor, storage.Like, n); err != nil { // sent as a Like
		return err
	}
	x := &storage.EmojiReaction{URI: s.activityURI(actor, uris.Likes), ActorID: actor.ID, NoteID: n.ID,
		Emoji: emoji, Created: s.now()}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		added, err := tx.PutEmojiReaction(ctx, x)
		if err != nil || !added {
			return err
		}
		if n.Author.Local {
			if err := tx.NotifyReaction(ctx, n.Author.ID, actor.ID, n.ID, emoji, "", x.Created); err != nil {
				return err
			}
		}
		_, err = s.emit(ctx, tx, actor, reactionLike(x, n), n.URI, n.ID, storage.Direct, authorInbox(n))
		return err
	})
	if err != nil {
		return err
	}
	s.wake()
	return nil
}

// EmojiUnreact takes back actor's reaction with emoji to a note, with an Undo of its Like;
// NotFound when there is none.
func (s *Service) EmojiUnreact(ctx context.Context, actor *storage.Actor, noteURI, emoji string) error {
	emoji, err := ReactionEmoji(emoji)
	if err != nil {
		return err
	}
	if federation.IsHeart(emoji) {
		return s.Unreact(ctx, actor, storage.Like, noteURI)
	}
	n, err := s.DB.GetNoteByURI(ctx, noteURI)
	if err != nil {
		return err
	}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		x, err := tx.GetEmojiReaction(ctx, actor.ID, n.ID, emoji)
		if err != nil {
			return err
		}
		if err := tx.DeleteEmojiReaction(ctx, x.ID); err != nil {
			return err
		}
		undo := &federation.Activity{ID: uris.Undo(x.URI), Type: federation.TypeUndo, To: []string{n.Author.URI}}
		inner := reactionLike(x, n)
		inner.Actor = actor.URI
		_, err = s.emit(ctx, tx, actor, undo, withObject(inner, n.URI), 0, storage.Direct, authorInbox(n))
		return err
	})
	if err != nil {
		return err
	}
	s.wake()
	return nil
}

// reactionLike is the Like that says reaction x to note n.
func reactionLike(x *storage.EmojiReaction, n *storage.Note) *federation.Activity {
	return &federation.Activity{ID: x.URI, Type: federation.TypeLike, To: []string{n.Author.URI},
		Content: x.Emoji, MisskeyReaction: x.Emoji}
}

// authorInbox is where a reaction to n is delivered: its author's server, when remote.
func authorInbox(n *storage.Note) []string {
	if n.Author.Local {
		return nil
	}
	return []string{n.Author.DeliveryInbox()}
}
