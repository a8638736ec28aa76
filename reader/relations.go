package reader

import (
	"context"
	"time"

	"refuge/storage"
)

// Network is a page of actor's followers (or of the accounts it follows) as v sees it:
// nothing when actor blocks v, as Mastodon shows a blocked viewer no one; cursors are the
// follow rows' paging ids.
func (rd *Reader) Network(ctx context.Context, v Viewer, actorID int64, followers bool, p storage.Page) (actors []*storage.Actor, cursors []int64, err error) {
	if id := v.localID(); id != 0 && id != actorID {
		if _, err := rd.DB.GetAccountBlock(ctx, actorID, id); err == nil {
			return nil, nil, nil
		} else if storage.KindOf(err) != storage.NotFound {
			return nil, nil, err
		}
	}
	return rd.Follows(ctx, actorID, followers, false, p)
}

// Blocks is a page of the accounts the local account blocks, newest block first; cursors
// are the blocks' paging ids.
func (rd *Reader) Blocks(ctx context.Context, accountID int64, p storage.Page) (actors []*storage.Actor, cursors []int64, err error) {
	return rd.DB.ListAccountBlocks(ctx, accountID, p)
}

// DomainBlocks is a page of the servers the local account blocks, newest block first.
func (rd *Reader) DomainBlocks(ctx context.Context, accountID int64, p storage.Page) ([]*storage.AccountDomainBlock, error) {
	return rd.DB.ListAccountDomainBlocks(ctx, accountID, p)
}

// Mutes is a page of the accounts the local account mutes now, newest mute first; cursors
// are the mutes' paging ids.
func (rd *Reader) Mutes(ctx context.Context, accountID int64, p storage.Page) (actors []*storage.Actor, cursors []int64, err error) {
	return rd.DB.ListMutes(ctx, accountID, time.Now(), p)
}

// PostingDefaults are what the local account posts with when a client does not say.
func (rd *Reader) PostingDefaults(ctx context.Context, accountID int64) (storage.PostingDefaults, error) {
	return rd.DB.GetPostingDefaults(ctx, accountID)
}
