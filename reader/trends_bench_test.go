package reader

import (
	"context"
	"fmt"
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

// BenchmarkTrends measures what the front page and a tag page ask of the reader for the
// trends, on a SQLite file holding two busy months: 20,000 public posts by 500 accounts
// over the last sixty days (a week holds about 2,300), each with one of 200 hashtags (the
// first tags far more used than the last), and as many followers-only posts, which do not
// count. On the PostgreSQL run, the database is analyzed after it is filled, as
// BenchmarkReading's is, unless REFUGE_BENCH_NO_ANALYZE is set. BENCHMARKS.md has the
// figures; nothing asserts a speed.
func BenchmarkTrends(b *testing.B) {
	ctx := context.Background()
	var db *sqldb.DB
	var dsn string
	if pgtest.Admin() == "" {
		db = fixture.Open(b)
	} else {
		dsn = pgtest.NewDatabase(b)
		var err error
		if db, err = sqldb.OpenPostgres(ctx, dsn, sqldb.PostgresOptions{MaxConns: 4}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
	}
	rd := &Reader{DB: db, Remote: fixture.Remote(db, testDomain), Domain: testDomain, Base: testBase}
	const accounts, posts, tags = 500, 20000, 200
	now := time.Now()
	actors := make([]*storage.Actor, accounts)
	if err := db.Update(ctx, func(tx storage.Tx) error {
		for i := range actors {
			uri := fmt.Sprintf("%s/users/u%d", remoteBase, i)
			actors[i] = &storage.Actor{URI: uri, Type: federation.TypePerson, Username: fmt.Sprintf("u%d", i),
				Host: "remote.test", URL: uri, Inbox: uri + "/inbox", FollowersURI: uri + "/followers", FetchedAt: now}
			if err := tx.CreateActor(ctx, actors[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for start := 0; start < 2*posts; start += 1000 {
		if err := db.Update(ctx, func(tx storage.Tx) error {
			for i := start; i < start+1000; i++ {
				a := actors[i%accounts]
				tag := fmt.Sprintf("tag%d", (i*i)%tags*(i%tags)/tags) // skewed towards the first tags
				n := &storage.Note{URI: fmt.Sprintf("%s/statuses/%d", a.URI, i), ActorID: a.ID, Content: "<p>#" + tag + "</p>",
					Visibility: storage.Public, To: []string{federation.PublicCollection}, Cc: []string{a.FollowersURI},
					Published: now.Add(-time.Duration(i%posts) * (60 * 24 * time.Hour / posts)),
					Tags:      []storage.Tag{{Type: federation.TypeHashtag, Name: "#" + tag, Href: remoteBase + "/tags/" + tag}}}
				if i >= posts {
					n.Visibility, n.To, n.Cc = storage.Followers, []string{a.FollowersURI}, nil
				}
				if err := tx.CreateNote(ctx, n); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
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
	b.Run("front page: Trends, 10 of the day and of the week", func(b *testing.B) {
		for b.Loop() {
			if tr, err := rd.Trends(ctx, now, 10); err != nil || len(tr.Week) != 10 {
				b.Fatal(tr, err)
			}
		}
	})
	b.Run("tag page: TagUsage of the most used tag", func(b *testing.B) {
		for b.Loop() {
			if u, err := rd.TagUsage(ctx, "tag0", now); err != nil || u.Uses == 0 {
				b.Fatal(u, err)
			}
		}
	})
}
