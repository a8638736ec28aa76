package outbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// audience makes alice, followed by the local bob and by fan of remote.test (a server with
// a shared inbox), and men of third.test, whom she may mention, with a public note of his.
func (r *rig) audience() (alice, bob, men *storage.Actor, theirs *storage.Note) {
	r.t.Helper()
	alice, bob = r.account("alice", false), r.account("bob", false)
	r.follow(bob, alice, true)
	r.follow(r.remote("remote.test", "fan", true), alice, true)
	men = r.remote("third.test", "men", true)
	return alice, bob, men, r.remoteNote(men, "1")
}

func TestReact(t *testing.T) {
	r := newRig(t)
	alice, bob, _, theirs := r.audience()
	carol := r.account("carol", false)
	local := r.post(carol, NoteInput{Content: "local"})
	hidden := r.post(carol, NoteInput{Content: "carol's followers only", Visibility: "followers"})
	own := r.post(alice, NoteInput{Content: "my followers only", Visibility: "followers"})
	rows := []struct {
		name     string
		kind     storage.ReactionKind
		note     *storage.Note
		wantKind storage.Kind
		inboxes  []string
		notified bool // carol, the local author, is told
		boosted  bool // the boost reaches bob's feed
	}{
		{"a Like of a remote note goes to its author's server", storage.Like, theirs, "", []string{"https://third.test/inbox"}, false, false},
		{"a Like of a local note notifies its author, sends nothing", storage.Like, local, "", []string{}, true, false},
		{"a boost of a local note goes to followers and their feeds", storage.Announce, local, "",
			[]string{"https://remote.test/inbox"}, true, true},
		{"a boost of a remote note goes to its author and to followers", storage.Announce, theirs, "",
			[]string{"https://remote.test/inbox", "https://third.test/inbox"}, false, true},
		{"a note the actor may not see", storage.Like, hidden, storage.NotFound, nil, false, false},
		{"a followers-only note is not boosted", storage.Announce, own, storage.Forbidden, nil, false, false},
		{"a note that does not exist", storage.Like, &storage.Note{URI: carol.URI + "/statuses/none"}, storage.NotFound, nil, false, false},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var got *storage.Reaction
			if !r.try(t, row.wantKind, func() (err error) {
				got, err = r.s.React(r.ctx, alice, row.kind, row.note.URI)
				return err
			}) {
				return
			}
			if stored, err := r.db.GetReaction(r.ctx, row.kind, alice.ID, row.note.ID); err != nil || stored.URI != got.URI {
				t.Errorf("reaction stored %+v, %v; want %s", stored, err, got.URI)
			}
			if a := r.activity(got.URI); a.Type != string(row.kind) || a.ObjectURI != row.note.URI {
				t.Errorf("activity %+v", a)
			}
			if inboxes := r.inboxes(got.URI); !slices.Equal(inboxes, row.inboxes) {
				t.Errorf("queued for %v, want %v", inboxes, row.inboxes)
			}
			if n := r.notified(carol, storage.NotificationKind(strings.ToLower(string(row.kind))), alice, row.note); (n == 1) != row.notified {
				t.Errorf("carol notified %d times of a %s, want notified: %v", n, row.kind, row.notified)
			}
			if r.inFeed(bob, row.note, alice) != row.boosted {
				t.Errorf("boost in bob's feed: %v, want %v", !row.boosted, row.boosted)
			}
			before := r.counts()
			again, err := r.s.React(r.ctx, alice, row.kind, row.note.URI)
			if err != nil || again.URI != got.URI {
				t.Errorf("reacting again: %+v, %v; want the same %s", again, err, got.URI)
			}
			r.unchanged(t, before)
		})
	}
}

func TestUnreact(t *testing.T) {
	r := newRig(t)
	alice, bob, _, theirs := r.audience()
	mine := r.post(bob, NoteInput{Content: "local"})
	untouched := r.post(bob, NoteInput{Content: "never liked"})
	liked, err := r.s.React(r.ctx, alice, storage.Like, theirs.URI)
	if err != nil {
		t.Fatal(err)
	}
	boosted, err := r.s.React(r.ctx, alice, storage.Announce, mine.URI)
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name     string
		kind     storage.ReactionKind
		note     string
		done     *storage.Reaction
		wantKind storage.Kind
		inboxes  []string
	}{
		{"an unlike is sent to the author's server", storage.Like, theirs.URI, liked, "", []string{"https://third.test/inbox"}},
		{"an unboost is sent to followers", storage.Announce, mine.URI, boosted, "", []string{"https://remote.test/inbox"}},
		{"what was never done", storage.Like, untouched.URI, nil, storage.NotFound, nil},
		{"what was done once and undone already", storage.Like, theirs.URI, nil, storage.NotFound, nil},
		{"a note that does not exist", storage.Like, bob.URI + "/statuses/none", nil, storage.NotFound, nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if !r.try(t, row.wantKind, func() error { return r.s.Unreact(r.ctx, alice, row.kind, row.note) }) {
				return
			}
			if _, err := r.db.GetReactionByURI(r.ctx, row.kind, row.done.URI); storage.KindOf(err) != storage.NotFound {
				t.Errorf("reaction still there: %v", err)
			}
			undo := r.activity(row.done.URI + "/undo")
			if undo.Type != federation.TypeUndo {
				t.Errorf("sent a %s", undo.Type)
			}
			if got := r.inboxes(undo.URI); !slices.Equal(got, row.inboxes) {
				t.Errorf("Undo queued for %v, want %v", got, row.inboxes)
			}
		})
	}
	if r.inFeed(bob, mine, alice) {
		t.Error("the undone boost is still in a follower's feed")
	}
}

func TestDeleteNote(t *testing.T) {
	r := newRig(t)
	alice, bob, _, parent := r.audience()
	quiet := r.remote("fourth.test", "quiet", false)
	gone := r.post(alice, NoteInput{Content: "deleted already"})
	if err := r.s.DeleteNote(r.ctx, alice, gone.URI); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name     string
		author   *storage.Actor
		in       NoteInput // posted by author before alice deletes it; zero for the rows below
		uri      string    // when not a new note
		wantKind storage.Kind
		// The servers the Delete is queued for: those the Create went to.
		inboxes []string
	}{
		{"her own note: a tombstone, the Delete sent where the Create went",
			alice, NoteInput{Content: "oops @men@third.test"}, "", "", []string{"https://remote.test/inbox", "https://third.test/inbox"}},
		{"a reply: the Delete goes to the author replied to as well", alice, NoteInput{Content: "a reply", InReplyTo: parent.URI},
			"", "", []string{"https://remote.test/inbox", "https://third.test/inbox"}},
		{"a note a client addressed to someone it does not mention: the Delete goes there too", alice,
			NoteInput{Content: "psst", Mentions: []string{quiet.URI}}, "", "", []string{"https://fourth.test/users/quiet/inbox", "https://remote.test/inbox"}},
		{"a direct note: the Delete goes only where the note went", alice,
			NoteInput{Content: "@men@third.test between us", Visibility: "direct"}, "", "", []string{"https://third.test/inbox"}},
		{"someone else's note", bob, NoteInput{Content: "bob's"}, "", storage.Forbidden, nil},
		{"a note deleted already", nil, NoteInput{}, gone.URI, storage.Gone, nil},
		{"a note that does not exist", nil, NoteInput{}, alice.URI + "/statuses/none", storage.NotFound, nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			uri := row.uri
			if row.author != nil {
				uri = r.post(row.author, row.in).URI
			}
			if !r.try(t, row.wantKind, func() error { return r.s.DeleteNote(r.ctx, alice, uri) }) {
				if n, err := r.db.GetNoteByURI(r.ctx, uri); err == nil && row.author != nil && n.Deleted() {
					t.Error("the note was deleted all the same")
				}
				return
			}
			n, err := r.db.GetNoteByURI(r.ctx, uri)
			if err != nil || !n.Deleted() || n.Content != "" || r.inFeed(bob, n, nil) {
				t.Errorf("afterwards %+v, %v; want a tombstone out of every feed", n, err)
			}
			doc, err := federation.DecodeActivity([]byte(r.activity(uri + "#delete").JSON))
			if err != nil || doc.Type != federation.TypeDelete || doc.Object.Type != federation.TypeTombstone || doc.Object.ID != uri {
				t.Errorf("Delete stored %+v, %v", doc, err)
			}
			if got := r.inboxes(uri + "#delete"); !slices.Equal(got, row.inboxes) {
				t.Errorf("Delete queued for %v, want %v", got, row.inboxes)
			}
		})
	}
}

func TestUpdateNote(t *testing.T) {
	r := newRig(t)
	alice, bob, _, _ := r.audience()
	theirs := r.post(bob, NoteInput{Content: "bob's"})
	gone := r.post(alice, NoteInput{Content: "deleted"})
	if err := r.s.DeleteNote(r.ctx, alice, gone.URI); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name     string
		uri      string // "" for a new note of alice's
		in       NoteInput
		wantKind storage.Kind
	}{
		{"her own note: the text replaced, the Update sent to followers and the mentioned", "",
			NoteInput{Content: "edited for @men@third.test", Language: "en"}, ""},
		{"empty text", "", NoteInput{Content: " "}, storage.Invalid},
		{"someone else's note", theirs.URI, NoteInput{Content: "mine now"}, storage.Forbidden},
		{"a deleted note", gone.URI, NoteInput{Content: "back"}, storage.Gone},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			uri := row.uri
			if uri == "" {
				uri = r.post(alice, NoteInput{Content: "first draft", Visibility: "unlisted"}).URI
			}
			old, _ := r.db.GetNoteByURI(r.ctx, uri)
			var n *storage.Note
			updated := r.try(t, row.wantKind, func() (err error) {
				n, err = r.s.UpdateNote(r.ctx, alice, uri, row.in)
				return err
			})
			got, _ := r.db.GetNoteByURI(r.ctx, uri)
			if !updated {
				if got.Content != old.Content {
					t.Errorf("content %q after a refused edit, was %q", got.Content, old.Content)
				}
				return
			}
			if got.Source != row.in.Content || !strings.Contains(got.Content, "edited for") || got.Updated.IsZero() ||
				got.Visibility != storage.Unlisted || got.Language != "en" || len(got.Tags) != 1 {
				t.Errorf("afterwards %+v", got)
			}
			updates := r.queued(func(a *storage.Activity) bool { return a.Type == federation.TypeUpdate && a.ObjectURI == uri })
			if want := []string{"https://remote.test/inbox", "https://third.test/inbox"}; !slices.Equal(updates, want) {
				t.Errorf("Update queued for %v, want %v", updates, want)
			}
			if n.Source != row.in.Content {
				t.Errorf("returned %+v", n)
			}
		})
	}
}

// TestUpdateAndDeleteGoWhereTheCreateWent: every server a note's Create went to (the
// followers', those it mentions, the author it replies to, whoever a client addressed)
// hears of its Update and its Delete; an edit that mentions someone new reaches them too,
// and so does the Delete after it.
func TestUpdateAndDeleteGoWhereTheCreateWent(t *testing.T) {
	r := newRig(t)
	alice, _, _, parent := r.audience()
	quiet := r.remote("fourth.test", "quiet", false)
	r.remote("fifth.test", "late", true)
	rows := []struct {
		name  string
		in    NoteInput
		edit  string
		added []string // inboxes the edit reaches beyond the Create's
	}{
		{"a public note", NoteInput{Content: "hello"}, "hello again", nil},
		{"a note that mentions", NoteInput{Content: "hi @men@third.test"}, "hi again @men@third.test", nil},
		{"a mention the edit drops", NoteInput{Content: "hi @men@third.test"}, "hi nobody", nil},
		{"a reply", NoteInput{Content: "agreed", InReplyTo: parent.URI}, "agreed, mostly", nil},
		{"a followers-only reply", NoteInput{Content: "agreed", InReplyTo: parent.URI, Visibility: "followers"}, "quietly", nil},
		{"addressed by a client to someone it does not mention", NoteInput{Content: "psst", Mentions: []string{quiet.URI}}, "psst!", nil},
		{"a direct reply", NoteInput{Content: "@men@third.test just us", InReplyTo: parent.URI, Visibility: "direct"},
			"@men@third.test still us", nil},
		{"an edit that mentions someone new", NoteInput{Content: "hello"}, "hello @late@fifth.test", []string{"https://fifth.test/inbox"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			n := r.post(alice, row.in)
			want := append(r.inboxes(uris.NoteActivity(n.URI)), row.added...)
			slices.Sort(want)
			if _, err := r.s.UpdateNote(r.ctx, alice, n.URI, NoteInput{Content: row.edit}); err != nil {
				t.Fatal(err)
			}
			updates := r.queued(func(a *storage.Activity) bool { return a.Type == federation.TypeUpdate && a.ObjectURI == n.URI })
			if !slices.Equal(updates, want) {
				t.Errorf("Update queued for %v, want %v", updates, want)
			}
			if err := r.s.DeleteNote(r.ctx, alice, n.URI); err != nil {
				t.Fatal(err)
			}
			if deletes := r.inboxes(uris.Delete(n.URI)); !slices.Equal(deletes, want) {
				t.Errorf("Delete queued for %v, want %v", deletes, want)
			}
		})
	}
}

func TestUpdateProfile(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	r.follow(r.remote("remote.test", "f1", true), alice, true)
	r.follow(r.remote("remote.test", "f2", true), alice, true)
	r.follow(r.remote("other.test", "f3", false), alice, true)
	long := strings.Repeat("x", 256)
	five := []storage.Field{{Name: "1"}, {Name: "2"}, {Name: "3"}, {Name: "4"}, {Name: "5"}}
	rows := []struct {
		name     string
		in       ProfileInput
		wantKind storage.Kind
	}{
		{"name, bio, lock and fields; an Update to each follower server", ProfileInput{Name: "Alice A.",
			Summary: "I write #go", Locked: true, Fields: []storage.Field{{Name: "site", Value: "https://alice.example"}, {}}}, ""},
		{"a name over 100 characters", ProfileInput{Name: long[:101]}, storage.Invalid},
		{"more than four fields", ProfileInput{Fields: five}, storage.Invalid},
		{"a field over 255 characters", ProfileInput{Fields: []storage.Field{{Name: "x", Value: long}}}, storage.Invalid},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var got *storage.Actor
			updated := r.try(t, row.wantKind, func() (err error) {
				got, err = r.s.UpdateProfile(r.ctx, alice, row.in)
				return err
			})
			stored, _ := r.db.GetActorByID(r.ctx, alice.ID)
			if !updated {
				if stored.Name != "" && stored.Name != "Alice A." {
					t.Errorf("name %q after a refused update", stored.Name)
				}
				return
			}
			if stored.Name != "Alice A." || !stored.Locked || !strings.Contains(stored.Summary, `href="http://local.test/tags/go"`) ||
				len(stored.Fields) != 1 || !strings.Contains(stored.Fields[0].Value, `<a href="https://alice.example"`) ||
				got.Name != stored.Name || stored.PublicKeyPEM != alice.PublicKeyPEM {
				t.Errorf("stored %+v", stored)
			}
			updates := r.queued(func(a *storage.Activity) bool { return a.Type == federation.TypeUpdate && a.ObjectURI == alice.URI })
			if want := []string{"https://other.test/users/f3/inbox", "https://remote.test/inbox"}; !slices.Equal(updates, want) {
				t.Errorf("Update queued for %v, want %v", updates, want)
			}
		})
	}
}

func TestPin(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	bob := r.account("bob", false)
	public := r.post(alice, NoteInput{Content: "pin me"})
	direct := r.post(alice, NoteInput{Content: "@bob secret", Visibility: "direct"})
	theirs := r.post(bob, NoteInput{Content: "bob's"})
	followers := r.post(alice, NoteInput{Content: "for followers", Visibility: "followers"})
	gone := r.post(alice, NoteInput{Content: "gone"})
	if err := r.s.DeleteNote(r.ctx, alice, gone.URI); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name     string
		note     *storage.Note
		pinned   bool
		wantKind storage.Kind
		want     []*storage.Note // pinned afterwards
	}{
		{"her own public note", public, true, "", []*storage.Note{public}},
		{"pinning twice is no error", public, true, "", []*storage.Note{public}},
		{"a direct note", direct, true, storage.Invalid, []*storage.Note{public}},
		{"someone else's note", theirs, true, storage.Invalid, []*storage.Note{public}},
		{"a followers-only note, as on Mastodon", followers, true, "", []*storage.Note{followers, public}},
		{"a deleted note", gone, true, storage.Gone, []*storage.Note{followers, public}},
		{"unpinning", public, false, "", []*storage.Note{followers}},
		{"unpinning a direct note", direct, false, "", []*storage.Note{followers}},
		{"unpinning the followers-only note", followers, false, "", nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if err := r.s.Pin(r.ctx, alice, row.note.URI, row.pinned); kindOf(err) != row.wantKind {
				t.Fatalf("pin: %v, want kind %q", err, row.wantKind)
			}
			list, err := r.db.ListPinned(r.ctx, alice.ID, alice.ID, storage.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := noteURIs(list), noteURIs(row.want); !slices.Equal(got, want) {
				t.Errorf("pinned %v, want %v", got, want)
			}
		})
	}
}

// TestPinLimit: an account pins at most MaxPinned notes; pinning one of them again is no
// error, and unpinning makes room.
func TestPinLimit(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	var notes []*storage.Note
	for i := range MaxPinned + 1 {
		notes = append(notes, r.post(alice, NoteInput{Content: fmt.Sprintf("note %d", i)}))
	}
	for _, n := range notes[:MaxPinned] {
		if err := r.s.Pin(r.ctx, alice, n.URI, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.s.Pin(r.ctx, alice, notes[MaxPinned].URI, true); kindOf(err) != storage.Invalid {
		t.Fatalf("pin past the limit: %v, want Invalid", err)
	}
	if err := r.s.Pin(r.ctx, alice, notes[0].URI, true); err != nil {
		t.Fatalf("pin a pinned note again at the limit: %v", err)
	}
	if err := r.s.Pin(r.ctx, alice, notes[0].URI, false); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Pin(r.ctx, alice, notes[MaxPinned].URI, true); err != nil {
		t.Fatalf("pin after unpinning one: %v", err)
	}
	list, err := r.db.ListPinned(r.ctx, alice.ID, alice.ID, storage.Page{})
	if err != nil || len(list) != MaxPinned {
		t.Fatalf("pinned %d (%v), want %d", len(list), err, MaxPinned)
	}
}

// noteURIs lists the ids of notes.
func noteURIs(notes []*storage.Note) []string {
	out := []string{}
	for _, n := range notes {
		out = append(out, n.URI)
	}
	return out
}

// TestBookmark: an account bookmarks what it may read, and only that; a bookmark stores no
// activity and queues nothing, as it is the account's own; taking one away needs no right
// to read the note.
func TestBookmark(t *testing.T) {
	r := newRig(t)
	alice, bob := r.account("alice", false), r.account("bob", false)
	carol := r.remote("peer.example", "carol", true)
	r.follow(carol, bob, true) // so that anything bob federated would be queued
	hidden := r.post(alice, NoteInput{Content: "followers only", Visibility: "followers"})
	public := r.post(alice, NoteInput{Content: "for all"})
	before, err := r.db.RowCounts(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.s.Bookmark(r.ctx, bob, hidden.URI, true); kindOf(err) != storage.NotFound {
		t.Fatalf("bookmark a hidden note: %v, want NotFound", err)
	}
	if err := r.s.Bookmark(r.ctx, bob, public.URI, true); err != nil {
		t.Fatal(err)
	}
	after, err := r.db.RowCounts(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range after {
		want := before[table]
		if table == "bookmarks" {
			want++
		}
		if n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
	if err := r.s.Bookmark(r.ctx, bob, hidden.URI, false); err != nil {
		t.Errorf("unbookmark a hidden note never bookmarked: %v", err)
	}
	if err := r.s.Bookmark(r.ctx, bob, public.URI, false); err != nil {
		t.Fatal(err)
	}
	if list, _, err := r.db.ListBookmarked(r.ctx, bob.ID, storage.Page{}); err != nil || len(list) != 0 {
		t.Errorf("after unbookmarking: %d (%v)", len(list), err)
	}
}

// TestCountOutboxMatchesList: the outbox's totalItems, which comes from kept counts, is what
// its pages list — for its owner and for anyone else — through public, unlisted,
// followers-only and direct posts, a deleted one, boosts, a boost undone, and a boost of a
// note deleted since.
func TestCountOutboxMatchesList(t *testing.T) {
	r := newRig(t)
	alice, _, men, theirs := r.audience()
	carol := r.account("carol", false)
	for _, v := range []string{"", "unlisted", "followers", "direct"} {
		r.post(alice, NoteInput{Content: "a " + v + " post", Visibility: v, Mentions: []string{men.URI}})
	}
	gone := r.post(alice, NoteInput{Content: "soon gone"})
	check := func(step string) {
		t.Helper()
		for _, owner := range []bool{false, true} {
			count, err := r.db.CountOutbox(r.ctx, alice.ID, owner)
			if err != nil {
				t.Fatal(err)
			}
			listed := 0
			for p := (storage.Page{Limit: 2}); ; {
				acts, err := r.db.ListOutbox(r.ctx, alice.ID, owner, p)
				if err != nil {
					t.Fatal(err)
				}
				listed += len(acts)
				if len(acts) < 2 {
					break
				}
				p.Before = acts[len(acts)-1].ID
			}
			if count != listed {
				t.Errorf("%s (owner %v): counted %d, listed %d", step, owner, count, listed)
			}
		}
	}
	check("posts")
	if err := r.s.DeleteNote(r.ctx, alice, gone.URI); err != nil {
		t.Fatal(err)
	}
	check("a post deleted")
	carols := r.post(carol, NoteInput{Content: "carol's"})
	for _, n := range []*storage.Note{theirs, carols} {
		if _, err := r.s.React(r.ctx, alice, storage.Announce, n.URI); err != nil {
			t.Fatal(err)
		}
	}
	check("two boosts")
	if err := r.s.Unreact(r.ctx, alice, storage.Announce, theirs.URI); err != nil {
		t.Fatal(err)
	}
	check("a boost undone")
	if err := r.s.DeleteNote(r.ctx, carol, carols.URI); err != nil {
		t.Fatal(err)
	}
	check("a boosted note deleted")
}
