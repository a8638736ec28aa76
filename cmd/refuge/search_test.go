package main

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"refuge/server"
	"refuge/storage"
)

// TestCLISearch: search reindex rebuilds an emptied index of an instance's posts, printing
// its progress, after which a search finds them again; a wrong verb or argument is a usage
// error.
func TestCLISearch(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	flags := []string{"--data", data, "--domain", "example.test:8080"}
	runCLI(t, []cliRow{
		{name: "no verb", args: []string{"search"}, code: 2, wantErr: "refuge search reindex"},
		{name: "an unknown verb", args: []string{"search", "rebuild"}, code: 2, wantErr: "usage:"},
		{name: "help", args: []string{"search", "--help"}, code: 0, wantErr: "usage:"},
		{name: "no instance yet", args: append([]string{"search", "reindex"}, flags...), code: 1, wantErr: "no instance in the data folder"},
		{name: "an instance", args: append([]string{"user", "add", "alice"}, flags...), code: 0, wantOut: "created alice@"},
		{name: "an empty instance", args: append([]string{"search", "reindex"}, flags...), code: 0, wantOut: "the search index holds 0 posts"},
	})

	// 1,200 posts of alice's, then an index that lost all but one of them.
	app, err := server.Open(ctx, server.Config{Data: data, Domain: "example.test:8080", Existing: true})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := app.DB().GetLocalActor(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	err = app.DB().Update(ctx, func(tx storage.Tx) error {
		for i := range 1200 {
			n := &storage.Note{URI: fmt.Sprintf("%s/statuses/%d", alice.URI, i), ActorID: alice.ID, Local: true,
				Content: fmt.Sprintf("<p>第%d只猫咪 post %d</p>", i, i), Visibility: storage.Public, Published: time.Now()}
			if err := tx.CreateNote(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	found := func() int {
		notes, err := app.DB().SearchNotes(ctx, storage.NoteSearch{Text: "猫咪", ActorID: alice.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(notes)
	}
	if n := found(); n != 100 {
		t.Fatalf("before: found %d", n)
	}
	app.Close()
	cfg := server.Config{Data: data}
	db, err := sql.Open("sqlite", cfg.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	// All but one row: an index not empty is not filled again when the instance opens.
	if _, err := db.Exec(`DELETE FROM note_search WHERE rowid <> (SELECT max(rowid) FROM note_search)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	runCLI(t, []cliRow{
		{name: "reindex", args: append([]string{"search", "reindex"}, flags...), code: 0,
			wantOut: "indexed 1200 of 1200 posts\nthe search index holds 1200 posts"},
		{name: "stray argument", args: append([]string{"search", "reindex", "now"}, flags...), code: 2, wantErr: "unexpected argument"},
	})
	if app, err = server.Open(ctx, server.Config{Data: data, Domain: "example.test:8080", Existing: true}); err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if n := found(); n != 100 {
		t.Errorf("after the reindex: found %d", n)
	}
}
