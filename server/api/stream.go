package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"

	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
)

// The streaming API's hub. The database hands it the events of every commit (of every
// process, on PostgreSQL: storage/sqldb's events.go); one goroutine takes them (a backlog
// at once), reads, for each connection that subscribed to a stream an event concerns, what
// that connection's account may see of it, through reader as every list does, and renders
// it with the same code as the REST answers, several at a time, sending in event order. Each connection has a buffer of messageBuffer messages: one
// that does not keep up is dropped, never buffered without limit.

// Default caps on streaming connections.
const (
	DefaultStreamConns         = 4096 // in all, per process
	DefaultStreamConnsPerToken = 16
)

const (
	eventBuffer   = 1024 // commits' events waiting for the hub; more are dropped (and logged)
	messageBuffer = 64   // messages waiting for one connection; more drop the connection
	// events taken at once from a backlog: half a connection's buffer, since a batch's
	// messages reach a connection all together (at 256, a burst of posts overran a user
	// stream's buffer and dropped it)
	maxBatch  = messageBuffer / 2
	renderers = 8 // messages of a batch rendered at once
)

// Stream is the hub of the streaming API.
type Stream struct {
	Log          *slog.Logger
	MaxConns     int // in all (0: DefaultStreamConns)
	MaxPerToken  int // per token (0: DefaultStreamConnsPerToken)
	h            *Handler
	events       chan []storage.Event
	mu           sync.Mutex
	subs         map[*subscriber]bool
	perToken     map[string]int
	shuttingDown bool
	running      atomic.Bool
}

// NewStream returns a hub; Publish may be called at once, Run delivers.
func NewStream(log *slog.Logger, maxConns, maxPerToken int) *Stream {
	if maxConns <= 0 {
		maxConns = DefaultStreamConns
	}
	if maxPerToken <= 0 {
		maxPerToken = DefaultStreamConnsPerToken
	}
	return &Stream{Log: log, MaxConns: maxConns, MaxPerToken: maxPerToken, events: make(chan []storage.Event, eventBuffer),
		subs: map[*subscriber]bool{}, perToken: map[string]int{}}
}

// Publish takes the events of a commit; it never blocks (the database calls it). Until the
// streaming API is mounted (an admin command serves nobody) they are dropped; from then on
// they wait for Run in a buffer.
func (s *Stream) Publish(events []storage.Event) {
	if !s.running.Load() {
		return
	}
	select {
	case s.events <- events:
	default:
		s.Log.Warn("streaming: events dropped, the hub is behind", "events", len(events))
	}
}

// Run sends the events published to the connections they concern, until ctx ends.
func (s *Stream) Run(ctx context.Context) {
	defer s.running.Store(false)
	for {
		select {
		case <-ctx.Done():
			s.Shutdown()
			return
		case events := <-s.events:
			// What else waits is taken too, so that a backlog is rendered in parallel.
		more:
			for len(events) < maxBatch {
				select {
				case next := <-s.events:
					events = append(events, next...)
				default:
					break more
				}
			}
			s.dispatch(ctx, events)
		}
	}
}

// Shutdown closes every connection and refuses new ones.
func (s *Stream) Shutdown() {
	s.mu.Lock()
	s.shuttingDown = true
	subs := make([]*subscriber, 0, len(s.subs))
	for sub := range s.subs {
		subs = append(subs, sub)
	}
	s.mu.Unlock()
	for _, sub := range subs {
		sub.drop(closeGoingAway, "the server is shutting down")
	}
}

// streamKey is one stream a connection subscribed to: its name, and a hashtag's tag.
type streamKey struct{ name, tag string }

// names is the key as Mastodon's messages name it: ["hashtag", "tag"] or ["user"].
func (k streamKey) names() []string {
	if k.tag != "" {
		return []string{k.name, k.tag}
	}
	return []string{k.name}
}

// message is one event for one connection.
type message struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload string   `json:"payload,omitempty"`
}

// closeCode is why the server ends a connection, as WebSocket close codes.
type closeCode int

const (
	closeGoingAway closeCode = 1001
	closeTooSlow   closeCode = 1008 // policy violation: the client did not read what it was sent
	closeDisabled  closeCode = 1008 // policy violation: the account was suspended
)

// subscriber is one streaming connection, WebSocket or server-sent events.
type subscriber struct {
	viewer  *storage.Actor // nil: an app's own token
	scopes  string
	token   string             // the token's hash, for the cap per token
	streams map[streamKey]bool // guarded by Stream.mu
	out     chan message
	gone    chan struct{}
	once    sync.Once
	code    closeCode
	reason  string
}

// drop ends the connection with code and reason; what it still had to send is not sent.
func (sub *subscriber) drop(code closeCode, reason string) {
	sub.once.Do(func() {
		sub.code, sub.reason = code, reason
		close(sub.gone)
	})
}

// send queues m, dropping the connection when its buffer is full.
func (sub *subscriber) send(m message) {
	select {
	case sub.out <- m:
	case <-sub.gone:
	default:
		sub.drop(closeTooSlow, "too slow: events were not read")
	}
}

// join registers a connection: TooMany when a cap is reached or the server is stopping.
func (s *Stream) join(viewer *storage.Actor, token *storage.Token) (*subscriber, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.shuttingDown:
		return nil, storage.Errorf(storage.Transient, "the server is shutting down")
	case len(s.subs) >= s.MaxConns:
		return nil, storage.Errorf(storage.TooMany, "Too many streaming connections")
	case s.perToken[token.Hash] >= s.MaxPerToken:
		return nil, storage.Errorf(storage.TooMany, "Too many streaming connections for this access token")
	}
	sub := &subscriber{viewer: viewer, scopes: token.Scopes, token: token.Hash, streams: map[streamKey]bool{},
		out: make(chan message, messageBuffer), gone: make(chan struct{})}
	s.subs[sub] = true
	s.perToken[token.Hash]++
	return sub, nil
}

// leave unregisters a connection.
func (s *Stream) leave(sub *subscriber) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.subs[sub] {
		return
	}
	delete(s.subs, sub)
	if s.perToken[sub.token]--; s.perToken[sub.token] <= 0 {
		delete(s.perToken, sub.token)
	}
	sub.drop(closeGoingAway, "")
}

// maxStreams bounds the streams of one connection, so that the work of each event (which
// looks at every connection's streams) stays bounded too.
const maxStreams = 100

// subscribe adds (on) or removes a stream of a connection: Invalid past maxStreams.
func (s *Stream) subscribe(sub *subscriber, k streamKey, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !on:
		delete(sub.streams, k)
	case !sub.streams[k] && len(sub.streams) >= maxStreams:
		return storage.Errorf(storage.Invalid, "at most %d streams on one connection", maxStreams)
	default:
		sub.streams[k] = true
	}
	return nil
}

// target is one stream of one connection that an event concerns.
type target struct {
	sub *subscriber
	key streamKey
}

// targets lists the streams of every connection for which want says yes.
func (s *Stream) targets(want func(sub *subscriber, k streamKey) bool) []target {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []target
	for sub := range s.subs {
		for k := range sub.streams {
			if want(sub, k) {
				out = append(out, target{sub, k})
			}
		}
	}
	return out
}

// dropAccount ends every connection of the account.
func (s *Stream) dropAccount(id int64, code closeCode, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		if ofAccount(sub, id) {
			sub.drop(code, reason)
		}
	}
}

// ofAccount reports whether the connection is the account's.
func ofAccount(sub *subscriber, id int64) bool { return sub.viewer != nil && sub.viewer.ID == id }

// publicStream reports whether k is one of the streams of public posts.
func publicStream(k streamKey) bool {
	switch k.name {
	case "public", "public:local", "public:remote", "hashtag", "hashtag:local":
		return true
	}
	return false
}

// job is one message to one connection, rendered when it is run: nil when there is nothing
// that connection may see.
type job struct {
	t      target
	render func() *message
}

// dispatch sends events to the streams they concern, rendered for each connection. The
// messages are rendered renderers at a time, each with its own queries (on PostgreSQL a few
// milliseconds under load: one at a time, a burst of federated posts fell seconds behind),
// and sent in the order of the events, so that a connection never hears of an edit or a
// delete before the post.
func (s *Stream) dispatch(ctx context.Context, events []storage.Event) {
	var jobs []job
	for _, e := range events {
		jobs = append(jobs, s.jobs(ctx, e)...)
	}
	out := make([]*message, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(renderers, len(jobs)) {
		wg.Go(func() {
			for i := range next {
				out[i] = jobs[i].render()
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, m := range out {
		if m != nil {
			jobs[i].t.sub.send(*m)
		}
	}
}

// jobs are the messages one event makes.
func (s *Stream) jobs(ctx context.Context, e storage.Event) []job {
	var out []job
	add := func(want func(sub *subscriber, k streamKey) bool, event string, render func(t target) (any, error)) {
		for _, t := range s.targets(want) {
			out = append(out, job{t, func() *message { return s.render(t, event, func() (any, error) { return render(t) }) }})
		}
	}
	switch e.Kind {
	case storage.EventSuspended:
		s.dropAccount(e.AccountID, closeDisabled, httpx.ErrLoginDisabled.Msg)
	case storage.EventFeed:
		add(func(sub *subscriber, k streamKey) bool {
			return (k.name == "user" || k.name == "list") && ofAccount(sub, e.AccountID)
		}, "update", func(t target) (any, error) { return some(s.h.feedStatus(ctx, t.sub.viewer, t.key, e)) })
	case storage.EventNotification:
		add(func(sub *subscriber, k streamKey) bool {
			return (k.name == "user" || k.name == "user:notification") && ofAccount(sub, e.AccountID)
		}, "notification", func(t target) (any, error) { return some(s.h.streamNotification(ctx, t.sub.viewer, e.NotificationID)) })
	case storage.EventNote:
		add(func(_ *subscriber, k streamKey) bool { return publicStream(k) || k.name == "direct" }, "update",
			func(t target) (any, error) { return some(s.h.streamStatus(ctx, t.sub.viewer, t.key, e.NoteID)) })
	case storage.EventConversation:
		add(func(sub *subscriber, k streamKey) bool { return k.name == "direct" && ofAccount(sub, e.AccountID) }, "conversation",
			func(t target) (any, error) { return some(s.h.streamConversation(ctx, t.sub.viewer, e.NoteID)) })
	case storage.EventFilters:
		// As Mastodon: no payload, only the word that the account's apps read its filters again.
		for _, t := range s.targets(func(sub *subscriber, k streamKey) bool { return k.name == "user" && ofAccount(sub, e.AccountID) }) {
			out = append(out, job{t, func() *message { return &message{Stream: t.key.names(), Event: "filters_changed"} }})
		}
	case storage.EventEdit:
		add(func(sub *subscriber, k streamKey) bool {
			return publicStream(k) || k.name == "direct" || ((k.name == "user" || k.name == "list") && sub.viewer != nil)
		}, "status.update", func(t target) (any, error) { return some(s.h.streamStatus(ctx, t.sub.viewer, t.key, e.NoteID)) })
	case storage.EventDelete:
		id := noteStatusID(e.NoteID)
		if e.AnnounceID != 0 {
			id = boostStatusID(e.AnnounceID)
		}
		for _, t := range s.targets(func(sub *subscriber, k streamKey) bool {
			return (publicStream(k) && e.Public) || ((k.name == "user" || k.name == "list") && sub.viewer != nil)
		}) {
			out = append(out, job{t, func() *message {
				if !publicStream(t.key) && !s.h.followsOrIs(ctx, t.sub.viewer, e.ActorID) {
					return nil
				}
				return &message{Stream: t.key.names(), Event: "delete", Payload: id}
			}})
		}
	}
	return out
}

// render is the message of an event for one connection; nil when render finds nothing the
// connection may see.
func (s *Stream) render(t target, event string, render func() (any, error)) *message {
	v, err := render()
	if err != nil {
		if k := storage.KindOf(err); k != storage.NotFound && k != storage.Gone {
			s.Log.Warn("streaming: render", "event", event, "err", err)
		}
		return nil
	}
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		s.Log.Error("streaming: encode", "event", event, "err", err)
		return nil
	}
	return &message{Stream: t.key.names(), Event: event, Payload: string(b)}
}

// some is v as an any that is nil when v is: what there is to send, if anything.
func some[T any](v *T, err error) (any, error) {
	if v == nil {
		return nil, err
	}
	return v, err
}

// feedStatus is the Status of a note (or the boost) that entered the viewer's home feed, as
// the home timeline (stream user) or the list's (stream list) shows it: nil when it is not
// there or hidden from the viewer.
func (h *Handler) feedStatus(ctx context.Context, viewer *storage.Actor, k streamKey, e storage.Event) (*Status, error) {
	id, boost := e.NoteID, e.AnnounceID != 0
	if boost {
		id = e.AnnounceID
	}
	pos, err := h.Read.HomePosition(ctx, viewer.ID, id, boost)
	if err != nil || pos == 0 {
		return nil, err
	}
	hp, err := h.feedRow(ctx, viewer, k, pos)
	if err != nil || len(hp.Items) == 0 || hp.First != pos {
		return nil, err
	}
	list, err := h.render(ctx, viewer).feed(hp.Items)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// feedRow is the home feed's row pos, read as stream k's timeline reads it (empty when
// that timeline leaves it out).
func (h *Handler) feedRow(ctx context.Context, viewer *storage.Actor, k streamKey, pos int64) (*reader.HomePage, error) {
	one := storage.Page{Before: pos + 1, Limit: 1}
	if k.name == "list" {
		return h.Read.ListTimeline(ctx, viewer.ID, reader.ParseID(k.tag), one)
	}
	return h.Read.Home(ctx, viewer.ID, one)
}

// streamNotification is the Notification entity of the account's notification id; nil when
// it is hidden from the account (by a block or a mute).
func (h *Handler) streamNotification(ctx context.Context, viewer *storage.Actor, id int64) (*Notification, error) {
	n, err := h.Read.Notification(ctx, viewer.ID, id)
	if err != nil {
		return nil, err
	}
	return h.render(ctx, viewer).notification(n)
}

// streamStatus is the Status of note id as the stream k shows it to viewer: nil when the
// note is not on that stream for the viewer (not public, hidden from it, another tag).
func (h *Handler) streamStatus(ctx context.Context, viewer *storage.Actor, k streamKey, id int64) (*Status, error) {
	v := reader.Local(viewer)
	one := storage.Page{Before: id + 1, Limit: 1}
	var notes []*storage.Note
	var err error
	switch k.name {
	case "public", "public:local", "public:remote":
		notes, err = h.Read.PublicTimeline(ctx, v, k.name == "public:local", k.name == "public:remote", one)
	case "hashtag", "hashtag:local":
		notes, err = h.Read.Tagged(ctx, v, k.tag, one)
		if len(notes) > 0 && k.name == "hashtag:local" && !notes[0].Local {
			notes = nil
		}
	case "direct":
		n, nerr := h.Read.NoteByID(ctx, v, id)
		if nerr != nil || n.Visibility != storage.Direct || h.Read.Hidden(ctx, v, n.ActorID) {
			return nil, nerr
		}
		notes = []*storage.Note{n}
	case "user", "list": // an edit of a note in the viewer's home feed, or the list's
		pos, perr := h.Read.HomePosition(ctx, viewer.ID, id, false)
		if perr != nil || pos == 0 {
			return nil, perr
		}
		if k.name == "list" {
			if hp, lerr := h.feedRow(ctx, viewer, k, pos); lerr != nil || len(hp.Items) == 0 || hp.First != pos {
				return nil, lerr
			}
		}
		n, nerr := h.Read.NoteByID(ctx, v, id)
		if nerr != nil || h.Read.Hidden(ctx, v, n.ActorID) {
			return nil, nerr
		}
		notes, err = h.Read.FilteredNotes(ctx, v, storage.FilterHome, []*storage.Note{n})
	}
	if err != nil || len(notes) == 0 || notes[0].ID != id || notes[0].Hidden {
		return nil, err
	}
	list, err := h.render(ctx, viewer).statuses(notes)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// streamConversation is the Conversation entity of the viewer's conversation that note id
// entered: nil when it is hidden from the viewer, or gone already.
func (h *Handler) streamConversation(ctx context.Context, viewer *storage.Actor, id int64) (*Conversation, error) {
	c, err := h.Read.ConversationOfNote(ctx, viewer, id)
	if err != nil {
		return nil, err
	}
	return h.render(ctx, viewer).conversation(c)
}

// followsOrIs reports whether the viewer is the author or follows it: whose home timeline
// a deleted note may have been in.
func (h *Handler) followsOrIs(ctx context.Context, viewer *storage.Actor, authorID int64) bool {
	if viewer.ID == authorID {
		return true
	}
	return h.Read.Relationship(ctx, viewer, &storage.Actor{ID: authorID}).Following
}
