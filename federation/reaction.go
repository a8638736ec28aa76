package federation

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"refuge/storage"
)

// Emoji reactions on the wire. Pleroma, Akkoma and honk send an EmojiReact whose content is
// the emoji; Misskey and its forks send a Like with the emoji in both content and
// _misskey_reaction (so that Mastodon, which reads neither, still counts a like). A custom
// emoji is its shortcode between colons, with an Emoji tag of that name whose icon is the
// picture.

// MaxReactionBytes bounds a reaction's emoji as received or given: the longest Unicode
// emoji sequences (a family, a flag of a region) take under 40 bytes, and a shortcode with
// its server's name (Misskey's ":blobcat@mastodon.example:") rarely 60.
const MaxReactionBytes = 128

// maxEmojiRunes bounds the code points of one Unicode emoji: a ZWJ sequence of four people
// with skin tones is 11, a subdivision flag 7.
const maxEmojiRunes = 16

// Reaction is what a reaction activity reacts with.
type Reaction struct {
	Emoji    string // a Unicode emoji, or a custom one's shortcode between colons
	ImageURL string // a custom emoji's picture; "" for Unicode
}

// ReactionOf reads the emoji an EmojiReact or a Like carries: _misskey_reaction first, then
// content. ok is false when it carries none (a plain Like). A custom emoji must come with
// its Emoji tag and an http(s) picture, and anything else must be one Unicode emoji:
// otherwise the error is Invalid.
func ReactionOf(a *Activity) (r Reaction, ok bool, err error) {
	s := strings.TrimSpace(a.MisskeyReaction)
	if s == "" {
		s = strings.TrimSpace(a.Content)
	}
	if s == "" {
		return Reaction{}, false, nil
	}
	if len(s) > MaxReactionBytes {
		return Reaction{}, false, storage.Errorf(storage.Invalid, "a reaction of %d bytes is not one emoji (%d at most)", len(s), MaxReactionBytes)
	}
	if IsShortcode(s) {
		for _, t := range a.Tags {
			if t.Type == TypeEmoji && strings.Trim(t.Name, ":") == strings.Trim(s, ":") && httpURL(t.Href) != "" {
				return Reaction{Emoji: s, ImageURL: t.Href}, true, nil
			}
		}
		return Reaction{}, false, storage.Errorf(storage.Invalid, "custom emoji %s comes without an Emoji tag that has its picture", s)
	}
	if !IsEmoji(s) {
		return Reaction{}, false, storage.Errorf(storage.Invalid, "reaction %q is not one emoji", s)
	}
	return Reaction{Emoji: s}, true, nil
}

// IsHeart reports whether emoji is the plain heart: what Misskey sends for its "like" and
// shows for a Mastodon like, so that the two mean the same thing.
func IsHeart(emoji string) bool {
	switch emoji {
	case "\u2764", "\u2764\ufe0f", "\u2665", "\u2665\ufe0f":
		return true
	}
	return false
}

// IsShortcode reports whether s is a custom emoji's shortcode between colons: letters,
// digits and _ + - in the name, and @ . for the server Misskey appends.
func IsShortcode(s string) bool {
	if len(s) < 3 || s[0] != ':' || s[len(s)-1] != ':' {
		return false
	}
	for _, c := range s[1 : len(s)-1] {
		if !(c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_+-@.", c))) {
			return false
		}
	}
	return true
}

// IsEmoji reports whether s is one Unicode emoji as a person picks one: a pictograph with
// its variation selector, skin tone or tag characters; a keycap; a flag (two regional
// indicators); or such emoji joined by zero-width joiners into one (a family). It is a
// close reading of Unicode's emoji sequences, not the full table: it refuses text, two
// emoji side by side, and anything long.
func IsEmoji(s string) bool {
	if s == "" || len(s) > MaxReactionBytes || !utf8.ValidString(s) {
		return false
	}
	rs := []rune(s)
	if len(rs) > maxEmojiRunes {
		return false
	}
	i := 0
	if isRegional(rs[0]) { // a flag: exactly two regional indicators
		return len(rs) == 2 && isRegional(rs[1])
	}
	if isKeycapBase(rs[0]) { // a keycap: 1️⃣, #️⃣
		rest := rs[1:]
		if len(rest) > 0 && rest[0] == 0xFE0F {
			rest = rest[1:]
		}
		return len(rest) == 1 && rest[0] == 0x20E3
	}
	for {
		if i >= len(rs) || !isPictograph(rs[i]) {
			return false
		}
		i++
		for i < len(rs) && isEmojiModifier(rs[i]) {
			i++
		}
		if i == len(rs) {
			return true
		}
		if rs[i] != 0x200D { // only a joiner may follow: anything else is a second emoji or text
			return false
		}
		i++
	}
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

func isKeycapBase(r rune) bool { return r == '#' || r == '*' || r >= '0' && r <= '9' }

// isPictograph: the symbols emoji are drawn from (So covers nearly all, from ©, ☀ and ❤ to
// the supplementary planes' pictographs), and the few in other categories (‼, ⁉, 〰, 〽).
func isPictograph(r rune) bool {
	if r >= 0x1F000 && r <= 0x1FAFF {
		return true
	}
	switch r {
	case 0x203C, 0x2049, 0x3030, 0x303D:
		return true
	}
	return unicode.Is(unicode.So, r)
}

// isEmojiModifier: variation selectors, skin tones, tag characters (subdivision flags) and
// the enclosing keycap.
func isEmojiModifier(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || r >= 0x1F3FB && r <= 0x1F3FF || r >= 0xE0020 && r <= 0xE007F || r == 0x20E3
}
