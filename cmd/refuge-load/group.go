package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"refuge/federation"
)

// The group scenario: one member's post delivered to a group whose members live on many
// remote hosts, each with a shared inbox; timed from the start of the member's delivery to
// the last of the group's announces, against the signing floor of as many signatures as
// there are hosts (each host gets one signed Announce).

func runGroupScenario(ctx context.Context, e *env, rep *report) error {
	if e.cfg.target != "" {
		return errors.New("the group scenario makes its group with the admin command: it needs an instance of its own, not --target")
	}
	if err := e.ensureStarted(ctx); err != nil {
		return err
	}
	name := "load_group_" + e.nonce
	if _, err := e.srv.cli(ctx, "", "group", "add", name, "--owner", e.bob.name); err != nil {
		return err
	}
	s, err := setupFanout(ctx, e, name, e.cfg.groupMembers, e.cfg.groupHosts)
	if err != nil {
		return err
	}
	var took, floor, ratio, cpu, peak, bad []float64
	for r := range e.cfg.runs {
		res, err := s.groupRun(ctx, r)
		if err != nil {
			return err
		}
		f := signingFloor(e.keys[0], len(s.hosts))
		floor, ratio = append(floor, ms(f)), append(ratio, float64(res.elapsed)/float64(f))
		e.logf("  run %d: %s; the signing floor, %d signatures on every core: %.0f ms (the announces took %.2f×)", r+1, res,
			len(s.hosts), ms(f), float64(res.elapsed)/float64(f))
		took, cpu, peak = append(took, ms(res.elapsed)), append(cpu, ms(res.cpu.refuge)), append(peak, res.peakMiB)
		bad = append(bad, float64(res.duplicates+res.wrongInbox+int(res.invalid)+len(s.hosts)-res.hosts))
	}
	rep.add("group", fmt.Sprintf("member's delivery to last announce (%d members, %d hosts)", len(s.actors), len(s.hosts)), "ms", took, "", nil)
	rep.add("group", fmt.Sprintf("signing floor: %d RSA-2048 signatures on every core", len(s.hosts)), "ms", floor, "", nil)
	rep.add("group", "delivery to last announce ÷ signing floor", "×", ratio, "≤ 1.3", atMost(1.3))
	rep.add("group", "Refuge CPU for the post and its announces", "ms", cpu, "", nil)
	rep.add("group", "hosts missed + duplicates + bad signatures + not to shared inbox", "", bad, "0", atMost(0))
	rep.add("group", "peak resident memory", "MiB", peak, "≤ 150", atMost(150))
	return nil
}

// groupRun has the first member deliver a public post to the group, addressed to it as
// Mastodon addresses a mention, and waits until every host has the group's Announce.
func (s *fanoutScenario) groupRun(ctx context.Context, r int) (*fanoutRun, error) {
	e := s.e
	author := s.actors[0]
	group := e.srv.uris().Actor(s.target)
	note := fmt.Sprintf("%s/statuses/group-%s-%d", author.URI, e.nonce, r)
	body := activityJSON(map[string]any{"id": note + "/activity", "type": "Create", "actor": author.URI,
		"to": []string{federation.PublicCollection}, "cc": []string{group, author.URI + "/followers"},
		"object": map[string]any{"id": note, "type": "Note", "attributedTo": author.URI,
			"content": fmt.Sprintf("<p>Group post %d of load run %s</p>", r, e.nonce), "audience": group,
			"published": time.Now().UTC().Format(time.RFC3339),
			"to":        []string{federation.PublicCollection}, "cc": []string{group, author.URI + "/followers"},
			"tag": []map[string]string{{"type": "Mention", "href": group, "name": "@" + s.target}}}})
	a := &arrivals{}
	s.announced.Store(a)
	e.resetPeak()
	_, _, invalidBefore := e.fleet.totals()
	meter := e.startCPU()
	begin := time.Now()
	if err := sendRetrying(ctx, e, e.srv.uris().Inbox(s.target), body, author); err != nil {
		return nil, err
	}
	for a.n.Load() < int64(len(s.hosts)) {
		if time.Since(begin) > e.cfg.limit {
			return nil, fmt.Errorf("after %s only %d of %d hosts received the group's announce", e.cfg.limit, a.n.Load(), len(s.hosts))
		}
		time.Sleep(2 * time.Millisecond)
	}
	res := &fanoutRun{elapsed: time.Unix(0, a.last.Load()).Sub(begin), cpu: meter.stop()}
	res.peakMiB = e.peakMiB()
	time.Sleep(time.Second) // anything sent twice would arrive now
	s.announced.Store(nil)
	res.signatures = int(a.n.Load())
	res.duplicates = res.signatures - len(s.hosts)
	a.hosts.Range(func(any, any) bool { res.hosts++; return true })
	res.wrongInbox = int(a.wrong.Load())
	_, _, invalidAfter := e.fleet.totals()
	res.invalid = invalidAfter - invalidBefore
	return res, nil
}
