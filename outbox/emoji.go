package outbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"refuge/federation"
	"refuge/outbox/media"
	"refuge/storage"
)

// The instance's own custom emoji: the admin adds a picture under a shortcode, and a local
// post that says :shortcode:, or a local account whose name, bio or profile fields say it,
// carries it as an Emoji tag, shown as the picture here and on other servers. Each has a
// document of its own, which the tags we send name as their id, as Mastodon's do.

// emojiShortcode is a shortcode the admin may give, as Mastodon takes them.
var emojiShortcode = regexp.MustCompile(`^[A-Za-z0-9_]{2,30}$`)

// MaxEmojiBytes is the largest picture a custom emoji may be, Mastodon's limit.
const MaxEmojiBytes = 256 << 10

// AddCustomEmoji adds the picture r as the custom emoji shortcode: an image checked and
// made safe as an upload is, of at most MaxEmojiBytes, under a shortcode of 2 to 30
// letters, digits or _ not taken yet (Conflict).
func (s *Service) AddCustomEmoji(ctx context.Context, dataDir, shortcode string, r io.Reader) (*storage.CustomEmoji, error) {
	shortcode = strings.Trim(shortcode, ":")
	if !emojiShortcode.MatchString(shortcode) {
		return nil, storage.Errorf(storage.Invalid, "a shortcode is 2 to 30 letters, digits or _")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxEmojiBytes+1))
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "the picture could not be read")
	}
	if len(data) > MaxEmojiBytes {
		return nil, storage.Errorf(storage.TooLarge, "a custom emoji's picture is at most %d KiB", MaxEmojiBytes>>10)
	}
	m, err := s.SaveMediaFile(ctx, dataDir, bytes.NewReader(data), true)
	if err != nil {
		return nil, err
	}
	dir := media.Dir(dataDir)
	media.Remove(dir, m.ThumbPath) // an emoji is small already
	e := &storage.CustomEmoji{Shortcode: shortcode, Path: m.Path, URL: m.URL, MediaType: m.MediaType, Created: s.now()}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutCustomEmoji(ctx, e) }); err != nil {
		media.Remove(dir, m.Path)
		return nil, err
	}
	return e, nil
}

// RemoveCustomEmoji removes the custom emoji shortcode and its picture. Posts that used it
// keep their tags (storage.CustomEmojiWriter), and so do the accounts whose name, bio or
// fields say it, until their profile is saved again (UpdateProfile tags it anew): their
// documents and the API still name the picture, now gone, so pages here show the shortcode
// as its alternative text, other servers keep the copy they fetched, and the tag's id (sent
// before) finds no document. Tagging every such account anew would send an Update to the
// followers of each, for what an admin does rarely.
func (s *Service) RemoveCustomEmoji(ctx context.Context, dataDir, shortcode string) error {
	var e *storage.CustomEmoji
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		var err error
		e, err = tx.DeleteCustomEmoji(ctx, strings.Trim(shortcode, ":"))
		return err
	})
	if err != nil {
		return err
	}
	media.Remove(media.Dir(dataDir), e.Path)
	return nil
}

// emojiTags are the Emoji tags of the instance's custom emoji that texts name.
func (s *Service) emojiTags(ctx context.Context, texts ...string) ([]storage.Tag, error) {
	all := strings.Join(texts, "\n")
	if strings.Count(all, ":") < 2 {
		return nil, nil
	}
	emojis, err := s.DB.ListCustomEmojis(ctx)
	if err != nil {
		return nil, err
	}
	var tags []storage.Tag
	for _, e := range emojis {
		if code := ":" + e.Shortcode + ":"; strings.Contains(all, code) {
			tags = append(tags, storage.Tag{Type: storage.TagEmoji, Name: code, Href: e.URL})
		}
	}
	return tags, nil
}

// EmojiTag is the Emoji tag of the custom emoji e as Mastodon writes one: its id is the
// address of its own document (server/activitypub serves it there), with its picture's
// type and when it was added (Refuge never changes an emoji: another picture is another
// emoji).
func (s *Service) EmojiTag(e *storage.CustomEmoji) federation.Tag {
	return federation.Tag{Type: federation.TypeEmoji, Name: ":" + e.Shortcode + ":", Href: e.URL,
		ID: s.uris().Emoji(e.Shortcode), MediaType: e.MediaType, Updated: e.Created}
}

// describeEmoji gives the Emoji tags of this instance's custom emoji among tags what
// EmojiTag gives them: the id, type and time that the stored tags (storage.Tag, a
// shortcode and a picture) have no room for. A tag is one of ours when the emoji of its
// shortcode has its picture; another server's, or one of ours removed since, keeps what it
// has.
func (s *Service) describeEmoji(ctx context.Context, r storage.CustomEmojiReader, tags []federation.Tag) error {
	if !slices.ContainsFunc(tags, func(t federation.Tag) bool { return t.Type == federation.TypeEmoji }) {
		return nil
	}
	emojis, err := r.ListCustomEmojis(ctx)
	if err != nil {
		return fmt.Errorf("describe custom emoji: %w", err)
	}
	for i, t := range tags {
		if t.Type != federation.TypeEmoji {
			continue
		}
		for _, e := range emojis {
			if t.Name == ":"+e.Shortcode+":" && t.Href == e.URL {
				tags[i] = s.EmojiTag(&e)
				break
			}
		}
	}
	return nil
}

// describeEmojiOf describes (describeEmoji) the custom emoji of the note or actor that an
// activity about to be sent carries, reading r (the transaction that stores it).
func (s *Service) describeEmojiOf(ctx context.Context, r storage.CustomEmojiReader, object any) error {
	switch o := object.(type) {
	case *federation.Note:
		if o != nil {
			return s.describeEmoji(ctx, r, o.Tags)
		}
	case *federation.Actor:
		if o != nil {
			return s.describeEmoji(ctx, r, o.Tags)
		}
	}
	return nil
}

// addEmojiTags adds to a local note's tags the custom emoji its text, content warning and
// translations name.
func (s *Service) addEmojiTags(ctx context.Context, n *storage.Note, in NoteInput) error {
	texts := []string{in.Content, in.Summary}
	for _, t := range in.ContentMap {
		texts = append(texts, t)
	}
	tags, err := s.emojiTags(ctx, texts...)
	if err != nil {
		return err
	}
	n.Tags = append(n.Tags, tags...)
	return nil
}
