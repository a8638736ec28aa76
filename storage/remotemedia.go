package storage

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"
)

// RemoteMedia is a file of another server — a remote note's attachment, a remote actor's
// avatar or header — as this instance keeps a copy of it, so that readers load it from
// here: their addresses and reading habits reach no other server, the image outlives its
// server, and a server cannot change it after it was seen. A row is queued (Pending) as
// soon as a note or actor that names the URL is stored; the cache's workers fetch it, check
// it as uploads are checked, and store it (Stored) or give up (Failed). Pruned ones had
// their files removed to stay within the cache's budget; they are fetched again when asked
// for.
type RemoteMedia struct {
	ID        int64
	Key       string // MediaKey(URL): the name it is served under, known without a query
	URL       string // the original, on the other server
	Kind      string // RemoteAttachment, RemoteAvatar or RemoteHeader
	State     string // RemotePending, RemoteStored, RemoteFailed or RemotePruned
	Path      string // the file under the cache folder, when stored
	ThumbPath string // an image's thumbnail, when stored and one was made
	MediaType string // the stored file's, as checked (not as the remote server said)
	Blurhash  string
	Width     int
	Height    int
	Bytes     int64     // of Path and ThumbPath together
	Attempts  int       // failed fetches so far
	NextTry   time.Time // when a pending one is due (or its lease ends)
	Error     string    // why the last fetch failed
	Used      time.Time // when it was last served (kept to the hour), for pruning
	Created   time.Time
}

// The kinds of remote media.
const (
	RemoteAttachment = "attachment"
	RemoteAvatar     = "avatar"
	RemoteHeader     = "header"
	RemoteEmoji      = "emoji" // the picture of a custom emoji: of a reaction, a note or an actor's name and bio
)

// The states of remote media.
const (
	RemotePending = "pending"
	RemoteStored  = "stored"
	RemoteFailed  = "failed"
	RemotePruned  = "pruned"
)

// MediaKey is the name a remote file is served under here: the first 26 characters of the
// base32 of its URL's SHA-256 (130 bits), so that any surface can say where a remote
// picture is read from without asking the database.
func MediaKey(url string) string {
	sum := sha256.Sum256([]byte(url))
	return strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:26]
}

// RemoteMediaUsage is what the cache holds: how many files in each state, and the bytes
// the stored ones take.
type RemoteMediaUsage struct {
	Pending, Stored, Failed, Pruned int
	StoredBytes                     int64
}

// RemoteMediaReader reads the remote media cache.
type RemoteMediaReader interface {
	// GetRemoteMedia returns the remote file served under key; NotFound when none is.
	GetRemoteMedia(ctx context.Context, key string) (*RemoteMedia, error)
	// RemoteMediaUsage counts the cache's files by state.
	RemoteMediaUsage(ctx context.Context) (RemoteMediaUsage, error)
}

// RemoteMediaWriter queues remote files. Storing a remote note queues its attachments and
// storing a remote actor its avatar and header, in the same transaction; this is for what
// else names a file (custom emoji, link previews).
type RemoteMediaWriter interface {
	// QueueRemoteMedia queues url, of kind, due at now, unless it is known already.
	// Invalid for a URL that is not http(s).
	QueueRemoteMedia(ctx context.Context, url, kind string, now time.Time) error
}

// RemoteMediaQueue is how the cache's workers take and settle remote files. Each method is
// its own transaction.
type RemoteMediaQueue interface {
	// LeaseRemoteMedia returns up to limit pending files due at now, oldest first, and
	// leases them until now+lease so that no other worker takes them.
	LeaseRemoteMedia(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*RemoteMedia, error)
	// ClaimRemoteMedia leases the one file served under key until now+lease, for a reader
	// asking for it: when it is pending and not leased, or pruned. false when it is not
	// to be fetched now (stored, failed, or leased by another); NotFound for no such key.
	ClaimRemoteMedia(ctx context.Context, key string, now time.Time, lease time.Duration) (*RemoteMedia, bool, error)
	// StoreRemoteMedia records that m (by ID) was fetched and stored: State becomes
	// Stored, with m's Path, ThumbPath, MediaType, Blurhash, Width, Height and Bytes, and
	// Used now. Attachments rows of that URL that had no blurhash or size take m's. NotFound
	// when the row is gone (its note was deleted meanwhile): the caller removes the files.
	StoreRemoteMedia(ctx context.Context, m *RemoteMedia, now time.Time) error
	// FailRemoteMedia records a failed fetch and why: due again at next, or Failed for good
	// when next is zero.
	FailRemoteMedia(ctx context.Context, id int64, why string, next time.Time) error
	// TouchRemoteMedia records that the file was served at at.
	TouchRemoteMedia(ctx context.Context, id int64, at time.Time) error
	// PrunableRemoteMedia returns up to limit stored files that nothing here keeps, least
	// recently used first. Kept are the attachments of notes a local account boosted,
	// liked or bookmarked, and the avatars and headers of accounts a local account
	// follows.
	PrunableRemoteMedia(ctx context.Context, limit int) ([]*RemoteMedia, error)
	// PruneRemoteMedia marks a stored file Pruned, its files gone (the caller removes
	// them).
	PruneRemoteMedia(ctx context.Context, id int64) error
	// DropOrphanRemoteMedia removes up to limit rows of files that no note and no live
	// remote actor names any longer (deleted notes and actors), and returns them; the
	// caller removes their files.
	DropOrphanRemoteMedia(ctx context.Context, limit int) ([]*RemoteMedia, error)
	// PruneBlockedRemoteMedia marks Pruned up to limit stored files of blocked servers
	// and actors (of notes whose author, or of actors who, the admin blocked), and returns
	// them; the caller removes their files. A blocked server is not asked again: a file of
	// one that a reader asks for is refused.
	PruneBlockedRemoteMedia(ctx context.Context, limit int) ([]*RemoteMedia, error)
	// QueueUnknownRemoteMedia queues up to limit files that stored notes and actors name
	// but the cache does not know (those of a database from before it), and says how many;
	// 0 when none is left.
	QueueUnknownRemoteMedia(ctx context.Context, now time.Time, limit int) (int, error)
}
