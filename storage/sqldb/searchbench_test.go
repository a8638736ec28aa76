package sqldb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"refuge/internal/testrig/pgtest"
	"refuge/storage"
)

// The search side of BENCHMARKS.md. BenchmarkSearchIndexCost is what indexing adds to what
// the inbox stores for a delivery; BenchmarkSearch, opt-in with REFUGE_BENCH_SEARCH_NOTES
// (a number of notes, e.g. 1000000), searches a database of that many notes.

// benchIndexNote is the note inboxInsert stores, with a sentence of text as posts have.
func benchIndexNote(remote *storage.Actor, i int64) *storage.Note {
	uri := remote.URI + "/statuses/" + strconv.FormatInt(i, 10)
	return &storage.Note{ID: i, URI: uri, ActorID: remote.ID, URL: uri,
		Content:    "<p>Note " + strconv.FormatInt(i, 10) + " about the weather in the mountains with a #tag, 今天天气很好，我们去公园散步吧</p>",
		Visibility: storage.Public, Published: time.Now(), Tags: []storage.Tag{{Type: "Hashtag", Name: "#tag", Href: "https://peer.example/tags/tag"}}}
}

// BenchmarkSearchIndexCost: "inbox" is what the inbox stores for a delivery (the note, with
// its index terms, its activity and a follower's feed row, as inboxInsert), "index" the
// index's part of that alone (the terms made, the row written), and "terms" the making of
// the terms alone. Both write 100 notes to a transaction, so that the commit's fsync, the
// same with or without the index and shared by group commit under load, does not hide the
// work; the share of indexing in storing a delivery is index / inbox.
func BenchmarkSearchIndexCost(b *testing.B) {
	ctx := context.Background()
	const perTx = 100
	run := func(b *testing.B, store func(tx *Tx, remote, local *storage.Actor, n *storage.Note) error) {
		db, local, remote := benchInbox(b)
		var i int64
		b.ReportAllocs()
		for b.Loop() {
			i++
			if i%perTx != 1 {
				continue // counted below, a transaction of perTx at a time
			}
			err := db.update(ctx, func(tx *Tx) error {
				for j := i; j < i+perTx; j++ {
					if err := store(tx, remote, local, benchIndexNote(remote, j)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("inbox", func(b *testing.B) {
		run(b, func(tx *Tx, remote, local *storage.Actor, n *storage.Note) error {
			n.ID = 0
			if err := tx.CreateNote(ctx, n); err != nil {
				return err
			}
			if _, err := tx.PutActivity(ctx, &storage.Activity{URI: n.URI + "/activity", ActorID: remote.ID, Type: "Create",
				ObjectURI: n.URI, NoteID: n.ID}); err != nil {
				return err
			}
			return tx.AddToFeed(ctx, []int64{local.ID}, n.ID, 0, n.Published)
		})
	})
	b.Run("index", func(b *testing.B) {
		run(b, func(tx *Tx, _, _ *storage.Actor, n *storage.Note) error { return tx.indexNote(ctx, n) })
	})
	b.Run("terms", func(b *testing.B) {
		n := benchIndexNote(&storage.Actor{URI: "https://peer.example/users/bob"}, 1)
		b.ReportAllocs()
		for b.Loop() {
			noteTerms(n)
		}
	})
}

// searchVocabulary is the text the search benchmark's notes are made of: English-like words
// and Chinese characters, each drawn with a Zipf distribution, as words in real text are.
type searchVocabulary struct {
	words []string
	han   []rune
}

func newSearchVocabulary() *searchVocabulary {
	v := &searchVocabulary{}
	rng := rand.New(rand.NewPCG(1, 2))
	letters := "abcdefghijklmnopqrstuvwxyz"
	seen := map[string]bool{}
	for len(v.words) < 20000 {
		var w strings.Builder
		for range 3 + rng.IntN(6) {
			w.WriteByte(letters[rng.IntN(len(letters))])
		}
		if !seen[w.String()] {
			seen[w.String()] = true
			v.words = append(v.words, w.String())
		}
	}
	for r := rune(0x4E00); len(v.han) < 3000; r++ {
		v.han = append(v.han, r)
	}
	return v
}

// text is a post: a dozen English-like words, and a run of Chinese in most.
func (v *searchVocabulary) text(rng *rand.Rand, zw, zh *rand.Zipf) string {
	var b strings.Builder
	b.WriteString("<p>")
	for range 6 + rng.IntN(12) {
		b.WriteString(v.words[zw.Uint64()])
		b.WriteByte(' ')
	}
	if rng.IntN(3) > 0 {
		for range 4 + rng.IntN(20) {
			b.WriteRune(v.han[zh.Uint64()])
		}
	}
	b.WriteString("</p>")
	return b.String()
}

// benchSearchDB is a database of n notes by 1,000 authors (two in five local), half of
// them indexable, three in five of the notes public, built once per n: a SQLite file in the
// temporary folder or, with REFUGE_TEST_POSTGRES, a database on that cluster
// (REFUGE_BENCH_SEARCH_KEEP=1 keeps either between runs).
func benchSearchDB(b *testing.B, n int) (*DB, *storage.Actor) {
	ctx := context.Background()
	keep := os.Getenv("REFUGE_BENCH_SEARCH_KEEP") != ""
	var db *DB
	var existed bool
	var err error
	if pgtest.Admin() != "" {
		db, existed, err = benchSearchPostgres(ctx, b, n, keep)
	} else {
		path := filepath.Join(os.TempDir(), fmt.Sprintf("refuge-search-bench-%d.db", n))
		_, statErr := os.Stat(path)
		existed = keep && statErr == nil
		if !keep {
			os.Remove(path)
			os.Remove(path + "-wal")
			b.Cleanup(func() { os.Remove(path); os.Remove(path + "-wal"); os.Remove(path + "-shm") })
		}
		db, err = Open(ctx, path)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if existed {
		viewer, err := db.GetLocalActor(ctx, "viewer")
		if err == nil {
			return db, viewer
		}
		b.Fatalf("the kept database holds no viewer (remove it to build it again): %v", err)
	}
	viewer := &storage.Actor{URI: "https://refuge.example/users/viewer", Local: true, Type: "Person", Username: "viewer", Host: "refuge.example"}
	var authors []*storage.Actor
	err = db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.CreateActor(ctx, viewer); err != nil {
			return err
		}
		for i := range 1000 {
			a := &storage.Actor{URI: fmt.Sprintf("https://peer%d.example/users/a%d", i%50, i), Type: "Person",
				Username: fmt.Sprintf("a%d", i), Host: fmt.Sprintf("peer%d.example", i%50), Indexable: i%2 == 0,
				FollowersURI: fmt.Sprintf("https://peer%d.example/users/a%d/followers", i%50, i)}
			if i%5 == 1 || i%5 == 2 { // two in five authors local, half of those indexable
				a.URI, a.Host, a.Local = fmt.Sprintf("https://refuge.example/users/a%d", i), "refuge.example", true
				a.FollowersURI = a.URI + "/followers"
			}
			if err := tx.CreateActor(ctx, a); err != nil {
				return err
			}
			authors = append(authors, a)
			if i%10 == 0 {
				if err := tx.PutFollow(ctx, &storage.Follow{URI: a.URI + "#follow", FollowerID: viewer.ID, FolloweeID: a.ID, Accepted: true}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	v := newSearchVocabulary()
	rng := rand.New(rand.NewPCG(3, 4))
	zw := rand.NewZipf(rng, 1.1, 2, uint64(len(v.words)-1))
	zh := rand.NewZipf(rng, 1.05, 2, uint64(len(v.han)-1))
	visibilities := []storage.Visibility{storage.Public, storage.Public, storage.Public, storage.Unlisted, storage.Followers}
	start := time.Now().Add(-time.Duration(n) * time.Second)
	const batch = 5000
	for done := 0; done < n; done += batch {
		err := db.Update(ctx, func(tx storage.Tx) error {
			for i := done; i < min(n, done+batch); i++ {
				a := authors[rng.IntN(len(authors))]
				note := &storage.Note{URI: fmt.Sprintf("%s/s/%d", a.URI, i), ActorID: a.ID, Local: a.Local, Content: v.text(rng, zw, zh),
					Visibility: visibilities[rng.IntN(len(visibilities))], Published: start.Add(time.Duration(i) * time.Second)}
				if note.Visibility == storage.Public {
					note.To = []string{"https://www.w3.org/ns/activitystreams#Public"}
				}
				if err := tx.CreateNote(ctx, note); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if done%100000 == 0 {
			b.Logf("%d notes stored", done)
		}
	}
	if db.reader.postgres() {
		if _, err := db.read.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	return db, viewer
}

// benchSearchPostgres opens the search benchmark's database of n notes on the test cluster:
// a new one, or with keep the one an earlier run kept (existed), made if missing.
func benchSearchPostgres(ctx context.Context, b *testing.B, n int, keep bool) (db *DB, existed bool, err error) {
	if !keep {
		db, err = OpenPostgres(ctx, pgtest.NewDatabase(b), PostgresOptions{MaxConns: 4, StatementTimeout: time.Hour})
		return db, false, err
	}
	admin, err := url.Parse(pgtest.Admin())
	if err != nil {
		return nil, false, err
	}
	name := fmt.Sprintf("refuge_search_bench_%d", n)
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return nil, false, err
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&existed); err != nil {
		return nil, false, err
	}
	if !existed {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
			return nil, false, err
		}
	}
	admin.Path = "/" + name
	db, err = OpenPostgres(ctx, admin.String(), PostgresOptions{MaxConns: 4, StatementTimeout: time.Hour})
	return db, existed, err
}

// BenchmarkSearch searches a database of REFUGE_BENCH_SEARCH_NOTES notes with a mix of
// queries (common and rare words, Chinese words of two and three characters, one
// character, two words ANDed), newest first and by relevance, as a local account that
// follows a tenth of the authors; it reports each kind's p50 and p99.
func BenchmarkSearch(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("REFUGE_BENCH_SEARCH_NOTES"))
	if n <= 0 {
		b.Skip("set REFUGE_BENCH_SEARCH_NOTES to a number of notes (e.g. 1000000) to run it")
	}
	ctx := context.Background()
	db, viewer := benchSearchDB(b, n)
	v := newSearchVocabulary()
	queries := map[string][]string{
		"common-word":  {v.words[2], v.words[3], v.words[5]},
		"rare-word":    {v.words[15000], v.words[17000], v.words[19000]},
		"han-2":        {string(v.han[2:4]), string(v.han[10:12]), string(v.han[100:102])},
		"han-3":        {string(v.han[2:5]), string(v.han[20:23])},
		"han-1":        {string(v.han[7]), string(v.han[500])},
		"two-words":    {v.words[4] + " " + v.words[40], v.words[10] + " " + string(v.han[3:5])},
		"no-match":     {"zzzzzzzzzz"},
		"common-visit": {v.words[2]},
	}
	names := make([]string, 0, len(queries))
	for k := range queries {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, relevance := range []bool{false, true} {
		for _, name := range names {
			label := name
			if relevance {
				label += "-relevance"
			}
			b.Run(label, func(b *testing.B) {
				var times []time.Duration
				found := 0
				i := 0
				for b.Loop() {
					q := storage.NoteSearch{Text: queries[name][i%len(queries[name])], ActorID: viewer.ID, ByRelevance: relevance, Limit: 20}
					if name == "common-visit" {
						q.ActorID = 0
					}
					i++
					t0 := time.Now()
					notes, err := db.SearchNotes(ctx, q)
					times = append(times, time.Since(t0))
					if err != nil {
						b.Fatal(err)
					}
					found += len(notes)
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(found)/float64(len(times)), "found/op")
			})
		}
	}
	var size, notes int64
	sizeQuery := `SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'note_search%'`
	if db.reader.postgres() {
		sizeQuery = `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c WHERE c.relname LIKE 'note\_search%' AND c.relkind = 'r'`
	}
	if err := db.read.QueryRowContext(ctx, sizeQuery).Scan(&size); err != nil {
		b.Logf("index size: %v", err)
		return
	}
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM notes`).Scan(&notes); err != nil {
		b.Fatal(err)
	}
	b.Logf("index: %d notes, %.1f MiB, %.1f MiB per million notes", notes, float64(size)/(1<<20), float64(size)/(1<<20)*1e6/float64(notes))
}
