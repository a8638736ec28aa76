// Package uris builds and parses every URL of this instance: the ids of local actors, their
// collections, keys and activities, of notes, and the addresses of profiles, tags, uploaded
// media and discovery documents. The HTTP surfaces register their routes with the patterns
// here, so that a path segment is written once and a route matches what a builder writes.
//
// Ids outlive the code that made them (peers store them), so nothing here may change what
// it writes.
package uris

import (
	"net/url"
	"strconv"
	"strings"

	"refuge/storage"
)

// Kind is the path segment under an actor for the ids of one kind of its activities.
type Kind string

// The kinds of activity a local account mints an id for, besides the Create of a note. An
// Accept or Reject is never undone, so only the first three have Undo ids.
const (
	Follows Kind = "follows"
	Likes   Kind = "likes"
	Boosts  Kind = "boosts"
	Accepts Kind = "accept"
	Rejects Kind = "reject"
	// Blocks are sent only to the account blocked, and no route serves them: who blocks
	// whom is nobody else's business (Mastodon does not serve its Blocks either).
	Blocks Kind = "blocks"
)

// Path segments, each written once: the builders and the route patterns below use them.
const (
	users         = "/users/"
	profiles      = "/@"
	statuses      = "/statuses/"
	quotes        = "/quotes/"
	instanceActor = "/actor"
	inbox         = "/inbox"
	outbox        = "/outbox"
	followers     = "/followers"
	following     = "/following"
	featured      = "/collections/featured"
	moderators    = "/moderators"
	activity      = "/activity"
	replies       = "/replies"
	undo          = "/undo"
	tags          = "/tags/"
	emojis        = "/emojis/"
	storedNotes   = "/notes/"
	storedMedia   = "/media/"
	media         = "/media/"
	remoteMedia   = media + "remote/"
	nodeinfo      = "/nodeinfo/"
	webfinger     = "/.well-known/webfinger"
	interaction   = "/authorize_interaction"
)

// Route patterns (gorilla/mux) of the addresses built below. Names are any segment in the
// ActivityPub routes, and only what a local name may be on profile pages, so that
// /@name.rss is left to the feed route.
const (
	WebFingerRoute      = webfinger
	HostMetaRoute       = "/.well-known/host-meta"
	NodeInfoIndexRoute  = "/.well-known/nodeinfo"
	NodeInfoRoute       = nodeinfo + `{version:2\.[01]}`
	InstanceActorRoute  = instanceActor
	InstanceInboxRoute  = instanceActor + inbox
	InstanceOutboxRoute = instanceActor + outbox
	SharedInboxRoute    = inbox
	ActorRoute          = users + "{name}"
	InboxRoute          = ActorRoute + inbox
	OutboxRoute         = ActorRoute + outbox
	FollowersRoute      = ActorRoute + followers
	FollowingRoute      = ActorRoute + following
	FeaturedRoute       = ActorRoute + featured
	ModeratorsRoute     = ActorRoute + moderators
	NoteRoute           = ActorRoute + statuses + "{id}"
	NoteActivityRoute   = NoteRoute + activity
	RepliesRoute        = NoteRoute + replies
	QuoteStampRoute     = NoteRoute + quotes + "{stamp:[0-9]+}"
	ActivityRoute       = ActorRoute + "/{kind:" + undoable + "|" + string(Accepts) + "|" + string(Rejects) + "}/{id}"
	UndoRoute           = ActorRoute + "/{kind:" + undoable + "}/{id}" + undo
	AuthorizeRoute      = interaction
	ProfileRoute        = profiles + "{name:[A-Za-z0-9_]+}"
	ProfileFeedRoute    = ProfileRoute + feedFormats
	// RemoteProfileRoute is another server's account as shown here, /@user@host: the @ in
	// the middle keeps it apart from ProfileRoute and its feeds, whose names have none.
	RemoteProfileRoute = profiles + "{user:[^/@?#]+}@{host:[^/@?#]+}"
	TagRoute           = tags + "{tag:[^/.]+}"
	TagFeedRoute       = TagRoute + feedFormats
	EmojiRoute         = emojis + "{shortcode}"
	StoredNoteRoute    = storedNotes + "{id:[0-9]+}"
	StoredMediaRoute   = StoredNoteRoute + storedMedia + "{n:[0-9]+}"
	MediaRoute         = media + "{file}"
	RemoteMediaRoute   = remoteMedia + "{key:[a-z2-7]{26}}"
	RemoteThumbRoute   = RemoteMediaRoute + thumb

	undoable    = string(Follows) + "|" + string(Likes) + "|" + string(Boosts)
	feedFormats = ".{format:rss|atom}"
)

// Local builds and parses the URLs of one instance. Make one with New.
type Local struct{ base string }

// New returns the URLs of the instance at base, its scheme://domain with no slash after.
func New(base string) Local { return Local{base: base} }

// Base is scheme://domain.
func (l Local) Base() string { return l.base }

// Root is the front page; the instance actor's url.
func (l Local) Root() string { return l.base + "/" }

// Actor is the id of the local account name.
func (l Local) Actor(name string) string { return l.base + users + name }

// Profile is the HTML profile page of the local account name: its url.
func (l Local) Profile(name string) string { return l.base + profiles + name }

// RemoteProfile is the path of the page showing the account user@host of another server
// here (RemoteProfileRoute).
func RemoteProfile(user, host string) string {
	return profiles + url.PathEscape(user) + "@" + url.PathEscape(host)
}

// Inbox is the personal inbox of the local account name.
func (l Local) Inbox(name string) string { return l.Actor(name) + inbox }

// Outbox is the outbox of the local account name.
func (l Local) Outbox(name string) string { return l.Actor(name) + outbox }

// Followers is the followers collection of the local account name.
func (l Local) Followers(name string) string { return l.Actor(name) + followers }

// Following is the following collection of the local account name.
func (l Local) Following(name string) string { return l.Actor(name) + following }

// Moderators is the moderators collection of the local group whose id is actorURI, its
// attributedTo.
func Moderators(actorURI string) string { return actorURI + moderators }

// Featured is the collection of the pinned notes of the local account name.
func (l Local) Featured(name string) string { return l.Actor(name) + featured }

// Note is the id (and url) of the note id of the local account name.
func (l Local) Note(name, id string) string { return l.Actor(name) + statuses + id }

// Activity is the id of an activity of the local account name.
func (l Local) Activity(name string, kind Kind, id string) string {
	return l.Actor(name) + "/" + string(kind) + "/" + id
}

// SharedInbox is the inbox every delivery to this instance may go to.
func (l Local) SharedInbox() string { return l.base + inbox }

// InstanceActor is the id of the instance actor, which signs fetches.
func (l Local) InstanceActor() string { return l.base + instanceActor }

// InstanceInbox is the instance actor's inbox.
func (l Local) InstanceInbox() string { return l.InstanceActor() + inbox }

// InstanceOutbox is the instance actor's outbox, always empty.
func (l Local) InstanceOutbox() string { return l.InstanceActor() + outbox }

// Tag is the page of a hashtag. name goes in as it is: escape it (url.PathEscape) first, as
// the link a note carries is escaped (Mastodon's is, and importers of its archives match it).
func (l Local) Tag(name string) string { return l.base + tags + name }

// Emoji is the id of the custom emoji shortcode (without colons), where its document is
// served, as Mastodon's Emoji tags name theirs.
func (l Local) Emoji(shortcode string) string { return l.base + emojis + shortcode }

// Media is the address of an uploaded file.
func (l Local) Media(file string) string { return l.base + media + file }

// RemoteMedia is where another server's file, by its original URL, is served from here
// (the remote media cache); RemoteThumb is its thumbnail, or the file itself when it has
// none.
func (l Local) RemoteMedia(url string) string { return l.base + RemoteMediaPath(url) }
func (l Local) RemoteThumb(url string) string { return l.base + RemoteMediaPath(url) + thumb }

// RemoteMediaPath is RemoteMedia's path alone.
func RemoteMediaPath(url string) string { return remoteMedia + storage.MediaKey(url) }

// thumb ends the address of a remote file's thumbnail.
const thumb = "/small"

// NodeInfo is the NodeInfo document of a version ("2.0" or "2.1").
func (l Local) NodeInfo(version string) string { return l.base + nodeinfo + version }

// WebFingerTemplate is the lrdd template that host-meta gives.
func (l Local) WebFingerTemplate() string { return l.base + webfinger + "?resource={uri}" }

// AuthorizeTemplate is the OStatus subscribe template WebFinger gives: where a visitor
// from elsewhere is sent to follow or answer here.
func (l Local) AuthorizeTemplate() string { return l.base + interaction + "?uri={uri}" }

// StoredNote is the path of the page that shows any stored note (local or remote) by its
// row id.
func StoredNote(rowID int64) string { return storedNotes + strconv.FormatInt(rowID, 10) }

// StoredMedia is the path of the viewer page of attachment number n (from 1) of a stored
// note, by the note's row id.
func StoredMedia(rowID int64, n int) string { return StoredNote(rowID) + storedMedia + strconv.Itoa(n) }

// Feed is the RSS or Atom feed (format "rss" or "atom") of a profile or tag page.
func Feed(page, format string) string { return page + "." + format }

// KeyID is the id of the public key of the local actor whose id is actorURI.
func KeyID(actorURI string) string { return actorURI + "#main-key" }

// NoteActivity is the id of the Create of the local note noteURI.
func NoteActivity(noteURI string) string { return noteURI + activity }

// Replies is the replies collection of the note noteURI.
func Replies(noteURI string) string { return noteURI + replies }

// Undo is the id of the Undo of the local activity activityURI.
func Undo(activityURI string) string { return activityURI + undo }

// Delete is the id of the Delete of the local object objectURI.
func Delete(objectURI string) string { return objectURI + "#delete" }

// Update is the id of one Update (id tells them apart) of the local object objectURI.
func Update(objectURI, id string) string { return objectURI + "#update-" + id }

// Approved is the id of the Create that sends a reply out once the author of what it
// answers approved it: the first Create went to that author alone.
func Approved(noteURI string) string { return noteURI + "#approved" }

// Flag is the id of a report sent to another server, made by the instance actor whose id is
// actorURI: nobody fetches it, so a fragment of the actor's is enough.
func Flag(actorURI, id string) string { return actorURI + "#flags/" + id }

// QuoteStamp is the id of approval id of a quote of the local note noteURI: the
// QuoteAuthorization served there.
func QuoteStamp(noteURI string, id int64) string { return noteURI + quotes + strconv.FormatInt(id, 10) }

// ParseQuoteStamp reads a stamp's id back into its note's URI and the approval's id.
func ParseQuoteStamp(uri string) (noteURI string, id int64, ok bool) {
	i := strings.LastIndex(uri, quotes)
	if i < 0 {
		return "", 0, false
	}
	id, err := strconv.ParseInt(uri[i+len(quotes):], 10, 64)
	return uri[:i], id, err == nil && id > 0
}

// QuoteRequest is the id of the QuoteRequest of the local quote post noteURI.
func QuoteRequest(noteURI string) string { return noteURI + "#quote-request" }

// ParseQuoteRequest reads the quote post back from its QuoteRequest's id.
func ParseQuoteRequest(uri string) (noteURI string, ok bool) {
	return strings.CutSuffix(uri, "#quote-request")
}

// Vote is the id of a local account's vote in a remote poll, a Note of the account's (as
// Mastodon names them: they are never fetched, only delivered to the poll's author).
func Vote(actorURI, id string) string { return actorURI + "#votes/" + id }

// Move is the id of a Move of the local actor actorURI (id tells them apart): nobody
// fetches it, so a fragment of the actor's is enough, as Mastodon's moves are.
func Move(actorURI, id string) string { return actorURI + "#moves/" + id }

// Path turns a URL of this instance into its path (with query), or "" for any other URL.
// The path starts with exactly one slash, so it is safe to redirect to. A URL that a
// browser would read otherwise than net/url does (see LocalPath), or that carries userinfo,
// is no URL of ours.
func (l Local) Path(raw string) string {
	if !plain(raw) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Scheme+"://"+u.Host != l.base {
		return ""
	}
	p := u.RequestURI()
	if !LocalPath(p) {
		return ""
	}
	return p
}

// Target is where a redirect to s (a path, or a URL of this instance) may lead: the path
// when a browser reads s as a page of this site, else "".
func (l Local) Target(s string) string {
	if LocalPath(s) {
		return s
	}
	return l.Path(s)
}

// LocalPath reports whether s is a path on this site, safe to redirect to, as a browser
// reads it. Browsers drop tabs and newlines anywhere in a URL, strip controls and spaces
// around it and read a backslash as a slash (WHATWG URL), so that "/<TAB>/evil.example"
// and "/\evil.example" are "//evil.example" to them, another site: s may hold none of
// those, must start with exactly one slash and must parse as a bare path.
func LocalPath(s string) bool {
	if !plain(s) || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == ""
}

// plain reports whether s holds nothing that a browser removes or rewrites before reading
// it as a URL: no control character, space or backslash.
func plain(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' })
}

// ParseActor returns the name in the id (Actor) or profile page (Profile) of a local
// account. It takes the URL exactly as they write it: no query, no fragment.
func (l Local) ParseActor(raw string) (name string, ok bool) {
	rest, ok := strings.CutPrefix(raw, l.base)
	if !ok {
		return "", false
	}
	name, ok = strings.CutPrefix(rest, users)
	if !ok {
		name, ok = strings.CutPrefix(rest, profiles)
	}
	return name, ok && segment(name)
}

// ParseNote returns the author's name and the id in the id of a local note.
func (l Local) ParseNote(raw string) (name, id string, ok bool) {
	name, rest, ok := l.cutActor(raw)
	if !ok {
		return "", "", false
	}
	id, ok = strings.CutPrefix(rest, statuses)
	return name, id, ok && segment(id)
}

// ParseActivity returns the actor's name, the kind and the id in the id of an activity
// that Activity wrote.
func (l Local) ParseActivity(raw string) (name string, kind Kind, id string, ok bool) {
	name, rest, ok := l.cutActor(raw)
	if !ok {
		return "", "", "", false
	}
	k, id, ok := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	switch kind = Kind(k); kind {
	case Follows, Likes, Boosts, Accepts, Rejects:
		return name, kind, id, ok && segment(id)
	}
	return "", "", "", false
}

// ParseStoredNote returns the row id in the path of a stored note's page. isPage reports
// whether the path is under the stored notes' pages at all; id is 0 when the rest is not
// a positive row id, so that a caller can tell a malformed page address from another page.
func ParseStoredNote(path string) (id int64, isPage bool) {
	s, ok := strings.CutPrefix(path, storedNotes)
	if !ok {
		return 0, false
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
		return id, true
	}
	return 0, true
}

// cutActor splits a URL under a local account's id into the name and what follows it.
func (l Local) cutActor(raw string) (name, rest string, ok bool) {
	after, ok := strings.CutPrefix(raw, l.base+users)
	if !ok {
		return "", "", false
	}
	name, rest, _ = strings.Cut(after, "/")
	return name, "/" + rest, segment(name)
}

// segment reports whether s can be one whole path segment of a URL as written here.
func segment(s string) bool { return s != "" && !strings.ContainsAny(s, "/?#") }
