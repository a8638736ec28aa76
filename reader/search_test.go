package reader

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"refuge/storage"
)

func TestLookupLocalAddresses(t *testing.T) {
	r := newRig(t)
	c := r.cast()
	gone := r.actor(testBase, "gone")
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.MarkActorDeleted(r.ctx, gone.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	public := r.note(c.alice, storage.Public, "")
	hidden := r.note(c.alice, storage.Followers, "")
	deleted := r.deleted(c.alice, "")
	page := func(n *storage.Note) string { return fmt.Sprintf("%s/notes/%d", testBase, n.ID) }
	rows := []struct {
		name, q  string
		v        Viewer
		actor    *storage.Actor
		note     *storage.Note
		wantKind storage.Kind
	}{
		{"a profile page", testBase + "/@alice", c.anonymous, c.alice, nil, ""},
		{"an actor id", c.alice.URI, c.anonymous, c.alice, nil, ""},
		{"a bare name", "alice", c.anonymous, c.alice, nil, ""},
		{"a local handle", "@alice@" + testDomain, c.anonymous, c.alice, nil, ""},
		{"an acct: URI", "acct:alice@" + testDomain, c.anonymous, c.alice, nil, ""},
		{"the profile page of a deleted account", testBase + "/@gone", c.anonymous, nil, nil, storage.Gone},
		{"the id of a deleted account", gone.URI, c.anonymous, nil, nil, storage.Gone},
		{"no such account", testBase + "/@nobody", c.anonymous, nil, nil, storage.NotFound},
		{"a path under an account", c.alice.URI + "/outbox", c.anonymous, nil, nil, storage.NotFound},
		{"a page that is no profile or post", testBase + "/tags/go", c.anonymous, nil, nil, storage.NotFound},
		{"a public post's page", page(public), c.anonymous, nil, public, ""},
		{"a followers-only post's page, to a follower", page(hidden), c.follower, nil, hidden, ""},
		{"a followers-only post's page, to a stranger", page(hidden), c.stranger, nil, nil, storage.NotFound},
		{"a deleted post's page", page(deleted), c.me, nil, nil, storage.Gone},
		{"a post page with no number", testBase + "/notes/first", c.anonymous, nil, nil, storage.Invalid},
		// By id, a note the viewer may not read is no result, and no error either.
		{"a followers-only post's id, to a stranger", hidden.URI, c.stranger, nil, nil, ""},
		{"a public post's id", public.URI, c.stranger, nil, public, ""},
		{"something too long to be an address", testBase + "/@" + strings.Repeat("a", 2048), c.anonymous, nil, nil, storage.Invalid},
		{"a name that is no handle", "not a handle", c.anonymous, nil, nil, storage.Invalid},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			a, n, err := r.rd.Lookup(r.ctx, row.v, row.q)
			if kindOf(err) != row.wantKind {
				t.Fatalf("lookup %q: %v, want kind %q", row.q, err, row.wantKind)
			}
			if (a == nil) != (row.actor == nil) || (a != nil && a.ID != row.actor.ID) {
				t.Errorf("actor %+v, want %+v", a, row.actor)
			}
			if (n == nil) != (row.note == nil) || (n != nil && n.ID != row.note.ID) {
				t.Errorf("note %+v, want %+v", n, row.note)
			}
		})
	}
}
