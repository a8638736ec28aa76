package outbox

import (
	"context"
	"fmt"

	"refuge/storage"
)

// AddInstanceBlock blocks target (a host or an actor URI, normalised by storage.BlockTarget)
// for the whole instance with severity suspend, as `refuge block add` does, and returns it
// as stored: Invalid when it is neither. Blocking twice is no error. The caller prunes the
// media cache, which keeps no outbox state.
func (s *Service) AddInstanceBlock(ctx context.Context, target string) (string, error) {
	b, err := s.PutInstanceBlock(ctx, storage.Block{Target: target, Severity: storage.BlockSuspend})
	return b.Target, err
}

// PutInstanceBlock stores the instance block b, as `refuge block add` and the admins' page
// do: a new one, or new severity and comments for a target blocked already (as Mastodon's
// domain blocks are edited). A silence refuses nothing; it makes every account of the
// target Limited. Invalid for a bad target, severity or comment (storage.CheckBlock).
// After a suspension the caller prunes the media cache, which keeps no outbox state.
func (s *Service) PutInstanceBlock(ctx context.Context, b storage.Block) (storage.Block, error) {
	b, err := storage.CheckBlock(b)
	if err != nil {
		return storage.Block{}, err
	}
	b.Created = s.now()
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutBlock(ctx, b) }); err != nil {
		return storage.Block{}, fmt.Errorf("block %s: %w", b.Target, err)
	}
	return b, nil
}

// RemoveInstanceBlock lifts the instance-level block of target, whatever its severity:
// NotFound when there was none.
func (s *Service) RemoveInstanceBlock(ctx context.Context, target string) (string, error) {
	target, err := storage.BlockTarget(target)
	if err != nil {
		return "", err
	}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteBlock(ctx, target) }); err != nil {
		return "", fmt.Errorf("unblock %s: %w", target, err)
	}
	return target, nil
}
