package outbox

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"

	"refuge/outbox/media"
	"refuge/storage"
)

// The instance's own custom emoji: the admin adds a picture under a shortcode, and a local
// post that says :shortcode: carries it as an Emoji tag, shown as the picture here and on
// other servers.

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

// RemoveCustomEmoji removes the custom emoji shortcode and its picture.
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
