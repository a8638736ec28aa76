package reader

import (
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

func TestProfile(t *testing.T) {
	r := newRig(t)
	c := r.cast()
	public := r.note(c.alice, storage.Public, "")
	unlisted := r.note(c.alice, storage.Unlisted, "")
	followers := r.note(c.alice, storage.Followers, "")
	direct := r.note(c.alice, storage.Direct, "", c.dan)
	r.deleted(c.alice, "")
	err := r.db.Update(r.ctx, func(tx storage.Tx) error {
		if err := tx.Pin(r.ctx, c.alice.ID, public.ID, true); err != nil {
			return err
		}
		return tx.Pin(r.ctx, c.alice.ID, followers.ID, true)
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		viewer string
		v      Viewer
		notes  []*storage.Note // newest first
		pinned []*storage.Note
		rel    storage.Relationship
	}{
		{"anonymous", c.anonymous, []*storage.Note{unlisted, public}, []*storage.Note{public}, storage.Relationship{}},
		{"stranger", c.stranger, []*storage.Note{unlisted, public}, []*storage.Note{public}, storage.Relationship{}},
		{"follower", c.follower, []*storage.Note{followers, unlisted, public}, []*storage.Note{followers, public},
			storage.Relationship{Following: true, ShowingReblogs: true}},
		{"pending follower", c.pending, []*storage.Note{unlisted, public}, []*storage.Note{public},
			storage.Relationship{Requested: true, ShowingReblogs: true}},
		{"mentioned", c.mentioned, []*storage.Note{direct, unlisted, public}, []*storage.Note{public}, storage.Relationship{}},
		{"author", c.me, []*storage.Note{direct, followers, unlisted, public}, []*storage.Note{followers, public}, storage.Relationship{}},
	}
	for _, row := range rows {
		t.Run(row.viewer, func(t *testing.T) {
			p, err := r.rd.Profile(r.ctx, row.v, c.alice, storage.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(noteURIs(p.Notes), noteURIs(row.notes)) || p.Posts != len(row.notes) {
				t.Errorf("notes %v and %d posts, want %v", noteURIs(p.Notes), p.Posts, noteURIs(row.notes))
			}
			if !slices.Equal(noteURIs(p.Pinned), noteURIs(row.pinned)) {
				t.Errorf("pinned %v, want %v", noteURIs(p.Pinned), noteURIs(row.pinned))
			}
			if p.Followers != 1 || p.Following != 0 || p.Relationship != row.rel || p.Actor != c.alice {
				t.Errorf("%d followers, %d following, %+v; want 1, 0, %+v", p.Followers, p.Following, p.Relationship, row.rel)
			}
			// A later page: older notes only, and the pinned ones stay on the first.
			p, err = r.rd.Profile(r.ctx, row.v, c.alice, storage.Page{Before: unlisted.ID})
			if err != nil || !slices.Equal(noteURIs(p.Notes), noteURIs([]*storage.Note{public})) || len(p.Pinned) != 0 {
				t.Errorf("page 2: notes %v, pinned %v (%v)", noteURIs(p.Notes), noteURIs(p.Pinned), err)
			}
		})
	}
}

func TestHome(t *testing.T) {
	r := newRig(t)
	alice := r.actor(testBase, "alice")
	bob := r.actor(testBase, "bob") // reads his home timeline
	gus := r.actor(remoteBase, "gus")
	first := r.note(alice, storage.Public, "")
	second := r.note(gus, storage.Public, "")
	boost := &storage.Reaction{URI: gus.URI + "/boosts/1", ActorID: gus.ID, NoteID: first.ID}
	now := time.Now()
	err := r.db.Update(r.ctx, func(tx storage.Tx) error {
		if _, err := tx.PutReaction(r.ctx, storage.Announce, boost); err != nil {
			return err
		}
		// alice posts, gus posts, then gus boosts what alice posted: first reaches bob twice.
		for i, row := range []struct{ note, announce int64 }{{first.ID, 0}, {second.ID, 0}, {first.ID, boost.ID}} {
			if err := tx.AddToFeed(r.ctx, []int64{bob.ID}, row.note, row.announce, now.Add(time.Duration(i)*time.Second)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := r.db.ListFeed(r.ctx, bob.ID, storage.Page{})
	if err != nil || len(raw) != 3 {
		t.Fatalf("feed rows %v, %v", raw, err)
	}
	newest, middle, oldest := raw[0].ID, raw[1].ID, raw[2].ID
	rows := []struct {
		name        string
		account     *storage.Actor
		page        storage.Page
		items       []string // note id, with " boosted" when it came through a boost
		rows        int
		first, last int64
	}{
		{"a note that came twice shows once, where it came newest", bob, storage.Page{},
			[]string{first.URI + " boosted", second.URI}, 3, newest, oldest},
		{"a short page counts the rows it read", bob, storage.Page{Limit: 2},
			[]string{first.URI + " boosted", second.URI}, 2, newest, middle},
		{"an older page shows the first coming", bob, storage.Page{Before: middle},
			[]string{first.URI}, 1, oldest, oldest},
		{"an empty feed", alice, storage.Page{}, nil, 0, 0, 0},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			hp, err := r.rd.Home(r.ctx, row.account.ID, row.page)
			if err != nil {
				t.Fatal(err)
			}
			var items []string
			for _, it := range hp.Items {
				s := it.Note.URI
				if it.Booster != nil {
					s += " boosted"
				}
				items = append(items, s)
			}
			if !slices.Equal(items, row.items) || hp.Rows != row.rows || hp.First != row.first || hp.Last != row.last {
				t.Errorf("items %v, rows %d, first %d, last %d; want %v, %d, %d, %d", items, hp.Rows, hp.First, hp.Last,
					row.items, row.rows, row.first, row.last)
			}
		})
	}
}

// TestHomeShowsOnlyWhatItsReaderMaySee: the feed rows of a reader keep what she was sent,
// but a note she may no longer read (her follow ended) is never shown, in the home
// timeline or in the inbox collection, and a page still fills.
func TestHomeShowsOnlyWhatItsReaderMaySee(t *testing.T) {
	r := newRig(t)
	c := r.cast()
	public := r.note(c.alice, storage.Public, "")
	followers := r.note(c.alice, storage.Followers, "")
	direct := r.note(c.alice, storage.Direct, "", c.bob)
	mentioning := r.note(c.alice, storage.Followers, "", c.bob)
	pending := r.note(c.alice, storage.Followers, "")
	all := []*storage.Note{public, followers, direct, mentioning}
	err := r.db.Update(r.ctx, func(tx storage.Tx) error {
		for _, n := range all {
			if err := tx.AddToFeed(r.ctx, []int64{c.bob.ID}, n.ID, 0, n.Published); err != nil {
				return err
			}
		}
		// carol only asked to follow: a row that should never have been written.
		if err := tx.AddToFeed(r.ctx, []int64{c.carol.ID}, pending.ID, 0, pending.Published); err != nil {
			return err
		}
		// bob's follow ends without his feed being touched.
		f, err := tx.GetFollow(r.ctx, c.bob.ID, c.alice.ID)
		if err != nil {
			return err
		}
		return tx.DeleteFollow(r.ctx, f.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name    string
		account *storage.Actor
		page    storage.Page
		want    []*storage.Note // newest first
	}{
		{"a follow that ended: its followers-only notes are not shown", c.bob, storage.Page{},
			[]*storage.Note{mentioning, direct, public}},
		{"a page of three fills from what may be shown, past what may not", c.bob, storage.Page{Limit: 3},
			[]*storage.Note{mentioning, direct, public}},
		{"a pending follower is shown nothing followers-only", c.carol, storage.Page{}, nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			hp, err := r.rd.Home(r.ctx, row.account.ID, row.page)
			if err != nil {
				t.Fatal(err)
			}
			feed, err := r.rd.Feed(r.ctx, row.account.ID, row.page)
			if err != nil {
				t.Fatal(err)
			}
			want := noteURIs(row.want)
			for name, items := range map[string][]storage.FeedItem{"home": hp.Items, "inbox": feed} {
				got := []string{}
				for _, it := range items {
					got = append(got, it.Note.URI)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s shows %v, want %v", name, got, want)
				}
			}
			if hp.Rows != len(row.want) {
				t.Errorf("home read %d rows, want %d", hp.Rows, len(row.want))
			}
		})
	}
}
