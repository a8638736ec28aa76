package inbox

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// remoteGroup stores a remote actor of type Group under base, as a Lemmy community.
func (r *rig) remoteGroup(base, name string) *storage.Actor {
	r.t.Helper()
	g := r.remote(base, name)
	g.Type = federation.TypeGroup
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(r.ctx, g) }); err != nil {
		r.t.Fatal(err)
	}
	return g
}

// inner is a member's activity of typ about object (a *federation.Note to embed, or an id),
// as the group relays it.
func (r *rig) inner(t *testing.T, by *storage.Actor, typ string, object any) *federation.Activity {
	t.Helper()
	a := r.act(by, typ)
	switch o := object.(type) {
	case string:
		a.Object = federation.Object{ID: o}
	case *federation.Note:
		raw, err := federation.EncodeNote(o)
		if err != nil {
			t.Fatal(err)
		}
		a.Object = federation.Object{ID: o.ID, Type: o.Type, Raw: raw}
	}
	return a
}

// serveNote puts a note at its origin.
func serveNote(t *testing.T, o *origin, doc *federation.Note) {
	t.Helper()
	body, err := federation.EncodeNote(doc)
	if err != nil {
		t.Fatal(err)
	}
	o.serve(doc.ID, body)
}

// TestGroupAnnounce: a group's Announce of its member's activity (FEP-1b12, as Lemmy sends
// it) brings the member's post, as its origin has it, to the home feeds of the accounts
// here that follow the group, as the group's boost; what is not the member's, and what is
// not a post, is refused or ignored.
func TestGroupAnnounce(t *testing.T) {
	r := newRig(t)
	carol := r.local("carol", false)
	o := r.origin()
	group := r.remoteGroup(o.URL, "cats")
	quiet := r.remoteGroup(o.URL, "quiet") // followed by nobody here
	picard := r.remote(o.URL, "picard")
	riker := r.remote(o.URL, "riker")
	person := r.remote(o.URL, "person") // not a group, followed by carol
	r.follow(carol, group, true)
	r.follow(carol, person, true)

	public := []string{federation.PublicCollection, group.URI}
	post := noteDoc(picard, "1", "<p>as its origin has it</p>", public, nil)
	serveNote(t, o, post)
	forged := *post
	forged.Content = "<p>as the group says it</p>"
	inGroup := noteDoc(picard, "2", "<p>names its group</p>", public, nil)
	inGroup.Audience = o.URL + "/users/other-group"
	serveNote(t, o, inGroup)
	byRiker := noteDoc(riker, "3", "<p>riker's</p>", public, nil)
	serveNote(t, o, byRiker)
	reply := noteDoc(picard, "4", "<p>a comment</p>", public, nil)
	reply.InReplyTo = post.ID
	serveNote(t, o, reply)
	byID := noteDoc(picard, "5", "<p>relayed by id</p>", public, nil)
	serveNote(t, o, byID)
	create := r.inner(t, picard, federation.TypeCreate, byID.ID)
	createBody, err := federation.EncodeActivity(create, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.serve(create.ID, createBody)
	boosted := noteDoc(riker, "6", "<p>boosted as Guppe boosts</p>", public, nil)
	serveNote(t, o, boosted)

	rows := []struct {
		name     string
		by       *storage.Actor
		object   any // an inner activity to embed, or an id
		want     Result
		wantKind storage.Kind
		note     string // stored afterwards, with content and audience
		content  string
		audience string
		inFeed   bool // in carol's feed, boosted by the group
	}{
		{"a relayed Create is taken from the origin, not from the group's copy", group,
			r.inner(t, picard, federation.TypeCreate, &forged), Stored, "", post.ID, post.Content, group.URI, true},
		{"a post that names its group keeps it", group,
			r.inner(t, picard, federation.TypeCreate, inGroup), Stored, "", inGroup.ID, inGroup.Content, inGroup.Audience, true},
		{"a comment is kept for its thread, not pushed to the feeds", group,
			r.inner(t, picard, federation.TypeCreate, reply), Stored, "", reply.ID, reply.Content, group.URI, false},
		{"an activity named by its id is fetched from its origin", group, create.ID, Stored, "", byID.ID, byID.Content, group.URI, true},
		{"a group's plain boost of a note still works", group, boosted.ID, Stored, "", boosted.ID, boosted.Content, "", true},
		{"a post by someone other than the activity's actor is refused", group,
			r.inner(t, picard, federation.TypeCreate, byRiker.ID), "", storage.Forbidden, "", "", "", false},
		{"a post its origin does not have is refused", group,
			r.inner(t, picard, federation.TypeCreate, o.URL+"/users/picard/statuses/404"), "", storage.NotFound, "", "", "", false},
		{"a vote is ignored", group, r.inner(t, picard, federation.TypeLike, post.ID), Ignored, "", "", "", "", false},
		{"a dislike is ignored", group, r.inner(t, picard, "Dislike", post.ID), Ignored, "", "", "", "", false},
		{"an Undo is ignored", group, r.inner(t, picard, federation.TypeUndo, o.URL+"/activities/x"), Ignored, "", "", "", "", false},
		{"a group nobody here follows is ignored", quiet,
			r.inner(t, riker, federation.TypeCreate, byRiker.ID), Ignored, "", "", "", "", false},
		{"an account that is not a group relaying an activity is ignored", person,
			r.inner(t, riker, federation.TypeCreate, byRiker.ID), Ignored, "", "", "", "", false},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			act := r.act(row.by, federation.TypeAnnounce)
			if !r.deliver(t, row.by, act, row.object, row.want, row.wantKind) {
				if _, err := r.db.GetNoteByURI(r.ctx, byRiker.ID); err == nil {
					t.Errorf("riker's post was stored")
				}
				return
			}
			n, err := r.db.GetNoteByURI(r.ctx, row.note)
			if err != nil {
				t.Fatal(err)
			}
			if n.Content != row.content || n.Audience != row.audience || n.Announces != 1 {
				t.Errorf("stored %q in %q with %d boosts; want %q in %q with 1", n.Content, n.Audience, n.Announces, row.content, row.audience)
			}
			if got := slices.Contains(r.feed(carol), n.URI+" "+row.by.URI); got != row.inFeed {
				t.Errorf("carol's feed %v: boosted by the group %v, want %v", r.feed(carol), got, row.inFeed)
			}
		})
	}
}

// TestGroupAnnounceOfDelete: a Delete the group relays deletes the post only when its
// origin says it is gone (404, 410 or a Tombstone); an Update refetches the post.
func TestGroupAnnounceOfDelete(t *testing.T) {
	r := newRig(t)
	carol := r.local("carol", false)
	o := r.origin()
	group := r.remoteGroup(o.URL, "cats")
	picard := r.remote(o.URL, "picard")
	r.follow(carol, group, true)
	public := []string{federation.PublicCollection, group.URI}

	standing := noteDoc(picard, "1", "<p>still here</p>", public, nil)
	serveNote(t, o, standing)
	missing := noteDoc(picard, "2", "<p>gone: 404</p>", public, nil)
	tomb := noteDoc(picard, "3", "<p>gone: a Tombstone</p>", public, nil)
	o.serve(tomb.ID, []byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"`+tomb.ID+`","type":"Tombstone"}`))
	edited := noteDoc(picard, "4", "<p>before</p>", public, nil)
	for _, doc := range []*federation.Note{standing, missing, tomb, edited} {
		r.stored(picard, doc)
	}
	after := *edited
	after.Content, after.Updated = "<p>after</p>", time.Now().Add(time.Minute)
	serveNote(t, o, &after)

	rows := []struct {
		name    string
		typ     string
		note    string
		want    Result
		deleted bool
		content string
	}{
		{"a post its origin still serves stays", federation.TypeDelete, standing.ID, Ignored, false, standing.Content},
		{"a post its origin answers 404 for goes", federation.TypeDelete, missing.ID, Stored, true, ""},
		{"a post its origin serves as a Tombstone goes", federation.TypeDelete, tomb.ID, Stored, true, ""},
		{"an Update is taken from the origin", federation.TypeUpdate, edited.ID, Stored, false, after.Content},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			inner := r.inner(t, picard, row.typ, row.note)
			if row.typ == federation.TypeUpdate {
				forged := after
				forged.Content = "<p>the group's copy</p>"
				inner = r.inner(t, picard, row.typ, &forged)
			}
			r.deliver(t, group, r.act(group, federation.TypeAnnounce), inner, row.want, "")
			n, err := r.db.GetNoteByURI(r.ctx, row.note)
			if err != nil {
				t.Fatal(err)
			}
			if n.Deleted() != row.deleted || (!row.deleted && n.Content != row.content) {
				t.Errorf("deleted %v, content %q; want deleted %v, content %q", n.Deleted(), n.Content, row.deleted, row.content)
			}
		})
	}
}

// TestGroupAnnounceForged: an Announce that claims a group's id but is signed by another
// key is refused at the door, storing nothing.
func TestGroupAnnounceForged(t *testing.T) {
	r := newRig(t)
	carol := r.local("carol", false)
	o := r.origin()
	group := r.remoteGroup(o.URL, "cats")
	mallory := r.remote(o.URL, "mallory")
	r.follow(carol, group, true)
	post := noteDoc(mallory, "1", "<p>spam</p>", []string{federation.PublicCollection}, nil)
	serveNote(t, o, post)
	privPEM, _ := testKey()
	key, err := federation.ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, signer := range []*storage.Actor{mallory, group} {
		act := r.act(group, federation.TypeAnnounce)
		body, err := federation.EncodeActivity(act, r.inner(t, mallory, federation.TypeCreate, post.ID))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, testBase+"/inbox", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/activity+json")
		if err := federation.SignRequest(req, body, federation.Signer{KeyID: signer.KeyID, Key: key}, time.Now()); err != nil {
			t.Fatal(err)
		}
		before := r.counts()
		got, err := r.in.Receive(r.ctx, req, body, nil)
		if signer == group {
			// The control: the same Announce, signed by the group, is taken.
			if got != Stored || err != nil {
				t.Fatalf("signed by the group: %q, %v; want stored", got, err)
			}
			continue
		}
		if kindOf(err) != storage.Unauthorized {
			t.Fatalf("signed by %s: %q, %v; want Unauthorized", signer.URI, got, err)
		}
		r.unchanged(t, before)
	}
	n, err := r.db.GetNoteByURI(r.ctx, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.feed(carol), n.URI+" "+group.URI) {
		t.Errorf("carol's feed %v lacks the group's boost", r.feed(carol))
	}
}
