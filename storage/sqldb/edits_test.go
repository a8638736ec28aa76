package sqldb

import (
	"context"
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

// TestNoteEdits: the first edit keeps the original and the new version, each later edit
// one more; an Update that changes nothing a version holds adds none and leaves the edit
// time; media are kept with their descriptions of the time; an upload the edit leaves out
// is let go; deleting the note takes its versions.
func TestNoteEdits(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	published := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	uploads := make([]*storage.Media, 2)
	n := &storage.Note{URI: alice.URI + "/statuses/1", ActorID: alice.ID, Local: true, Content: "<p>first</p>",
		Visibility: storage.Public, Published: published}
	update := func(n *storage.Note) error {
		return db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateNote(ctx, n) })
	}
	err := db.Update(ctx, func(tx storage.Tx) error {
		for i := range uploads {
			uploads[i] = &storage.Media{ActorID: alice.ID, URL: "https://refuge.example/media/" + string(rune('a'+i)) + ".png",
				Path: string(rune('a'+i)) + ".png", MediaType: "image/png", Description: "old"}
			if err := tx.CreateMedia(ctx, uploads[i]); err != nil {
				return err
			}
		}
		n.Media = []storage.Media{*uploads[0], *uploads[1]}
		return tx.CreateNote(ctx, n)
	})
	if err != nil {
		t.Fatal(err)
	}
	if edits, err := db.ListNoteEdits(ctx, n.ID); err != nil || len(edits) != 0 {
		t.Fatalf("a new note has %d versions (%v), want none", len(edits), err)
	}

	type version struct {
		content, summary string
		sensitive        bool
		media            []string // descriptions
	}
	versionsOf := func() []version {
		t.Helper()
		edits, err := db.ListNoteEdits(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []version
		for _, e := range edits {
			v := version{content: e.Content, summary: e.Summary, sensitive: e.Sensitive}
			for _, m := range e.Media {
				v.media = append(v.media, m.Description)
			}
			out = append(out, v)
		}
		return out
	}
	equal := func(a, b []version) bool {
		return slices.EqualFunc(a, b, func(x, y version) bool {
			return x.content == y.content && x.summary == y.summary && x.sensitive == y.sensitive && slices.Equal(x.media, y.media)
		})
	}

	first := version{content: "<p>first</p>", media: []string{"old", "old"}}
	edited := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	n.Content, n.Summary, n.Sensitive, n.Updated = "<p>second</p>", "cw", true, edited
	n.Media = []storage.Media{*uploads[1]}
	n.Media[0].Description = "new"
	if err := update(n); err != nil {
		t.Fatal(err)
	}
	second := version{content: "<p>second</p>", summary: "cw", sensitive: true, media: []string{"new"}}
	if got, want := versionsOf(), []version{first, second}; !equal(got, want) {
		t.Fatalf("after the first edit: %+v, want %+v", got, want)
	}
	edits, _ := db.ListNoteEdits(ctx, n.ID)
	if !edits[0].Created.Equal(published) || !edits[1].Created.Equal(edited) {
		t.Errorf("versions dated %v and %v, want %v and %v", edits[0].Created, edits[1].Created, published, edited)
	}
	if m, err := db.GetMedia(ctx, uploads[0].ID); err != nil || m.NoteID != 0 {
		t.Errorf("the upload left out is on note %d (%v), want none", m.NoteID, err)
	}

	n.Updated = edited.Add(time.Hour) // the same version again, at a later time
	if err := update(n); err != nil {
		t.Fatal(err)
	}
	if got := versionsOf(); len(got) != 2 {
		t.Fatalf("an Update changing nothing made %d versions, want 2", len(got))
	}
	if got, err := db.GetNoteByID(ctx, n.ID); err != nil || !got.Updated.Equal(edited) {
		t.Errorf("an Update changing nothing set the edit time to %v (%v), want %v", got.Updated, err, edited)
	}

	n.Content, n.Updated = "<p>third</p>", edited.Add(2*time.Hour)
	if err := update(n); err != nil {
		t.Fatal(err)
	}
	third := version{content: "<p>third</p>", summary: "cw", sensitive: true, media: []string{"new"}}
	if got, want := versionsOf(), []version{first, second, third}; !equal(got, want) {
		t.Fatalf("after the second edit: %+v, want %+v", got, want)
	}

	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNote(ctx, n.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if got := versionsOf(); len(got) != 0 {
		t.Errorf("a deleted note keeps %d versions, want none: its text goes", len(got))
	}
	if err := update(n); storage.KindOf(err) != storage.Gone {
		t.Errorf("editing a deleted note: %v, want Gone", err)
	}
}

// TestBookmarksAndLikesLists: an account's bookmarks and likes, newest first by their own
// rows, paged by them, leaving out what it may no longer read and what was deleted;
// ViewerState marks all four of its states in one read.
func TestBookmarksAndLikesLists(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	bob := mustActor(t, db, "bob", "refuge.example", true)
	public := mustNote(t, db, bob, "public", storage.Public)
	unlisted := mustNote(t, db, bob, "unlisted", storage.Unlisted)
	private := mustNote(t, db, bob, "private", storage.Followers) // alice does not follow bob
	gone := mustNote(t, db, bob, "gone", storage.Public)
	own := mustNote(t, db, alice, "own", storage.Public)
	marked := []*storage.Note{unlisted, public, private, gone, own} // in this order: own is the newest mark
	err := db.Update(ctx, func(tx storage.Tx) error {
		for _, n := range marked {
			if err := tx.Bookmark(ctx, alice.ID, n.ID, true, time.Now()); err != nil {
				return err
			}
			if _, err := tx.PutReaction(ctx, storage.Like, &storage.Reaction{URI: n.URI + "/like", ActorID: alice.ID,
				NoteID: n.ID, Created: time.Now()}); err != nil {
				return err
			}
		}
		if err := tx.Bookmark(ctx, alice.ID, public.ID, true, time.Now()); err != nil { // again: no change
			return err
		}
		if err := tx.Pin(ctx, alice.ID, own.ID, true); err != nil {
			return err
		}
		return tx.DeleteNote(ctx, gone.ID, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(notes []*storage.Note) []int64 {
		var out []int64
		for _, n := range notes {
			out = append(out, n.ID)
		}
		return out
	}
	want := []int64{own.ID, public.ID, unlisted.ID}
	for name, list := range map[string]func(context.Context, int64, storage.Page) ([]*storage.Note, []int64, error){
		"bookmarks": db.ListBookmarked, "likes": db.ListLiked} {
		notes, cursors, err := list(ctx, alice.ID, storage.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(notes); !slices.Equal(got, want) || len(cursors) != len(notes) {
			t.Fatalf("%s: %v with %d cursors, want %v", name, got, len(cursors), want)
		}
		if !(cursors[0] > cursors[1] && cursors[1] > cursors[2]) {
			t.Errorf("%s: cursors %v, want newest first", name, cursors)
		}
		older, _, err := list(ctx, alice.ID, storage.Page{Before: cursors[0], Limit: 1})
		if err != nil || !slices.Equal(ids(older), want[1:2]) {
			t.Errorf("%s before %d: %v (%v), want %v", name, cursors[0], ids(older), err, want[1:2])
		}
		newer, _, err := list(ctx, alice.ID, storage.Page{After: cursors[2], Limit: 1})
		if err != nil || !slices.Equal(ids(newer), want[1:2]) {
			t.Errorf("%s after %d: %v (%v), want %v", name, cursors[2], ids(newer), err, want[1:2])
		}
		if none, _, err := list(ctx, bob.ID, storage.Page{}); err != nil || len(none) != 0 {
			t.Errorf("%s of bob: %v (%v), want none", name, ids(none), err)
		}
	}

	st, err := db.ViewerState(ctx, alice.ID, []int64{public.ID, own.ID, private.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Bookmarked[public.ID] || !st.Liked[own.ID] || !st.Pinned[own.ID] || st.Pinned[public.ID] || st.Boosted[public.ID] {
		t.Errorf("viewer state %+v", st)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.Bookmark(ctx, alice.ID, public.ID, false, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if st, err := db.ViewerState(ctx, alice.ID, []int64{public.ID}); err != nil || st.Bookmarked[public.ID] || !st.Liked[public.ID] {
		t.Errorf("after unbookmarking: %+v (%v)", st, err)
	}
}

// TestListActorNotesTagged: an account's notes with one hashtag, in any case, so that a
// filtered page is full; pinned notes take the same filters.
func TestListActorNotesTagged(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	tagged := mustNote(t, db, alice, "tagged", storage.Public, storage.Tag{Type: "Hashtag", Name: "#cats", Href: "x"})
	mustNote(t, db, alice, "other", storage.Public, storage.Tag{Type: "Hashtag", Name: "#dogs", Href: "x"})
	mustNote(t, db, alice, "plain", storage.Public)
	notes, err := db.ListActorNotes(ctx, alice.ID, 0, storage.Page{Tag: "Cats"})
	if err != nil || len(notes) != 1 || notes[0].ID != tagged.ID {
		t.Fatalf("tagged cats: %d notes (%v), want the one", len(notes), err)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.Pin(ctx, alice.ID, tagged.ID, true) }); err != nil {
		t.Fatal(err)
	}
	for tag, want := range map[string]int{"cats": 1, "dogs": 0, "": 1} {
		if pinned, err := db.ListPinned(ctx, alice.ID, 0, storage.Page{Tag: tag}); err != nil || len(pinned) != want {
			t.Errorf("pinned tagged %q: %d (%v), want %d", tag, len(pinned), err, want)
		}
	}
}
