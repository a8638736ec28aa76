package reader

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// tagged stores a note of author with hashtag name, published at, with visibility.
func (r *rig) tagged(author *storage.Actor, visibility storage.Visibility, name string, at time.Time) {
	r.t.Helper()
	r.seq++
	n := &storage.Note{URI: fmt.Sprintf("%s/statuses/%d", author.URI, r.seq), ActorID: author.ID, Local: author.Local,
		Content: fmt.Sprintf("<p>#%s %d</p>", name, r.seq), Visibility: visibility, Published: at,
		Tags: []storage.Tag{{Type: federation.TypeHashtag, Name: "#" + name, Href: testBase + "/tags/" + name}}}
	switch visibility {
	case storage.Public:
		n.To, n.Cc = []string{federation.PublicCollection}, []string{author.FollowersURI}
	case storage.Followers:
		n.To = []string{author.FollowersURI}
	}
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.CreateNote(r.ctx, n) }); err != nil {
		r.t.Fatal(err)
	}
}

func TestTrends(t *testing.T) {
	r := newRig(t)
	now := time.Now()
	alice, bob, carol := r.actor(testBase, "alice"), r.actor(testBase, "bob"), r.actor(remoteBase, "carol")
	// One account posting a tag fifty times does not make it trend above a tag three
	// accounts used once each.
	for range 50 {
		r.tagged(alice, storage.Public, "spam", now.Add(-time.Hour))
	}
	for _, a := range []*storage.Actor{alice, bob, carol} {
		r.tagged(a, storage.Public, "gardening", now.Add(-2*time.Hour))
	}
	// Two accounts, two days ago: in the week, not in the day.
	r.tagged(alice, storage.Public, "old", now.Add(-48*time.Hour))
	r.tagged(bob, storage.Public, "old", now.Add(-49*time.Hour))
	// Only public posts count.
	for _, a := range []*storage.Actor{alice, bob, carol} {
		r.tagged(a, storage.Followers, "secret", now.Add(-time.Hour))
	}
	// Older than the week.
	for _, a := range []*storage.Actor{alice, bob, carol} {
		r.tagged(a, storage.Public, "ancient", now.AddDate(0, 0, -TrendDays-1))
	}
	tr, err := r.rd.Trends(r.ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	wantDay := []storage.TagUse{{Name: "gardening", Uses: 3, Accounts: 3}, {Name: "spam", Uses: 50, Accounts: 1}}
	if !slices.Equal(tr.Day, wantDay) {
		t.Errorf("day = %v, want %v", tr.Day, wantDay)
	}
	wantWeek := []storage.TagUse{{Name: "gardening", Uses: 3, Accounts: 3}, {Name: "old", Uses: 2, Accounts: 2},
		{Name: "spam", Uses: 50, Accounts: 1}}
	if !slices.Equal(tr.Week, wantWeek) {
		t.Errorf("week = %v, want %v", tr.Week, wantWeek)
	}
	if api, err := r.rd.TrendingTags(r.ctx, now, 10, 0); err != nil || !slices.Equal(api, wantWeek) {
		t.Errorf("TrendingTags = %v (%v), want %v", api, err, wantWeek)
	}
	if tr, err := r.rd.Trends(r.ctx, now, 1); err != nil || len(tr.Day) != 1 || len(tr.Week) != 1 {
		t.Errorf("Trends limited to 1 = %+v (%v)", tr, err)
	}
}

func TestTagUsage(t *testing.T) {
	r := newRig(t)
	// Noon, so that an hour either side stays on the same day.
	now := time.Now().UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)
	alice, bob := r.actor(testBase, "alice"), r.actor(remoteBase, "bob")
	r.tagged(alice, storage.Public, "go", now.Add(-time.Hour))
	r.tagged(alice, storage.Public, "go", now.Add(-2*time.Hour))
	r.tagged(bob, storage.Public, "go", now.Add(-time.Hour))
	r.tagged(alice, storage.Public, "go", now.AddDate(0, 0, -2))
	r.tagged(bob, storage.Followers, "go", now.AddDate(0, 0, -3)) // not public: not counted
	r.tagged(bob, storage.Public, "go", now.AddDate(0, 0, -TrendDays))
	u, err := r.rd.TagUsage(r.ctx, "go", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Days) != TrendDays {
		t.Fatalf("%d days, want %d", len(u.Days), TrendDays)
	}
	want := []struct{ uses, accounts int }{{3, 2}, {0, 0}, {1, 1}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}
	today := now.Truncate(24 * time.Hour)
	for i, d := range u.Days {
		if d.Uses != want[i].uses || d.Accounts != want[i].accounts || !d.Day.Equal(today.AddDate(0, 0, -i)) {
			t.Errorf("day %d = %+v, want %v on %v", i, d, want[i], today.AddDate(0, 0, -i))
		}
	}
	// Alice posted on two days: she is one person in the week's total.
	if u.Uses != 4 || u.Accounts != 2 {
		t.Errorf("totals = %d posts by %d people, want 4 by 2", u.Uses, u.Accounts)
	}
}
