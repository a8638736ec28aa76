package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"refuge/federation/uris"
	"refuge/internal/testrig/peer"
)

// Scenario get (issue 15): the small documents every remote server asks for, a signed-in
// reader's page and the client API's home timeline, each read by the same client at the
// same concurrency as a bare net/http handler writing a fixed 1 KiB body — the practical
// ceiling of this machine — so that each path's rate is also a fraction of that ceiling,
// comparable across machines. It runs on the instance the other scenarios use, after its
// account has written -get-posts notes, and on a copy of the storage scenario's million-note
// database (-get-seeded).

// ceilingEnv, when set, makes this program the bare handler instead of the load tool.
const ceilingEnv = "REFUGE_LOAD_CEILING"

// ceilingBody is what the bare handler answers: 1 KiB of text.
var ceilingBody = []byte(strings.Repeat("0123456789abcdef", 64))

// serveCeiling is the bare handler's process: it prints its address and serves until its
// standard input closes (the load tool stopped or died).
func serveCeiling() error {
	addr, err := freePort()
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write(ceilingBody)
		})}
	go func() {
		io.Copy(io.Discard, os.Stdin)
		srv.Close()
	}()
	go func() {
		// Printed once the port answers, so the tool need not poll.
		for {
			if resp, err := http.Get("http://" + addr + "/"); err == nil {
				resp.Body.Close()
				fmt.Println(addr)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// ceiling is the bare handler, in a process of its own as Refuge is.
type ceiling struct {
	cmd   *exec.Cmd
	stdin io.Closer
	base  string
}

func startCeiling() (*ceiling, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), ceilingEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &ceiling{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("the bare handler did not start: %w", err)
	}
	c.base = "http://" + strings.TrimSpace(line)
	return c, nil
}

func (c *ceiling) stop() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

// getPath is one path measured: how to make its request.
type getPath struct {
	name   string
	newReq func(ctx context.Context) (*http.Request, error)
}

// getRequest makes GET requests of one URL with the given headers.
func getRequest(url string, header ...string) func(context.Context) (*http.Request, error) {
	return getRequests(fixed(url), header...)
}

// getRequests makes GET requests of the URLs urlFor gives, with the given headers.
func getRequests(urlFor func() string, header ...string) func(context.Context) (*http.Request, error) {
	return func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, urlFor(), nil)
		for i := 0; req != nil && i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		return req, err
	}
}

// getSetup is what the paths of one instance need: who reads and what.
type getSetup struct {
	srv        *server
	self       uris.Local // the instance's own URIs (https://refuge.example for the seed)
	name       string     // the account whose documents are read
	note       string     // id of one of its public notes
	token      string     // its API token
	session    string     // a web session cookie of another local account
	signed     [][]string // pre-signed headers of GETs of the actor, taken in turn
	signedNext atomic.Int64
}

// paths lists every path measured, in the order of the table.
func (g *getSetup) paths() []getPath {
	at := uris.New(g.srv.base) // the same paths, at the loopback address
	actor := at.Actor(g.name)
	const ap = "application/activity+json"
	resource := url.QueryEscape("acct:" + g.name + "@" + g.srv.domain)
	return []getPath{
		{"WebFinger", getRequest(g.srv.base+"/.well-known/webfinger?resource="+resource, "Accept", "application/jrd+json")},
		{"host-meta", getRequest(g.srv.base + "/.well-known/host-meta")},
		{"NodeInfo 2.0", getRequest(at.NodeInfo("2.0"), "Accept", "application/json")},
		{"NodeInfo 2.1", getRequest(at.NodeInfo("2.1"), "Accept", "application/json")},
		{"actor, unsigned GET", getRequest(actor, "Accept", ap)},
		{"actor, signed GET", g.signedGet},
		{"instance actor", getRequest(at.InstanceActor(), "Accept", ap)},
		{"note", getRequest(at.Note(g.name, g.note), "Accept", ap)},
		{"outbox (collection)", getRequest(at.Outbox(g.name), "Accept", ap)},
		{"followers (collection)", getRequest(at.Followers(g.name), "Accept", ap)},
		{"profile page, anonymous (cached)", getRequest(at.Profile(g.name), "Accept", "text/html")},
		{"profile page, signed-in reader (kept)", getRequest(at.Profile(g.name), "Accept", "text/html",
			"Cookie", "refuge_session="+g.session)},
		{"profile page, signed-in reader, built anew", getRequests(uncached(at.Profile(g.name)), "Accept", "text/html",
			"Cookie", "refuge_session="+g.session)},
		{fmt.Sprintf("home timeline API, %d statuses", apiHomePage),
			getRequest(fmt.Sprintf("%s/api/v1/timelines/home?limit=%d", g.srv.base, apiHomePage), "Authorization", "Bearer "+g.token)},
	}
}

// signedGet is a GET of the actor document with the next of the signatures made ahead.
func (g *getSetup) signedGet(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uris.New(g.srv.base).Actor(g.name), nil)
	if err != nil {
		return nil, err
	}
	h := g.signed[int(g.signedNext.Add(1))%len(g.signed)]
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	return req, nil
}

// getSigned is how many signed GETs are signed ahead of time and replayed in turn: signing
// one costs the client more than Refuge's check of it, and Refuge keeps no memory of
// signatures it checked, so each request is verified in full.
const getSigned = 512

// prepare gives the account a remote follower (a signed Follow from an actor of a fake
// server, which also makes Refuge fetch that actor's key once), signs the actor GETs and
// checks that every path answers 2xx.
func (g *getSetup) prepare(ctx context.Context, e *env, readers []*remoteActor) error {
	follower := readers[0]
	body := activityJSON(map[string]any{"id": follower.URI + "/follows/" + e.nonce + g.name, "type": "Follow",
		"actor": follower.URI, "object": g.self.Actor(g.name)})
	p, err := signPost(uris.New(g.srv.base).Inbox(g.name), body, follower)
	if err != nil {
		return err
	}
	if st, err := p.send(ctx, e.client); err != nil || st/100 != 2 {
		return fmt.Errorf("follow %s: status %d %v", g.name, st, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := totalItems(ctx, e.client, uris.New(g.srv.base).Followers(g.name))
		if err == nil && n > 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the follow of %s from %s was not accepted: %d followers %v", g.name, follower.URI, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	actor := uris.New(g.srv.base).Actor(g.name)
	g.signed = make([][]string, getSigned)
	for i := range g.signed {
		a := readers[i%len(readers)]
		req, err := http.NewRequest(http.MethodGet, actor, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/activity+json")
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		if err := peer.SignHeaders(req, a.KeyID, a.Key, peer.Sig{Headers: []string{"(request-target)", "host", "date", "accept"}}); err != nil {
			return err
		}
		for _, k := range []string{"Accept", "Date", "Signature"} {
			g.signed[i] = append(g.signed[i], k, req.Header.Get(k))
		}
	}
	// Each reader's first signed GET makes Refuge fetch its key; the runs measure after.
	for range readers {
		if err := checkGet(ctx, e.client, getPath{"actor, signed GET", g.signedGet}); err != nil {
			return err
		}
	}
	for _, path := range g.paths() {
		if err := checkGet(ctx, e.client, path); err != nil {
			return err
		}
	}
	return nil
}

// checkGet makes one request of path and wants a 2xx answer with a body.
func checkGet(ctx context.Context, c *http.Client, path getPath) error {
	req, err := path.newReq(ctx)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", path.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 || len(body) == 0 {
		return fmt.Errorf("%s: GET %s: status %d: %.200s", path.name, req.URL, resp.StatusCode, body)
	}
	return nil
}

// signInSession signs name in through the web form and returns its session cookie.
// csrfField finds a form's CSRF token in a page.
var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func signInSession(ctx context.Context, base, name string) (string, error) {
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/signin")
	if err != nil {
		return "", err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var cookie string
	for _, ck := range resp.Cookies() {
		if ck.Name == "refuge_signin" {
			cookie = ck.Value
		}
	}
	// The form carries the token masked anew on each page (against compression side
	// channels); the cookie carries it bare.
	field := csrfField.FindSubmatch(page)
	if cookie == "" || field == nil {
		return "", fmt.Errorf("GET /signin: status %d, no sign-in cookie or form token", resp.StatusCode)
	}
	form := url.Values{"csrf": {string(field[1])}, "username": {name}, "password": {"load-password-" + name}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/signin", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "refuge_signin", Value: cookie})
	if resp, err = c.Do(req); err != nil {
		return "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "refuge_session" && ck.Value != "" {
			return ck.Value, nil
		}
	}
	return "", fmt.Errorf("sign in %s: status %d, no session cookie", name, resp.StatusCode)
}

// getReaders starts a fake remote server with a few actors: one follows the account, all
// sign GETs of its actor document.
func getReaders(e *env) (*peer.Peer, []*remoteActor, error) {
	p, err := peer.Start("127.0.0.1:0", "")
	if err != nil {
		return nil, nil, err
	}
	var out []*remoteActor
	for i := range 4 {
		out = append(out, &remoteActor{Actor: p.Actor(fmt.Sprintf("reader%d", i), e.keys[i%len(e.keys)])})
	}
	return p, out, nil
}

func runGetScenario(ctx context.Context, e *env, rep *report) error {
	ceil, err := startCeiling()
	if err != nil {
		return err
	}
	defer ceil.stop()
	host, readers, err := getReaders(e)
	if err != nil {
		return err
	}
	defer host.Close()
	if e.cfg.getPosts > 0 {
		if err := e.ensureStarted(ctx); err != nil {
			return err
		}
		g, err := setupGetFresh(ctx, e)
		if err != nil {
			return err
		}
		if err := g.prepare(ctx, e, readers); err != nil {
			return err
		}
		if err := measureGets(ctx, e, rep, ceil, g, fmt.Sprintf("%d notes", e.cfg.getPosts)); err != nil {
			return err
		}
	}
	if e.cfg.getSeeded {
		srv, cleanup, err := seededInstance(ctx, e)
		defer cleanup()
		if err != nil {
			return err
		}
		g := &getSetup{srv: srv, self: uris.New("https://" + srv.domain), name: "alice",
			note: fmt.Sprint((e.cfg.notes - 1) / 40 * 40)} // the seed's newest public note of alice
		if _, err := srv.account(ctx, "reader"); err != nil {
			return err
		}
		if g.token, err = srv.cli(ctx, "", "token", "alice"); err != nil {
			return err
		}
		if _, err := srv.start(ctx); err != nil {
			return err
		}
		defer srv.stop()
		if g.session, err = signInSession(ctx, srv.base, "reader"); err != nil {
			return err
		}
		if err := g.prepare(ctx, e, readers); err != nil {
			return err
		}
		if err := measureGets(ctx, e, rep, ceil, g, fmt.Sprintf("%d notes", e.cfg.notes)); err != nil {
			return err
		}
	}
	return nil
}

// setupGetFresh has the account of the running instance write notes up to -get-posts
// (four writers at a time) and signs its second account in on the web.
func setupGetFresh(ctx context.Context, e *env) (*getSetup, error) {
	g := &getSetup{srv: e.srv, self: e.srv.uris(), name: e.alice.name, token: e.alice.token}
	begin := time.Now()
	var next atomic.Int64
	var last atomic.Value
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for w := range errs {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(e.cfg.getPosts) && ctx.Err() == nil; i = next.Add(1) {
				loc, err := postOutbox(ctx, e.client, e.srv.base, e.alice, map[string]any{"type": "Note",
					"content": fmt.Sprintf("Post %d of the get scenario, about https://example.com/article/%d. #load", i, i)})
				if err != nil {
					errs[w] = err
					return
				}
				last.Store(loc)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	loc, _ := last.Load().(string)
	_, id, ok := e.srv.uris().ParseNote(strings.TrimSuffix(loc, "/activity"))
	if !ok {
		return nil, fmt.Errorf("the outbox answered Location %q, not a note's activity", loc)
	}
	g.note = id
	e.logf("  setup: %s wrote %d notes (%.1fs)", e.alice.name, e.cfg.getPosts, time.Since(begin).Seconds())
	var err error
	g.session, err = signInSession(ctx, e.srv.base, e.bob.name)
	return g, err
}

// withEncoding makes newReq's requests ask for coding: "gzip" leaves them as Go's client
// sends them (it asks for gzip and decompresses the answer, as peers do), "identity" asks
// for the bytes as they are, as the bare handler sends its 1 KiB: on one machine, the
// client's decompression takes from the cores the server has.
func withEncoding(newReq func(context.Context) (*http.Request, error), coding string) func(context.Context) (*http.Request, error) {
	if coding == "gzip" {
		return newReq
	}
	return func(ctx context.Context) (*http.Request, error) {
		req, err := newReq(ctx)
		if err == nil {
			req.Header.Set("Accept-Encoding", coding)
		}
		return req, err
	}
}

// settleSeedMedia marks every remote file of the seeded copy as one that failed for good
// before Refuge starts on it. Otherwise its media cache spends its first ten minutes or more
// queueing the seed's 450,000 pictures, a batch at a time (half of the CPU the paths would
// have), and then fetches them from the seed's hosts, which are not on this machine: no
// load tool may reach off it. dbName is the PostgreSQL copy's, "" for SQLite.
func settleSeedMedia(ctx context.Context, e *env, srv *server, dbName string) error {
	begin := time.Now()
	settle := `INSERT INTO remote_media (key, url, kind, state, attempts, error, next_try, created)
		SELECT 'loadseed' || m.id, m.url, 'attachment', 'failed', 1, 'not fetched: a load tool seed', ` + seedTime + `, ` + seedTime + `
		FROM media m JOIN notes n ON n.id = m.note_id WHERE n.local = FALSE AND m.path = ''
		UNION ALL SELECT 'loadseedactor' || a.id, a.icon_url, 'avatar', 'failed', 1, 'not fetched: a load tool seed', ` + seedTime + `, ` + seedTime + `
		FROM actors a WHERE a.local = FALSE AND a.icon_url <> ''
		ON CONFLICT DO NOTHING`
	if dbName != "" {
		settle = strings.ReplaceAll(settle, seedTime, "'2024-01-01T00:00:00Z'::timestamptz")
		if err := e.pg.execIn(ctx, dbName, settle); err != nil {
			return fmt.Errorf("settle the seed's remote media: %w", err)
		}
		e.logf("  settled the seed's remote files as failed for good (%.1fs), so the media cache neither queues nor fetches them", time.Since(begin).Seconds())
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+srv.dbPath()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.ExecContext(ctx, strings.ReplaceAll(settle, seedTime, "'2024-01-01T00:00:00Z'"))
	if err != nil {
		return fmt.Errorf("settle the seed's remote media: %w", err)
	}
	n, _ := res.RowsAffected()
	e.logf("  settled %d remote files of the seed as failed for good (%.1fs), so the media cache neither queues nor fetches them", n, time.Since(begin).Seconds())
	return nil
}

// seedTime stands in settleSeedMedia's statement for a time in each dialect's words.
const seedTime = "{seed time}"

// getResult is one path's figures over the runs.
type getResult struct {
	rate, p50, p99, frac, cpu []float64
	bad                       int
}

// measureGets measures, in each run, the ceiling and then every path of g.
func measureGets(ctx context.Context, e *env, rep *report, ceil *ceiling, g *getSetup, size string) error {
	conc, d := e.cfg.getConc, e.cfg.getTime
	var paths []getPath
	for _, p := range g.paths() {
		if e.cfg.getOnly == "" || slices.ContainsFunc(strings.Split(e.cfg.getOnly, ","), func(w string) bool {
			return strings.Contains(strings.ToLower(p.name), strings.ToLower(strings.TrimSpace(w)))
		}) {
			paths = append(paths, p)
		}
	}
	results := make([]getResult, len(paths))
	var ceilRate, ceilP99 []float64
	for r := range e.cfg.runs {
		top := readLoad(ctx, e, func() *cpuMeter { return startCPU([]int{ceil.cmd.Process.Pid}, nil) },
			getRequest(ceil.base+"/"), conc, d)
		e.logf("  %s, run %d: bare net/http handler, 1 KiB: %s", size, r+1, top)
		if top.ok == 0 || top.bad > 0 {
			return fmt.Errorf("the bare handler answered %d of %d requests 200", top.ok, top.ok+top.bad)
		}
		ceilRate, ceilP99 = append(ceilRate, top.perSecond()), append(ceilP99, ms(top.lat.pct(99)))
		meter := func() *cpuMeter { return startCPU([]int{g.srv.pid}, e.pg) }
		for i, path := range paths {
			res := readLoad(ctx, e, meter, withEncoding(path.newReq, e.cfg.getEncoding), conc, d)
			e.logf("  %s, run %d: %s: %s", size, r+1, path.name, res)
			x := &results[i]
			x.rate, x.p50, x.p99 = append(x.rate, res.perSecond()), append(x.p50, ms(res.lat.pct(50))), append(x.p99, ms(res.lat.pct(99)))
			x.frac = append(x.frac, 100*res.perSecond()/top.perSecond())
			c, _ := res.cpuPer()
			x.cpu, x.bad = append(x.cpu, c), x.bad+res.bad
		}
	}
	scen := "get, " + size
	rep.add(scen, fmt.Sprintf("bare net/http handler, 1 KiB (%d readers)", conc), "/s", ceilRate, "", nil)
	rep.add(scen, "bare net/http handler, p99", "ms", ceilP99, "", nil)
	var table strings.Builder
	fmt.Fprintf(&table, "  %s, medians of %d runs, %d readers, %s each:\n", size, e.cfg.runs, conc, d)
	fmt.Fprintf(&table, "  %-36s %9s %8s %8s %10s %9s\n", "path", "req/s", "p50 ms", "p99 ms", "% ceiling", "CPU µs")
	fmt.Fprintf(&table, "  %-36s %9.0f %8s %8.2f %10s\n", "bare net/http handler, 1 KiB", median(ceilRate), "", median(ceilP99), "100")
	for i, path := range paths {
		x := results[i]
		noErrors := x.bad == 0
		rep.add(scen, path.name, "/s", x.rate, "all 2xx", func(float64) bool { return noErrors })
		rep.add(scen, path.name+", p99", "ms", x.p99, "", nil)
		rep.add(scen, path.name+", of the ceiling", "%", x.frac, "", nil)
		failed := ""
		if !noErrors {
			failed = fmt.Sprintf("  FAILED: %d answers not 200", x.bad)
		}
		fmt.Fprintf(&table, "  %-36s %9.0f %8.2f %8.2f %10.1f %9.0f%s\n", path.name, median(x.rate), median(x.p50), median(x.p99),
			median(x.frac), median(x.cpu), failed)
	}
	e.logf("%s", strings.TrimRight(table.String(), "\n"))
	return nil
}
