package reader

import (
	"context"

	"refuge/storage"
)

// Lists are the local account's lists, oldest first.
func (rd *Reader) Lists(ctx context.Context, accountID int64) ([]*storage.List, error) {
	return rd.DB.ListLists(ctx, accountID)
}

// List is the account's list id: NotFound when it has no such list, another account's
// included (Mastodon answers 404 for those as well).
func (rd *Reader) List(ctx context.Context, accountID, id int64) (*storage.List, error) {
	return rd.DB.GetList(ctx, accountID, id)
}

// ListMembers is a page of the members of the account's list id; cursors are the
// memberships' paging ids. NotFound when the account has no such list.
func (rd *Reader) ListMembers(ctx context.Context, accountID, id int64, p storage.Page) (actors []*storage.Actor, cursors []int64, err error) {
	if _, err := rd.DB.GetList(ctx, accountID, id); err != nil {
		return nil, nil, err
	}
	return rd.DB.ListListMembers(ctx, id, p)
}

// ListsWith are the account's lists that have memberID among their members.
func (rd *Reader) ListsWith(ctx context.Context, accountID, memberID int64) ([]*storage.List, error) {
	return rd.DB.ListsWith(ctx, accountID, memberID)
}

// ListTimeline is a page of the timeline of the account's list id: what its members posted
// or boosted into the account's home feed, the list's replies policy applied, hidden and
// filtered as the home timeline is (Mastodon applies the home context's filters to lists).
// It pages by feed rows, as Home does (HomePosition). NotFound when the account has no
// such list.
func (rd *Reader) ListTimeline(ctx context.Context, accountID, id int64, p storage.Page) (*HomePage, error) {
	l, err := rd.DB.GetList(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	p.List = l
	return rd.feedPage(ctx, accountID, p)
}
