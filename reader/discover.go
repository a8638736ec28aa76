package reader

import (
	"context"
	"strings"
	"time"

	"refuge/storage"
)

// SearchQuery is a search of accounts, posts and hashtags, as the client API asks it.
type SearchQuery struct {
	Text                  string
	Accounts, Notes, Tags bool  // which kinds to look for
	Resolve               bool  // look a remote handle or address up (a local viewer only)
	Following             bool  // only accounts the viewer follows
	AuthorID              int64 // only posts of this account, when not 0
	Before, After         int64 // only posts with ids in between, when set
	ByRelevance           bool  // posts best first rather than newest first
	Limit, Offset         int
}

// SearchResults is what a search found, each kind best first.
type SearchResults struct {
	Actors []*storage.Actor
	Notes  []*storage.Note
	Tags   []string // lower case, without '#'
	// Unresolved says why a handle or address that was to be looked up on its server found
	// nothing there (not found, refused, timed out), for a page to say; the client API
	// answers with what was found, as Mastodon does.
	Unresolved error
}

// Search finds what q asks for, as v may see it. Accounts match by handle and display
// name, hashtags by their beginning. Posts match by the terms of their text in the
// full-text index (storage/textindex says what a term is; hashtags and mentions are terms
// too), among those v may read and find: its own, those it interacted with, and the public
// posts of indexable authors; a visitor finds public posts of indexable local accounts
// (storage.NoteSearch). With Resolve, a handle on another
// server (user@host) is looked up there, and an address (https://...) is looked up as
// Lookup does for the web search page: it is then the only result, as in Mastodon.
func (rd *Reader) Search(ctx context.Context, v Viewer, q SearchQuery) (*SearchResults, error) {
	res := &SearchResults{}
	text := strings.TrimSpace(q.Text)
	if text == "" || q.Limit <= 0 {
		return res, nil
	}
	resolve := q.Resolve && v.Local != nil && q.Offset == 0
	if resolve && (strings.HasPrefix(text, "https://") || strings.HasPrefix(text, "http://")) {
		actor, note, err := rd.Lookup(ctx, v, text)
		if err != nil {
			res.Unresolved = err
			return res, internalOnly(err) // an address that leads nowhere finds nothing
		}
		if actor != nil && q.Accounts {
			res.Actors = []*storage.Actor{actor}
		}
		if note != nil && q.Notes {
			res.Notes = []*storage.Note{note}
		}
		return res, nil
	}
	var err error
	spaced := strings.ContainsAny(text, " \t\n")
	if q.Accounts && !strings.HasPrefix(text, "#") && !(strings.Contains(text, "@") && spaced) {
		if res.Actors, res.Unresolved, err = rd.searchActors(ctx, v, text, resolve, q); err != nil {
			return nil, err
		}
	}
	if q.Notes {
		var searcher int64 // a visitor, or a remote actor: what anyone may find
		if v.Local != nil {
			searcher = v.Local.ID
		}
		notes, err := rd.DB.SearchNotes(ctx, storage.NoteSearch{Text: text, ActorID: searcher, AuthorID: q.AuthorID,
			Before: q.Before, After: q.After, ByRelevance: q.ByRelevance, Limit: q.Limit, Offset: q.Offset})
		if err != nil {
			return nil, err
		}
		for _, n := range notes {
			if rd.seeNote(ctx, v, n) != nil {
				res.Notes = append(res.Notes, n)
			}
		}
	}
	if q.Tags && !strings.Contains(text, "@") && !spaced {
		if tag, err := NormalizeTag(text); err == nil {
			if res.Tags, err = rd.DB.SearchTags(ctx, tag, q.Limit, q.Offset); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// searchActors finds the accounts matching text: a name, or a handle user@host whose host
// is matched by its beginning. With resolve, a handle on another server is looked up there
// first and comes first; unresolved says why that found nothing.
func (rd *Reader) searchActors(ctx context.Context, v Viewer, text string, resolve bool, q SearchQuery) (found []*storage.Actor, unresolved, err error) {
	user, host, _ := strings.Cut(strings.TrimPrefix(text, "@"), "@")
	aq := storage.ActorQuery{Name: user, Host: strings.ToLower(host), Limit: q.Limit, Offset: q.Offset, Viewer: v.ID()}
	if q.Following && v.Local != nil {
		aq.FollowedBy = v.Local.ID
	}
	if resolve && user != "" && host != "" && !strings.EqualFold(host, rd.Domain) {
		a, err := rd.Handle(ctx, user, host)
		switch {
		case err != nil:
			if err := internalOnly(err); err != nil {
				return nil, nil, err
			}
			unresolved = err
		case !q.Following || rd.Relationship(ctx, v.Local, a).Following:
			found = append(found, a)
		}
	}
	list, err := rd.DB.SearchActors(ctx, aq)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range list {
		if len(found) == q.Limit {
			break
		}
		if len(found) == 0 || a.ID != found[0].ID {
			found = append(found, a)
		}
	}
	return found, unresolved, nil
}

// internalOnly is err when it is our own failure, nil when it only says that what was
// looked up could not be found, read or reached.
func internalOnly(err error) error {
	if storage.KindOf(err) == storage.Internal {
		return err
	}
	return nil
}

// TagDay is how much a hashtag was used on one day (UTC).
type TagDay struct {
	Day      time.Time
	Uses     int
	Accounts int
}

// TrendDays is how many days the trends and a hashtag's history look back on.
const TrendDays = 7

// TagUsage is how much a hashtag was used over the last TrendDays days: on each day,
// today first, and in all (its distinct authors over the whole week, not the sum of the
// days', in which one author posting on two days would count twice).
type TagUsage struct {
	Days     []TagDay
	Uses     int
	Accounts int
}

// TagHistory is how much hashtag name was used on each of the last TrendDays days, today
// first: its public posts and their distinct authors.
func (rd *Reader) TagHistory(ctx context.Context, name string, now time.Time) ([]TagDay, error) {
	u, err := rd.TagUsage(ctx, name, now)
	if err != nil {
		return nil, err
	}
	return u.Days, nil
}

// TagUsage is how much hashtag name was used over the last TrendDays days (UTC), as
// TagHistory counts it, with the totals a tag page shows.
func (rd *Reader) TagUsage(ctx context.Context, name string, now time.Time) (*TagUsage, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	posts, err := rd.DB.ListTagPosts(ctx, name, today.AddDate(0, 0, -(TrendDays-1)))
	if err != nil {
		return nil, err
	}
	u := &TagUsage{Days: make([]TagDay, TrendDays)}
	authors := make([]map[int64]bool, TrendDays)
	all := map[int64]bool{}
	for i := range u.Days {
		u.Days[i].Day, authors[i] = today.AddDate(0, 0, -i), map[int64]bool{}
	}
	for _, p := range posts {
		i := int(today.Sub(p.Published.UTC().Truncate(24*time.Hour)) / (24 * time.Hour))
		if i < 0 || i >= TrendDays {
			continue
		}
		u.Days[i].Uses++
		authors[i][p.ActorID] = true
		u.Uses++
		all[p.ActorID] = true
	}
	for i := range u.Days {
		u.Days[i].Accounts = len(authors[i])
	}
	u.Accounts = len(all)
	return u, nil
}

// TrendingTags are the hashtags of the public posts of the last TrendDays days, those
// used by the most accounts first. Nobody reviews them, unlike Mastodon's trends.
func (rd *Reader) TrendingTags(ctx context.Context, now time.Time, limit, offset int) ([]storage.TagUse, error) {
	since := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(TrendDays - 1))
	return rd.DB.ListTagUses(ctx, since, limit, offset)
}

// Trends are the trending hashtags the pages show: over the last day and over the week.
type Trends struct {
	Day  []storage.TagUse // the public posts of the last 24 hours
	Week []storage.TagUse // those of the last TrendDays days, as TrendingTags has them
}

// Trends are the limit hashtags used by the most accounts in the public posts of the last
// 24 hours, and those of the week (TrendingTags). Ranking by accounts rather than posts
// means one account posting a tag many times does not make it trend.
func (rd *Reader) Trends(ctx context.Context, now time.Time, limit int) (*Trends, error) {
	day, err := rd.DB.ListTagUses(ctx, now.Add(-24*time.Hour), limit, 0)
	if err != nil {
		return nil, err
	}
	week, err := rd.TrendingTags(ctx, now, limit, 0)
	if err != nil {
		return nil, err
	}
	return &Trends{Day: day, Week: week}, nil
}

// Peers are the hosts of the other servers whose actors this instance knows.
func (rd *Reader) Peers(ctx context.Context) ([]string, error) {
	return rd.DB.ListPeerHosts(ctx)
}

// WeekActivity is what happened on the instance in the week from Week.
type WeekActivity struct {
	Week                         time.Time
	Posts, Logins, Registrations int
}

// Activity is the instance's activity in each of the last weeks weeks, this week first.
// A week starts on Monday (UTC), as Mastodon's do.
func (rd *Reader) Activity(ctx context.Context, now time.Time, weeks int) ([]WeekActivity, error) {
	day := now.UTC().Truncate(24 * time.Hour)
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	out := make([]WeekActivity, 0, weeks)
	for i := range weeks {
		from := monday.AddDate(0, 0, -7*i)
		w := WeekActivity{Week: from}
		var err error
		if w.Posts, w.Logins, w.Registrations, err = rd.DB.CountLocalActivity(ctx, from, from.AddDate(0, 0, 7)); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}
