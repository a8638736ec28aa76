package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pagesScenario is scenario 3: anonymous readers of a profile page with 20 posts and of
// one post's page.
type pagesScenario struct {
	e       *env
	profile string
	note    string
}

type pagesRun struct {
	ok, bad int
	bytes   int64
	elapsed time.Duration
	lat     latencies
	cpu     *cpuMeter
}

// setupPages has the account write 20 posts (a mention-free mix of links and hashtags).
func setupPages(ctx context.Context, e *env) (*pagesScenario, error) {
	s := &pagesScenario{e: e, profile: e.srv.uris().Profile(e.alice.name)}
	for i := range 20 {
		loc, err := postOutbox(ctx, e.client, e.srv.base, e.alice, map[string]any{"type": "Note",
			"content": fmt.Sprintf("Post %d of the pages scenario: reading https://example.com/article/%d today. #load #post%d", i, i, i)})
		if err != nil {
			return nil, err
		}
		s.note = strings.TrimSuffix(loc, "/activity")
	}
	for _, u := range []string{s.profile, s.note} {
		if r := s.get(ctx, fixed(u), 1, 200*time.Millisecond); r.ok == 0 {
			return nil, fmt.Errorf("GET %s: no 200 answer", u)
		}
	}
	return s, nil
}

// fixed is one URL, every time.
func fixed(url string) func() string { return func() string { return url } }

// uncached is url with a query parameter Refuge ignores but its page caches do not: every
// request builds the page anew, as the first reader after a write does.
func uncached(url string) func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprintf("%s?load=%d", url, n.Add(1)) }
}

// get reads the URLs urlFor gives from conc connections for d and measures.
func (s *pagesScenario) get(ctx context.Context, urlFor func() string, conc int, d time.Duration) *pagesRun {
	return readLoad(ctx, s.e, s.e.startCPU, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, urlFor(), nil)
		if req != nil {
			req.Header.Set("Accept", "text/html,application/xhtml+xml")
		}
		return req, err
	}, conc, d)
}

// readLoad sends the requests newReq makes from conc connections for d (at most the run's
// pagesMax in all) and measures them, with the CPU of the processes meter watches.
func readLoad(ctx context.Context, e *env, meter func() *cpuMeter, newReq func(context.Context) (*http.Request, error), conc int, d time.Duration) *pagesRun {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	res := &pagesRun{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var total atomic.Int64
	m := meter()
	begin := time.Now()
	for range conc {
		wg.Go(func() {
			var lat latencies
			var ok, bad int
			var n int64
			for ctx.Err() == nil && total.Add(1) <= int64(e.cfg.pagesMax) {
				t0 := time.Now()
				st, size, err := fetch(ctx, e.client, newReq)
				if ctx.Err() != nil && err != nil {
					break // the time is up; this one does not count
				}
				lat = append(lat, time.Since(t0))
				if err == nil && st == http.StatusOK {
					ok, n = ok+1, n+size
				} else {
					bad++
				}
			}
			mu.Lock()
			res.lat, res.ok, res.bad, res.bytes = append(res.lat, lat...), res.ok+ok, res.bad+bad, res.bytes+n
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(begin)
	res.cpu = m.stop()
	return res
}

// fetch sends one request and reads its whole answer.
func fetch(ctx context.Context, c *http.Client, newReq func(context.Context) (*http.Request, error)) (int, int64, error) {
	req, err := newReq(ctx)
	if err != nil {
		return 0, 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, n, err
}

func (r *pagesRun) perSecond() float64 { return float64(r.ok) / r.elapsed.Seconds() }

// cpuPer is the CPU time per page of Refuge and of PostgreSQL, in microseconds.
func (r *pagesRun) cpuPer() (refuge, db float64) {
	n := float64(max(1, r.ok))
	return float64(r.cpu.refuge.Microseconds()) / n, float64(r.cpu.db.Microseconds()) / n
}

func (r *pagesRun) String() string {
	size := int64(0)
	if r.ok > 0 {
		size = r.bytes / int64(r.ok)
	}
	return fmt.Sprintf("%d pages (%d bytes each) in %.2fs = %.0f/s, %d not 200; p50 %.2f ms p99 %.2f ms; %s",
		r.ok, size, r.elapsed.Seconds(), r.perSecond(), r.bad, ms(r.lat.pct(50)), ms(r.lat.pct(99)), r.cpu)
}
