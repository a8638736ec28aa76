package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// inboxScenario is scenario 1: signed Create{Note} deliveries from remote actors that the
// local account follows, to the shared inbox, as fast as they are accepted.
type inboxScenario struct {
	e      *env
	actors []*remoteActor
}

// inboxRun is what one run measured.
type inboxRun struct {
	sent, accepted, refused, failed int
	stored, inFeed                  int
	elapsed                         time.Duration
	lat                             latencies
	peakMiB                         float64
	cpu                             *cpuMeter
	pg                              pgObs
}

// setupInbox starts the remote hosts (each actor with a key of its own) and has the
// inbox account follow every actor, the whole real way: Follow out, Accept back.
func setupInbox(ctx context.Context, e *env) (*inboxScenario, error) {
	s := &inboxScenario{e: e}
	per := e.cfg.inboxActors / e.cfg.inboxHosts
	names := make([][]string, e.cfg.inboxHosts)
	for h := range names {
		for i := range per {
			names[h] = append(names[h], fmt.Sprintf("writer%d", i))
		}
	}
	var err error
	s.actors, err = followedHosts(ctx, e, names, func(int) string { return "127.0.0.1:0" },
		func(h, i int) *rsaKey { return e.keys[(h*per+i)%len(e.keys)] })
	if err != nil {
		return nil, err
	}
	return s, nil
}

// followedHosts starts a fake host for each list of actor names, listening on listen(h),
// the i-th actor of host h signing with keyFor(h, i), and has the inbox account follow
// every actor on them.
func followedHosts(ctx context.Context, e *env, names [][]string, listen func(h int) string, keyFor func(h, i int) *rsaKey) ([]*remoteActor, error) {
	var actors []*remoteActor
	for h, list := range names {
		host, err := e.fleet.addHost(listen(h), list, func(i int) *rsaKey { return keyFor(h, i) })
		if err != nil {
			return nil, err
		}
		for _, n := range list {
			actors = append(actors, host.actors[n])
		}
	}
	if err := follow(ctx, e, e.alice, actors); err != nil {
		return nil, err
	}
	return actors, nil
}

// follow makes account follow each actor through the outbox and answers every Follow
// that arrives with a signed Accept, then checks the following count.
func follow(ctx context.Context, e *env, who account, actors []*remoteActor) error {
	for _, a := range actors {
		if _, err := postOutbox(ctx, e.client, e.srv.base, who, map[string]any{"type": "Follow", "object": a.URI}); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, a := range actors {
		var followID string
		for followID = a.host.followID(a.URI); followID == ""; followID = a.host.followID(a.URI) {
			if time.Now().After(deadline) {
				return fmt.Errorf("the Follow of %s never arrived", a.URI)
			}
			time.Sleep(10 * time.Millisecond)
		}
		body := activityJSON(map[string]any{"id": a.URI + "/accepts/" + e.nonce, "type": "Accept",
			"actor": a.URI, "object": followID})
		p, err := signPost(e.srv.uris().Inbox(who.name), body, a)
		if err != nil {
			return err
		}
		if st, err := p.send(ctx, e.client); err != nil || st != http.StatusAccepted {
			return fmt.Errorf("accept from %s: status %d %v", a.URI, st, err)
		}
	}
	n, err := totalItems(ctx, e.client, e.srv.uris().Following(who.name))
	if err != nil {
		return err
	}
	if n < len(actors) {
		return fmt.Errorf("%s follows %d accounts, want %d", who.name, n, len(actors))
	}
	return nil
}

// run signs count deliveries first, then sends them from conc connections and measures.
func (s *inboxScenario) run(ctx context.Context, r int) (*inboxRun, error) {
	e := s.e
	count := e.cfg.inboxCount
	prefix := fmt.Sprintf("%s-%d-", e.nonce, r)
	now := time.Now()
	posts, err := signAll(count, func(i int) (string, []byte, *remoteActor) {
		a := s.actors[i%len(s.actors)]
		return e.srv.uris().SharedInbox(), createNote(a, fmt.Sprintf("%s%d", prefix, i), now), a
	})
	if err != nil {
		return nil, err
	}
	e.logf("  run %d: signed %d deliveries in %.1fs; sending", r+1, count, time.Since(now).Seconds())
	notesBefore, feedBefore, err := e.countStored(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.limit)
	defer cancel()
	e.resetPeak()
	res := &inboxRun{sent: count}
	watch := e.watchPG(ctx)
	meter := e.startCPU()
	d := deliver(ctx, e.client, posts, e.cfg.inboxConc)
	res.accepted, res.refused, res.failed = d.accepted, d.refused, d.failed
	res.lat, res.elapsed = d.lat, d.elapsed
	res.cpu = meter.stop()
	res.pg = watch.end()
	res.peakMiB = e.peakMiB()
	notesAfter, feedAfter, err := e.countStored(ctx)
	if err != nil {
		return nil, err
	}
	res.stored, res.inFeed = notesAfter-notesBefore, feedAfter-feedBefore
	if notesAfter < 0 {
		res.stored, res.inFeed = -1, -1 // no data folder to check (--target without --data)
	}
	return res, nil
}

// delivered is what sending a batch of signed deliveries came to.
type delivered struct {
	accepted, refused, failed int
	lat                       latencies
	answered                  []time.Time // when each delivery was accepted; zero for the others
	elapsed                   time.Duration
}

// deliver sends posts from conc connections, each taking the next one not yet sent, until
// all are sent or ctx ends.
func deliver(ctx context.Context, c *http.Client, posts []*signedPost, conc int) *delivered {
	d := &delivered{answered: make([]time.Time, len(posts))}
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	begin := time.Now()
	for range conc {
		wg.Go(func() {
			var lat latencies
			var ok, refused, failed int
			for i := int(next.Add(1) - 1); i < len(posts) && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				t0 := time.Now()
				st, err := posts[i].send(ctx, c)
				t1 := time.Now()
				lat = append(lat, t1.Sub(t0))
				switch {
				case err != nil:
					failed++
				case st == http.StatusAccepted:
					ok++
					d.answered[i] = t1 // each index is written by one goroutine only
				default:
					refused++
				}
			}
			mu.Lock()
			d.lat, d.accepted = append(d.lat, lat...), d.accepted+ok
			d.refused, d.failed = d.refused+refused, d.failed+failed
			mu.Unlock()
		})
	}
	wg.Wait()
	d.elapsed = time.Since(begin)
	return d
}

// perSecond is accepted deliveries a second.
func (r *inboxRun) perSecond() float64 { return float64(r.accepted) / r.elapsed.Seconds() }

// cpuPer is Refuge's CPU time per accepted delivery, in microseconds.
func (r *inboxRun) cpuPer() float64 {
	return float64(r.cpu.refuge.Microseconds()) / float64(max(1, r.accepted))
}

// dbCPUPer is PostgreSQL's CPU time per accepted delivery, in microseconds.
func (r *inboxRun) dbCPUPer() float64 {
	return float64(r.cpu.db.Microseconds()) / float64(max(1, r.accepted))
}

func (r *inboxRun) String() string {
	return fmt.Sprintf("%d sent, %d accepted (202), %d refused, %d failed in %.2fs = %.0f/s; stored %d notes, %d feed rows; p50 %.2f ms p99 %.2f ms; peak RSS %.1f MiB; %s = %.0f µs a delivery%s",
		r.sent, r.accepted, r.refused, r.failed, r.elapsed.Seconds(), r.perSecond(), r.stored, r.inFeed,
		ms(r.lat.pct(50)), ms(r.lat.pct(99)), r.peakMiB, r.cpu, r.cpuPer(), r.pg)
}
