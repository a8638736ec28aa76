package sqldb

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"refuge/internal/testrig/pgtest"
	"refuge/storage"
)

// BenchmarkTagFollowers is the query each stored public post now asks: who here follows
// one of its hashtags. 2,000 accounts follow 5 tags each of 500 (10,000 rows); the note
// carries 3 tags, each followed by the same 20 accounts (named once each). On SQLite (a file) unless the run has
// PostgreSQL (pgtest).
func BenchmarkTagFollowers(b *testing.B) {
	ctx := context.Background()
	var db *DB
	var err error
	if pgtest.Admin() == "" {
		db, err = Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	} else {
		db, err = OpenPostgres(ctx, pgtest.NewDatabase(b), PostgresOptions{MaxConns: 4})
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	author := &storage.Actor{URI: "https://remote.example/users/bob", Type: "Person", Username: "bob", Host: "remote.example",
		Inbox: "https://remote.example/users/bob/inbox", KeyID: "https://remote.example/users/bob#main-key"}
	note := &storage.Note{URI: author.URI + "/statuses/1", Content: "<p>tagged</p>", Visibility: storage.Public, Published: time.Now(),
		Tags: []storage.Tag{{Type: "Hashtag", Name: "#tag1"}, {Type: "Hashtag", Name: "#tag2"}, {Type: "Hashtag", Name: "#tag3"}}}
	err = db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.CreateActor(ctx, author); err != nil {
			return err
		}
		for i := range 2000 {
			a := &storage.Actor{URI: fmt.Sprintf("https://refuge.example/users/u%d", i), Local: true, Type: "Person",
				Username: fmt.Sprintf("u%d", i), Host: "refuge.example", Inbox: fmt.Sprintf("https://refuge.example/users/u%d/inbox", i),
				KeyID: fmt.Sprintf("https://refuge.example/users/u%d#main-key", i)}
			if err := tx.CreateActor(ctx, a); err != nil {
				return err
			}
			for j := range 5 {
				if err := tx.FollowTag(ctx, a.ID, fmt.Sprintf("tag%d", (i*5+j)%500), time.Now()); err != nil {
					return err
				}
			}
		}
		note.ActorID = author.ID
		return tx.CreateNote(ctx, note)
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ids, err := db.TagFollowers(ctx, storage.HashtagNames(note.Tags), note.ActorID); err != nil || len(ids) != 20 {
			b.Fatal(len(ids), err)
		}
	}
}
