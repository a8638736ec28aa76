package federation

import (
	"strings"
	"testing"

	"refuge/storage"
)

func TestIsEmoji(t *testing.T) {
	rows := []struct {
		s    string
		want bool
	}{
		{"🔥", true},
		{"❤", true},
		{"❤\ufe0f", true},
		{"👍🏽", true}, // skin tone
		{"👩\u200d👩\u200d👧\u200d👦", true}, // a family: joined by zero-width joiners
		{"🏳\ufe0f\u200d🌈", true},         // a flag sequence
		{"🇯🇵", true},                     // regional indicators
		{"🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", true}, // a subdivision flag: tag characters
		{"1\ufe0f⃣", true}, // keycap
		{"©", true},
		{"‼\ufe0f", true},
		{"", false},
		{"a", false},
		{"1", false},
		{"like", false},
		{"🔥🔥", false}, // two emoji
		{"🔥 ", false},
		{"🇯", false}, // half a flag
		{"🇯🇵🇯🇵", false},
		{"\u200d🔥", false}, // a joiner first
		{"🔥\u200d", false}, // a joiner last
		{":blobcat:", false},
		{"<b>🔥</b>", false},
		{strings.Repeat("👍\u200d", 20) + "👍", false}, // too long
	}
	for _, row := range rows {
		if got := IsEmoji(row.s); got != row.want {
			t.Errorf("IsEmoji(%q) = %v, want %v", row.s, got, row.want)
		}
	}
}

func TestReactionOf(t *testing.T) {
	blobcat := Tag{Type: TypeEmoji, Name: ":blobcat:", Href: "https://example.com/blobcat.png"}
	rows := []struct {
		name     string
		act      Activity
		want     Reaction
		ok       bool
		wantKind storage.Kind
	}{
		{"a plain Like", Activity{Type: TypeLike}, Reaction{}, false, ""},
		{"content", Activity{Type: TypeEmojiReact, Content: "🔥"}, Reaction{Emoji: "🔥"}, true, ""},
		{"_misskey_reaction before content", Activity{Type: TypeLike, Content: "x", MisskeyReaction: "🎉"}, Reaction{Emoji: "🎉"}, true, ""},
		{"spaces around", Activity{Type: TypeLike, Content: " 🎉\n"}, Reaction{Emoji: "🎉"}, true, ""},
		{"a custom emoji with its tag", Activity{Type: TypeEmojiReact, Content: ":blobcat:", Tags: []Tag{blobcat}},
			Reaction{Emoji: ":blobcat:", ImageURL: blobcat.Href}, true, ""},
		{"a tag named without colons", Activity{Type: TypeEmojiReact, Content: ":blobcat:",
			Tags: []Tag{{Type: TypeEmoji, Name: "blobcat", Href: blobcat.Href}}}, Reaction{Emoji: ":blobcat:", ImageURL: blobcat.Href}, true, ""},
		{"a custom emoji without its tag", Activity{Type: TypeEmojiReact, Content: ":blobcat:",
			Tags: []Tag{{Type: TypeEmoji, Name: ":other:", Href: blobcat.Href}}}, Reaction{}, false, storage.Invalid},
		{"a picture that is no http(s) URL", Activity{Type: TypeEmojiReact, Content: ":blobcat:",
			Tags: []Tag{{Type: TypeEmoji, Name: ":blobcat:", Href: "javascript:alert(1)"}}}, Reaction{}, false, storage.Invalid},
		{"text", Activity{Type: TypeEmojiReact, Content: "nice"}, Reaction{}, false, storage.Invalid},
		{"too long", Activity{Type: TypeEmojiReact, Content: strings.Repeat("🔥", 100)}, Reaction{}, false, storage.Invalid},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			got, ok, err := ReactionOf(&row.act)
			if got != row.want || ok != row.ok || (err == nil) != (row.wantKind == "") || (err != nil && storage.KindOf(err) != row.wantKind) {
				t.Errorf("%+v, %v, %v; want %+v, %v, kind %q", got, ok, err, row.want, row.ok, row.wantKind)
			}
		})
	}
}

// TestEncodeReaction: a local reaction goes out as Misskey writes one, and Misskey's own
// terms are in our @context, so that JSON-LD processors keep them.
func TestEncodeReaction(t *testing.T) {
	act := &Activity{ID: "https://a.example/users/alice/likes/1", Type: TypeLike, Actor: "https://a.example/users/alice",
		Content: "🔥", MisskeyReaction: "🔥"}
	doc, err := EncodeActivity(act, "https://b.example/users/bob/notes/1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"content":"🔥"`, `"_misskey_reaction":"🔥"`, `"_misskey_reaction":"misskey:_misskey_reaction"`} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("%s lacks %s", doc, want)
		}
	}
	back, err := DecodeActivity(doc)
	if err != nil || back.Content != "🔥" || back.MisskeyReaction != "🔥" {
		t.Errorf("decoded back: %+v, %v", back, err)
	}
}
