package outbox

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// Reports follow Mastodon's: a local account reports another account, maybe naming some of
// its posts, for the admins here; when the account is remote and the reporter asks, a copy
// goes to its server as a Flag from the instance actor (so that the reporter stays unnamed
// there), whose object is the account and the posts and whose content is the comment. A
// Flag from another server about accounts here becomes a report here (inbox). An admin
// resolves a report by dismissing it, deleting the posts it names, or suspending the account.

// Limits on a report, as Mastodon's: its comment is at most 1000 characters; the posts named
// are capped too, so that one report cannot name a whole profile, and so are the instance
// rules it cites.
const (
	MaxReportComment = 1000
	MaxReportNotes   = 40
	MaxReportRules   = 40
)

// ReportInput is what a local account reports.
type ReportInput struct {
	TargetID int64   // the account reported
	NoteIDs  []int64 // some of its posts, which the reporter can see
	Comment  string
	Category string  // spam, legal, violation or other; "" is other
	RuleIDs  []int64 // the instance's rules it breaks
	Forward  bool    // send a copy to the account's server, when it is remote
}

// Report stores a report of reporter about another account: NotFound when there is no such
// account or one of the posts is not the account's or not visible to the reporter, Invalid
// for a bad category, a comment too long or a report of oneself.
func (s *Service) Report(ctx context.Context, reporter *storage.Actor, in ReportInput) (*storage.Report, error) {
	category, err := reportCategory(in.Category)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(in.Comment) > MaxReportComment {
		return nil, storage.Errorf(storage.Invalid, "comment is longer than %d characters", MaxReportComment)
	}
	if len(in.NoteIDs) > MaxReportNotes {
		return nil, storage.Errorf(storage.Invalid, "a report may name at most %d posts", MaxReportNotes)
	}
	if len(in.RuleIDs) > MaxReportRules {
		return nil, storage.Errorf(storage.Invalid, "a report may cite at most %d rules", MaxReportRules)
	}
	var inst *storage.Actor // the Flag's sender, found (or made) before the transaction
	if in.Forward {
		if inst, err = s.InstanceActor(ctx); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	var rep *storage.Report
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		target, err := tx.GetActorByID(ctx, in.TargetID)
		if err != nil || !target.DeletedAt.IsZero() || target.Type == federation.TypeApplication {
			return storage.Errorf(storage.NotFound, "Record not found")
		}
		if target.ID == reporter.ID {
			return storage.Errorf(storage.Invalid, "you cannot report yourself")
		}
		rep = &storage.Report{ReporterID: reporter.ID, TargetID: target.ID, Comment: in.Comment, Category: category,
			Forward: in.Forward && !target.Local, Created: s.now()}
		if rep.RuleIDs, err = knownRules(ctx, tx, in.RuleIDs); err != nil {
			return err
		}
		var noteURIs []string
		for _, id := range in.NoteIDs {
			n, err := tx.GetNoteByID(ctx, id)
			if err != nil || n.Deleted() || n.ActorID != target.ID {
				return storage.Errorf(storage.NotFound, "Record not found")
			}
			if ok, err := tx.CanSee(ctx, n.ID, reporter.ID); err != nil {
				return err
			} else if !ok {
				return storage.Errorf(storage.NotFound, "Record not found")
			}
			rep.NoteIDs, noteURIs = append(rep.NoteIDs, n.ID), append(noteURIs, n.URI)
		}
		if rep.Forward {
			if rep.URI, err = s.sendFlag(ctx, tx, inst, target, noteURIs, in.Comment); err != nil {
				return err
			}
		}
		return tx.CreateReport(ctx, rep)
	})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if rep.Forward {
		s.wake()
	}
	return rep, nil
}

// knownRules is ids, the rules a report cites, when the instance has each: Invalid when not.
func knownRules(ctx context.Context, tx storage.Tx, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return ids, nil
	}
	rules, err := tx.ListRules(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(rules, func(r storage.Rule) bool { return r.ID == id }) {
			return nil, storage.Errorf(storage.Invalid, "rule_ids: there is no rule %d", id)
		}
	}
	return ids, nil
}

// reportCategory reads a report's category: "" is other.
func reportCategory(s string) (storage.ReportCategory, error) {
	switch c := storage.ReportCategory(s); c {
	case "":
		return storage.ReportOther, nil
	case storage.ReportSpam, storage.ReportLegal, storage.ReportViolation, storage.ReportOther:
		return c, nil
	}
	return "", storage.Errorf(storage.Invalid, "category must be spam, legal, violation or other")
}

// sendFlag queues a Flag of target and its posts noteURIs, from the instance actor inst, to
// target's server, and returns its id.
func (s *Service) sendFlag(ctx context.Context, tx storage.Tx, inst, target *storage.Actor, noteURIs []string, comment string) (string, error) {
	inbox := target.SharedInbox
	if inbox == "" {
		inbox = target.Inbox
	}
	now := s.now()
	act := &federation.Activity{ID: uris.Flag(inst.URI, newID(now)), Type: federation.TypeFlag, Content: comment, Published: now}
	if _, err := s.emit(ctx, tx, inst, act, append([]string{target.URI}, noteURIs...), 0, storage.Direct, []string{inbox}); err != nil {
		return "", err
	}
	return act.ID, nil
}

// ResolveReport resolves the open report id as the admin admin says: dismissed does nothing
// else; notes_deleted deletes the posts the report names (a local one through DeleteNote, so
// that its Delete is federated; a remote one here only); suspended suspends the account when
// it is local (Suspend) and blocks its URI on this instance when it is remote, as `refuge
// block add` does; silenced silences the account, local or remote (Silence). NotFound when
// there is no such report, Conflict when it is resolved already, Forbidden when admin is no
// admin.
func (s *Service) ResolveReport(ctx context.Context, admin *storage.Actor, id int64, how storage.ReportResolution) (*storage.Report, error) {
	if !admin.Admin {
		return nil, storage.Errorf(storage.Forbidden, "only admins resolve reports")
	}
	rep, err := s.DB.GetReport(ctx, id)
	if err != nil {
		return nil, err
	}
	if !rep.Open() {
		return nil, storage.Errorf(storage.Conflict, "report %d was resolved already (%s)", id, rep.Resolution)
	}
	target, err := s.DB.GetActorByID(ctx, rep.TargetID)
	if err != nil {
		return nil, fmt.Errorf("report %d: %w", id, err)
	}
	switch how {
	case storage.ReportDismissed:
	case storage.ReportNotesDeleted:
		if err := s.deleteReported(ctx, target, rep.NoteIDs); err != nil {
			return nil, err
		}
	case storage.ReportSuspended:
		if err := s.suspendActor(ctx, target); err != nil {
			return nil, err
		}
	case storage.ReportSilenced:
		_, err = s.Silence(ctx, target.ID)
		if storage.KindOf(err) == storage.Conflict {
			err = nil // silenced already
		}
		if err != nil {
			return nil, err
		}
	default:
		return nil, storage.Errorf(storage.Invalid, "unknown resolution %q", how)
	}
	err = s.DB.Update(ctx, func(tx storage.Tx) error { return tx.ResolveReport(ctx, id, admin.ID, how, s.now()) })
	if err != nil {
		return nil, fmt.Errorf("resolve report %d: %w", id, err)
	}
	return s.DB.GetReport(ctx, id)
}

// deleteReported deletes the posts noteIDs of target that are not deleted already.
func (s *Service) deleteReported(ctx context.Context, target *storage.Actor, noteIDs []int64) error {
	for _, id := range noteIDs {
		n, err := s.DB.GetNoteByID(ctx, id)
		if err != nil {
			return err
		}
		if n.Deleted() {
			continue
		}
		if target.Local {
			err = s.DeleteNote(ctx, target, n.URI)
		} else {
			err = s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNote(ctx, n.ID, s.now()) })
		}
		if err != nil && storage.KindOf(err) != storage.Gone {
			return fmt.Errorf("delete reported post %d: %w", id, err)
		}
	}
	return nil
}
