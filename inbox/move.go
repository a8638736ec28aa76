package inbox

import (
	"context"
	"fmt"
	"slices"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// moveCooldown is how often one account's Move is acted on: once in seven days, as
// Mastodon does (its Move handler's processing cooldown). A Move moves every local
// follower; a server sending Moves of one account again and again would make them follow
// and unfollow in turn.
const moveCooldown = 7 * 24 * time.Hour

// move: a remote account moved to another (object: the account itself; target: the new
// one), as Mastodon and GoToSocial send it. The new account is fetched from its origin, not
// taken from a copy here, and must name the old one in its alsoKnownAs: only the owner of
// both accounts can have set up both sides. Then the old account is recorded as moved, and
// each local follower follows the new account instead (outbox.MoveFollowers).
func (in *Inbox) move(ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error) {
	switch {
	case act.Object.ID != act.Actor:
		return "", storage.Errorf(storage.Forbidden, "a Move may only move its own actor, not %q", act.Object.ID)
	case storage.HostOf(act.Target) == "":
		return "", storage.Errorf(storage.Invalid, "the Move has no target account")
	case act.Target == signer.URI:
		return "", storage.Errorf(storage.Invalid, "the Move's target is its own actor")
	}
	target, err := in.Remote.FetchActor(ctx, act.Target)
	if err != nil {
		return "", storage.Wrap(storage.KindOf(err), err,
			fmt.Sprintf("move target %s could not be fetched: %s", act.Target, storage.Message(err)))
	}
	switch {
	case target.ID == signer.ID:
		return "", storage.Errorf(storage.Invalid, "the Move's target is its own actor")
	case target.Suspended() || !target.DeletedAt.IsZero() || target.Pending:
		return "", storage.Errorf(storage.Forbidden, "move target %s is suspended or gone", target.URI)
	case !slices.Contains(target.AlsoKnownAs, signer.URI):
		return "", storage.Errorf(storage.Forbidden, "move target %s does not list %s among its aliases (alsoKnownAs)",
			target.URI, signer.URI)
	}
	if blocked, err := in.DB.IsBlocked(ctx, target.URI); err != nil {
		return "", err
	} else if blocked {
		return "", storage.Errorf(storage.Forbidden, "move target %s is blocked here", target.URI)
	}
	now := in.now()
	err = in.DB.Update(ctx, func(tx storage.Tx) error {
		// Taken in the transaction that records the Move, so that a Move that fails to be
		// stored costs nothing.
		ok, _, err := tx.TakeToken(ctx, "move:"+signer.URI, 1/moveCooldown.Seconds(), 1, now)
		if err != nil {
			return err
		}
		if !ok {
			return storage.Errorf(storage.TooMany, "%s moved less than %d days ago; this Move is not acted on",
				signer.URI, int(moveCooldown.Hours()/24))
		}
		if err := in.record(ctx, tx, signer, act, 0); err != nil {
			return err
		}
		old, err := tx.GetActorByID(ctx, signer.ID)
		if err != nil {
			return err
		}
		if old.MovedTo != target.URI {
			old.MovedTo, old.MovedAt = target.URI, now
		}
		return tx.UpdateActor(ctx, old)
	})
	if err != nil {
		return "", err
	}
	in.signers.forget(signer.URI)
	n, err := in.Outbox.MoveFollowers(ctx, signer, target)
	if err != nil {
		return "", fmt.Errorf("move %s to %s: %w", signer.URI, target.URI, err)
	}
	in.Log.Info("inbox: account moved", "from", signer.URI, "to", target.URI, "followers", n)
	return Stored, nil
}
