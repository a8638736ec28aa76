package archive_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
	"refuge/outbox"
	"refuge/outbox/archive"
	"refuge/outbox/media"
	"refuge/storage"
)

// Archive is an account archive read back: every entry by name, in the zip's order, and the
// JSON documents decoded. A round-trip test reads an export with it before importing.
type Archive struct {
	Names            []string
	Files            map[string][]byte
	Actor            map[string]any
	Outbox           Collection
	Likes, Bookmarks Collection
}

// Collection is outbox.json, likes.json or bookmarks.json.
type Collection struct {
	Context      any               `json:"@context"`
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	TotalItems   *int              `json:"totalItems"`
	OrderedItems []json.RawMessage `json:"orderedItems"`
}

// Item is an activity of outbox.json: a Create with its note, or an Announce whose object
// is the boosted post's URI.
type Item struct {
	Context   any             `json:"@context"`
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Actor     string          `json:"actor"`
	Published string          `json:"published"`
	To        []string        `json:"to"`
	Cc        []string        `json:"cc"`
	Object    json.RawMessage `json:"object"`
}

// Note is the object of a Create in outbox.json.
type Note struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	AttributedTo string            `json:"attributedTo"`
	Content      string            `json:"content"`
	ContentMap   map[string]string `json:"contentMap"`
	Summary      string            `json:"summary"`
	Sensitive    bool              `json:"sensitive"`
	InReplyTo    string            `json:"inReplyTo"`
	Published    string            `json:"published"`
	URL          string            `json:"url"`
	To           []string          `json:"to"`
	Cc           []string          `json:"cc"`
	Tag          []struct{ Type, Name, Href string }
	Attachment   []struct {
		Type, MediaType, URL, Name, Blurhash string
		Width, Height                        int
	}
}

// ReadArchive unzips an archive and decodes its JSON; anything malformed fails the test.
func ReadArchive(t testing.TB, data []byte) *Archive {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	a := &Archive{Files: map[string][]byte{}}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if _, dup := a.Files[f.Name]; dup {
			t.Errorf("%s is in the zip twice", f.Name)
		}
		a.Names, a.Files[f.Name] = append(a.Names, f.Name), b
	}
	decode := func(name string, v any) {
		t.Helper()
		b, ok := a.Files[name]
		if !ok {
			t.Fatalf("no %s in the archive: %v", name, a.Names)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
	}
	decode("actor.json", &a.Actor)
	decode("outbox.json", &a.Outbox)
	decode("likes.json", &a.Likes)
	decode("bookmarks.json", &a.Bookmarks)
	return a
}

// Items decodes outbox.json's items.
func (a *Archive) Items(t testing.TB) []Item {
	t.Helper()
	out := make([]Item, len(a.Outbox.OrderedItems))
	for i, raw := range a.Outbox.OrderedItems {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatalf("item %d: %v\n%s", i, err, raw)
		}
	}
	return out
}

// URIs decodes a collection of URIs (likes.json, bookmarks.json).
func (c Collection) URIs(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, raw := range c.OrderedItems {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%s: an item is not a URI: %s", c.ID, raw)
		}
		out = append(out, s)
	}
	return out
}

// Export exports account name of in through the exporter the CLI and the web use.
func Export(t testing.TB, in *testrig.Instance, name string) ([]byte, *archive.ExportReport) {
	t.Helper()
	var buf bytes.Buffer
	rep, err := archive.NewExporter(in.App.Outbox()).Export(context.Background(), in.LocalActor(name), &buf)
	if err != nil {
		t.Fatalf("export %s: %v", name, err)
	}
	return buf.Bytes(), rep
}

// Fixture is an account with one of everything an archive holds, made through the outbox as
// the web and the API make them: Notes are its live posts, oldest first.
type Fixture struct {
	A, B         *testrig.Instance
	Alice, Bob   *storage.Actor
	Carol        *storage.Actor // on B
	CarolNote    string         // a post of carol's that alice answers, boosts and likes
	BobNote      string         // liked and bookmarked by alice
	Notes        []*storage.Note
	Deleted      string // a post of alice's deleted before the export
	AvatarFile   string
	ImageCaption string
}

// NewFixture makes it: alice on A with public, unlisted, followers-only and direct posts,
// a CW in French with a described picture, a self-reply chain, a reply to carol on B, a
// boost of carol's post, likes, a bookmark and an avatar.
func NewFixture(t *testing.T) *Fixture {
	t.Helper()
	ctx := context.Background()
	f := &Fixture{A: testrig.Start(t), B: testrig.Start(t), ImageCaption: "Two halves, blue & <red>"}
	aliceTok, _ := f.A.Account("alice", false)
	f.A.Account("bob", false)
	f.B.Account("carol", false)
	svcA, svcB := f.A.App.Outbox(), f.B.App.Outbox()
	f.Alice, f.Bob, f.Carol = f.A.LocalActor("alice"), f.A.LocalActor("bob"), f.B.LocalActor("carol")
	if _, err := svcA.Follow(ctx, f.Bob, f.Alice.URI); err != nil {
		t.Fatal(err)
	}
	f.A.FollowRemote("alice", aliceTok, f.B, "carol")
	carol, _, err := svcB.PostNote(ctx, f.Carol, outbox.NoteInput{Content: "A post on B", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	f.CarolNote = carol.URI
	testrig.Eventually(t, testrig.FederationWait, "carol's post reaches A", func() bool {
		_, err := f.A.App.DB().GetNoteByURI(ctx, carol.URI)
		return err == nil
	})
	bob, _, err := svcA.PostNote(ctx, f.Bob, outbox.NoteInput{Content: "bob's post", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	f.BobNote = bob.URI

	upload := func(alt string, w, h int) storage.Media {
		t.Helper()
		m, err := svcA.SaveUpload(ctx, f.A.Cfg.Data, f.Alice, bytes.NewReader(testimage.PNG(t, testimage.Halves(w, h))), alt)
		if err != nil {
			t.Fatal(err)
		}
		return *m
	}
	avatar, err := svcA.SaveImage(ctx, f.A.Cfg.Data, f.Alice, bytes.NewReader(testimage.PNG(t, testimage.Halves(64, 64))), "")
	if err != nil {
		t.Fatal(err)
	}
	in := testrig.Profile(f.Alice)
	in.IconURL = avatar.URL
	if f.Alice, err = svcA.UpdateProfile(ctx, f.Alice, in); err != nil {
		t.Fatal(err)
	}
	f.AvatarFile = avatar.Path

	post := func(in outbox.NoteInput) *storage.Note {
		t.Helper()
		n, _, err := svcA.PostNote(ctx, f.Alice, in)
		if err != nil {
			t.Fatalf("post %q: %v", in.Content, err)
		}
		time.Sleep(1100 * time.Millisecond) // dates are kept to the second: each post its own
		return n
	}
	first := post(outbox.NoteInput{Content: "Bonjour #refuge et #Été", Summary: "en français", Language: "fr", Visibility: "public",
		Media: []storage.Media{upload(f.ImageCaption, 40, 30), upload("", 20, 10)}})
	post(outbox.NoteInput{Content: "quietly public", Visibility: "unlisted"})
	post(outbox.NoteInput{Content: "for followers", Visibility: "followers", Language: "en",
		ContentMap: map[string]string{"zh-Hans": "仅限关注者"}}) // in two languages
	gone := post(outbox.NoteInput{Content: "soon deleted", Visibility: "public"})
	post(outbox.NoteInput{Content: "just for @bob", Visibility: "direct", Mentions: []string{f.Bob.URI}})
	reply := post(outbox.NoteInput{Content: "and a thread", Visibility: "public", InReplyTo: first.URI})
	post(outbox.NoteInput{Content: "of my own", Visibility: "unlisted", InReplyTo: reply.URI})
	if _, err := svcA.React(ctx, f.Alice, storage.Announce, f.CarolNote); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	post(outbox.NoteInput{Content: "answering carol", Visibility: "public", InReplyTo: f.CarolNote})
	if err := svcA.DeleteNote(ctx, f.Alice, gone.URI); err != nil {
		t.Fatal(err)
	}
	f.Deleted = gone.URI
	for _, uri := range []string{f.CarolNote, f.BobNote} {
		if _, err := svcA.React(ctx, f.Alice, storage.Like, uri); err != nil {
			t.Fatal(err)
		}
	}
	if err := svcA.Bookmark(ctx, f.Alice, f.BobNote, true); err != nil {
		t.Fatal(err)
	}
	notes, err := f.A.App.DB().ListActorNotes(ctx, f.Alice.ID, f.Alice.ID, storage.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(notes)
	f.Notes = notes
	return f
}

func TestExportArchive(t *testing.T) {
	f := NewFixture(t)
	data, rep := Export(t, f.A, "alice")
	a := ReadArchive(t, data)

	// Mastodon's entries, in its order: outbox, media, likes, bookmarks, avatar, actor.
	if a.Names[0] != "outbox.json" || a.Names[len(a.Names)-1] != "actor.json" {
		t.Errorf("entries %v: want outbox.json first and actor.json last, as Mastodon writes them", a.Names)
	}
	for _, name := range a.Names {
		if strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
			t.Errorf("entry %q is not a relative path inside the archive", name)
		}
	}

	// outbox.json: the collection, a Create for every post and the Announce, oldest first.
	if a.Outbox.ID != "outbox.json" || a.Outbox.Type != "OrderedCollection" || a.Outbox.Context == nil {
		t.Errorf("outbox.json is %q %q with @context %v", a.Outbox.ID, a.Outbox.Type, a.Outbox.Context)
	}
	items := a.Items(t)
	if a.Outbox.TotalItems == nil || *a.Outbox.TotalItems != len(items) {
		t.Errorf("totalItems %v, %d items", a.Outbox.TotalItems, len(items))
	}
	if want := len(f.Notes) + 1; len(items) != want || rep.Posts != len(f.Notes) || rep.Boosts != 1 {
		t.Fatalf("%d items (report: %d posts, %d boosts), want %d posts and 1 boost", len(items), rep.Posts, rep.Boosts, len(f.Notes))
	}
	var last string
	creates := map[string]Note{}
	var order []string
	for i, it := range items {
		if it.Context != nil {
			t.Errorf("item %d has its own @context; Mastodon's items have none", i)
		}
		if it.Actor != f.Alice.URI {
			t.Errorf("item %d: actor %q", i, it.Actor)
		}
		if it.Published < last {
			t.Errorf("item %d published %s after one of %s: not oldest first", i, it.Published, last)
		}
		last = it.Published
		switch it.Type {
		case "Create":
			var n Note
			if err := json.Unmarshal(it.Object, &n); err != nil {
				t.Fatalf("item %d's object: %v", i, err)
			}
			if it.ID != n.ID+"/activity" || it.Published != n.Published {
				t.Errorf("Create %s of %s published %s, note's %s", it.ID, n.ID, it.Published, n.Published)
			}
			creates[n.ID] = n
			order = append(order, n.ID)
		case "Announce":
			var object string
			if err := json.Unmarshal(it.Object, &object); err != nil || object != f.CarolNote {
				t.Errorf("Announce's object is %s, want the bare URI %s", it.Object, f.CarolNote)
			}
			if !slices.Contains(it.To, federation.PublicCollection) {
				t.Errorf("Announce addressed to %v", it.To)
			}
		default:
			t.Errorf("item %d is a %s", i, it.Type)
		}
	}
	if _, ok := creates[f.Deleted]; ok {
		t.Errorf("the deleted post %s is in the archive", f.Deleted)
	}
	dir := media.Dir(f.A.Cfg.Data)
	for i, n := range f.Notes {
		if i >= len(order) || order[i] != n.URI {
			t.Errorf("post %d is %s in the archive, want %s (oldest first)", i, order[i], n.URI)
		}
		got, ok := creates[n.URI]
		if !ok {
			t.Errorf("post %s (%s) has no Create", n.URI, n.Visibility)
			continue
		}
		checkNote(t, got, n, a, dir)
	}
	if len(rep.Missing) != 0 || rep.Media != 2 {
		t.Errorf("report: %d media, missing %v", rep.Media, rep.Missing)
	}

	// likes.json and bookmarks.json: the URIs, oldest first, without totalItems.
	if got := a.Likes.URIs(t); !slices.Equal(got, []string{f.CarolNote, f.BobNote}) || a.Likes.ID != "likes.json" || a.Likes.TotalItems != nil {
		t.Errorf("likes.json %q: %v (totalItems %v)", a.Likes.ID, got, a.Likes.TotalItems)
	}
	if got := a.Bookmarks.URIs(t); !slices.Equal(got, []string{f.BobNote}) || a.Bookmarks.ID != "bookmarks.json" || a.Bookmarks.Type != "OrderedCollection" {
		t.Errorf("bookmarks.json %q: %v", a.Bookmarks.ID, got)
	}

	// actor.json: the actor, pointing into the archive, its avatar there too.
	if a.Actor["id"] != f.Alice.URI || a.Actor["outbox"] != "outbox.json" || a.Actor["likes"] != "likes.json" ||
		a.Actor["bookmarks"] != "bookmarks.json" || a.Actor["preferredUsername"] != "alice" {
		t.Errorf("actor.json: %v", a.Actor)
	}
	icon, _ := a.Actor["icon"].(map[string]any)
	if icon == nil || icon["url"] != "avatar.png" || icon["mediaType"] != "image/png" {
		t.Errorf("actor.json's icon: %v", a.Actor["icon"])
	} else if want, err := os.ReadFile(filepath.Join(dir, f.AvatarFile)); err != nil || !bytes.Equal(a.Files["avatar.png"], want) {
		t.Errorf("avatar.png: %d bytes, want the stored file's %d (%v)", len(a.Files["avatar.png"]), len(want), err)
	}
	if _, ok := a.Actor["image"]; ok {
		t.Errorf("actor.json has a header, and alice has none: %v", a.Actor["image"])
	}
}

// checkNote compares a note of an archive with the stored post: every field Mastodon's
// importers read, and each attachment's file in the zip byte for byte.
func checkNote(t *testing.T, got Note, n *storage.Note, a *Archive, dir string) {
	t.Helper()
	if got.Type != "Note" || got.AttributedTo != n.Author.URI || got.Content != n.Content || got.Summary != n.Summary ||
		got.Sensitive != n.Sensitive || got.InReplyTo != n.InReplyToURI || got.URL != n.URL {
		t.Errorf("%s: %+v\nstored %+v", n.URI, got, n)
	}
	if want := n.Published.UTC().Format(time.RFC3339); got.Published != want {
		t.Errorf("%s published %s, stored %s", n.URI, got.Published, want)
	}
	if !slices.Equal(got.To, n.To) || !slices.Equal(got.Cc, n.Cc) {
		t.Errorf("%s (%s) to %v cc %v, stored %v %v", n.URI, n.Visibility, got.To, got.Cc, n.To, n.Cc)
	}
	if n.Language != "" && got.ContentMap[n.Language] != n.Content {
		t.Errorf("%s: contentMap %v, language %s", n.URI, got.ContentMap, n.Language)
	}
	// Importers of Mastodon's archives (slurp, for GoToSocial) turn a link back into a
	// hashtag only when its URL is the tag's href: both a URI, the name percent-encoded.
	hashtags := 0
	for _, tag := range got.Tag {
		if tag.Type == "Hashtag" {
			hashtags++
			if !isURI(tag.Href) || !strings.Contains(got.Content, `href="`+tag.Href+`"`) {
				t.Errorf("%s: hashtag %s links %q, which is not a URI the text links as it is: %s", n.URI, tag.Name, tag.Href, got.Content)
			}
		}
	}
	if hashtags != strings.Count(got.Content, `rel="tag"`) {
		t.Errorf("%s: %d Hashtag tags for the text's links %s", n.URI, hashtags, got.Content)
	}
	if len(got.Attachment) != len(n.Media) {
		t.Fatalf("%s: %d attachments, stored %d", n.URI, len(got.Attachment), len(n.Media))
	}
	for i, m := range n.Media {
		att := got.Attachment[i]
		if att.URL != archive.MediaPath(m) || !strings.HasPrefix(att.URL, "media_attachments/files/") || !strings.Contains(att.URL, "/original/") {
			t.Errorf("%s attachment %d URL %q, want Mastodon's relative path", n.URI, i, att.URL)
		}
		if att.Name != m.Description || att.MediaType != m.MediaType || att.Blurhash != m.Blurhash || att.Blurhash == "" ||
			att.Width != m.Width || att.Height != m.Height || att.Type != "Document" {
			t.Errorf("%s attachment %d: %+v, stored %+v", n.URI, i, att, m)
		}
		want, err := os.ReadFile(filepath.Join(dir, m.Path))
		if err != nil {
			t.Fatal(err)
		}
		if b, ok := a.Files[att.URL]; !ok || !bytes.Equal(b, want) {
			t.Errorf("%s attachment %d: the zip's %s has %d bytes (there: %v), the stored file %d", n.URI, i, att.URL, len(b), ok, len(want))
		}
	}
}

// isURI says whether s is an absolute URL in ASCII, as an href that needs no further encoding.
func isURI(s string) bool {
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.IsAbs()
}

func TestExportArchiveRefused(t *testing.T) {
	in := testrig.Start(t)
	ctx := context.Background()
	svc := in.App.Outbox()
	in.Account("gone", false)
	in.Account("held", false)
	in.Account("empty", false)
	if _, err := svc.DeleteAccount(ctx, in.LocalActor("gone")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Suspend(ctx, "held"); err != nil {
		t.Fatal(err)
	}
	exp := archive.NewExporter(svc)
	for _, c := range []struct {
		name  string
		actor *storage.Actor
		kind  storage.Kind
	}{
		{"deleted account", in.LocalActor("gone"), storage.Gone},
		{"suspended account", in.LocalActor("held"), storage.Conflict},
		{"remote actor", &storage.Actor{Username: "far", Local: false}, storage.Invalid},
		{"no actor", nil, storage.Invalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := exp.Export(ctx, c.actor, &buf)
			if storage.KindOf(err) != c.kind {
				t.Errorf("error %v, want kind %v", err, c.kind)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written before the refusal", buf.Len())
			}
		})
	}

	// An account with nothing is still a whole archive, with empty collections.
	data, rep := Export(t, in, "empty")
	a := ReadArchive(t, data)
	if len(a.Outbox.OrderedItems) != 0 || a.Outbox.TotalItems == nil || *a.Outbox.TotalItems != 0 || rep.Posts != 0 {
		t.Errorf("empty account's outbox: %d items, totalItems %v", len(a.Outbox.OrderedItems), a.Outbox.TotalItems)
	}
	if !bytes.Contains(a.Files["likes.json"], []byte(`"orderedItems":[]`)) {
		t.Errorf("likes.json of nothing: %s", a.Files["likes.json"])
	}
}

// TestExportArchiveCommand runs the real binary beside the running instance.
func TestExportArchiveCommand(t *testing.T) {
	in := testrig.Start(t)
	ctx := context.Background()
	svc := in.App.Outbox()
	in.Account("alice", false)
	in.Account("gone", false)
	in.Account("held", false)
	if _, err := svc.Suspend(ctx, "held"); err != nil {
		t.Fatal(err)
	}
	alice := in.LocalActor("alice")
	m, err := svc.SaveUpload(ctx, in.Cfg.Data, alice, bytes.NewReader(testimage.PNG(t, testimage.Halves(30, 20))), "a picture")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PostNote(ctx, alice, outbox.NoteInput{Content: "with a picture", Visibility: "followers", Media: []storage.Media{*m}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeleteAccount(ctx, in.LocalActor("gone")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "alice.zip")
	code, out := in.Admin("export", "alice", file)
	if code != 0 || !strings.Contains(out, "exported alice to "+file+": 1 posts, 0 boosts, 1 media files") {
		t.Fatalf("export: exit %d\n%s", code, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	a := ReadArchive(t, data)
	if items := a.Items(t); len(items) != 1 || items[0].Type != "Create" || len(a.Files) != 5 {
		t.Errorf("%d items, entries %v", len(items), a.Names)
	}

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown account", []string{"nobody", filepath.Join(dir, "nobody.zip")}, `there is no account "nobody" here`},
		{"deleted account", []string{"gone", filepath.Join(dir, "gone.zip")}, "account gone is deleted"},
		{"suspended account", []string{"held", filepath.Join(dir, "held.zip")}, "account held is suspended"},
		{"file exists", []string{"alice", file}, "exists already"},
		{"no file named", []string{"alice"}, "NAME FILE: takes 2 arguments, not 1"},
		{"folder missing", []string{"alice", filepath.Join(dir, "no", "such.zip")}, "no such file or directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := in.Admin(append([]string{"export"}, c.args...)...)
			if code == 0 || !strings.Contains(out, c.want) {
				t.Errorf("exit %d, want non-zero saying %q:\n%s", code, c.want, out)
			}
		})
	}
	if after, err := os.ReadFile(file); err != nil || !bytes.Equal(after, data) {
		t.Errorf("the existing file was changed (%v)", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %v, want only alice.zip: a refused export leaves nothing behind", entries)
	}

	// FILE "-" is standard output, the zip alone there.
	args := []string{"export", "alice", "-", "--data", in.Cfg.Data, "--domain", in.Cfg.Domain}
	if in.Cfg.DB != "" {
		args = append(args, "--db", in.Cfg.DB)
	}
	cmd := exec.Command(testrig.Binary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("export to -: %v\n%s", err, stderr.String())
	}
	if a := ReadArchive(t, stdout.Bytes()); len(a.Outbox.OrderedItems) != 1 {
		t.Errorf("export to -: %d items", len(a.Outbox.OrderedItems))
	}
}

// BenchmarkExportArchive exports an account of 10,000 posts, 1,000 of them with a picture,
// with the real binary beside the running instance, and reports the command's wall time and
// peak memory (its maximum resident set, from the kernel's accounting of the child).
func BenchmarkExportArchive(b *testing.B) {
	const posts, withImage = 10000, 10 // every tenth post has a picture
	in := testrig.Start(b)
	ctx := context.Background()
	svc := in.App.Outbox()
	in.Account("alice", false)
	in.Account("empty", false)
	alice := in.LocalActor("alice")
	pic := noisePicture(b, 640, 480) // a photograph's size: noise does not compress
	visibilities := []string{"public", "unlisted", "followers", "direct"}
	start := time.Now()
	for i := range posts {
		in := outbox.NoteInput{Content: "post number " + strconv.Itoa(i) + " #bench", Visibility: visibilities[i%4]}
		if i%4 == 3 {
			in.Mentions = []string{alice.URI}
		}
		if i%withImage == 0 {
			m, err := svc.SaveUpload(ctx, svc.DataDir, alice, bytes.NewReader(pic), "picture "+strconv.Itoa(i))
			if err != nil {
				b.Fatal(err)
			}
			in.Media = []storage.Media{*m}
		}
		if _, _, err := svc.PostNote(ctx, alice, in); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("made %d posts with %d pictures in %s", posts, posts/withImage, time.Since(start).Round(time.Millisecond))
	dir := b.TempDir()
	bin := testrig.Binary(b)
	// export runs the command once and returns its wall time, peak memory (KiB) and the
	// archive's size.
	export := func(name, file, want string) (time.Duration, int64, int64) {
		args := []string{"export", name, file, "--data", svc.DataDir, "--domain", in.Cfg.Domain}
		if in.Cfg.DB != "" {
			args = append(args, "--db", in.Cfg.DB)
		}
		cmd := exec.Command(bin, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("export: %v\n%s", err, out.String())
		}
		wall := time.Since(t0)
		var rss int64
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss // KiB on Linux
		}
		if !strings.Contains(out.String(), want) {
			b.Fatalf("export said:\n%s", out.String())
		}
		st, err := os.Stat(file)
		if err != nil {
			b.Fatal(err)
		}
		os.Remove(file)
		return wall, rss, st.Size()
	}
	// The same command for an account with nothing: the binary's own footprint.
	_, baseRSS, _ := export("empty", filepath.Join(dir, "empty.zip"), "0 posts")
	b.ResetTimer()
	var wall time.Duration
	var maxRSS, size int64
	for i := range b.N {
		w, rss, n := export("alice", filepath.Join(dir, "alice-"+strconv.Itoa(i)+".zip"), strconv.Itoa(posts)+" posts")
		wall, maxRSS, size = wall+w, max(maxRSS, rss), n
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/export")
	b.ReportMetric(float64(maxRSS)/1024, "MiB-maxrss")
	b.ReportMetric(float64(baseRSS)/1024, "MiB-maxrss-empty")
	b.ReportMetric(float64(size)/(1<<20), "MiB-zip")
}

// noisePicture is a JPEG of w×h random pixels, about as large as a photograph of that size.
func noisePicture(b *testing.B, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	return testimage.JPEG(b, img)
}
