package storage

import (
	"context"
	"hash/fnv"
	"strings"
	"time"
)

// Visibility says who may read a note, in Mastodon's four kinds. The values are what is
// stored and what clients send.
type Visibility string

// The visibilities of a note.
const (
	Public    Visibility = "public"    // addressed to as:Public
	Unlisted  Visibility = "unlisted"  // as:Public in cc: readable by anyone, kept off public timelines
	Followers Visibility = "followers" // the author's followers (and anyone mentioned)
	Direct    Visibility = "direct"    // only the actors addressed
)

// Tag is a Mention, Hashtag or Emoji entry of a note.
type Tag struct {
	Type string // "Mention", "Hashtag" or "Emoji" (TagEmoji)
	Name string // "@user@host", "#tag" or ":shortcode:"
	Href string // the account, the tag's page, or the emoji's picture
}

// TagEmoji is the type of a custom emoji's tag.
const TagEmoji = "Emoji"

// Media is an attachment: an upload of a local account, or a remote attachment by URL.
type Media struct {
	ID          int64
	ActorID     int64
	NoteID      int64
	Position    int
	URL         string
	Path        string
	ThumbPath   string
	MediaType   string
	Description string
	Blurhash    string
	Width       int
	Height      int
	Duration    float64 // seconds, of a video or audio file; 0 when not known
	FrameRate   string  // of a video, as a fraction ("30/1"); "" when not known
	Silent      bool    // a video known to have no sound (Mastodon's gifv)
	Created     time.Time
}

// Note is a post, local or remote. Author and the counts are filled by the read methods.
type Note struct {
	ID           int64
	URI          string
	ActorID      int64
	Local        bool
	URL          string
	Content      string // sanitized HTML
	Source       string // what a local author typed
	Summary      string // content warning
	Sensitive    bool
	Language     string
	ContentMap   map[string]string
	InReplyToURI string
	Conversation string
	Visibility   Visibility
	To           []string
	Cc           []string
	Published    time.Time
	Updated      time.Time
	DeletedAt    time.Time
	Tags         []Tag
	Media        []Media
	// ImportedFrom is the URI a note imported from an account archive had where it was
	// first posted; "" for every other note.
	ImportedFrom string
	// Poll is the note's poll, nil when it has none. Stored by CreateNote; UpdateNote
	// writes a remote note's (its server's counts) and leaves a local one's alone.
	Poll *Poll
	// Quote is the post the note quotes, nil for none; QuotePolicy who may quote it.
	Quote       *Quote
	QuotePolicy QuotePolicy
	// ReplyPolicy is who may reply to a remote note, as its server advertises (canReply),
	// in the same four answers as QuotePolicy; "" when it says nothing (anyone may).
	ReplyPolicy QuotePolicy
	// LikePolicy and AnnouncePolicy are who may like and boost a remote note, as its server
	// advertises (canLike, canAnnounce), in the same words; "" when it says nothing.
	LikePolicy, AnnouncePolicy QuotePolicy
	// Audience is the group the note was posted in (FEP-1b12's audience: a group's actor
	// URI), "" for none.
	Audience string
	// Name is a post's title, as Lemmy and its kin require of a thread's first post; "" for
	// none. Only local posts to such a group have one.
	Name string
	// Reply is, for a local reply, whether the parent's author approved it; nil when no
	// approval was asked or needed.
	Reply *ReplyApproval
	// Card is what a page shows of a remote object that is not a note (an Article, Page,
	// Event, Video or Audio); nil for a note.
	Card *Card

	Author    *Actor
	Likes     int
	Announces int
	Replies   int

	// Filtered is set by reader, for the local viewer it read the note for: the filters
	// that warn about it in the context it was read in.
	Filtered []FilterMatch
	// Hidden is set by reader in a page of a list: a filter of the viewer hides the note.
	// The page keeps it so that its bounds, and where the next page starts, are those of the
	// list as stored (a page shortened by hidden notes would read as its end); whatever
	// shows the page leaves it out.
	Hidden bool
}

// Card is a remote Article, Page, Event, Video or Audio as a page shows it, beside its
// content and attachments: plain text, http(s) URLs, times zero when not given.
type Card struct {
	Type    string // the object's type
	Title   string // its name
	Summary string // what it says it is about
	Image   string // its first picture (the remote media cache serves it)
	Link    string // the page a Lemmy post links to
	Start   time.Time
	End     time.Time
	Place   string // an Event's place's name
	Address string // and its address, on one line
}

// NoteEdit is one version of an edited note, as it was from Created on: the first of a
// note's versions is the original, the last the note as it is now.
type NoteEdit struct {
	ID        int64
	NoteID    int64
	Content   string // sanitized HTML
	Summary   string
	Sensitive bool
	Language  string
	Media     []Media // the attachments of that version, with the descriptions they had then
	Created   time.Time
}

// ThumbURL is the small version of a local upload (a file next to it), else the image.
func (m Media) ThumbURL() string {
	if m.ThumbPath != "" && m.Path != "" && strings.HasSuffix(m.URL, "/"+m.Path) {
		return strings.TrimSuffix(m.URL, m.Path) + m.ThumbPath
	}
	return m.URL
}

// NoteRef is a note's row id and its author's.
type NoteRef struct{ ID, ActorID int64 }

// ReplyParent is the note another answers as a page names it: its row id and its author.
type ReplyParent struct {
	ID     int64
	Author *Actor
}

// Deleted reports whether the note has been deleted and is now a Tombstone.
func (n *Note) Deleted() bool { return !n.DeletedAt.IsZero() }

// NoteReader finds notes. Who may read a note: anyone for a public or unlisted one; its
// author; an accepted follower of the author for a followers-only one; an actor it is
// addressed to or mentions. A viewer of 0 is anonymous. Lists come newest first, with their
// tags, media, author and counts.
type NoteReader interface {
	// GetNoteByURI returns the note with ActivityPub id uri, deleted ones included;
	// NotFound when unknown.
	GetNoteByURI(ctx context.Context, uri string) (*Note, error)
	// GetNoteByID returns the note with row id id, deleted ones included; NotFound when
	// there is none.
	GetNoteByID(ctx context.Context, id int64) (*Note, error)
	// VisibleNoteRefs returns, by URI, the live notes among uris that viewer may read (the
	// rule of CanSee), with their row and author ids alone: what a list names of the notes
	// its notes answer, in one query.
	VisibleNoteRefs(ctx context.Context, uris []string, viewer int64) (map[string]NoteRef, error)
	// CanSee reports whether actor viewer may read the note; NotFound when there is no
	// such note.
	CanSee(ctx context.Context, noteID, viewer int64) (bool, error)
	// ListActorNotes returns the live notes of actor that viewer may read.
	ListActorNotes(ctx context.Context, actorID, viewer int64, p Page) ([]*Note, error)
	// CountActorNotes counts the live notes of actor that viewer may read: the number
	// ListActorNotes pages through.
	CountActorNotes(ctx context.Context, actorID, viewer int64) (int, error)
	// ListPublicActorNotes returns an actor's public notes (not unlisted, not deleted):
	// what a feed reader may show anyone.
	ListPublicActorNotes(ctx context.Context, actorID int64, p Page) ([]*Note, error)
	// ListLocalPublic returns the local public timeline.
	ListLocalPublic(ctx context.Context, p Page) ([]*Note, error)
	// ListPublic returns the live public notes of local authors, of remote ones, or of
	// both when local and remote are alike: the federated timeline. Those of Limited
	// authors are left out unless p.HiddenFor is the author or follows it.
	ListPublic(ctx context.Context, local, remote bool, p Page) ([]*Note, error)
	// ListTagged returns the live public notes carrying the hashtag name (without #, any
	// case), without those of Limited authors as ListPublic.
	ListTagged(ctx context.Context, name string, p Page) ([]*Note, error)
	// ListReplies returns the live replies to uri that viewer may read, oldest first, at
	// most 100; those of Limited authors only when viewer is the author or follows it.
	ListReplies(ctx context.Context, uri string, viewer int64) ([]*Note, error)
	// CountLocalNotes counts the local notes anyone may read (public and unlisted, not
	// deleted), for NodeInfo: a count shown to anyone counts nothing hidden from anyone.
	CountLocalNotes(ctx context.Context) (int, error)
	// ListNoteEdits returns the versions of an edited note, oldest first; none for a note
	// never edited (or edited before versions were kept).
	ListNoteEdits(ctx context.Context, noteID int64) ([]NoteEdit, error)
	// IdempotentNote returns the row id of the note actor posted with an Idempotency-Key
	// key at since or later; NotFound when there is none.
	IdempotentNote(ctx context.Context, actorID int64, key string, since time.Time) (int64, error)
	// ImportedNotes returns, by the URI each was imported from, the local URIs of the notes
	// actor imported from an archive, deleted ones included.
	ImportedNotes(ctx context.Context, actorID int64) (map[string]string, error)
}

// NoteWriter stores notes.
type NoteWriter interface {
	// CreateNote inserts n with its tags and media and sets n.ID; media named in n.Media
	// by ID (uploads of the author not yet attached) are attached, the others created. A
	// known URI is a Conflict; an upload that is not the author's, or is attached to
	// another note, is Invalid.
	CreateNote(ctx context.Context, n *Note) error
	// ImportNote inserts a note of a local author imported from an account archive
	// (n.ImportedFrom set) as CreateNote does, with its Create activity create (may be nil),
	// but with ids of their published dates (StatusID, moved up past a taken one) and
	// quietly: no event, no conversation, no delivery. A note the author already imported
	// from the same URI is a Conflict.
	ImportNote(ctx context.Context, n *Note, create *Activity) error
	// UpdateNote rewrites the content, tags, media, quote and quote policy of a stored note
	// (an edit by its author), found by n.ID. When what a version holds (content, summary, sensitive,
	// language, media and their descriptions) changed, it keeps the new version in the
	// note's edits, and the original too at the first edit; when nothing of it changed,
	// the note keeps its edit time. Invalid as for CreateNote; Gone for a deleted note.
	UpdateNote(ctx context.Context, n *Note) error
	// DeleteNote turns the note into a Tombstone: its content goes, its URI stays so that
	// it answers 410, and nothing else refers to it any longer.
	DeleteNote(ctx context.Context, id int64, at time.Time) error
	// ClaimIdempotencyKey records that actor posted note noteID with key at at, replacing
	// a record of the key from before since; false, and nothing stored, when a record at
	// since or later holds the key (another post took it first).
	ClaimIdempotencyKey(ctx context.Context, actorID int64, key string, noteID int64, at, since time.Time) (bool, error)
}

// MediaReader finds media rows.
type MediaReader interface {
	// GetMedia returns the media row with id; NotFound when there is none.
	GetMedia(ctx context.Context, id int64) (*Media, error)
	// CountMedia counts the media rows an actor owns, attached or not.
	CountMedia(ctx context.Context, actorID int64) (int, error)
	// ListMediaFiles lists the names of every file a media row points at (uploads and
	// their thumbnails) and of the custom emoji's pictures, so that files no row knows can
	// be told apart.
	ListMediaFiles(ctx context.Context) ([]string, error)
}

// MediaWriter stores media rows; the files are the caller's.
type MediaWriter interface {
	// CreateMedia inserts m and sets m.ID (and m.Created when zero).
	CreateMedia(ctx context.Context, m *Media) error
	// DeleteMedia removes a media row that no note uses, such as an upload whose post
	// failed; the caller removes its files.
	DeleteMedia(ctx context.Context, id int64) error
	// DescribeMedia sets the description of a media row of actor that no note has yet;
	// NotFound when actor owns no such row.
	DescribeMedia(ctx context.Context, id, actorID int64, description string) error
	// DeleteActorMedia removes every media row actorID owns, attached or not, and returns
	// them so that the caller removes their files.
	DeleteActorMedia(ctx context.Context, actorID int64) ([]Media, error)
	// DeleteOrphanMedia removes the media rows no note uses that were created before
	// before (uploads whose post never came), but for the avatars and headers local
	// profiles show, and returns them; the caller removes their files.
	DeleteOrphanMedia(ctx context.Context, before time.Time) ([]Media, error)
}

// StatusID is the row id of a note or boost made at t, as Mastodon makes its status ids:
// milliseconds since 1970 shifted left 16 bits, so that ids sort by time. key, when not "",
// fills the low 16 bits (from a hash of it: a note imported from an archive, whose id is
// then the same each time); the database moves an id up past one taken.
func StatusID(t time.Time, key string) int64 {
	id := t.UnixMilli() << 16
	if key != "" {
		h := fnv.New32a()
		h.Write([]byte(key))
		id |= int64(h.Sum32() & 0xffff)
	}
	return id
}
