package reader

import (
	"context"

	"refuge/storage"
)

// FollowedTags is a page of the hashtags the local account follows, newest follow first.
func (rd *Reader) FollowedTags(ctx context.Context, accountID int64, p storage.Page) ([]storage.FollowedTag, error) {
	return rd.DB.ListFollowedTags(ctx, accountID, p)
}

// FollowsTags tells which of names (lower case, without #) v follows; none for an
// anonymous viewer.
func (rd *Reader) FollowsTags(ctx context.Context, v Viewer, names []string) (map[string]bool, error) {
	if v.localID() == 0 {
		return map[string]bool{}, nil
	}
	return rd.DB.FollowedTagsAmong(ctx, v.localID(), names)
}
