package sqldb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig/pgtest"
	"refuge/storage"
)

// openTest opens a fresh database: a new SQLite file in a temp dir, or, when the run is on
// PostgreSQL (pgtest.EnvVar is set), a new PostgreSQL database.
func openTest(t *testing.T) *DB {
	t.Helper()
	if pgtest.Admin() == "" {
		return openSQLite(t)
	}
	db, err := OpenPostgres(context.Background(), pgtest.NewDatabase(t), PostgresOptions{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openSQLite opens a fresh SQLite file, for the tests of what only SQLite has.
func openSQLite(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustActor(t *testing.T, db *DB, name, host string, local bool) *storage.Actor {
	t.Helper()
	a := &storage.Actor{URI: "https://" + host + "/users/" + name, Local: local, Type: "Person", Username: name, Host: host,
		Inbox: "https://" + host + "/users/" + name + "/inbox", SharedInbox: "https://" + host + "/inbox",
		FollowersURI: "https://" + host + "/users/" + name + "/followers", KeyID: "https://" + host + "/users/" + name + "#main-key"}
	if err := db.Update(context.Background(), func(tx storage.Tx) error { return tx.CreateActor(context.Background(), a) }); err != nil {
		t.Fatal(err)
	}
	return a
}

func mustNote(t *testing.T, db *DB, author *storage.Actor, id string, visibility storage.Visibility, tags ...storage.Tag) *storage.Note {
	t.Helper()
	n := &storage.Note{URI: author.URI + "/statuses/" + id, ActorID: author.ID, Local: author.Local, Content: "<p>" + id + "</p>",
		Visibility: visibility, Published: time.Now(), Tags: tags}
	if err := db.Update(context.Background(), func(tx storage.Tx) error { return tx.CreateNote(context.Background(), n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrationsApplyOnceAndAreRecorded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		var n int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n < 1 {
			t.Fatalf("migrations recorded: %d, %v", n, err)
		}
		var mode string
		db.read.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode)
		if mode != "wal" {
			t.Errorf("journal mode %q", mode)
		}
		db.Close()
	}
}

func TestUniqueNamesRegardlessOfCase(t *testing.T) {
	db := openTest(t)
	mustActor(t, db, "Alice", "a.test", true)
	err := db.Update(context.Background(), func(tx storage.Tx) error {
		return tx.CreateActor(context.Background(), &storage.Actor{URI: "https://a.test/users/alice2", Username: "aLiCe", Host: "a.test", Type: "Person"})
	})
	if storage.KindOf(err) != storage.Conflict {
		t.Fatalf("got %v, want a storage.Conflict", err)
	}
	if a, err := db.GetActorByHandle(context.Background(), "ALICE", "a.test"); err != nil || a.Username != "Alice" {
		t.Fatalf("lookup regardless of case: %v %v", a, err)
	}
}

func TestFailedUpdateStoresNothing(t *testing.T) {
	db := openTest(t)
	a := mustActor(t, db, "alice", "a.test", true)
	boom := errors.New("boom")
	err := db.Update(context.Background(), func(tx storage.Tx) error {
		n := &storage.Note{URI: a.URI + "/statuses/1", ActorID: a.ID, Visibility: storage.Public, Published: time.Now()}
		if err := tx.CreateNote(context.Background(), n); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := db.GetNoteByURI(context.Background(), a.URI+"/statuses/1"); storage.KindOf(err) != storage.NotFound {
		t.Fatalf("rolled-back note found: %v", err)
	}
}

func TestVisibility(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	author, follower, mentioned, stranger, mention := visibilityCast(t, db)
	notes := map[storage.Visibility]*storage.Note{
		storage.Public: mustNote(t, db, author, "p", storage.Public), storage.Unlisted: mustNote(t, db, author, "u", storage.Unlisted),
		storage.Followers: mustNote(t, db, author, "f", storage.Followers, mention), storage.Direct: mustNote(t, db, author, "d", storage.Direct, mention),
	}
	rows := []struct {
		viewer int64
		who    string
		sees   map[storage.Visibility]bool
	}{
		{0, "anonymous", map[storage.Visibility]bool{storage.Public: true, storage.Unlisted: true}},
		{stranger.ID, "stranger", map[storage.Visibility]bool{storage.Public: true, storage.Unlisted: true}},
		{follower.ID, "follower", map[storage.Visibility]bool{storage.Public: true, storage.Unlisted: true, storage.Followers: true}},
		{mentioned.ID, "mentioned", map[storage.Visibility]bool{storage.Public: true, storage.Unlisted: true, storage.Followers: true, storage.Direct: true}},
		{author.ID, "author", map[storage.Visibility]bool{storage.Public: true, storage.Unlisted: true, storage.Followers: true, storage.Direct: true}},
	}
	for _, row := range rows {
		for vis, n := range notes {
			ok, err := db.CanSee(ctx, n.ID, row.viewer)
			if err != nil || ok != row.sees[vis] {
				t.Errorf("%s sees %s note: %v (%v), want %v", row.who, vis, ok, err, row.sees[vis])
			}
		}
		list, err := db.ListActorNotes(ctx, author.ID, row.viewer, storage.Page{})
		if err != nil || len(list) != len(row.sees) {
			t.Errorf("%s lists %d notes (%v), want %d", row.who, len(list), err, len(row.sees))
		}
	}
	got, err := db.GetNoteByURI(ctx, notes[storage.Direct].URI)
	if err != nil || len(got.Tags) != 1 || got.Tags[0] != mention || got.Author.ID != author.ID {
		t.Fatalf("note with tag: %+v %v", got, err)
	}
}

func TestPaging(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := mustActor(t, db, "a", "a.test", true)
	var ids []int64
	for i := 0; i < 7; i++ {
		ids = append(ids, mustNote(t, db, a, fmt.Sprint(i), storage.Public).ID)
	}
	rows := []struct {
		name string
		page storage.Page
		want []int64
	}{
		{"newest", storage.Page{Limit: 3}, []int64{ids[6], ids[5], ids[4]}},
		{"before", storage.Page{Limit: 3, Before: ids[4]}, []int64{ids[3], ids[2], ids[1]}},
		{"after", storage.Page{Limit: 3, After: ids[1]}, []int64{ids[4], ids[3], ids[2]}},
		{"oldest", storage.Page{Limit: 3, Oldest: true}, []int64{ids[2], ids[1], ids[0]}},
		{"past the end", storage.Page{Limit: 3, Before: ids[0]}, nil},
	}
	for _, row := range rows {
		notes, err := db.ListActorNotes(ctx, a.ID, 0, row.page)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, n := range notes {
			got = append(got, n.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(row.want) {
			t.Errorf("%s: got %v, want %v", row.name, got, row.want)
		}
	}
}

func TestActivityDedupe(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := mustActor(t, db, "a", "a.test", false)
	for i, want := range []bool{true, false} {
		var added bool
		err := db.Update(ctx, func(tx storage.Tx) (err error) {
			added, err = tx.PutActivity(ctx, &storage.Activity{URI: "https://a.test/act/1", ActorID: a.ID, Type: "Like"})
			return err
		})
		if err != nil || added != want {
			t.Fatalf("delivery %d: added=%v err=%v, want %v", i, added, err, want)
		}
	}
}

func TestDeliveryQueue(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := mustActor(t, db, "a", "a.test", true)
	now := time.Now()
	act := &storage.Activity{URI: "https://a.test/act/1", ActorID: a.ID, Local: true, Type: "Create", JSON: `{"id":"x"}`}
	err := db.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.PutActivity(ctx, act); err != nil {
			return err
		}
		return tx.EnqueueDeliveries(ctx, act.ID, []string{"https://b.test/inbox", "https://c.test/inbox", "https://b.test/inbox"}, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CountDeliveries(ctx); n != 2 {
		t.Fatalf("queued %d, want 2 (repeats ignored)", n)
	}
	err = db.Update(ctx, func(tx storage.Tx) error {
		return tx.EnqueueDeliveries(ctx, 0, []string{"https://d.test/inbox"}, now)
	})
	if storage.KindOf(err) != storage.Internal || !strings.Contains(err.Error(), "never stored") {
		t.Fatalf("queued for an activity never stored: %v", err)
	}
	claimed, err := db.ClaimDeliveries(ctx, now, time.Minute, 10)
	if err != nil || len(claimed) != 2 || claimed[0].JSON != act.JSON || claimed[0].ActorID != a.ID {
		t.Fatalf("claim: %+v %v", claimed, err)
	}
	if again, _ := db.ClaimDeliveries(ctx, now, time.Minute, 10); len(again) != 0 {
		t.Fatalf("leased deliveries claimed twice: %d", len(again))
	}
	if err := db.RetryDelivery(ctx, claimed[0].ID, now.Add(time.Hour), "status 503"); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishDeliveries(ctx, claimed[1].ID); err != nil {
		t.Fatal(err)
	}
	later, _ := db.ClaimDeliveries(ctx, now.Add(2*time.Minute), time.Minute, 10)
	if len(later) != 0 {
		t.Fatalf("claimed before its retry time: %+v", later)
	}
	later, _ = db.ClaimDeliveries(ctx, now.Add(2*time.Hour), time.Minute, 10)
	if len(later) != 1 || later[0].Attempts != 1 || later[0].LastError != "status 503" {
		t.Fatalf("retry: %+v", later)
	}
}

func TestDeleteNoteLeavesTombstone(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := mustActor(t, db, "a", "a.test", true)
	b := mustActor(t, db, "b", "b.test", false)
	n := mustNote(t, db, a, "1", storage.Public, storage.Tag{Type: "Hashtag", Name: "#x", Href: "https://a.test/tags/x"})
	db.Update(ctx, func(tx storage.Tx) error {
		_, err := tx.PutReaction(ctx, "Like", &storage.Reaction{URI: "https://b.test/l/1", ActorID: b.ID, NoteID: n.ID})
		return err
	})
	if got, _ := db.GetNoteByURI(ctx, n.URI); got.Likes != 1 {
		t.Fatalf("likes %d", got.Likes)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNote(ctx, n.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetNoteByURI(ctx, n.URI)
	if err != nil || !got.Deleted() || got.Content != "" || got.Likes != 0 || len(got.Tags) != 0 {
		t.Fatalf("tombstone: %+v %v", got, err)
	}
	if tagged, _ := db.ListTagged(ctx, "x", storage.Page{}); len(tagged) != 0 {
		t.Fatal("deleted note still tagged")
	}
}

// visibilityCast makes the four actors visibility tests need: a local author, a remote
// follower of it (accepted), a remote actor to mention, and a stranger; and the Mention tag.
func visibilityCast(t *testing.T, db *DB) (author, follower, mentioned, stranger *storage.Actor, mention storage.Tag) {
	t.Helper()
	ctx := context.Background()
	author = mustActor(t, db, "author", "a.test", true)
	follower = mustActor(t, db, "follower", "b.test", false)
	mentioned = mustActor(t, db, "mentioned", "c.test", false)
	stranger = mustActor(t, db, "stranger", "d.test", false)
	err := db.Update(ctx, func(tx storage.Tx) error {
		return tx.PutFollow(ctx, &storage.Follow{URI: "https://b.test/f/1", FollowerID: follower.ID, FolloweeID: author.ID, Accepted: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	return author, follower, mentioned, stranger, storage.Tag{Type: "Mention", Name: "@mentioned@c.test", Href: mentioned.URI}
}

// TestDeliveryIDsNeverReused: a worker finishes a delivery by its id after its POST; when
// the row went meanwhile (its note was deleted and took it back), a delivery queued since
// must not have taken that id, or the worker's late finish would delete it unsent.
func TestDeliveryIDsNeverReused(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := mustActor(t, db, "a", "a.test", true)
	now := time.Now()
	queue := func(uri string) *storage.Delivery {
		t.Helper()
		act := &storage.Activity{URI: uri, ActorID: a.ID, Local: true, Type: "Create", JSON: `{"id":"` + uri + `"}`}
		err := db.Update(ctx, func(tx storage.Tx) error {
			if _, err := tx.PutActivity(ctx, act); err != nil {
				return err
			}
			return tx.EnqueueDeliveries(ctx, act.ID, []string{"https://b.test/inbox"}, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		list, err := db.ListDeliveries(ctx, act.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("deliveries of %s: %v %v", uri, list, err)
		}
		return list[0]
	}
	first := queue("https://a.test/act/1")
	claimed, err := db.ClaimDeliveries(ctx, now, time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	// The row goes while the worker holds its job (as a deleted note takes its Create back).
	if err := db.FinishDeliveries(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	second := queue("https://a.test/act/2")
	if second.ID <= first.ID {
		t.Fatalf("the new delivery took id %d, the gone one had %d", second.ID, first.ID)
	}
	if err := db.FinishDeliveries(ctx, claimed[0].ID); err != nil { // the worker's late finish
		t.Fatal(err)
	}
	if n, _ := db.CountDeliveries(ctx); n != 1 {
		t.Fatalf("the late finish of a gone delivery removed the new one: %d queued, want 1", n)
	}
}

// TestStatusRowsInOneSequence: notes and boosts take their ids from one sequence, in the order
// they are stored, so that status ids made from them sort by time across the two. (PostgreSQL's
// sequence may skip numbers, as on a repeated boost: only the order is promised.)
func TestStatusRowsInOneSequence(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := mustActor(t, db, "a", "a.test", true)
	b := mustActor(t, db, "b", "b.test", false)
	var ids []int64
	boost := func(n *storage.Note, uri string) *storage.Reaction {
		r := &storage.Reaction{URI: uri, ActorID: b.ID, NoteID: n.ID}
		if err := db.Update(ctx, func(tx storage.Tx) error {
			_, err := tx.PutReaction(ctx, storage.Announce, r)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := mustNote(t, db, a, "1", storage.Public)
	ids = append(ids, first.ID, boost(first, "https://b.test/boost/1").ID)
	if err := db.Update(ctx, func(tx storage.Tx) error {
		_, err := tx.PutReaction(ctx, storage.Like, &storage.Reaction{URI: "https://b.test/like/1", ActorID: b.ID, NoteID: first.ID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	second := mustNote(t, db, a, "2", storage.Public)
	ids = append(ids, second.ID, boost(second, "https://b.test/boost/2").ID)
	third := mustNote(t, db, a, "3", storage.Public)
	ids = append(ids, third.ID)
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("ids in storing order %v: not growing", ids)
		}
	}
	if again := boost(second, "https://b.test/boost/2-again"); again.ID != 0 {
		t.Fatalf("a repeated boost was stored as %d", again.ID)
	}
	if fourth := mustNote(t, db, a, "4", storage.Public); fourth.ID <= third.ID {
		t.Errorf("next note %d after %d", fourth.ID, third.ID)
	}
}

// TestFollowCounts: the counts kept by triggers follow every way a follow changes — a request
// counts once accepted, an accepted follow at once, an undone one no more, and an actor
// deleted takes its follows out of the others' counts — and CountAccounts and CountFollows
// read them.
func TestFollowCounts(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := mustActor(t, db, "a", "a.test", true)
	b := mustActor(t, db, "b", "b.test", false)
	c := mustActor(t, db, "c", "c.test", false)
	follow := func(uri string, from, to *storage.Actor, accepted bool) *storage.Follow {
		f := &storage.Follow{URI: uri, FollowerID: from.ID, FolloweeID: to.ID, Accepted: accepted}
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutFollow(ctx, f) }); err != nil {
			t.Fatal(err)
		}
		return f
	}
	want := func(step string, counts map[*storage.Actor][2]int) {
		t.Helper()
		got, err := db.CountAccounts(ctx, []int64{a.ID, b.ID, c.ID})
		if err != nil {
			t.Fatal(err)
		}
		for who, w := range counts {
			followers, following, err := db.CountFollows(ctx, who.ID)
			if err != nil {
				t.Fatal(err)
			}
			if g := got[who.ID]; g.Followers != w[0] || g.Following != w[1] || followers != w[0] || following != w[1] {
				t.Errorf("%s: %s has %d/%d followers/following (CountFollows %d/%d), want %d/%d",
					step, who.Username, g.Followers, g.Following, followers, following, w[0], w[1])
			}
		}
	}
	request := follow("https://b.test/f/1", b, a, false)
	follow("https://c.test/f/1", c, a, true)
	follow("https://a.test/f/1", a, b, true)
	want("a request and two follows", map[*storage.Actor][2]int{a: {1, 1}, b: {1, 0}, c: {0, 1}})
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.AcceptFollow(ctx, request.ID) }); err != nil {
		t.Fatal(err)
	}
	want("the request accepted", map[*storage.Actor][2]int{a: {2, 1}, b: {1, 1}, c: {0, 1}})
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteFollow(ctx, request.ID) }); err != nil {
		t.Fatal(err)
	}
	want("undone", map[*storage.Actor][2]int{a: {1, 1}, b: {1, 0}, c: {0, 1}})
	if err := db.Update(ctx, func(tx storage.Tx) error {
		_, err := tx.(*Tx).tx.ExecContext(ctx, `DELETE FROM actors WHERE id = ?`, c.ID) // as an account's removal cascades
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want("c deleted", map[*storage.Actor][2]int{a: {0, 1}, b: {1, 0}})
}

// TestFinishDeliveries: a batch removes exactly the deliveries named, whatever its length
// (lists are padded to a few statement sizes and split past the largest), and nothing else;
// a claim as long leases them all.
func TestFinishDeliveries(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := mustActor(t, db, "a", "a.test", true)
	now := time.Now()
	act := &storage.Activity{URI: "https://a.test/act/1", ActorID: a.ID, Local: true, Type: "Create", JSON: `{"id":"x"}`}
	var inboxes []string
	for i := range 700 {
		inboxes = append(inboxes, fmt.Sprintf("https://h%d.test/inbox", i))
	}
	err := db.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.PutActivity(ctx, act); err != nil {
			return err
		}
		return tx.EnqueueDeliveries(ctx, act.ID, inboxes, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	queued, err := db.ListDeliveries(ctx, act.ID)
	if err != nil || len(queued) != len(inboxes) {
		t.Fatalf("queued %d (%v), want %d", len(queued), err, len(inboxes))
	}
	// A claim past one statement's list of ids leases every one it returns.
	if claimed, err := db.ClaimDeliveries(ctx, now, time.Minute, 300); err != nil || len(claimed) != 300 {
		t.Fatalf("claimed %d (%v), want 300", len(claimed), err)
	}
	if rest, err := db.ClaimDeliveries(ctx, now, time.Minute, 1000); err != nil || len(rest) != 400 {
		t.Fatalf("claimed %d more (%v), want the 400 not leased", len(rest), err)
	}
	left := len(queued)
	for _, n := range []int{0, 1, 2, 5, 16, 17, 256, 300} {
		var ids []int64
		for _, d := range queued[:n] {
			ids = append(ids, d.ID)
		}
		queued = queued[n:]
		if err := db.FinishDeliveries(ctx, ids...); err != nil {
			t.Fatalf("finish %d: %v", n, err)
		}
		left -= n
		rest, err := db.ListDeliveries(ctx, act.ID)
		if err != nil || len(rest) != left || (left > 0 && rest[0].ID != queued[0].ID) {
			t.Fatalf("after finishing %d: %d left (%v), want %d from id %d", n, len(rest), err, left, queued[0].ID)
		}
	}
}
