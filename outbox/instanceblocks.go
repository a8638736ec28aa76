package outbox

import (
	"context"
	"fmt"

	"refuge/storage"
)

// AddInstanceBlock blocks target (a host or an actor URI, normalised by storage.BlockTarget)
// for the whole instance with severity suspend, as `refuge block add` does, and returns it
// as stored: Invalid when it is neither. Blocking twice is no error.
func (s *Service) AddInstanceBlock(ctx context.Context, target string) (string, error) {
	b, _, err := s.PutInstanceBlock(ctx, storage.Block{Target: target, Severity: storage.BlockSuspend})
	return b.Target, err
}

// PutInstanceBlock stores the instance block b, as `refuge block add` and the admins' page
// do: a new one, or new severity and comments for a target blocked already (as Mastodon's
// domain blocks are edited). A silence refuses nothing; it makes every account of the
// target Limited. Invalid for a bad target, severity or comment (storage.CheckBlock).
// After a suspension, what the media cache kept of the target goes at once (pruned says how
// many files), not at the cache's next tidy.
func (s *Service) PutInstanceBlock(ctx context.Context, b storage.Block) (stored storage.Block, pruned int, err error) {
	b, err = storage.CheckBlock(b)
	if err != nil {
		return storage.Block{}, 0, err
	}
	b.Created = s.now()
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutBlock(ctx, b) }); err != nil {
		return storage.Block{}, 0, fmt.Errorf("block %s: %w", b.Target, err)
	}
	if b.Severity == storage.BlockSilence {
		return b, 0, nil
	}
	return b, s.pruneBlocked(ctx, b.Target), nil
}

// pruneBlocked removes what the remote media cache kept of blocked targets after target was
// suspended, and says how many files went. A failure is only logged: the block is stored,
// and the cache's own tidy removes them within a minute.
func (s *Service) pruneBlocked(ctx context.Context, target string) int {
	if s.PruneBlocked == nil {
		return 0
	}
	n, err := s.PruneBlocked(ctx)
	if err != nil {
		s.Log.Warn("removing the media kept of a blocked target", "target", target, "err", err)
	}
	return n
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
