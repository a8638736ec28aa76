package sqldb

import (
	"context"
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

// TestSearchAndTrends reads what the client API's search, trends and instance activity
// read, on the rows fillInstance stores.
func TestSearchAndTrends(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	c := fillInstance(t, db)
	names := func(list []*storage.Actor) []string {
		out := []string{}
		for _, a := range list {
			out = append(out, a.Username)
		}
		return out
	}
	for _, row := range []struct {
		name string
		q    storage.ActorQuery
		want []string
	}{
		{"a username's beginning", storage.ActorQuery{Name: "AL"}, []string{"alice"}},
		{"within a display name", storage.ActorQuery{Name: "lic"}, []string{"alice"}},
		{"everyone live and not suspended, local first", storage.ActorQuery{}, []string{"alice", "carol"}},
		{"a suspended account (bob)", storage.ActorQuery{Name: "bob"}, []string{}},
		{"the exact name first", storage.ActorQuery{Name: "carol"}, []string{"carol"}},
		{"by host", storage.ActorQuery{Name: "car", Host: "peer"}, []string{"carol"}},
		{"by another host", storage.ActorQuery{Name: "car", Host: "refuge"}, []string{}},
		{"a deleted actor", storage.ActorQuery{Name: "dan"}, []string{}},
		{"followed by alice", storage.ActorQuery{FollowedBy: c.alice.ID}, []string{"carol"}},
		{"limit", storage.ActorQuery{Limit: 1}, []string{"alice"}},
		{"offset", storage.ActorQuery{Offset: 1}, []string{"carol"}},
		{"a wildcard is a character", storage.ActorQuery{Name: "%"}, []string{}},
		{"so is an underscore", storage.ActorQuery{Name: "_"}, []string{}},
	} {
		got, err := db.SearchActors(ctx, row.q)
		if err != nil || !slices.Equal(names(got), row.want) {
			t.Errorf("%s: SearchActors(%+v) = %v (%v), want %v", row.name, row.q, names(got), err, row.want)
		}
	}

	if tags, err := db.SearchTags(ctx, "MO", 10, 0); err != nil || !slices.Equal(tags, []string{"move"}) {
		t.Errorf("SearchTags(MO) = %v (%v)", tags, err)
	}
	if tags, err := db.SearchTags(ctx, "move", 10, 1); err != nil || len(tags) != 0 {
		t.Errorf("SearchTags(move) past the first = %v (%v)", tags, err)
	}

	for _, row := range []struct {
		name                         string
		text                         string
		actor, author, before, after int64
		want                         []int64
	}{
		{"alice's own", "PUBLIC #", c.alice.ID, 0, 0, 0, []int64{c.notes[0]}},
		{"what carol liked", "public", c.carol.ID, 0, 0, 0, []int64{c.notes[0]}},
		{"only bob's", "public", c.carol.ID, c.bob.ID, 0, 0, nil},
		{"what alice never touched", "a reply", c.alice.ID, 0, 0, 0, nil},
		{"a percent sign", "%", c.alice.ID, 0, 0, 0, nil},
		{"alice's, before the second", "move", c.alice.ID, 0, c.notes[1], 0, []int64{c.notes[0]}},
		{"alice's, after the second", "bob", c.alice.ID, 0, 0, c.notes[1], []int64{c.notes[3], c.notes[2]}},
	} {
		notes, err := db.SearchNotes(ctx, storage.NoteSearch{Text: row.text, ActorID: row.actor, AuthorID: row.author,
			Before: row.before, After: row.after, Limit: 10})
		var ids []int64
		for _, n := range notes {
			ids = append(ids, n.ID)
		}
		if err != nil || !slices.Equal(ids, row.want) {
			t.Errorf("%s: SearchNotes(%q) = %v (%v), want %v", row.name, row.text, ids, err, row.want)
		}
	}

	uses, err := db.ListTagUses(ctx, at.Add(-time.Hour), 10, 0)
	if err != nil || !slices.Equal(uses, []storage.TagUse{{Name: "move", Uses: 1, Accounts: 1}}) {
		t.Errorf("ListTagUses = %v (%v), want move once (its direct note is no public use)", uses, err)
	}
	if uses, err := db.ListTagUses(ctx, at.Add(time.Hour), 10, 0); err != nil || len(uses) != 0 {
		t.Errorf("ListTagUses after = %v (%v)", uses, err)
	}
	posts, err := db.ListTagPosts(ctx, "move", at.Add(-time.Hour))
	if err != nil || len(posts) != 1 || posts[0].ActorID != c.alice.ID || !posts[0].Published.Truncate(time.Microsecond).Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("ListTagPosts = %v (%v)", posts, err)
	}

	if hosts, err := db.ListPeerHosts(ctx); err != nil || !slices.Equal(hosts, []string{"peer.example"}) {
		t.Errorf("ListPeerHosts = %v (%v), want the live one", hosts, err)
	}

	posts4, logins, regs, err := db.CountLocalActivity(ctx, at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil || posts4 != 4 || logins != 2 || regs != 2 {
		t.Errorf("CountLocalActivity = %d posts, %d logins, %d registrations (%v); want 4, 2, 2", posts4, logins, regs, err)
	}
	if p, l, r, err := db.CountLocalActivity(ctx, at.Add(time.Hour), at.Add(2*time.Hour)); err != nil || p+l+r != 0 {
		t.Errorf("CountLocalActivity an hour later = %d, %d, %d (%v)", p, l, r, err)
	}
}

// TestMarkersAndNotificationFilters saves markers, counts notifications by every filter
// and deletes them, on both databases.
func TestMarkersAndNotificationFilters(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	c := fillInstance(t, db)

	list, err := db.ListMarkers(ctx, c.alice.ID, []string{"home", "notifications"})
	if err != nil || len(list) != 1 || list[0].Timeline != "notifications" || list[0].LastReadID != "2" || list[0].Version != 1 {
		t.Fatalf("alice's markers: %+v (%v)", list, err)
	}
	home := &storage.Marker{Timeline: "home", LastReadID: "42"}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutMarker(ctx, c.alice.ID, home) }); err != nil || home.Version != 0 {
		t.Fatalf("first home marker: version %d (%v)", home.Version, err)
	}
	if list, err := db.ListMarkers(ctx, c.bob.ID, []string{"home"}); err != nil || len(list) != 0 {
		t.Errorf("bob's markers: %+v (%v)", list, err)
	}

	for _, row := range []struct {
		name string
		f    storage.Page
		most int
		want int
	}{
		{"all", storage.Page{}, 100, 2},
		{"at most one", storage.Page{}, 1, 1},
		{"unread", storage.Page{Unread: true}, 100, 1},
		{"likes", storage.Page{Kinds: []storage.NotificationKind{storage.NotificationLike}}, 100, 1},
		{"no likes", storage.Page{ExcludeKinds: []storage.NotificationKind{storage.NotificationLike}}, 100, 1},
		{"from carol", storage.Page{FromActor: c.carol.ID}, 100, 2},
		{"from bob", storage.Page{FromActor: c.bob.ID}, 100, 0},
		{"about the first note", storage.Page{AboutNote: c.notes[0]}, 100, 1},
		{"from a minute on", storage.Page{CreatedFrom: at.Add(time.Minute)}, 100, 1},
		{"until a minute on", storage.Page{CreatedUntil: at.Add(time.Minute)}, 100, 1},
	} {
		if n, err := db.CountNotifications(ctx, c.alice.ID, row.f, row.most); err != nil || n != row.want {
			t.Errorf("%s: %d (%v), want %d", row.name, n, err, row.want)
		}
		ns, err := db.ListNotifications(ctx, c.alice.ID, row.f)
		if err != nil || len(ns) != min(row.want, 2) && row.most > 1 {
			t.Errorf("%s: listed %d (%v), want %d", row.name, len(ns), err, row.want)
		}
	}

	ns, err := db.ListNotifications(ctx, c.alice.ID, storage.Page{})
	if err != nil || len(ns) != 2 {
		t.Fatal(ns, err)
	}
	err = db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNotification(ctx, c.bob.ID, ns[0].ID) })
	if storage.KindOf(err) != storage.NotFound {
		t.Errorf("bob deleting alice's notification: %v, want NotFound", err)
	}
	err = db.Update(ctx, func(tx storage.Tx) error {
		return tx.DeleteNotifications(ctx, c.alice.ID, storage.Page{Kinds: []storage.NotificationKind{storage.NotificationLike}})
	})
	if n, cerr := db.CountNotifications(ctx, c.alice.ID, storage.Page{}, 100); err != nil || cerr != nil || n != 1 {
		t.Errorf("after deleting the likes: %d (%v, %v), want the reply left", n, err, cerr)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNotification(ctx, c.alice.ID, ns[0].ID) }); err != nil {
		t.Errorf("delete the reply's: %v", err)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNotifications(ctx, c.bob.ID, storage.Page{}) }); err != nil {
		t.Fatal(err)
	}
	rows, err := db.RowCounts(ctx)
	if err != nil || rows["notifications"] != 0 {
		t.Errorf("notifications left: %d (%v)", rows["notifications"], err)
	}
}
