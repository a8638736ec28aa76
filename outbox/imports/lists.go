package imports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"refuge/federation"
	"refuge/outbox"
	"refuge/storage"
)

// CSV imports Mastodon's CSV lists into local accounts, through the outbox, as the web and
// the client API act: a follow sends its Follow, a block its Block.
type CSV struct {
	Outbox *outbox.Service
	Remote *federation.Remote
	DB     storage.DB
	Domain string // this instance's, with its port: a bare name is an account here
	// Resolve bounds the look-up of one account or post (WebFinger and a fetch), so that a
	// stalling server costs one row, not the job; 20 s when 0.
	Resolve time.Duration
}

// Register makes r run the six CSV kinds with c.
func (c *CSV) Register(r *Runner) {
	for _, k := range storage.ImportKinds {
		r.Register(k, MaxCSVBytes, c.importer(k))
	}
}

// run is one CSV import job under way.
type run struct {
	*CSV
	me       *storage.Actor
	mode     storage.ImportMode
	rep      storage.ImportReport
	progress func(done, total int)
	done     int
	total    int
}

func (c *CSV) importer(k storage.ImportKind) Importer {
	return func(ctx context.Context, job *storage.ImportJob, path string, progress func(done, total int)) (storage.ImportReport, error) {
		me, err := c.DB.GetActorByID(ctx, job.ActorID)
		if err != nil {
			return storage.ImportReport{}, fmt.Errorf("the account: %w", err)
		}
		if !me.Local || !me.DeletedAt.IsZero() || me.Suspended() {
			return storage.ImportReport{}, storage.Errorf(storage.Forbidden, "%s cannot import", me.Username)
		}
		t, err := readTable(path, k)
		if err != nil {
			return storage.ImportReport{}, err
		}
		r := &run{CSV: c, me: me, mode: job.Mode, progress: progress, total: len(t.rows) + len(t.bad),
			rep: storage.ImportReport{Ignored: t.ignored, Counts: map[string]int{}}}
		for _, b := range t.bad {
			r.bad(b.Line, b.Value, b.Reason)
		}
		progress(r.done, r.total)
		switch k {
		case storage.ImportFollows:
			err = r.follows(ctx, t)
		case storage.ImportMutes:
			err = r.mutes(ctx, t)
		case storage.ImportBlocks:
			err = r.blocks(ctx, t)
		case storage.ImportDomainBlocks:
			err = r.domainBlocks(ctx, t)
		case storage.ImportBookmarks:
			err = r.bookmarks(ctx, t)
		case storage.ImportLists:
			err = r.lists(ctx, t)
		}
		return r.rep, err
	}
}

// bad records a skipped row.
func (r *run) bad(line int, value, reason string) {
	r.done++
	if len(r.rep.Rows) >= storage.MaxImportReportRows {
		r.rep.MoreRows++
		return
	}
	r.rep.Rows = append(r.rep.Rows, storage.ImportRow{Line: line, Value: cut(value, 100), Reason: reason})
}

// ok records a row done, counted under what.
func (r *run) ok(what string) {
	r.done++
	r.rep.Counts[what]++
	r.progress(r.done, r.total)
}

// rows runs each for every row of t, in order: a row it refuses is reported and skipped.
// ctx's end stops the job.
func (r *run) rows(ctx context.Context, t *table, col string, each func(ctx context.Context, v string, rw row) (string, error)) error {
	for _, rw := range t.rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		v := rw.vals[col]
		what, err := r.row(ctx, v, rw, each)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.bad(rw.line, v, reason(err))
			r.progress(r.done, r.total)
			continue
		}
		r.ok(what)
	}
	return nil
}

func (r *run) row(ctx context.Context, v string, rw row, each func(ctx context.Context, v string, rw row) (string, error)) (string, error) {
	switch {
	case v == "":
		return "", storage.Errorf(storage.Invalid, "empty")
	case len(v) > maxField:
		return "", storage.Errorf(storage.Invalid, "longer than %d characters", maxField)
	}
	return each(ctx, v, rw)
}

// reason is what a report says of a row's error. The report is the account's own, so the
// cause (a server that did not answer, say) is said as it is.
func reason(err error) string {
	return cut(err.Error(), 300)
}

// handle returns the address v (user@host, with or without @; a bare name is an account
// here) as its canonical key, lower case.
func (r *run) handle(v string) (user, host string, err error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "@")
	if !strings.Contains(v, "@") {
		v += "@" + r.Domain
	}
	user, host, err = federation.ParseHandle(v)
	if err != nil {
		return "", "", storage.Errorf(storage.Invalid, "not an account address (user@server)")
	}
	return user, host, nil
}

// key is the form of an address by which the file's accounts are matched with what the
// account has, for overwrite: lower case user@host.
func key(user, host string) string { return strings.ToLower(user + "@" + host) }

// account resolves the address v, through WebFinger and a fetch when it is not known here
// (or is stale), within the Resolve bound.
func (r *run) account(ctx context.Context, v string) (*storage.Actor, error) {
	user, host, err := r.handle(v)
	if err != nil {
		return nil, err
	}
	d := r.Resolve
	if d <= 0 {
		d = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	a, err := r.Remote.Handle(ctx, user, host)
	if err != nil {
		if storage.KindOf(err) == storage.NotFound {
			return nil, storage.Errorf(storage.NotFound, "no such account")
		}
		return nil, fmt.Errorf("could not be looked up: %w", err)
	}
	if a.ID == r.me.ID {
		return nil, storage.Errorf(storage.Invalid, "that is you")
	}
	return a, nil
}

// keys returns the keys of the addresses in column col of t's rows, for overwrite.
func (r *run) keys(t *table, col string) map[string]bool {
	out := map[string]bool{}
	for _, rw := range t.rows {
		if u, h, err := r.handle(rw.vals[col]); err == nil {
			out[key(u, h)] = true
		}
	}
	return out
}

// allActors reads every page of a list of actors.
func allActors(list func(p storage.Page) ([]*storage.Actor, []int64, error)) ([]*storage.Actor, error) {
	var out []*storage.Actor
	p := storage.Page{Limit: 1000}
	for {
		as, cursors, err := list(p)
		if err != nil {
			return nil, err
		}
		if len(as) == 0 {
			return out, nil
		}
		out = append(out, as...)
		p.Before = cursors[len(cursors)-1]
	}
}

// removeOthers, for overwrite, calls remove for each of have whose address is not in keep.
func (r *run) removeOthers(have []*storage.Actor, keep map[string]bool, what string, remove func(a *storage.Actor) error) error {
	for _, a := range have {
		if keep[key(a.Username, a.Host)] {
			continue
		}
		if err := remove(a); err != nil && storage.KindOf(err) != storage.NotFound {
			return fmt.Errorf("%s %s: %w", what, a.Handle(), err)
		}
		r.rep.Counts[what]++
	}
	return nil
}

// follows: Mastodon's following list. Show boosts is the follow's boosts setting; Notify
// on new posts and Languages have no place in Refuge yet, and are said to be ignored when a
// row sets them.
func (r *run) follows(ctx context.Context, t *table) error {
	notify, langs := 0, 0
	err := r.rows(ctx, t, colAccount, func(ctx context.Context, v string, rw row) (string, error) {
		a, err := r.account(ctx, v)
		if err != nil {
			return "", err
		}
		opt := outbox.FollowOptions{Quiet: true}
		if show, set := parseBool(rw.vals[colBoosts]); set {
			opt.Reblogs = &show
		}
		if on, _ := parseBool(rw.vals[colNotify]); on {
			notify++
		}
		if rw.vals[colLangs] != "" {
			langs++
		}
		what := "followed"
		if _, err := r.DB.GetFollow(ctx, r.me.ID, a.ID); err == nil {
			what = "already followed"
		}
		if _, err := r.Outbox.FollowWith(ctx, r.me, a.URI, opt); err != nil {
			return "", err
		}
		return what, nil
	})
	if err != nil {
		return err
	}
	if notify > 0 {
		r.rep.Ignored = append(r.rep.Ignored, fmt.Sprintf("%s (%d rows): Refuge does not notify of each new post of an account yet; ignored", colNotify, notify))
	}
	if langs > 0 {
		r.rep.Ignored = append(r.rep.Ignored, fmt.Sprintf("%s (%d rows): Refuge does not filter a follow's posts by language yet; ignored", colLangs, langs))
	}
	if r.mode != storage.ImportOverwrite {
		return nil
	}
	have, err := allActors(func(p storage.Page) ([]*storage.Actor, []int64, error) { return r.DB.ListFollowing(ctx, r.me.ID, p) })
	if err != nil {
		return err
	}
	return r.removeOthers(have, r.keys(t, colAccount), "unfollowed", func(a *storage.Actor) error {
		return r.Outbox.Unfollow(ctx, r.me, a.URI)
	})
}

// mutes: Mastodon's muted accounts. Hide notifications is the mute's notifications
// setting (muted too when the column is missing, as Mastodon's mutes are by default).
func (r *run) mutes(ctx context.Context, t *table) error {
	now := time.Now()
	err := r.rows(ctx, t, colAccount, func(ctx context.Context, v string, rw row) (string, error) {
		a, err := r.account(ctx, v)
		if err != nil {
			return "", err
		}
		hide, set := parseBool(rw.vals[colHideNote])
		if !set {
			hide = true
		}
		what := "muted"
		if m, err := r.DB.GetMute(ctx, r.me.ID, a.ID, now); err == nil {
			what = "already muted"
			if m.Notifications == hide && m.Expires.IsZero() {
				return what, nil
			}
		}
		if _, err := r.Outbox.Mute(ctx, r.me, a.URI, hide, 0); err != nil {
			return "", err
		}
		return what, nil
	})
	if err != nil || r.mode != storage.ImportOverwrite {
		return err
	}
	have, err := allActors(func(p storage.Page) ([]*storage.Actor, []int64, error) { return r.DB.ListMutes(ctx, r.me.ID, now, p) })
	if err != nil {
		return err
	}
	return r.removeOthers(have, r.keys(t, colAccount), "unmuted", func(a *storage.Actor) error {
		return r.Outbox.Unmute(ctx, r.me, a.URI)
	})
}

// blocks: Mastodon's blocked accounts.
func (r *run) blocks(ctx context.Context, t *table) error {
	err := r.rows(ctx, t, colAccount, func(ctx context.Context, v string, rw row) (string, error) {
		a, err := r.account(ctx, v)
		if err != nil {
			return "", err
		}
		if _, err := r.DB.GetAccountBlock(ctx, r.me.ID, a.ID); err == nil {
			return "already blocked", nil
		}
		if _, err := r.Outbox.Block(ctx, r.me, a.URI); err != nil {
			return "", err
		}
		return "blocked", nil
	})
	if err != nil || r.mode != storage.ImportOverwrite {
		return err
	}
	have, err := allActors(func(p storage.Page) ([]*storage.Actor, []int64, error) {
		return r.DB.ListAccountBlocks(ctx, r.me.ID, p)
	})
	if err != nil {
		return err
	}
	return r.removeOthers(have, r.keys(t, colAccount), "unblocked", func(a *storage.Actor) error {
		return r.Outbox.Unblock(ctx, r.me, a.URI)
	})
}

// domainBlocks: Mastodon's blocked domains.
func (r *run) domainBlocks(ctx context.Context, t *table) error {
	have, err := r.allDomainBlocks(ctx)
	if err != nil {
		return err
	}
	err = r.rows(ctx, t, colDomain, func(ctx context.Context, v string, rw row) (string, error) {
		d := strings.ToLower(v)
		if have[d] {
			return "already blocked", nil
		}
		b, err := r.Outbox.BlockDomain(ctx, r.me, d)
		if err != nil {
			return "", err
		}
		have[b.Domain] = true
		return "blocked", nil
	})
	if err != nil || r.mode != storage.ImportOverwrite {
		return err
	}
	keep := map[string]bool{}
	for _, rw := range t.rows {
		keep[strings.ToLower(rw.vals[colDomain])] = true
	}
	have, err = r.allDomainBlocks(ctx)
	if err != nil {
		return err
	}
	for d := range have {
		if keep[d] {
			continue
		}
		if err := r.Outbox.UnblockDomain(ctx, r.me, d); err != nil && storage.KindOf(err) != storage.NotFound {
			return fmt.Errorf("unblock %s: %w", d, err)
		}
		r.rep.Counts["unblocked"]++
	}
	return nil
}

func (r *run) allDomainBlocks(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	p := storage.Page{Limit: 1000}
	for {
		bs, err := r.DB.ListAccountDomainBlocks(ctx, r.me.ID, p)
		if err != nil || len(bs) == 0 {
			return out, err
		}
		for _, b := range bs {
			out[b.Domain] = true
		}
		p.Before = bs[len(bs)-1].ID
	}
}

// bookmarks: Mastodon's bookmarks, one post id a line: a post here is looked up, another
// server's fetched (and stored) first.
func (r *run) bookmarks(ctx context.Context, t *table) error {
	have, err := r.allBookmarks(ctx)
	if err != nil {
		return err
	}
	err = r.rows(ctx, t, colURI, func(ctx context.Context, v string, rw row) (string, error) {
		if have[v] {
			return "already bookmarked", nil
		}
		if storage.HostOf(v) == "" {
			return "", storage.Errorf(storage.Invalid, "not the address of a post")
		}
		d := r.Resolve
		if d <= 0 {
			d = 20 * time.Second
		}
		fctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		n, err := r.Remote.Note(fctx, v)
		if err != nil {
			if storage.KindOf(err) == storage.NotFound {
				return "", storage.Errorf(storage.NotFound, "no such post")
			}
			return "", fmt.Errorf("could not be fetched: %w", err)
		}
		if err := r.Outbox.Bookmark(ctx, r.me, n.URI, true); err != nil {
			return "", err
		}
		have[n.URI] = true
		return "bookmarked", nil
	})
	if err != nil || r.mode != storage.ImportOverwrite {
		return err
	}
	keep := map[string]bool{}
	for _, rw := range t.rows {
		keep[rw.vals[colURI]] = true
	}
	if have, err = r.allBookmarks(ctx); err != nil {
		return err
	}
	for uri := range have {
		if keep[uri] {
			continue
		}
		if err := r.Outbox.Bookmark(ctx, r.me, uri, false); err != nil && storage.KindOf(err) != storage.NotFound {
			return fmt.Errorf("unbookmark %s: %w", uri, err)
		}
		r.rep.Counts["unbookmarked"]++
	}
	return nil
}

func (r *run) allBookmarks(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	p := storage.Page{Limit: 1000}
	for {
		ns, cursors, err := r.DB.ListBookmarked(ctx, r.me.ID, p)
		if err != nil || len(ns) == 0 {
			return out, err
		}
		for _, n := range ns {
			out[n.URI] = true
		}
		p.Before = cursors[len(cursors)-1]
	}
}

// lists: Mastodon's lists, a row per member (list name, account address). A list missing
// is made; a member not followed yet is followed first, as Mastodon does, since a list
// holds only accounts one follows. Overwrite deletes the lists the file does not name and
// takes out of the others the members it does not list.
func (r *run) lists(ctx context.Context, t *table) error {
	byTitle := map[string]*storage.List{}
	ls, err := r.DB.ListLists(ctx, r.me.ID)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if byTitle[l.Title] == nil {
			byTitle[l.Title] = l
		}
	}
	err = r.rows(ctx, t, colAccount, func(ctx context.Context, v string, rw row) (string, error) {
		title := rw.vals[colListName]
		if title == "" {
			return "", storage.Errorf(storage.Invalid, "no list name")
		}
		a, err := r.account(ctx, v)
		if err != nil {
			return "", err
		}
		l := byTitle[title]
		if l == nil {
			if l, err = r.Outbox.CreateList(ctx, r.me, outbox.ListEdit{Title: &title}); err != nil {
				return "", err
			}
			byTitle[title] = l
			r.rep.Counts["lists made"]++
		}
		in, err := r.DB.ListsWith(ctx, r.me.ID, a.ID)
		if err != nil {
			return "", err
		}
		for _, x := range in {
			if x.ID == l.ID {
				return "already in the list", nil
			}
		}
		if _, err := r.DB.GetFollow(ctx, r.me.ID, a.ID); storage.KindOf(err) == storage.NotFound {
			if _, err := r.Outbox.Follow(ctx, r.me, a.URI); err != nil {
				return "", err
			}
			r.rep.Counts["followed"]++
		} else if err != nil {
			return "", err
		}
		if err := r.Outbox.AddToList(ctx, r.me, l.ID, []int64{a.ID}); err != nil {
			return "", err
		}
		return "added to a list", nil
	})
	if err != nil || r.mode != storage.ImportOverwrite {
		return err
	}
	keep := map[string]map[string]bool{}
	for _, rw := range t.rows {
		title := rw.vals[colListName]
		if keep[title] == nil {
			keep[title] = map[string]bool{}
		}
		if u, h, err := r.handle(rw.vals[colAccount]); err == nil {
			keep[title][key(u, h)] = true
		}
	}
	if ls, err = r.DB.ListLists(ctx, r.me.ID); err != nil {
		return err
	}
	for _, l := range ls {
		if keep[l.Title] == nil {
			if err := r.Outbox.DeleteList(ctx, r.me, l.ID); err != nil && storage.KindOf(err) != storage.NotFound {
				return fmt.Errorf("delete list %q: %w", l.Title, err)
			}
			r.rep.Counts["lists deleted"]++
			continue
		}
		members, err := allActors(func(p storage.Page) ([]*storage.Actor, []int64, error) { return r.DB.ListListMembers(ctx, l.ID, p) })
		if err != nil {
			return err
		}
		if err := r.removeOthers(members, keep[l.Title], "taken out of a list", func(a *storage.Actor) error {
			return r.Outbox.RemoveFromList(ctx, r.me, l.ID, []int64{a.ID})
		}); err != nil {
			return err
		}
	}
	return nil
}
