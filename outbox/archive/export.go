package archive

import (
	"archive/zip"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/outbox"
	"refuge/outbox/media"
	"refuge/storage"
)

// The export writes what Mastodon's BackupService writes (app/services/backup_service.rb,
// the zip-writing version of Mastodon 4.2 and later, as on its main branch in 2025), entry
// for entry and in its order:
//
//	outbox.json      OrderedCollection "outbox.json": a Create for every post of the account
//	                 (all visibilities) and an Announce (object: the boosted post's URI) for
//	                 every boost, oldest first; attachment URLs are the files' paths in the zip
//	media_attachments/files/NNN/NNN/NNN/original/NAME  the posts' files, as uploaded here
//	likes.json       OrderedCollection "likes.json" of the URIs of the posts it likes
//	bookmarks.json   the same of its bookmarks
//	actor.json       its actor document; outbox, likes and bookmarks name the files above,
//	                 icon and image name avatar.EXT and header.EXT, which follow it
//
// Everything is streamed: posts are read a page at a time and written as they come, and each
// file is copied from the media folder into the zip, so that memory does not grow with the
// account.

// pageSize is how many rows each read takes: the most a storage list gives.
const pageSize = 100

// Store is what an export reads.
type Store interface {
	ListActorNotes(ctx context.Context, actorID, viewer int64, p storage.Page) ([]*storage.Note, error)
	ListOutbox(ctx context.Context, actorID int64, owner bool, p storage.Page) ([]*storage.Activity, error)
	ListLiked(ctx context.Context, actorID int64, p storage.Page) ([]*storage.Note, []int64, error)
	ListBookmarked(ctx context.Context, actorID int64, p storage.Page) ([]*storage.Note, []int64, error)
}

// Exporter writes account archives.
type Exporter struct {
	DB      Store
	Outbox  *outbox.Service // renders the actor document as it is federated
	Base    string          // the instance's scheme://domain, which local media URLs start with
	DataDir string          // uploads live under DataDir/media
	Log     *slog.Logger
	Now     func() time.Time
}

// ExportReport says what an export wrote.
type ExportReport struct {
	Posts, Boosts, Likes, Bookmarks, Media int
	// Missing are the files of attachments, avatar or header that were not in the media
	// folder (removed by hand, or a disk fault): the archive is written without them, as
	// Mastodon's is, and their attachments still name the paths they would have had.
	Missing []string
	Bytes   int64 // of the zip
}

// Export writes the archive of local account a to w as a zip. A deleted account is Gone, a
// suspended one Conflict (its posts are withheld while the suspension lasts, from its owner
// too; lifting it makes them exportable again), the instance's own actor Invalid. An error
// after writing began leaves w holding an incomplete zip, which the caller throws away.
func (e *Exporter) Export(ctx context.Context, a *storage.Actor, w io.Writer) (*ExportReport, error) {
	switch {
	case a == nil || !a.Local:
		return nil, storage.Errorf(storage.Invalid, "only a local account can be exported")
	case !a.DeletedAt.IsZero():
		return nil, storage.Errorf(storage.Gone, "account %s is deleted: there is nothing left to export", a.Username)
	case a.Type == federation.TypeApplication:
		return nil, storage.Errorf(storage.Invalid, "%s is the instance's own actor, not an account", a.Username)
	case a.Suspended():
		return nil, storage.Errorf(storage.Conflict, "account %s is suspended and its posts are withheld: lift the suspension to export it", a.Username)
	}
	cw := &countingWriter{w: w}
	x := &export{Exporter: e, actor: a, zw: zip.NewWriter(cw), report: &ExportReport{}, modified: e.now()}
	for _, step := range []func(context.Context) error{x.writeOutbox, x.writeMedia, x.writeLikes, x.writeBookmarks, x.writeActor} {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("export %s: %w", a.Username, err)
		}
	}
	if err := x.zw.Close(); err != nil {
		return nil, fmt.Errorf("export %s: %w", a.Username, err)
	}
	x.report.Bytes = cw.n
	return x.report, nil
}

func (e *Exporter) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// export is one archive being written.
type export struct {
	*Exporter
	actor    *storage.Actor
	zw       *zip.Writer
	report   *ExportReport
	modified time.Time
}

// create starts the next entry of the zip; stored entries are copied without compressing
// again what is compressed already (pictures, video, sound).
func (x *export) create(name string, method uint16) (io.Writer, error) {
	return x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: x.modified})
}

// writeOutbox writes outbox.json: the account's posts as Creates and its boosts as
// Announces, merged oldest first. Its totalItems comes last, once they are counted.
func (x *export) writeOutbox(ctx context.Context) error {
	out, err := x.create("outbox.json", zip.Deflate)
	if err != nil {
		return err
	}
	head, err := json.Marshal(map[string]any{"@context": federation.Context(), "id": "outbox.json", "type": federation.TypeOrderedCollection})
	if err != nil {
		return err
	}
	bw := &itemWriter{w: out}
	bw.raw(head[:len(head)-1])
	bw.raw([]byte(`,"orderedItems":[`))
	notes := x.notes()
	boosts := &pager[*storage.Activity]{
		load: func(ctx context.Context, p storage.Page) ([]*storage.Activity, error) {
			return x.DB.ListOutbox(ctx, x.actor.ID, true, p)
		},
		cursor: func(act *storage.Activity) int64 { return act.ID },
		keep:   func(act *storage.Activity) bool { return act.Type == federation.TypeAnnounce },
	}
	for {
		n, okN, err := notes.peek(ctx)
		if err != nil {
			return err
		}
		b, okB, err := boosts.peek(ctx)
		if err != nil {
			return err
		}
		var item []byte
		switch {
		case !okN && !okB:
			bw.raw([]byte(`],"totalItems":` + strconv.Itoa(x.report.Posts+x.report.Boosts) + `}`))
			return bw.err
		case okN && (!okB || !b.Published.Before(n.Published)):
			notes.pop()
			item, err = x.createItem(n)
			x.report.Posts++
		default:
			boosts.pop()
			item, err = announceItem(b)
			x.report.Boosts++
		}
		if err != nil {
			return err
		}
		bw.item(item)
		if bw.err != nil {
			return bw.err
		}
	}
}

// notes pages through every live post of the account, oldest first.
func (x *export) notes() *pager[*storage.Note] {
	return &pager[*storage.Note]{
		load: func(ctx context.Context, p storage.Page) ([]*storage.Note, error) {
			// The author may read all its own posts, whatever their audience.
			return x.DB.ListActorNotes(ctx, x.actor.ID, x.actor.ID, p)
		},
		cursor: func(n *storage.Note) int64 { return n.ID },
	}
}

// createItem is the Create of note n as an item of outbox.json: the note as it is federated,
// with its attachments' URLs made the paths of their files in the zip, as Mastodon's are.
func (x *export) createItem(n *storage.Note) ([]byte, error) {
	doc := outbox.NoteDocument(n)
	for i, m := range n.Media {
		if i < len(doc.Attachments) && m.Path != "" {
			doc.Attachments[i].URL = MediaPath(m)
		}
	}
	// An imported note's original URL (n.ImportedFrom) is not written: Mastodon's format has
	// no place for it, and importing the archive again records this note's URI as where it
	// came from. Refuge keeps no media focus, so there is no focalPoint to write either.
	return federation.EncodeActivityItem(&federation.Activity{ID: uris.NoteActivity(n.URI), Type: federation.TypeCreate,
		Actor: x.actor.URI, Published: n.Published, To: n.To, Cc: n.Cc}, doc)
}

// announceItem is a stored Announce as an item of outbox.json: as it was federated, its
// object the boosted post's URI, without its @context.
func announceItem(act *storage.Activity) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(act.JSON), &m); err != nil {
		return nil, storage.Wrap(storage.Internal, err, "stored boost "+act.URI)
	}
	delete(m, "@context")
	return federation.Marshal(m)
}

// MediaPath is where attachment m's file goes in an archive, and what its attachment's URL
// says: Mastodon's path for the original of a media attachment (its URL without the
// /system/ prefix), with the row id partitioned as Mastodon partitions ids.
func MediaPath(m storage.Media) string {
	return "media_attachments/files/" + idPartition(m.ID) + "/original/" + path.Base(m.Path)
}

// idPartition is Paperclip's :id_partition: the id zero-padded to 9 digits (18 for the
// large ids of Mastodon's snowflakes) and cut in threes.
func idPartition(id int64) string {
	s := fmt.Sprintf("%09d", id)
	if len(s) > 9 {
		s = fmt.Sprintf("%018d", id)
	}
	parts := make([]string, 0, len(s)/3)
	for i := 0; i+3 <= len(s); i += 3 {
		parts = append(parts, s[i:i+3])
	}
	return strings.Join(parts, "/")
}

// writeMedia copies the files of the posts' attachments into the zip, a second walk over
// the posts so that no list of them is kept.
func (x *export) writeMedia(ctx context.Context) error {
	notes := x.notes()
	for {
		n, ok, err := notes.peek(ctx)
		if err != nil || !ok {
			return err
		}
		notes.pop()
		for _, m := range n.Media {
			if m.Path == "" {
				continue
			}
			if err := x.copyFile(ctx, m.Path, MediaPath(m)); err != nil {
				return err
			}
			x.report.Media++
		}
	}
}

// copyFile copies the upload named file in the media folder to the zip entry name. A
// missing file is left out, logged and reported, as Mastodon leaves it out.
func (x *export) copyFile(ctx context.Context, file, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.Open(filepath.Join(media.Dir(x.DataDir), filepath.Base(file)))
	if errors.Is(err, fs.ErrNotExist) {
		x.report.Missing = append(x.report.Missing, name)
		if x.Log != nil {
			x.Log.Warn("archive: a file is missing from the media folder", "account", x.actor.Username, "file", file)
		}
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	out, err := x.create(name, zip.Store)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, f)
	return err
}

// writeLikes writes likes.json, the URIs of the posts the account likes.
func (x *export) writeLikes(ctx context.Context) error {
	return x.writeURIs(ctx, "likes.json", x.DB.ListLiked, &x.report.Likes)
}

// writeBookmarks writes bookmarks.json, the URIs of the posts the account bookmarked.
func (x *export) writeBookmarks(ctx context.Context) error {
	return x.writeURIs(ctx, "bookmarks.json", x.DB.ListBookmarked, &x.report.Bookmarks)
}

// marked is a note someone marked (liked, bookmarked), with the mark's row id.
type marked struct {
	uri    string
	cursor int64
}

// writeURIs writes the collection name of the URIs of the posts list gives, oldest mark
// first, without totalItems (as Mastodon's); count counts them.
func (x *export) writeURIs(ctx context.Context, name string,
	list func(context.Context, int64, storage.Page) ([]*storage.Note, []int64, error), count *int) error {
	out, err := x.create(name, zip.Deflate)
	if err != nil {
		return err
	}
	head, err := json.Marshal(map[string]any{"@context": federation.ActivityStreamsContext, "id": name, "type": federation.TypeOrderedCollection})
	if err != nil {
		return err
	}
	bw := &itemWriter{w: out}
	bw.raw(head[:len(head)-1])
	bw.raw([]byte(`,"orderedItems":[`))
	pg := &pager[marked]{
		load: func(ctx context.Context, p storage.Page) ([]marked, error) {
			notes, cursors, err := list(ctx, x.actor.ID, p)
			if err != nil {
				return nil, err
			}
			out := make([]marked, len(notes))
			for i, n := range notes {
				out[i] = marked{n.URI, cursors[i]}
			}
			return out, nil
		},
		cursor: func(m marked) int64 { return m.cursor },
	}
	for {
		m, ok, err := pg.peek(ctx)
		if err != nil {
			return err
		}
		if !ok {
			bw.raw([]byte(`]}`))
			return bw.err
		}
		pg.pop()
		item, err := federation.Marshal(m.uri)
		if err != nil {
			return err
		}
		bw.item(item)
		*count++
	}
}

// writeActor writes actor.json and the avatar and header it names. The document is the one
// federated (outbox.Service.ActorDocument), with the collections and pictures pointing into
// the archive.
func (x *export) writeActor(ctx context.Context) error {
	raw, err := federation.EncodeActor(x.Outbox.ActorDocument(x.actor))
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return storage.Wrap(storage.Internal, err, "actor document")
	}
	doc["outbox"], doc["likes"], doc["bookmarks"] = "outbox.json", "likes.json", "bookmarks.json"
	var files [][2]string // file in the media folder, entry in the zip
	for _, p := range []struct{ key, name, url string }{{"icon", "avatar", x.actor.IconURL}, {"image", "header", x.actor.ImageURL}} {
		file, ok := x.localMedia(p.url)
		if !ok {
			continue // none, or not one of ours: the document keeps its URL
		}
		entry := p.name + path.Ext(file)
		if img, ok := doc[p.key].(map[string]any); ok {
			img["url"] = entry
			if mt := mediaTypeOf(entry); mt != "" {
				img["mediaType"] = mt
			}
		}
		files = append(files, [2]string{file, entry})
	}
	for _, f := range files {
		if err := x.copyFile(ctx, f[0], f[1]); err != nil {
			return err
		}
	}
	body, err := federation.Marshal(doc)
	if err != nil {
		return err
	}
	out, err := x.create("actor.json", zip.Deflate)
	if err != nil {
		return err
	}
	_, err = out.Write(body)
	return err
}

// localMedia is the name in the media folder of an upload's URL here; false for "" or
// another server's URL.
func (x *export) localMedia(url string) (string, bool) {
	prefix := uris.New(x.Base).Media("")
	file, ok := strings.CutPrefix(url, prefix)
	if !ok || file == "" || strings.ContainsAny(file, `/\`) || file == ".." {
		return "", false
	}
	return file, true
}

// mediaTypeOf is the type of a picture by its extension, for the actor's icon and image.
func mediaTypeOf(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	}
	return ""
}

// pager walks a list oldest first, a page at a time, keeping only the page in hand.
type pager[T any] struct {
	load   func(ctx context.Context, p storage.Page) ([]T, error) // one page, in any order
	cursor func(T) int64                                          // what the list is paged by
	keep   func(T) bool                                           // nil: all
	buf    []T
	last   int64
	done   bool
}

// peek returns the next item without taking it; false at the end.
func (pg *pager[T]) peek(ctx context.Context) (T, bool, error) {
	for len(pg.buf) == 0 && !pg.done {
		if err := ctx.Err(); err != nil {
			var zero T
			return zero, false, err
		}
		p := storage.Page{Oldest: true, Limit: pageSize}
		if pg.last > 0 {
			p = storage.Page{After: pg.last, Limit: pageSize}
		}
		items, err := pg.load(ctx, p)
		if err != nil {
			var zero T
			return zero, false, err
		}
		slices.SortFunc(items, func(a, b T) int { return cmp.Compare(pg.cursor(a), pg.cursor(b)) })
		pg.done = len(items) < pageSize
		if len(items) > 0 {
			pg.last = pg.cursor(items[len(items)-1])
		}
		for _, it := range items {
			if pg.keep == nil || pg.keep(it) {
				pg.buf = append(pg.buf, it)
			}
		}
	}
	if len(pg.buf) == 0 {
		var zero T
		return zero, false, nil
	}
	return pg.buf[0], true, nil
}

// pop takes the item peek returned.
func (pg *pager[T]) pop() { pg.buf = pg.buf[1:] }

// itemWriter writes a JSON array's items with commas between them, keeping the first error.
type itemWriter struct {
	w     io.Writer
	err   error
	comma bool
}

func (b *itemWriter) raw(p []byte) {
	if b.err == nil {
		_, b.err = b.w.Write(p)
	}
}

func (b *itemWriter) item(p []byte) {
	if b.comma {
		b.raw([]byte{','})
	}
	b.comma = true
	b.raw(p)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// NewExporter is an Exporter reading the database of svc and the uploads of its data folder.
func NewExporter(svc *outbox.Service) *Exporter {
	return &Exporter{DB: svc.DB, Outbox: svc, Base: svc.Base, DataDir: svc.DataDir, Log: svc.Log, Now: svc.Now}
}
