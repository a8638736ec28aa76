package reader

import (
	"testing"
	"time"

	"refuge/storage"
)

// TestReplyParents: a page names the author of the post a reply answers only when that
// post is stored, live, readable by the viewer and not by a suspended author; the others
// are left out, for the page to say "a post".
func TestReplyParents(t *testing.T) {
	r := newRig(t)
	c := r.cast()
	open := r.note(c.alice, storage.Public, "")
	closed := r.note(c.alice, storage.Followers, "")
	remote := r.note(c.dan, storage.Public, "")
	gone := r.deleted(c.alice, "")
	replies := []*storage.Note{r.note(c.eve, storage.Public, open.URI), r.note(c.eve, storage.Public, closed.URI),
		r.note(c.eve, storage.Public, remote.URI), r.note(c.eve, storage.Public, gone.URI),
		r.note(c.eve, storage.Public, remoteBase+"/users/nobody/statuses/1"), r.note(c.eve, storage.Public, ""), nil}

	named := func(v Viewer) map[string]string {
		t.Helper()
		parents, err := r.rd.ReplyParents(r.ctx, v, replies)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for uri, p := range parents {
			out[uri] = p.Author.Username
			if want := map[string]int64{open.URI: open.ID, closed.URI: closed.ID, remote.URI: remote.ID}[uri]; p.ID != want {
				t.Errorf("parent %s has id %d, want %d", uri, p.ID, want)
			}
		}
		return out
	}
	for _, tt := range []struct {
		name string
		v    Viewer
		want map[string]string
	}{
		{"anonymous", c.anonymous, map[string]string{open.URI: "alice", remote.URI: "dan"}},
		{"pending follower", c.pending, map[string]string{open.URI: "alice", remote.URI: "dan"}},
		{"follower", c.follower, map[string]string{open.URI: "alice", closed.URI: "alice", remote.URI: "dan"}},
	} {
		if got := named(tt.v); len(got) != len(tt.want) || got[open.URI] != tt.want[open.URI] ||
			got[closed.URI] != tt.want[closed.URI] || got[remote.URI] != tt.want[remote.URI] {
			t.Errorf("%s: parents %v, want %v", tt.name, got, tt.want)
		}
	}

	// A suspended author's posts are named nowhere while the suspension lasts.
	c.dan.SuspendedAt = time.Now()
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.UpdateActor(r.ctx, c.dan) }); err != nil {
		t.Fatal(err)
	}
	if got := named(c.follower); got[remote.URI] != "" {
		t.Errorf("the post of a suspended author is named: %v", got)
	}
}
