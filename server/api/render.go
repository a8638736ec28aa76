package api

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"refuge/federation/uris"
	"refuge/outbox/media"
	"refuge/reader"
	"refuge/storage"
	"refuge/templates"
)

// Ids. Every id is a row id written in decimal, which grows with the order rows are stored
// in: the order in which every Refuge list is kept and paged (storage.Page), so max_id,
// since_id and min_id are the very cursors storage pages by. A note fetched late (an old
// post backfilled into a thread) therefore sorts where it arrived, not where it was
// written; Mastodon's snowflake ids encode the creation time instead, which needs an id
// stored with each row and every list paged by it: not worth a migration while every list
// of Refuge's is in arrival order anyway.
//
// A status id is twice the note's row id; a boost shown in a timeline (Mastodon's reblog
// status, which wraps the boosted one) is twice the boost's row id plus one. The two
// tables count apart, and clients keep statuses in one map by id, so they must never share
// one.

// noteStatusID is the id of a note's status.
func noteStatusID(noteID int64) string { return strconv.FormatInt(noteID*2, 10) }

// boostStatusID is the id of the status that wraps a boost.
func boostStatusID(announceID int64) string { return strconv.FormatInt(announceID*2+1, 10) }

// parseStatusID reads a status id: the row id of its note, or of its boost when boost.
func parseStatusID(s string) (row int64, boost bool, ok bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 1 || n >= 1<<62 {
		return 0, false, false
	}
	return n / 2, n%2 == 1, true
}

// rowID is the id of an account or a notification.
func rowID(id int64) string { return strconv.FormatInt(id, 10) }

// timeOf writes a time as Mastodon does: ISO 8601 in UTC, with milliseconds.
func timeOf(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// render builds the entities of one answer for one viewer, each account once.
type render struct {
	h        *Handler
	ctx      context.Context
	viewer   *storage.Actor // nil: anonymous
	accounts map[int64]*Account
	counts   map[int64]storage.AccountCounts // of the accounts about to be rendered
	parents  map[string]storage.NoteRef      // the notes that the notes about to be rendered answer, when the viewer may read them
}

func (h *Handler) render(ctx context.Context, viewer *storage.Actor) *render {
	return &render{h: h, ctx: ctx, viewer: viewer, accounts: map[int64]*Account{}, counts: map[int64]storage.AccountCounts{},
		parents: map[string]storage.NoteRef{}}
}

// countAll reads the counts of every account of actors not read yet, in one query.
func (rn *render) countAll(actors ...*storage.Actor) error {
	var ids []int64
	for _, a := range actors {
		if a == nil {
			continue
		}
		if _, ok := rn.counts[a.ID]; !ok && !slices.Contains(ids, a.ID) {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	counts, err := rn.h.Read.AccountCounts(rn.ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		rn.counts[id] = counts[id]
	}
	return nil
}

func (rn *render) who() reader.Viewer { return reader.Local(rn.viewer) }

// findParents looks up, in one query, the parents of notes not looked up yet; one the viewer
// may not read (or not stored) is kept as a zero NoteRef, so that it is not looked up again.
func (rn *render) findParents(notes []*storage.Note) error {
	var todo []*storage.Note
	for _, n := range notes {
		if _, looked := rn.parents[n.InReplyToURI]; n.InReplyToURI != "" && !looked {
			todo = append(todo, n)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	found, err := rn.h.Read.Parents(rn.ctx, rn.who(), todo)
	if err != nil {
		return err
	}
	for _, n := range todo {
		rn.parents[n.InReplyToURI] = found[n.InReplyToURI]
	}
	return nil
}

// served is where an app loads a picture of an actor from: another server's from the
// remote media cache here; "" for none.
func (h *Handler) served(url string, local bool) string {
	if url == "" || local {
		return url
	}
	return h.URIs.RemoteMedia(url)
}

// account is the Account entity of a, with the counts everyone is shown (Mastodon's
// statuses_count leaves out direct posts and is the same for every viewer).
func (rn *render) account(a *storage.Actor) (*Account, error) {
	if acc, ok := rn.accounts[a.ID]; ok {
		return acc, nil
	}
	if err := rn.countAll(a); err != nil {
		return nil, err
	}
	c := rn.counts[a.ID]
	base := rn.h.URIs.Base()
	acc := &Account{ID: rowID(a.ID), Username: a.Username, Acct: a.Handle(), URL: cmp.Or(a.URL, a.URI), URI: a.URI,
		DisplayName: a.Name, Note: a.Summary, Avatar: cmp.Or(rn.h.served(a.IconURL, a.Local), base+templates.StaticURL("avatar.svg")),
		Header: cmp.Or(rn.h.served(a.ImageURL, a.Local), base+templates.StaticURL("header.svg")), Locked: a.Locked, Fields: []Field{},
		Emojis: rn.h.emojisOf(a.Emojis), Bot: a.Type == "Service" || a.Type == "Application", Group: a.Type == "Group",
		Discoverable: &a.Discoverable, Indexable: a.Indexable, CreatedAt: timeOf(a.Published.UTC().Truncate(24 * time.Hour)),
		StatusesCount: c.Posts, FollowersCount: c.Followers, FollowingCount: c.Following}
	if a.Local {
		acc.Acct = a.Username
	}
	acc.Limited = a.Limited()
	if a.Suspended() {
		no := false
		acc.Suspended, acc.DisplayName, acc.Note, acc.Locked, acc.Bot, acc.Discoverable, acc.Indexable = true, "", "", false, false, &no, false
		acc.Avatar, acc.Header = base+templates.StaticURL("avatar.svg"), base+templates.StaticURL("header.svg")
	} else {
		for _, f := range a.Fields {
			acc.Fields = append(acc.Fields, Field{Name: f.Name, Value: f.Value})
		}
	}
	acc.AvatarStatic, acc.HeaderStatic = acc.Avatar, acc.Header
	rn.accounts[a.ID] = acc // before the account it moved to, which may have moved back
	if a.MovedTo != "" && !a.Suspended() {
		if to, err := rn.h.Read.Actor(rn.ctx, a.MovedTo); err == nil && to.ID != a.ID {
			m, err := rn.account(to)
			if err != nil {
				return nil, err
			}
			flat := *m // one level, as Mastodon's: a chain of moves is no nesting without end
			flat.Moved = nil
			acc.Moved = &flat
		}
	}
	return acc, nil
}

// statuses are the Status entities of notes, which the viewer may read, with its own state
// of each (liked, boosted, pinned, bookmarked) when there is a viewer, read in one query,
// and their emoji reactions, read in another.
func (rn *render) statuses(notes []*storage.Note) ([]*Status, error) {
	st, err := rn.h.Read.ViewerState(rn.ctx, rn.viewer, notes)
	if err != nil {
		return nil, err
	}
	reactions, err := rn.h.Read.ReactionGroups(rn.ctx, rn.viewer, notes)
	if err != nil {
		return nil, err
	}
	authors := make([]*storage.Actor, len(notes))
	for i, n := range notes {
		authors[i] = n.Author
	}
	if err := rn.countAll(authors...); err != nil {
		return nil, err
	}
	if err := rn.findParents(notes); err != nil {
		return nil, err
	}
	out := make([]*Status, 0, len(notes))
	for _, n := range notes {
		s, err := rn.status(n)
		if err != nil {
			return nil, err
		}
		s.Pleroma = &StatusPleroma{EmojiReactions: rn.h.emojiReactions(reactions[n.ID])}
		if rn.viewer != nil {
			s.Favourited, s.Reblogged, s.Pinned = ptr(st.Liked[n.ID]), ptr(st.Boosted[n.ID]), ptr(st.Pinned[n.ID])
			s.Muted, s.Bookmarked = ptr(false), ptr(st.Bookmarked[n.ID])
			if s.Poll != nil {
				s.Poll.withVotes(st.Votes[n.ID])
			}
			s.Filtered = filterResults(n.Filtered)
			s.hidden = n.Hidden
		}
		out = append(out, s)
	}
	if err := rn.quotes(rn.ctx, notes, out); err != nil {
		return nil, err
	}
	return out, nil
}

// status is the Status entity of n, without the viewer's state (see statuses).
func (rn *render) status(n *storage.Note) (*Status, error) {
	author, err := rn.account(n.Author)
	if err != nil {
		return nil, err
	}
	s := &Status{ID: noteStatusID(n.ID), URI: n.URI, URL: ptr(cmp.Or(n.URL, n.URI)), Account: author, Content: n.Content,
		CreatedAt: timeOf(n.Published), Emojis: rn.h.emojisOf(n.Tags), RepliesCount: n.Replies, ReblogsCount: n.Announces,
		FavouritesCount: n.Likes, Sensitive: n.Sensitive, SpoilerText: n.Summary, Visibility: visibilityOf(n.Visibility),
		MediaAttachments: []MediaAttachment{}, Mentions: []Mention{}, Tags: []Tag{}}
	if n.Card != nil {
		s.Content = cardContent(n)
	}
	if !n.Updated.IsZero() && n.Updated.After(n.Published) {
		s.EditedAt = ptr(timeOf(n.Updated))
	}
	if n.Language != "" {
		s.Language = &n.Language
	}
	if n.Poll != nil {
		s.Poll = pollOf(n, time.Now())
	}
	if n.InReplyToURI != "" {
		// Only a parent the viewer may read is named, exactly as the thread shows it.
		if _, looked := rn.parents[n.InReplyToURI]; !looked {
			if err := rn.findParents([]*storage.Note{n}); err != nil {
				return nil, err
			}
		}
		if p := rn.parents[n.InReplyToURI]; p.ID != 0 {
			s.InReplyToID, s.InReplyToAccountID = ptr(noteStatusID(p.ID)), ptr(rowID(p.ActorID))
		}
	}
	for _, m := range n.Media {
		s.MediaAttachments = append(s.MediaAttachments, mediaOf(rn.h.URIs, m))
	}
	for _, t := range n.Tags {
		switch t.Type {
		case "Mention":
			a, err := rn.h.Read.Actor(rn.ctx, t.Href)
			if err != nil {
				continue // an actor never fetched: Mastodon lists only the accounts it knows
			}
			acct := a.Handle()
			if a.Local {
				acct = a.Username
			}
			s.Mentions = append(s.Mentions, Mention{ID: rowID(a.ID), Username: a.Username, URL: cmp.Or(a.URL, a.URI), Acct: acct})
		case "Hashtag":
			name := strings.ToLower(strings.TrimPrefix(t.Name, "#"))
			s.Tags = append(s.Tags, Tag{Name: name, URL: rn.h.URIs.Tag(name)})
		}
	}
	return s, nil
}

// feed is the Status entities of a page of a home feed: a boost wraps the boosted note's
// status in one of its own, by the booster, as Mastodon's reblogs do.
func (rn *render) feed(items []storage.FeedItem) ([]*Status, error) {
	notes := make([]*storage.Note, len(items))
	actors := make([]*storage.Actor, 0, len(items))
	for i, it := range items {
		notes[i] = it.Note
		actors = append(actors, it.Note.Author, it.Booster)
	}
	if err := rn.countAll(actors...); err != nil { // authors and boosters in one query
		return nil, err
	}
	inner, err := rn.statuses(notes)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		if it.Booster == nil {
			continue
		}
		if inner[i], err = rn.boost(it, inner[i]); err != nil {
			return nil, err
		}
	}
	return inner, nil
}

// boost is the status that wraps s, boosted in feed item it.
func (rn *render) boost(it storage.FeedItem, s *Status) (*Status, error) {
	booster, err := rn.account(it.Booster)
	if err != nil {
		return nil, err
	}
	r := it.Boost
	return &Status{ID: boostStatusID(r.ID), URI: r.URI, URL: ptr(r.URI), Account: booster, Reblog: s,
		CreatedAt: timeOf(it.Created), Emojis: []Emoji{}, Visibility: "public", MediaAttachments: []MediaAttachment{},
		Mentions: []Mention{}, Tags: []Tag{}, Favourited: s.Favourited, Reblogged: s.Reblogged, Muted: s.Muted,
		Bookmarked: s.Bookmarked, Pinned: s.Pinned, Filtered: s.Filtered}, nil
}

// mediaOf is the MediaAttachment entity of m: an image with its sizes when known; a video
// ("gifv" when it is known to have no sound, as Mastodon calls a silent loop) or audio file
// with its size, duration and frame rate as far as they are known, and no preview, as there
// is no still picture of it; "unknown" for any other file a remote post attached.
//
// Another server's file is given from the remote media cache here (url and preview_url),
// its original as remote_url, as Mastodon does: apps load nothing from other servers.
func mediaOf(u uris.Local, m storage.Media) MediaAttachment {
	a := MediaAttachment{ID: rowID(m.ID), Type: mediaKind(m), URL: m.URL}
	if a.Type == "image" || m.ThumbPath != "" {
		a.PreviewURL = ptr(m.ThumbURL())
	}
	if m.Path == "" { // not an upload of ours
		a.RemoteURL = ptr(m.URL)
		if a.Type != "unknown" {
			a.URL = u.RemoteMedia(m.URL)
		}
		if a.Type == "image" {
			a.PreviewURL = ptr(u.RemoteThumb(m.URL))
		}
	}
	if m.Description != "" {
		a.Description = &m.Description
	}
	if m.Blurhash != "" {
		a.Blurhash = &m.Blurhash
	}
	if m.Width > 0 && m.Height > 0 {
		a.Meta.Original = sizeOf(m.Width, m.Height)
		if m.ThumbPath != "" {
			w, h := thumbSize(m.Width, m.Height)
			a.Meta.Small = sizeOf(w, h)
		}
	}
	if a.Type == "image" {
		return a
	}
	if m.Duration > 0 || m.FrameRate != "" {
		if a.Meta.Original == nil {
			a.Meta.Original = &MediaSize{}
		}
		a.Meta.Original.Duration, a.Meta.Original.FrameRate = m.Duration, m.FrameRate
	}
	if m.Duration > 0 {
		a.Meta.Duration, a.Meta.Length = m.Duration, length(m.Duration)
	}
	return a
}

// mediaKind is Mastodon's type of an attachment. An attachment of no stated type is taken
// for an image, as the fediverse's oldest posts carry them.
func mediaKind(m storage.Media) string {
	switch t := m.MediaType; {
	case t == "" || strings.HasPrefix(t, "image/"):
		return "image"
	case strings.HasPrefix(t, "video/") && m.Silent:
		return "gifv"
	case strings.HasPrefix(t, "video/"):
		return "video"
	case strings.HasPrefix(t, "audio/"):
		return "audio"
	}
	return "unknown"
}

// length writes a duration in seconds as Mastodon's meta.length does: "0:01:28.65".
func length(seconds float64) string {
	cs := int64(math.Round(seconds * 100))
	return fmt.Sprintf("%d:%02d:%02d.%02d", cs/360000, cs/6000%60, cs/100%60, cs%100)
}

func sizeOf(w, h int) *MediaSize {
	return &MediaSize{Width: w, Height: h, Size: fmt.Sprintf("%dx%d", w, h), Aspect: float64(w) / float64(h)}
}

// thumbSize is the size of the thumbnail of a w×h image: its longer side scaled down to the
// thumbnail's, never up.
func thumbSize(w, h int) (int, int) {
	side := max(w, h)
	if side <= media.ThumbnailSide {
		return w, h
	}
	return max(1, w*media.ThumbnailSide/side), max(1, h*media.ThumbnailSide/side)
}

// visibilityOf is Mastodon's name of a visibility: its followers-only posts are "private".
func visibilityOf(v storage.Visibility) string {
	if v == storage.Followers {
		return "private"
	}
	return string(v)
}

// relationship is the Relationship entity of the viewer and a.
func (rn *render) relationship(a *storage.Actor) Relationship {
	rel := rn.h.Read.Relationship(rn.ctx, rn.viewer, a)
	return Relationship{ID: rowID(a.ID), Following: rel.Following, ShowingReblogs: rel.ShowingReblogs,
		Languages: []string{}, FollowedBy: rel.FollowsYou, Blocking: rel.Blocking, BlockedBy: rel.BlockedBy,
		Muting: rel.Muting, MutingNotifications: rel.MutingNotifications, Requested: rel.Requested,
		DomainBlocking: rel.DomainBlocking,
		RequestedBy:    rel.RequestsYou}
}

// emojisOf is the Emoji entities of the custom emoji among tags: this instance's own where
// they are, and in the picker (GET /api/v1/custom_emojis lists them), as Mastodon's are;
// another server's from the remote media cache, as Mastodon serves remote emoji from its
// own, and never in the picker.
func (h *Handler) emojisOf(tags []storage.Tag) []Emoji {
	out := []Emoji{}
	for _, t := range tags {
		if t.Type == storage.TagEmoji {
			url, local := t.Href, storage.HostOf(t.Href) == h.Domain
			if !local {
				url = h.URIs.RemoteMedia(url)
			}
			out = append(out, Emoji{Shortcode: strings.Trim(t.Name, ":"), URL: url, StaticURL: url, VisibleInPicker: local})
		}
	}
	return out
}

// notificationTypes maps the kinds Refuge stores to Mastodon's types: a reply notifies as a
// mention, as Mastodon's do.
var notificationTypes = map[storage.NotificationKind]string{
	storage.NotificationFollow:        "follow",
	storage.NotificationFollowRequest: "follow_request",
	storage.NotificationMention:       "mention",
	storage.NotificationReply:         "mention",
	storage.NotificationLike:          "favourite",
	storage.NotificationAnnounce:      "reblog",
	storage.NotificationMove:          "move",  // account: who moved; its moved: where to
	storage.NotificationPoll:          "poll",  // account: the poll's author; status: the poll
	storage.NotificationQuote:         "quote", // account: who quoted; status: the quote post
	// Pleroma's and Akkoma's type, with the emoji; Mastodon's apps ignore types they do not
	// know, and those that ask for types[] never get it.
	storage.NotificationReaction: "pleroma:emoji_reaction",
}

// notification is the Notification entity of n.
func (rn *render) notification(n *storage.Notification) (*Notification, error) {
	acc, err := rn.account(n.Actor)
	if err != nil {
		return nil, err
	}
	out := &Notification{ID: rowID(n.ID), Type: notificationTypes[n.Type], GroupKey: reader.GroupKey(n, reader.Groupable),
		CreatedAt: timeOf(n.Created), Account: acc}
	if n.Type == storage.NotificationReaction {
		out.Emoji = &n.Emoji
		if n.EmojiURL != "" {
			out.EmojiURL = ptr(rn.h.served(n.EmojiURL, false))
		}
	}
	if n.Note != nil && rn.h.Read.Visible(rn.ctx, rn.who(), n.Note) == nil {
		list, err := rn.statuses([]*storage.Note{n.Note})
		if err != nil {
			return nil, err
		}
		out.Status = list[0]
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }
