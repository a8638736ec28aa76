package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/gorilla/mux"

	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
)

// The streaming API: GET /api/v1/streaming over WebSocket, with the streams named in the
// stream query parameter and in subscribe and unsubscribe messages; the same streams as
// server-sent events at /api/v1/streaming/user and the rest (streamPaths); and
// /api/v1/streaming/health. Mastodon documents them at docs.joinmastodon.org/methods/streaming.

// Heartbeats: a WebSocket ping (a client that answers no pong within the next interval is
// gone), a ":thump" comment on server-sent events, as Mastodon sends.
const (
	pingEvery  = 30 * time.Second
	thumpEvery = 15 * time.Second
	writeLimit = 10 * time.Second // for one message to be taken by a client
)

// streamPaths are the server-sent-event paths and the stream each is.
var streamPaths = map[string]string{
	"/api/v1/streaming/user":              "user",
	"/api/v1/streaming/user/notification": "user:notification",
	"/api/v1/streaming/public":            "public",
	"/api/v1/streaming/public/local":      "public:local",
	"/api/v1/streaming/public/remote":     "public:remote",
	"/api/v1/streaming/hashtag":           "hashtag",
	"/api/v1/streaming/hashtag/local":     "hashtag:local",
	"/api/v1/streaming/direct":            "direct",
	"/api/v1/streaming/list":              "list",
}

// streamRoutes mounts the streaming API on r.
func (h *Handler) streamRoutes(r *mux.Router) {
	h.Stream.h = h
	h.Stream.running.Store(true) // events are kept for Run from now on
	r.Handle("/api/v1/streaming/health", h.Handle(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := w.Write([]byte("OK"))
		return err
	})).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/api/v1/streaming", h.Handle(h.websocket)).Methods(http.MethodGet)
	r.Handle("/api/v1/streaming/", h.Handle(h.websocket)).Methods(http.MethodGet)
	for path, name := range streamPaths {
		r.Handle(path, h.Handle(func(w http.ResponseWriter, r *http.Request) error { return h.events(w, r, name) })).Methods(http.MethodGet)
	}
}

// streamScope is the scope a stream needs: read:notifications for notifications alone,
// read:statuses for the rest, as Mastodon (read covers both).
func streamScope(name string) string {
	if name == "user:notification" {
		return "read:notifications"
	}
	return "read:statuses"
}

// streamOf reads a stream's name and tag (a list stream's list id): Invalid for an unknown
// stream, a hashtag stream without a tag or a list stream without a list.
func streamOf(name, tag, list string) (streamKey, error) {
	switch name {
	case "user", "user:notification", "public", "public:local", "public:remote", "direct":
		return streamKey{name: name}, nil
	case "hashtag", "hashtag:local":
		t, err := reader.NormalizeTag(tag)
		if err != nil {
			return streamKey{}, storage.Errorf(storage.Invalid, "Missing or bad tag parameter")
		}
		return streamKey{name: name, tag: t}, nil
	case "list":
		id, good := plainRow(list)
		if !good {
			return streamKey{}, storage.Errorf(storage.Invalid, "Missing or bad list parameter")
		}
		return streamKey{name: name, tag: rowID(id)}, nil
	}
	return streamKey{}, storage.Errorf(storage.Invalid, "Unknown stream type")
}

// allowed checks that the connection may read stream k: Forbidden for a scope its token
// lacks, or for an account's own streams on an app's own token.
func (sub *subscriber) allowed(k streamKey) error {
	if !httpx.Allows(sub.scopes, streamScope(k.name)) {
		return storage.Errorf(storage.Forbidden, "Access token does not have the required scopes")
	}
	if sub.viewer == nil && !publicStream(k) {
		return httpx.ErrNeedsUser
	}
	return nil
}

// owns checks that a list stream's list is the viewer's: NotFound otherwise, as another's
// list is everywhere in the API.
func (h *Handler) owns(ctx context.Context, viewer *storage.Actor, k streamKey) error {
	if k.name != "list" || viewer == nil {
		return nil
	}
	_, err := h.Read.List(ctx, viewer.ID, reader.ParseID(k.tag))
	return err
}

// streamToken finds the access token of a streaming request, where apps send it: the
// access_token parameter, the Authorization header, or (browser apps, which cannot set
// headers on a WebSocket) Sec-WebSocket-Protocol; protocol says it came the last way.
func streamToken(r *http.Request) (secret string, protocol bool) {
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t, false
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(t), false
	}
	if t := strings.TrimSpace(r.Header.Get("Sec-WebSocket-Protocol")); t != "" && !strings.Contains(t, ",") {
		return t, true
	}
	return "", false
}

// joinStream authenticates a streaming request, checks its first stream (when named), and
// registers the connection: 401 without a valid token, 403 for a stream it may not read,
// 422 for an unknown one, 429 past the caps.
func (h *Handler) joinStream(r *http.Request, name, tag, list string) (*subscriber, error) {
	secret, _ := streamToken(r)
	if secret == "" {
		return nil, storage.Errorf(storage.Unauthorized, "Missing access token")
	}
	token, viewer, err := h.Auth.TokenOf(r.Context(), secret)
	if err != nil {
		return nil, err
	}
	var first *streamKey
	if name != "" {
		k, err := streamOf(name, tag, list)
		if err != nil {
			return nil, err
		}
		first = &k
	}
	probe := &subscriber{viewer: viewer, scopes: token.Scopes}
	if first != nil {
		if err := probe.allowed(*first); err != nil {
			return nil, err
		}
		if err := h.owns(r.Context(), viewer, *first); err != nil {
			return nil, err
		}
	}
	sub, err := h.Stream.join(viewer, token)
	if err != nil {
		return nil, err
	}
	if first != nil {
		h.Stream.subscribe(sub, *first, true) // the first of none: within maxStreams
	}
	return sub, nil
}

// refuseStream answers a streaming request that cannot be served: an unknown stream or a
// bad tag is 400, as Mastodon's streaming server answers; the rest as the API does.
func refuseStream(w http.ResponseWriter, err error) error {
	if storage.KindOf(err) == storage.Invalid {
		return httpx.WriteJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": storage.Message(err)})
	}
	return mastodonError(w, err)
}

// websocket serves GET /api/v1/streaming.
func (h *Handler) websocket(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	sub, err := h.joinStream(r, q.Get("stream"), q.Get("tag"), q.Get("list"))
	if err != nil {
		return refuseStream(w, err)
	}
	defer h.Stream.leave(sub)
	opts := &websocket.AcceptOptions{
		// Browser apps on any origin connect, as to the rest of the API: what the
		// connection reads is the token's, never a cookie's, so another site's page gains
		// nothing that its own token would not give it.
		InsecureSkipVerify: true,
	}
	if secret, protocol := streamToken(r); protocol {
		opts.Subprotocols = []string{secret} // echoed back, or the browser drops the connection
	}
	// The server's read and write deadlines are for requests, not for a connection that
	// lasts: the pings below find one that died.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(w, r, opts)
	if err != nil {
		return nil // Accept answered the request already
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	go h.readSubscriptions(ctx, conn, sub)
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-sub.gone:
			conn.Close(websocket.StatusCode(sub.code), sub.reason)
			return nil
		case m := <-sub.out:
			b, err := json.Marshal(m)
			if m.Event == "error" {
				b = []byte(m.Payload) // Mastodon's error message is the object alone
			}
			if err == nil {
				err = writeMessage(ctx, conn, sub, b)
			}
			if err != nil {
				conn.CloseNow()
				return nil
			}
		case <-ping.C:
			if err := pingOrDrop(ctx, conn, sub); err != nil {
				conn.CloseNow()
				return nil
			}
		}
	}
}

// writeMessage writes b, giving up when the client takes longer than writeLimit or the
// connection is dropped meanwhile.
func writeMessage(ctx context.Context, conn *websocket.Conn, sub *subscriber, b []byte) error {
	wctx, cancel := untilGone(ctx, sub, writeLimit)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, b)
}

// pingOrDrop pings, giving up when the pong does not come within pingEvery or the
// connection is dropped meanwhile.
func pingOrDrop(ctx context.Context, conn *websocket.Conn, sub *subscriber) error {
	pctx, cancel := untilGone(ctx, sub, pingEvery)
	defer cancel()
	return conn.Ping(pctx)
}

// untilGone is ctx with a timeout, cancelled as well when the subscriber is dropped: what a
// slow write is waiting for is then given up at once.
func untilGone(ctx context.Context, sub *subscriber, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	go func() {
		select {
		case <-sub.gone:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// subscription is a message a client sends on a WebSocket.
type subscription struct {
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Tag    string `json:"tag"`
	List   string `json:"list"`
}

// readSubscriptions reads the client's messages (which also lets pongs and the client's
// close through) until the connection ends, and then drops the subscriber.
func (h *Handler) readSubscriptions(ctx context.Context, conn *websocket.Conn, sub *subscriber) {
	defer sub.drop(closeGoingAway, "")
	conn.SetReadLimit(4096)
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return
		}
		var m subscription
		if err := json.Unmarshal(b, &m); err != nil {
			h.streamError(sub, storage.Errorf(storage.Invalid, "Could not parse the message"))
			continue
		}
		if m.Type != "subscribe" && m.Type != "unsubscribe" {
			continue // Mastodon ignores what it does not know
		}
		k, err := streamOf(m.Stream, m.Tag, m.List)
		if err == nil && m.Type == "subscribe" {
			err = sub.allowed(k)
		}
		if err == nil && m.Type == "subscribe" {
			err = h.owns(ctx, sub.viewer, k)
		}
		if err == nil {
			err = h.Stream.subscribe(sub, k, m.Type == "subscribe")
		}
		if err != nil {
			h.streamError(sub, err)
		}
	}
}

// streamError tells a WebSocket client that a message of its failed, as Mastodon does:
// {"error": "...", "status": 400}.
func (h *Handler) streamError(sub *subscriber, err error) {
	status := httpx.StatusOf[storage.KindOf(err)]
	if storage.KindOf(err) == storage.Invalid {
		status = http.StatusBadRequest
	}
	sub.send(message{Event: "error", Payload: fmt.Sprintf(`{"error":%q,"status":%d}`, storage.Message(err), status)})
}

// events serves a stream as server-sent events.
func (h *Handler) events(w http.ResponseWriter, r *http.Request, name string) error {
	sub, err := h.joinStream(r, name, r.URL.Query().Get("tag"), r.URL.Query().Get("list"))
	if err != nil {
		return refuseStream(w, err)
	}
	defer h.Stream.leave(sub)
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx in front: pass each event on at once
	w.WriteHeader(http.StatusOK)
	send := func(s string) bool {
		// A client that stops reading fills the socket's buffer; the deadline ends the
		// write then, and the connection with it.
		rc.SetWriteDeadline(time.Now().Add(writeLimit))
		_, err := fmt.Fprint(w, s)
		return err == nil && rc.Flush() == nil
	}
	if !send(":)\n") {
		return nil
	}
	thump := time.NewTicker(thumpEvery)
	defer thump.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-sub.gone:
			return nil
		case m := <-sub.out:
			if m.Event == "error" {
				continue
			}
			if !send("event: " + m.Event + "\ndata: " + m.Payload + "\n\n") {
				return nil
			}
		case <-thump.C:
			if !send(":thump\n") {
				return nil
			}
		}
	}
}
