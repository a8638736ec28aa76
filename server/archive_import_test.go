package server_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
	"refuge/outbox/archive"
	"refuge/storage"
)

// entry is one file of an archive a test writes: a body, or a stream of size bytes of one
// repeated byte (a bomb, never held in memory), or a link or device.
type entry struct {
	name   string
	body   []byte
	repeat int64 // when not 0: this many bytes of 'a' instead of body
	kind   byte  // tar type; 0 is a regular file
	// declare, for a zip, is the uncompressed size the directory claims (a lie, for a bomb).
	declare uint64
}

// writeArchive writes entries as Mastodon's backup code does: a .tar.gz (2.3 to 4.1), or a
// .zip (4.2 on).
func writeArchive(t testing.TB, file string, asZip bool, entries []entry) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	content := func(e entry) io.Reader {
		if e.repeat > 0 {
			return io.LimitReader(repeatReader('a'), e.repeat)
		}
		return bytes.NewReader(e.body)
	}
	if asZip {
		zw := zip.NewWriter(f)
		for _, e := range entries {
			switch {
			case e.declare > 0:
				// The compressed bytes of a little, and a directory that says gigabytes.
				var buf bytes.Buffer
				fw, _ := flate.NewWriter(&buf, flate.BestCompression)
				io.Copy(fw, content(e))
				fw.Close()
				w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Deflate,
					CompressedSize64: uint64(buf.Len()), UncompressedSize64: e.declare})
				if err != nil {
					t.Fatal(err)
				}
				w.Write(buf.Bytes())
				continue
			}
			h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
			if e.kind == tar.TypeSymlink {
				h.SetMode(fs.ModeSymlink | 0o777)
			}
			w, err := zw.CreateHeader(h)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(w, content(e)); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o444, Typeflag: tar.TypeReg, ModTime: time.Unix(1e9, 0)}
		switch e.kind {
		case 0:
			h.Size = int64(len(e.body))
			if e.repeat > 0 {
				h.Size = e.repeat
			}
		case tar.TypeSymlink, tar.TypeLink:
			h.Typeflag, h.Linkname = e.kind, "../../etc/passwd"
		default:
			h.Typeflag = e.kind
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.Copy(tw, content(e)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// mastodonPost is one post of a test archive and what its import must give.
type mastodonPost struct {
	id, inReplyTo, language, summary string
	published                        time.Time
	visibility                       storage.Visibility
	media                            string // archive path of its picture, if any
	alt                              string
	boost, poll, replyToOther        bool
}

// mastodonArchive makes the files of an archive of n posts by actor (a URI on an instance
// that is not this one), as Mastodon's backup code writes them, with a picture every
// `every` posts: every kind of post Mastodon has, in turn.
func mastodonArchive(t testing.TB, actor string, n, every int) ([]entry, []mastodonPost) {
	t.Helper()
	start := time.Date(2019, 3, 1, 12, 0, 0, 0, time.UTC)
	followers := actor + "/followers"
	other := "https://elsewhere.example/users/zoe"
	picture := testimage.PNG(t, testimage.Halves(24, 16))
	languages := []string{"en", "de", "fr", "ja"}
	var posts []mastodonPost
	var items []map[string]any
	var files []entry
	for i := range n {
		p := mastodonPost{id: fmt.Sprintf("%s/statuses/%d", actor, 100000+i), published: start.Add(time.Duration(i) * 7 * time.Hour),
			language: languages[i%len(languages)], visibility: storage.Public}
		to, cc := []string{federation.PublicCollection}, []string{followers}
		var tags []map[string]any
		content := fmt.Sprintf("<p>post %d :blobcat: <a href=\"https://x.example/tags/refuge%d\" class=\"mention hashtag\" rel=\"tag\">#<span>Refuge%d</span></a></p>", i, i%3, i%3)
		tags = append(tags, map[string]any{"type": "Hashtag", "href": "https://x.example/tags/refuge", "name": fmt.Sprintf("#Refuge%d", i%3)},
			map[string]any{"type": "Emoji", "name": ":blobcat:", "icon": map[string]any{"type": "Image", "url": "https://x.example/emoji/blobcat.png"}})
		objType := "Note"
		obj := map[string]any{}
		switch i % 10 {
		case 0:
			p.boost = true
		case 1, 8, 9:
			// A thread of one's own: 7 ← 8 ← 9 ← 1 (over the boost at 0).
			if parent := i - 1 - i%10/1%2*0; i%10 == 1 && i > 1 {
				p.inReplyTo = posts[parent-1].id
			} else if i%10 != 1 {
				p.inReplyTo = posts[i-1].id
			}
		case 2:
			p.replyToOther, p.inReplyTo = true, other+"/statuses/42"
			tags = append(tags, map[string]any{"type": "Mention", "href": other, "name": "@zoe@elsewhere.example"})
			content = `<p><span class="h-card"><a href="https://elsewhere.example/@zoe" class="u-url mention">@<span>zoe</span></a></span> yes ` + fmt.Sprint(i) + `</p>`
		case 3:
			p.visibility = storage.Direct
			to, cc = []string{other}, nil
		case 4:
			p.visibility = storage.Followers
			to, cc = []string{followers}, nil
		case 5:
			p.visibility = storage.Unlisted
			to, cc = []string{followers}, []string{federation.PublicCollection}
		case 6:
			p.poll, objType = true, "Question"
			obj["oneOf"] = []map[string]any{{"type": "Note", "name": "tea"}, {"type": "Note", "name": "coffee"}}
			obj["endTime"] = p.published.Add(24 * time.Hour)
		case 7:
			p.summary = "a warning " + fmt.Sprint(i)
		}
		if p.visibility == "" {
			p.visibility = storage.Public
		}
		if every > 0 && i%every == every-1 && !p.boost {
			p.media = fmt.Sprintf("media_attachments/files/000/000/%03d/original/%016x.png", i/1000, i)
			p.alt = fmt.Sprintf("picture %d", i)
			files = append(files, entry{name: p.media, body: picture})
			obj["attachment"] = []map[string]any{{"type": "Document", "mediaType": "image/png", "url": p.media,
				"name": p.alt, "blurhash": "UAB", "focalPoint": []float64{0.5, -0.25}, "width": 24, "height": 16}}
		}
		posts = append(posts, p)
		if p.boost {
			items = append(items, map[string]any{"id": p.id + "/activity", "type": "Announce", "actor": actor,
				"published": p.published, "to": to, "cc": cc, "object": "https://elsewhere.example/users/zoe/statuses/7"})
			continue
		}
		var reply any
		if p.inReplyTo != "" {
			reply = p.inReplyTo
		}
		for k, v := range map[string]any{"id": p.id, "type": objType, "summary": nil, "inReplyTo": reply, "published": p.published,
			"url": strings.Replace(p.id, "/users/", "/@", 1), "attributedTo": actor, "to": to, "cc": cc, "sensitive": p.summary != "",
			"atomUri": p.id, "conversation": "tag:x.example,2019:objectId=1:objectType=Conversation",
			"content": content, "contentMap": map[string]string{p.language: content}, "tag": tags,
			"replies": map[string]any{"id": p.id + "/replies", "type": "Collection"}} {
			obj[k] = v
		}
		if p.summary != "" {
			obj["summary"] = p.summary
		}
		if obj["attachment"] == nil {
			obj["attachment"] = []any{}
		}
		items = append(items, map[string]any{"id": p.id + "/activity", "type": "Create", "actor": actor,
			"published": p.published, "to": to, "cc": cc, "object": obj})
	}
	outbox, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": "outbox.json",
		"type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})
	actorDoc, _ := json.Marshal(map[string]any{"@context": []any{"https://www.w3.org/ns/activitystreams"}, "id": actor,
		"type": "Person", "preferredUsername": "alice", "followers": followers, "outbox": "outbox.json",
		"likes": "likes.json", "bookmarks": "bookmarks.json", "icon": map[string]any{"type": "Image", "url": "avatar.png"}})
	likes, _ := json.Marshal(map[string]any{"id": "likes.json", "type": "OrderedCollection", "totalItems": 2,
		"orderedItems": []string{other + "/statuses/1", other + "/statuses/2"}})
	bookmarks, _ := json.Marshal(map[string]any{"id": "bookmarks.json", "type": "OrderedCollection", "totalItems": 2,
		"orderedItems": []string{posts[8].id, other + "/statuses/3"}})
	// Mastodon's order: media, outbox, likes, bookmarks, then the avatar and actor.
	files = append(files, entry{name: "outbox.json", body: outbox}, entry{name: "likes.json", body: likes},
		entry{name: "bookmarks.json", body: bookmarks}, entry{name: "avatar.png", body: picture},
		entry{name: "actor.json", body: actorDoc})
	return files, posts
}

// TestArchiveImport: a Mastodon archive of 300 posts of every kind, imported into alice on A
// (the .tar.gz through the real CLI beside the running serve, then the .zip of the same
// posts in the process): every own post is a local note with its date, visibility, thread,
// text and media; boosts are skipped and counted; nothing reaches bob on B, who follows
// alice, nor any feed or notification; the profile and outbox are in date order; importing
// again adds nothing.
func TestArchiveImport(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, aliceURI := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	b.FollowRemote("bob", bobTok, a, "alice")
	testrig.Eventually(t, testrig.FederationWait, "bob follows alice", func() bool {
		return a.RowCounts()["follows"] == 1
	})
	a.PostNote("alice", aliceTok, map[string]any{"content": "before the import"})
	testrig.Eventually(t, testrig.FederationWait, "the first post reached bob", func() bool { return len(b.HomeFeed("bob", bobTok)) == 1 })
	testrig.Eventually(t, testrig.FederationWait, "A's queue empty", a.QueueEmpty)

	const n = 300
	files, posts := mastodonArchive(t, "https://mastodon.example/users/alice", n, 7)
	dir := t.TempDir()
	tgz, zipped := filepath.Join(dir, "archive.tar.gz"), filepath.Join(dir, "archive.zip")
	writeArchive(t, tgz, false, files)
	writeArchive(t, zipped, true, files)
	before, bBefore := a.RowCounts(), b.RowCounts()

	code, out := a.Admin("import", "archive", "alice", tgz)
	if code != 0 {
		t.Fatalf("refuge import archive: exit %d: %s", code, out)
	}
	boosts, own, pictures, polls := 0, 0, 0, 0
	for _, p := range posts {
		switch {
		case p.boost:
			boosts++
		default:
			own++
			if p.media != "" {
				pictures++
			}
			if p.poll {
				polls++
			}
		}
	}
	for _, want := range []string{fmt.Sprintf("imported: %d\n", own), fmt.Sprintf("skipped boosts: %d\n", boosts),
		fmt.Sprintf("media imported: %d\n", pictures), fmt.Sprintf("polls: %d", polls), "bookmarks recorded: 1;",
		"likes in the archive, not sent: 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	ctx := context.Background()
	alice := a.LocalActor("alice")
	imported, err := a.App.DB().ImportedNotes(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(imported) != own {
		t.Fatalf("%d notes imported, want %d", len(imported), own)
	}
	for _, p := range posts {
		if p.boost {
			continue
		}
		uri, ok := imported[p.id]
		if !ok {
			t.Errorf("%s: not imported", p.id)
			continue
		}
		got, err := a.App.DB().GetNoteByURI(ctx, uri)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Published.Equal(p.published) || got.Visibility != p.visibility || got.Language != p.language || got.Summary != p.summary {
			t.Errorf("%s: published %v %s %q %q, want %v %s %q %q", p.id, got.Published, got.Visibility, got.Language, got.Summary,
				p.published, p.visibility, p.language, p.summary)
		}
		if got.ID != storage.StatusID(p.published, p.id) && got.ID>>16 != p.published.UnixMilli() {
			t.Errorf("%s: id %d does not follow its date", p.id, got.ID)
		}
		wantReply := p.inReplyTo
		if own := imported[p.inReplyTo]; own != "" {
			wantReply = own
		}
		if got.InReplyToURI != wantReply {
			t.Errorf("%s: in reply to %q, want %q", p.id, got.InReplyToURI, wantReply)
		}
		for _, tag := range got.Tags {
			if tag.Type == federation.TypeMention {
				t.Errorf("%s: an imported note mentions %s", p.id, tag.Href)
			}
		}
		if !strings.Contains(got.Content, ":blobcat:") && !p.replyToOther {
			t.Errorf("%s: the custom emoji's shortcode is gone: %s", p.id, got.Content)
		}
		if p.poll && !strings.Contains(got.Content, "coffee") {
			t.Errorf("%s: the poll's options are not in the text: %s", p.id, got.Content)
		}
		if p.media == "" && len(got.Media) != 0 || p.media != "" && (len(got.Media) != 1 || got.Media[0].Description != p.alt ||
			got.Media[0].Blurhash == "" || got.Media[0].Path == "" || got.Media[0].Width != 24) {
			t.Errorf("%s: media %+v, want %q described %q", p.id, got.Media, p.media, p.alt)
		}
		if got.ImportedFrom != p.id || !got.Local || got.URL != got.URI {
			t.Errorf("%s: imported from %q, local %v, url %q", p.id, got.ImportedFrom, got.Local, got.URL)
		}
	}

	// Quiet: nothing queued, delivered, put in a feed or notified, here or on B.
	after := a.RowCounts()
	for _, table := range []string{"deliveries", "feed", "notifications", "conversations"} {
		if after[table] != before[table] {
			t.Errorf("%s: %d rows before the import, %d after", table, before[table], after[table])
		}
	}
	time.Sleep(500 * time.Millisecond)
	if got := b.RowCounts(); got["notes"] != bBefore["notes"] || got["activities"] != bBefore["activities"] {
		t.Errorf("B stored something of the import: notes %d → %d, activities %d → %d", bBefore["notes"], got["notes"],
			bBefore["activities"], got["activities"])
	}
	if len(b.HomeFeed("bob", bobTok)) != 1 {
		t.Error("bob's home feed changed")
	}

	// The web page of an imported post says where it was first posted.
	page0 := imported[posts[7].id]
	req, _ := http.NewRequest("GET", page0, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(html), `Imported — originally posted at <a href="`+posts[7].id+`"`) {
		t.Errorf("the page of an imported post (%d) does not link to where it was first posted:\n%s", resp.StatusCode, html)
	}

	// Date order: the post from before the import (today) comes first, then the imported
	// ones newest first; a post made after the import comes above all.
	latest := a.PostNote("alice", aliceTok, map[string]any{"content": "after the import"})
	list, err := a.App.DB().ListActorNotes(ctx, alice.ID, alice.ID, storage.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) < 3 || list[0].URI != latest || list[1].Content == "" || !strings.Contains(list[1].Content, "before the import") {
		t.Fatalf("the profile does not start with the posts of today: %v", list[:min(3, len(list))])
	}
	for i := 2; i < len(list); i++ {
		if list[i].Published.After(list[i-1].Published) {
			t.Errorf("profile: %s (%v) after %s (%v)", list[i].URI, list[i].Published, list[i-1].URI, list[i-1].Published)
		}
	}
	_, page, _ := a.Do("GET", "/users/alice/outbox?page=true", aliceTok, nil)
	var coll struct {
		OrderedItems []struct {
			Published time.Time
			Object    json.RawMessage
		}
	}
	if err := json.Unmarshal(page, &coll); err != nil || len(coll.OrderedItems) < 5 {
		t.Fatalf("outbox page: %v %s", err, page)
	}
	for i := 2; i < len(coll.OrderedItems); i++ {
		if coll.OrderedItems[i].Published.After(coll.OrderedItems[i-1].Published) {
			t.Errorf("outbox: item %d (%v) after item %d (%v)", i, coll.OrderedItems[i].Published, i-1, coll.OrderedItems[i-1].Published)
		}
	}
	_ = aliceURI

	// Again, through the CLI and in the process, from either file: nothing is added.
	testrig.Eventually(t, testrig.FederationWait, "A's queue empty", a.QueueEmpty)
	counts, media := a.RowCounts(), len(mediaFiles(t, a))
	code, out = a.Admin("import", "archive", "alice", tgz)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("already there: %d\n", own)) || !strings.Contains(out, "imported: 0\n") {
		t.Errorf("second import: exit %d: %s", code, out)
	}
	im := &archive.Importer{Out: a.App.Outbox(), DataDir: a.Cfg.Data}
	rep, err := im.Import(ctx, alice.ID, zipped, nil)
	if err != nil || rep.Imported != 0 || rep.AlreadyThere != own {
		t.Errorf("the zip imported again: %+v, %v", rep, err)
	}
	if got := a.RowCounts(); fmt.Sprint(got) != fmt.Sprint(counts) {
		t.Errorf("a second import changed the rows:\n%v\n%v", counts, got)
	}
	if got := len(mediaFiles(t, a)); got != media {
		t.Errorf("a second import left %d media files, %d before", got, media)
	}
}

// TestArchiveZipImport: the .zip Mastodon writes since 4.2 imports as the .tar.gz does, into
// an account of its own.
func TestArchiveZipImport(t *testing.T) {
	t.Parallel()
	a := testrig.Start(t)
	a.Account("carol", false)
	files, posts := mastodonArchive(t, "https://mastodon.example/users/carol", 40, 3)
	file := filepath.Join(t.TempDir(), "archive.zip")
	writeArchive(t, file, true, files)
	im := &archive.Importer{Out: a.App.Outbox(), DataDir: a.Cfg.Data}
	rep, err := im.Import(context.Background(), a.LocalActor("carol").ID, file, nil)
	if err != nil {
		t.Fatal(err)
	}
	own, pictures := 0, 0
	for _, p := range posts {
		if !p.boost {
			own++
			if p.media != "" {
				pictures++
			}
		}
	}
	// Pictures this small have no thumbnail: one file each.
	if rep.Imported != own || rep.Media != pictures || len(mediaFiles(t, a)) != pictures {
		t.Errorf("report %+v, %d media files; want %d posts and %d pictures", rep, len(mediaFiles(t, a)), own, pictures)
	}
}

// TestArchiveImportRefuses: hostile and damaged archives are refused with a clear message,
// and leave nothing behind: no row, no file in the media folder.
func TestArchiveImportRefuses(t *testing.T) {
	t.Parallel()
	a := testrig.Start(t)
	a.Account("alice", false)
	alice := a.LocalActor("alice")
	good, _ := mastodonArchive(t, "https://mastodon.example/users/alice", 20, 2)
	// with adds extra entries before the good ones (media first, as Mastodon writes them).
	with := func(extra ...entry) []entry { return append(extra, good...) }
	without := func(name string) []entry {
		var out []entry
		for _, e := range good {
			if e.name != name {
				out = append(out, e)
			}
		}
		return out
	}
	// replace swaps the body of the entry name.
	replace := func(name string, body []byte) []entry {
		out := append([]entry{}, good...)
		for i := range out {
			if out[i].name == name {
				out[i] = entry{name: name, body: body}
			}
		}
		return out
	}
	var textMedia []entry
	for _, e := range good {
		if strings.HasPrefix(e.name, "media_attachments/") {
			e.body = []byte("#!/bin/sh\nrm -rf /\n" + strings.Repeat("x", 600))
		}
		textMedia = append(textMedia, e)
	}
	otherActor := replace("actor.json", []byte(`{"id":"https://mastodon.example/users/mallory","type":"Person"}`))
	hugeOutbox := replace("outbox.json", nil)
	for i := range hugeOutbox {
		if hugeOutbox[i].name == "outbox.json" {
			hugeOutbox[i] = entry{name: "outbox.json", repeat: archive.MaxJSONBytes + 1}
		}
	}
	rows := []struct {
		name    string
		zip     bool
		entries []entry
		raw     []byte // instead of an archive
		cut     int    // bytes cut off the end
		want    string
	}{
		{name: "not an archive", raw: []byte("hello, this is not an archive at all"), want: "not a .zip or .tar.gz"},
		{name: "truncated tar.gz", entries: good, cut: 300, want: "truncated"},
		{name: "truncated zip", zip: true, entries: good, cut: 300, want: "damaged .zip"},
		{name: "bad JSON", entries: replace("outbox.json", []byte(`{"orderedItems": [{"id": `)), want: "outbox.json is not valid JSON"},
		{name: "no outbox.json", entries: without("outbox.json"), want: "no outbox.json"},
		{name: "dot-dot path", entries: with(entry{name: "media_attachments/../../evil.png", body: []byte("x")}), want: "leaves the archive"},
		{name: "dot-dot path zip", zip: true, entries: with(entry{name: "../evil.png", body: []byte("x")}), want: "leaves the archive"},
		{name: "absolute path", entries: with(entry{name: "/etc/evil", body: []byte("x")}), want: "absolute path"},
		{name: "backslash path", zip: true, entries: with(entry{name: "..\\evil", body: []byte("x")}), want: "backslash"},
		{name: "symlink", entries: with(entry{name: "avatar2.png", kind: tar.TypeSymlink}), want: "symbolic link"},
		{name: "symlink zip", zip: true, entries: with(entry{name: "avatar2.png", kind: tar.TypeSymlink, body: []byte("/etc/passwd")}), want: "symbolic link"},
		{name: "hard link", entries: with(entry{name: "avatar2.png", kind: tar.TypeLink}), want: "hard link"},
		{name: "device", entries: with(entry{name: "tty", kind: tar.TypeChar}), want: "not a plain file"},
		{name: "file bomb zip", zip: true, entries: with(entry{name: "media_attachments/bomb.png", repeat: 1 << 20, declare: 16 << 30}), want: "larger than"},
		{name: "file bomb ratio zip", zip: true, entries: with(entry{name: "media_attachments/bomb.png", repeat: 100 << 20}), want: "file bomb"},
		{name: "file bomb tar.gz", entries: with(entry{name: "media_attachments/bomb.png", repeat: 150 << 20}), want: "file bomb"},
		{name: "huge outbox", zip: true, entries: hugeOutbox, want: "outbox.json"},
		{name: "non-image media", entries: textMedia, want: "not an image, video or audio file"},
		{name: "wrong actor", entries: otherActor, want: "not of the archive's account"},
	}
	dir := t.TempDir()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(row.name, " ", "-"))
			if row.raw != nil {
				os.WriteFile(file, row.raw, 0o644)
			} else {
				writeArchive(t, file, row.zip, row.entries)
			}
			if row.cut > 0 {
				st, _ := os.Stat(file)
				os.Truncate(file, st.Size()-int64(row.cut))
			}
			before, files := a.RowCounts(), len(mediaFiles(t, a))
			im := &archive.Importer{Out: a.App.Outbox(), DataDir: a.Cfg.Data}
			rep, err := im.Import(context.Background(), alice.ID, file, nil)
			if err == nil {
				t.Fatalf("imported: %+v", rep)
			}
			if storage.KindOf(err) != storage.Invalid || !strings.Contains(err.Error(), row.want) {
				t.Errorf("error %v (%s), want Invalid with %q", err, storage.KindOf(err), row.want)
			}
			if got := a.RowCounts(); fmt.Sprint(got) != fmt.Sprint(before) {
				t.Errorf("rows changed:\n%v\n%v", before, got)
			}
			if got := len(mediaFiles(t, a)); got != files {
				t.Errorf("%d media files, %d before", got, files)
			}
		})
	}
	// The CLI says why, and exits non-zero.
	file := filepath.Join(dir, "not-an-archive")
	code, out := a.Admin("import", "archive", "alice", file)
	if code == 0 || !strings.Contains(out, "not a .zip or .tar.gz") {
		t.Errorf("refuge import archive of a text file: exit %d: %s", code, out)
	}
}
