package sqldb

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"refuge/storage"
)

// remoteNote stores a note of remote author with attachments at urls.
func remoteNote(t *testing.T, db *DB, author *storage.Actor, id string, urls ...string) *storage.Note {
	t.Helper()
	n := &storage.Note{URI: author.URI + "/statuses/" + id, ActorID: author.ID, Content: "<p>" + id + "</p>",
		Visibility: storage.Public, Published: time.Now()}
	for _, u := range urls {
		n.Media = append(n.Media, storage.Media{URL: u, MediaType: "image/png"})
	}
	if err := db.Update(context.Background(), func(tx storage.Tx) error { return tx.CreateNote(context.Background(), n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// remoteMediaURLs lists the URLs of every row of the cache, by id, with kind and state.
func remoteMediaURLs(t *testing.T, db *DB) []string {
	t.Helper()
	ms, err := remoteMediaRows(db.read.QueryContext(context.Background(), `SELECT `+remoteMediaColumns+` FROM remote_media r ORDER BY r.id`))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		if m.Key != storage.MediaKey(m.URL) {
			t.Errorf("%s has key %s, want %s", m.URL, m.Key, storage.MediaKey(m.URL))
		}
		out = append(out, m.URL+" "+m.Kind+" "+m.State)
	}
	return out
}

func mustRemoteMedia(t *testing.T, db *DB, url string) *storage.RemoteMedia {
	t.Helper()
	m, err := db.GetRemoteMedia(context.Background(), storage.MediaKey(url))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return m
}

// storeRemote leases every due row and stores each, used at the given hours after base
// (in the order leased), so that pruning has an order to follow.
func storeRemote(t *testing.T, db *DB, base time.Time, hours ...int) []*storage.RemoteMedia {
	t.Helper()
	ctx := context.Background()
	leased, err := db.LeaseRemoteMedia(ctx, time.Now().Add(time.Minute), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range leased {
		m.Path, m.ThumbPath, m.MediaType, m.Blurhash, m.Width, m.Height, m.Bytes = m.Key+".png", m.Key+".thumb.png",
			"image/png", "LEHV6nWB2yk8", 64, 48, 1000
		if err := db.StoreRemoteMedia(ctx, m, base); err != nil {
			t.Fatal(err)
		}
		if i < len(hours) {
			if err := db.TouchRemoteMedia(ctx, m.ID, base.Add(time.Duration(hours[i])*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return leased
}

func TestRemoteMediaQueuedWithWhatNamesIt(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	local := mustActor(t, db, "alice", "here.test", true)
	remote := mustActor(t, db, "carol", "peer.test", false)
	var want []string
	for _, c := range []struct {
		name   string
		store  func(tx *Tx) error
		queued bool     // tx.queued, which wakes the workers on PostgreSQL
		adds   []string // the rows it adds to the cache, which keeps those before
	}{
		{"remote note: its attachments, not what is not http(s)", func(tx *Tx) error {
			return tx.CreateNote(ctx, &storage.Note{URI: remote.URI + "/statuses/1", ActorID: remote.ID, Visibility: storage.Public,
				Media: []storage.Media{{URL: "https://peer.test/1.png"}, {URL: "https://peer.test/2.mp4"}, {URL: "data:image/png;base64,AA"}}})
		}, true, []string{"https://peer.test/1.png attachment pending", "https://peer.test/2.mp4 attachment pending"}},
		{"local note with an upload: nothing", func(tx *Tx) error {
			upload := &storage.Media{ActorID: local.ID, URL: "https://here.test/media/u.png", Path: "u.png"}
			if err := tx.CreateMedia(ctx, upload); err != nil {
				return err
			}
			return tx.CreateNote(ctx, &storage.Note{URI: local.URI + "/statuses/2", ActorID: local.ID, Local: true,
				Visibility: storage.Public, Media: []storage.Media{{ID: upload.ID}}})
		}, false, nil},
		{"remote note naming a known URL: nothing new", func(tx *Tx) error {
			return tx.CreateNote(ctx, &storage.Note{URI: remote.URI + "/statuses/3", ActorID: remote.ID, Visibility: storage.Public,
				Media: []storage.Media{{URL: "https://peer.test/1.png"}}})
		}, false, nil},
		{"edited remote note: its new attachment", func(tx *Tx) error {
			n, err := tx.GetNoteByURI(ctx, remote.URI+"/statuses/3")
			if err != nil {
				return err
			}
			// As an Update from its server brings them: the attachments anew, without ids.
			n.Media = []storage.Media{{URL: "https://peer.test/1.png"}, {URL: "https://peer.test/3.png"}}
			return tx.UpdateNote(ctx, n)
		}, true, []string{"https://peer.test/3.png attachment pending"}},
		{"remote actor: avatar and header", func(tx *Tx) error {
			return tx.PutRemoteActor(ctx, &storage.Actor{URI: "https://peer.test/users/dan", Type: "Person", Username: "dan",
				Host: "peer.test", IconURL: "https://peer.test/dan.png", ImageURL: "https://peer.test/dan-header.png"})
		}, true, []string{"https://peer.test/dan.png avatar pending", "https://peer.test/dan-header.png header pending"}},
		{"remote actor's new avatar", func(tx *Tx) error {
			return tx.PutRemoteActor(ctx, &storage.Actor{URI: "https://peer.test/users/dan", Type: "Person", Username: "dan",
				Host: "peer.test", IconURL: "https://peer.test/dan2.png", ImageURL: "https://peer.test/dan-header.png"})
		}, true, []string{"https://peer.test/dan2.png avatar pending"}},
		{"local actor's avatar: nothing", func(tx *Tx) error {
			a, err := tx.GetActorByID(ctx, local.ID)
			if err != nil {
				return err
			}
			a.IconURL = "https://here.test/media/alice.png"
			return tx.UpdateActor(ctx, a)
		}, false, nil},
	} {
		want = append(want, c.adds...)
		t.Run(c.name, func(t *testing.T) {
			var queued bool
			if err := db.update(ctx, func(tx *Tx) error {
				err := c.store(tx)
				queued = tx.queued
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if queued != c.queued {
				t.Errorf("queued = %v, want %v", queued, c.queued)
			}
			if got := remoteMediaURLs(t, db); !slices.Equal(got, want) {
				t.Errorf("cache:\n%q\nwant\n%q", got, want)
			}
		})
	}

	// A failed file stays failed when a note names it again; a URL that is not http(s) is
	// refused.
	m := mustRemoteMedia(t, db, "https://peer.test/1.png")
	if err := db.FailRemoteMedia(ctx, m.ID, "404", time.Time{}); err != nil {
		t.Fatal(err)
	}
	remoteNote(t, db, remote, "4", "https://peer.test/1.png")
	if got := mustRemoteMedia(t, db, "https://peer.test/1.png"); got.State != storage.RemoteFailed {
		t.Errorf("queued again: %+v", got)
	}
	err := db.Update(ctx, func(tx storage.Tx) error {
		return tx.QueueRemoteMedia(ctx, "ftp://peer.test/x.png", storage.RemoteAttachment, time.Now())
	})
	if storage.KindOf(err) != storage.Invalid {
		t.Errorf("queued an ftp URL: %v", err)
	}
}

func TestLeaseRemoteMedia(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Now().Add(time.Minute) // after everything queued below
	var urls []string
	err := db.Update(ctx, func(tx storage.Tx) error {
		for i, u := range []string{"https://peer.test/c.png", "https://peer.test/a.png", "https://peer.test/b.png"} {
			// Due in the order c, a, b (not that of the URLs or keys); b only later.
			due := now.Add(time.Duration(i-3) * time.Second)
			if i == 2 {
				due = now.Add(time.Hour)
			}
			if err := tx.QueueRemoteMedia(ctx, u, storage.RemoteAttachment, due); err != nil {
				return err
			}
			urls = append(urls, u)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := db.LeaseRemoteMedia(ctx, now, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range leased {
		got = append(got, m.URL)
		if d := m.NextTry.Sub(now.Add(time.Minute)); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s leased until %v, want %v", m.URL, m.NextTry, now.Add(time.Minute))
		}
	}
	if !slices.Equal(got, urls[:2]) {
		t.Fatalf("leased %q, want %q", got, urls[:2])
	}
	if again, err := db.LeaseRemoteMedia(ctx, now.Add(59*time.Second), time.Minute, 10); err != nil || len(again) != 0 {
		t.Fatalf("leased during the lease: %d %v", len(again), err)
	}
	if one, err := db.LeaseRemoteMedia(ctx, now.Add(61*time.Second), time.Minute, 1); err != nil || len(one) != 1 || one[0].URL != urls[0] {
		t.Fatalf("after the lease, with limit 1: %+v %v", one, err)
	}
}

func TestClaimRemoteMedia(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	now := time.Now().Add(time.Minute)
	remote := mustActor(t, db, "carol", "peer.test", false)
	remoteNote(t, db, remote, "1", "https://peer.test/due.png", "https://peer.test/later.png", "https://peer.test/stored.png",
		"https://peer.test/failed.png", "https://peer.test/pruned.png")
	byURL := map[string]*storage.RemoteMedia{}
	for _, m := range storeRemote(t, db, now) {
		byURL[m.URL] = m
	}
	// Each put into its state: stored ones failed, pruned, or handed back due now or later.
	for u, settle := range map[string]func(id int64) error{
		"https://peer.test/due.png":    func(id int64) error { return db.FailRemoteMedia(ctx, id, "timeout", now) },
		"https://peer.test/later.png":  func(id int64) error { return db.FailRemoteMedia(ctx, id, "timeout", now.Add(time.Hour)) },
		"https://peer.test/failed.png": func(id int64) error { return db.FailRemoteMedia(ctx, id, "404", time.Time{}) },
		"https://peer.test/pruned.png": func(id int64) error { return db.PruneRemoteMedia(ctx, id) },
	} {
		if err := settle(byURL[u].ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		url     string
		claimed bool
		state   string
		kind    storage.Kind // of the error
	}{
		{"https://peer.test/due.png", true, storage.RemotePending, ""},
		{"https://peer.test/later.png", false, storage.RemotePending, ""},
		{"https://peer.test/stored.png", false, storage.RemoteStored, ""},
		{"https://peer.test/failed.png", false, storage.RemoteFailed, ""},
		{"https://peer.test/pruned.png", true, storage.RemotePending, ""},
		{"https://peer.test/unknown.png", false, "", storage.NotFound},
	} {
		t.Run(c.url, func(t *testing.T) {
			m, ok, err := db.ClaimRemoteMedia(ctx, storage.MediaKey(c.url), now, time.Minute)
			if (c.kind == "") != (err == nil) || err != nil && storage.KindOf(err) != c.kind {
				t.Fatalf("claim: %v, want an error of kind %v", err, c.kind)
			}
			if err != nil {
				return
			}
			if ok != c.claimed || m.URL != c.url || m.State != c.state {
				t.Fatalf("claim: %+v %v, want %v in state %s", m, ok, c.claimed, c.state)
			}
			if got := mustRemoteMedia(t, db, c.url); got.State != c.state || ok && got.NextTry.Before(now.Add(59*time.Second)) {
				t.Errorf("stored as %+v", got)
			}
			if _, again, err := db.ClaimRemoteMedia(ctx, storage.MediaKey(c.url), now, time.Minute); err != nil || again {
				t.Errorf("claimed twice: %v %v", again, err)
			}
		})
	}
}

func TestStoreRemoteMediaFillsAttachments(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	remote := mustActor(t, db, "carol", "peer.test", false)
	// One note says nothing of the picture's size; another, naming the same URL, says a
	// blurhash and a size of its own, which stay.
	bare := remoteNote(t, db, remote, "1", "https://peer.test/a.png")
	told := &storage.Note{URI: remote.URI + "/statuses/2", ActorID: remote.ID, Visibility: storage.Public,
		Media: []storage.Media{{URL: "https://peer.test/a.png", Blurhash: "theirs", Width: 10, Height: 5}}}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.CreateNote(ctx, told) }); err != nil {
		t.Fatal(err)
	}
	stored := storeRemote(t, db, time.Now())
	if len(stored) != 1 {
		t.Fatalf("stored %d", len(stored))
	}
	for _, c := range []struct {
		note          int64
		blurhash      string
		width, height int
	}{{bare.ID, "LEHV6nWB2yk8", 64, 48}, {told.ID, "theirs", 10, 5}} {
		n, err := db.GetNoteByID(ctx, c.note)
		if err != nil {
			t.Fatal(err)
		}
		if m := n.Media[0]; m.Blurhash != c.blurhash || m.Width != c.width || m.Height != c.height {
			t.Errorf("note %d's attachment: %+v, want %s %dx%d", c.note, m, c.blurhash, c.width, c.height)
		}
	}
	m := mustRemoteMedia(t, db, "https://peer.test/a.png")
	if m.State != storage.RemoteStored || m.Path != m.Key+".png" || m.ThumbPath != m.Key+".thumb.png" || m.Bytes != 1000 ||
		m.MediaType != "image/png" || m.Used.IsZero() {
		t.Errorf("stored as %+v", m)
	}
	gone := &storage.RemoteMedia{ID: m.ID + 100, URL: "https://peer.test/gone.png"}
	if err := db.StoreRemoteMedia(ctx, gone, time.Now()); storage.KindOf(err) != storage.NotFound {
		t.Errorf("stored a row that is gone: %v", err)
	}
}

func TestFailRemoteMedia(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	remote := mustActor(t, db, "carol", "peer.test", false)
	remoteNote(t, db, remote, "1", "https://peer.test/a.png")
	now := time.Now().Add(time.Minute)
	leased, err := db.LeaseRemoteMedia(ctx, now, time.Minute, 10)
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %d %v", len(leased), err)
	}
	id := leased[0].ID
	for _, c := range []struct {
		why      string
		next     time.Time
		state    string
		attempts int
	}{
		{"503", now.Add(time.Hour), storage.RemotePending, 1},
		{"timeout", now.Add(3 * time.Hour), storage.RemotePending, 2},
		{"not an image", time.Time{}, storage.RemoteFailed, 3},
	} {
		if err := db.FailRemoteMedia(ctx, id, c.why, c.next); err != nil {
			t.Fatal(err)
		}
		m := mustRemoteMedia(t, db, "https://peer.test/a.png")
		if m.State != c.state || m.Attempts != c.attempts || m.Error != c.why {
			t.Errorf("after %s: %+v", c.why, m)
		}
		// Not due before next; never again once failed for good.
		if got, _ := db.LeaseRemoteMedia(ctx, c.next.Add(-time.Second), time.Minute, 10); len(got) != 0 {
			t.Errorf("after %s: leased before it is due", c.why)
		}
	}
	if got, _ := db.LeaseRemoteMedia(ctx, now.Add(100*time.Hour), time.Minute, 10); len(got) != 0 {
		t.Errorf("a file failed for good was leased: %+v", got[0])
	}
	if err := db.FailRemoteMedia(ctx, id+100, "x", now); storage.KindOf(err) != storage.NotFound {
		t.Errorf("failed a row that is not there: %v", err)
	}
}

func TestPruneRemoteMedia(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	local := mustActor(t, db, "alice", "here.test", true)
	remote := mustActor(t, db, "carol", "peer.test", false)
	stranger := mustActor(t, db, "erin", "far.test", false)
	notes := map[string]*storage.Note{}
	for _, name := range []string{"boosted", "liked", "bookmarked", "liked-by-a-stranger", "plain"} {
		notes[name] = remoteNote(t, db, remote, name, "https://peer.test/"+name+".png")
	}
	profiles := map[string]*storage.Actor{}
	for _, name := range []string{"followed", "requested", "unfollowed"} {
		a := &storage.Actor{URI: "https://peer.test/users/" + name, Type: "Person", Username: name, Host: "peer.test",
			IconURL: "https://peer.test/" + name + "-avatar.png", ImageURL: "https://peer.test/" + name + "-header.png"}
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(ctx, a) }); err != nil {
			t.Fatal(err)
		}
		profiles[name] = a
	}
	err := db.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.PutReaction(ctx, storage.Announce, &storage.Reaction{URI: local.URI + "/b/1", ActorID: local.ID,
			NoteID: notes["boosted"].ID}); err != nil {
			return err
		}
		if _, err := tx.PutReaction(ctx, storage.Like, &storage.Reaction{URI: local.URI + "/l/1", ActorID: local.ID,
			NoteID: notes["liked"].ID}); err != nil {
			return err
		}
		if _, err := tx.PutReaction(ctx, storage.Like, &storage.Reaction{URI: stranger.URI + "/l/1", ActorID: stranger.ID,
			NoteID: notes["liked-by-a-stranger"].ID}); err != nil {
			return err
		}
		if err := tx.Bookmark(ctx, local.ID, notes["bookmarked"].ID, true, time.Now()); err != nil {
			return err
		}
		if err := tx.PutFollow(ctx, &storage.Follow{URI: local.URI + "/f/1", FollowerID: local.ID,
			FolloweeID: profiles["followed"].ID, Accepted: true}); err != nil {
			return err
		}
		// A remote account following one is no reason to keep its pictures.
		if err := tx.PutFollow(ctx, &storage.Follow{URI: stranger.URI + "/f/1", FollowerID: stranger.ID,
			FolloweeID: profiles["unfollowed"].ID, Accepted: true}); err != nil {
			return err
		}
		return tx.PutFollow(ctx, &storage.Follow{URI: local.URI + "/f/2", FollowerID: local.ID, FolloweeID: profiles["requested"].ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	// Used in the reverse order of queueing, an hour apart.
	base := time.Now().Truncate(time.Hour)
	stored := storeRemote(t, db, base, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10)
	if len(stored) != 11 {
		t.Fatalf("stored %d files", len(stored))
	}
	prunable, err := db.PrunableRemoteMedia(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range prunable {
		got = append(got, m.URL)
	}
	want := []string{"https://peer.test/unfollowed-header.png", "https://peer.test/unfollowed-avatar.png",
		"https://peer.test/requested-header.png", "https://peer.test/requested-avatar.png",
		"https://peer.test/plain.png", "https://peer.test/liked-by-a-stranger.png"}
	if !slices.Equal(got, want) {
		t.Fatalf("prunable, least recently used first:\n%q\nwant\n%q", got, want)
	}
	if two, _ := db.PrunableRemoteMedia(ctx, 2); len(two) != 2 || two[0].URL != want[0] {
		t.Errorf("prunable with limit 2: %d", len(two))
	}

	if u, err := db.RemoteMediaUsage(ctx); err != nil || u != (storage.RemoteMediaUsage{Stored: 11, StoredBytes: 11000}) {
		t.Errorf("usage before pruning: %+v %v", u, err)
	}
	for _, m := range prunable[:2] {
		if err := db.PruneRemoteMedia(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	m := mustRemoteMedia(t, db, want[0])
	if m.State != storage.RemotePruned || m.Path != "" || m.ThumbPath != "" || m.Bytes != 0 {
		t.Errorf("pruned: %+v", m)
	}
	if again, _ := db.PrunableRemoteMedia(ctx, 100); len(again) != len(want)-2 || again[0].URL != want[2] {
		t.Errorf("prunable after pruning two: %d", len(again))
	}
	if err := db.FailRemoteMedia(ctx, prunable[2].ID, "404", time.Time{}); err != nil {
		t.Fatal(err)
	}
	remoteNote(t, db, remote, "new", "https://peer.test/new.png")
	want2 := storage.RemoteMediaUsage{Pending: 1, Stored: 8, Failed: 1, Pruned: 2, StoredBytes: 8000}
	if u, err := db.RemoteMediaUsage(ctx); err != nil || u != want2 {
		t.Errorf("usage: %+v %v, want %+v", u, err, want2)
	}
	// Pruning what is not stored changes nothing.
	if err := db.PruneRemoteMedia(ctx, prunable[2].ID); err != nil {
		t.Fatal(err)
	}
	if m := mustRemoteMedia(t, db, want[2]); m.State != storage.RemoteFailed {
		t.Errorf("a failed file was pruned: %+v", m)
	}
}

func TestDropOrphanRemoteMedia(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	remote := mustActor(t, db, "carol", "peer.test", false)
	deleted := remoteNote(t, db, remote, "1", "https://peer.test/deleted.png", "https://peer.test/shared.png")
	kept := remoteNote(t, db, remote, "2", "https://peer.test/shared.png", "https://peer.test/kept.png")
	dan := &storage.Actor{URI: "https://peer.test/users/dan", Type: "Person", Username: "dan", Host: "peer.test",
		IconURL: "https://peer.test/dan.png", ImageURL: "https://peer.test/dan-header.png"}
	erin := &storage.Actor{URI: "https://peer.test/users/erin", Type: "Person", Username: "erin", Host: "peer.test",
		IconURL: "https://peer.test/erin.png"}
	err := db.Update(ctx, func(tx storage.Tx) error {
		for _, a := range []*storage.Actor{dan, erin} {
			if err := tx.PutRemoteActor(ctx, a); err != nil {
				return err
			}
		}
		// A custom emoji's picture is named while a reaction with it stands: dan's goes with him.
		for _, a := range []*storage.Actor{dan, erin} {
			if _, err := tx.PutEmojiReaction(ctx, &storage.EmojiReaction{URI: a.URI + "/react/1", ActorID: a.ID, NoteID: kept.ID,
				Emoji: ":blob" + a.Username + ":", ImageURL: "https://peer.test/" + a.Username + "-emoji.png"}); err != nil {
				return err
			}
		}
		// What else names a file (a link preview, say) is not judged by what notes and actors name.
		return tx.QueueRemoteMedia(ctx, "https://peer.test/preview.png", "preview", time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	storeRemote(t, db, time.Now())
	if none, err := db.DropOrphanRemoteMedia(ctx, 10); err != nil || len(none) != 0 {
		t.Fatalf("dropped while everything is named: %+v %v", none, err)
	}
	err = db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.DeleteNote(ctx, deleted.ID, time.Now()); err != nil {
			return err
		}
		return tx.MarkActorDeleted(ctx, dan.ID, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://peer.test/deleted.png", "https://peer.test/dan.png", "https://peer.test/dan-header.png",
		"https://peer.test/dan-emoji.png"}
	var got []string
	for _, limit := range []int{2, 10} { // in two rounds
		dropped, err := db.DropOrphanRemoteMedia(ctx, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(dropped) > limit {
			t.Errorf("dropped %d, limit %d", len(dropped), limit)
		}
		for _, m := range dropped {
			if m.Path != m.Key+".png" || m.State != storage.RemoteStored {
				t.Errorf("dropped without its files: %+v", m)
			}
			got = append(got, m.URL)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("dropped %q, want %q", got, want)
	}
	for _, u := range want {
		if _, err := db.GetRemoteMedia(ctx, storage.MediaKey(u)); storage.KindOf(err) != storage.NotFound {
			t.Errorf("%s still there: %v", u, err)
		}
	}
	for _, u := range []string{"https://peer.test/shared.png", "https://peer.test/kept.png", "https://peer.test/erin.png",
		"https://peer.test/preview.png", "https://peer.test/erin-emoji.png"} {
		mustRemoteMedia(t, db, u)
	}
}

// TestConcurrentRemoteNotesQueueTheirAttachments: remote notes stored all at once each
// keep their attachments and queue them. On PostgreSQL the transactions that collide run
// again, with the notes as the caller built them once: the ids a rolled-back attempt gave
// their attachments must not be taken for uploads to attach.
func TestConcurrentRemoteNotesQueueTheirAttachments(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	remote := mustActor(t, db, "carol", "peer.test", false)
	const notes = 32
	var wg sync.WaitGroup
	for i := range notes {
		n := &storage.Note{URI: fmt.Sprintf("%s/statuses/%d", remote.URI, i), ActorID: remote.ID, Visibility: storage.Public,
			Media: []storage.Media{{URL: fmt.Sprintf("https://peer.test/%d/a.png", i)}, {URL: fmt.Sprintf("https://peer.test/%d/b.png", i)}}}
		wg.Go(func() {
			if err := db.Update(ctx, func(tx storage.Tx) error { return tx.CreateNote(ctx, n) }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range notes {
		n, err := db.GetNoteByURI(ctx, fmt.Sprintf("%s/statuses/%d", remote.URI, i))
		if err != nil || len(n.Media) != 2 {
			t.Fatalf("note %d: %v", i, err)
		}
	}
	if u, err := db.RemoteMediaUsage(ctx); err != nil || u.Pending != 2*notes {
		t.Fatalf("queued %+v %v, want %d pending", u, err, 2*notes)
	}
}

// TestRemoteNoteRunAgain: on PostgreSQL a transaction that could not be serialized runs
// again, with the note as the caller built it once; its attachments (given ids by the
// attempt rolled back) are stored and queued again, not taken for uploads to attach.
func TestRemoteNoteRunAgain(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if db.pg == nil {
		t.Skip("only PostgreSQL runs a transaction again")
	}
	remote := mustActor(t, db, "carol", "peer.test", false)
	n := &storage.Note{URI: remote.URI + "/statuses/1", ActorID: remote.ID, Visibility: storage.Public,
		Media: []storage.Media{{URL: "https://peer.test/a.png"}, {URL: "https://peer.test/b.png"}}}
	attempts := 0
	err := db.Update(ctx, func(tx storage.Tx) error {
		attempts++
		if err := tx.CreateNote(ctx, n); err != nil {
			return err
		}
		if attempts == 1 {
			return &pgconn.PgError{Code: "40001", Message: "could not serialize access (made by the test)"}
		}
		return nil
	})
	if err != nil || attempts != 2 {
		t.Fatalf("after %d attempts: %v", attempts, err)
	}
	got, err := db.GetNoteByURI(ctx, n.URI)
	if err != nil || len(got.Media) != 2 {
		t.Fatalf("stored %+v %v", got, err)
	}
	if u, err := db.RemoteMediaUsage(ctx); err != nil || u.Pending != 2 {
		t.Fatalf("queued %+v %v", u, err)
	}
}

// TestPruneBlockedRemoteMedia: the stored files of a blocked server (and its subdomains) and
// of a blocked actor are pruned — attachments by their note's author, avatars by their
// actor — and nobody else's.
func TestPruneBlockedRemoteMedia(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		block string
		want  []string
	}{
		{"bad.test", []string{"https://cdn.example/bad-note.png", "https://cdn.example/bad.png", "https://cdn.example/sub.png"}},
		{"https://fine.test/users/troll", []string{"https://cdn.example/troll.png"}},
		{"nothing.test", nil},
	} {
		t.Run(c.block, func(t *testing.T) {
			db := openTest(t)
			bad := mustActor(t, db, "bad", "bad.test", false)
			sub := mustActor(t, db, "sub", "a.bad.test:8443", false)
			fine := mustActor(t, db, "fine", "fine.test", false)
			troll := mustActor(t, db, "troll", "fine.test", false)
			notBad := mustActor(t, db, "nb", "notbad.test", false)
			remoteNote(t, db, bad, "1", "https://cdn.example/bad-note.png")
			remoteNote(t, db, fine, "2", "https://cdn.example/fine-note.png")
			err := db.Update(ctx, func(tx storage.Tx) error {
				for a, icon := range map[*storage.Actor]string{bad: "bad.png", sub: "sub.png", fine: "fine.png", troll: "troll.png", notBad: "notbad.png"} {
					a.IconURL = "https://cdn.example/" + icon
					if err := tx.UpdateActor(ctx, a); err != nil {
						return err
					}
				}
				return tx.PutBlock(ctx, storage.Block{Target: c.block, Created: time.Now()})
			})
			if err != nil {
				t.Fatal(err)
			}
			storeRemote(t, db, time.Now())
			pruned, err := db.PruneBlockedRemoteMedia(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range pruned {
				if m.Path == "" {
					t.Errorf("%s returned without its file", m.URL)
				}
				if now := mustRemoteMedia(t, db, m.URL); now.State != storage.RemotePruned || now.Path != "" {
					t.Errorf("%s is %s with %q after pruning", m.URL, now.State, now.Path)
				}
				got = append(got, m.URL)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("pruned %q, want %q", got, c.want)
			}
			if again, _ := db.PruneBlockedRemoteMedia(ctx, 100); len(again) != 0 {
				t.Errorf("pruned again: %d", len(again))
			}
		})
	}
}

// TestQueueUnknownRemoteMedia: the files notes and actors stored before the cache existed
// name are queued in batches, once; what the cache knows, local uploads and what is not
// http(s) are left alone.
func TestQueueUnknownRemoteMedia(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	carol := mustActor(t, db, "carol", "peer.test", false)
	remoteNote(t, db, carol, "1", "https://peer.test/a.png", "https://peer.test/b.png")
	// As a database from before the cache: nothing queued.
	err := db.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.(*Tx).tx.ExecContext(ctx, `DELETE FROM remote_media`); err != nil {
			return err
		}
		_, err := tx.(*Tx).tx.ExecContext(ctx, `UPDATE actors SET icon_url = 'https://peer.test/carol.png', image_url = 'data:,x' WHERE id = ?`, carol.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for round := 0; ; round++ {
		n, err := db.QueueUnknownRemoteMedia(ctx, time.Now(), 2)
		if err != nil {
			t.Fatal(err)
		}
		if n > 2 {
			t.Fatalf("queued %d, limit 2", n)
		}
		total += n
		if n == 0 || round > 5 {
			break
		}
	}
	got := remoteMediaURLs(t, db)
	slices.Sort(got)
	want := []string{"https://peer.test/a.png attachment pending", "https://peer.test/b.png attachment pending",
		"https://peer.test/carol.png avatar pending"}
	if total != 3 || !slices.Equal(got, want) {
		t.Errorf("queued %d: %q, want %q", total, got, want)
	}
}
