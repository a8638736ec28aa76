package federation

import (
	"bytes"
	"encoding/json"
	"net/url"
	"time"

	vocab "github.com/go-ap/activitypub"

	"refuge/storage"
)

// The two ActivityStreams names everyone needs.
const (
	ActivityStreamsContext = "https://www.w3.org/ns/activitystreams"
	PublicCollection       = "https://www.w3.org/ns/activitystreams#Public"
)

// PublicKey is an actor's signing key as published in its document.
type PublicKey struct{ ID, Owner, PEM string }

// Field is a profile field, a schema.org PropertyValue in an actor's attachment.
type Field struct{ Name, Value string }

// Actor is a Person, Service, Group, Organization or Application, with Mastodon's
// extensions. Icon and Image are URLs.
type Actor struct {
	ID, Type, PreferredUsername, Name, Summary, URL            string
	Inbox, Outbox, Followers, Following, Featured, SharedInbox string
	PublicKey                                                  PublicKey
	ManuallyApprovesFollowers, Discoverable, Indexable         bool
	Published                                                  time.Time
	Icon, Image                                                string
	Fields                                                     []Field
	AlsoKnownAs                                                []string
	// MovedTo is the account this one moved to (as:movedTo), "" when it did not.
	MovedTo string
	// Suspended is Mastodon's toot:suspended: the actor's own server suspended it, and its
	// document says little else.
	Suspended bool
	// Tags are the actor's tag: the Emoji its name and bio use.
	Tags []Tag
	// MessageSignatures says the actor's server takes RFC 9421 signatures: its generator
	// (FEP-844e) implements them.
	MessageSignatures bool
	// Ed25519Key is the actor's first Ed25519 key of its assertionMethod (FEP-521a), its
	// PEM as PKIX; zero when it has none.
	Ed25519Key PublicKey
	// AttributedTo is a group's: its moderators' collection, as Lemmy and FEP-1b12 write it.
	// PostingRestrictedToMods is a group's rule that only its moderators start threads.
	AttributedTo            string
	PostingRestrictedToMods bool
}

// Tag is a Mention, Hashtag or Emoji on a note. For an Emoji, Href is the image URL; ID,
// MediaType and Updated are what Mastodon's Emoji tags carry besides (the emoji's own
// document, its picture's type, when it was last changed): the outbox sets them for this
// instance's custom emoji, they are written when set and not read from other servers.
type Tag struct {
	Type, Name, Href string
	ID, MediaType    string
	Updated          time.Time
}

// Attachment is a media attachment of a note: a Document (Mastodon's kind, for pictures,
// video and sound alike, told apart by MediaType) or an Image, Video or Audio. Duration is
// in seconds, 0 when not known.
type Attachment struct {
	Type, MediaType, URL, Name, Blurhash string
	Width, Height                        int
	Duration                             float64
}

// Note is a Note, Article, Question, Tombstone or anything else an activity carries as a
// post; Type tells which. Content is HTML as the peer sent it: sanitize before showing.
type Note struct {
	ID, Type, AttributedTo, Content, Summary, URL, InReplyTo, Conversation string
	ContentMap                                                             map[string]string
	Sensitive                                                              bool
	Published, Updated                                                     time.Time
	To, Cc                                                                 []string
	Tags                                                                   []Tag
	Attachments                                                            []Attachment
	Replies                                                                string
	// Name is a note's name: on Mastodon's wire, a vote in a poll is a Note whose name is
	// the option chosen and whose inReplyTo is the poll.
	Name string
	// Poll is a Question's choices; nil for anything else.
	Poll *Poll
	// Quote is the post the note quotes (quotes.go); QuoteLegacy that only an older form
	// than FEP-044f's quote names it; QuoteAuthorization the quoted author's stamp.
	Quote              string
	QuoteLegacy        bool
	QuoteAuthorization string
	// CanQuote is the note's interactionPolicy.canQuote; nil when it has none. CanReply is
	// its canReply (a local note's: who it lets reply at once, written out as GoToSocial
	// asks of a server that keeps to its policies).
	CanQuote, CanReply *SubPolicy
	// CanLike and CanAnnounce are its canLike and canAnnounce, read from other servers' notes
	// only; nil when it has none.
	CanLike, CanAnnounce *SubPolicy
	// ReplyAuthorization and ApprovedBy are a reply's proofs that the author of what it
	// answers approved it: the ReplyAuthorization that newer servers give as the result of
	// their Accept, and the Accept itself, which older ones check (interactions.go).
	ReplyAuthorization, ApprovedBy string
	// Image is the first picture of the object (image, else icon: a Lemmy post's thumbnail,
	// a PeerTube video's), as its URL; Link the page a Lemmy post links to (an attachment of
	// type Link); StartTime, EndTime and Location an Event's (read only for the kinds shown
	// as cards, cards.go).
	Image, Link        string
	StartTime, EndTime time.Time
	Location           Place
	// Audience is the group the note was posted in (FEP-1b12), "" for none.
	Audience string
}

// Place is where an Event happens: a Place's name and its address as one line of text.
type Place struct{ Name, Address string }

// Poll is what a Question asks: its options (oneOf for one choice, anyOf for several), with
// the votes each has (the totalItems of its replies), as its server counts them.
type Poll struct {
	Multiple bool
	Options  []PollOption
	EndTime  time.Time // when it ends, or ended; zero when it does not say
	// Closed is that the document has closed: Mastodon's once the poll ended, with its time;
	// Pleroma's from the start, with the time it will close. EndTime holds that time, so
	// it is EndTime that tells whether the poll still takes votes.
	Closed bool
	Voters int // votersCount: the accounts that voted; 0 when not given
}

// PollOption is one choice of a Question.
type PollOption struct {
	Name  string
	Votes int
}

// Object is what an activity acts on: a link (ID only, Raw nil) or an embedded document
// (Raw holds it, to be decoded with Note, Activity or Actor as Type suggests).
type Object struct {
	ID   string
	Type string
	Raw  json.RawMessage

	checked bool // Raw was cut from a document that passed CheckJSON's limits
}

// Activity is an activity as received or to be sent. Raw holds the whole document as
// received; Context its @context (decoded, for inspection only: encoding always writes ours).
type Activity struct {
	Context         any `json:"-"`
	ID, Type, Actor string
	Object          Object
	Target          string
	To, Cc          []string
	Published       time.Time
	Raw             json.RawMessage

	// Content is the text some activities carry themselves: a Flag's comment, an emoji
	// reaction's emoji. It is written when set, and decoded for a Flag, a Like and an
	// EmojiReact.
	Content string
	// MisskeyReaction is Misskey's _misskey_reaction, the emoji of a Like that is a
	// reaction; written when set, decoded for a Like and an EmojiReact.
	MisskeyReaction string
	// Tags are a reaction's tags: the Emoji tag that says what a custom emoji looks like.
	// Written when set, decoded for a Like and an EmojiReact.
	Tags []Tag
	// Objects is a Flag's object, which is a list: the accounts and posts reported (Object
	// is the first). Other activities name one object.
	Objects []string
	// Instrument is a QuoteRequest's quote post; Result an Accept's result (of a
	// QuoteRequest: the approval stamp).
	Instrument Object
	Result     string
	// Audience is the group the activity happens in (FEP-1b12), "" for none; written
	// when set.
	Audience string
}

// DecodeActivity decodes an activity of any type, known or not. It must have an id, a type
// and an actor (a string, or an object whose id is taken). Errors are Invalid or TooLarge.
func DecodeActivity(data []byte) (*Activity, error) {
	return decodeActivity(data, false)
}

func decodeActivity(data []byte, checked bool) (*Activity, error) {
	var w wireDoc
	if err := decodeWire(data, &w, checked); err != nil {
		return nil, err
	}
	a := &Activity{Published: timeOf(w.Published), Raw: bytes.Clone(data)}
	if !a.plainHead(&w) {
		var ap vocab.Activity
		if err := apDecode(&ap, apField{"id", w.ID}, apField{"type", w.Type}, apField{"actor", w.Actor},
			apField{"target", w.Target}); err != nil {
			return nil, err
		}
		a.ID, a.Type, a.Actor, a.Target = string(ap.ID), string(ap.Type), linkOr(ap.Actor, w.Actor), itemLink(ap.Target)
	}
	if err := need("activity", [2]string{"id", a.ID}, [2]string{"type", a.Type},
		[2]string{"actor", a.Actor}); err != nil {
		return nil, err
	}
	if !isNull(w.Context) {
		_ = json.Unmarshal(w.Context, &a.Context) // informational; a bad context is no reason to refuse
	}
	var err error
	if a.To, err = recipients(w.To); err != nil {
		return nil, err
	}
	if a.Cc, err = recipients(w.Cc); err != nil {
		return nil, err
	}
	if a.Type == TypeFlag {
		return a, a.decodeFlag(w.Object)
	}
	if a.Object, err = objectOf(w.Object); err != nil {
		return nil, err
	}
	if !isNull(w.Instrument) {
		if a.Instrument, err = objectOf(w.Instrument); err != nil {
			return nil, err
		}
	}
	a.Result, a.Audience = idOf(w.Result), firstID(w.Audience)
	if a.Type == TypeLike || a.Type == TypeEmojiReact {
		a.Content, a.MisskeyReaction = text(w.Content), text(w.MisskeyReaction)
		if a.Tags, err = tagsOf(w.Tag); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// maxFlagObjects caps the accounts and posts one Flag may name.
const maxFlagObjects = 100

// decodeFlag reads a Flag's object, the list of the accounts and posts reported that
// Mastodon sends (a lone one is a list of one), into Objects, and its content, the
// reporter's comment, into Content.
func (a *Activity) decodeFlag(object json.RawMessage) error {
	list, err := elements(object, maxFlagObjects, "objects")
	if err != nil {
		return err
	}
	for _, item := range list {
		o, err := objectOf(item)
		if err != nil {
			return err
		}
		if o.ID != "" {
			a.Objects = append(a.Objects, o.ID)
		}
	}
	if len(a.Objects) > 0 {
		a.Object = Object{ID: a.Objects[0]}
	}
	var c struct{ Content json.RawMessage }
	if json.Unmarshal(a.Raw, &c) == nil {
		a.Content = text(c.Content)
	}
	return nil
}

// plainHead fills id, type, actor and target when each is a plain JSON string (or target is
// absent), as nearly every peer sends them: go-ap reads exactly those strings then, and
// parsing the whole activity again (its embedded object included) for them cost a third of
// decoding a Create. Anything else is left to go-ap.
func (a *Activity) plainHead(w *wireDoc) bool {
	id, ok1 := plainString(w.ID)
	typ, ok2 := plainString(w.Type)
	actor, ok3 := plainString(w.Actor)
	target, ok4 := plainString(w.Target)
	if isNull(w.Target) {
		target, ok4 = "", true
	}
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return false
	}
	// go-ap keeps a link only when it parses as an absolute request URI; for the actor,
	// linkOr then still takes any absolute URL.
	if !isIRI(target) {
		target = ""
	}
	if !isIRI(actor) {
		if u, err := url.Parse(actor); err != nil || u.Scheme == "" || u.Host == "" {
			actor = ""
		}
	}
	a.ID, a.Type, a.Actor, a.Target = id, typ, actor, target
	return true
}

// isIRI is go-ap's test of a string link.
func isIRI(s string) bool {
	u, err := url.ParseRequestURI(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}

// DecodeActor decodes an actor document with its Mastodon extensions. It must have an id and
// a type. Errors are Invalid or TooLarge.
func DecodeActor(data []byte) (*Actor, error) {
	return decodeActor(data, false)
}

func decodeActor(data []byte, checked bool) (*Actor, error) {
	var w wireDoc
	if err := decodeWire(data, &w, checked); err != nil {
		return nil, err
	}
	var ap vocab.Actor
	if err := apDecode(&ap, apField{"id", w.ID}, apField{"type", w.Type}, apField{"inbox", w.Inbox},
		apField{"outbox", w.Outbox}, apField{"followers", w.Followers}, apField{"following", w.Following},
		apField{"publicKey", w.PublicKey}, apField{"endpoints", w.Endpoints}); err != nil {
		return nil, err
	}
	a := &Actor{ID: string(ap.ID), Type: string(ap.Type),
		Inbox: itemLink(ap.Inbox), Outbox: itemLink(ap.Outbox),
		Followers: itemLink(ap.Followers), Following: itemLink(ap.Following),
		PublicKey: PublicKey{ID: string(ap.PublicKey.ID), Owner: string(ap.PublicKey.Owner),
			PEM: ap.PublicKey.PublicKeyPem},
		// Text fields are read by hand: go-ap unescapes strings twice ("\\n" becomes a
		// newline) and reads a JSON-looking string as JSON.
		PreferredUsername: text(w.PreferredUsername), Name: text(w.Name), Summary: text(w.Summary),
		URL: hrefOf(w.URL), Icon: imageURL(w.Icon), Image: imageURL(w.Image),
		Published: timeOf(w.Published), Featured: idOf(w.Featured),
		ManuallyApprovesFollowers: boolOf(w.ManuallyApprovesFollowers),
		Discoverable:              boolOf(w.Discoverable), Indexable: boolOf(w.Indexable),
		Suspended: boolOf(w.Suspended), MovedTo: idOf(w.MovedTo),
		AttributedTo: idOf(w.AttributedTo), PostingRestrictedToMods: boolOf(w.PostingRestrictedToMods),
	}
	if ap.Endpoints != nil {
		a.SharedInbox = itemLink(ap.Endpoints.SharedInbox)
	}
	if a.PublicKey.PEM == "" {
		a.PublicKey = firstKey(w.PublicKey)
	}
	if err := need("actor", [2]string{"id", a.ID}, [2]string{"type", a.Type}); err != nil {
		return nil, err
	}
	var err error
	if a.AlsoKnownAs, err = idList(w.AlsoKnownAs, maxTags, "aliases"); err != nil {
		return nil, err
	}
	if a.Fields, _, err = attachmentsOf(w.Attachment); err != nil {
		return nil, err
	}
	if a.Tags, err = tagsOf(w.Tag); err != nil {
		return nil, err
	}
	a.MessageSignatures = implements(w.Generator, RFC9421)
	a.Ed25519Key = ed25519KeyOf(w.AssertionMethod, a.ID)
	return a, nil
}

// RFC9421 is how FEP-844e names RFC 9421 signatures with RSA keys in an application's
// implements.
const RFC9421 = "https://datatracker.ietf.org/doc/html/rfc9421"

// implements reports whether a generator (an Application, or a list of them) lists feature
// in its implements, each a link by href or id.
func implements(generator json.RawMessage, feature string) bool {
	apps, _ := elements(generator, 4, "generators")
	for _, raw := range apps {
		var app struct {
			Implements json.RawMessage `json:"implements"`
		}
		if json.Unmarshal(raw, &app) != nil {
			continue
		}
		links, _ := elements(app.Implements, 32, "features")
		for _, l := range links {
			var link struct{ Href, ID string }
			if json.Unmarshal(l, &link) == nil && (link.Href == feature || link.ID == feature) {
				return true
			}
		}
	}
	return false
}

// DecodeNote decodes a post: Note, Article, Question, Page, Tombstone and unknown types
// alike (Type tells). It must have an id and a type. Errors are Invalid or TooLarge.
func DecodeNote(data []byte) (*Note, error) {
	return decodeNote(data, false)
}

func decodeNote(data []byte, checked bool) (*Note, error) {
	var w wireDoc
	if err := decodeWire(data, &w, checked); err != nil {
		return nil, err
	}
	var ap vocab.Object
	if err := apDecode(&ap, apField{"id", w.ID}, apField{"type", w.Type}, apField{"attributedTo", w.AttributedTo},
		apField{"inReplyTo", w.InReplyTo}, apField{"replies", w.Replies}); err != nil {
		return nil, err
	}
	n := &Note{ID: string(ap.ID), Type: string(ap.Type), AttributedTo: linkOr(ap.AttributedTo, w.AttributedTo),
		InReplyTo: itemLink(ap.InReplyTo), Replies: itemLink(ap.Replies),
		Summary: text(w.Summary), URL: hrefOf(w.URL), Conversation: text(w.Conversation), Audience: firstID(w.Audience),
		Sensitive: boolOf(w.Sensitive), Published: timeOf(w.Published), Updated: timeOf(w.Updated)}
	if err := need("object", [2]string{"id", n.ID}, [2]string{"type", n.Type}); err != nil {
		return nil, err
	}
	n.Content, n.ContentMap = contentOf(w.Content, w.ContentMap)
	var err error
	if n.To, err = recipients(w.To); err != nil {
		return nil, err
	}
	if n.Cc, err = recipients(w.Cc); err != nil {
		return nil, err
	}
	if n.Tags, err = tagsOf(w.Tag); err != nil {
		return nil, err
	}
	if _, n.Attachments, err = attachmentsOf(w.Attachment); err != nil {
		return nil, err
	}
	n.Name = text(w.Name)
	n.readCard(&w)
	n.Quote, n.QuoteLegacy = quoteOf(&w)
	n.QuoteAuthorization = idOf(w.QuoteAuthorization)
	n.CanQuote = canQuoteOf(w.InteractionPolicy)
	n.CanReply = subPolicyOf(w.InteractionPolicy, "canReply")
	n.CanLike, n.CanAnnounce = subPolicyOf(w.InteractionPolicy, "canLike"), subPolicyOf(w.InteractionPolicy, "canAnnounce")
	n.ReplyAuthorization, n.ApprovedBy = idOf(w.ReplyAuthorization), idOf(w.ApprovedBy)
	if n.Type == TypeQuestion {
		if n.Poll, err = pollOf(&w); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// maxPollOptions bounds the options of a Question decoded: Pleroma allows 20, Mastodon 4;
// more is not a poll anyone meant.
const maxPollOptions = 64

// pollOf reads a Question's options, from anyOf when it has them (several choices), else
// oneOf. A Question without options is not a poll (nil).
func pollOf(w *wireDoc) (*Poll, error) {
	p := &Poll{EndTime: timeOf(w.EndTime), Voters: intOf(w.VotersCount)}
	raw := w.OneOf
	if !isNull(w.AnyOf) {
		raw, p.Multiple = w.AnyOf, true
	}
	list, err := elements(raw, maxPollOptions, "poll options")
	if err != nil {
		return nil, err
	}
	for _, item := range list {
		var o wireDoc
		if json.Unmarshal(item, &o) != nil {
			continue
		}
		var replies wireDoc
		if !isNull(o.Replies) {
			_ = json.Unmarshal(o.Replies, &replies) // a link or junk counts no votes
		}
		p.Options = append(p.Options, PollOption{Name: text(o.Name), Votes: intOf(replies.TotalItems)})
	}
	if len(p.Options) == 0 {
		return nil, nil
	}
	// Mastodon says closed with the time it closed (which may be before endTime, for a
	// poll closed early); others with true.
	closed := timeOf(w.Closed)
	p.Closed = boolOf(w.Closed) || !closed.IsZero()
	if !closed.IsZero() && (p.EndTime.IsZero() || closed.Before(p.EndTime)) {
		p.EndTime = closed
	}
	return p, nil
}

// errLink is returned when an object is asked for its embedded form but is only a link.
func errLink(o Object) error {
	return storage.Errorf(storage.Invalid, "object %s is a link, not embedded", o.ID)
}

// Note decodes the embedded object as a post. It fails with Invalid when the object is only a
// link: the caller fetches it then.
func (o Object) Note() (*Note, error) {
	if o.Raw == nil {
		return nil, errLink(o)
	}
	return decodeNote(o.Raw, o.checked)
}

// Activity decodes the embedded object as an activity (the Follow inside an Undo or Accept).
func (o Object) Activity() (*Activity, error) {
	if o.Raw == nil {
		return nil, errLink(o)
	}
	return decodeActivity(o.Raw, o.checked)
}

// Actor decodes the embedded object as an actor (the object of an Update of a profile).
func (o Object) Actor() (*Actor, error) {
	if o.Raw == nil {
		return nil, errLink(o)
	}
	return decodeActor(o.Raw, o.checked)
}
