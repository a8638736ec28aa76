package storage

import (
	"context"
	"time"
)

// CustomEmoji is one of the instance's own custom emoji: :Shortcode: in a local post shows
// the picture at URL (the file Path under the data folder's media).
type CustomEmoji struct {
	ID        int64
	Shortcode string // without colons
	Path      string
	URL       string
	MediaType string
	Created   time.Time
}

// CustomEmojiReader lists the instance's custom emoji.
type CustomEmojiReader interface {
	// ListCustomEmojis returns them all, by shortcode.
	ListCustomEmojis(ctx context.Context) ([]CustomEmoji, error)
}

// CustomEmojiWriter adds and removes them.
type CustomEmojiWriter interface {
	// PutCustomEmoji adds e and sets e.ID; Conflict when its shortcode is taken.
	PutCustomEmoji(ctx context.Context, e *CustomEmoji) error
	// DeleteCustomEmoji removes the emoji shortcode and returns it; NotFound when there is
	// none. Posts and accounts that used it keep their tags, and show the shortcode as text
	// once its file is gone.
	DeleteCustomEmoji(ctx context.Context, shortcode string) (*CustomEmoji, error)
}
