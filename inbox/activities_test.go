package inbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"refuge/federation"
	"refuge/outbox"
	"refuge/storage"
)

// public addresses a note as Mastodon addresses a public one.
func public(author *storage.Actor, cc ...string) ([]string, []string) {
	return []string{federation.PublicCollection}, append([]string{author.FollowersURI}, cc...)
}

// count counts the entries of list equal to s.
func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func TestFollow(t *testing.T) {
	r := newRig(t)
	open := r.local("open", false)
	shut := r.local("shut", true)
	stranger := r.remote(remoteBase, "stranger")
	waiting := r.local("waiting", false)
	waiting.Pending = true
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.UpdateActor(r.ctx, waiting) }); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name     string
		target   *storage.Actor
		targetID string
		wantKind storage.Kind
		accepted bool
		notice   storage.NotificationKind
		accepts  int // Accepts queued to the follower's own inbox
	}{
		{"an unlocked account accepts at once and says so", open, open.URI, "", true, storage.NotificationFollow, 1},
		{"a locked account is asked and told", shut, shut.URI, "", false, storage.NotificationFollowRequest, 0},
		{"no local account of that id", nil, testBase + "/users/nobody", storage.NotFound, false, "", 0},
		{"a remote actor is not followed through us", nil, stranger.URI, storage.NotFound, false, "", 0},
		{"an account waiting for approval is nobody yet", nil, waiting.URI, storage.NotFound, false, "", 0},
	}
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			follower := r.remote(remoteBase, fmt.Sprintf("follower%d", i))
			act := r.act(follower, federation.TypeFollow)
			if !r.deliver(t, follower, act, row.targetID, storedUnless(row.wantKind), row.wantKind) {
				return
			}
			f, err := r.db.GetFollowByURI(r.ctx, act.ID)
			if err != nil || f.FollowerID != follower.ID || f.FolloweeID != row.target.ID || f.Accepted != row.accepted {
				t.Errorf("follow stored %+v, %v; want accepted=%v", f, err, row.accepted)
			}
			if got := r.notices(row.target); count(got, string(row.notice)+" "+follower.URI) != 1 {
				t.Errorf("notifications %v, want one %s by %s", got, row.notice, follower.URI)
			}
			if got := count(r.queued(), "Accept "+follower.Inbox); got != row.accepts {
				t.Errorf("%d Accepts queued to %s, want %d (queue %v)", got, follower.Inbox, row.accepts, r.queued())
			}
		})
	}

	t.Run("a repeated Follow is accepted again without another notification", func(t *testing.T) {
		follower := r.remote(remoteBase, "again")
		for range 2 {
			r.deliver(t, follower, r.act(follower, federation.TypeFollow), open.URI, Stored, "")
		}
		if got := count(r.queued(), "Accept "+follower.Inbox); got != 2 {
			t.Errorf("%d Accepts queued, want 2: a repeated Follow means the peer lost track", got)
		}
		if got := count(r.notices(open), "follow "+follower.URI); got != 1 {
			t.Errorf("%d follow notifications, want 1", got)
		}
	})

	// As Mastodon takes it: the request stands under the newest id, and nobody is told twice.
	t.Run("a repeated request to a locked account stands, under its new id, without another notification", func(t *testing.T) {
		follower := r.remote(remoteBase, "asking")
		var last *federation.Activity
		for range 2 {
			last = r.act(follower, federation.TypeFollow)
			r.deliver(t, follower, last, shut.URI, Stored, "")
		}
		if f, err := r.db.GetFollowByURI(r.ctx, last.ID); err != nil || f.Accepted {
			t.Errorf("the request under the new id: %+v, %v; want pending", f, err)
		}
		if got := count(r.notices(shut), "follow_request "+follower.URI); got != 1 {
			t.Errorf("%d follow requests notified, want 1", got)
		}
		if got := count(r.queued(), "Accept "+follower.Inbox); got != 0 {
			t.Errorf("%d Accepts queued for a request not answered", got)
		}
	})
}

func TestAcceptAndReject(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	mallory := r.remote(remoteBase, "mallory")
	byID := func(f *storage.Follow, _ *storage.Actor) any { return f.URI }
	// As some servers send it: the Follow embedded, under an id we never gave it.
	embedded := func(_ *storage.Follow, followee *storage.Actor) any {
		return &federation.Activity{ID: followee.URI + "/their-copy-of-the-follow", Type: federation.TypeFollow,
			Actor: alice.URI, Object: federation.Object{ID: followee.URI}}
	}
	neverSent := func(_ *storage.Follow, followee *storage.Actor) any { return alice.URI + "/follows/never-sent" }
	rows := []struct {
		name      string
		typ       string
		object    func(f *storage.Follow, followee *storage.Actor) any
		byOther   bool
		wantKind  storage.Kind
		following bool // the follow is still there afterwards
		accepted  bool
	}{
		{"Accept naming the Follow by id", federation.TypeAccept, byID, false, "", true, true},
		{"Accept of an embedded Follow found by its pair", federation.TypeAccept, embedded, false, "", true, true},
		{"Accept by someone other than the followee", federation.TypeAccept, byID, true, storage.Forbidden, true, false},
		{"Accept of a Follow never sent", federation.TypeAccept, neverSent, false, storage.NotFound, true, false},
		{"Reject naming the Follow by id", federation.TypeReject, byID, false, "", false, false},
		{"Reject of an embedded Follow found by its pair", federation.TypeReject, embedded, false, "", false, false},
		{"Reject by someone other than the followee", federation.TypeReject, byID, true, storage.Forbidden, true, false},
	}
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			followee := r.remote(remoteBase, fmt.Sprintf("followee%d", i))
			f, err := r.svc.Follow(r.ctx, alice, followee.URI)
			if err != nil || f.Accepted {
				t.Fatalf("follow: %+v, %v", f, err)
			}
			signer := followee
			if row.byOther {
				signer = mallory
			}
			r.deliver(t, signer, r.act(signer, row.typ), row.object(f, followee), storedUnless(row.wantKind), row.wantKind)
			got, err := r.db.GetFollow(r.ctx, alice.ID, followee.ID)
			if row.following != (err == nil) || (err == nil && got.Accepted != row.accepted) {
				t.Errorf("follow afterwards: %+v, %v; want there=%v accepted=%v", got, err, row.following, row.accepted)
			}
		})
	}

	t.Run("a Reject takes the followee's notes out of the follower's feed", func(t *testing.T) {
		followee := r.remote(remoteBase, "rejecter")
		f := r.follow(alice, followee, true)
		to, cc := public(followee)
		r.deliver(t, followee, r.act(followee, federation.TypeCreate), noteDoc(followee, "1", "hi", to, cc), Stored, "")
		if len(r.feed(alice)) != 1 {
			t.Fatalf("feed before the Reject: %v", r.feed(alice))
		}
		r.deliver(t, followee, r.act(followee, federation.TypeReject), f.URI, Stored, "")
		if got := r.feed(alice); len(got) != 0 {
			t.Errorf("feed after the Reject: %v", got)
		}
	})
}

func TestUndo(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	note, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "boost me"})
	if err != nil {
		t.Fatal(err)
	}
	mallory := r.remote(remoteBase, "mallory")
	rows := []struct {
		name     string
		kind     string // what was done before the Undo
		link     bool   // the Undo names it by id only, without its type
		byOther  bool
		wantKind storage.Kind
		undone   bool
	}{
		{"Undo of a Follow by its follower", federation.TypeFollow, false, false, "", true},
		{"Undo of a Follow named by id only", federation.TypeFollow, true, false, "", true},
		{"Undo of a Like by its author", federation.TypeLike, false, false, "", true},
		{"Undo of a Like named by id only", federation.TypeLike, true, false, "", true},
		{"Undo of an Announce by its author", federation.TypeAnnounce, false, false, "", true},
		{"Undo of an Announce named by id only", federation.TypeAnnounce, true, false, "", true},
		{"Undo of a Follow by someone else", federation.TypeFollow, false, true, storage.Forbidden, false},
		{"Undo of a Like by someone else", federation.TypeLike, false, true, storage.Forbidden, false},
		{"Undo of an Announce named by id only, by someone else", federation.TypeAnnounce, true, true, storage.Forbidden, false},
	}
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			actor := r.remote(remoteBase, fmt.Sprintf("actor%d", i))
			done := r.act(actor, row.kind)
			target := note.URI
			if row.kind == federation.TypeFollow {
				target = alice.URI
			}
			r.deliver(t, actor, done, target, Stored, "")
			signer := actor
			if row.byOther {
				signer = mallory
			}
			var object any = &federation.Activity{ID: done.ID, Type: done.Type, Actor: done.Actor, Object: federation.Object{ID: target}}
			if row.link {
				object = done.ID
			}
			r.deliver(t, signer, r.act(signer, federation.TypeUndo), object, storedUnless(row.wantKind), row.wantKind)
			if got := r.exists(row.kind, done.ID); got == row.undone {
				t.Errorf("%s still there: %v, want %v", row.kind, got, !row.undone)
			}
		})
	}

	t.Run("Undo of something never done is ignored", func(t *testing.T) {
		r.deliver(t, mallory, r.act(mallory, federation.TypeUndo), mallory.URI+"/likes/never", Ignored, "")
	})
}

// exists reports whether the Follow, Like or Announce with activity id uri is stored.
func (r *rig) exists(kind, uri string) bool {
	r.t.Helper()
	var err error
	if kind == federation.TypeFollow {
		_, err = r.db.GetFollowByURI(r.ctx, uri)
	} else {
		_, err = r.db.GetReactionByURI(r.ctx, storage.ReactionKind(kind), uri)
	}
	if err != nil && storage.KindOf(err) != storage.NotFound {
		r.t.Fatal(err)
	}
	return err == nil
}

func TestCreate(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	carol := r.local("carol", false)
	locals := map[string]*storage.Actor{"alice": alice, "carol": carol}
	bob := r.remote(remoteBase, "bob")
	dave := r.remote(remoteBase, "dave") // followed by nobody here
	r.follow(alice, bob, true)
	root, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "what do you think?"})
	if err != nil {
		t.Fatal(err)
	}
	mention := federation.Tag{Type: federation.TypeMention, Name: "@carol@" + testDomain, Href: carol.URI}
	to, cc := public(bob)
	mentioning := noteDoc(bob, "mention", "<p>hi @carol</p>", to, append(cc, carol.URI))
	mentioning.Tags = []federation.Tag{mention}
	direct := noteDoc(bob, "direct", "<p>@carol just you</p>", []string{carol.URI}, nil)
	direct.Tags = []federation.Tag{mention}
	dto, dcc := public(dave)
	reply := noteDoc(dave, "reply", "<p>I think so</p>", dto, dcc)
	reply.InReplyTo = root.URI
	elsewhere := noteDoc(bob, "x", "hi", to, cc)
	elsewhere.ID = "https://elsewhere.test/notes/1"
	forged := noteDoc(bob, "forged", "hi", to, cc)
	forged.AttributedTo = dave.URI

	rows := []struct {
		name     string
		by       *storage.Actor
		object   any // a *federation.Note to embed or a link
		want     Result
		wantKind storage.Kind
		feeds    []string          // the local accounts whose home feed gets it
		notices  map[string]string // local account → the kind it is notified with
	}{
		{"a public note reaches the feeds of its author's followers", bob, noteDoc(bob, "public", "<p>hello</p>", to, cc),
			Stored, "", []string{"alice"}, nil},
		{"a mention notifies the account mentioned", bob, mentioning, Stored, "", []string{"alice", "carol"},
			map[string]string{"carol": "mention"}},
		{"a direct note reaches only those it addresses", bob, direct, Stored, "", []string{"carol"},
			map[string]string{"carol": "mention"}},
		{"a reply to a local note notifies its author", dave, reply, Stored, "", nil, map[string]string{"alice": "reply"}},
		{"a note of no concern to anyone here is ignored", dave, noteDoc(dave, "nobody", "hi", dto, dcc), Ignored, "", nil, nil},
		{"a note on another host is refused", bob, elsewhere, "", storage.Forbidden, nil, nil},
		{"a note attributed to another actor is refused", bob, forged, "", storage.Forbidden, nil, nil},
		{"a link to another host is refused before any fetch", bob, "https://elsewhere.test/notes/2", "", storage.Forbidden, nil, nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			act := r.act(row.by, federation.TypeCreate)
			if !r.deliver(t, row.by, act, row.object, row.want, row.wantKind) {
				return
			}
			doc := row.object.(*federation.Note)
			n, err := r.db.GetNoteByURI(r.ctx, doc.ID)
			if err != nil || n.ActorID != row.by.ID || !slices.Equal(n.To, doc.To) || !slices.Equal(n.Cc, doc.Cc) ||
				n.Visibility != federation.VisibilityOf(doc.To, doc.Cc, row.by.FollowersURI) {
				t.Fatalf("note stored %+v, %v; want to %v, cc %v", n, err, doc.To, doc.Cc)
			}
			if a, err := r.db.GetActivityByURI(r.ctx, act.ID); err != nil || a.NoteID != n.ID {
				t.Errorf("activity recorded %+v, %v", a, err)
			}
			for name, local := range locals {
				inFeed := slices.Contains(r.feed(local), n.URI)
				if inFeed != slices.Contains(row.feeds, name) {
					t.Errorf("in %s's feed: %v, want %v", name, inFeed, !inFeed)
				}
				if can, _ := r.db.CanSee(r.ctx, n.ID, local.ID); inFeed && !can {
					t.Errorf("in %s's feed but hidden from her", name)
				}
				var about []string
				for _, s := range r.notices(local) {
					if strings.HasSuffix(s, " "+n.URI) {
						about = append(about, s)
					}
				}
				var want []string
				if kind := row.notices[name]; kind != "" {
					want = []string{kind + " " + row.by.URI + " " + n.URI}
				}
				if !slices.Equal(about, want) {
					t.Errorf("%s's notifications about it: %v, want %v", name, about, want)
				}
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	bob := r.remote(remoteBase, "bob")
	bob2 := r.remote(remoteBase, "bob2") // same server, another account
	r.follow(alice, bob, true)
	to, cc := public(bob)
	edited := func(author *storage.Actor, n *storage.Note) *federation.Note {
		doc := noteDoc(author, "", "<p>edited</p>", to, cc)
		doc.ID = n.URI
		return doc
	}
	gone := r.stored(bob, noteDoc(bob, "gone", "<p>old</p>", to, cc))
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.DeleteNote(r.ctx, gone.ID, gone.Published) }); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name     string
		signer   *storage.Actor
		object   func(n *storage.Note) any
		want     Result
		wantKind storage.Kind
	}{
		{"the author replaces the content", bob, func(n *storage.Note) any { return edited(bob, n) }, Stored, ""},
		{"another account of the same server may not edit it", bob2, func(n *storage.Note) any { return edited(bob2, n) }, "", storage.Forbidden},
		{"a copy attributed to the author, sent by another, is refused", bob2, func(n *storage.Note) any { return edited(bob, n) }, "", storage.Forbidden},
		{"an edit of a note never stored is ignored", bob, func(*storage.Note) any {
			return noteDoc(bob, "unknown", "<p>edited</p>", to, cc)
		}, Ignored, ""},
		{"an edit of a deleted note is ignored", bob, func(*storage.Note) any { return edited(bob, gone) }, Ignored, ""},
	}
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			n := r.stored(bob, noteDoc(bob, fmt.Sprint(i), "<p>original</p>", to, cc))
			stored := r.deliver(t, row.signer, r.act(row.signer, federation.TypeUpdate), row.object(n), row.want, row.wantKind)
			got, err := r.db.GetNoteByURI(r.ctx, n.URI)
			if err != nil {
				t.Fatal(err)
			}
			if !stored {
				if got.Content != "<p>original</p>" {
					t.Errorf("content %q after a refused edit", got.Content)
				}
				return
			}
			if got.Content != "<p>edited</p>" || !got.Updated.After(got.Published) {
				t.Errorf("after the edit: content %q, updated %v, published %v", got.Content, got.Updated, got.Published)
			}
			// Both versions are kept, as for an edit made here: storage writes them.
			if edits, err := r.db.ListNoteEdits(r.ctx, n.ID); err != nil || len(edits) != 2 ||
				edits[0].Content != "<p>original</p>" || edits[1].Content != "<p>edited</p>" {
				t.Errorf("versions %+v (%v), want the original and the edit", edits, err)
			}
		})
	}

	o := r.origin()
	zoe := r.remote(o.URL, "zoe")
	_, pub := testKey()
	served := &federation.Actor{ID: zoe.URI, Type: federation.TypePerson, PreferredUsername: "zoe", Name: "Zoe as served",
		Inbox: zoe.Inbox, Followers: zoe.FollowersURI, PublicKey: federation.PublicKey{ID: zoe.KeyID, Owner: zoe.URI, PEM: pub}}
	doc, err := federation.EncodeActor(served)
	if err != nil {
		t.Fatal(err)
	}
	o.serve(zoe.URI, doc)
	payload := *served
	payload.Name = "Zoe as claimed"
	people := []struct {
		name     string
		signer   *storage.Actor
		object   any
		wantKind storage.Kind
		wantName string // zoe's stored name afterwards
	}{
		{"an actor's Update refetches it from its origin, not the payload", zoe, &payload, "", "Zoe as served"},
		{"an actor may not update another", bob, &payload, storage.Forbidden, "Zoe as served"},
		{"an actor whose origin cannot be reached is not updated", bob, bob.URI, storage.Transient, "Zoe as served"},
	}
	for _, row := range people {
		t.Run(row.name, func(t *testing.T) {
			r.deliver(t, row.signer, r.act(row.signer, federation.TypeUpdate), row.object, storedUnless(row.wantKind), row.wantKind)
			if a, err := r.db.GetActorByURI(r.ctx, zoe.URI); err != nil || a.Name != row.wantName {
				t.Errorf("zoe's name %q (%v), want %q", a.Name, err, row.wantName)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	bob := r.remote(remoteBase, "bob")
	bob2 := r.remote(remoteBase, "bob2")
	eve := r.remote(remoteBase, "eve") // leaves
	r.follow(alice, bob, true)
	r.follow(eve, alice, true)
	to, cc := public(bob)
	tombstone := func(uri string) any { return &federation.Note{ID: uri, Type: federation.TypeTombstone} }
	rows := []struct {
		name     string
		signer   *storage.Actor
		object   func(n *storage.Note) any
		want     Result
		wantKind storage.Kind
		deleted  bool
	}{
		{"the author deletes a note: a tombstone stays", bob, func(n *storage.Note) any { return tombstone(n.URI) }, Stored, "", true},
		{"someone else's note is refused", bob2, func(n *storage.Note) any { return tombstone(n.URI) }, "", storage.Forbidden, false},
		{"a note never stored is ignored", bob, func(*storage.Note) any { return tombstone(bob.URI + "/statuses/never") }, Ignored, "", false},
	}
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			n := r.stored(bob, noteDoc(bob, fmt.Sprint(i), "<p>soon gone</p>", to, cc))
			r.deliver(t, row.signer, r.act(row.signer, federation.TypeDelete), row.object(n), row.want, row.wantKind)
			got, err := r.db.GetNoteByURI(r.ctx, n.URI)
			if err != nil || got.Deleted() != row.deleted || (row.deleted && got.Content != "") {
				t.Errorf("note afterwards: deleted %v, content %q (%v); want deleted %v", got.Deleted(), got.Content, err, row.deleted)
			}
		})
	}

	t.Run("an actor deletes itself: its notes and follows go with it", func(t *testing.T) {
		eto, ecc := public(eve)
		n := r.stored(eve, noteDoc(eve, "last", "<p>bye</p>", eto, ecc))
		r.deliver(t, eve, r.act(eve, federation.TypeDelete), eve.URI, Stored, "")
		if a, err := r.db.GetActorByURI(r.ctx, eve.URI); err != nil || a.DeletedAt.IsZero() {
			t.Errorf("actor afterwards %+v, %v; want deleted", a, err)
		}
		if got, err := r.db.GetNoteByURI(r.ctx, n.URI); err != nil || !got.Deleted() {
			t.Errorf("her note afterwards %+v, %v; want a tombstone", got, err)
		}
		if _, err := r.db.GetFollow(r.ctx, eve.ID, alice.ID); storage.KindOf(err) != storage.NotFound {
			t.Errorf("her follow of alice afterwards: %v, want NotFound", err)
		}
	})
}

func TestLike(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	bob := r.remote(remoteBase, "bob")
	post := func(visibility storage.Visibility) *storage.Note {
		n, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "like me", Visibility: string(visibility)})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	liked := post(storage.Public)
	hidden := post(storage.Followers)
	deleted := post(storage.Public)
	if err := r.svc.DeleteNote(r.ctx, alice, deleted.URI); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name     string
		note     string
		want     Result
		wantKind storage.Kind
		likes    int // of the note afterwards
		notices  int // like notifications of alice by bob about it
	}{
		{"a like of a local note counts and notifies its author", liked.URI, Stored, "", 1, 1},
		{"a second like by the same actor counts once", liked.URI, Stored, "", 1, 1},
		{"a note the actor may not see is refused", hidden.URI, "", storage.Forbidden, 0, 0},
		{"a note not stored here is ignored", remoteBase + "/users/carol/statuses/1", Ignored, "", 0, 0},
		{"a deleted note is ignored", deleted.URI, Ignored, "", 0, 0},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r.deliver(t, bob, r.act(bob, federation.TypeLike), row.note, row.want, row.wantKind)
			if n, err := r.db.GetNoteByURI(r.ctx, row.note); err == nil && n.Likes != row.likes {
				t.Errorf("%d likes, want %d", n.Likes, row.likes)
			}
			if got := count(r.notices(alice), "like "+bob.URI+" "+row.note); got != row.notices {
				t.Errorf("%d like notifications, want %d", got, row.notices)
			}
		})
	}
}

func TestAnnounce(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	carol := r.local("carol", false)
	bob := r.remote(remoteBase, "bob")   // followed by carol
	dave := r.remote(remoteBase, "dave") // followed by nobody here
	r.follow(carol, bob, true)
	own, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "boost me"})
	if err != nil {
		t.Fatal(err)
	}
	private, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "only followers", Visibility: "followers"})
	if err != nil {
		t.Fatal(err)
	}
	o := r.origin()
	olga := r.remote(o.URL, "olga")
	oto, occ := public(olga)
	far := noteDoc(olga, "1", "<p>from afar</p>", oto, occ)
	body, err := federation.EncodeNote(far)
	if err != nil {
		t.Fatal(err)
	}
	o.serve(far.ID, body)

	rows := []struct {
		name     string
		by       *storage.Actor
		note     string
		want     Result
		wantKind storage.Kind
		author   *storage.Actor // of the note, once stored
		notices  int            // announce notifications of alice about it
	}{
		{"a boost of a local note counts, notifies and reaches the booster's followers", bob, own.URI, Stored, "", alice, 1},
		{"a boost of a remote note is fetched from its origin", bob, far.ID, Stored, "", olga, 0},
		{"a boost of a followers-only note is ignored", bob, private.URI, Ignored, "", nil, 0},
		{"a boost nobody here follows or has is ignored without a fetch", dave, o.URL + "/users/olga/statuses/2", Ignored, "", nil, 0},
		{"a note its origin does not have is refused", bob, o.URL + "/users/olga/statuses/404", "", storage.NotFound, nil, 0},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if !r.deliver(t, row.by, r.act(row.by, federation.TypeAnnounce), row.note, row.want, row.wantKind) {
				return
			}
			n, err := r.db.GetNoteByURI(r.ctx, row.note)
			if err != nil || n.ActorID != row.author.ID || n.Announces != 1 {
				t.Fatalf("note afterwards %+v, %v; want %s's with one boost", n, err, row.author.URI)
			}
			if !slices.Contains(r.feed(carol), n.URI+" "+row.by.URI) {
				t.Errorf("carol's feed %v lacks the boost", r.feed(carol))
			}
			if got := count(r.notices(alice), "announce "+row.by.URI+" "+n.URI); got != row.notices {
				t.Errorf("%d announce notifications of alice, want %d", got, row.notices)
			}
		})
	}
}

// TestBlock: a remote Block of a local account ends the follows between them both ways,
// requests included, and what the blocker brought to the account's feed; a Follow from an
// actor a local account blocks is refused, storing nothing.
func TestBlock(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	troll := r.remote(remoteBase, "troll")
	rows := []struct {
		name        string
		there, back bool // troll follows alice; alice follows troll (asks, when troll does not follow)
		target      string
		wantKind    storage.Kind
	}{
		{"follows both ways end", true, true, alice.URI, ""},
		{"a request ends", false, true, alice.URI, ""},
		{"nothing to end", false, false, alice.URI, ""},
		{"no local account of that id", true, true, testBase + "/users/nobody", storage.NotFound},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if row.there {
				r.follow(troll, alice, true)
			}
			if row.back {
				r.follow(alice, troll, row.there)
			}
			if !r.deliver(t, troll, r.act(troll, federation.TypeBlock), row.target, storedUnless(row.wantKind), row.wantKind) {
				return
			}
			for _, pair := range [][2]*storage.Actor{{troll, alice}, {alice, troll}} {
				if f, err := r.db.GetFollow(r.ctx, pair[0].ID, pair[1].ID); storage.KindOf(err) != storage.NotFound {
					t.Errorf("follow of %s by %s left: %+v, %v", pair[1].Username, pair[0].Username, f, err)
				}
			}
		})
	}

	t.Run("a Follow from an actor the account blocks is refused", func(t *testing.T) {
		if _, err := r.svc.Block(r.ctx, alice, troll.URI); err != nil {
			t.Fatal(err)
		}
		r.deliver(t, troll, r.act(troll, federation.TypeFollow), alice.URI, "", storage.Forbidden)
	})
}
