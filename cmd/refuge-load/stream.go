package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Scenario 7: the streaming API. An app of the inbox account holds the user stream open while
// the remote actors it follows deliver signed posts to the shared inbox: the time from each
// delivery's 202 to its `update` event on the stream. Then a thousand idle connections: the
// memory each costs, and whether all of them still hear a new post.

const (
	streamPosts     = 1000 // deliveries timed in a run
	streamSenders   = 8    // connections they are sent from, as fast as they are accepted
	streamSteady    = 50   // deliveries a second in the steady runs, one at a time
	streamIdleConns = 1000
)

// streamClient is one open stream: when each post's update arrived, by the post's URI.
type streamClient struct {
	conn *websocket.Conn
	mu   sync.Mutex
	seen map[string]time.Time
	n    atomic.Int64
}

// dialStream opens the user stream of token on the instance.
func dialStream(ctx context.Context, e *env, token string) (*streamClient, error) {
	u := strings.Replace(e.srv.base, "http://", "ws://", 1) + "/api/v1/streaming?" +
		url.Values{"stream": {"user"}, "access_token": {token}}.Encode()
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, u, nil)
	if err != nil {
		return nil, fmt.Errorf("open the user stream: %w", err)
	}
	c := &streamClient{conn: conn, seen: map[string]time.Time{}}
	go c.read(ctx)
	return c, nil
}

// read records the arrival of every update until the connection ends.
func (c *streamClient) read(ctx context.Context) {
	for {
		_, data, err := c.conn.Read(ctx)
		if err != nil {
			return
		}
		at := time.Now()
		var ev struct {
			Event   string `json:"event"`
			Payload string `json:"payload"`
		}
		if json.Unmarshal(data, &ev) != nil || ev.Event != "update" {
			continue
		}
		var st struct {
			URI string `json:"uri"`
		}
		if json.Unmarshal([]byte(ev.Payload), &st) != nil {
			continue
		}
		c.mu.Lock()
		c.seen[st.URI] = at
		c.mu.Unlock()
		c.n.Add(1)
	}
}

func (c *streamClient) arrival(uri string) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.seen[uri]
	return t, ok
}

func runStreamScenario(ctx context.Context, e *env, rep *report) error {
	if err := e.ensureStarted(ctx); err != nil {
		return err
	}
	s, err := setupInbox(ctx, e)
	if err != nil {
		return err
	}
	for _, load := range []struct {
		name    string
		senders int
		every   time.Duration
	}{
		{fmt.Sprintf("%d/s, one at a time", streamSteady), 1, time.Second / streamSteady},
		{fmt.Sprintf("a burst from %d senders", streamSenders), streamSenders, 0},
	} {
		var p50, p99, lost []float64
		for r := range e.cfg.runs {
			lat, missing, err := s.timeStream(ctx, fmt.Sprintf("%d-%d", load.senders, r), load.senders, load.every)
			if err != nil {
				return err
			}
			e.logf("  202 → update, %s, run %d: %d posts, p50 %.2f ms, p99 %.2f ms, %d never arrived",
				load.name, r+1, len(lat), ms(lat.pct(50)), ms(lat.pct(99)), missing)
			p50, p99, lost = append(p50, ms(lat.pct(50))), append(p99, ms(lat.pct(99))), append(lost, float64(missing))
		}
		rep.add("stream", "federated post's 202 → its update on the user stream, "+load.name+", p99", "ms", p99, "≤ 200", atMost(200))
		rep.add("stream", "federated post's 202 → its update, "+load.name+", p50", "ms", p50, "", nil)
		rep.add("stream", "posts whose update never arrived, "+load.name, "", lost, "0", atMost(0))
	}
	per, heard, err := s.idle(ctx)
	if err != nil {
		return err
	}
	rep.add("stream", fmt.Sprintf("memory per idle connection (%d held)", streamIdleConns), "KiB", []float64{per}, "", nil)
	rep.add("stream", fmt.Sprintf("idle connections that heard the next post (of %d)", streamIdleConns), "", []float64{float64(heard)},
		fmt.Sprint(streamIdleConns), atLeast(streamIdleConns))
	return nil
}

// timeStream sends streamPosts signed posts from senders connections (each waiting every
// between two, when not 0) with the user stream open, and times each from its 202 to its
// update.
func (s *inboxScenario) timeStream(ctx context.Context, run string, senders int, every time.Duration) (latencies, int, error) {
	e := s.e
	c, err := dialStream(ctx, e, e.alice.token)
	if err != nil {
		return nil, 0, err
	}
	defer c.conn.Close(websocket.StatusNormalClosure, "")
	prefix := fmt.Sprintf("%s-stream-%s-", e.nonce, run)
	now := time.Now()
	uris := make([]string, streamPosts)
	posts, err := signAll(streamPosts, func(i int) (string, []byte, *remoteActor) {
		a := s.actors[i%len(s.actors)]
		uris[i] = a.URI + "/statuses/" + prefix + fmt.Sprint(i)
		return e.srv.uris().SharedInbox(), createNote(a, prefix+fmt.Sprint(i), now), a
	})
	if err != nil {
		return nil, 0, err
	}
	accepted := make([]time.Time, streamPosts)
	ctx, cancel := context.WithTimeout(ctx, e.cfg.limit)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < streamPosts && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				if st, err := posts[i].send(ctx, e.client); err == nil && st == http.StatusAccepted {
					accepted[i] = time.Now()
				}
				time.Sleep(every)
			}
		})
	}
	wg.Wait()
	// Wait for the stragglers, a little.
	deadline := time.Now().Add(5 * time.Second)
	for c.n.Load() < streamPosts && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	var lat latencies
	missing := 0
	for i, uri := range uris {
		if accepted[i].IsZero() {
			return nil, 0, fmt.Errorf("delivery %d was not accepted", i)
		}
		at, ok := c.arrival(uri)
		if !ok {
			missing++
			continue
		}
		// An update may come before the sender has read its 202: that is no time at all.
		lat = append(lat, max(0, at.Sub(accepted[i])))
	}
	return lat, missing, nil
}

// idle holds streamIdleConns user streams open and measures the process's memory before and
// after, then sends one post and counts the connections it reaches.
func (s *inboxScenario) idle(ctx context.Context) (perKiB float64, heard int, err error) {
	e := s.e
	runtimeSettle := func() { time.Sleep(2 * time.Second) }
	runtimeSettle()
	before, _ := e.srv.memory()
	conns := make([]*streamClient, 0, streamIdleConns)
	defer func() {
		for _, c := range conns {
			c.conn.Close(websocket.StatusNormalClosure, "")
		}
	}()
	for range streamIdleConns {
		c, err := dialStream(ctx, e, e.alice.token)
		if err != nil {
			return 0, 0, fmt.Errorf("after %d connections: %w", len(conns), err)
		}
		conns = append(conns, c)
	}
	runtimeSettle()
	after, _ := e.srv.memory()
	perKiB = (after - before) * 1024 / streamIdleConns
	e.logf("  %d idle streams: resident %.1f → %.1f MiB, %.1f KiB each", streamIdleConns, before, after, perKiB)
	a := s.actors[0]
	id := e.nonce + "-stream-idle"
	p, err := signPost(e.srv.uris().SharedInbox(), createNote(a, id, time.Now()), a)
	if err != nil {
		return 0, 0, err
	}
	if st, err := p.send(ctx, e.client); err != nil || st != http.StatusAccepted {
		return 0, 0, fmt.Errorf("the post to the idle streams: status %d %v", st, err)
	}
	uri := a.URI + "/statuses/" + id
	deadline := time.Now().Add(10 * time.Second)
	for {
		heard = 0
		for _, c := range conns {
			if _, ok := c.arrival(uri); ok {
				heard++
			}
		}
		if heard == len(conns) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.logf("  %d of %d idle streams heard the next post", heard, len(conns))
	return perKiB, heard, nil
}
