package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"refuge/storage"
)

// RemoteStore is what Remote needs of storage: actors, notes and blocks to read, and a
// transaction to store what it fetched.
type RemoteStore interface {
	storage.ActorReader
	storage.NoteReader
	storage.BlockReader
	storage.PeerSoftwareReader
	Update(ctx context.Context, fn func(tx storage.Tx) error) error
}

// Remote is the cache of remote actors and notes: it answers from storage while an entry is
// fresh and fetches from the origin (signed by the instance actor) otherwise, checking that
// each document is what the URL claims.
type Remote struct {
	DB        RemoteStore
	Client    *Client
	Scheme    string // for WebFinger: "https", or "http" for local work
	LocalHost string
	Signer    func(ctx context.Context) (*Signer, error)
	Log       *slog.Logger
	MaxAge    time.Duration // how long a fetched actor is trusted; 0 means a day
	Now       func() time.Time
}

// ActorTypes are the types an actor document may have.
var ActorTypes = map[string]bool{TypePerson: true, TypeService: true, TypeGroup: true, TypeOrganization: true,
	TypeApplication: true}

// NoteTypes are the object types stored as notes.
var NoteTypes = map[string]bool{TypeNote: true, TypeArticle: true, TypePage: true, TypeQuestion: true,
	TypeVideo: true, TypeImage: true, TypeAudio: true, TypeEvent: true}

func (r *Remote) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Remote) isLocal(uri string) bool { return storage.HostOf(uri) == r.LocalHost }

// Actor returns the actor with id uri, from storage when fresh, else fetched.
func (r *Remote) Actor(ctx context.Context, uri string) (*storage.Actor, error) {
	a, err := r.DB.GetActorByURI(ctx, uri)
	if err == nil {
		if !a.DeletedAt.IsZero() {
			return nil, storage.Errorf(storage.Gone, "actor %s was deleted", uri)
		}
		if a.Pending { // a sign-up waiting for approval is nobody yet
			return nil, storage.Errorf(storage.NotFound, "no actor %s", uri)
		}
		maxAge := r.MaxAge
		if maxAge == 0 {
			maxAge = 24 * time.Hour
		}
		if a.Local || r.now().Sub(a.FetchedAt) < maxAge {
			return a, nil
		}
		fresh, ferr := r.FetchActor(ctx, uri)
		if ferr != nil {
			r.Log.Info("refresh actor failed; using the stored copy", "actor", uri, "err", ferr)
			return a, nil
		}
		return fresh, nil
	}
	if storage.KindOf(err) != storage.NotFound || r.isLocal(uri) {
		return nil, err
	}
	return r.FetchActor(ctx, uri)
}

// FetchActor fetches the actor document at uri from its origin and stores it.
func (r *Remote) FetchActor(ctx context.Context, uri string) (*storage.Actor, error) {
	if r.isLocal(uri) {
		return r.DB.GetActorByURI(ctx, uri)
	}
	body, err := r.fetch(ctx, uri)
	if storage.KindOf(err) == storage.Gone {
		if old, gerr := r.DB.GetActorByURI(ctx, uri); gerr == nil && !old.Local {
			r.DB.Update(ctx, func(tx storage.Tx) error { return tx.MarkActorDeleted(ctx, old.ID, r.now()) })
		}
	}
	if err != nil {
		return nil, err
	}
	return r.storeActor(ctx, uri, body)
}

// storeActor checks an actor document fetched from uri, its own id, and stores it.
func (r *Remote) storeActor(ctx context.Context, uri string, body []byte) (*storage.Actor, error) {
	doc, err := DecodeActor(body)
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", uri, err)
	}
	a, err := r.actorFromDoc(doc)
	if err != nil {
		return nil, err
	}
	if err := r.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(ctx, a) }); err != nil {
		return nil, fmt.Errorf("store actor %s: %w", uri, err)
	}
	if doc.MessageSignatures {
		r.learnSignatures(ctx, a.URI, "advertised")
	}
	return a, nil
}

// learnSignatures records that the server of uri takes RFC 9421 signatures: a failure to
// record it costs nothing but a draft-cavage signature where one of RFC 9421 would do.
func (r *Remote) learnSignatures(ctx context.Context, uri, how string) {
	if err := r.Client.LearnSignatures(ctx, storage.HostOf(uri), storage.SignatureRFC9421, how); err != nil && r.Log != nil {
		r.Log.Warn("remember a server's signatures", "uri", uri, "err", err)
	}
}

// HeardMessageSignature records that the server of keyID signed a request to us with
// RFC 9421, so that it is answered in kind.
func (r *Remote) HeardMessageSignature(ctx context.Context, keyID string) {
	r.learnSignatures(ctx, keyID, "received")
}

// fetch GETs an ActivityStreams document and checks that its id is the URL it was finally
// served from (after redirects): trusting the id a document claims let one server speak for
// another (Mastodon CVE-2024-23832).
func (r *Remote) fetch(ctx context.Context, uri string) ([]byte, error) {
	body, final, err := r.fetchRaw(ctx, uri)
	if err != nil {
		return nil, err
	}
	var head struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "fetched document is not a JSON object")
	}
	if head.ID != final {
		return nil, storage.Errorf(storage.Forbidden, "fetched document's id %q is not the URL it came from (%s)", head.ID, final)
	}
	return body, nil
}

// fetchRaw GETs a document signed by the instance actor and checks it is sound JSON. Nothing
// is fetched from a blocked actor or host.
func (r *Remote) fetchRaw(ctx context.Context, uri string) ([]byte, string, error) {
	blocked, err := r.DB.IsBlocked(ctx, uri)
	if err != nil {
		return nil, "", err
	}
	if blocked {
		return nil, "", storage.Errorf(storage.Forbidden, "%s is blocked", uri)
	}
	var signer *Signer
	if r.Signer != nil {
		if signer, err = r.Signer(ctx); err != nil {
			return nil, "", err
		}
	}
	body, final, err := r.Client.GetActivity(ctx, uri, signer)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", uri, err)
	}
	if err := CheckJSON(body); err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", uri, err)
	}
	return body, final, nil
}

// actorFromDoc checks an actor document and turns it into what we store, with its strings
// clamped (clamp.go). Every endpoint must be on the actor's own host, where its id says it
// lives: an inbox elsewhere would have us deliver its followers' posts, signed, to a third
// server; a followers collection elsewhere decides who may read its followers-only posts; an
// outbox or featured collection elsewhere makes us fetch from anywhere. An endpoint on
// another host is dropped, all of them alike; the inbox is required, so an actor without one
// on its own host is refused.
func (r *Remote) actorFromDoc(doc *Actor) (*storage.Actor, error) {
	host := storage.HostOf(doc.ID)
	onHost := func(u string) string {
		if storage.HostOf(u) != host {
			return ""
		}
		return keepURL(u)
	}
	switch {
	case storage.HostOf(doc.ID) == "":
		return nil, storage.Errorf(storage.Invalid, "actor id %q is not a plain http(s) URL", doc.ID)
	case !ActorTypes[doc.Type]:
		return nil, storage.Errorf(storage.Invalid, "%s is a %s, not an actor", doc.ID, doc.Type)
	case len(doc.ID) > MaxURLBytes || len(doc.PublicKey.ID) > MaxURLBytes:
		return nil, storage.Errorf(storage.Invalid, "actor %.100s has an id or key id longer than %d bytes", doc.ID, MaxURLBytes)
	case onHost(doc.Inbox) == "":
		return nil, storage.Errorf(storage.Invalid, "actor %s has no inbox on its own host", doc.ID)
	case doc.PublicKey.PEM == "" || doc.PublicKey.Owner != doc.ID:
		return nil, storage.Errorf(storage.Invalid, "actor %s has no key of its own", doc.ID)
	case !storage.SameHost(doc.PublicKey.ID, doc.ID):
		return nil, storage.Errorf(storage.Invalid, "actor %s has a key on another host", doc.ID)
	case doc.PreferredUsername == "":
		return nil, storage.Errorf(storage.Invalid, "actor %s has no preferredUsername", doc.ID)
	case len(doc.PreferredUsername) > MaxUsernameBytes:
		return nil, storage.Errorf(storage.Invalid, "actor %s has a preferredUsername longer than %d bytes", doc.ID, MaxUsernameBytes)
	}
	if _, err := ParsePublicKey(doc.PublicKey.PEM); err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "actor "+doc.ID+" has an unreadable key")
	}
	a := &storage.Actor{
		URI: doc.ID, Type: doc.Type, Username: doc.PreferredUsername, Host: host,
		Name: clampText(PlainText(doc.Name), MaxNameChars), Summary: clampHTML(SanitizeHTML(doc.Summary), MaxBioBytes),
		URL: onHost(doc.URL), Inbox: doc.Inbox, SharedInbox: onHost(doc.SharedInbox), Outbox: onHost(doc.Outbox),
		FollowersURI: onHost(doc.Followers), FollowingURI: onHost(doc.Following), FeaturedURI: onHost(doc.Featured),
		KeyID: doc.PublicKey.ID, PublicKeyPEM: doc.PublicKey.PEM, Locked: doc.ManuallyApprovesFollowers,
		Discoverable: doc.Discoverable, Indexable: doc.Indexable, IconURL: keepURL(httpURL(doc.Icon)), ImageURL: keepURL(httpURL(doc.Image)),
		Published: doc.Published, FetchedAt: r.now(), MovedTo: keepURL(httpURL(doc.MovedTo)),
	}
	for _, u := range doc.AlsoKnownAs {
		if len(a.AlsoKnownAs) == MaxAliases {
			break
		}
		if u = keepURL(httpURL(u)); u != "" {
			a.AlsoKnownAs = append(a.AlsoKnownAs, u)
		}
	}
	if k := doc.Ed25519Key; k.PEM != "" && len(k.ID) <= MaxURLBytes && storage.SameHost(k.ID, doc.ID) && k.ID != a.KeyID {
		a.Ed25519KeyID, a.Ed25519KeyPEM = k.ID, k.PEM
	}
	if doc.Suspended {
		a.SuspendedAt = r.now() // PutRemoteActor keeps the time first seen
	}
	if a.URL == "" {
		a.URL = doc.ID // a profile URL on another host could send visitors anywhere
	}
	if a.Published.IsZero() {
		a.Published = r.now()
	}
	for i, f := range doc.Fields {
		if i == 8 {
			break
		}
		a.Fields = append(a.Fields, storage.Field{Name: clampText(PlainText(f.Name), MaxFieldNameChars),
			Value: clampHTML(SanitizeHTML(f.Value), MaxFieldBytes)})
	}
	a.Emojis = emojisOf(doc.Tags)
	return a, nil
}

// MaxEmojis bounds the custom emoji kept of one note or actor.
const MaxEmojis = 64

// shortcode is a custom emoji's name as peers write it: Mastodon's letters, digits and _,
// Misskey's name@host, and a few more.
var shortcode = regexp.MustCompile(`^:[A-Za-z0-9_+.@-]{1,100}:$`)

// emojisOf keeps the custom emoji among tags that can be shown: a plain shortcode and an
// http(s) picture, each shortcode once, at most MaxEmojis.
func emojisOf(tags []Tag) []storage.Tag {
	var out []storage.Tag
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Type != TypeEmoji || !shortcode.MatchString(t.Name) || seen[t.Name] || len(out) == MaxEmojis {
			continue
		}
		if href := keepURL(httpURL(t.Href)); href != "" {
			seen[t.Name] = true
			out = append(out, storage.Tag{Type: storage.TagEmoji, Name: t.Name, Href: href})
		}
	}
	return out
}

// httpURL is s when it is a plain http(s) URL (see storage.HostOf), else "": a link shown
// to our readers leads where it says.
func httpURL(s string) string {
	if storage.HostOf(s) == "" {
		return ""
	}
	return s
}

// ActorByKeyID returns the actor that owns keyID: from storage, or (refresh, or unknown)
// fetched. Mastodon's keyIds are the actor id with #main-key; GoToSocial's are a separate
// URL (…/main-key) serving a stub that names its owner.
func (r *Remote) ActorByKeyID(ctx context.Context, keyID string, refresh bool) (*storage.Actor, error) {
	if !refresh || r.isLocal(keyID) {
		a, err := r.DB.GetActorByKeyID(ctx, keyID)
		if err == nil || storage.KindOf(err) != storage.NotFound || r.isLocal(keyID) {
			return a, err
		}
	}
	docURL, _, _ := strings.Cut(keyID, "#")
	// The key document's own id is not trusted here: only the owner it names is used, and that
	// owner's document is then checked in full (fetched again unless it is this document).
	body, final, err := r.fetchRaw(ctx, docURL)
	if err != nil {
		return nil, err
	}
	var stub struct {
		ID        string `json:"id"`
		Type      string `json:"type"`
		Owner     string `json:"owner"`
		PublicKey struct {
			Owner string `json:"owner"`
		} `json:"publicKey"`
	}
	json.Unmarshal(body, &stub)
	ownerURI := stub.ID
	if !ActorTypes[stub.Type] {
		ownerURI = stub.Owner
		if ownerURI == "" {
			ownerURI = stub.PublicKey.Owner
		}
	}
	if !storage.SameHost(ownerURI, keyID) {
		return nil, storage.Errorf(storage.Unauthorized, "key %s names no owner on its host", keyID)
	}
	var a *storage.Actor
	if ActorTypes[stub.Type] && ownerURI == stub.ID && stub.ID == final {
		// Mastodon's keyId is the actor's id with #main-key: what was fetched is the owner's
		// document, served from its own id, the check FetchActor makes. Fetching it a second
		// time (a second signature) doubled the cost of every new follower.
		a, err = r.storeActor(ctx, ownerURI, body)
	} else {
		a, err = r.FetchActor(ctx, ownerURI)
	}
	if err != nil {
		return nil, err
	}
	if a.KeyID != keyID && a.Ed25519KeyID != keyID {
		return nil, storage.Errorf(storage.Unauthorized, "key %s is not the key of %s", keyID, a.URI)
	}
	return a, nil
}

// KeyOf is the PEM of the actor's key keyID: its RSA key, or its Ed25519 one.
func KeyOf(a *storage.Actor, keyID string) string {
	if keyID != "" && keyID == a.Ed25519KeyID && keyID != a.KeyID {
		return a.Ed25519KeyPEM
	}
	return a.PublicKeyPEM
}

// Handle returns the actor user@host, found through WebFinger when not stored or stale.
func (r *Remote) Handle(ctx context.Context, user, host string) (*storage.Actor, error) {
	host = strings.ToLower(host)
	if host == r.LocalHost || host == "" {
		return storage.LiveLocalActor(ctx, r.DB, user)
	}
	if a, err := r.DB.GetActorByHandle(ctx, user, host); err == nil && a.DeletedAt.IsZero() &&
		r.now().Sub(a.FetchedAt) < 24*time.Hour {
		return a, nil
	}
	// Nothing is asked of a blocked server, its WebFinger included.
	scheme := r.Scheme
	if scheme == "" {
		scheme = "https"
	}
	if blocked, err := r.DB.IsBlocked(ctx, scheme+"://"+host+"/"); err != nil || blocked {
		if err == nil {
			err = storage.Errorf(storage.Forbidden, "%s is blocked", host)
		}
		return nil, err
	}
	actorID, _, err := r.Client.WebFinger(ctx, user, host, r.Scheme)
	if err != nil {
		return nil, err
	}
	a, err := r.FetchActor(ctx, actorID)
	if err != nil {
		return nil, err
	}
	if a.Host != host && !strings.EqualFold(a.Username, user) {
		return nil, storage.Errorf(storage.Forbidden, "webfinger for %s@%s led to %s", user, host, a.URI)
	}
	return a, nil
}

// Note returns the note with id uri, fetching it (and its author) from the origin when it
// is not stored. It does not follow inReplyTo: callers that walk a thread bound the walk.
func (r *Remote) Note(ctx context.Context, uri string) (*storage.Note, error) {
	return r.note(ctx, uri, nil)
}

// note is Note, with keep (when not nil) deciding whether a fetched note is stored: its
// error is returned instead.
func (r *Remote) note(ctx context.Context, uri string, keep func(*storage.Note) error) (*storage.Note, error) {
	if n, err := r.DB.GetNoteByURI(ctx, uri); err == nil || storage.KindOf(err) != storage.NotFound || r.isLocal(uri) {
		return n, err
	}
	doc, author, err := r.FetchNoteDoc(ctx, uri)
	if err != nil {
		return nil, err
	}
	return r.storeNote(ctx, NoteFromDoc(doc, author, r.LocalHost), keep)
}

// storeNote stores a note fetched from its origin, when keep (if not nil) lets it.
func (r *Remote) storeNote(ctx context.Context, n *storage.Note, keep func(*storage.Note) error) (*storage.Note, error) {
	if keep != nil {
		if err := keep(n); err != nil {
			return nil, err
		}
	}
	err := r.DB.Update(ctx, func(tx storage.Tx) error { return tx.CreateNote(ctx, n) })
	if storage.KindOf(err) == storage.Conflict {
		return r.DB.GetNoteByURI(ctx, n.URI) // fetched twice at once: the other one stored it
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

// FetchNoteDoc fetches the note document at uri from its origin, checked (its id is the URL,
// its author on the same host), and the author, without storing the note.
func (r *Remote) FetchNoteDoc(ctx context.Context, uri string) (*Note, *storage.Actor, error) {
	body, err := r.fetch(ctx, uri)
	if err != nil {
		return nil, nil, err
	}
	return r.noteDocFrom(ctx, uri, body)
}

// noteDocFrom checks the note document body fetched from uri and finds its author.
func (r *Remote) noteDocFrom(ctx context.Context, uri string, body []byte) (*Note, *storage.Actor, error) {
	doc, err := DecodeNote(body)
	if err != nil {
		return nil, nil, fmt.Errorf("note %s: %w", uri, err)
	}
	if !NoteTypes[doc.Type] {
		return nil, nil, storage.Errorf(storage.Invalid, "%s is a %s, not a note", uri, doc.Type)
	}
	if !storage.SameHost(doc.AttributedTo, doc.ID) {
		return nil, nil, storage.Errorf(storage.Forbidden, "note %s is attributed to another host", uri)
	}
	author, err := r.Actor(ctx, doc.AttributedTo)
	if err != nil {
		return nil, nil, err
	}
	return doc, author, nil
}

// NoteFromDoc turns a remote note document into what we store: content sanitized and every
// string clamped (clamp.go), the visibility worked out from its addressing, only http(s)
// media kept. Of its recipients only those that matter here are kept: the public
// collection, the author's followers collection and accounts on localHost. The others (a
// note may name 10,000) are of no use to us: we never deliver a remote note, and a remote
// account's own server decides what it may read.
func NoteFromDoc(doc *Note, author *storage.Actor, localHost string) *storage.Note {
	n := &storage.Note{
		URI: doc.ID, ActorID: author.ID, URL: keepURL(httpURL(doc.URL)),
		Content: clampHTML(SanitizeHTML(doc.Content), MaxContentBytes),
		Summary: clampText(PlainText(doc.Summary), MaxWarningChars), Sensitive: doc.Sensitive,
		InReplyToURI: keepURL(doc.InReplyTo), Conversation: keepURL(doc.Conversation), Audience: keepURL(doc.Audience),
		To: recipientsHere(doc.To, author, localHost), Cc: recipientsHere(doc.Cc, author, localHost),
		Published: doc.Published, Updated: doc.Updated,
		Visibility: VisibilityOf(doc.To, doc.Cc, author.FollowersURI), Author: author,
	}
	if !storage.SameHost(n.URL, author.URI) {
		n.URL = doc.ID
	}
	if n.Published.IsZero() {
		n.Published = time.Now()
	}
	if len(doc.ContentMap) > 0 {
		langs := make([]string, 0, len(doc.ContentMap))
		for lang := range doc.ContentMap {
			if lang != "" && len(lang) <= maxLanguageBytes {
				langs = append(langs, lang)
			}
		}
		sort.Strings(langs)
		n.ContentMap = map[string]string{}
		for _, lang := range langs[:min(len(langs), MaxLanguages)] {
			n.ContentMap[lang] = clampHTML(SanitizeHTML(doc.ContentMap[lang]), MaxContentBytes)
			// The note's language is the one its content is written in, when the
			// contentMap says which: a post in several languages has a main one.
			if n.Language == "" || n.ContentMap[lang] == n.Content && n.ContentMap[n.Language] != n.Content {
				n.Language = lang
			}
		}
	}
	for _, t := range doc.Tags {
		if utf8.RuneCountInString(t.Name) > MaxTagChars || len(t.Href) > MaxURLBytes {
			continue // no real mention or hashtag is that long
		}
		switch t.Type {
		case TypeMention:
			n.Tags = append(n.Tags, storage.Tag{Type: TypeMention, Name: t.Name, Href: t.Href})
		case TypeHashtag:
			name := strings.ToLower(t.Name)
			if !strings.HasPrefix(name, "#") {
				name = "#" + name
			}
			n.Tags = append(n.Tags, storage.Tag{Type: TypeHashtag, Name: name, Href: httpURL(t.Href)})
		}
	}
	for i, m := range doc.Attachments {
		if i == 8 || httpURL(m.URL) == "" || len(m.URL) > MaxURLBytes {
			continue
		}
		n.Media = append(n.Media, storage.Media{URL: m.URL, MediaType: keepToken(m.MediaType),
			Description: clampText(PlainText(m.Name), MaxAltChars), Blurhash: keepToken(m.Blurhash),
			Width: m.Width, Height: m.Height, Duration: m.Duration})
	}
	n.Tags = append(n.Tags, emojisOf(doc.Tags)...)
	n.Poll = pollFromDoc(doc.Poll)
	if n.Card = cardFromDoc(doc); n.Card != nil {
		// An article's or a video's summary says what it is about: the card shows it, and
		// it hides nothing behind a warning (Lemmy and PeerTube mark what needs one as
		// sensitive instead).
		n.Summary = ""
	}
	if q := keepURL(httpURL(doc.Quote)); q != "" {
		// Pending until checked (Remote.CheckQuote), which needs the store and the network.
		n.Quote = &storage.Quote{URI: q, State: storage.QuotePending, Authorization: keepURL(httpURL(doc.QuoteAuthorization))}
	}
	n.QuotePolicy = QuotePolicyOf(doc.CanQuote, author.FollowersURI)
	n.ReplyPolicy = QuotePolicyOf(doc.CanReply, author.FollowersURI)
	n.LikePolicy = QuotePolicyOf(doc.CanLike, author.FollowersURI)
	n.AnnouncePolicy = QuotePolicyOf(doc.CanAnnounce, author.FollowersURI)
	return n
}

// maxPollOptionChars bounds an option of a remote poll as stored; Mastodon's own are 50
// characters, Pleroma's can be longer.
const maxPollOptionChars = 200

// pollFromDoc is a remote Question's poll as stored: its options' names as plain text, at
// most storage.MaxRemotePollOptions of them; one closed without saying when ends now.
func pollFromDoc(d *Poll) *storage.Poll {
	if d == nil {
		return nil
	}
	p := &storage.Poll{Multiple: d.Multiple, ExpiresAt: d.EndTime, Voters: d.Voters}
	if d.Closed && p.ExpiresAt.IsZero() {
		p.ExpiresAt = time.Now()
	}
	for _, o := range d.Options[:min(len(d.Options), storage.MaxRemotePollOptions)] {
		p.Options = append(p.Options, storage.PollOption{Title: clampText(PlainText(o.Name), maxPollOptionChars), Votes: o.Votes})
	}
	if !p.Multiple && p.Voters == 0 {
		p.Voters = p.Votes() // one vote an account: a server that leaves votersCount out still says it
	}
	return p
}

// recipientsHere is the part of an addressing list that matters here: the public
// collection, the author's followers collection and accounts on localHost.
func recipientsHere(list []string, author *storage.Actor, localHost string) []string {
	var out []string
	for _, uri := range list {
		if len(uri) > MaxURLBytes {
			continue
		}
		if uri == PublicCollection || (uri == author.FollowersURI && uri != "") || storage.HostOf(uri) == localHost {
			out = append(out, uri)
		}
	}
	return out
}

// VisibilityOf works out Mastodon's visibility from addressing.
func VisibilityOf(to, cc []string, followers string) storage.Visibility {
	has := func(list []string, x string) bool {
		for _, v := range list {
			if v == x || (x == PublicCollection && (v == "as:Public" || v == "Public")) {
				return true
			}
		}
		return false
	}
	switch {
	case has(to, PublicCollection):
		return storage.Public
	case has(cc, PublicCollection):
		return storage.Unlisted
	case followers != "" && (has(to, followers) || has(cc, followers)):
		return storage.Followers
	}
	return storage.Direct
}
