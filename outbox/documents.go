package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// ActorDocument is the ActivityStreams form of a local actor. A suspended account's says so
// and keeps only what a server needs to know it by (its id, name, key and collections'
// addresses), as Mastodon's does: its display name is its username, and its bio, pictures,
// fields and flags are left out until the suspension is lifted. Its Emoji tags are as
// stored: what is sent (emit) and served (MarshalActor) has them described.
func (s *Service) ActorDocument(a *storage.Actor) *federation.Actor {
	if a.Suspended() {
		return &federation.Actor{
			ID: a.URI, Type: a.Type, PreferredUsername: a.Username, Name: a.Username, URL: a.URL,
			Inbox: a.Inbox, Outbox: a.Outbox, Followers: a.FollowersURI, Following: a.FollowingURI,
			Featured: a.FeaturedURI, SharedInbox: a.SharedInbox,
			PublicKey: federation.PublicKey{ID: a.KeyID, Owner: a.URI, PEM: a.PublicKeyPEM},
			Published: a.Published, Suspended: true, MessageSignatures: true,
		}
	}
	doc := &federation.Actor{
		ID: a.URI, Type: a.Type, PreferredUsername: a.Username, Name: a.Name, Summary: a.Summary, URL: a.URL,
		Inbox: a.Inbox, Outbox: a.Outbox, Followers: a.FollowersURI, Following: a.FollowingURI,
		Featured: a.FeaturedURI, SharedInbox: a.SharedInbox,
		PublicKey:                 federation.PublicKey{ID: a.KeyID, Owner: a.URI, PEM: a.PublicKeyPEM},
		ManuallyApprovesFollowers: a.Locked, Discoverable: a.Discoverable, Indexable: a.Indexable,
		Published: a.Published, Icon: a.IconURL, Image: a.ImageURL,
		AlsoKnownAs: a.AlsoKnownAs, MovedTo: a.MovedTo, MessageSignatures: true,
	}
	for _, f := range a.Fields {
		doc.Fields = append(doc.Fields, federation.Field{Name: f.Name, Value: f.Value})
	}
	for _, t := range a.Emojis {
		doc.Tags = append(doc.Tags, federation.Tag{Type: t.Type, Name: t.Name, Href: t.Href})
	}
	return doc
}

// MarshalActor encodes the document of a local actor for serving: ActorDocument with its
// custom emoji described (describeEmoji), as the Update that sent it had them.
func (s *Service) MarshalActor(ctx context.Context, a *storage.Actor) ([]byte, error) {
	doc := s.ActorDocument(a)
	if err := s.groupDocument(ctx, s.DB, a, doc); err != nil {
		return nil, err
	}
	if err := s.describeEmoji(ctx, s.DB, doc.Tags); err != nil {
		return nil, err
	}
	return federation.EncodeActor(doc)
}

// ServedNote is the document of a note as this instance serves it: NoteDocument with the
// Emoji tags of a local note's custom emoji described (describeEmoji), as the Create or
// Update that sent it had them.
func (s *Service) ServedNote(ctx context.Context, n *storage.Note) (*federation.Note, error) {
	doc := NoteDocument(n)
	if !n.Local {
		return doc, nil
	}
	if err := s.describeEmoji(ctx, s.DB, doc.Tags); err != nil {
		return nil, err
	}
	return doc, nil
}

// MarshalNote encodes a note for embedding or serving (ServedNote).
func (s *Service) MarshalNote(ctx context.Context, n *storage.Note) ([]byte, error) {
	doc, err := s.ServedNote(ctx, n)
	if err != nil {
		return nil, err
	}
	return federation.EncodeNote(doc)
}

// NoteDocument is the ActivityStreams form of a note; a deleted one is a Tombstone. Its
// Emoji tags are as stored: what is sent (emit) and served (ServedNote) has this
// instance's own described.
func NoteDocument(n *storage.Note) *federation.Note {
	if n.Deleted() {
		return &federation.Note{ID: n.URI, Type: federation.TypeTombstone, Updated: n.DeletedAt}
	}
	doc := &federation.Note{
		ID: n.URI, Type: federation.TypeNote, AttributedTo: n.Author.URI, Content: n.Content, Summary: n.Summary,
		URL: n.URL, InReplyTo: n.InReplyToURI, Conversation: n.Conversation, Audience: n.Audience, Name: n.Name,
		Sensitive: n.Sensitive,
		Published: n.Published, Updated: n.Updated, To: n.To, Cc: n.Cc, Replies: uris.Replies(n.URI),
	}
	if len(n.ContentMap) > 0 {
		doc.ContentMap = n.ContentMap
	} else if n.Language != "" {
		doc.ContentMap = map[string]string{n.Language: n.Content}
	}
	for _, t := range n.Tags {
		doc.Tags = append(doc.Tags, federation.Tag{Type: t.Type, Name: t.Name, Href: t.Href})
	}
	for _, m := range n.Media {
		doc.Attachments = append(doc.Attachments, federation.Attachment{Type: federation.TypeDocument, MediaType: m.MediaType,
			URL: m.URL, Name: m.Description, Blurhash: m.Blurhash, Width: m.Width, Height: m.Height, Duration: m.Duration})
	}
	if q := n.Quote; q != nil {
		doc.Quote = q.URI
		if q.State == storage.QuoteAccepted {
			doc.QuoteAuthorization = q.Authorization
		}
	}
	if n.Local {
		doc.CanQuote = federation.CanQuoteFor(n.QuotePolicy, n.Author.URI, n.Author.FollowersURI)
		// Said even when anyone may reply, so that servers that keep to interaction
		// policies know there is nothing to ask.
		doc.CanReply = federation.CanReplyFor(n.ReplyPolicy, n.Author.URI, n.Author.FollowersURI, mentionedURIs(n.Tags, nil))
	}
	if r := n.Reply; r != nil && r.State == storage.QuoteAccepted {
		doc.ReplyAuthorization, doc.ApprovedBy = r.Authorization, r.ApprovedBy
	}
	if p := n.Poll; p != nil {
		doc.Type = federation.TypeQuestion
		doc.Poll = &federation.Poll{Multiple: p.Multiple, EndTime: p.ExpiresAt, Voters: p.Voters,
			Closed: p.Closed(time.Now())}
		for _, o := range p.Options {
			doc.Poll.Options = append(doc.Poll.Options, federation.PollOption{Name: o.Title, Votes: o.Votes})
		}
	}
	return doc
}

// Collection is an OrderedCollection or one of its pages, as Mastodon serves them.
type Collection struct {
	Context      any    `json:"@context,omitempty"`
	ID           string `json:"id"`
	Type         string `json:"type"`
	TotalItems   *int   `json:"totalItems,omitempty"`
	First        string `json:"first,omitempty"`
	Last         string `json:"last,omitempty"`
	PartOf       string `json:"partOf,omitempty"`
	Next         string `json:"next,omitempty"`
	Prev         string `json:"prev,omitempty"`
	OrderedItems any    `json:"orderedItems,omitempty"` // nil on a collection top; a slice, maybe empty, on a page
}

// NewCollection makes the top of a paged collection of total items.
func NewCollection(id string, total int, paged bool) *Collection {
	c := &Collection{Context: federation.ActivityStreamsContext, ID: id, Type: federation.TypeOrderedCollection, TotalItems: &total}
	if paged {
		c.First, c.Last, c.OrderedItems = id+"?page=true", id+"?page=true&min_id=0", nil
	}
	return c
}

// NewPage makes one page of a collection; items are newest first, and next/prev cursors are
// row ids (0 when there is no such page).
func NewPage(id, pageID string, items []json.RawMessage, next, prev int64) *Collection {
	if items == nil {
		items = []json.RawMessage{}
	}
	c := &Collection{Context: federation.ActivityStreamsContext, ID: pageID, Type: federation.TypeOrderedCollectionPage,
		PartOf: id, OrderedItems: items}
	if next > 0 {
		c.Next = id + "?page=true&max_id=" + strconv.FormatInt(next, 10)
	}
	if prev > 0 {
		c.Prev = id + "?page=true&min_id=" + strconv.FormatInt(prev, 10)
	}
	return c
}

// withoutContext strips @context from a stored document so that it can sit inside another.
func withoutContext(doc string) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		return nil, fmt.Errorf("stored activity: %w", err)
	}
	delete(m, "@context")
	return json.Marshal(m)
}

// MarshalActorTombstone is what the address of deleted local account a answers (with 410
// Gone): a Tombstone, as a deleted note's address answers.
func MarshalActorTombstone(a *storage.Actor) ([]byte, error) {
	return federation.EncodeNote(&federation.Note{ID: a.URI, Type: federation.TypeTombstone, Updated: a.DeletedAt})
}
