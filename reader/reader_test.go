package reader

import (
	"context"
	"fmt"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig/fixture"
	"refuge/storage"
	"refuge/storage/sqldb"
)

// The instance under test; nothing is served there, the tests call the Reader.
const (
	testBase   = "http://local.test"
	testDomain = "local.test"
	remoteBase = "https://remote.test" // never connected to: no name resolves in these tests
)

// rig is a Reader on a real SQLite file that the tests fill directly, the way
// storage/sqlite's own tests do, so that each case holds exactly what it says.
type rig struct {
	t   *testing.T
	ctx context.Context
	db  *sqldb.DB
	rd  *Reader
	seq int
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db := fixture.Open(t)
	rd := &Reader{DB: db, Remote: fixture.Remote(db, testDomain), Domain: testDomain, Base: testBase}
	return &rig{t: t, ctx: context.Background(), db: db, rd: rd}
}

// actor stores a local account (base testBase) or a remote actor, fetched just now.
func (r *rig) actor(base, name string) *storage.Actor {
	r.t.Helper()
	uri := base + "/users/" + name
	a := &storage.Actor{URI: uri, Local: base == testBase, Type: federation.TypePerson, Username: name,
		Host: storage.HostOf(base), URL: base + "/@" + name, Inbox: uri + "/inbox", FollowersURI: uri + "/followers",
		KeyID: uri + "#main-key", FetchedAt: time.Now()}
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.CreateActor(r.ctx, a) }); err != nil {
		r.t.Fatal(err)
	}
	return a
}

// follow stores a follow of followee by follower, accepted or pending.
func (r *rig) follow(follower, followee *storage.Actor, accepted bool) {
	r.t.Helper()
	fixture.Follow(r.t, r.db, follower, followee, accepted)
}

// note stores a note of author, addressed the way Mastodon addresses its visibility; a
// direct note is addressed to, and mentions, the actors in mentioned. parent is "" or the
// id of the note it replies to.
func (r *rig) note(author *storage.Actor, visibility storage.Visibility, parent string, mentioned ...*storage.Actor) *storage.Note {
	r.t.Helper()
	r.seq++
	n := &storage.Note{URI: fmt.Sprintf("%s/statuses/%d", author.URI, r.seq), ActorID: author.ID, Local: author.Local,
		Content: fmt.Sprintf("<p>%s %d</p>", visibility, r.seq), Visibility: visibility, InReplyToURI: parent,
		Published: time.Now()}
	switch visibility {
	case storage.Public:
		n.To, n.Cc = []string{federation.PublicCollection}, []string{author.FollowersURI}
	case storage.Unlisted:
		n.To, n.Cc = []string{author.FollowersURI}, []string{federation.PublicCollection}
	case storage.Followers:
		n.To = []string{author.FollowersURI}
	}
	for _, m := range mentioned {
		n.Cc = append(n.Cc, m.URI)
		if visibility == storage.Direct {
			n.To, n.Cc = append(n.To, m.URI), nil
		}
		n.Tags = append(n.Tags, storage.Tag{Type: federation.TypeMention, Name: "@" + m.Handle(), Href: m.URI})
	}
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.CreateNote(r.ctx, n) }); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// deleted stores a note of author and deletes it.
func (r *rig) deleted(author *storage.Actor, parent string) *storage.Note {
	r.t.Helper()
	n := r.note(author, storage.Public, parent)
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.DeleteNote(r.ctx, n.ID, time.Now()) }); err != nil {
		r.t.Fatal(err)
	}
	n, err := r.db.GetNoteByURI(r.ctx, n.URI)
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

// kindOf is err's kind, "" for no error.
func kindOf(err error) storage.Kind {
	if err == nil {
		return ""
	}
	return storage.KindOf(err)
}

// noteURIs lists the ids of notes, for comparing lists.
func noteURIs(notes []*storage.Note) []string {
	out := []string{}
	for _, n := range notes {
		out = append(out, n.URI)
	}
	return out
}

// cast is who reads alice's notes in these tests.
type cast struct {
	alice                                                 *storage.Actor // the author
	bob, carol                                            *storage.Actor // local: an accepted follower, a pending one
	dan, eve                                              *storage.Actor // remote: one she mentions, a stranger
	anonymous, stranger, follower, pending, mentioned, me Viewer
}

func (r *rig) cast() *cast {
	c := &cast{alice: r.actor(testBase, "alice"), bob: r.actor(testBase, "bob"), carol: r.actor(testBase, "carol"),
		dan: r.actor(remoteBase, "dan"), eve: r.actor(remoteBase, "eve")}
	r.follow(c.bob, c.alice, true)
	r.follow(c.carol, c.alice, false)
	c.anonymous, c.stranger, c.follower = Viewer{}, Viewer{Remote: c.eve}, Local(c.bob)
	c.pending, c.mentioned, c.me = Local(c.carol), Viewer{Remote: c.dan}, Local(c.alice)
	return c
}

// viewers names the viewers of the cast in a fixed order, for tables.
func (c *cast) viewers() []struct {
	name string
	v    Viewer
} {
	return []struct {
		name string
		v    Viewer
	}{{"anonymous", c.anonymous}, {"stranger", c.stranger}, {"follower", c.follower}, {"pending follower", c.pending},
		{"mentioned", c.mentioned}, {"author", c.me}}
}

func TestVisible(t *testing.T) {
	r := newRig(t)
	c := r.cast()
	notes := []struct {
		name string
		n    *storage.Note
		kind map[string]storage.Kind // by viewer name; missing: visible
	}{
		{"public", r.note(c.alice, storage.Public, ""), nil},
		{"unlisted", r.note(c.alice, storage.Unlisted, ""), nil},
		{"followers-only", r.note(c.alice, storage.Followers, ""), map[string]storage.Kind{"anonymous": storage.NotFound,
			"stranger": storage.NotFound, "pending follower": storage.NotFound, "mentioned": storage.NotFound}},
		{"direct, mentioning dan", r.note(c.alice, storage.Direct, "", c.dan), map[string]storage.Kind{"anonymous": storage.NotFound,
			"stranger": storage.NotFound, "follower": storage.NotFound, "pending follower": storage.NotFound}},
		{"deleted", r.deleted(c.alice, ""), map[string]storage.Kind{"anonymous": storage.Gone, "stranger": storage.Gone,
			"follower": storage.Gone, "pending follower": storage.Gone, "mentioned": storage.Gone, "author": storage.Gone}},
	}
	for _, note := range notes {
		for _, viewer := range c.viewers() {
			t.Run(note.name+" to "+viewer.name, func(t *testing.T) {
				want := note.kind[viewer.name]
				if err := r.rd.Visible(r.ctx, viewer.v, note.n); kindOf(err) != want {
					t.Errorf("Visible: %v, want kind %q", err, want)
				}
				// By id as ActivityPub asks: a tombstone comes back with Gone, to be served as one.
				n, err := r.rd.NoteByURI(r.ctx, viewer.v, note.n.URI)
				if kindOf(err) != want || (n != nil) != (want != storage.NotFound) {
					t.Errorf("NoteByURI: %v, %v; want kind %q and a note unless NotFound", n, err, want)
				}
				// By row id, as the web pages ask: only a live, readable note.
				n, err = r.rd.NoteByID(r.ctx, viewer.v, note.n.ID)
				if kindOf(err) != want || (n != nil) != (want == "") {
					t.Errorf("NoteByID: %v, %v; want kind %q", n, err, want)
				}
			})
		}
	}
	t.Run("notes that do not exist", func(t *testing.T) {
		for _, row := range []struct {
			name string
			err  error
			want storage.Kind
		}{
			{"unknown id", second(r.rd.NoteByURI(r.ctx, c.me, c.alice.URI+"/statuses/none")), storage.NotFound},
			{"unknown row id", second(r.rd.NoteByID(r.ctx, c.me, 1<<40)), storage.NotFound},
			{"row id 0", second(r.rd.NoteByID(r.ctx, c.me, 0)), storage.Invalid},
		} {
			if kindOf(row.err) != row.want {
				t.Errorf("%s: %v, want kind %q", row.name, row.err, row.want)
			}
		}
	})
}

// second is the error of a two-valued call.
func second[T any](_ T, err error) error { return err }

func TestRelationship(t *testing.T) {
	r := newRig(t)
	c := r.cast()
	mutual := r.actor(testBase, "mutual")
	r.follow(mutual, c.alice, true)
	r.follow(c.alice, mutual, true)
	blocker, muter, quiet := r.actor(testBase, "blocker"), r.actor(testBase, "muter"), r.actor(testBase, "quiet")
	err := r.db.Update(r.ctx, func(tx storage.Tx) error {
		if _, err := tx.PutAccountBlock(r.ctx, &storage.AccountBlock{URI: blocker.URI + "/blocks/1", ActorID: blocker.ID,
			TargetID: c.bob.ID}); err != nil {
			return err
		}
		if err := tx.PutMute(r.ctx, &storage.Mute{ActorID: muter.ID, TargetID: c.bob.ID, Notifications: true}); err != nil {
			return err
		}
		// A mute that ended an hour ago is no mute.
		return tx.PutMute(r.ctx, &storage.Mute{ActorID: quiet.ID, TargetID: c.bob.ID, Expires: time.Now().Add(-time.Hour)})
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name          string
		viewer, other *storage.Actor
		want          storage.Relationship
	}{
		{"anonymous", nil, c.alice, storage.Relationship{}},
		{"her own account", c.alice, c.alice, storage.Relationship{}},
		{"no one", c.alice, nil, storage.Relationship{}},
		{"a follower looking at whom he follows", c.bob, c.alice, storage.Relationship{Following: true, ShowingReblogs: true}},
		{"a pending follower looking at whom she asked", c.carol, c.alice, storage.Relationship{Requested: true, ShowingReblogs: true}},
		{"the followed looking at her follower", c.alice, c.bob, storage.Relationship{FollowsYou: true}},
		{"the followed looking at one who only asked", c.alice, c.carol, storage.Relationship{RequestsYou: true}},
		{"both ways", c.alice, mutual, storage.Relationship{Following: true, ShowingReblogs: true, FollowsYou: true}},
		{"strangers", c.bob, c.eve, storage.Relationship{}},
		{"blocking", blocker, c.bob, storage.Relationship{Blocking: true}},
		{"blocked", c.bob, blocker, storage.Relationship{BlockedBy: true}},
		{"muting", muter, c.bob, storage.Relationship{Muting: true, MutingNotifications: true}},
		{"muted, unknowing", c.bob, muter, storage.Relationship{}},
		{"a mute that ended", quiet, c.bob, storage.Relationship{}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if got := r.rd.Relationship(r.ctx, row.viewer, row.other); got != row.want {
				t.Errorf("got %+v, want %+v", got, row.want)
			}
		})
	}
}

// TestLocalActivity: a local activity is served at its id; one about a note only to those
// who may read the note (an Undo through the activity it undoes), exactly as an unknown id
// to the others; one about actors to anyone.
func TestLocalActivity(t *testing.T) {
	r := newRig(t)
	alice := r.actor(testBase, "alice")
	bob := r.actor(remoteBase, "bob")
	carol := r.actor(testBase, "carol")
	r.follow(alice, bob, true)
	put := func(a *storage.Activity) string {
		if err := r.db.Update(r.ctx, func(tx storage.Tx) error { _, err := tx.PutActivity(r.ctx, a); return err }); err != nil {
			t.Fatal(err)
		}
		return a.URI
	}
	local := func(path, typ, object string, noteID int64) string {
		return put(&storage.Activity{URI: alice.URI + path, ActorID: alice.ID, Local: true, Type: typ, ObjectURI: object,
			NoteID: noteID, JSON: `{"type":"` + typ + `"}`})
	}
	private := r.note(bob, storage.Followers, "")
	public := r.note(bob, storage.Public, "")
	gone := r.deleted(bob, "")
	ours := local("/likes/1", "Like", "", 0)
	likePrivate := local("/likes/4", "Like", private.URI, private.ID)
	undoPrivate := local("/likes/4/undo", "Undo", likePrivate, 0)
	deletePrivate := local("/statuses/9#delete", "Delete", private.URI, 0)
	likePublic := local("/likes/5", "Like", public.URI, public.ID)
	likeGone := local("/likes/6", "Like", gone.URI, gone.ID)
	follow := local("/follows/1", "Follow", bob.URI, 0)
	undoFollow := local("/follows/1/undo", "Undo", follow, 0)
	undoMissing := local("/likes/7/undo", "Undo", alice.URI+"/likes/7", 0)
	anyone, follower, stranger := Viewer{}, Viewer{Local: alice}, Viewer{Local: carol}
	rows := []struct {
		name, uri string
		v         Viewer
		wantKind  storage.Kind
	}{
		{"a local activity with its document", ours, anyone, ""},
		{"a received activity", put(&storage.Activity{URI: bob.URI + "/likes/1", ActorID: bob.ID, Type: "Like", JSON: `{"type":"Like"}`}),
			anyone, storage.NotFound},
		{"a local activity without a document", put(&storage.Activity{URI: alice.URI + "/likes/2", ActorID: alice.ID, Local: true, Type: "Like"}),
			anyone, storage.NotFound},
		{"an unknown id", alice.URI + "/likes/3", anyone, storage.NotFound},
		{"Like of a followers-only note, anonymous", likePrivate, anyone, storage.NotFound},
		{"Like of a followers-only note, stranger", likePrivate, stranger, storage.NotFound},
		{"Like of a followers-only note, follower", likePrivate, follower, ""},
		{"Like of a followers-only note, its author", likePrivate, Viewer{Remote: bob}, ""},
		{"Undo of that Like, anonymous", undoPrivate, anyone, storage.NotFound},
		{"Undo of that Like, follower", undoPrivate, follower, ""},
		{"Delete naming the note by its object, anonymous", deletePrivate, anyone, storage.NotFound},
		{"Like of a public note, anonymous", likePublic, anyone, ""},
		{"Like of a deleted note", likeGone, anyone, storage.Gone},
		{"a Follow, anonymous", follow, anyone, ""},
		{"Undo of a Follow, anonymous", undoFollow, anyone, ""},
		{"Undo of an activity not stored", undoMissing, follower, storage.NotFound},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			act, err := r.rd.LocalActivity(r.ctx, row.v, row.uri)
			if kindOf(err) != row.wantKind || (err == nil && act.URI != row.uri) {
				t.Errorf("got %+v, %v; want kind %q", act, err, row.wantKind)
			}
			if kindOf(err) == storage.NotFound && storage.Message(err) != "no such activity" {
				t.Errorf("refused with %q, not as an unknown id", storage.Message(err))
			}
		})
	}
}
