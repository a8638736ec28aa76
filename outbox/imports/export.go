package imports

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"refuge/storage"
)

// ExportName is the file name Mastodon gives the CSV of kind k, which downloads use.
func ExportName(k storage.ImportKind) string {
	switch k {
	case storage.ImportFollows:
		return "following_accounts.csv"
	case storage.ImportMutes:
		return "muted_accounts.csv"
	case storage.ImportBlocks:
		return "blocked_accounts.csv"
	case storage.ImportDomainBlocks:
		return "blocked_domains.csv"
	}
	return string(k) + ".csv"
}

// Export writes the CSV of kind k of local account me to w, as Mastodon's Export writes
// it: the following list and the muted accounts with their header row, the others
// without; newest first where Mastodon orders them so; true and false spelled out;
// addresses user@host without @. Invalid for the archive, which is not a CSV.
func Export(ctx context.Context, db storage.Reader, k storage.ImportKind, me *storage.Actor, w io.Writer) error {
	cw := csv.NewWriter(w)
	var err error
	switch k {
	case storage.ImportFollows:
		err = exportFollows(ctx, db, me, cw)
	case storage.ImportMutes:
		err = exportMutes(ctx, db, me, cw)
	case storage.ImportBlocks:
		err = eachActor(func(p storage.Page) ([]*storage.Actor, []int64, error) { return db.ListAccountBlocks(ctx, me.ID, p) },
			func(a *storage.Actor) error { return cw.Write([]string{a.Handle()}) })
	case storage.ImportDomainBlocks:
		err = exportDomainBlocks(ctx, db, me, cw)
	case storage.ImportBookmarks:
		err = exportBookmarks(ctx, db, me, cw)
	case storage.ImportLists:
		err = exportLists(ctx, db, me, cw)
	default:
		return storage.Errorf(storage.Invalid, "there is no CSV of %q", k)
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", k, err)
	}
	cw.Flush()
	return cw.Error()
}

// eachActor calls each for every actor of every page of list, in its order.
func eachActor(list func(p storage.Page) ([]*storage.Actor, []int64, error), each func(a *storage.Actor) error) error {
	p := storage.Page{Limit: 1000}
	for {
		as, cursors, err := list(p)
		if err != nil || len(as) == 0 {
			return err
		}
		for _, a := range as {
			if err := each(a); err != nil {
				return err
			}
		}
		p.Before = cursors[len(cursors)-1]
	}
}

func exportFollows(ctx context.Context, db storage.Reader, me *storage.Actor, cw *csv.Writer) error {
	if err := cw.Write([]string{colAccount, colBoosts, colNotify, colLangs}); err != nil {
		return err
	}
	return eachActor(func(p storage.Page) ([]*storage.Actor, []int64, error) { return db.ListFollowing(ctx, me.ID, p) },
		func(a *storage.Actor) error {
			f, err := db.GetFollow(ctx, me.ID, a.ID)
			if err != nil {
				return err
			}
			// Refuge has no per-follow notifications of new posts, nor languages: Mastodon's
			// defaults, false and none.
			return cw.Write([]string{a.Handle(), strconv.FormatBool(!f.HideReblogs), "false", ""})
		})
}

func exportMutes(ctx context.Context, db storage.Reader, me *storage.Actor, cw *csv.Writer) error {
	if err := cw.Write([]string{colAccount, colHideNote}); err != nil {
		return err
	}
	now := time.Now()
	return eachActor(func(p storage.Page) ([]*storage.Actor, []int64, error) { return db.ListMutes(ctx, me.ID, now, p) },
		func(a *storage.Actor) error {
			m, err := db.GetMute(ctx, me.ID, a.ID, now)
			if storage.KindOf(err) == storage.NotFound {
				return nil // ended meanwhile
			}
			if err != nil {
				return err
			}
			return cw.Write([]string{a.Handle(), strconv.FormatBool(m.Notifications)})
		})
}

func exportDomainBlocks(ctx context.Context, db storage.Reader, me *storage.Actor, cw *csv.Writer) error {
	p := storage.Page{Limit: 1000}
	for {
		bs, err := db.ListAccountDomainBlocks(ctx, me.ID, p)
		if err != nil || len(bs) == 0 {
			return err
		}
		for _, b := range bs {
			if err := cw.Write([]string{b.Domain}); err != nil {
				return err
			}
		}
		p.Before = bs[len(bs)-1].ID
	}
}

func exportBookmarks(ctx context.Context, db storage.Reader, me *storage.Actor, cw *csv.Writer) error {
	p := storage.Page{Limit: 1000}
	for {
		ns, cursors, err := db.ListBookmarked(ctx, me.ID, p)
		if err != nil || len(ns) == 0 {
			return err
		}
		for _, n := range ns {
			if err := cw.Write([]string{n.URI}); err != nil {
				return err
			}
		}
		p.Before = cursors[len(cursors)-1]
	}
}

func exportLists(ctx context.Context, db storage.Reader, me *storage.Actor, cw *csv.Writer) error {
	ls, err := db.ListLists(ctx, me.ID)
	if err != nil {
		return err
	}
	for _, l := range ls {
		err := eachActor(func(p storage.Page) ([]*storage.Actor, []int64, error) { return db.ListListMembers(ctx, l.ID, p) },
			func(a *storage.Actor) error { return cw.Write([]string{l.Title, a.Handle()}) })
		if err != nil {
			return err
		}
	}
	return nil
}
