package sqldb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"refuge/internal/testrig/pgtest"
	"refuge/storage"
)

// The storage side of BENCHMARKS.md: what one inbox delivery writes, and the two timeline
// queries every page view makes. Compare runs with benchstat; nothing here asserts a speed.

// benchInbox is a database with a local account following a remote author.
func benchInbox(b *testing.B) (*DB, *storage.Actor, *storage.Actor) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	local := &storage.Actor{URI: "https://refuge.example/users/alice", Local: true, Type: "Person", Username: "alice",
		Host: "refuge.example"}
	remote := &storage.Actor{URI: "https://peer.example/users/bob", Type: "Person", Username: "bob", Host: "peer.example",
		FollowersURI: "https://peer.example/users/bob/followers", KeyID: "https://peer.example/users/bob#main-key"}
	err = db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.CreateActor(ctx, local); err != nil {
			return err
		}
		if err := tx.CreateActor(ctx, remote); err != nil {
			return err
		}
		return tx.PutFollow(ctx, &storage.Follow{URI: local.URI + "/follows/1", FollowerID: local.ID, FolloweeID: remote.ID, Accepted: true})
	})
	if err != nil {
		b.Fatal(err)
	}
	return db, local, remote
}

// inboxInsert is what the inbox stores for a Create{storage.Note}: the note with a hashtag, the
// activity's id, the follower's feed row, in one transaction.
func inboxInsert(ctx context.Context, db *DB, local, remote *storage.Actor, i int64) error {
	uri := remote.URI + "/statuses/" + strconv.FormatInt(i, 10)
	n := &storage.Note{URI: uri, ActorID: remote.ID, URL: uri, Content: "<p>storage.Note " + strconv.FormatInt(i, 10) + " with a #tag</p>",
		Visibility: storage.Public, To: []string{"https://www.w3.org/ns/activitystreams#storage.Public"}, Cc: []string{remote.FollowersURI},
		Published: time.Now(), Tags: []storage.Tag{{Type: "Hashtag", Name: "#tag", Href: "https://peer.example/tags/tag"}}}
	return db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.CreateNote(ctx, n); err != nil {
			return err
		}
		if _, err := tx.PutActivity(ctx, &storage.Activity{URI: uri + "/activity", ActorID: remote.ID, Type: "Create",
			ObjectURI: uri, NoteID: n.ID}); err != nil {
			return err
		}
		return tx.AddToFeed(ctx, []int64{local.ID}, n.ID, 0, n.Published)
	})
}

func BenchmarkInboxInsert(b *testing.B) {
	ctx := context.Background()
	db, local, remote := benchInbox(b)
	var i int64
	b.ReportAllocs()
	for b.Loop() {
		i++
		if err := inboxInsert(ctx, db, local, remote, i); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInboxInsertParallel is many deliveries arriving at once, as under load.
func BenchmarkInboxInsertParallel(b *testing.B) {
	ctx := context.Background()
	db, local, remote := benchInbox(b)
	var i atomic.Int64
	b.SetParallelism(8)
	b.ReportAllocs()
	batches, updates := db.group.batches.Load(), db.group.updates.Load()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := inboxInsert(ctx, db, local, remote, i.Add(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(db.group.updates.Load()-updates)/float64(max(1, db.group.batches.Load()-batches)), "updates/commit")
}

// timelineNotes is the size of the timeline benchmark's database, built once and kept in
// the temp folder (the load tool's scenario 5 uses a million).
const timelineNotes = 100000

// timelineSeed names what benchTimeline builds; a new shape gets a new file, so that a
// worktree still on the old one does not rebuild it from under this one.
const timelineSeed = "v2"

// benchTimeline opens the cached timeline database, building it when missing: one local
// account following 199 remote authors, a tenth of the notes its own, all in its feed. Of
// the remote authors' notes one in ten is followers-only and one in ten direct to the
// account, so that the feed's visibility check runs every branch it has.
func benchTimeline(b *testing.B) (*DB, *storage.Actor) {
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), "refuge-bench")
	path := filepath.Join(dir, fmt.Sprintf("timeline-%d-%s.db", timelineNotes, timelineSeed))
	if db, err := Open(ctx, path); err == nil {
		if v, _ := db.GetMeta(ctx, "bench-seed"); v == timelineSeed {
			a, err := db.GetLocalActor(ctx, "alice")
			if err == nil {
				b.Cleanup(func() { db.Close() })
				return db, a
			}
		}
		db.Close()
	}
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(path + s)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	authors := make([]*storage.Actor, 200)
	err = db.Update(ctx, func(tx storage.Tx) error {
		for i := range authors {
			a := &storage.Actor{Type: "Person", Username: fmt.Sprintf("u%d", i), Host: fmt.Sprintf("h%d.example", i%20)}
			if i == 0 {
				a.Local, a.Username, a.Host = true, "alice", "refuge.example"
			}
			a.URI = "https://" + a.Host + "/users/" + a.Username
			a.FollowersURI = a.URI + "/followers"
			if err := tx.CreateActor(ctx, a); err != nil {
				return err
			}
			authors[i] = a
			if i > 0 {
				if err := tx.PutFollow(ctx, &storage.Follow{URI: a.URI + "/f", FollowerID: authors[0].ID, FolloweeID: a.ID, Accepted: true}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for lo := 0; lo < timelineNotes; lo += 10000 {
		err := db.Update(ctx, func(tx storage.Tx) error {
			for i := lo; i < lo+10000; i++ {
				a := authors[0]
				if i%10 != 0 {
					a = authors[1+i%199]
				}
				at := start.Add(time.Duration(i) * time.Second)
				n := &storage.Note{URI: a.URI + "/statuses/" + strconv.Itoa(i), ActorID: a.ID, Local: a.Local,
					Content: "<p>note " + strconv.Itoa(i) + "</p>", Visibility: storage.Public,
					To: []string{"https://www.w3.org/ns/activitystreams#Public"}, Cc: []string{a.FollowersURI}, Published: at}
				switch i % 10 {
				case 1:
					n.Visibility, n.To, n.Cc = storage.Followers, []string{a.FollowersURI}, nil
				case 3:
					n.Visibility, n.To, n.Cc = storage.Direct, []string{authors[0].URI}, nil
					n.Tags = []storage.Tag{{Type: "Mention", Name: "@alice", Href: authors[0].URI}}
				}
				if err := tx.CreateNote(ctx, n); err != nil {
					return err
				}
				if err := tx.AddToFeed(ctx, []int64{authors[0].ID}, n.ID, 0, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutMeta(ctx, "bench-seed", timelineSeed) }); err != nil {
		b.Fatal(err)
	}
	return db, authors[0]
}

func BenchmarkTimelineQuery(b *testing.B) {
	ctx := context.Background()
	db, alice := benchTimeline(b)
	b.Run("home", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if items, err := db.ListFeed(ctx, alice.ID, storage.Page{Limit: 20}); err != nil || len(items) != 20 {
				b.Fatal(len(items), err)
			}
		}
	})
	b.Run("home-deep", func(b *testing.B) {
		b.ReportAllocs()
		p := storage.Page{Before: timelineNotes / 2, Limit: 20}
		for b.Loop() {
			if items, err := db.ListFeed(ctx, alice.ID, p); err != nil || len(items) != 20 {
				b.Fatal(len(items), err)
			}
		}
	})
	b.Run("profile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if notes, err := db.ListActorNotes(ctx, alice.ID, 0, storage.Page{Limit: 20}); err != nil || len(notes) != 20 {
				b.Fatal(len(notes), err)
			}
		}
	})
	b.Run("profile-count", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.CountActorNotes(ctx, alice.ID, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCopy copies the timeline database (100,000 notes with as many feed rows, and
// their tags and recipients) into a new database, PostgreSQL when the run has one (see
// pgtest) and a SQLite file otherwise; copy includes the check that follows it, check is
// that check alone.
func BenchmarkCopy(b *testing.B) {
	ctx := context.Background()
	src, _ := benchTimeline(b)
	counts, err := src.RowCounts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rows := 0
	for table, n := range counts {
		if !notCopied[table] {
			rows += n
		}
	}
	open := func() *DB {
		var dst *DB
		var err error
		if pgtest.Admin() != "" {
			dst, err = OpenPostgres(ctx, pgtest.NewDatabase(b), PostgresOptions{MaxConns: 4})
		} else {
			dst, err = Open(ctx, filepath.Join(b.TempDir(), "copy.db"))
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { dst.Close() })
		return dst
	}
	var dst *DB
	b.Run("copy", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			dst = open()
			b.StartTimer()
			if _, err := Copy(ctx, src, dst, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("check", func(b *testing.B) {
		for range b.N {
			if err := Compare(ctx, src, dst); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkDeliveryQueue is the queue's side of a fan-out of 1,000 deliveries: claimed 32 at
// a time (the workers' default), and settled either each by itself from the worker that sent
// it, concurrently (as before the settler), or in one batch (as the settler does). Queuing
// them is not timed.
func BenchmarkDeliveryQueue(b *testing.B) {
	const fanout, workers = 1000, 32
	for _, settle := range []string{"each", "batch"} {
		b.Run("settle="+settle, func(b *testing.B) {
			ctx := context.Background()
			db, local, _ := benchInbox(b)
			inboxes := make([]string, fanout)
			for i := range inboxes {
				inboxes[i] = fmt.Sprintf("https://h%d.example/inbox", i)
			}
			b.ReportAllocs()
			var n int64
			cpu := processCPU()
			for b.Loop() {
				b.StopTimer()
				n++
				act := &storage.Activity{URI: fmt.Sprintf("%s/activities/%d", local.URI, n), ActorID: local.ID, Local: true,
					Type: "Create", JSON: `{"id":"x"}`}
				err := db.Update(ctx, func(tx storage.Tx) error {
					if _, err := tx.PutActivity(ctx, act); err != nil {
						return err
					}
					return tx.EnqueueDeliveries(ctx, act.ID, inboxes, time.Now())
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for {
					claimed, err := db.ClaimDeliveries(ctx, time.Now(), time.Minute, workers)
					if err != nil {
						b.Fatal(err)
					}
					if len(claimed) == 0 {
						break
					}
					if settle == "batch" {
						ids := make([]int64, len(claimed))
						for i, d := range claimed {
							ids[i] = d.ID
						}
						if err := db.FinishDeliveries(ctx, ids...); err != nil {
							b.Fatal(err)
						}
						continue
					}
					var wg sync.WaitGroup
					for _, d := range claimed {
						wg.Go(func() {
							if err := db.FinishDeliveries(ctx, d.ID); err != nil {
								b.Error(err)
							}
						})
					}
					wg.Wait()
				}
			}
			// CPU, not wall time: the machine is shared, and the queue's cost is CPU. It
			// includes the untimed queuing, the same for both.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N*fanout), "cpu-ns/delivery")
		})
	}
}

// processCPU is the user and system CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVote is what storing one vote in a local poll costs, in a poll with no votes yet
// and in one with 10,000: the counts are added to, never counted again, so the two should
// cost the same.
func BenchmarkVote(b *testing.B) {
	for _, before := range []int{0, 10_000} {
		b.Run(fmt.Sprintf("votes=%d", before), func(b *testing.B) {
			ctx := context.Background()
			db, local, _ := benchInbox(b)
			poll := &storage.Note{URI: local.URI + "/statuses/poll", ActorID: local.ID, Local: true, Content: "<p>which?</p>",
				Visibility: storage.Public, Published: time.Now(), Poll: &storage.Poll{ExpiresAt: time.Now().Add(time.Hour),
					Options: []storage.PollOption{{Title: "a"}, {Title: "b"}, {Title: "c"}, {Title: "d"}}}}
			voters := make([]int64, before+b.N)
			err := db.Update(ctx, func(tx storage.Tx) error {
				if err := tx.CreateNote(ctx, poll); err != nil {
					return err
				}
				for i := range voters {
					a := &storage.Actor{URI: fmt.Sprintf("https://peer.example/users/v%d", i), Type: "Person",
						Username: fmt.Sprintf("v%d", i), Host: "peer.example"}
					if err := tx.CreateActor(ctx, a); err != nil {
						return err
					}
					voters[i] = a.ID
					if i < before {
						if _, err := tx.Vote(ctx, poll.ID, a.ID, []int{i % 4}, time.Now()); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				err := db.Update(ctx, func(tx storage.Tx) error {
					_, err := tx.Vote(ctx, poll.ID, voters[before+i], []int{i % 4}, time.Now())
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
