package main

import (
	"context"
	"fmt"
	"time"
)

// runFootprint starts the instance cfg.runs times on its data folder (two accounts, no
// posts yet), timing process start to the first answer and reading the resident memory
// a second later, when it is idle. The last start is left running for the next scenarios.
func runFootprint(ctx context.Context, e *env, rep *report) error {
	if e.cfg.target != "" {
		if rss, _ := e.srv.memory(); rss > 0 {
			rep.add("footprint", "resident memory now", "MiB", []float64{rss}, "≤ 25 (idle)", atMost(25))
		}
		return nil
	}
	var starts, idle []float64
	for r := range e.cfg.runs {
		if err := e.srv.stop(); err != nil {
			return err
		}
		d, err := e.srv.start(ctx)
		if err != nil {
			return err
		}
		time.Sleep(time.Second)
		rss, _ := e.srv.memory()
		e.logf("  run %d: first answer %.1f ms after process start; idle RSS %.1f MiB", r+1, ms(d), rss)
		starts, idle = append(starts, ms(d)), append(idle, rss)
	}
	rep.add("footprint", "process start to first answered request", "ms", starts, "≤ 200", atMost(200))
	rep.add("footprint", "resident memory, idle after start", "MiB", idle, "≤ 25", atMost(25))
	return nil
}

func runInboxScenario(ctx context.Context, e *env, rep *report) error {
	if err := e.ensureStarted(ctx); err != nil {
		return err
	}
	begin := time.Now()
	s, err := setupInbox(ctx, e)
	if err != nil {
		return err
	}
	e.logf("  setup: %s follows %d actors on %d hosts (%.1fs)", e.alice.name, len(s.actors), e.cfg.inboxHosts, time.Since(begin).Seconds())
	var rate, p50, p99, peak, lost, cpu, dbCPU []float64
	var obs []pgObs
	for r := range e.cfg.runs {
		res, err := s.run(ctx, r)
		if err != nil {
			return err
		}
		e.logf("  run %d: %s", r+1, res)
		cpu, dbCPU, obs = append(cpu, res.cpuPer()), append(dbCPU, res.dbCPUPer()), append(obs, res.pg)
		rate, p50, p99 = append(rate, res.perSecond()), append(p50, ms(res.lat.pct(50))), append(p99, ms(res.lat.pct(99)))
		peak = append(peak, res.peakMiB)
		if res.stored >= 0 {
			lost = append(lost, float64(res.accepted-res.stored)+float64(res.accepted-res.inFeed))
		}
	}
	rep.add("inbox", "Create{Note} accepted and stored", "/s", rate, "≥ 5000", atLeast(5000))
	rep.add("inbox", "Refuge CPU per delivery", "µs", cpu, "", nil)
	if e.pg != nil && e.pg.postmaster != 0 {
		rep.add("inbox", "PostgreSQL CPU per delivery", "µs", dbCPU, "", nil)
	}
	rep.add("inbox", "latency p50", "ms", p50, "", nil)
	rep.add("inbox", "latency p99", "ms", p99, "", nil)
	rep.add("inbox", "accepted but not stored (notes + feed rows)", "", lost, "0", atMost(0))
	rep.add("inbox", "peak resident memory", "MiB", peak, "≤ 150", atMost(150))
	e.addPG(rep, "inbox", obs)
	return nil
}

func runFanoutScenario(ctx context.Context, e *env, rep *report) error {
	if err := e.ensureStarted(ctx); err != nil {
		return err
	}
	s, err := setupFanout(ctx, e, e.bob.name, e.cfg.followers, e.cfg.hosts)
	if err != nil {
		return err
	}
	var took, sigs, bad, peak, cpu, dbCPU, floor, ratio []float64
	var obs []pgObs
	for r := range e.cfg.runs {
		res, err := s.run(ctx, r)
		if err != nil {
			return err
		}
		f := signingFloor(e.keys[0], len(s.hosts))
		floor, ratio = append(floor, ms(f)), append(ratio, float64(res.elapsed)/float64(f))
		e.logf("  run %d: %s; the signing floor, %d signatures on every core: %.0f ms (the fan-out took %.2f×)", r+1, res,
			len(s.hosts), ms(f), float64(res.elapsed)/float64(f))
		cpu, dbCPU, obs = append(cpu, ms(res.cpu.refuge)), append(dbCPU, ms(res.cpu.db)), append(obs, res.pg)
		took, sigs, peak = append(took, ms(res.elapsed)), append(sigs, float64(res.signatures)), append(peak, res.peakMiB)
		bad = append(bad, float64(res.duplicates+res.wrongInbox+int(res.invalid)+len(s.hosts)-res.hosts))
	}
	want := float64(len(s.hosts))
	rep.add("fanout", fmt.Sprintf("POST to last delivery (%d followers, %d hosts)", len(s.actors), len(s.hosts)), "ms", took, "≤ 1500", atMost(1500))
	rep.add("fanout", fmt.Sprintf("signing floor: %d RSA-2048 signatures on every core", len(s.hosts)), "ms", floor, "", nil)
	rep.add("fanout", "POST to last delivery ÷ signing floor", "×", ratio, "≤ 1.3", atMost(1.3))
	rep.add("fanout", "Refuge CPU for the fan-out", "ms", cpu, "", nil)
	if e.pg != nil && e.pg.postmaster != 0 {
		rep.add("fanout", "PostgreSQL CPU for the fan-out", "ms", dbCPU, "", nil)
	}
	rep.add("fanout", "signatures made (valid signed POSTs received)", "", sigs, fmt.Sprintf("= %.0f", want),
		func(v float64) bool { return v == want })
	rep.add("fanout", "hosts missed + duplicates + bad signatures + not to shared inbox", "", bad, "0", atMost(0))
	rep.add("fanout", "peak resident memory", "MiB", peak, "≤ 150", atMost(150))
	e.addPG(rep, "fanout", obs)
	return nil
}

func runPagesScenario(ctx context.Context, e *env, rep *report) error {
	if err := e.ensureStarted(ctx); err != nil {
		return err
	}
	s, err := setupPages(ctx, e)
	if err != nil {
		return err
	}
	for _, page := range []struct {
		name   string
		url    func() string
		target string
	}{
		{"profile page, 20 posts", fixed(s.profile), "≥ 5000"},
		{"profile page, built for every request", uncached(s.profile), ""},
		{"a post's page", fixed(s.note), ""},
	} {
		var rate, p99, cpu, dbCPU []float64
		for r := range e.cfg.runs {
			res := s.get(ctx, page.url, e.cfg.pagesConc, e.cfg.pagesTime)
			e.logf("  %s, run %d: %s", page.name, r+1, res)
			if res.ok == 0 {
				return fmt.Errorf("%s: no page answered 200", page.name)
			}
			rate, p99 = append(rate, res.perSecond()), append(p99, ms(res.lat.pct(99)))
			c, db := res.cpuPer()
			cpu, dbCPU = append(cpu, c), append(dbCPU, db)
		}
		var met func(float64) bool
		if page.target != "" {
			met = atLeast(5000)
		}
		rep.add("pages", fmt.Sprintf("%s (%d readers)", page.name, e.cfg.pagesConc), "/s", rate, page.target, met)
		rep.add("pages", page.name+", p99", "ms", p99, "", nil)
		rep.add("pages", page.name+", Refuge CPU per page", "µs", cpu, "", nil)
		if e.pg != nil && e.pg.postmaster != 0 {
			rep.add("pages", page.name+", PostgreSQL CPU per page", "µs", dbCPU, "", nil)
		}
	}
	return nil
}

func runStorageScenario(ctx context.Context, e *env, rep *report) error {
	db, err := openSeeded(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	p50, p99 := map[string][]float64{}, map[string][]float64{}
	var names []string
	for r := range e.cfg.runs {
		qs, err := timeQueries(ctx, e, db, r)
		if err != nil {
			return err
		}
		for _, q := range qs {
			e.logf("  run %d: %-50s p50 %6.3f ms  p99 %6.3f ms  (%d calls)", r+1, q.name, ms(q.lat.pct(50)), ms(q.lat.pct(99)), len(q.lat))
			if p99[q.name] == nil {
				names = append(names, q.name)
			}
			p50[q.name], p99[q.name] = append(p50[q.name], ms(q.lat.pct(50))), append(p99[q.name], ms(q.lat.pct(99)))
		}
	}
	for _, n := range names {
		rep.add("storage", n+", p99", "ms", p99[n], "≤ 5", atMost(5))
	}
	for _, n := range names {
		rep.add("storage", n+", p50", "ms", p50[n], "", nil)
	}
	return nil
}
