package reader

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// TestSilencedAccountsAreHiddenFromNonFollowers: an account silenced on its own (alice, local)
// and one silenced with its whole server (gus, on a server under a silence block) are left
// out of the public and local timelines, hashtag pages, threads, account search, the
// mentions in home feeds and the notifications of those who do not follow them, and kept
// for their followers and themselves; their profiles and single posts stay for everyone,
// the profile saying that they are limited. Lifting the silence brings everything back.
func TestSilencedAccountsAreHiddenFromNonFollowers(t *testing.T) {
	r := newRig(t)
	alice := r.actor(testBase, "alice")
	bob := r.actor(testBase, "bob")     // follows alice and gus
	carol := r.actor(testBase, "carol") // follows nobody; mentioned by both
	gus := r.actor(remoteBase, "gus")
	r.follow(bob, alice, true)
	r.follow(bob, gus, true)
	start := r.note(carol, storage.Public, "") // what the silenced reply to

	// What each silenced author posts: a public post with a hashtag, a reply to carol
	// mentioning her and bob, in her and bob's feeds and notifications as the inbox puts it.
	type posts struct {
		author        *storage.Actor
		tagged, reply *storage.Note
	}
	write := func(a *storage.Actor) posts {
		p := posts{author: a, tagged: r.taggedNote(a, "quiet")}
		p.reply = r.note(a, storage.Public, start.URI, carol, bob)
		err := r.db.Update(r.ctx, func(tx storage.Tx) error {
			if err := tx.AddToFeed(r.ctx, []int64{carol.ID, bob.ID}, p.reply.ID, 0, time.Now()); err != nil {
				return err
			}
			for _, to := range []*storage.Actor{carol, bob} {
				if err := tx.Notify(r.ctx, to.ID, storage.NotificationMention, a.ID, p.reply.ID, time.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	authors := []posts{write(alice), write(gus)}
	err := r.db.Update(r.ctx, func(tx storage.Tx) error {
		if err := tx.SetActorSilenced(r.ctx, alice.ID, time.Now()); err != nil {
			return err
		}
		return tx.PutBlock(r.ctx, storage.Block{Target: storage.HostOf(remoteBase), Severity: storage.BlockSilence,
			PublicComment: "noisy"})
	})
	if err != nil {
		t.Fatal(err)
	}

	viewers := []struct {
		name string
		v    Viewer
		// sees says whether this viewer sees what the author wrote in the lists.
		sees func(author *storage.Actor) bool
	}{
		{"anonymous", Viewer{}, func(*storage.Actor) bool { return false }},
		{"a local account that follows neither", Local(carol), func(*storage.Actor) bool { return false }},
		{"their follower", Local(bob), func(*storage.Actor) bool { return true }},
		{"the author", Viewer{}, nil}, // filled per author below
	}
	// places are where an author's posts are listed, each answering whether p's post is there
	// for v.
	places := []struct {
		name  string
		local bool // only for a local viewer
		own   bool // only for a local author
		shown func(t *testing.T, v Viewer, p posts) bool
	}{
		{"local timeline", false, true, func(t *testing.T, v Viewer, p posts) bool {
			return listed(t, p.tagged)(r.rd.LocalTimeline(r.ctx, v, storage.Page{}))
		}},
		{"federated timeline", false, false, func(t *testing.T, v Viewer, p posts) bool {
			return listed(t, p.tagged)(r.rd.PublicTimeline(r.ctx, v, true, true, storage.Page{}))
		}},
		{"hashtag", false, false, func(t *testing.T, v Viewer, p posts) bool {
			return listed(t, p.tagged)(r.rd.Tagged(r.ctx, v, "quiet", storage.Page{}))
		}},
		{"thread", false, false, func(t *testing.T, v Viewer, p posts) bool {
			th, err := r.rd.Thread(r.ctx, v, start)
			return listed(t, p.reply)(th.Replies, err)
		}},
		{"account search", false, false, func(t *testing.T, v Viewer, p posts) bool {
			found, _, err := r.rd.searchActors(r.ctx, v, p.author.Username, false, SearchQuery{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(found, func(a *storage.Actor) bool { return a.ID == p.author.ID })
		}},
		{"home feed mention", true, false, func(t *testing.T, v Viewer, p posts) bool {
			home, err := r.rd.Home(r.ctx, v.Local.ID, storage.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(home.Items, func(it storage.FeedItem) bool { return it.Note.ID == p.reply.ID })
		}},
		{"notifications", true, false, func(t *testing.T, v Viewer, p posts) bool {
			list, err := r.rd.Notifications(r.ctx, v.Local.ID, storage.Page{})
			if err != nil {
				t.Fatal(err)
			}
			unread, err := r.rd.Unread(r.ctx, v.Local.ID)
			if err != nil {
				t.Fatal(err)
			}
			if unread != len(list) {
				t.Errorf("%d unread notifications, %d listed", unread, len(list))
			}
			return slices.ContainsFunc(list, func(n *storage.Notification) bool { return n.Actor != nil && n.Actor.ID == p.author.ID })
		}},
	}

	check := func(t *testing.T, silenced bool) {
		for _, p := range authors {
			for _, viewer := range viewers {
				v, sees := viewer.v, viewer.sees
				if sees == nil { // the author
					if !p.author.Local {
						continue // a remote author reads nothing here
					}
					v, sees = Local(p.author), func(*storage.Actor) bool { return true }
				}
				for _, place := range places {
					if place.local && (v.Local == nil || v.Local.ID == p.author.ID) || place.own && !p.author.Local {
						continue
					}
					t.Run(fmt.Sprintf("%s/%s/%s", p.author.Username, viewer.name, place.name), func(t *testing.T) {
						want := !silenced || sees(p.author)
						if got := place.shown(t, v, p); got != want {
							t.Errorf("shown %v, want %v", got, want)
						}
					})
				}
				t.Run(fmt.Sprintf("%s/%s/profile and post", p.author.Username, viewer.name), func(t *testing.T) {
					author, err := r.db.GetActorByID(r.ctx, p.author.ID)
					if err != nil {
						t.Fatal(err)
					}
					if author.Limited() != silenced {
						t.Errorf("Limited() = %v, want %v", author.Limited(), silenced)
					}
					pr, err := r.rd.Profile(r.ctx, v, author, storage.Page{})
					if err != nil {
						t.Fatal(err)
					}
					if !slices.ContainsFunc(pr.Notes, func(n *storage.Note) bool { return n.ID == p.tagged.ID }) {
						t.Errorf("the profile lost the post: %v", noteURIs(pr.Notes))
					}
					if want := silenced && !sees(p.author); pr.Limited != want {
						t.Errorf("the profile says limited %v, want %v", pr.Limited, want)
					}
					if err := r.rd.Visible(r.ctx, v, p.tagged); err != nil {
						t.Errorf("the post itself: %v", err)
					}
				})
			}
		}
	}
	t.Run("silenced", func(t *testing.T) { check(t, true) })

	err = r.db.Update(r.ctx, func(tx storage.Tx) error {
		if err := tx.SetActorSilenced(r.ctx, alice.ID, time.Time{}); err != nil {
			return err
		}
		return tx.DeleteBlock(r.ctx, storage.HostOf(remoteBase))
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("lifted", func(t *testing.T) { check(t, false) })
}

// listed reports whether want is among the notes a list call returned.
func listed(t *testing.T, want *storage.Note) func([]*storage.Note, error) bool {
	return func(notes []*storage.Note, err error) bool {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(notes, func(n *storage.Note) bool { return n.ID == want.ID })
	}
}

// taggedNote stores a public note of author carrying hashtag tag.
func (r *rig) taggedNote(author *storage.Actor, tag string) *storage.Note {
	r.t.Helper()
	r.seq++
	n := &storage.Note{URI: fmt.Sprintf("%s/statuses/%d", author.URI, r.seq), ActorID: author.ID, Local: author.Local,
		Content: "<p>#" + tag + "</p>", Visibility: storage.Public, Published: time.Now(),
		To: []string{federation.PublicCollection}, Cc: []string{author.FollowersURI},
		Tags: []storage.Tag{{Type: federation.TypeHashtag, Name: "#" + tag, Href: testBase + "/tags/" + tag}}}
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.CreateNote(r.ctx, n) }); err != nil {
		r.t.Fatal(err)
	}
	return n
}
