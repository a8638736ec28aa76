package sqldb

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

// legacyVisibleTo is visibleTo as it was before note_recipients (migration 0005): the
// viewer's URI looked up in the note's to/cc JSON and its Mention tags, note by note.
const legacyVisibleTo = `(n.visibility IN ('public','unlisted') OR n.actor_id = :viewer
	OR (n.visibility = 'followers' AND EXISTS (SELECT 1 FROM follows f
		WHERE f.follower_id = :viewer AND f.followee_id = n.actor_id AND f.accepted = 1))
	OR EXISTS (SELECT 1 FROM actors v WHERE v.id = :viewer
		AND (instr(n.to_json, '"' || v.uri || '"') > 0 OR instr(n.cc_json, '"' || v.uri || '"') > 0
		OR EXISTS (SELECT 1 FROM note_tags t WHERE t.note_id = n.id AND t.type = 'Mention' AND t.href = v.uri))))`

// TestCountMatchesList builds an account with notes of every visibility and addressing and
// checks, for every kind of viewer, that CountActorNotes is the number of notes
// ListActorNotes pages through, and that those are the notes the former per-note condition
// let the viewer read; as notes are added, edited, deleted, follows change, and after the
// migration's backfill of an existing file.
func TestCountMatchesList(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "count.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	author := mustActor(t, db, "author", "a.test", true)
	follower := mustActor(t, db, "follower", "b.test", false)
	addressedFollower := mustActor(t, db, "addrfollower", "b.test", false)
	pending := mustActor(t, db, "pending", "b.test", false)
	mentioned := mustActor(t, db, "mentioned", "c.test", false)
	toOnly := mustActor(t, db, "toonly", "c.test", false)
	ccOnly := mustActor(t, db, "cconly", "c.test", false)
	stranger := mustActor(t, db, "stranger", "d.test", false)
	other := mustActor(t, db, "other", "e.test", true) // writes notes addressed to the same viewers
	follow := func(f *storage.Actor, accepted bool) {
		t.Helper()
		if err := db.Update(ctx, func(tx storage.Tx) error {
			return tx.PutFollow(ctx, &storage.Follow{URI: f.URI + "/follows/" + author.Username, FollowerID: f.ID,
				FolloweeID: author.ID, Accepted: accepted})
		}); err != nil {
			t.Fatal(err)
		}
	}
	follow(follower, true)
	follow(addressedFollower, true)
	follow(pending, false)

	const public = "https://www.w3.org/ns/activitystreams#storage.Public"
	mention := func(a *storage.Actor) storage.Tag {
		return storage.Tag{Type: "Mention", Name: "@" + a.Username + "@" + a.Host, Href: a.URI}
	}
	k := 0
	add := func(by *storage.Actor, vis storage.Visibility, to, cc []string, tags ...storage.Tag) *storage.Note {
		t.Helper()
		k++
		n := &storage.Note{URI: by.URI + "/statuses/m" + string(rune('a'+k/26)) + string(rune('a'+k%26)), ActorID: by.ID,
			Local: by.Local, Content: "<p>x</p>", Visibility: vis, To: to, Cc: cc, Tags: tags, Published: time.Now()}
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.CreateNote(ctx, n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var notes []*storage.Note
	for _, by := range []*storage.Actor{author, other} {
		fol := by.FollowersURI
		notes = append(notes,
			add(by, storage.Public, []string{public}, []string{fol}),
			add(by, storage.Public, []string{public}, []string{fol, toOnly.URI}, mention(toOnly)),
			add(by, storage.Unlisted, []string{fol}, []string{public}),
			add(by, storage.Followers, []string{fol}, nil),
			add(by, storage.Followers, []string{fol}, nil),
			add(by, storage.Followers, []string{fol, mentioned.URI}, nil, mention(mentioned)),
			add(by, storage.Followers, []string{fol, addressedFollower.URI}, nil, mention(addressedFollower)),
			add(by, storage.Followers, []string{fol}, []string{ccOnly.URI}),
			add(by, storage.Followers, []string{fol, toOnly.URI, toOnly.URI}, []string{toOnly.URI}),
			add(by, storage.Direct, []string{mentioned.URI}, nil, mention(mentioned), mention(mentioned)),
			add(by, storage.Direct, nil, nil, mention(mentioned)), // mentioned only, not addressed
			add(by, storage.Direct, []string{toOnly.URI}, nil),
			add(by, storage.Direct, nil, []string{ccOnly.URI}),
			add(by, storage.Direct, []string{addressedFollower.URI, follower.URI}, nil, mention(addressedFollower)),
			add(by, storage.Direct, []string{pending.URI}, nil),
			add(by, storage.Direct, []string{"https://nowhere.test/users/nobody"}, nil),
		)
	}
	viewers := map[string]int64{"anonymous": 0, "author": author.ID, "follower": follower.ID,
		"addressed follower": addressedFollower.ID, "pending follower": pending.ID, "mentioned": mentioned.ID,
		"to only": toOnly.ID, "cc only": ccOnly.ID, "stranger": stranger.ID, "unknown id": 99999}
	check := func(when string) {
		t.Helper()
		for name, viewer := range viewers {
			var listed []int64
			for p := (storage.Page{Limit: 100}); ; {
				page, err := db.ListActorNotes(ctx, author.ID, viewer, p)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range page {
					listed = append(listed, n.ID)
				}
				if len(page) < 100 {
					break
				}
				p.Before = page[len(page)-1].ID
			}
			var want []int64
			rows, err := db.read.QueryContext(ctx, `SELECT n.id FROM notes n WHERE n.actor_id = :actor
				AND n.deleted_at = '' AND `+legacyVisibleTo+` ORDER BY n.id DESC`,
				sql.Named("actor", author.ID), sql.Named("viewer", viewer))
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				want = append(want, id)
			}
			rows.Close()
			if !slices.Equal(listed, want) {
				t.Errorf("%s: %s lists %v, the per-note condition %v", when, name, listed, want)
			}
			got, err := db.CountActorNotes(ctx, author.ID, viewer)
			if err != nil || got != len(listed) {
				t.Errorf("%s: %s counts %d notes (%v), lists %d", when, name, got, err, len(listed))
			}
			for _, n := range notes {
				ok, err := db.CanSee(ctx, n.ID, viewer)
				var legacy bool
				db.read.QueryRowContext(ctx, `SELECT `+legacyVisibleTo+` FROM notes n WHERE n.id = :id`,
					sql.Named("viewer", viewer), sql.Named("id", n.ID)).Scan(&legacy)
				if err != nil || ok != legacy {
					t.Errorf("%s: %s can see note %s: %v (%v), the per-note condition says %v", when, name, n.URI, ok, err, legacy)
				}
			}
		}
	}
	check("created")

	// An edit that drops one mention and adds another.
	edit := notes[5]
	edit.Tags = []storage.Tag{mention(stranger)}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateNote(ctx, edit) }); err != nil {
		t.Fatal(err)
	}
	edit = notes[9]
	edit.Tags = nil
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateNote(ctx, edit) }); err != nil {
		t.Fatal(err)
	}
	check("edited")

	for _, i := range []int{3, 6, 10, 13} {
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNote(ctx, notes[i].ID, time.Now()) }); err != nil {
			t.Fatal(err)
		}
	}
	check("deleted")

	if err := db.Update(ctx, func(tx storage.Tx) error {
		f, err := tx.GetFollow(ctx, pending.ID, author.ID)
		if err != nil {
			return err
		}
		if err := tx.AcceptFollow(ctx, f.ID); err != nil {
			return err
		}
		f, err = tx.GetFollow(ctx, follower.ID, author.ID)
		if err != nil {
			return err
		}
		return tx.DeleteFollow(ctx, f.ID)
	}); err != nil {
		t.Fatal(err)
	}
	check("follows changed")

	// A file written before migration 0005: its rows and counts come from the backfill.
	if _, err := db.writer.ExecContext(ctx, `DROP TABLE note_recipients;
		DROP TRIGGER note_recipients_insert; DROP TRIGGER note_recipients_delete;
		DROP TRIGGER note_recipients_mention_insert; DROP TRIGGER note_recipients_mention_delete;
		DROP TRIGGER notes_followers_insert; DROP TRIGGER notes_followers_delete; DROP TRIGGER notes_followers_update;
		ALTER TABLE actors DROP COLUMN notes_followers;
		DELETE FROM schema_migrations WHERE version = 5`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	check("backfilled")

	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.MarkActorDeleted(ctx, author.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	check("author deleted")
}
