package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/outbox"
	"refuge/outbox/media"
	"refuge/storage"
)

// Importer imports Mastodon account archives into local accounts.
type Importer struct {
	Out     *outbox.Service
	DataDir string // the instance's data folder; media go under its media/
	Now     func() time.Time
	Log     *slog.Logger
}

// Report says what an import did.
type Report struct {
	Imported      int            // posts stored as local notes
	AlreadyThere  int            // posts imported before (the archive or an earlier one)
	SkippedBoosts int            // Announces of a bare URL: a boost is of someone else's post
	Skipped       map[string]int // other items left out, by reason
	Media         int            // attachments stored
	Polls         int            // Questions kept as text, their options listed (Refuge has no polls)
	Clamped       int            // posts dated in the future, given the import's time instead
	Bookmarks     int            // bookmarks recorded, of notes known here
	Likes         int            // likes in likes.json: listed, not sent (a Like would be delivered)
	Unknown       []string       // bookmarked posts not known here, not fetched
}

// String is the report as the CLI prints it.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "imported: %d\nalready there: %d\nskipped boosts: %d\nmedia imported: %d\n",
		r.Imported, r.AlreadyThere, r.SkippedBoosts, r.Media)
	reasons := make([]string, 0, len(r.Skipped))
	for k := range r.Skipped {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		fmt.Fprintf(&b, "skipped (%s): %d\n", k, r.Skipped[k])
	}
	if r.Polls > 0 {
		fmt.Fprintf(&b, "polls: %d kept as posts with their options as text (Refuge has no polls)\n", r.Polls)
	}
	if r.Clamped > 0 {
		fmt.Fprintf(&b, "dated in the future, dated now instead: %d\n", r.Clamped)
	}
	fmt.Fprintf(&b, "bookmarks recorded: %d; bookmarked posts not known here (not fetched): %d\n", r.Bookmarks, len(r.Unknown))
	fmt.Fprintf(&b, "likes in the archive, not sent: %d\n", r.Likes)
	return b.String()
}

func (r *Report) skip(reason string) {
	if r.Skipped == nil {
		r.Skipped = map[string]int{}
	}
	r.Skipped[reason]++
}

// batch is how many notes one transaction stores: a serve beside the import waits at most
// for one batch to be written.
const batch = 250

// Import imports the archive at file into the local account accountID, as Mastodon's backup
// code writes it (see the package doc): each of the account's own posts becomes a local note
// with its date, text, warning, language, hashtags, media and visibility, threaded among
// themselves, quietly (nothing delivered, no feed, no notification). progress, if not nil,
// is told how many posts are done of how many. A refused archive (storage.Invalid, with the
// reason) leaves nothing behind; importing the same archive again adds nothing.
func (im *Importer) Import(ctx context.Context, accountID int64, file string, progress func(done, total int)) (*Report, error) {
	author, err := im.Out.DB.GetActorByID(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("import archive: %w", err)
	}
	if !author.Local || !author.DeletedAt.IsZero() {
		return nil, storage.Errorf(storage.Invalid, "import archive: not a local account")
	}
	a, err := Open(file)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	c, err := readDocuments(ctx, a)
	if err != nil {
		return nil, err
	}
	rep := &Report{Likes: len(c.likes)}
	done, err := im.Out.DB.ImportedNotes(ctx, author.ID)
	if err != nil {
		return nil, err
	}
	posts := im.posts(c, done, rep)
	files, err := im.saveMedia(ctx, a, posts)
	if err != nil {
		return nil, err
	}
	if err := im.store(ctx, author, posts, done, files, rep, progress); err != nil {
		return nil, err
	}
	im.bookmarks(ctx, author, c.bookmarks, done, rep)
	return rep, nil
}

// contents are the JSON documents of an archive.
type contents struct {
	actor     struct{ ID, Followers string }
	items     []item
	likes     []string
	bookmarks []string
}

// item is an outbox entry as Mastodon writes it: an activity with its object.
type item struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Actor  string          `json:"actor"`
	Object json.RawMessage `json:"object"`
}

// object is a post as Mastodon writes it.
type object struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	AttributedTo string            `json:"attributedTo"`
	Published    time.Time         `json:"published"`
	Summary      string            `json:"summary"`
	Sensitive    bool              `json:"sensitive"`
	Content      string            `json:"content"`
	ContentMap   map[string]string `json:"contentMap"`
	InReplyTo    string            `json:"inReplyTo"`
	To           strings_          `json:"to"`
	Cc           strings_          `json:"cc"`
	Tag          []struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"tag"`
	Attachment []struct {
		URL  string `json:"url"`
		Name string `json:"name"`
	} `json:"attachment"`
	OneOf []struct {
		Name string `json:"name"`
	} `json:"oneOf"`
	AnyOf []struct {
		Name string `json:"name"`
	} `json:"anyOf"`
}

// strings_ is a JSON string or array of strings, as ActivityPub allows either.
type strings_ []string

func (s *strings_) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*s = many
	return err
}

// readDocuments reads actor.json, outbox.json, likes.json and bookmarks.json in one pass.
func readDocuments(ctx context.Context, a *Archive) (*contents, error) {
	c := &contents{}
	seen := map[string]bool{}
	want := func(name string) bool {
		switch name {
		case "actor.json", "outbox.json", "likes.json", "bookmarks.json":
			return true
		}
		return false
	}
	err := a.Walk(ctx, want, func(name string, r io.Reader) error {
		seen[name] = true
		r = &limitReader{r: r, n: MaxJSONBytes, name: name}
		switch name {
		case "actor.json":
			if err := json.NewDecoder(r).Decode(&c.actor); err != nil {
				return badJSON(name, err)
			}
		case "outbox.json":
			return readOutbox(r, c)
		default:
			var coll struct {
				OrderedItems strings_ `json:"orderedItems"`
			}
			if err := json.NewDecoder(r).Decode(&coll); err != nil {
				return badJSON(name, err)
			}
			if name == "likes.json" {
				c.likes = coll.OrderedItems
			} else {
				c.bookmarks = coll.OrderedItems
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case !seen["outbox.json"]:
		return nil, refuse("no outbox.json: not a Mastodon account archive")
	case !seen["actor.json"] || c.actor.ID == "":
		return nil, refuse("no actor.json naming the account")
	}
	for _, it := range c.items {
		if it.Actor != c.actor.ID {
			return nil, refuse("outbox.json has an activity of %q, not of the archive's account %q", it.Actor, c.actor.ID)
		}
	}
	return c, nil
}

func badJSON(name string, err error) error {
	if storage.KindOf(err) == storage.Invalid {
		return err
	}
	return refuse("%s is not valid JSON (%v)", name, err)
}

// readOutbox reads the outbox collection an item at a time, never the whole document.
func readOutbox(r io.Reader, c *contents) error {
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return badJSON("outbox.json", fmt.Errorf("not an object"))
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return badJSON("outbox.json", err)
		}
		if key != "orderedItems" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return badJSON("outbox.json", err)
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return badJSON("outbox.json", fmt.Errorf("orderedItems is not an array"))
		}
		for dec.More() {
			var it item
			if err := dec.Decode(&it); err != nil {
				return badJSON("outbox.json", err)
			}
			c.items = append(c.items, it)
		}
		if _, err := dec.Token(); err != nil {
			return badJSON("outbox.json", err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return badJSON("outbox.json", err)
	}
	return nil
}

// limitReader refuses a document larger than n.
type limitReader struct {
	r    io.Reader
	n    int64
	name string
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if l.n -= int64(n); l.n < 0 {
		return n, refuse("%s is larger than %d MiB", l.name, MaxJSONBytes>>20)
	}
	return n, err
}

// post is an own post to import.
type post struct {
	obj   object
	media []string // paths of its attachments in the archive
	alts  []string
	uri   string // the local URI it gets
}

// posts picks the account's own posts out of the outbox, oldest first, leaving out those
// imported before (counted) and what is not imported (counted by reason).
func (im *Importer) posts(c *contents, done map[string]string, rep *Report) []*post {
	now := im.now()
	var out []*post
	for _, it := range c.items {
		switch it.Type {
		case federation.TypeAnnounce:
			rep.SkippedBoosts++
			continue
		case federation.TypeCreate:
		default:
			rep.skip("not a post: " + it.Type)
			continue
		}
		var o object
		if err := json.Unmarshal(it.Object, &o); err != nil {
			rep.skip("unreadable post")
			continue
		}
		switch {
		case o.Type != federation.TypeNote && o.Type != federation.TypeQuestion && o.Type != federation.TypeArticle:
			rep.skip("not a post: " + o.Type)
			continue
		case o.AttributedTo != c.actor.ID:
			rep.skip("someone else's post")
			continue
		case o.ID == "" || storage.HostOf(o.ID) == "":
			rep.skip("a post without an http(s) id")
			continue
		case o.Published.IsZero():
			rep.skip("a post without a date")
			continue
		}
		if _, ok := done[o.ID]; ok {
			rep.AlreadyThere++
			continue
		}
		if o.Published.After(now) {
			o.Published = now
			rep.Clamped++
		}
		p := &post{obj: o}
		for _, at := range o.Attachment {
			if at.URL == "" || checkEntry(at.URL, 0) != nil {
				rep.skip("an attachment with a bad path")
				continue
			}
			p.media, p.alts = append(p.media, at.URL), append(p.alts, at.Name)
		}
		if len(p.media) > media.MaxAttachments {
			p.media, p.alts = p.media[:media.MaxAttachments], p.alts[:media.MaxAttachments]
			rep.skip("attachments beyond " + fmt.Sprint(media.MaxAttachments))
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].obj.Published.Before(out[j].obj.Published) })
	return out
}

// saveMedia makes the files of the posts' attachments from the archive, with the checks an
// upload gets, in one pass over it. On error every file made is removed.
func (im *Importer) saveMedia(ctx context.Context, a *Archive, posts []*post) (map[string]*storage.Media, error) {
	need := map[string]bool{}
	for _, p := range posts {
		for _, m := range p.media {
			need[m] = true
		}
	}
	files := map[string]*storage.Media{}
	if len(need) == 0 {
		return files, nil
	}
	err := a.Walk(ctx, func(name string) bool { return need[name] && files[name] == nil }, func(name string, r io.Reader) error {
		m, err := im.Out.SaveMediaFile(ctx, im.DataDir, r, false)
		if err != nil {
			return storage.Wrap(storage.Invalid, err, "archive refused: "+name+": "+storage.Message(err))
		}
		files[name] = m
		return nil
	})
	if err != nil {
		removeFiles(im.DataDir, files)
		return nil, err
	}
	return files, nil
}

func removeFiles(dataDir string, files map[string]*storage.Media) {
	for _, m := range files {
		media.Remove(media.Dir(dataDir), m.Path, m.ThumbPath)
	}
}

// store stores the posts as notes in batches, oldest first so that a reply's parent is
// stored before it; files not stored in a note are removed.
func (im *Importer) store(ctx context.Context, author *storage.Actor, posts []*post, done map[string]string,
	files map[string]*storage.Media, rep *Report, progress func(done, total int)) error {
	local := uris.New(im.Out.Base)
	conversation := map[string]string{} // local URI → its conversation
	for _, p := range posts {
		p.uri = im.Out.NoteURI(author, p.obj.Published)
		done[p.obj.ID] = p.uri
	}
	used := map[string]bool{}
	for start := 0; start < len(posts); start += batch {
		chunk := posts[start:min(start+batch, len(posts))]
		notes := make([]*storage.Note, 0, len(chunk))
		for _, p := range chunk {
			n := im.note(p, local, done, conversation, rep)
			for i, path := range p.media {
				m := files[path]
				if m == nil || used[path] {
					rep.skip("an attachment missing from the archive")
					continue
				}
				used[path] = true
				mm := *m
				mm.Description = strings.TrimSpace(p.alts[i])
				n.Media = append(n.Media, mm)
			}
			if strings.TrimSpace(federation.PlainText(n.Content)) == "" && len(n.Media) == 0 {
				rep.skip("an empty post")
				continue
			}
			notes = append(notes, n)
		}
		if err := im.Out.ImportNotes(ctx, author, notes); err != nil {
			left := map[string]*storage.Media{}
			for _, p := range posts[start:] {
				for _, path := range p.media {
					if m := files[path]; m != nil {
						left[path] = m
					}
				}
			}
			removeFiles(im.DataDir, left)
			return fmt.Errorf("import archive: %w", err)
		}
		for _, n := range notes {
			rep.Imported++
			rep.Media += len(n.Media)
		}
		if progress != nil {
			progress(start+len(chunk), len(posts))
		}
	}
	// Files no post took (a path named twice) are not kept.
	unused := map[string]*storage.Media{}
	for path, m := range files {
		if !used[path] {
			unused[path] = m
		}
	}
	removeFiles(im.DataDir, unused)
	return nil
}

var languageTag = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)

// note makes the local note of a post: its text sanitized as anything from elsewhere is, its
// hashtags (linked here), no mentions (an import notifies no one), its reply linked to the
// local copy of an own post or to the post it answered elsewhere.
func (im *Importer) note(p *post, local uris.Local, done, conversation map[string]string, rep *Report) *storage.Note {
	o := p.obj
	n := &storage.Note{URI: p.uri, URL: p.uri, ImportedFrom: o.ID, Summary: strings.TrimSpace(o.Summary),
		Sensitive: o.Sensitive || strings.TrimSpace(o.Summary) != "", Published: o.Published.UTC()}
	content := o.Content
	if len(o.ContentMap) == 1 || content == "" {
		for lang, text := range o.ContentMap {
			if languageTag.MatchString(lang) {
				n.Language = lang
				if content == "" {
					content = text
				}
			}
		}
	}
	if o.Type == federation.TypeQuestion {
		rep.Polls++
		options := o.OneOf
		if len(options) == 0 {
			options = o.AnyOf
		}
		var b strings.Builder
		b.WriteString("<p>Poll:")
		for _, opt := range options {
			b.WriteString("<br>☐ " + html.EscapeString(opt.Name))
		}
		b.WriteString("</p>")
		content += b.String()
	}
	n.Content = federation.SanitizeHTML(content)
	if len(o.ContentMap) > 1 {
		n.ContentMap = map[string]string{}
		for lang, text := range o.ContentMap {
			if languageTag.MatchString(lang) {
				n.ContentMap[lang] = federation.SanitizeHTML(text)
				// A post in several languages is in the one whose text is its content.
				if n.ContentMap[lang] == n.Content && (n.Language == "" || lang < n.Language) {
					n.Language = lang
				}
			}
		}
	}
	for _, t := range o.Tag {
		if t.Type == federation.TypeHashtag && len(t.Name) > 1 {
			name := strings.ToLower(strings.TrimPrefix(t.Name, "#"))
			n.Tags = append(n.Tags, storage.Tag{Type: federation.TypeHashtag, Name: "#" + name, Href: local.Tag(url.PathEscape(name))})
		}
	}
	n.Visibility, n.To = visibility(o, im.followers(o))
	n.Conversation = n.URI
	if o.InReplyTo != "" {
		if parent, own := done[o.InReplyTo]; own {
			n.InReplyToURI = parent
			if c := conversation[parent]; c != "" {
				n.Conversation = c
			} else {
				n.Conversation = parent
			}
		} else if storage.HostOf(o.InReplyTo) != "" {
			n.InReplyToURI, n.Conversation = o.InReplyTo, o.InReplyTo
		}
	}
	conversation[n.URI] = n.Conversation
	return n
}

// followers is the followers collection a post addresses: its author's, by Mastodon's
// naming (the actor's id + "/followers").
func (im *Importer) followers(o object) string { return o.AttributedTo + "/followers" }

// visibility reads a post's audience as Mastodon addresses it: Public in to, public; in cc,
// unlisted; the followers collection, followers-only; else direct, to the actors named.
func visibility(o object, followers string) (storage.Visibility, []string) {
	public := func(s []string) bool {
		for _, u := range s {
			if u == federation.PublicCollection || u == "as:Public" || u == "Public" {
				return true
			}
		}
		return false
	}
	switch {
	case public(o.To):
		return storage.Public, nil
	case public(o.Cc):
		return storage.Unlisted, nil
	}
	var named []string
	for _, u := range append(append([]string{}, o.To...), o.Cc...) {
		if u == followers {
			return storage.Followers, nil
		}
		if path.Base(u) != "followers" {
			named = append(named, u)
		}
	}
	return storage.Direct, named
}

// bookmarks records the bookmarks of posts known here; the rest are listed in the report.
func (im *Importer) bookmarks(ctx context.Context, author *storage.Actor, list []string, done map[string]string, rep *Report) {
	for _, uri := range list {
		if own, ok := done[uri]; ok {
			uri = own
		}
		if err := im.Out.Bookmark(ctx, author, uri, true); err != nil {
			rep.Unknown = append(rep.Unknown, uri)
			continue
		}
		rep.Bookmarks++
	}
}

func (im *Importer) now() time.Time {
	if im.Now != nil {
		return im.Now()
	}
	return time.Now()
}

// MaxFileBytes bounds an archive file as uploaded (compressed): what the web's import form
// accepts for it. Media make most of an archive; four GiB holds years of a busy account's.
const MaxFileBytes = 4 << 30

// ImportReport is the report as an import job keeps it: its counts by name, what was left
// out with why, and the bookmarked posts not known here as its rows.
func (r *Report) ImportReport() storage.ImportReport {
	out := storage.ImportReport{Counts: map[string]int{
		"imported": r.Imported, "already there": r.AlreadyThere, "skipped boosts": r.SkippedBoosts,
		"media imported": r.Media, "polls kept as text": r.Polls, "dated in the future": r.Clamped,
		"bookmarks": r.Bookmarks, "likes listed, not sent": r.Likes,
	}}
	for reason, n := range r.Skipped {
		out.Counts["skipped: "+reason] = n
	}
	for i, uri := range r.Unknown {
		if i == storage.MaxImportReportRows {
			out.MoreRows = len(r.Unknown) - i
			break
		}
		out.Rows = append(out.Rows, storage.ImportRow{Value: uri, Reason: "bookmarked post not known here: not fetched"})
	}
	return out
}

// Job is Import as an import job's runner calls it (outbox/imports.Importer).
func (im *Importer) Job(ctx context.Context, job *storage.ImportJob, path string, progress func(done, total int)) (storage.ImportReport, error) {
	rep, err := im.Import(ctx, job.ActorID, path, progress)
	if err != nil {
		return storage.ImportReport{}, err
	}
	return rep.ImportReport(), nil
}
