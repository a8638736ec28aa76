package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/outbox/language"
	"refuge/outbox/media"
	"refuge/storage"
)

// Limits on what one note may carry; Mastodon's defaults where it has them.
const (
	MaxNoteChars    = 5000
	MaxSummaryChars = 500
)

// NoteInput is what an author asks to post. Text is plain text; Format makes the HTML.
type NoteInput struct {
	Content    string
	ContentMap map[string]string // language → text, for posts written in several languages
	Language   string
	Summary    string // content warning
	Sensitive  bool
	InReplyTo  string
	Visibility string   // a storage.Visibility as the client sent it; "" is public
	Mentions   []string // actor URIs addressed directly besides those named in the text
	Media      []storage.Media
	// ReplaceMedia makes an edit set the attachments to Media even when it is empty; an
	// edit without it and without Media keeps the note's.
	ReplaceMedia bool
	// IdempotencyKey, when not "", makes a retry safe: a post with the key an author used
	// within IdempotencyWindow posts nothing and gives back the first note.
	IdempotencyKey string
	// Poll makes the note a poll; nil for none. An edit leaves a note's poll as it is.
	Poll *PollInput
	// ReplyPolicy is who may reply to the note: a storage.QuotePolicy (public, followers, or
	// nobody but those it mentions), "" for public. An edit keeps the policy it had.
	ReplyPolicy string
	// Quote is the URI of the post the note quotes, "" for none; QuotePolicy who may quote
	// the note (a storage.QuotePolicy as the client sent it; "" is public). An edit keeps
	// the note's quote.
	Quote, QuotePolicy string
}

// PollInput is a poll as an author asks for it, within Mastodon's limits (storage's
// MaxPollOptions and the others).
type PollInput struct {
	Options   []string
	ExpiresIn time.Duration
	Multiple  bool
}

func (p *PollInput) validate() error {
	if len(p.Options) < 2 || len(p.Options) > storage.MaxPollOptions {
		return storage.Errorf(storage.Invalid, "a poll has 2 to %d options", storage.MaxPollOptions)
	}
	for i, o := range p.Options {
		o = strings.TrimSpace(o)
		if o == "" || !utf8.ValidString(o) || utf8.RuneCountInString(o) > storage.MaxPollOptionChars {
			return storage.Errorf(storage.Invalid, "each poll option is 1 to %d characters", storage.MaxPollOptionChars)
		}
		if slices.Contains(p.Options[:i], o) {
			return storage.Errorf(storage.Invalid, "poll option %q is given twice", o)
		}
		p.Options[i] = o
	}
	if p.ExpiresIn < storage.MinPollDuration || p.ExpiresIn > storage.MaxPollDuration {
		return storage.Errorf(storage.Invalid, "a poll lasts from %d seconds to %d days",
			int(storage.MinPollDuration.Seconds()), int(storage.MaxPollDuration.Hours()/24))
	}
	return nil
}

// IdempotencyWindow is how long an Idempotency-Key names its post, as on Mastodon.
const IdempotencyWindow = time.Hour

// maxIdempotencyKey bounds what a client may make Refuge store as a key.
const maxIdempotencyKey = 200

var languageTag = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)

// Check tells whether PostNote would take in as it is, refusing it for the same reasons
// (text, audience, language, descriptions), without posting: for a form that asks
// something more before posting, so that it asks only about a post that can be made.
func (in NoteInput) Check() error { return in.validate() }

func (in *NoteInput) validate() error {
	if in.Visibility == "" {
		in.Visibility = string(storage.Public)
	}
	switch storage.Visibility(in.Visibility) {
	case storage.Public, storage.Unlisted, storage.Followers, storage.Direct:
	default:
		return storage.Errorf(storage.Invalid, "visibility must be public, unlisted, followers or direct")
	}
	for lang := range in.ContentMap {
		if !languageTag.MatchString(lang) {
			return storage.Errorf(storage.Invalid, "contentMap: %q is not a language tag", lang)
		}
	}
	if err := in.mergeTranslations(); err != nil {
		return err
	}
	if strings.TrimSpace(in.Content) == "" && len(in.Media) == 0 {
		return storage.Errorf(storage.Invalid, "content is empty")
	}
	if in.Poll != nil {
		if len(in.Media) > 0 {
			return storage.Errorf(storage.Invalid, "a post has a poll or attachments, not both")
		}
		if err := in.Poll.validate(); err != nil {
			return err
		}
	}
	texts := []string{in.Content}
	for _, text := range in.ContentMap {
		texts = append(texts, text)
	}
	for _, t := range texts {
		if !utf8.ValidString(t) {
			return storage.Errorf(storage.Invalid, "content is not valid UTF-8")
		}
		if utf8.RuneCountInString(t) > MaxNoteChars {
			return storage.Errorf(storage.Invalid, "content is longer than %d characters", MaxNoteChars)
		}
	}
	if utf8.RuneCountInString(in.Summary) > MaxSummaryChars || !utf8.ValidString(in.Summary) {
		return storage.Errorf(storage.Invalid, "summary must be valid text of at most %d characters", MaxSummaryChars)
	}
	if in.Language != "" && !languageTag.MatchString(in.Language) {
		return storage.Errorf(storage.Invalid, "%q is not a language tag", in.Language)
	}
	if len(in.Media) > media.MaxAttachments {
		return storage.Errorf(storage.Invalid, "at most %d attachments", media.MaxAttachments)
	}
	for _, m := range in.Media {
		if err := checkDescription(m.Description); err != nil {
			return err
		}
	}
	if len(in.IdempotencyKey) > maxIdempotencyKey {
		return storage.Errorf(storage.Invalid, "an idempotency key is at most %d bytes", maxIdempotencyKey)
	}
	if in.InReplyTo != "" && storage.HostOf(in.InReplyTo) == "" {
		return storage.Errorf(storage.Invalid, "inReplyTo must be an http(s) URL")
	}
	return nil
}

// MaxTranslations bounds the languages one post may be written in, its main one included.
const MaxTranslations = 8

// mergeTranslations makes ContentMap and Content agree: a post in several languages has
// its main text (Content, in Language) in ContentMap too, so that the note's contentMap
// holds every version, while a post in one language has no ContentMap. Texts left empty
// (a form's unused translation field) are dropped. Without Content, the main text is
// ContentMap's in Language, else English, else the first; with Content and translations
// but no Language, the language whose text is Content, else the one Content is detected
// in; one must be found: a post's versions are told apart by their languages.
func (in *NoteInput) mergeTranslations() error {
	if len(in.ContentMap) == 0 {
		return nil
	}
	m := make(map[string]string, len(in.ContentMap))
	for lang, text := range in.ContentMap {
		if strings.TrimSpace(text) != "" {
			m[lang] = text
		}
	}
	switch {
	case len(m) == 0:
	case strings.TrimSpace(in.Content) == "":
		in.Language = firstLanguage(m, in.Language)
		in.Content = m[in.Language]
	case in.Language == "":
		for lang, text := range m {
			if text == in.Content && (in.Language == "" || lang < in.Language) {
				in.Language = lang
			}
		}
		if in.Language == "" {
			in.Language = language.Detect(in.Content)
		}
		if in.Language == "" {
			return storage.Errorf(storage.Invalid, "a post with translations needs the language of its main text")
		}
	}
	if len(m) > 0 {
		m[in.Language] = in.Content // the main text wins over a different one in the same language
	}
	if len(m) > MaxTranslations {
		return storage.Errorf(storage.Invalid, "a post is written in at most %d languages", MaxTranslations)
	}
	if len(m) < 2 {
		m = map[string]string{} // one language: nothing besides the main text; not nil, for an edit
	}
	in.ContentMap = m
	return nil
}

// firstLanguage picks the language whose text becomes a note's plain content: the one asked
// for, else English, else the first in order.
func firstLanguage(m map[string]string, want string) string {
	if _, ok := m[want]; ok && want != "" {
		return want
	}
	if _, ok := m["en"]; ok {
		return "en"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// resolveMention finds a mentioned account: local by name, remote through WebFinger.
func (s *Service) resolveMention(ctx context.Context, user, host string) (*storage.Actor, error) {
	if host == "" {
		return s.LocalActor(ctx, user)
	}
	if s.Remote == nil {
		return nil, storage.Errorf(storage.NotFound, "no remote lookups")
	}
	return s.Remote.Handle(ctx, user, host)
}

// mentionResolver resolves the mentions of one post, each account once, and all within one
// MentionDeadline however many texts the post has: a contentMap may carry many, and each
// would otherwise have a deadline of its own.
func (s *Service) mentionResolver() MentionResolver {
	deadline := time.Now().Add(MentionDeadline)
	var mu sync.Mutex
	known := map[string]*storage.Actor{} // nil: not found, or not in time
	return func(ctx context.Context, user, host string) (*storage.Actor, error) {
		key := strings.ToLower(user) + "@" + host
		mu.Lock()
		a, ok := known[key]
		mu.Unlock()
		if !ok {
			ctx, cancel := context.WithDeadline(ctx, deadline)
			a, _ = s.resolveMention(ctx, user, host)
			cancel()
			mu.Lock()
			known[key] = a
			mu.Unlock()
		}
		if a == nil {
			return nil, storage.Errorf(storage.NotFound, "@%s@%s not found", user, host)
		}
		return a, nil
	}
}

// formatTranslations is the contentMap of a note posted or edited as in says, its main
// text already formatted as content: nil for a post in one language. Kept, when not nil,
// is the note's contentMap before an edit whose input names no translations
// (in.ContentMap nil): its other languages stay as they were, the main one changing.
func (s *Service) formatTranslations(ctx context.Context, in NoteInput, content string, kept map[string]string, resolve MentionResolver) map[string]string {
	if in.Language == "" {
		return nil // versions are told apart by their languages
	}
	out := map[string]string{}
	if in.ContentMap == nil {
		for lang, html := range kept {
			out[lang] = html
		}
	}
	for lang, text := range in.ContentMap {
		out[lang], _ = Format(ctx, text, s.Base, s.Domain, resolve)
	}
	out[in.Language] = content
	if len(out) < 2 {
		return nil
	}
	return out
}

// errKeyTaken rolls back a post whose idempotency key another post took meanwhile.
var errKeyTaken = errors.New("idempotency key taken")

// PostNote publishes a note by a local author: the note, its Create activity and the queued
// deliveries are stored in one transaction before it returns. A post repeating an
// idempotency key returns the first note, and no activity, having stored nothing.
func (s *Service) PostNote(ctx context.Context, author *storage.Actor, in NoteInput) (*storage.Note, *storage.Activity, error) {
	if err := CheckNotMoved(author); err != nil {
		return nil, nil, err
	}
	if err := in.validate(); err != nil {
		return nil, nil, err
	}
	if first, err := s.idempotentNote(ctx, author, in.IdempotencyKey); first != nil || err != nil {
		return first, nil, err
	}
	var parent *storage.Note
	if in.InReplyTo != "" {
		var err error
		if parent, err = s.findNote(ctx, in.InReplyTo); err != nil {
			return nil, nil, storage.Wrap(storage.Invalid, err, "inReplyTo: unknown note")
		}
		if ok, _ := s.DB.CanSee(ctx, parent.ID, author.ID); !ok || parent.Deleted() {
			return nil, nil, storage.Errorf(storage.Invalid, "inReplyTo: unknown note")
		}
	}
	var approval *storage.ReplyApproval
	if parent != nil {
		var err error
		if approval, err = s.replyApproval(ctx, author, parent); err != nil {
			return nil, nil, err
		}
	}
	var quoted *storage.Note
	var quoteState storage.QuoteState
	if in.Quote != "" {
		var err error
		if quoted, quoteState, err = s.quoteOf(ctx, author, in.Quote); err != nil {
			return nil, nil, err
		}
	}
	policy, err := quotePolicyOf(in.QuotePolicy, storage.Visibility(in.Visibility))
	if err != nil {
		return nil, nil, err
	}
	replyPolicy, err := replyPolicyOf(in.ReplyPolicy)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	id := newID(now)
	uri := s.uris().Note(author.Username, id)
	n := &storage.Note{QuotePolicy: policy, ReplyPolicy: replyPolicy, Reply: approval,
		URI: uri, ActorID: author.ID, Local: true, URL: uri, Source: in.Content, Summary: strings.TrimSpace(in.Summary),
		Sensitive: in.Sensitive || strings.TrimSpace(in.Summary) != "", Language: in.Language,
		Visibility: storage.Visibility(in.Visibility), Published: now, Media: in.Media, Author: author,
	}
	if in.Poll != nil {
		n.Poll = &storage.Poll{Multiple: in.Poll.Multiple, ExpiresAt: now.Add(in.Poll.ExpiresIn)}
		for _, o := range in.Poll.Options {
			n.Poll.Options = append(n.Poll.Options, storage.PollOption{Title: o})
		}
	}
	resolve := s.mentionResolver()
	n.Content, n.Tags = Format(ctx, in.Content, s.Base, s.Domain, resolve)
	n.ContentMap = s.formatTranslations(ctx, in, n.Content, nil, resolve)
	if err := s.addEmojiTags(ctx, n, in); err != nil {
		return nil, nil, err
	}
	if n.Language, err = s.postLanguage(ctx, author, in, parent); err != nil {
		return nil, nil, err
	}
	if quoted != nil {
		n.Quote = &storage.Quote{URI: quoted.URI, State: quoteState}
		n.Content += quoteFallback(quoted.URI)
	}
	n.Conversation = uri
	if parent != nil {
		n.InReplyToURI, n.Conversation = parent.URI, parent.Conversation
		if n.Conversation == "" {
			n.Conversation = parent.URI
		}
	}
	mentioned := mentionedURIs(n.Tags, in.Mentions)
	if parent != nil && n.Visibility != storage.Direct && !slices.Contains(mentioned, parent.Author.URI) {
		mentioned = append(mentioned, parent.Author.URI)
	}
	if quoted != nil && quoted.ActorID != author.ID && n.Visibility != storage.Direct && !slices.Contains(mentioned, quoted.Author.URI) {
		mentioned = append(mentioned, quoted.Author.URI) // the quoted author's server hears of the quote
	}
	n.To, n.Cc = address(n.Visibility, author.FollowersURI, mentioned)

	var act *storage.Activity
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		if quoted != nil && quoted.Local && quoted.ActorID != author.ID {
			// Decided here: the approval is kept, and its stamp goes with the post.
			a := &storage.QuoteApproval{NoteID: quoted.ID, QuoteURI: n.URI, ActorID: author.ID, Created: now}
			if err := tx.PutQuoteApproval(ctx, a); err != nil {
				return err
			}
			n.Quote.Authorization = uris.QuoteStamp(quoted.URI, a.ID)
		}
		if err := tx.CreateNote(ctx, n); err != nil {
			return err
		}
		var err error
		act, err = s.emit(ctx, tx, author, &federation.Activity{ID: uris.NoteActivity(uri), Type: federation.TypeCreate,
			To: n.To, Cc: n.Cc, Published: now}, NoteDocument(n), n.ID, n.Visibility, nil)
		if err != nil {
			return err
		}
		if err := s.askToQuote(ctx, tx, author, n, quoted); err != nil {
			return err
		}
		if in.IdempotencyKey != "" {
			claimed, err := tx.ClaimIdempotencyKey(ctx, author.ID, in.IdempotencyKey, n.ID, now, now.Add(-IdempotencyWindow))
			if err != nil {
				return err
			}
			if !claimed {
				return errKeyTaken
			}
		}
		if err := s.distribute(ctx, tx, author, n, act.ID, parent, true); err != nil {
			return err
		}
		_, err = s.AnnounceInGroups(ctx, tx, author, n, json.RawMessage(act.JSON))
		return err
	})
	if errors.Is(err, errKeyTaken) {
		// A post racing this one with the same key committed first: it is the answer.
		first, err := s.idempotentNote(ctx, author, in.IdempotencyKey)
		if first == nil && err == nil {
			err = storage.Errorf(storage.Conflict, "idempotency key in use")
		}
		return first, nil, err
	}
	if err != nil {
		return nil, nil, err
	}
	s.wake()
	return n, act, nil
}

// idempotentNote is the note author posted with key within IdempotencyWindow, or nil.
func (s *Service) idempotentNote(ctx context.Context, author *storage.Actor, key string) (*storage.Note, error) {
	if key == "" {
		return nil, nil
	}
	id, err := s.DB.IdempotentNote(ctx, author.ID, key, s.now().Add(-IdempotencyWindow))
	if storage.KindOf(err) == storage.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	n, err := s.DB.GetNoteByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("idempotent note: %w", err)
	}
	return n, nil
}

// mentionedURIs lists the actors a note mentions, without repeats.
func mentionedURIs(tags []storage.Tag, extra []string) []string {
	var out []string
	for _, t := range tags {
		if t.Type == federation.TypeMention && !slices.Contains(out, t.Href) {
			out = append(out, t.Href)
		}
	}
	for _, u := range extra {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// address gives to and cc for a visibility, the way Mastodon addresses them.
func address(visibility storage.Visibility, followers string, mentioned []string) (to, cc []string) {
	switch visibility {
	case storage.Public:
		return []string{federation.PublicCollection}, append([]string{followers}, mentioned...)
	case storage.Unlisted:
		return []string{followers}, append([]string{federation.PublicCollection}, mentioned...)
	case storage.Followers:
		return []string{followers}, mentioned
	}
	return mentioned, nil
}

// addressees are the actors note n of author is addressed to beyond the public and the
// author's followers: those in its to and cc (whom it mentioned when posted, the author it
// replies to, whoever a client addressed) and those its text mentions now. Its Create,
// Updates and Delete all go to them, so that every server the note reached hears of what
// becomes of it.
func addressees(n *storage.Note, author *storage.Actor) []string {
	var out []string
	for _, uri := range slices.Concat(n.To, n.Cc, mentionedURIs(n.Tags, nil)) {
		if uri != author.FollowersURI && uri != federation.PublicCollection && !slices.Contains(out, uri) {
			out = append(out, uri)
		}
	}
	return out
}

// distribute queues an activity about note n for every remote server that should see it and
// puts it into local feeds: followers (unless direct) and the note's addressees (see
// addressees). parent is the note replied to, if any, for notifications; notify=false skips
// them and the feeds (for Update and Delete).
func (s *Service) distribute(ctx context.Context, tx storage.Tx, author *storage.Actor, n *storage.Note,
	activityID int64, parent *storage.Note, notify bool) error {
	var inboxes []string
	var locals []int64
	if n.Visibility != storage.Direct {
		remote, err := tx.FollowerInboxes(ctx, author.ID)
		if err != nil {
			return err
		}
		inboxes = append(inboxes, remote...)
		if locals, err = tx.LocalFollowers(ctx, author.ID); err != nil {
			return err
		}
	}
	waiting, err := s.waitingReply(ctx, tx, n, parent)
	if err != nil {
		return err
	}
	if waiting != nil {
		// Until the author of what it answers approves it, a reply goes to that author's
		// server alone, as GoToSocial asks: other servers would show what may be refused.
		inboxes = []string{waiting.DeliveryInbox()}
	}
	for _, uri := range addressees(n, author) {
		a, err := tx.GetActorByURI(ctx, uri)
		if err != nil {
			continue // a mention of someone we never stored cannot be delivered to
		}
		if a.Local {
			locals = append(locals, a.ID)
			if notify {
				kind := storage.NotificationMention
				if parent != nil && parent.ActorID == a.ID {
					kind = storage.NotificationReply
				}
				if err := tx.Notify(ctx, a.ID, kind, author.ID, n.ID, n.Published); err != nil {
					return err
				}
			}
		} else if a.DeletedAt.IsZero() && waiting == nil {
			inboxes = append(inboxes, a.DeliveryInbox())
		}
	}
	if notify {
		locals = append(locals, author.ID)
		if n.Visibility == storage.Public {
			// Those who follow one of its hashtags get it home too, as Mastodon's followed
			// tags bring public posts only; the feed keeps a note once.
			byTag, err := tx.TagFollowers(ctx, storage.HashtagNames(n.Tags), author.ID)
			if err != nil {
				return err
			}
			locals = append(locals, byTag...)
		}
		if err := tx.AddToFeed(ctx, locals, n.ID, 0, n.Published); err != nil {
			return err
		}
	}
	return tx.EnqueueDeliveries(ctx, activityID, uniq(inboxes), s.now())
}

// waitingReply is, for a reply of n's author that waits for (or was refused) the approval
// of the author of what it answers, that author; nil for any other note. parent is what n
// answers when the caller has it.
func (s *Service) waitingReply(ctx context.Context, tx storage.Tx, n, parent *storage.Note) (*storage.Actor, error) {
	if n.Reply == nil || n.Reply.State == storage.QuoteAccepted || n.InReplyToURI == "" {
		return nil, nil
	}
	if parent == nil || parent.Author == nil {
		var err error
		parent, err = tx.GetNoteByURI(ctx, n.InReplyToURI)
		if storage.KindOf(err) == storage.NotFound {
			return nil, nil // nothing left to wait for: it goes where any post goes
		}
		if err != nil {
			return nil, fmt.Errorf("the post a reply answers: %w", err)
		}
	}
	return parent.Author, nil
}

func uniq(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, x := range s {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// findNote returns a stored note by URI, fetching a remote one from its origin if needed.
func (s *Service) findNote(ctx context.Context, uri string) (*storage.Note, error) {
	n, err := s.DB.GetNoteByURI(ctx, uri)
	if err == nil || storage.KindOf(err) != storage.NotFound || s.Remote == nil || storage.HostOf(uri) == s.Domain {
		return n, err
	}
	if n, err = s.Remote.Note(ctx, uri); err != nil {
		return nil, fmt.Errorf("fetch note %s: %w", uri, err)
	}
	return n, nil
}
