package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// Scenario 6: the client API's home timeline as a phone app reads it — a page of 40
// statuses with their media and counts — from an instance holding the storage scenario's
// million notes (a copy of its cached database; alice follows every author, so her home
// feed holds them all).

const apiHomePage = 40

func runAPIScenario(ctx context.Context, e *env, rep *report) error {
	srv, cleanup, err := seededInstance(ctx, e)
	defer cleanup()
	if err != nil {
		return err
	}
	token, err := srv.cli(ctx, "", "token", "alice")
	if err != nil {
		return err
	}
	if _, err := srv.start(ctx); err != nil {
		return err
	}
	defer srv.stop()
	url := fmt.Sprintf("%s/api/v1/timelines/home?limit=%d", srv.base, apiHomePage)
	newReq := func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if req != nil {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return req, err
	}
	if err := checkHomePage(ctx, e.client, newReq); err != nil {
		return err
	}
	meter := func() *cpuMeter { return startCPU([]int{srv.pid}, e.pg) }
	var rate, p99, cpu, dbCPU []float64
	for r := range e.cfg.runs {
		res := readLoad(ctx, e, meter, newReq, e.cfg.pagesConc, e.cfg.pagesTime)
		e.logf("  home timeline API, run %d: %s", r+1, res)
		if res.ok == 0 {
			return fmt.Errorf("home timeline API: no request answered 200")
		}
		rate, p99 = append(rate, res.perSecond()), append(p99, ms(res.lat.pct(99)))
		c, db := res.cpuPer()
		cpu, dbCPU = append(cpu, c), append(dbCPU, db)
	}
	name := fmt.Sprintf("home timeline, %d statuses with media and counts, %d notes stored", apiHomePage, e.cfg.notes)
	rep.add("api", fmt.Sprintf("%s (%d readers)", name, e.cfg.pagesConc), "/s", rate, "≥ 2000", atLeast(2000))
	rep.add("api", "home timeline, p99", "ms", p99, "≤ 20", atMost(20))
	rep.add("api", "home timeline, Refuge CPU per request", "µs", cpu, "", nil)
	if e.pg != nil && e.pg.postmaster != 0 {
		rep.add("api", "home timeline, PostgreSQL CPU per request", "µs", dbCPU, "", nil)
	}
	return nil
}

// checkHomePage makes sure the page measured is the one meant: a full page of statuses,
// some with media, some liked and some boosted — not an error answered quickly.
func checkHomePage(ctx context.Context, c *http.Client, newReq func(context.Context) (*http.Request, error)) error {
	req, err := newReq(ctx)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %.200s", req.URL, resp.StatusCode, body)
	}
	var page []struct {
		Media      []json.RawMessage `json:"media_attachments"`
		Favourites int               `json:"favourites_count"`
		Reblogs    int               `json:"reblogs_count"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return fmt.Errorf("GET %s: %w", req.URL, err)
	}
	var media, liked, boosted int
	for _, s := range page {
		media, liked, boosted = media+min(1, len(s.Media)), liked+min(1, s.Favourites), boosted+min(1, s.Reblogs)
	}
	if len(page) != apiHomePage || media == 0 || liked == 0 || boosted == 0 {
		return fmt.Errorf("GET %s: %d statuses, %d with media, %d liked, %d boosted: not the page to measure", req.URL, len(page), media, liked, boosted)
	}
	return nil
}

// seededInstance prepares an instance (not started) whose database is a copy of the
// million-note seed: of the SQLite file, or on PostgreSQL a database made from the seeded
// one as a template. Its domain is the seed's, refuge.example, over https as the seed's URIs
// are; the tool reaches it at its loopback address all the same. cleanup removes the copy.
func seededInstance(ctx context.Context, e *env) (*server, func(), error) {
	seeded, err := openSeeded(ctx, e)
	if err != nil {
		return nil, func() {}, err
	}
	seeded.Close()
	dir, err := os.MkdirTemp("", "refuge-load-api-")
	if err != nil {
		return nil, func() {}, err
	}
	var dbName string
	cleanup := func() {
		if e.cfg.keep {
			e.logf("  kept the api scenario's instance in %s %s", dir, dbName)
			return
		}
		os.RemoveAll(dir)
		if dbName != "" {
			e.pg.dropDB(context.WithoutCancel(ctx), dbName)
		}
	}
	bin := e.cfg.refuge
	if bin == "" {
		if bin, err = buildRefuge(ctx, dir); err != nil {
			return nil, cleanup, err
		}
	}
	addr, err := freePort()
	if err != nil {
		return nil, cleanup, err
	}
	srv := &server{bin: bin, data: filepath.Join(dir, "data"), domain: "refuge.example", https: true,
		base: "http://" + addr, listen: addr, name: "refuge-api"}
	if err := os.MkdirAll(srv.data, 0o700); err != nil {
		return nil, cleanup, err
	}
	if e.pg != nil {
		dbName = "refuge_load_api_" + e.nonce
		if err := e.pg.exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, dbName, seedDB(e.cfg.notes))); err != nil {
			return nil, cleanup, fmt.Errorf("copy the seeded database: %w", err)
		}
		srv.db = e.pg.dsn(dbName)
		return srv, cleanup, settleSeedMedia(ctx, e, srv, dbName)
	}
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(seedPath(e.cfg.cache, e.cfg.notes)+suffix, srv.dbPath()+suffix); err != nil && !os.IsNotExist(err) {
			return nil, cleanup, fmt.Errorf("copy the seeded database: %w", err)
		}
	}
	return srv, cleanup, settleSeedMedia(ctx, e, srv, "")
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
