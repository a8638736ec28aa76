package outbox

import (
	"context"
	"fmt"

	"refuge/storage"
)

// AddInstanceBlock blocks target (a host or an actor URI, normalised by storage.BlockTarget)
// for the whole instance, as `refuge block add` and the admins' page do, and returns it as
// stored: Invalid when it is neither. Blocking twice is no error. The caller prunes the
// media cache, which keeps no outbox state.
func (s *Service) AddInstanceBlock(ctx context.Context, target string) (string, error) {
	return s.changeInstanceBlock(ctx, target, true)
}

// RemoveInstanceBlock lifts the instance-level block of target: NotFound when there was none.
func (s *Service) RemoveInstanceBlock(ctx context.Context, target string) (string, error) {
	return s.changeInstanceBlock(ctx, target, false)
}

func (s *Service) changeInstanceBlock(ctx context.Context, target string, add bool) (string, error) {
	target, err := storage.BlockTarget(target)
	if err != nil {
		return "", err
	}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		if add {
			return tx.PutBlock(ctx, target, s.now())
		}
		return tx.DeleteBlock(ctx, target)
	})
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", map[bool]string{true: "block", false: "unblock"}[add], target, err)
	}
	return target, nil
}
