package reader

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"refuge/federation"
	"refuge/internal/testrig/fixture"
	"refuge/internal/testrig/pgtest"
	"refuge/storage"
	"refuge/storage/sqldb"
)

// BenchmarkReading measures the read paths issue 17's pages added, on an instance of a real
// size (fixture.SeedReading: 200 accounts followed, 20,000 notes in the feed, a list of 50,
// an exclusive list of 10, 200 unread conversations), in a SQLite file (or a PostgreSQL
// database on the PostgreSQL run). BENCHMARKS.md has the figures; nothing asserts a speed.
func BenchmarkReading(b *testing.B) {
	ctx := context.Background()
	var db *sqldb.DB
	var dsn string
	if pgtest.Admin() == "" {
		db = fixture.Open(b)
	} else {
		// PostgreSQL plans by the statistics ANALYZE gathers, which autovacuum takes soon
		// after a table grows; a database filled a second ago has none, and its plans are
		// those of empty tables. The seeded database is analyzed, as it would be in service,
		// unless REFUGE_BENCH_NO_ANALYZE is set (BENCHMARKS.md has both figures).
		dsn = pgtest.NewDatabase(b)
		var err error
		if db, err = sqldb.OpenPostgres(ctx, dsn, sqldb.PostgresOptions{MaxConns: 4}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
	}
	rd := &Reader{DB: db, Remote: fixture.Remote(db, testDomain), Domain: testDomain, Base: testBase}
	alice := &storage.Actor{URI: testBase + "/users/alice", Local: true, Type: federation.TypePerson,
		Username: "alice", Host: testDomain, URL: testBase + "/@alice", Inbox: testBase + "/users/alice/inbox",
		FollowersURI: testBase + "/users/alice/followers", FetchedAt: time.Now()}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.CreateActor(ctx, alice) }); err != nil {
		b.Fatal(err)
	}
	seed := fixture.SeedReading(b, db, alice, testBase, "https://far.example")
	if dsn != "" && os.Getenv("REFUGE_BENCH_NO_ANALYZE") == "" {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		_, err = conn.Exec(ctx, "ANALYZE")
		conn.Close(ctx)
		if err != nil {
			b.Fatal(err)
		}
	}
	page := func(p storage.Page, read func(storage.Page) (int, error)) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if n, err := read(p); err != nil || n == 0 {
					b.Fatal(n, err)
				}
			}
		}
	}
	list := func(p storage.Page) (int, error) {
		hp, err := rd.ListTimeline(ctx, alice.ID, seed.List.ID, p)
		return len(hp.Items), err
	}
	home := func(p storage.Page) (int, error) {
		hp, err := rd.Home(ctx, alice.ID, p)
		return len(hp.Items), err
	}
	b.Run("list", page(storage.Page{Limit: 20}, list))
	b.Run("list-deep", page(storage.Page{Before: seed.MidFeed, Limit: 20}, list))
	// A list of two members, a hundredth of the feed: the query walks the feed newest first
	// and keeps the members' rows, so a small list reads a hundred rows for each it shows.
	b.Run("list-two", page(storage.Page{Limit: 20}, func(p storage.Page) (int, error) {
		hp, err := rd.ListTimeline(ctx, alice.ID, seed.Two.ID, p)
		return len(hp.Items), err
	}))
	b.Run("home-exclusive", page(storage.Page{Limit: 20}, home))
	b.Run("home-exclusive-deep", page(storage.Page{Before: seed.MidFeed, Limit: 20}, home))
	// The feed query as Home runs it, with and without the exclusive lists' condition: what
	// the condition costs.
	feed := func(exclusive bool) func(storage.Page) (int, error) {
		return func(p storage.Page) (int, error) {
			p.HiddenFor, p.HideExclusive = alice.ID, exclusive
			items, err := db.ListFeed(ctx, alice.ID, p)
			return len(items), err
		}
	}
	b.Run("feed-query-exclusive", page(storage.Page{Limit: 20}, feed(true)))
	b.Run("feed-query-no-exclusion", page(storage.Page{Limit: 20}, feed(false)))
	b.Run("conversations", page(storage.Page{Limit: 20}, func(p storage.Page) (int, error) {
		list, err := rd.Conversations(ctx, alice, p)
		return len(list), err
	}))
	b.Run("unread-conversations", page(storage.Page{}, func(storage.Page) (int, error) {
		return rd.UnreadConversations(ctx, alice)
	}))
	// What a page of the home timeline says its replies answer ("in reply to NAME").
	hp, err := rd.Home(ctx, alice.ID, storage.Page{Limit: 40})
	if err != nil {
		b.Fatal(err)
	}
	var notes []*storage.Note
	for _, it := range hp.Items {
		notes = append(notes, it.Note)
	}
	b.Run("reply-parents", page(storage.Page{}, func(storage.Page) (int, error) {
		parents, err := rd.ReplyParents(ctx, Local(alice), notes)
		return len(parents), err
	}))
	b.Run("unread-notifications", page(storage.Page{}, func(storage.Page) (int, error) {
		n, err := rd.Unread(ctx, alice.ID)
		return n + 1, err // none: the badge's other query, for comparison
	}))
}
