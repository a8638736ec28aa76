package storage

import (
	"context"
	"strings"
	"time"
)

// FollowedTag is a hashtag a local account follows (Mastodon's followed tag): the public
// posts carrying it that are stored after the follow enter the account's home feed.
type FollowedTag struct {
	ID      int64  // the follow's row, the cursor of the followed tags' pages
	Name    string // lower case, without #
	Created time.Time
}

// TagFollowReader reads followed hashtags.
type TagFollowReader interface {
	// ListFollowedTags returns a page of the hashtags accountID follows, newest follow
	// first; cursors are the rows' ids (FollowedTag.ID).
	ListFollowedTags(ctx context.Context, accountID int64, p Page) ([]FollowedTag, error)
	// FollowedTagsAmong returns which of names (lower case, without #) accountID follows.
	FollowedTagsAmong(ctx context.Context, accountID int64, names []string) (map[string]bool, error)
	// CountFollowedTags counts the hashtags accountID follows.
	CountFollowedTags(ctx context.Context, accountID int64) (int, error)
	// TagFollowers returns the local accounts, but authorID, that follow one of the
	// hashtags names (lower case, without #: see HashtagNames), once each.
	TagFollowers(ctx context.Context, names []string, authorID int64) ([]int64, error)
}

// TagFollowWriter writes followed hashtags.
type TagFollowWriter interface {
	// FollowTag makes accountID follow the hashtag name (lower case, without #); following
	// one already followed changes nothing.
	FollowTag(ctx context.Context, accountID int64, name string, at time.Time) error
	// UnfollowTag ends accountID's follow of name; nothing when it did not follow it.
	UnfollowTag(ctx context.Context, accountID int64, name string) error
}

// HashtagNames are the names of a note's hashtags as tags are followed: lower case, without
// #, each once.
func HashtagNames(tags []Tag) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		name := strings.ToLower(strings.TrimPrefix(t.Name, "#"))
		if t.Type != "Hashtag" || name == "" || seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, name)
	}
	return out
}
