package storage

import (
	"context"
	"time"
)

// Communities (FEP-1b12): a group is a local actor of type Group that people on any server
// join by following it. A member's post addressed to the group is announced by it to every
// member, so that everyone sees everyone's posts. What is kept of a group beyond its actor
// row is here: who owns and moderates it, who is banned from it, what it announced, and
// what its moderators did.

// Group is what a local group has beyond its actor: Locked on the actor makes it a closed
// group, whose join requests wait for a moderator.
type Group struct {
	ActorID int64
	OwnerID int64 // the local account that made it; a moderator that cannot be removed
	// PostingRestricted lets only moderators start threads (Lemmy's
	// postingRestrictedToMods); members may still reply.
	PostingRestricted bool
	Rules             string // plain text, one rule a line
	Created           time.Time
}

// GroupBan keeps an account, or every account of a server (ActorID 0, Host set), out of a
// group: their posts are not announced and they cannot join.
type GroupBan struct {
	ID      int64
	GroupID int64
	ActorID int64  // 0 for a server
	Host    string // the banned account's server, or the banned server
	Reason  string
	Created time.Time
}

// GroupPost is a note a group announced. AnnounceURI is the id of the Announce of the note
// itself (what Mastodon, GoToSocial and Misskey show, as a boost by the group); ActivityURI
// that of the Announce of the activity that brought it (FEP-1b12's form, for Lemmy and
// others that take it), "" when the note came with none (a local member's post). Removed is
// when a moderator took it out of the group; zero while it stands.
type GroupPost struct {
	GroupID     int64
	NoteID      int64
	AuthorID    int64
	AnnounceURI string
	ActivityURI string
	Created     time.Time
	Removed     time.Time
}

// The moderation log's actions.
const (
	GroupLogRemove    = "remove"    // a post taken out of the group
	GroupLogBan       = "ban"       // an account or server banned
	GroupLogUnban     = "unban"     // a ban lifted
	GroupLogApprove   = "approve"   // a join request approved
	GroupLogReject    = "reject"    // a join request refused
	GroupLogModerator = "moderator" // a moderator added
	GroupLogDemote    = "demote"    // a moderator removed
	GroupLogRules     = "rules"     // the about text or rules edited
)

// GroupLogEntry is one line of a group's moderation log: who (a moderator) did what, to
// what (an account's or note's URI, or a server), and why.
type GroupLogEntry struct {
	ID          int64
	GroupID     int64
	ModeratorID int64
	Action      string
	Target      string
	Reason      string
	Created     time.Time
}

// GroupReader reads groups.
type GroupReader interface {
	// GetGroup returns the group of the local actor actorID; NotFound when it is none.
	GetGroup(ctx context.Context, actorID int64) (*Group, error)
	// ListGroups returns the instance's groups, oldest first.
	ListGroups(ctx context.Context) ([]*Group, error)
	// GroupModerators returns the ids of a group's moderators, its owner first.
	GroupModerators(ctx context.Context, groupID int64) ([]int64, error)
	// GroupBanned reports whether actorID, or its server host, is banned from groupID.
	GroupBanned(ctx context.Context, groupID, actorID int64, host string) (bool, error)
	// ListGroupBans returns a group's bans, newest first.
	ListGroupBans(ctx context.Context, groupID int64) ([]*GroupBan, error)
	// GetGroupPost returns what groupID announced of noteID; NotFound when it did not.
	GetGroupPost(ctx context.Context, groupID, noteID int64) (*GroupPost, error)
	// GroupsOfNote returns the group posts of noteID, in every group that announced it.
	GroupsOfNote(ctx context.Context, noteID int64) ([]*GroupPost, error)
	// CountGroupPosts counts what groupID announced since (of authorID only, when not 0),
	// removed or not: what its limits are measured by.
	CountGroupPosts(ctx context.Context, groupID, authorID int64, since time.Time) (int, error)
	// ListGroupLog returns a group's moderation log, newest first, at most limit entries.
	ListGroupLog(ctx context.Context, groupID int64, limit int) ([]*GroupLogEntry, error)
}

// GroupWriter writes them.
type GroupWriter interface {
	// CreateGroup stores g for the local actor g.ActorID, with its owner as first moderator.
	CreateGroup(ctx context.Context, g *Group) error
	// UpdateGroup saves a group's rules and posting restriction.
	UpdateGroup(ctx context.Context, g *Group) error
	// PutGroupModerator makes actorID a moderator of groupID; a repeat is a no-op.
	PutGroupModerator(ctx context.Context, groupID, actorID int64) error
	// DeleteGroupModerator removes one; NotFound when actorID was none.
	DeleteGroupModerator(ctx context.Context, groupID, actorID int64) error
	// PutGroupBan bans an account or a server; a repeat keeps the first ban and reports false.
	PutGroupBan(ctx context.Context, b *GroupBan) (bool, error)
	// DeleteGroupBan lifts the ban of an account (actorID) or of a server (actorID 0,
	// host); NotFound when there was none.
	DeleteGroupBan(ctx context.Context, groupID, actorID int64, host string) error
	// PutGroupPost records an announce; a repeat for the same note reports false.
	PutGroupPost(ctx context.Context, p *GroupPost) (bool, error)
	// RemoveGroupPost marks a group post removed at; NotFound when there is none standing.
	RemoveGroupPost(ctx context.Context, groupID, noteID int64, at time.Time) error
	// AddGroupLog appends to a group's moderation log.
	AddGroupLog(ctx context.Context, e *GroupLogEntry) error
}

// PeerSoftware is what a server's NodeInfo says it runs (software.name, lower case; "" when
// it could not be read), and when that was asked.
type PeerSoftware struct {
	Host     string
	Software string
	Version  string
	Fetched  time.Time
}

// PeerSoftwareReader reads what servers run.
type PeerSoftwareReader interface {
	// GetPeerSoftware returns what host runs, as last read; NotFound when never read.
	GetPeerSoftware(ctx context.Context, host string) (*PeerSoftware, error)
	// PeerSoftwareOf returns what each of hosts runs, as far as known ("" for unknown).
	PeerSoftwareOf(ctx context.Context, hosts []string) (map[string]string, error)
}

// PeerSoftwareWriter records it.
type PeerSoftwareWriter interface {
	// PutPeerSoftware adds or replaces the entry of p.Host.
	PutPeerSoftware(ctx context.Context, p *PeerSoftware) error
}
