package federation

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"refuge/storage"
)

// SecurityContext defines publicKey and publicKeyPem.
const SecurityContext = "https://w3id.org/security/v1"

// contextValue is the @context of everything we emit: ActivityStreams, security, and the
// Mastodon terms we use, spelled as Mastodon spells them so JSON-LD-processing peers expand
// them to the same IRIs.
var contextValue = []any{ActivityStreamsContext, SecurityContext, map[string]any{
	"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
	"sensitive":                 "as:sensitive",
	"Hashtag":                   "as:Hashtag",
	"alsoKnownAs":               map[string]string{"@id": "as:alsoKnownAs", "@type": "@id"},
	"movedTo":                   map[string]string{"@id": "as:movedTo", "@type": "@id"},
	"toot":                      "http://joinmastodon.org/ns#",
	"discoverable":              "toot:discoverable",
	"indexable":                 "toot:indexable",
	"suspended":                 "toot:suspended",
	"featured":                  map[string]string{"@id": "toot:featured", "@type": "@id"},
	"Emoji":                     "toot:Emoji",
	"blurhash":                  "toot:blurhash",
	"votersCount":               "toot:votersCount",
	"focalPoint":                map[string]string{"@container": "@list", "@id": "toot:focalPoint"},
	"schema":                    "http://schema.org#",
	"PropertyValue":             "schema:PropertyValue",
	"value":                     "schema:value",
	"ostatus":                   "http://ostatus.org#",
	"conversation":              "ostatus:conversation",
	"quote":                     map[string]string{"@id": "https://w3id.org/fep/044f#quote", "@type": "@id"},
	"quoteAuthorization":        map[string]string{"@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id"},
	"QuoteRequest":              "https://w3id.org/fep/044f#QuoteRequest",
	"QuoteAuthorization":        "https://w3id.org/fep/044f#QuoteAuthorization",
	"_misskey_quote":            "https://misskey-hub.net/ns#_misskey_quote",
	"quoteUri":                  "http://fedibird.com/ns#quoteUri",
	"gts":                       "https://gotosocial.org/ns#",
	"interactionPolicy":         map[string]string{"@id": "gts:interactionPolicy", "@type": "@id"},
	"canQuote":                  map[string]string{"@id": "gts:canQuote", "@type": "@id"},
	"canReply":                  map[string]string{"@id": "gts:canReply", "@type": "@id"},
	"replyAuthorization":        map[string]string{"@id": "gts:replyAuthorization", "@type": "@id"},
	"approvedBy":                map[string]string{"@id": "gts:approvedBy", "@type": "@id"},
	"automaticApproval":         map[string]string{"@id": "gts:automaticApproval", "@type": "@id"},
	"manualApproval":            map[string]string{"@id": "gts:manualApproval", "@type": "@id"},
	"interactingObject":         map[string]string{"@id": "gts:interactingObject", "@type": "@id"},
	"interactionTarget":         map[string]string{"@id": "gts:interactionTarget", "@type": "@id"},
	"misskey":                   "https://misskey-hub.net/ns#",
	"_misskey_reaction":         "misskey:_misskey_reaction",
	"lemmy":                     "https://join-lemmy.org/ns#",
	"postingRestrictedToMods":   "lemmy:postingRestrictedToMods",
}}

type keyOut struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	PublicKeyPem string `json:"publicKeyPem"`
}

type imageOut struct {
	Type      string `json:"type"`
	MediaType string `json:"mediaType,omitempty"`
	URL       string `json:"url"`
}

type fieldOut struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

type actorOut struct {
	Context                   any               `json:"@context,omitempty"`
	ID                        string            `json:"id"`
	Type                      string            `json:"type"`
	PreferredUsername         string            `json:"preferredUsername,omitempty"`
	Name                      string            `json:"name,omitempty"`
	Summary                   string            `json:"summary,omitempty"`
	URL                       string            `json:"url,omitempty"`
	Inbox                     string            `json:"inbox,omitempty"`
	Outbox                    string            `json:"outbox,omitempty"`
	Followers                 string            `json:"followers,omitempty"`
	Following                 string            `json:"following,omitempty"`
	Featured                  string            `json:"featured,omitempty"`
	ManuallyApprovesFollowers bool              `json:"manuallyApprovesFollowers"`
	Discoverable              bool              `json:"discoverable"`
	Indexable                 bool              `json:"indexable"`
	Published                 string            `json:"published,omitempty"`
	PublicKey                 *keyOut           `json:"publicKey,omitempty"`
	Endpoints                 map[string]string `json:"endpoints,omitempty"`
	Icon                      *imageOut         `json:"icon,omitempty"`
	Image                     *imageOut         `json:"image,omitempty"`
	Attachment                []fieldOut        `json:"attachment,omitempty"`
	Tag                       []tagOut          `json:"tag,omitempty"` // the Emoji of the name, bio and fields
	AlsoKnownAs               []string          `json:"alsoKnownAs,omitempty"`
	MovedTo                   string            `json:"movedTo,omitempty"`
	Suspended                 bool              `json:"suspended,omitempty"` // only when true, as Mastodon
	Generator                 *generatorOut     `json:"generator,omitempty"`
	AttributedTo              string            `json:"attributedTo,omitempty"`
	PostingRestrictedToMods   *bool             `json:"postingRestrictedToMods,omitempty"`
}

// generatorOut is the application behind an actor, with what it implements (FEP-844e).
type generatorOut struct {
	Type       string    `json:"type"`
	Implements []linkOut `json:"implements"`
}

type linkOut struct {
	Href string `json:"href"`
	Name string `json:"name"`
}

type tagOut struct {
	ID      string    `json:"id,omitempty"`
	Type    string    `json:"type"`
	Href    string    `json:"href,omitempty"`
	Name    string    `json:"name,omitempty"`
	Updated string    `json:"updated,omitempty"`
	Icon    *imageOut `json:"icon,omitempty"`
}

// emojiOut is the document of a custom emoji, served at its id as Mastodon serves it.
type emojiOut struct {
	Context any `json:"@context"`
	tagOut
}

type attachmentOut struct {
	Type      string `json:"type"`
	MediaType string `json:"mediaType,omitempty"`
	URL       string `json:"url"`
	Name      string `json:"name,omitempty"`
	Blurhash  string `json:"blurhash,omitempty"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Duration  string `json:"duration,omitempty"` // xsd:duration, "PT88.654S"
}

type noteOut struct {
	Context      any               `json:"@context,omitempty"`
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	AttributedTo string            `json:"attributedTo,omitempty"`
	InReplyTo    string            `json:"inReplyTo,omitempty"`
	Summary      string            `json:"summary,omitempty"`
	Content      string            `json:"content,omitempty"`
	ContentMap   map[string]string `json:"contentMap,omitempty"`
	Sensitive    bool              `json:"sensitive"`
	Published    string            `json:"published,omitempty"`
	Updated      string            `json:"updated,omitempty"`
	URL          string            `json:"url,omitempty"`
	To           []string          `json:"to"`
	Cc           []string          `json:"cc"`
	Tag          []tagOut          `json:"tag,omitempty"`
	Attachment   []attachmentOut   `json:"attachment,omitempty"`
	Replies      *repliesOut       `json:"replies,omitempty"`
	Conversation string            `json:"conversation,omitempty"`
	Name         string            `json:"name,omitempty"`
	Audience     string            `json:"audience,omitempty"`

	// A quote post's: the quoted post in FEP-044f's term and the two older ones that
	// Misskey and Fedibird read, and the approval stamp.
	Quote              string                `json:"quote,omitempty"`
	MisskeyQuote       string                `json:"_misskey_quote,omitempty"`
	QuoteURI           string                `json:"quoteUri,omitempty"`
	QuoteAuthorization string                `json:"quoteAuthorization,omitempty"`
	InteractionPolicy  *interactionPolicyOut `json:"interactionPolicy,omitempty"`
	ReplyAuthorization string                `json:"replyAuthorization,omitempty"`
	ApprovedBy         string                `json:"approvedBy,omitempty"`

	// A Question's.
	OneOf       []pollOptionOut `json:"oneOf,omitempty"`
	AnyOf       []pollOptionOut `json:"anyOf,omitempty"`
	EndTime     string          `json:"endTime,omitempty"`
	Closed      string          `json:"closed,omitempty"`
	VotersCount *int            `json:"votersCount,omitempty"`
}

// interactionPolicyOut is a note's interactionPolicy: the sub-policies it has.
type interactionPolicyOut struct {
	CanQuote *policyOut `json:"canQuote,omitempty"`
	CanReply *policyOut `json:"canReply,omitempty"`
}

// policyOut is a sub-policy of an interactionPolicy.
type policyOut struct {
	AutomaticApproval []string `json:"automaticApproval"`
	ManualApproval    []string `json:"manualApproval"`
}

func policyWire(p *SubPolicy) *policyOut {
	if p == nil {
		return nil
	}
	return &policyOut{AutomaticApproval: orEmpty(p.Automatic), ManualApproval: orEmpty(p.Manual)}
}

// pollOptionOut is one option of a Question as Mastodon writes it: a Note named by the
// option, whose replies count its votes.
type pollOptionOut struct {
	Type    string `json:"type"`
	Name    string `json:"name"`
	Replies struct {
		Type       string `json:"type"`
		TotalItems int    `json:"totalItems"`
	} `json:"replies"`
}

// repliesOut is a note's replies collection written into the note, as Mastodon does: its
// first page inline and empty, pointing on to the page that lists the replies, so that a
// peer walking the thread (GoToSocial, which warns of a collection without it) needs no
// other fetch to begin. The types are the ordered ones the collection is served with.
type repliesOut struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	First struct {
		Type   string   `json:"type"`
		Next   string   `json:"next"`
		PartOf string   `json:"partOf"`
		Items  []string `json:"orderedItems"`
	} `json:"first"`
}

// RepliesPage is the address of the page that lists the replies of the collection id.
func RepliesPage(id string) string { return id + "?page=true" }

func repliesWire(id string) *repliesOut {
	if id == "" {
		return nil
	}
	r := &repliesOut{ID: id, Type: TypeOrderedCollection}
	r.First.Type, r.First.Next, r.First.PartOf, r.First.Items = TypeOrderedCollectionPage, RepliesPage(id), id, []string{}
	return r
}

type activityOut struct {
	Context   any      `json:"@context,omitempty"`
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	Actor     string   `json:"actor"`
	Published string   `json:"published,omitempty"`
	To        []string `json:"to,omitempty"`
	Cc        []string `json:"cc,omitempty"`
	Object    any      `json:"object,omitempty"`
	Target    string   `json:"target,omitempty"`
	Content   string   `json:"content,omitempty"`
	// A QuoteRequest's quote post; an Accept's result.
	Instrument any    `json:"instrument,omitempty"`
	Result     string `json:"result,omitempty"`
	// MisskeyReaction and Tag are an emoji reaction's, as Misskey writes them.
	MisskeyReaction string   `json:"_misskey_reaction,omitempty"`
	Tag             []tagOut `json:"tag,omitempty"`
	Audience        string   `json:"audience,omitempty"`
}

// formatTime writes a time as Mastodon does, whole seconds in UTC; zero is "".
// formatDuration writes seconds as an xsd:duration, as ActivityStreams' duration is: in
// seconds alone, with milliseconds; "" for 0.
func formatDuration(seconds float64) string {
	if !(seconds > 0) {
		return ""
	}
	return "PT" + strconv.FormatFloat(math.Round(seconds*1000)/1000, 'f', -1, 64) + "S"
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func image(url string) *imageOut {
	if url == "" {
		return nil
	}
	return &imageOut{Type: TypeImage, URL: url}
}

// emojiWire is an Emoji tag as Mastodon writes one: its id and time when they are known (this
// instance's own emoji), and its picture with the picture's type, read from the file's
// extension when not known otherwise (and left out when that says nothing).
func emojiWire(t Tag) tagOut {
	icon := image(t.Href)
	if icon != nil {
		icon.MediaType = cmp.Or(t.MediaType, imageTypeOf(t.Href))
	}
	return tagOut{ID: t.ID, Type: TypeEmoji, Name: t.Name, Updated: formatTime(t.Updated), Icon: icon}
}

// imageTypeOf is the type of the picture at u by its file's extension; "" when that names
// no image type.
func imageTypeOf(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return ""
	}
	t := mime.TypeByExtension(strings.ToLower(path.Ext(parsed.Path)))
	if !strings.HasPrefix(t, "image/") {
		return ""
	}
	return t
}

// tagsWire writes tags, an Emoji as Mastodon writes one (emojiWire).
func tagsWire(tags []Tag) []tagOut {
	var out []tagOut
	for _, t := range tags {
		if t.Type == TypeEmoji {
			out = append(out, emojiWire(t))
			continue
		}
		out = append(out, tagOut{Type: t.Type, Href: t.Href, Name: t.Name})
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func actorWire(a *Actor) *actorOut {
	o := &actorOut{ID: a.ID, Type: a.Type, PreferredUsername: a.PreferredUsername, Name: a.Name,
		Summary: a.Summary, URL: a.URL, Inbox: a.Inbox, Outbox: a.Outbox, Followers: a.Followers,
		Following: a.Following, Featured: a.Featured,
		ManuallyApprovesFollowers: a.ManuallyApprovesFollowers, Discoverable: a.Discoverable,
		Indexable: a.Indexable, Published: formatTime(a.Published),
		Icon: image(a.Icon), Image: image(a.Image), AlsoKnownAs: a.AlsoKnownAs, MovedTo: a.MovedTo,
		Suspended: a.Suspended}
	if a.PublicKey.PEM != "" {
		o.PublicKey = &keyOut{ID: a.PublicKey.ID, Owner: a.PublicKey.Owner, PublicKeyPem: a.PublicKey.PEM}
	}
	if a.SharedInbox != "" {
		o.Endpoints = map[string]string{"sharedInbox": a.SharedInbox}
	}
	if a.MessageSignatures {
		o.Generator = &generatorOut{Type: TypeApplication,
			Implements: []linkOut{{Href: RFC9421, Name: "RFC-9421: HTTP Message Signatures"}}}
	}
	for _, f := range a.Fields {
		o.Attachment = append(o.Attachment, fieldOut{Type: TypePropertyValue, Name: f.Name, Value: f.Value})
	}
	o.Tag = tagsWire(a.Tags)
	if a.Type == TypeGroup {
		restricted := a.PostingRestrictedToMods
		o.AttributedTo, o.PostingRestrictedToMods = a.AttributedTo, &restricted
	}
	return o
}

func noteWire(n *Note) *noteOut {
	o := &noteOut{ID: n.ID, Type: n.Type, AttributedTo: n.AttributedTo, InReplyTo: n.InReplyTo,
		Summary: n.Summary, Content: n.Content, ContentMap: n.ContentMap, Sensitive: n.Sensitive,
		Published: formatTime(n.Published), Updated: formatTime(n.Updated), URL: n.URL,
		To: orEmpty(n.To), Cc: orEmpty(n.Cc), Replies: repliesWire(n.Replies), Conversation: n.Conversation, Name: n.Name,
		Audience: n.Audience}
	switch {
	case n.Quote != "" && n.QuoteLegacy: // as it came: in the older forms alone
		o.MisskeyQuote, o.QuoteURI = n.Quote, n.Quote
	case n.Quote != "":
		o.Quote, o.MisskeyQuote, o.QuoteURI, o.QuoteAuthorization = n.Quote, n.Quote, n.Quote, n.QuoteAuthorization
	}
	if n.CanQuote != nil || n.CanReply != nil {
		o.InteractionPolicy = &interactionPolicyOut{CanQuote: policyWire(n.CanQuote), CanReply: policyWire(n.CanReply)}
	}
	o.ReplyAuthorization, o.ApprovedBy = n.ReplyAuthorization, n.ApprovedBy
	if p := n.Poll; p != nil {
		options := make([]pollOptionOut, len(p.Options))
		for i, opt := range p.Options {
			options[i].Type, options[i].Name = TypeNote, opt.Name
			options[i].Replies.Type, options[i].Replies.TotalItems = TypeCollection, opt.Votes
		}
		if p.Multiple {
			o.AnyOf = options
		} else {
			o.OneOf = options
		}
		voters := p.Voters
		o.EndTime, o.VotersCount = formatTime(p.EndTime), &voters
		if p.Closed {
			o.Closed = o.EndTime
		}
	}
	o.Tag = tagsWire(n.Tags)
	for _, a := range n.Attachments {
		o.Attachment = append(o.Attachment, attachmentOut{Type: a.Type, MediaType: a.MediaType, URL: a.URL, Name: a.Name,
			Blurhash: a.Blurhash, Width: a.Width, Height: a.Height, Duration: formatDuration(a.Duration)})
	}
	return o
}

// activityWire builds a's wire form with object embedded; a nil object means a.Object as
// decoded (embedded document if there is one, else its id).
func activityWire(a *Activity, object any) (*activityOut, error) {
	o := &activityOut{ID: a.ID, Type: a.Type, Actor: a.Actor, Published: formatTime(a.Published),
		To: a.To, Cc: a.Cc, Target: a.Target, Content: a.Content, Result: a.Result, MisskeyReaction: a.MisskeyReaction,
		Audience: a.Audience}
	o.Tag = tagsWire(a.Tags)
	if a.Instrument.Raw != nil {
		raw, err := withoutContext(a.Instrument.Raw)
		if err != nil {
			return nil, err
		}
		o.Instrument = raw
	} else if a.Instrument.ID != "" {
		o.Instrument = a.Instrument.ID
	}
	switch v := object.(type) {
	case nil:
		if a.Object.Raw != nil {
			raw, err := withoutContext(a.Object.Raw)
			if err != nil {
				return nil, err
			}
			o.Object = raw
		} else if a.Object.ID != "" {
			o.Object = a.Object.ID
		}
	case string:
		o.Object = v
	case []string: // a Flag's account and posts
		o.Object = v
	case json.RawMessage: // an activity received, announced by a group (FEP-1b12)
		raw, err := withoutContext(v)
		if err != nil {
			return nil, err
		}
		o.Object = raw
	case *Note:
		if v == nil {
			return nil, storage.Errorf(storage.Internal, "encode activity: nil note")
		}
		o.Object = noteWire(v)
	case *Actor:
		if v == nil {
			return nil, storage.Errorf(storage.Internal, "encode activity: nil actor")
		}
		o.Object = actorWire(v)
	case *Activity:
		if v == nil {
			return nil, storage.Errorf(storage.Internal, "encode activity: nil activity")
		}
		inner, err := activityWire(v, nil)
		if err != nil {
			return nil, err
		}
		o.Object = inner
	default:
		return nil, storage.Errorf(storage.Internal, "encode activity: cannot embed %T", object)
	}
	return o, nil
}

// withoutContext drops the @context of an embedded document: only the top level has one.
func withoutContext(raw json.RawMessage) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, storage.Wrap(storage.Internal, err, "encode activity: bad embedded object")
	}
	if _, ok := m["@context"]; !ok {
		return raw, nil
	}
	delete(m, "@context")
	return json.Marshal(m)
}

// Marshal writes v as JSON without escaping <, > and & in strings: content is HTML, and
// peers (and people reading the JSON) expect it as Mastodon writes it.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, storage.Wrap(storage.Internal, err, "encode")
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// EncodeActor writes an actor document with our @context.
func EncodeActor(a *Actor) ([]byte, error) {
	o := actorWire(a)
	o.Context = contextValue
	return Marshal(o)
}

// EncodeNote writes a post document with our @context.
func EncodeNote(n *Note) ([]byte, error) {
	o := noteWire(n)
	o.Context = contextValue
	return Marshal(o)
}

// EncodeActivity writes an activity with our @context and object embedded: a *Note,
// *Activity or *Actor (without a @context of its own), a string id, or nil for a.Object.
func EncodeActivity(a *Activity, object any) ([]byte, error) {
	o, err := activityWire(a, object)
	if err != nil {
		return nil, err
	}
	o.Context = contextValue
	return Marshal(o)
}

// EncodeEmoji writes the document of a custom emoji, served at its id (t.ID), with our
// @context.
func EncodeEmoji(t Tag) ([]byte, error) {
	return Marshal(emojiOut{Context: contextValue, tagOut: emojiWire(t)})
}

// Context is the @context of everything we emit, for a document that holds our activities
// but is written elsewhere (an account archive's outbox.json).
func Context() any { return contextValue }

// EncodeActivityItem writes an activity as EncodeActivity does but without a @context: an
// item of a collection, which carries the one @context for all its items.
func EncodeActivityItem(a *Activity, object any) ([]byte, error) {
	o, err := activityWire(a, object)
	if err != nil {
		return nil, err
	}
	return Marshal(o)
}
