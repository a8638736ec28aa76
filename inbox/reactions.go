package inbox

import (
	"context"

	"refuge/federation"
	"refuge/storage"
)

// Emoji reactions: Pleroma's, Akkoma's and honk's EmojiReact, and Misskey's Like with a
// reaction (see federation.ReactionOf). They are kept apart from likes, since one actor may
// react to a note with several emoji.

// emojiReact: an EmojiReact, which must carry its emoji.
func (in *Inbox) emojiReact(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	r, ok, err := federation.ReactionOf(act)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", storage.Errorf(storage.Invalid, "an EmojiReact needs its emoji in content")
	}
	return in.emojiReaction(ctx, signer, act, r)
}

// likeReaction reads a Like's reaction, when it carries one that is not a like: Misskey's
// heart is what Misskey sends for its own like button and shows for a Mastodon like, so a
// heart is kept as a like, and counted as Mastodon and GoToSocial count it. Content that is
// no emoji at all (old Misskey's named reactions, stray text) leaves a plain like, as
// Mastodon reads every Like; only an oversized one is refused, as any bad input is.
func likeReaction(act *federation.Activity) (federation.Reaction, bool, error) {
	r, ok, err := federation.ReactionOf(act)
	if err != nil {
		if len(act.Content) > federation.MaxReactionBytes || len(act.MisskeyReaction) > federation.MaxReactionBytes {
			return r, false, err
		}
		return r, false, nil
	}
	if !ok || federation.IsHeart(r.Emoji) {
		return r, false, nil
	}
	return r, true, nil
}

// emojiReaction stores a reaction to a note stored here that the reactor may see, and tells
// a local author, as like does for a like.
func (in *Inbox) emojiReaction(ctx context.Context, signer *storage.Actor, act *federation.Activity, r federation.Reaction) (Result, error) {
	n, err := in.DB.GetNoteByURI(ctx, act.Object.ID)
	if err != nil || n.Deleted() {
		return Ignored, nil
	}
	if ok, _ := in.DB.CanSee(ctx, n.ID, signer.ID); !ok {
		return "", storage.Errorf(storage.Forbidden, "the actor cannot see that note")
	}
	err = in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, n.ID); err != nil {
			return err
		}
		x := &storage.EmojiReaction{URI: act.ID, ActorID: signer.ID, NoteID: n.ID, Emoji: r.Emoji,
			ImageURL: r.ImageURL, Created: in.now()}
		added, err := tx.PutEmojiReaction(ctx, x)
		if err != nil || !added || !n.Author.Local {
			return err
		}
		return tx.NotifyReaction(ctx, n.Author.ID, signer.ID, n.ID, x.Emoji, x.ImageURL, x.Created)
	})
	if err != nil {
		return "", err
	}
	return Stored, nil
}

// undoEmojiReaction takes back an emoji reaction, named by its activity id, or embedded
// under an id we never stored (then found by who, what note and which emoji); only its
// author may.
func (in *Inbox) undoEmojiReaction(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	x, err := in.DB.GetEmojiReactionByURI(ctx, act.Object.ID)
	if storage.KindOf(err) == storage.NotFound && act.Object.Raw != nil {
		x, err = in.embeddedEmojiReaction(ctx, signer, act.Object)
	}
	if err != nil {
		return Ignored, nil // nothing to undo
	}
	if x.ActorID != signer.ID {
		return "", storage.Errorf(storage.Forbidden, "only its author may undo a reaction")
	}
	err = in.DB.Update(ctx, func(tx storage.Tx) error {
		if err := in.record(ctx, tx, signer, act, 0); err != nil {
			return err
		}
		return tx.DeleteEmojiReaction(ctx, x.ID)
	})
	if err != nil {
		return "", err
	}
	return Stored, nil
}

// embeddedEmojiReaction finds the signer's stored reaction that an embedded EmojiReact or
// Like describes.
func (in *Inbox) embeddedEmojiReaction(ctx context.Context, signer *storage.Actor, obj federation.Object) (*storage.EmojiReaction, error) {
	inner, err := obj.Activity()
	if err != nil {
		return nil, err
	}
	r, ok, err := federation.ReactionOf(inner)
	if err != nil || !ok {
		return nil, storage.Errorf(storage.NotFound, "no reaction in the undone activity")
	}
	n, err := in.DB.GetNoteByURI(ctx, inner.Object.ID)
	if err != nil {
		return nil, err
	}
	return in.DB.GetEmojiReaction(ctx, signer.ID, n.ID, r.Emoji)
}
