package outbox

import (
	"context"
	"fmt"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// An admin works through the reports as Mastodon's moderators do: one takes a report on
// (assigns it to itself) or lets it go, corrects its category, resolves it or reopens it;
// and acts on an account, with or without a report: suspending it resolves every open
// report about it, a plain "none" only the report named. The web's report queue and the
// admin API both act through here.

// ModerationInput is an admin's action on an account, as Mastodon's account actions.
type ModerationInput struct {
	Type     string // none, sensitive, disable, silence or suspend
	ReportID int64  // the report this acts on, when not 0
}

// Moderate acts on account targetID as in says: suspend suspends a local account (Suspend)
// or blocks a remote actor on this instance, as the report queue does, silence silences it
// (Silence), and either resolves every open report about it; none resolves the report
// named, if any. Refuge keeps no sensitive or disabled state: those are Invalid, and so is
// an unknown type. Forbidden when admin is no admin or acts on an admin (itself among
// them), NotFound when there is no such account or report.
func (s *Service) Moderate(ctx context.Context, admin *storage.Actor, targetID int64, in ModerationInput) error {
	if !admin.Admin {
		return storage.Errorf(storage.Forbidden, "This action is not allowed")
	}
	target, err := s.moderated(ctx, targetID)
	if err != nil {
		return err
	}
	if in.ReportID != 0 {
		if _, err := s.DB.GetReport(ctx, in.ReportID); err != nil {
			return err
		}
	}
	switch in.Type {
	case "none":
		if in.ReportID == 0 {
			return nil
		}
		_, err := s.ResolveReport(ctx, admin, in.ReportID, storage.ReportDismissed)
		if storage.KindOf(err) == storage.Conflict {
			return nil // resolved already
		}
		return err
	case "suspend":
		if target.Local && target.Admin {
			// As Mastodon's policy: a role only acts on lower ones, and admins share one.
			return storage.Errorf(storage.Forbidden, "This action is not allowed")
		}
		if err := s.suspendActor(ctx, target); err != nil {
			return err
		}
		return s.resolveAllAbout(ctx, admin, target.ID, storage.ReportSuspended)
	case "silence":
		if target.Local && target.Admin {
			return storage.Errorf(storage.Forbidden, "This action is not allowed")
		}
		if _, err := s.Silence(ctx, target.ID); err != nil && storage.KindOf(err) != storage.Conflict {
			return err // Conflict: silenced already
		}
		return s.resolveAllAbout(ctx, admin, target.ID, storage.ReportSilenced)
	case "sensitive", "disable":
		return storage.Errorf(storage.Invalid, "%s is not available", in.Type)
	case "":
		return storage.Errorf(storage.Invalid, "type is missing")
	}
	return storage.Errorf(storage.Invalid, "type must be none, sensitive, disable, silence or suspend")
}

// suspendActor suspends target when it is local, and blocks its URI on this instance when
// it is remote, as `refuge block add` does; either is no error when done already.
func (s *Service) suspendActor(ctx context.Context, target *storage.Actor) error {
	if !target.Local {
		return s.DB.Update(ctx, func(tx storage.Tx) error {
			return tx.PutBlock(ctx, storage.Block{Target: target.URI, Severity: storage.BlockSuspend, Created: s.now()})
		})
	}
	_, err := s.Suspend(ctx, target.Username)
	if storage.KindOf(err) == storage.Conflict {
		return nil // suspended already
	}
	return err
}

// LiftSuspension undoes Moderate's suspend: it unsuspends a local account and lifts the
// block of a remote actor's URI. Forbidden, as Mastodon's policy, when admin is no admin or
// the account is not suspended that way (a remote actor whose whole server is blocked stays
// so: the server's block is lifted on its own); NotFound when there is no such account.
func (s *Service) LiftSuspension(ctx context.Context, admin *storage.Actor, targetID int64) error {
	if !admin.Admin {
		return storage.Errorf(storage.Forbidden, "This action is not allowed")
	}
	target, err := s.moderated(ctx, targetID)
	if err != nil {
		return err
	}
	if target.Local {
		_, err = s.Unsuspend(ctx, target.Username)
	} else {
		err = s.unblockActor(ctx, target)
	}
	if k := storage.KindOf(err); k == storage.Conflict || k == storage.NotFound {
		return storage.Errorf(storage.Forbidden, "This action is not allowed")
	}
	return err
}

// unblockActor lifts the suspension of remote actor target by its URI: NotFound when there
// is none (a block of its server, or one that only silences it, stays).
func (s *Service) unblockActor(ctx context.Context, target *storage.Actor) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		list, err := tx.ListBlocks(ctx)
		if err != nil {
			return err
		}
		for _, b := range list {
			if b.Target == target.URI && b.Severity != storage.BlockSilence {
				return tx.DeleteBlock(ctx, b.Target)
			}
		}
		return storage.Errorf(storage.NotFound, "%s is not blocked on its own", target.URI)
	})
}

// LiftSilence lifts the silence of account targetID, as Mastodon's unsilence: nothing
// changes when it is not silenced on its own (the silence of its whole server is lifted
// with the server's block). Forbidden when admin is no admin, NotFound when there is no
// such account.
func (s *Service) LiftSilence(ctx context.Context, admin *storage.Actor, targetID int64) error {
	if !admin.Admin {
		return storage.Errorf(storage.Forbidden, "This action is not allowed")
	}
	target, err := s.moderated(ctx, targetID)
	if err != nil {
		return err
	}
	if _, err := s.Unsilence(ctx, target.ID); err != nil && storage.KindOf(err) != storage.Conflict {
		return err
	}
	return nil
}

// moderated is the account an admin acts on: NotFound for a deleted account and for the
// instance's own actor.
func (s *Service) moderated(ctx context.Context, id int64) (*storage.Actor, error) {
	a, err := s.DB.GetActorByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.DeletedAt.IsZero() || (a.Local && a.Type != federation.TypePerson) {
		return nil, storage.Errorf(storage.NotFound, "no account %d", id)
	}
	return a, nil
}

// resolveAllAbout resolves every open report about account targetID, as admin did how.
func (s *Service) resolveAllAbout(ctx context.Context, admin *storage.Actor, targetID int64, how storage.ReportResolution) error {
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		for {
			list, err := tx.ListReports(ctx, storage.ReportQuery{TargetID: targetID, Page: storage.Page{Limit: 200}})
			if err != nil || len(list) == 0 {
				return err
			}
			for _, rep := range list {
				if err := tx.ResolveReport(ctx, rep.ID, admin.ID, how, s.now()); err != nil {
					return err
				}
			}
		}
	})
	if err != nil {
		return fmt.Errorf("resolve the reports about %d: %w", targetID, err)
	}
	return nil
}

// AssignReport assigns report id to admin, when assign is set, or to no one: Forbidden
// when admin is no admin, NotFound when there is no such report.
func (s *Service) AssignReport(ctx context.Context, admin *storage.Actor, id int64, assign bool) (*storage.Report, error) {
	return s.changeReport(ctx, admin, id, func(_ storage.Tx, rep *storage.Report) error {
		rep.AssignedID = 0
		if assign {
			rep.AssignedID = admin.ID
		}
		return nil
	})
}

// ReopenReport opens report id again, as if no admin had resolved it; what was done then
// stays done. Reopening an open report changes nothing.
func (s *Service) ReopenReport(ctx context.Context, admin *storage.Actor, id int64) (*storage.Report, error) {
	return s.changeReport(ctx, admin, id, func(_ storage.Tx, rep *storage.Report) error {
		rep.ResolvedAt, rep.ResolvedByID, rep.Resolution = time.Time{}, 0, ""
		return nil
	})
}

// RecategoriseReport sets the category of report id (spam, legal, violation or other; ""
// keeps it) and, when ruleIDs is not nil, the instance rules it cites: Invalid for another
// category or a rule there is not.
func (s *Service) RecategoriseReport(ctx context.Context, admin *storage.Actor, id int64, category string, ruleIDs []int64) (*storage.Report, error) {
	c, err := reportCategory(category)
	if err != nil {
		return nil, err
	}
	if len(ruleIDs) > MaxReportRules {
		return nil, storage.Errorf(storage.Invalid, "a report may cite at most %d rules", MaxReportRules)
	}
	return s.changeReport(ctx, admin, id, func(tx storage.Tx, rep *storage.Report) error {
		if category != "" {
			rep.Category = c
		}
		if ruleIDs == nil {
			return nil
		}
		var err error
		rep.RuleIDs, err = knownRules(ctx, tx, ruleIDs)
		return err
	})
}

// changeReport applies change to report id within a transaction and stores it, marked
// updated now.
func (s *Service) changeReport(ctx context.Context, admin *storage.Actor, id int64, change func(storage.Tx, *storage.Report) error) (*storage.Report, error) {
	if !admin.Admin {
		return nil, storage.Errorf(storage.Forbidden, "This action is not allowed")
	}
	var rep *storage.Report
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		var err error
		if rep, err = tx.GetReport(ctx, id); err != nil {
			return err
		}
		if err := change(tx, rep); err != nil {
			return err
		}
		rep.Updated = s.now()
		return tx.UpdateReport(ctx, rep)
	})
	if err != nil {
		return nil, fmt.Errorf("report %d: %w", id, err)
	}
	return rep, nil
}
