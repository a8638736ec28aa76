package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"refuge/storage"
	"refuge/storage/sqldb"
)

// Scenario 5: home timeline and profile queries against a database of a million notes,
// seeded through the storage package itself and kept in the cache folder between runs.

// seedShape is the seeded world: one local account following every remote author; it
// wrote a tenth of the notes and its home feed holds them all.
const (
	seedAuthors = 1000 // the local account and 999 remote actors on 100 hosts
	seedBatch   = 10000
	seedVersion = "v2"
)

// queryTime caps the timing of one query in a run (a slow one gets fewer calls).
const queryTime = 5 * time.Second

// storageQuery is one query timed over many calls.
type storageQuery struct {
	name string
	lat  latencies
}

// seedPath is the cached million-note file for n notes.
func seedPath(cache string, n int) string {
	return filepath.Join(cache, fmt.Sprintf("notes-%d.db", n))
}

// seedDB is the cached million-note database for n notes on PostgreSQL, named by the seed
// as the file is.
func seedDB(n int) string { return fmt.Sprintf("refuge_load_notes_%s_%d", seedVersion, n) }

// openSeeded opens the cached file, seeding it first when it is missing or incomplete; on
// PostgreSQL (--db), the cached database.
func openSeeded(ctx context.Context, e *env) (storage.DB, error) {
	if e.pg != nil {
		return openSeededPG(ctx, e)
	}
	n := e.cfg.notes
	path := seedPath(e.cfg.cache, n)
	want := seedVersion + " " + strconv.Itoa(n)
	if db, err := sqldb.Open(ctx, path); err == nil {
		if v, _ := db.GetMeta(ctx, "load-seed"); v == want {
			return db, nil
		}
		db.Close()
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	if err := os.MkdirAll(e.cfg.cache, 0o700); err != nil {
		return nil, err
	}
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	begin := time.Now()
	if err := seed(ctx, db, n, e.logf); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutMeta(ctx, "load-seed", want) }); err != nil {
		db.Close()
		return nil, err
	}
	e.logf("  seeded %d notes into %s in %.1fs (kept for the next run)", n, path, time.Since(begin).Seconds())
	return db, nil
}

// openSeededPG is openSeeded on PostgreSQL: the cached database is made anew, seeded
// through the storage package in the same batches, and analyzed.
func openSeededPG(ctx context.Context, e *env) (storage.DB, error) {
	n := e.cfg.notes
	name := seedDB(n)
	want := seedVersion + " " + strconv.Itoa(n)
	if db, err := sqldb.OpenPostgres(ctx, e.pg.dsn(name), sqldb.PostgresOptions{}); err == nil {
		if v, _ := db.GetMeta(ctx, "load-seed"); v == want {
			return db, nil
		}
		db.Close()
	}
	if err := e.pg.createDB(ctx, name); err != nil {
		return nil, err
	}
	db, err := sqldb.OpenPostgres(ctx, e.pg.dsn(name), sqldb.PostgresOptions{})
	if err != nil {
		return nil, err
	}
	begin := time.Now()
	err = seed(ctx, db, n, e.logf)
	if err == nil {
		// The planner needs statistics of the tables just filled; autovacuum would gather
		// them some time later, in the middle of a run.
		err = e.pg.execIn(ctx, name, `VACUUM (ANALYZE)`)
	}
	if err == nil {
		err = db.Update(ctx, func(tx storage.Tx) error { return tx.PutMeta(ctx, "load-seed", want) })
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	e.logf("  seeded %d notes into database %s in %.1fs (kept for the next run)", n, name, time.Since(begin).Seconds())
	return db, nil
}

// seed writes the actors, follows, notes (a twentieth of them replies, a tenth tagged, half
// with an image, a fifth liked, a tenth boosted, every tenth by the local account in all four
// visibilities) and feed. The images, likes and boosts give the client API's home timeline
// what apps show: media and counts (seed v2; v1 had no media or boosts and a twentieth liked).
func seed(ctx context.Context, db storage.DB, n int, logf func(string, ...any)) error {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	authors := make([]*storage.Actor, seedAuthors)
	err := db.Update(ctx, func(tx storage.Tx) error {
		for i := range authors {
			host := fmt.Sprintf("host%d.example", i%100)
			a := &storage.Actor{Type: "Person", Username: fmt.Sprintf("user%d", i), Host: host, Published: start}
			if i == 0 {
				a.Local, a.Username, a.Host = true, "alice", "refuge.example"
			}
			a.URI = "https://" + a.Host + "/users/" + a.Username
			a.Inbox, a.SharedInbox, a.FollowersURI = a.URI+"/inbox", "https://"+a.Host+"/inbox", a.URI+"/followers"
			a.KeyID = a.URI + "#main-key"
			if err := tx.CreateActor(ctx, a); err != nil {
				return err
			}
			authors[i] = a
			if i > 0 {
				f := &storage.Follow{URI: a.URI + "/follow-of-alice", FollowerID: authors[0].ID, FolloweeID: a.ID, Accepted: true}
				if err := tx.PutFollow(ctx, f); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	uris := make([]string, 0, n)
	visibilities := []storage.Visibility{storage.Public, storage.Unlisted, storage.Followers, storage.Direct}
	for b := 0; b < n; b += seedBatch {
		err := db.Update(ctx, func(tx storage.Tx) error {
			for i := b; i < min(b+seedBatch, n); i++ {
				author := authors[0]
				vis := visibilities[(i/10)%4]
				if i%10 != 0 {
					author, vis = authors[1+rng.IntN(seedAuthors-1)], storage.Public
				}
				at := start.Add(time.Duration(i) * time.Second)
				note := &storage.Note{URI: author.URI + "/statuses/" + strconv.Itoa(i), ActorID: author.ID,
					Local: author.Local, Content: "<p>Seeded note " + strconv.Itoa(i) + " with a little text, as posts have.</p>",
					Visibility: vis, Published: at}
				note.To, note.Cc = addressing(vis, author.FollowersURI)
				note.URL = note.URI
				if i%20 == 7 && i > 100 {
					note.InReplyToURI = uris[i-1-rng.IntN(100)]
				}
				if i%10 == 3 {
					note.Tags = []storage.Tag{{Type: "Hashtag", Name: "#seed", Href: "https://refuge.example/tags/seed"}}
				}
				if i%2 == 0 {
					note.Media = []storage.Media{{URL: author.URI + "/media/" + strconv.Itoa(i) + ".jpg", MediaType: "image/jpeg",
						Description: "A seeded photo", Blurhash: "LKO2?U%2Tw=w]~RBVZRi};RPxuwH", Width: 1280, Height: 960, Created: at}}
				}
				if err := tx.CreateNote(ctx, note); err != nil {
					return err
				}
				uris = append(uris, note.URI)
				if err := tx.AddToFeed(ctx, []int64{authors[0].ID}, note.ID, 0, at); err != nil {
					return err
				}
				for _, r := range []struct {
					kind  storage.ReactionKind
					every int
				}{{"Like", 5}, {"Announce", 10}} {
					if i%r.every != 1 {
						continue
					}
					who := authors[1+rng.IntN(seedAuthors-1)]
					if _, err := tx.PutReaction(ctx, r.kind, &storage.Reaction{URI: note.URI + "/" + string(r.kind) + "/1",
						ActorID: who.ID, NoteID: note.ID, Created: at}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if (b/seedBatch)%20 == 19 {
			logf("  seeded %d of %d notes", b+seedBatch, n)
		}
	}
	return nil
}

// timeQueries times each query cfg.queries times, sequentially: one reader's latency.
func timeQueries(ctx context.Context, e *env, db storage.DB, run int) ([]*storageQuery, error) {
	alice, err := db.GetLocalActor(ctx, "alice")
	if err != nil {
		return nil, err
	}
	other, err := db.GetActorByURI(ctx, "https://host7.example/users/user7")
	if err != nil {
		return nil, err
	}
	n := int64(e.cfg.notes)
	rng := rand.New(rand.NewPCG(3, uint64(run)))
	deep := func() int64 { return 1000 + rng.Int64N(n-1000) } // feed and note row ids run 1..n
	queries := []struct {
		name string
		fn   func() (int, error)
	}{
		{"home timeline, first page", func() (int, error) { return count(db.ListFeed(ctx, alice.ID, storage.Page{Limit: 20})) }},
		{"home timeline, a page deep in", func() (int, error) {
			return count(db.ListFeed(ctx, alice.ID, storage.Page{Before: deep(), Limit: 20}))
		}},
		{"profile (100k notes), first page, anonymous", func() (int, error) {
			return count(db.ListActorNotes(ctx, alice.ID, 0, storage.Page{Limit: 20}))
		}},
		{"profile (100k notes), a page deep in, anonymous", func() (int, error) {
			return count(db.ListActorNotes(ctx, alice.ID, 0, storage.Page{Before: deep(), Limit: 20}))
		}},
		{"profile (100k notes), first page, by its owner", func() (int, error) {
			return count(db.ListActorNotes(ctx, alice.ID, alice.ID, storage.Page{Limit: 20}))
		}},
		{"profile (~900 notes), first page, anonymous", func() (int, error) {
			return count(db.ListActorNotes(ctx, other.ID, 0, storage.Page{Limit: 20}))
		}},
		{"profile post count (100k notes), anonymous", func() (int, error) { return db.CountActorNotes(ctx, alice.ID, 0) }},
		{"profile post count (100k notes), signed-in reader", func() (int, error) {
			return db.CountActorNotes(ctx, alice.ID, other.ID)
		}},
	}
	var out []*storageQuery
	for _, q := range queries {
		sq := &storageQuery{name: q.name}
		deadline := time.Now().Add(queryTime)
		for i := 0; i < e.cfg.queries && time.Now().Before(deadline); i++ {
			t0 := time.Now()
			got, err := q.fn()
			sq.lat = append(sq.lat, time.Since(t0))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", q.name, err)
			}
			if got == 0 {
				return nil, fmt.Errorf("%s: nothing found", q.name)
			}
		}
		out = append(out, sq)
	}
	return out, nil
}

// addressing is to and cc as a note of each visibility has them.
func addressing(vis storage.Visibility, followers string) (to, cc []string) {
	const public = "https://www.w3.org/ns/activitystreams#Public"
	switch vis {
	case storage.Public:
		return []string{public}, []string{followers}
	case storage.Unlisted:
		return []string{followers}, []string{public}
	case storage.Followers:
		return []string{followers}, nil
	}
	return []string{"https://host3.example/users/user3"}, nil
}

func count[T any](list []T, err error) (int, error) { return len(list), err }
