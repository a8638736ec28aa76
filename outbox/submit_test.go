package outbox

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"refuge/federation"
	"refuge/storage"
)

// m is a JSON object, for writing activities in tables.
type m = map[string]any

func TestSubmit(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	shut := r.account("shut", true) // answers follow requests
	open := r.account("open", false)
	carol := r.account("carol", false)
	theirs := r.post(carol, NoteInput{Content: "carol's"})
	doomed := r.post(alice, NoteInput{Content: "delete me"})
	draft := r.post(alice, NoteInput{Content: "edit me"})
	asker := r.remote("remote.test", "asker", true)
	r.follow(asker, shut, false)
	request, err := r.db.GetFollow(r.ctx, asker.ID, shut.ID)
	if err != nil {
		t.Fatal(err)
	}
	note := func(t *testing.T, id string) *storage.Note {
		t.Helper()
		if !strings.HasSuffix(id, "/activity") {
			t.Fatalf("id %q is not a Create's", id)
		}
		n, err := r.db.GetNoteByURI(r.ctx, strings.TrimSuffix(id, "/activity"))
		if err != nil || r.activity(id).Type != federation.TypeCreate {
			t.Fatalf("no note for %s: %v", id, err)
		}
		return n
	}
	likeOf := func(n *storage.Note) *storage.Reaction {
		like, _ := r.db.GetReaction(r.ctx, storage.Like, alice.ID, n.ID)
		return like
	}
	rows := []struct {
		name     string
		by       *storage.Actor // nil: alice
		body     func() any     // a string is sent as it is, anything else as JSON
		wantKind storage.Kind
		check    func(t *testing.T, id string) // of what an accepted activity did
	}{
		{"a bare Note is wrapped in a Create, public", nil, func() any { return m{"type": "Note", "content": "bare"} }, "",
			func(t *testing.T, id string) {
				if n := note(t, id); n.Visibility != storage.Public || n.Source != "bare" {
					t.Errorf("note %+v", n)
				}
			}},
		{"a Create of a Note to her followers", nil, func() any {
			return m{"type": "Create", "actor": alice.URI, "object": m{"type": "Note", "content": "hi", "to": []string{alice.FollowersURI}}}
		}, "", func(t *testing.T, id string) {
			if n := note(t, id); n.Visibility != storage.Followers {
				t.Errorf("visibility %s, want followers", n.Visibility)
			}
		}},
		{"a Note to one account is direct", nil, func() any { return m{"type": "Note", "content": "psst", "to": carol.URI} }, "",
			func(t *testing.T, id string) {
				n := note(t, id)
				if can, _ := r.db.CanSee(r.ctx, n.ID, carol.ID); n.Visibility != storage.Direct || !slices.Equal(n.To, []string{carol.URI}) || !can {
					t.Errorf("note %s to %v, carol may read it: %v", n.Visibility, n.To, can)
				}
			}},
		{"a Note in two languages takes English for its text", nil, func() any {
			return m{"type": "Note", "contentMap": m{"de": "Hallo", "en": "Hello"}}
		}, "", func(t *testing.T, id string) {
			if n := note(t, id); n.Source != "Hello" || n.Language != "en" || len(n.ContentMap) != 2 {
				t.Errorf("note %q in %q, %v", n.Source, n.Language, n.ContentMap)
			}
		}},
		{"a Note with content and a contentMap: content's language is the main one", nil, func() any {
			return m{"type": "Note", "content": "你好", "contentMap": m{"en": "Hello", "zh-Hans": "你好"}}
		}, "", func(t *testing.T, id string) {
			if n := note(t, id); n.Source != "你好" || n.Language != "zh-Hans" || n.ContentMap["en"] != "<p>Hello</p>" ||
				n.ContentMap["zh-Hans"] != n.Content {
				t.Errorf("note %q in %q, %v", n.Source, n.Language, n.ContentMap)
			}
		}},
		{"a Follow", nil, func() any { return m{"type": "Follow", "actor": alice.URI, "object": open.URI} }, "",
			func(t *testing.T, id string) {
				if f, err := r.db.GetFollowByURI(r.ctx, id); err != nil || !f.Accepted || f.FolloweeID != open.ID {
					t.Errorf("follow %+v, %v", f, err)
				}
			}},
		{"a Like", nil, func() any { return m{"type": "Like", "object": theirs.URI} }, "",
			func(t *testing.T, id string) {
				if like := likeOf(theirs); like == nil || like.URI != id {
					t.Errorf("like %+v, want %s", like, id)
				}
			}},
		{"an Undo of that Like", nil, func() any { return m{"type": "Undo", "object": likeOf(theirs).URI} }, "",
			func(t *testing.T, id string) {
				if like := likeOf(theirs); like != nil || r.activity(id).Type != federation.TypeUndo {
					t.Errorf("like still there: %+v", like)
				}
			}},
		{"a Delete of her note", nil, func() any { return m{"type": "Delete", "object": doomed.URI} }, "",
			func(t *testing.T, id string) {
				if n, err := r.db.GetNoteByURI(r.ctx, doomed.URI); err != nil || !n.Deleted() || id != doomed.URI+"#delete" {
					t.Errorf("note %+v, %v, id %s", n, err, id)
				}
			}},
		{"an Update of her note", nil, func() any {
			return m{"type": "Update", "object": m{"id": draft.URI, "type": "Note", "content": "edited"}}
		}, "", func(t *testing.T, _ string) {
			if n, err := r.db.GetNoteByURI(r.ctx, draft.URI); err != nil || n.Source != "edited" {
				t.Errorf("note %+v, %v", n, err)
			}
		}},
		{"an Update of her profile", nil, func() any {
			return m{"type": "Update", "object": m{"id": alice.URI, "type": "Person", "name": "Alice A.", "summary": "<p>hi</p>"}}
		}, "", func(t *testing.T, _ string) {
			if a, err := r.db.GetActorByID(r.ctx, alice.ID); err != nil || a.Name != "Alice A." || a.Summary != "<p>hi</p>" {
				t.Errorf("actor %+v, %v", a, err)
			}
		}},
		{"an Accept of a follow request", shut, func() any { return m{"type": "Accept", "object": request.URI} }, "",
			func(t *testing.T, id string) {
				f, err := r.db.GetFollowByURI(r.ctx, request.URI)
				if err != nil || !f.Accepted || r.activity(id).Type != federation.TypeAccept {
					t.Errorf("follow %+v, %v", f, err)
				}
			}},

		{"a JSON array", nil, func() any { return `[{"type":"Note","content":"x"}]` }, storage.Invalid, nil},
		{"not JSON", nil, func() any { return `{"type":"Note"` }, storage.Invalid, nil},
		{"no type", nil, func() any { return m{"content": "x"} }, storage.Invalid, nil},
		{"an unknown type", nil, func() any { return m{"type": "Move", "object": alice.URI} }, storage.Invalid, nil},
		{"a Note without content", nil, func() any { return m{"type": "Note", "content": " "} }, storage.Invalid, nil},
		{"a Create without a Note", nil, func() any { return m{"type": "Create", "object": doomed.URI} }, storage.Invalid, nil},
		{"a Create of an Article", nil, func() any { return m{"type": "Create", "object": m{"type": "Article", "content": "x"}} },
			storage.Invalid, nil},
		{"a contentMap key that is no language", nil, func() any { return m{"type": "Note", "contentMap": m{"not a tag": "x"}} },
			storage.Invalid, nil},
		{"a Note whose content is in none of its contentMap's languages", nil, func() any {
			return m{"type": "Note", "content": "Salut", "contentMap": m{"en": "Hello", "de": "Hallo"}}
		}, storage.Invalid, nil},
		{"to that is a number", nil, func() any { return m{"type": "Note", "content": "x", "to": 5} }, storage.Invalid, nil},
		{"to an actor that cannot be found", nil, func() any {
			return m{"type": "Note", "content": "x", "to": []string{"https://nowhere.test/users/x"}}
		}, storage.Invalid, nil},
		{"an object that is neither an id nor an object", nil, func() any { return m{"type": "Like", "object": 5} }, storage.Invalid, nil},
		{"another actor's activity", nil, func() any { return m{"type": "Like", "actor": carol.URI, "object": theirs.URI} },
			storage.Forbidden, nil},
		{"an Undo of nothing of hers", nil, func() any { return m{"type": "Undo", "object": carol.URI + "/likes/1"} },
			storage.NotFound, nil},
		{"a Delete of someone else's note", nil, func() any { return m{"type": "Delete", "object": theirs.URI} }, storage.Forbidden, nil},
		{"an Update without the object", nil, func() any { return m{"type": "Update", "object": draft.URI} }, storage.Invalid, nil},
		// Anything but her own actor is taken for a note: another profile is no note of hers.
		{"an Update of another account", nil, func() any {
			return m{"type": "Update", "object": m{"id": carol.URI, "type": "Person", "name": "Carol?"}}
		}, storage.NotFound, nil},
		{"an Accept of no follow request", shut, func() any { return m{"type": "Accept", "object": shut.URI + "/follows/x"} },
			storage.NotFound, nil},
		{"an Accept of a follow accepted already", shut, func() any { return m{"type": "Accept", "object": request.URI} },
			storage.Conflict, nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			by := row.by
			if by == nil {
				by = alice
			}
			body, ok := row.body().(string)
			if !ok {
				b, err := json.Marshal(row.body())
				if err != nil {
					t.Fatal(err)
				}
				body = string(b)
			}
			var id string
			if !r.try(t, row.wantKind, func() (err error) { id, err = r.s.Submit(r.ctx, by, []byte(body)); return err }) {
				return
			}
			row.check(t, id)
		})
	}
}
