package federation

import (
	"encoding/json"
	"testing"
)

// TestPostOf: which outbox items name a post to ask for. Only a Create's object or a post
// listed bare are; a post that says it is not public, a boost and a bare link are not.
func TestPostOf(t *testing.T) {
	const note = "https://b.test/notes/1"
	rows := []struct {
		name, item, want string
	}{
		{"a Create with its post embedded", `{"type":"Create","object":{"id":"` + note + `","type":"Note","to":["` + PublicCollection + `"]}}`, note},
		{"a Create of an unlisted post", `{"type":"Create","object":{"id":"` + note + `","type":"Note","cc":["as:Public"]}}`, note},
		{"a Create naming its post by link", `{"type":"Create","object":"` + note + `"}`, note},
		{"a post listed bare", `{"id":"` + note + `","type":"Article","to":"` + PublicCollection + `"}`, note},
		{"a followers-only post", `{"type":"Create","object":{"id":"` + note + `","type":"Note","to":["https://b.test/users/bob/followers"]}}`, ""},
		{"a direct post", `{"id":"` + note + `","type":"Note","to":["https://a.test/users/alice"]}`, ""},
		{"a boost", `{"type":"Announce","object":"` + note + `"}`, ""},
		{"a bare link", `"` + note + `"`, ""},
		{"a Create of a Create", `{"type":"Create","object":{"type":"Create","object":"` + note + `"}}`, ""},
		{"not JSON", `{`, ""},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if got := postOf(json.RawMessage(row.item)); got != row.want {
				t.Errorf("postOf = %q, want %q", got, row.want)
			}
		})
	}
}

// TestDecodeCollection: the items of an outbox, of its first page embedded, or the link to
// its first page; a document that is not a collection is refused.
func TestDecodeCollection(t *testing.T) {
	rows := []struct {
		name      string
		doc       string
		items     int
		firstLink string
		firstN    int
		bad       bool
	}{
		{"items of its own", `{"type":"OrderedCollection","orderedItems":[{"a":1},{"b":2}]}`, 2, "", -1, false},
		{"unordered items", `{"type":"Collection","items":[{"a":1}]}`, 1, "", -1, false},
		{"a linked first page", `{"type":"OrderedCollection","first":"https://b.test/outbox?page=1"}`, 0, "https://b.test/outbox?page=1", 0, false},
		{"an embedded first page", `{"type":"OrderedCollection","first":{"orderedItems":[{"a":1}],"first":"https://x.test/"}}`, 0, "", 1, false},
		{"items that are not a list", `{"orderedItems":{"a":1}}`, 0, "", -1, true},
		{"not an object", `[1]`, 0, "", -1, true},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			c, err := decodeCollection([]byte(row.doc))
			if (err != nil) != row.bad {
				t.Fatalf("err %v, want bad %v", err, row.bad)
			}
			if err != nil {
				return
			}
			if len(c.items) != row.items {
				t.Errorf("%d items, want %d", len(c.items), row.items)
			}
			switch {
			case row.firstN < 0 && c.first != nil:
				t.Errorf("a first page: %+v", c.first)
			case row.firstN >= 0 && (c.first == nil || c.first.link != row.firstLink || len(c.first.items) != row.firstN || c.first.first != nil):
				t.Errorf("first page %+v, want link %q and %d items, and no page below it", c.first, row.firstLink, row.firstN)
			}
		})
	}
}
