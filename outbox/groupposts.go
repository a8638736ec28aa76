package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// A member's post to a group is announced by the group to every member. FEP-1b12 has the
// group announce the activity that brought the post (the Create), and Lemmy and its kin
// show only that; Mastodon, GoToSocial and Misskey show only an Announce of the post itself,
// as a boost by the group. So each member's server is sent the form its software shows,
// told by its NodeInfo (federation.Remote.Software); a server whose software is not known
// gets the boost, which every server understands.

// GroupLimits bound what a group announces in an hour: in all, and of one member, so that
// nobody floods it. Zero means the default.
type GroupLimits struct {
	PerHour, PerMemberHour int
}

// The default limits.
const (
	defaultGroupPerHour       = 600
	defaultGroupPerMemberHour = 30
)

// activitySoftware are the servers that take FEP-1b12's Announce of an activity.
var activitySoftware = map[string]bool{"lemmy": true, "mbin": true, "kbin": true, "piefed": true,
	"friendica": true, "hubzilla": true, "streams": true, "forte": true, "nodebb": true, "discourse": true, "refuge": true,
}

// TakesGroupActivities reports whether software shows a group's Announce of an activity
// rather than of a post.
func TakesGroupActivities(software string) bool { return activitySoftware[software] }

// GroupsOf returns the local groups note n is posted to: named as its audience, addressed
// in its to or cc, mentioned, or (for a reply) those whose thread it continues: the groups
// that announced what it answers (and did not remove it since), or that what it answers
// was posted to.
func (s *Service) GroupsOf(ctx context.Context, r storage.Reader, n *storage.Note) ([]*storage.Actor, error) {
	var uris []string
	add := func(uri string) {
		if uri != "" && storage.HostOf(uri) == s.Domain && !slices.Contains(uris, uri) {
			uris = append(uris, uri)
		}
	}
	add(n.Audience)
	for _, uri := range slices.Concat(n.To, n.Cc) {
		add(uri)
	}
	for _, t := range n.Tags {
		if t.Type == federation.TypeMention {
			add(t.Href)
		}
	}
	var groups []*storage.Actor
	for _, uri := range uris {
		a, err := r.GetActorByURI(ctx, uri)
		if err == nil && a.Local && a.Type == federation.TypeGroup && a.DeletedAt.IsZero() {
			groups = append(groups, a)
		}
	}
	if n.InReplyToURI == "" {
		return groups, nil
	}
	parent, err := r.GetNoteByURI(ctx, n.InReplyToURI)
	if storage.KindOf(err) == storage.NotFound {
		return groups, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the post a reply answers: %w", err)
	}
	posts, err := r.GroupsOfNote(ctx, parent.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range posts {
		if p.Removed.IsZero() && !slices.ContainsFunc(groups, func(g *storage.Actor) bool { return g.ID == p.GroupID }) {
			if g, err := r.GetActorByID(ctx, p.GroupID); err == nil && g.DeletedAt.IsZero() {
				groups = append(groups, g)
			}
		}
	}
	if parent.Audience != "" && storage.HostOf(parent.Audience) == s.Domain {
		if g, err := r.GetActorByURI(ctx, parent.Audience); err == nil && g.Type == federation.TypeGroup &&
			g.DeletedAt.IsZero() && !slices.ContainsFunc(groups, func(x *storage.Actor) bool { return x.ID == g.ID }) {
			groups = append(groups, g)
		}
	}
	return groups, nil
}

// Why a group does not announce a post: each is logged, none is an error of the delivery
// that brought the post, which is kept as any post is.
var (
	errNotMember   = storage.Errorf(storage.Forbidden, "only the group's members may post to it")
	errGroupBanned = storage.Errorf(storage.Forbidden, "the author is banned from the group")
	errModsOnly    = storage.Errorf(storage.Forbidden, "only the group's moderators start threads in it")
	errNotPublic   = storage.Errorf(storage.Forbidden, "a group announces only public and unlisted posts")
	errGroupFull   = storage.Errorf(storage.Forbidden, "the group announced as many posts as it may this hour")
	errMemberFull  = storage.Errorf(storage.Forbidden, "the member posted as many posts to the group as they may this hour")
)

// mayAnnounce says whether group announces n of author: a public or unlisted post of a
// member (an accepted follower, or a moderator), neither banned nor on a banned server,
// starting a thread only where members may, within the group's limits.
func (s *Service) mayAnnounce(ctx context.Context, tx storage.Tx, group, author *storage.Actor, n *storage.Note) error {
	if n.Visibility != storage.Public && n.Visibility != storage.Unlisted {
		return errNotPublic
	}
	g, err := tx.GetGroup(ctx, group.ID)
	if err != nil {
		return err
	}
	banned, err := tx.GroupBanned(ctx, group.ID, author.ID, author.Host)
	if err != nil {
		return err
	}
	if banned || author.Suspended() {
		return errGroupBanned
	}
	mods, err := tx.GroupModerators(ctx, group.ID)
	if err != nil {
		return err
	}
	moderator := slices.Contains(mods, author.ID)
	if !moderator {
		f, err := tx.GetFollow(ctx, author.ID, group.ID)
		if storage.KindOf(err) == storage.NotFound || err == nil && !f.Accepted {
			return errNotMember
		}
		if err != nil {
			return err
		}
		if g.PostingRestricted && n.InReplyToURI == "" {
			return errModsOnly
		}
	}
	limits := s.GroupLimits
	if limits.PerHour <= 0 {
		limits.PerHour = defaultGroupPerHour
	}
	if limits.PerMemberHour <= 0 {
		limits.PerMemberHour = defaultGroupPerMemberHour
	}
	since := s.now().Add(-time.Hour)
	if count, err := tx.CountGroupPosts(ctx, group.ID, 0, since); err != nil {
		return err
	} else if count >= limits.PerHour {
		return errGroupFull
	}
	if count, err := tx.CountGroupPosts(ctx, group.ID, author.ID, since); err != nil {
		return err
	} else if count >= limits.PerMemberHour && !moderator {
		return errMemberFull
	}
	return nil
}

// AnnounceInGroups has every local group that note n of author is posted to (GroupsOf)
// announce it, where the group lets it (mayAnnounce), inside tx. create is the activity
// that brought it, as received or sent, which FEP-1b12's form embeds unchanged. It reports
// whether anything was queued.
func (s *Service) AnnounceInGroups(ctx context.Context, tx storage.Tx, author *storage.Actor, n *storage.Note, create json.RawMessage) (bool, error) {
	groups, err := s.GroupsOf(ctx, tx, n)
	if err != nil || len(groups) == 0 {
		return false, err
	}
	queued := false
	for _, group := range groups {
		if group.ID == author.ID {
			continue
		}
		if err := s.mayAnnounce(ctx, tx, group, author, n); err != nil {
			if storage.KindOf(err) != storage.Forbidden {
				return false, err
			}
			s.Log.Info("group: post not announced", "group", group.URI, "post", n.URI, "reason", err)
			continue
		}
		sent, err := s.groupAnnounce(ctx, tx, group, author, n, create)
		if err != nil {
			return false, err
		}
		queued = queued || sent
	}
	return queued, nil
}

// groupAnnounce announces n in group: recorded as a group post and as the group's boost
// (so that members here find it in their home timelines, boosted by the group), and sent to
// every member's server in the form it shows.
func (s *Service) groupAnnounce(ctx context.Context, tx storage.Tx, group, author *storage.Actor, n *storage.Note, create json.RawMessage) (bool, error) {
	now := s.now()
	post := &storage.GroupPost{GroupID: group.ID, NoteID: n.ID, AuthorID: author.ID,
		AnnounceURI: s.activityURI(group, uris.Boosts), Created: now}
	if create != nil {
		post.ActivityURI = s.activityURI(group, uris.Boosts)
	}
	added, err := tx.PutGroupPost(ctx, post)
	if err != nil || !added {
		return false, err // announced already: a Create delivered twice, or a repeat
	}
	boost := &storage.Reaction{URI: post.AnnounceURI, ActorID: group.ID, NoteID: n.ID, Created: now}
	if _, err := tx.PutReaction(ctx, storage.Announce, boost); err != nil {
		return false, err
	}
	locals, err := tx.LocalFollowers(ctx, group.ID)
	if err != nil {
		return false, err
	}
	if err := tx.AddToFeed(ctx, locals, n.ID, boost.ID, now); err != nil {
		return false, err
	}
	if author.Local {
		if err := tx.Notify(ctx, author.ID, storage.NotificationAnnounce, group.ID, n.ID, now); err != nil {
			return false, err
		}
	}
	posts, activities, err := s.groupInboxes(ctx, tx, group, create != nil)
	if err != nil {
		return false, err
	}
	if !author.Local && !slices.Contains(posts, author.DeliveryInbox()) && !slices.Contains(activities, author.DeliveryInbox()) {
		// The author hears that it was announced, whatever its server shows.
		posts = append(posts, author.DeliveryInbox())
	}
	act := &federation.Activity{ID: post.AnnounceURI, Type: federation.TypeAnnounce, Audience: group.URI,
		To: []string{federation.PublicCollection}, Cc: []string{group.FollowersURI, author.URI}, Published: now}
	if _, err := s.emit(ctx, tx, group, act, n.URI, n.ID, storage.Public, posts); err != nil {
		return false, err
	}
	if create != nil && len(activities) > 0 {
		act := &federation.Activity{ID: post.ActivityURI, Type: federation.TypeAnnounce, Audience: group.URI,
			To: []string{federation.PublicCollection}, Cc: []string{group.FollowersURI}, Published: now}
		if _, err := s.emit(ctx, tx, group, act, create, n.ID, storage.Public, activities); err != nil {
			return false, err
		}
	}
	return true, nil
}

// groupInboxes splits the inboxes of a group's members on other servers between those sent
// the Announce of a post (posts) and those sent FEP-1b12's Announce of an activity
// (activities), by what each server runs. With withActivity false there is no activity to
// announce, and every server is sent the post.
func (s *Service) groupInboxes(ctx context.Context, tx storage.Tx, group *storage.Actor, withActivity bool) (posts, activities []string, err error) {
	inboxes, err := tx.FollowerInboxes(ctx, group.ID)
	if err != nil || !withActivity {
		return inboxes, nil, err
	}
	hosts := make([]string, 0, len(inboxes))
	for _, inbox := range inboxes {
		hosts = append(hosts, storage.HostOf(inbox))
	}
	software, err := tx.PeerSoftwareOf(ctx, hosts)
	if err != nil {
		return nil, nil, err
	}
	for i, inbox := range inboxes {
		if TakesGroupActivities(software[hosts[i]]) {
			activities = append(activities, inbox)
		} else {
			posts = append(posts, inbox)
		}
	}
	return posts, activities, nil
}

// ForwardInGroups has every local group that announced note n (and has not removed it)
// announce raw, an activity of its author about it (an Update), to its members' servers
// that take FEP-1b12's announced activities, so that an edit reaches every member there as
// the post did. Servers shown the post itself fetch it from its origin.
func (s *Service) ForwardInGroups(ctx context.Context, tx storage.Tx, author *storage.Actor, n *storage.Note, raw json.RawMessage) error {
	posts, err := tx.GroupsOfNote(ctx, n.ID)
	if err != nil {
		return err
	}
	for _, p := range posts {
		if !p.Removed.IsZero() || p.AuthorID != author.ID {
			continue
		}
		group, err := tx.GetActorByID(ctx, p.GroupID)
		if err != nil {
			return err
		}
		_, activities, err := s.groupInboxes(ctx, tx, group, true)
		if err != nil {
			return err
		}
		if len(activities) == 0 {
			continue
		}
		act := &federation.Activity{ID: s.activityURI(group, uris.Boosts), Type: federation.TypeAnnounce, Audience: group.URI,
			To: []string{federation.PublicCollection}, Cc: []string{group.FollowersURI}}
		if _, err := s.emit(ctx, tx, group, act, raw, n.ID, storage.Direct, activities); err != nil {
			return err
		}
	}
	return nil
}
