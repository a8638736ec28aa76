package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"refuge/internal/testrig"
	"refuge/server"
	"refuge/server/httpx"
)

// streamWait bounds every wait for a streaming event.
const streamWait = 15 * time.Second

// streamEvent is one message of the streaming API, its payload decoded when it is JSON.
type streamEvent struct {
	Stream  []string
	Event   string
	Payload string
	Entity  map[string]any // the payload decoded, when it is an object
}

// wsClient is an app's WebSocket connection to the streaming API, read in the background.
type wsClient struct {
	conn   *websocket.Conn
	events chan streamEvent
	ended  chan error // the read error that ended the connection
}

// dialStream opens a WebSocket to in's streaming API with query (access_token, stream,
// tag), as an app does; the response, and the error when the upgrade is refused.
func dialStream(t *testing.T, in *testrig.Instance, query url.Values, opts *websocket.DialOptions) (*wsClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Where the instance says its streaming API is, as apps read it.
	_, v2, _ := get(t, in, "/api/v2/instance", "")
	config, _ := v2.(map[string]any)["configuration"].(map[string]any)
	base := field(config["urls"], "streaming")
	u := base + "/api/v1/streaming?" + query.Encode()
	conn, resp, err := websocket.Dial(ctx, u, opts)
	if err != nil {
		return nil, resp, err
	}
	c := &wsClient{conn: conn, events: make(chan streamEvent, 1024), ended: make(chan error, 1)}
	t.Cleanup(func() { conn.CloseNow() })
	return c, resp, nil
}

// read starts reading in the background (a client that never calls it never reads).
func (c *wsClient) read() *wsClient {
	go func() {
		for {
			_, b, err := c.conn.Read(context.Background())
			if err != nil {
				c.ended <- err
				return
			}
			var m struct {
				Stream  []string `json:"stream"`
				Event   string   `json:"event"`
				Payload string   `json:"payload"`
				Error   string   `json:"error"`
			}
			if json.Unmarshal(b, &m) != nil {
				continue
			}
			if m.Error != "" {
				m.Event, m.Payload = "error", string(b)
			}
			c.events <- decoded(m.Stream, m.Event, m.Payload)
		}
	}()
	return c
}

func decoded(stream []string, event, payload string) streamEvent {
	e := streamEvent{Stream: stream, Event: event, Payload: payload}
	json.Unmarshal([]byte(payload), &e.Entity)
	return e
}

// mustStream opens a connection that the server accepts, and reads it.
func mustStream(t *testing.T, in *testrig.Instance, token string, query url.Values) *wsClient {
	t.Helper()
	if query == nil {
		query = url.Values{}
	}
	query.Set("access_token", token)
	c, resp, err := dialStream(t, in, query, nil)
	if err != nil {
		t.Fatalf("streaming %v: %v (%v)", query, err, resp)
	}
	return c.read()
}

// next waits for the next event other than those skip says to pass over.
func next(t *testing.T, events <-chan streamEvent, what string, want func(streamEvent) bool) streamEvent {
	t.Helper()
	deadline := time.After(streamWait)
	for {
		select {
		case e := <-events:
			if want(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s within %s", what, streamWait)
			return streamEvent{}
		}
	}
}

// is matches an event by its name and a payload that contains text.
func is(event, text string) func(streamEvent) bool {
	return func(e streamEvent) bool { return e.Event == event && strings.Contains(e.Payload, text) }
}

// postStatus posts text through the API and returns the status id.
func postStatus(t *testing.T, in *testrig.Instance, token, text string) string {
	t.Helper()
	status, v := send(t, in, request{method: "POST", path: "/api/v1/statuses", token: token, body: url.Values{"status": {text}}})
	if status != 200 {
		t.Fatalf("post %q: %d %v", text, status, v)
	}
	return idOf(v)
}

// TestStreamingUser: bob, who follows alice, streams his user stream over WebSocket: he
// receives her new post as an update (the Status entity as the home timeline shows it),
// her like of his reply as a notification, her boost of it as an update and undone as a
// delete of the boost's id, an edit as status.update and her deleting the
// post as delete with its id; what blocked carol posts on a public stream he watches too
// never arrives, and neither does alice's followers-only post there.
func TestStreamingUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bob := mustStream(t, w.in, w.bobTok, url.Values{"stream": {"user"}})

	id := postStatus(t, w.in, w.aliceTok, "live from alice")
	up := next(t, bob.events, "alice's update", is("update", "live from alice"))
	if up.Entity["id"] != id || strings.Join(up.Stream, ",") != "user" {
		t.Errorf("update: %+v", up)
	}
	shape(t, "Status", up.Entity, statusShape)

	if status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses/" + w.reply + "/favourite", token: w.aliceTok}); status != 200 {
		t.Fatalf("favourite: %d %v", status, v)
	}
	n := next(t, bob.events, "the like's notification", is("notification", `"favourite"`))
	shape(t, "Notification", n.Entity, notificationShape)
	if acc, _ := n.Entity["account"].(map[string]any); acc["id"] != w.aliceID {
		t.Errorf("notification: %v", n.Entity)
	}

	// Her boost of his reply comes as the status that wraps it; undone, as its delete.
	status, boost := send(t, w.in, request{method: "POST", path: "/api/v1/statuses/" + w.reply + "/reblog", token: w.aliceTok})
	if status != 200 {
		t.Fatalf("reblog: %d %v", status, boost)
	}
	if up := next(t, bob.events, "the boost", is("update", `"reblog":{`)); up.Entity["id"] != idOf(boost) {
		t.Errorf("boost %v, want id %s", up.Entity, idOf(boost))
	}
	if status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses/" + w.reply + "/unreblog", token: w.aliceTok}); status != 200 {
		t.Fatalf("unreblog: %d %v", status, v)
	}
	if d := next(t, bob.events, "the boost's delete", func(e streamEvent) bool { return e.Event == "delete" }); d.Payload != idOf(boost) {
		t.Errorf("delete payload %q, want the boost's %q", d.Payload, idOf(boost))
	}

	if status, v := send(t, w.in, request{method: "PUT", path: "/api/v1/statuses/" + id, token: w.aliceTok,
		body: url.Values{"status": {"live from alice, edited"}}}); status != 200 {
		t.Fatalf("edit: %d %v", status, v)
	}
	next(t, bob.events, "the edit", is("status.update", "live from alice, edited"))

	if status, v := send(t, w.in, request{method: "DELETE", path: "/api/v1/statuses/" + id, token: w.aliceTok}); status != 200 {
		t.Fatalf("delete: %d %v", status, v)
	}
	if d := next(t, bob.events, "the delete", func(e streamEvent) bool { return e.Event == "delete" }); d.Payload != id {
		t.Errorf("delete payload %q, want %q", d.Payload, id)
	}

	// Blocked carol, and a followers-only post, on bob's local public stream.
	carolID := accountID(t, w.in, "carol")
	if status, v := send(t, w.in, act(w.bobTok, "accounts/"+carolID+"/block", nil)); status != 200 {
		t.Fatalf("block: %d %v", status, v)
	}
	public := mustStream(t, w.in, w.bobTok, url.Values{"stream": {"public:local"}})
	postStatus(t, w.in, w.carolTok, "carol, blocked")
	send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok,
		body: url.Values{"status": {"alice for followers"}, "visibility": {"private"}}})
	postStatus(t, w.in, w.aliceTok, "alice in public")
	e := next(t, public.events, "an update", func(e streamEvent) bool { return e.Event == "update" })
	if !strings.Contains(e.Payload, "alice in public") || strings.Join(e.Stream, ",") != "public:local" {
		t.Errorf("public:local's first update is %+v, want alice's public post (not carol's, not the followers-only one)", e)
	}
}

// TestStreamingSubscriptions: one connection subscribes to a hashtag stream, unsubscribes
// and subscribes to the local stream; each event names the stream it came on, and a
// stream asked for wrongly (unknown, or past the 100 one connection may hold) answers an
// error message, the connection staying open.
func TestStreamingSubscriptions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := mustStream(t, w.in, w.bobTok, nil)
	say := func(v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		if err := c.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	say(map[string]string{"type": "subscribe", "stream": "hashtag", "tag": "Streams"})
	say(map[string]string{"type": "subscribe", "stream": "nonsense"})
	if e := next(t, c.events, "the error", func(e streamEvent) bool { return e.Event == "error" }); !strings.Contains(e.Payload, `"status":400`) {
		t.Errorf("error message: %s", e.Payload)
	}
	time.Sleep(100 * time.Millisecond) // the subscription is read before the post is made
	postStatus(t, w.in, w.aliceTok, "first #streams")
	if e := next(t, c.events, "the hashtag update", is("update", "first")); strings.Join(e.Stream, ",") != "hashtag,streams" {
		t.Errorf("stream %v", e.Stream)
	}
	say(map[string]string{"type": "unsubscribe", "stream": "hashtag", "tag": "streams"})
	say(map[string]string{"type": "subscribe", "stream": "public:local"})
	time.Sleep(100 * time.Millisecond)
	postStatus(t, w.in, w.aliceTok, "second #streams")
	if e := next(t, c.events, "the local update", is("update", "second")); strings.Join(e.Stream, ",") != "public:local" {
		t.Errorf("stream %v, want public:local only", e.Stream)
	}
	postStatus(t, w.in, w.aliceTok, "third")
	next(t, c.events, "the third post", func(e streamEvent) bool {
		if strings.Contains(e.Payload, "second") {
			t.Errorf("the second post came twice (the hashtag stream was left): %v", e.Stream)
		}
		return strings.Contains(e.Payload, "third")
	})
	// One connection holds at most 100 streams: the 101st is refused, the rest stay.
	for i := range 100 {
		say(map[string]string{"type": "subscribe", "stream": "hashtag", "tag": "many" + strconv.Itoa(i)})
	}
	if e := next(t, c.events, "the refusal", func(e streamEvent) bool { return e.Event == "error" }); !strings.Contains(e.Payload, "at most 100") {
		t.Errorf("error message: %s", e.Payload)
	}
	postStatus(t, w.in, w.aliceTok, "still streaming #many5")
	next(t, c.events, "an update after the refusal", is("update", "still streaming"))
}

// TestStreamingRefused: who may open which stream, as Mastodon answers before the upgrade.
func TestStreamingRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	writeOnly := w.oauthToken(t, "bob", "write")
	notifications := w.oauthToken(t, "bob", "read:notifications")
	appOnly := w.oauthToken(t, "", "read")
	for _, c := range []struct {
		name  string
		query url.Values
		want  int
	}{
		{"no token", url.Values{"stream": {"user"}}, 401},
		{"bad token", url.Values{"stream": {"user"}, "access_token": {"nope"}}, 401},
		{"write scope only", url.Values{"stream": {"public"}, "access_token": {writeOnly}}, 403},
		{"notifications scope, user stream", url.Values{"stream": {"user"}, "access_token": {notifications}}, 403},
		{"notifications scope, its stream", url.Values{"stream": {"user:notification"}, "access_token": {notifications}}, 101},
		{"app token, user stream", url.Values{"stream": {"user"}, "access_token": {appOnly}}, 403},
		{"app token, public stream", url.Values{"stream": {"public"}, "access_token": {appOnly}}, 101},
		{"unknown stream", url.Values{"stream": {"everything"}, "access_token": {w.bobTok}}, 400},
		{"hashtag without tag", url.Values{"stream": {"hashtag"}, "access_token": {w.bobTok}}, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, resp, err := dialStream(t, w.in, c.query, nil)
			if resp == nil || resp.StatusCode != c.want {
				t.Fatalf("status %v (%v), want %d", resp, err, c.want)
			}
			if c.want == 101 {
				conn.conn.Close(websocket.StatusNormalClosure, "")
			}
		})
	}

	// The token in Sec-WebSocket-Protocol, as browser apps send it, is echoed back.
	c, resp, err := dialStream(t, w.in, url.Values{"stream": {"user"}}, &websocket.DialOptions{Subprotocols: []string{w.bobTok}})
	if err != nil {
		t.Fatalf("token as the protocol: %v %v", err, resp)
	}
	if c.conn.Subprotocol() != w.bobTok {
		t.Errorf("protocol %q not echoed", c.conn.Subprotocol())
	}
	// And in the Authorization header, as other apps send it.
	if _, resp, err := dialStream(t, w.in, url.Values{"stream": {"user"}},
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + w.bobTok}}}); err != nil {
		t.Fatalf("token in Authorization: %v %v", err, resp)
	}
}

// TestStreamingCaps: connections are capped per token and in all, answered 429. The API's
// rate limits are on, as they are by default, and do not get in the way of a token sent
// as the access_token parameter.
func TestStreamingCaps(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t, func(c *server.Config) {
		c.StreamConns, c.StreamConnsPerToken = 3, 2
		c.APILimits = httpx.MastodonLimits
	})
	alice, _ := in.Account("alice", false)
	bob, _ := in.Account("bob", false)
	carol, _ := in.Account("carol", false)
	for i, c := range []struct {
		token string
		want  int
	}{{alice, 101}, {alice, 101}, {alice, 429}, {bob, 101}, {carol, 429}} {
		_, resp, _ := dialStream(t, in, url.Values{"stream": {"public"}, "access_token": {c.token}}, nil)
		if resp == nil || resp.StatusCode != c.want {
			t.Errorf("connection %d: %v, want %d", i, resp, c.want)
		}
	}
}

// TestStreamingSlowClient: a client that never reads is dropped once its buffer is full,
// with a close that says why; the server keeps serving the others.
func TestStreamingSlowClient(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// A small receive buffer, set before connecting (so that the window is small from the
	// start), so that the server's writes stall soon.
	dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1024) })
		return errors.Join(err, serr)
	}}
	transport := &http.Transport{DialContext: dialer.DialContext}
	slow, resp, err := dialStream(t, w.in, url.Values{"stream": {"public:local"}, "access_token": {w.bobTok}},
		&websocket.DialOptions{HTTPClient: &http.Client{Transport: transport}})
	if err != nil {
		t.Fatalf("dial: %v %v", err, resp)
	}
	// Each post comes on many streams of the slow connection, which fills the kernel's
	// buffers (megabytes) with fewer posts.
	var tags []string
	for i := range 20 {
		tag := "slow" + strconv.Itoa(i)
		tags = append(tags, "#"+tag)
		for _, stream := range []string{"hashtag", "hashtag:local"} {
			b, _ := json.Marshal(map[string]string{"type": "subscribe", "stream": stream, "tag": tag})
			if err := slow.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	fine := mustStream(t, w.in, w.carolTok, url.Values{"stream": {"public:local"}})
	time.Sleep(200 * time.Millisecond) // the subscriptions are read before the posts are made
	const posts = 80
	long := strings.Join(tags, " ") + " " + strings.Repeat("filling ", 30)
	for i := range posts {
		postStatus(t, w.in, w.aliceTok, long+strings.Repeat("!", i%7))
	}
	// The fast client got every one.
	for i := range posts {
		next(t, fine.events, "post "+string(rune('0'+i%10)), func(e streamEvent) bool { return e.Event == "update" })
	}
	// The slow one, reading at last, finds its connection ended before the last.
	slow.read()
	got := 0
	for {
		select {
		case <-slow.events:
			got++
			continue
		case err := <-slow.ended:
			if got >= posts*41 {
				t.Errorf("the slow client got all %d messages", got)
			}
			var ce websocket.CloseError
			if errors.As(err, &ce) && ce.Code != websocket.StatusPolicyViolation {
				t.Errorf("closed with %v, want policy violation", ce)
			}
			t.Logf("slow client: %d of %d messages, then %v", got, posts*41, err)
		case <-time.After(streamWait):
			t.Fatalf("the slow client's connection stayed open (%d events)", got)
		}
		break
	}
	if status, body, _ := w.in.Do("GET", "/api/v1/streaming/health", "", nil); status != 200 || string(body) != "OK" {
		t.Errorf("health: %d %s", status, body)
	}
}

// sseClient reads a server-sent-events stream in the background.
func sseStream(t *testing.T, in *testrig.Instance, path, token string) (<-chan streamEvent, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", in.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan streamEvent, 256)
	if resp.StatusCode != 200 {
		resp.Body.Close()
		return events, resp
	}
	go func() {
		defer close(events)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var event string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, ":"):
				events <- streamEvent{Event: line}
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				events <- decoded(nil, event, strings.TrimPrefix(line, "data: "))
			}
		}
	}()
	return events, resp
}

// TestStreamingServerSentEvents: the same streams over server-sent events, in Mastodon's
// format; health answers OK; a bad token 401.
func TestStreamingServerSentEvents(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	user, resp := sseStream(t, w.in, "/api/v1/streaming/user", w.bobTok)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("user stream: %d %s", resp.StatusCode, ct)
	}
	tag, _ := sseStream(t, w.in, "/api/v1/streaming/hashtag/local?tag=sse", w.carolTok)
	notes, _ := sseStream(t, w.in, "/api/v1/streaming/user/notification", w.aliceTok)
	next(t, user, "the opening comment", func(e streamEvent) bool { return e.Event == ":)" })
	next(t, tag, "the opening comment", func(e streamEvent) bool { return e.Event == ":)" })
	next(t, notes, "the opening comment", func(e streamEvent) bool { return e.Event == ":)" })

	id := postStatus(t, w.in, w.aliceTok, "served as an event #sse")
	if e := next(t, user, "the update", is("update", "served as an event")); e.Entity["id"] != id {
		t.Errorf("update %v", e.Entity)
	}
	next(t, tag, "the hashtag update", is("update", "served as an event"))
	send(t, w.in, request{method: "POST", path: "/api/v1/statuses/" + id + "/favourite", token: w.bobTok})
	next(t, notes, "the notification", is("notification", `"favourite"`))
	send(t, w.in, request{method: "DELETE", path: "/api/v1/statuses/" + id, token: w.aliceTok})
	next(t, user, "the delete", func(e streamEvent) bool { return e.Event == "delete" && e.Payload == id })

	if _, resp := sseStream(t, w.in, "/api/v1/streaming/public", "bad"); resp.StatusCode != 401 {
		t.Errorf("bad token: %d", resp.StatusCode)
	}
	if _, resp := sseStream(t, w.in, "/api/v1/streaming/hashtag", w.bobTok); resp.StatusCode != 400 {
		t.Errorf("hashtag without tag: %d", resp.StatusCode)
	}
	if status, body, _ := w.in.Do("GET", "/api/v1/streaming/health", "", nil); status != 200 || string(body) != "OK" {
		t.Errorf("health: %d %s", status, body)
	}
}

// TestStreamingAcrossInstances: alice on A streams her user stream; bob's post on B arrives
// as an update, his like of her post as a notification, and his deleting his post as a
// delete of the id the update had.
func TestStreamingAcrossInstances(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	alice := mustStream(t, x.a, x.aliceTok, url.Values{"stream": {"user"}})
	bobsPost := postStatus(t, x.b, x.bobTok, "bob, live from B")
	up := next(t, alice.events, "bob's federated post", is("update", "bob, live from B"))
	onA, _ := up.Entity["id"].(string)

	// bob finds alice's post on B as an app does, by its address, and likes it.
	mine := postStatus(t, x.a, x.aliceTok, "alice's post for bob to like")
	_, v, _ := get(t, x.a, "/api/v1/statuses/"+mine, x.aliceTok)
	_, found, _ := get(t, x.b, "/api/v2/search?type=statuses&resolve=true&q="+url.QueryEscape(field(v, "uri")), x.bobTok)
	statuses, _ := found.(map[string]any)["statuses"].([]any)
	if len(statuses) != 1 {
		t.Fatalf("alice's post on B: %v", found)
	}
	if status, v := send(t, x.b, request{method: "POST", path: "/api/v1/statuses/" + idOf(statuses[0]) + "/favourite", token: x.bobTok}); status != 200 {
		t.Fatalf("favourite on B: %d %v", status, v)
	}
	n := next(t, alice.events, "the like's notification", is("notification", `"favourite"`))
	if acc, _ := n.Entity["account"].(map[string]any); acc["acct"] != "bob@"+x.b.Cfg.Domain {
		t.Errorf("notification from %v", n.Entity["account"])
	}

	if status, v := send(t, x.b, request{method: "DELETE", path: "/api/v1/statuses/" + bobsPost, token: x.bobTok}); status != 200 {
		t.Fatalf("delete on B: %d %v", status, v)
	}
	next(t, alice.events, "the delete of bob's post", func(e streamEvent) bool { return e.Event == "delete" && e.Payload == onA })
}

// TestStreamingShutdown: stopping the server closes every streaming connection at once, a
// WebSocket with 1001 (going away), and does not wait for them as for requests in flight.
func TestStreamingShutdown(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	token, _ := in.Account("alice", false)
	ws := mustStream(t, in, token, url.Values{"stream": {"public"}})
	sse, _ := sseStream(t, in, "/api/v1/streaming/public", token)
	next(t, sse, "the opening comment", func(e streamEvent) bool { return e.Event == ":)" })
	began := time.Now()
	in.Stop()
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("stopping took %v", took)
	}
	select {
	case err := <-ws.ended:
		if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
			t.Errorf("closed with %v (%v), want going away", code, err)
		}
	case <-time.After(streamWait):
		t.Fatal("the WebSocket stayed open")
	}
	select {
	case e, open := <-sse:
		if open {
			t.Errorf("an event after the stop: %+v", e)
		}
	case <-time.After(streamWait):
		t.Fatal("the event stream stayed open")
	}
}

// TestStreamingBurstInOrder: posts stored faster than they are rendered (several committing
// at once) all reach a user stream and the connection is kept; each writer's posts arrive in
// the order it wrote them. The hub renders a backlog several at a time but sends in event
// order, and never more at once than a connection's buffer takes.
func TestStreamingBurstInOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := mustStream(t, w.in, w.bobTok, url.Values{"stream": {"user"}})
	const writers, each = 4, 15
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for j := range each {
				w.in.PostNote("alice", w.aliceTok, map[string]any{"content": fmt.Sprintf("burst %d %d", i, j)})
			}
		})
	}
	wg.Wait()
	last := map[int]int{}
	for got := 0; got < writers*each; {
		select {
		case e := <-c.events:
			var i, j int
			if _, err := fmt.Sscanf(field(e.Entity, "content"), "<p>burst %d %d</p>", &i, &j); e.Event != "update" || err != nil {
				continue
			}
			if prev, seen := last[i]; seen && j <= prev {
				t.Fatalf("writer %d's post %d arrived after its post %d", i, j, prev)
			}
			last[i] = j
			got++
		case err := <-c.ended:
			t.Fatalf("the stream ended: %v", err)
		case <-time.After(20 * time.Second):
			t.Fatalf("not every update arrived: the last of each writer %v", last)
		}
	}
}

// TestStreamingEndsOnSuspension: the streaming connections a suspended (or deleted) account
// opened before end at once, a WebSocket with 1008 and Mastodon's reason; other accounts'
// stay open; and a new one is refused (403 while suspended; 401 once deleted, its token gone).
func TestStreamingEndsOnSuspension(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		end    func(in *testrig.Instance) error
		status int
	}{
		{"suspended", func(in *testrig.Instance) error {
			_, err := in.App.Outbox().Suspend(context.Background(), "alice")
			return err
		}, 403},
		{"deleted", func(in *testrig.Instance) error {
			_, err := in.App.Outbox().DeleteAccount(context.Background(), in.LocalActor("alice"))
			return err
		}, 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := testrig.Start(t)
			aliceTok, _ := in.Account("alice", false)
			bobTok, _ := in.Account("bob", false)
			alice := mustStream(t, in, aliceTok, url.Values{"stream": {"user"}})
			sse, _ := sseStream(t, in, "/api/v1/streaming/user", aliceTok)
			next(t, sse, "the opening comment", func(e streamEvent) bool { return e.Event == ":)" })
			bob := mustStream(t, in, bobTok, url.Values{"stream": {"public"}})
			if err := c.end(in); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-alice.ended:
				if code := websocket.CloseStatus(err); code != websocket.StatusPolicyViolation || !strings.Contains(err.Error(), "Your login is currently disabled") {
					t.Errorf("closed with %v (%v), want a policy violation", code, err)
				}
			case <-time.After(streamWait):
				t.Fatal("the account's WebSocket stayed open")
			}
			select {
			case e, open := <-sse:
				if open {
					t.Errorf("an event after the account was %s: %+v", c.name, e)
				}
			case <-time.After(streamWait):
				t.Fatal("the account's event stream stayed open")
			}
			postStatus(t, in, bobTok, "bob goes on")
			next(t, bob.events, "bob's post on his stream", is("update", "bob goes on"))
			if _, resp, err := dialStream(t, in, url.Values{"access_token": {aliceTok}, "stream": {"user"}}, nil); err == nil || resp == nil || resp.StatusCode != c.status {
				t.Errorf("a new connection of the %s account: %v %v", c.name, resp, err)
			}
		})
	}
}

// TestStreamingFiltersChanged: bob's user stream says filters_changed, with no payload,
// once for each request that changes his keyword filters (a filter made with two keywords
// is one change), as Mastodon tells apps to read their filters again; a refused change
// says nothing, and carol's user stream hears nothing of bob's filters.
func TestStreamingFiltersChanged(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bob := mustStream(t, w.in, w.bobTok, url.Values{"stream": {"user"}})
	carol := mustStream(t, w.in, w.carolTok, url.Values{"stream": {"user"}})

	// changes counts the filters_changed that req brings before the post that follows it.
	marks := 0
	changes := func(events <-chan streamEvent, token string, req request, wantStatus int) (int, any) {
		t.Helper()
		status, v := send(t, w.in, req)
		if status != wantStatus {
			t.Fatalf("%s %s: %d %v, want %d", req.method, req.path, status, v, wantStatus)
		}
		marks++
		mark := fmt.Sprintf("mark %d", marks)
		postStatus(t, w.in, token, mark)
		n := 0
		next(t, events, mark, func(e streamEvent) bool {
			if e.Event == "filters_changed" {
				n++
				if e.Payload != "" || strings.Join(e.Stream, ",") != "user" {
					t.Errorf("filters_changed: %+v, want no payload on stream user", e)
				}
			}
			return e.Event == "update" && strings.Contains(e.Payload, mark)
		})
		return n, v
	}
	n, v := changes(bob.events, w.bobTok, request{method: "POST", path: "/api/v2/filters", token: w.bobTok, body: url.Values{
		"title": {"Spoilers"}, "context[]": {"home"}, "keywords_attributes[][keyword]": {"finale", "ending"}}}, 200)
	if n != 1 {
		t.Errorf("a filter made with two keywords: %d filters_changed, want 1", n)
	}
	filter := "/api/v2/filters/" + idOf(v)
	_, kw, _ := get(t, w.in, filter+"/keywords", w.bobTok)
	keyword := "/api/v2/filters/keywords/" + idOf(kw.([]any)[0])
	for _, c := range []struct {
		name   string
		req    request
		status int
		want   int
	}{
		{"change the filter", request{method: "PUT", path: filter, token: w.bobTok, body: url.Values{"filter_action": {"hide"}}}, 200, 1},
		{"a refused change", request{method: "PUT", path: filter, token: w.bobTok, body: url.Values{"filter_action": {"shout"}}}, 422, 0},
		{"add a keyword", request{method: "POST", path: filter + "/keywords", token: w.bobTok, body: url.Values{"keyword": {"reveal"}}}, 200, 1},
		{"change a keyword", request{method: "PUT", path: keyword, token: w.bobTok, body: url.Values{"keyword": {"finales"}}}, 200, 1},
		{"delete a keyword", request{method: "DELETE", path: keyword, token: w.bobTok}, 200, 1},
		{"delete the filter", request{method: "DELETE", path: filter, token: w.bobTok}, 200, 1},
		{"delete it again", request{method: "DELETE", path: filter, token: w.bobTok}, 404, 0},
		{"a v1 filter", request{method: "POST", path: "/api/v1/filters", token: w.bobTok, body: url.Values{"phrase": {"x"}, "context[]": {"home"}}}, 200, 1},
	} {
		if n, _ := changes(bob.events, w.bobTok, c.req, c.status); n != c.want {
			t.Errorf("%s: %d filters_changed, want %d", c.name, n, c.want)
		}
	}
	if n, _ := changes(carol.events, w.carolTok, request{method: "POST", path: "/api/v2/filters", token: w.bobTok,
		body: url.Values{"title": {"Bob's"}, "context[]": {"home"}}}, 200); n != 0 {
		t.Errorf("carol's stream: %d filters_changed of bob's, want none", n)
	}
}
