package main

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// fanoutScenario is scenario 2: one public post by an account whose followers live on many
// remote hosts, each with a shared inbox.
type fanoutScenario struct {
	e       *env
	target  string // the local actor followed: the author, or the group
	hosts   []*remoteHost
	actors  []*remoteActor
	arrived sync.Map // activity id → *arrivals
	accepts atomic.Int64
	// announced counts the Announces of the group scenario's current run.
	announced atomic.Pointer[arrivals]
}

// arrivals counts the POSTs of one activity and when the last one came.
type arrivals struct {
	n, last atomic.Int64
	hosts   sync.Map // host name → struct{}
	wrong   atomic.Int64
}

type fanoutRun struct {
	elapsed           time.Duration
	hosts, signatures int
	duplicates        int
	wrongInbox        int
	invalid           int64
	peakMiB           float64
	cpu               *cpuMeter
	pg                pgObs
}

// setupFanout starts the follower hosts and has every follower follow target (a local
// actor's name) with a signed Follow to its inbox, as a remote server would; Refuge fetches
// each follower's key and answers with an Accept, which the hosts verify and count.
func setupFanout(ctx context.Context, e *env, target string, followers, hosts int) (*fanoutScenario, error) {
	s := &fanoutScenario{e: e, target: target}
	hook := func(h *remoteHost, id, typ, path string, at time.Time) {
		switch typ {
		case "Accept":
			s.accepts.Add(1)
		case "Create":
			v, _ := s.arrived.LoadOrStore(id, &arrivals{})
			v.(*arrivals).add(h, path, at)
		case "Announce":
			if a := s.announced.Load(); a != nil {
				a.add(h, path, at)
			}
		}
	}
	e.fleet.onPost.Store(&hook)
	per := followers / hosts
	for h := range hosts {
		names := make([]string, per)
		for i := range names {
			names[i] = fmt.Sprintf("reader%d", i)
		}
		// One key per host, shared by its actors, from the cached pool: generating 10,000
		// RSA keys would take minutes and verifying costs the same with any key.
		key := e.keys[h%len(e.keys)]
		host, err := e.fleet.addHost("127.0.0.1:0", names, func(int) *rsaKey { return key })
		if err != nil {
			return nil, err
		}
		s.hosts = append(s.hosts, host)
		for _, n := range names {
			s.actors = append(s.actors, host.actors[n])
		}
	}
	begin := time.Now()
	if err := s.follow(ctx); err != nil {
		return nil, err
	}
	for s.accepts.Load() < int64(len(s.actors)) {
		if time.Since(begin) > 4*e.cfg.limit {
			return nil, fmt.Errorf("only %d of %d Accepts arrived", s.accepts.Load(), len(s.actors))
		}
		time.Sleep(20 * time.Millisecond)
	}
	n, err := totalItems(ctx, e.client, e.srv.uris().Followers(target))
	if err != nil {
		return nil, err
	}
	if n != len(s.actors) {
		return nil, fmt.Errorf("%s has %d followers, want %d", target, n, len(s.actors))
	}
	e.logf("  setup: %d followers on %d hosts followed %s, all Accepts received, in %.1fs",
		len(s.actors), len(s.hosts), target, time.Since(begin).Seconds())
	return s, nil
}

// add counts one POST that arrived at h's path at at.
func (a *arrivals) add(h *remoteHost, path string, at time.Time) {
	a.n.Add(1)
	if _, dup := a.hosts.LoadOrStore(h.name, struct{}{}); !dup && path != "/inbox" {
		a.wrong.Add(1)
	}
	for t := at.UnixNano(); ; {
		old := a.last.Load()
		if t <= old || a.last.CompareAndSwap(old, t) {
			break
		}
	}
}

// followConc is how many Follows are in flight at once during the setup.
const followConc = 32

// follow sends every follower's signed Follow from a few connections, retrying what is
// answered 429 or 503 (a flood of new actors is what rate limits are for).
func (s *fanoutScenario) follow(ctx context.Context) error {
	e := s.e
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	inbox := e.srv.uris().Inbox(s.target)
	bobURI := e.srv.uris().Actor(s.target)
	for range followConc {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(s.actors) && failed.Load() == nil; i = int(next.Add(1) - 1) {
				a := s.actors[i]
				body := activityJSON(map[string]any{"id": a.URI + "/follows/" + e.nonce, "type": "Follow",
					"actor": a.URI, "object": bobURI})
				if err := sendRetrying(ctx, e, inbox, body, a); err != nil {
					failed.Store(&err)
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return *err
	}
	return nil
}

// sendRetrying signs and sends one delivery, again after a pause when told to slow down.
func sendRetrying(ctx context.Context, e *env, url string, body []byte, a *remoteActor) error {
	for attempt := 0; ; attempt++ {
		p, err := signPost(url, body, a)
		if err != nil {
			return err
		}
		st, err := p.send(ctx, e.client)
		if err == nil && st == http.StatusAccepted {
			return nil
		}
		if attempt == 5 || (err == nil && st != http.StatusTooManyRequests && st != http.StatusServiceUnavailable) {
			return fmt.Errorf("deliver to %s as %s: status %d %v", url, a.URI, st, err)
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
}

// run posts one public note and waits until every host has it.
func (s *fanoutScenario) run(ctx context.Context, r int) (*fanoutRun, error) {
	e := s.e
	e.resetPeak()
	_, _, invalidBefore := e.fleet.totals()
	watch := e.watchPG(ctx)
	meter := e.startCPU()
	begin := time.Now()
	loc, err := postOutbox(ctx, e.client, e.srv.base, e.bob, map[string]any{"type": "Note",
		"content": fmt.Sprintf("Fan-out %d of load run %s: hello, %d followers!", r, e.nonce, len(s.actors))})
	if err != nil {
		return nil, err
	}
	v, _ := s.arrived.LoadOrStore(loc, &arrivals{})
	a := v.(*arrivals)
	for a.n.Load() < int64(len(s.hosts)) {
		if time.Since(begin) > e.cfg.limit {
			return nil, fmt.Errorf("after %s only %d of %d hosts received %s", e.cfg.limit, a.n.Load(), len(s.hosts), loc)
		}
		time.Sleep(2 * time.Millisecond)
	}
	res := &fanoutRun{elapsed: time.Unix(0, a.last.Load()).Sub(begin), cpu: meter.stop(), pg: watch.end()}
	res.peakMiB = e.peakMiB()
	time.Sleep(time.Second) // anything sent twice would arrive now
	for _, h := range s.hosts {
		if n := h.received(loc); n > 0 {
			res.hosts++
			res.duplicates += n - 1
		}
	}
	res.signatures = int(a.n.Load())
	res.wrongInbox = int(a.wrong.Load())
	_, _, invalidAfter := e.fleet.totals()
	res.invalid = invalidAfter - invalidBefore
	return res, nil
}

func (r *fanoutRun) String() string {
	return fmt.Sprintf("last delivery %.0f ms after the POST; %d hosts got it, %d valid signatures, %d duplicates, %d invalid, %d not to the shared inbox; peak RSS %.1f MiB; %s%s",
		ms(r.elapsed), r.hosts, r.signatures, r.duplicates, r.invalid, r.wrongInbox, r.peakMiB, r.cpu, r.pg)
}

// signingFloor is the least a fan-out of n signed deliveries can take on this machine: the
// time to make n RSA-2048 signatures (PKCS #1 v1.5 over SHA-256, what every delivery's HTTP
// signature costs) with every core at it, measured in the same run as the fan-out so that
// the two compare on one machine at one moment.
func signingFloor(key *rsaKey, n int) time.Duration {
	cores := runtime.GOMAXPROCS(0)
	var next atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for range cores {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				sum := sha256.Sum256([]byte(fmt.Sprintf("(request-target): post /inbox\ndate: %d", i)))
				rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
			}
		})
	}
	wg.Wait()
	return time.Since(begin)
}
