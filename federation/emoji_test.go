package federation

import (
	"encoding/json"
	"strings"
	"testing"
)

// emojiOnWire is an Emoji tag as written.
type emojiOnWire struct {
	ID, Type, Name, Updated string
	Icon                    struct{ Type, MediaType, URL string }
}

// An Emoji tag goes out as Mastodon writes one, on a note, on an actor and as its own
// document: its id and time when known (this instance's own emoji), and its picture with
// the picture's type, as known or as the file's extension says; without a type when
// neither says one.
func TestEmojiWritten(t *testing.T) {
	ours := Tag{Type: TypeEmoji, Name: ":blobcat:", Href: "https://refuge.example/media/abc.webp",
		ID: "https://refuge.example/emojis/blobcat", MediaType: "image/webp", Updated: date("2026-12-02T15:02:49.5Z")}
	byName := Tag{Type: TypeEmoji, Name: ":ok:", Href: "https://x.example/e/OK.PNG?v=2"}
	unknown := Tag{Type: TypeEmoji, Name: ":what:", Href: "https://x.example/e/what"}
	want := []emojiOnWire{
		{ID: ours.ID, Type: "Emoji", Name: ":blobcat:", Updated: "2026-12-02T15:02:49Z"},
		{Type: "Emoji", Name: ":ok:"},
		{Type: "Emoji", Name: ":what:"},
	}
	want[0].Icon.Type, want[0].Icon.MediaType, want[0].Icon.URL = "Image", "image/webp", ours.Href
	want[1].Icon.Type, want[1].Icon.MediaType, want[1].Icon.URL = "Image", "image/png", byName.Href
	want[2].Icon.Type, want[2].Icon.URL = "Image", unknown.Href

	note := testNote()
	note.Tags = []Tag{ours, byName, unknown}
	actor := *testActor
	actor.Tags = note.Tags
	noteJSON, err := EncodeNote(note)
	if err != nil {
		t.Fatal(err)
	}
	actorJSON, err := EncodeActor(&actor)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"note": noteJSON, "actor": actorJSON} {
		var doc struct{ Tag []emojiOnWire }
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Tag) != len(want) {
			t.Fatalf("%s: tags %+v, want %+v", name, doc.Tag, want)
		}
		for i := range want {
			if doc.Tag[i] != want[i] {
				t.Errorf("%s: tag %d is %+v, want %+v", name, i, doc.Tag[i], want[i])
			}
		}
		var raw struct{ Tag []json.RawMessage }
		if json.Unmarshal(b, &raw); len(raw.Tag) != 3 || strings.Contains(string(raw.Tag[2]), `"mediaType"`) {
			t.Errorf("%s: a mediaType written where none is known: %s", name, raw.Tag)
		}
	}

	b, err := EncodeEmoji(ours)
	if err != nil {
		t.Fatal(err)
	}
	checkContext(t, b)
	var doc emojiOnWire
	if err := json.Unmarshal(b, &doc); err != nil || doc != want[0] {
		t.Errorf("the emoji's document: %s (%v)", b, err)
	}
}
