package storage

import (
	"context"
	"time"
)

// Report is a complaint about an account, and maybe some of its posts, for the admins here:
// made by a local account (Mastodon's POST /api/v1/reports), or received in a Flag from
// another server, whose instance actor is then the reporter. It stays open until an admin
// resolves it.
type Report struct {
	ID         int64
	URI        string // the Flag's id: ours when forwarded, the sender's when received; else ""
	ReporterID int64  // a local account, or the remote actor that sent the Flag
	TargetID   int64  // the account reported
	NoteIDs    []int64
	Comment    string
	Category   ReportCategory
	Forward    bool // the reporter asked for a copy to go to the target's server
	Created    time.Time

	// Set when an admin resolved the report (zero, 0 and "" while it is open).
	ResolvedAt   time.Time
	ResolvedByID int64
	Resolution   ReportResolution

	AssignedID int64     // the admin who took the report on; 0 for none
	Updated    time.Time // when it was made or last changed
	RuleIDs    []int64   // the instance's rules it cites
}

// Open reports whether no admin has resolved the report yet.
func (r *Report) Open() bool { return r.ResolvedAt.IsZero() }

// ReportCategory is why a report was made, in Mastodon's words.
type ReportCategory string

// The categories of reports, as Mastodon has them.
const (
	ReportSpam      ReportCategory = "spam"
	ReportLegal     ReportCategory = "legal"
	ReportViolation ReportCategory = "violation"
	ReportOther     ReportCategory = "other"
)

// ReportResolution is what an admin did about a report.
type ReportResolution string

// The ways an admin resolves a report.
const (
	ReportDismissed    ReportResolution = "dismissed"     // nothing done
	ReportNotesDeleted ReportResolution = "notes_deleted" // the reported posts removed
	ReportSuspended    ReportResolution = "suspended"     // the account suspended, or blocked when remote
	ReportSilenced     ReportResolution = "silenced"      // the account silenced (local or remote)
)

// ReportReader reads reports.
type ReportReader interface {
	// GetReport returns report id; NotFound when there is none.
	GetReport(ctx context.Context, id int64) (*Report, error)
	// ListReports returns the reports q asks for, newest first, paged by id.
	ListReports(ctx context.Context, q ReportQuery) ([]*Report, error)
}

// ReportQuery picks reports: the open ones, or the resolved ones, maybe only those of one
// reporter or about one account, a page of them.
type ReportQuery struct {
	Resolved   bool  // the resolved reports instead of the open ones
	ReporterID int64 // only those this actor made, when not 0
	TargetID   int64 // only those about this actor, when not 0
	Page       Page  // by id; Limit at most 200
	Since      int64 // the newest reports with an id above this, when not 0
}

// ReportWriter stores and resolves reports.
type ReportWriter interface {
	// CreateReport stores r with its notes and rules and sets r.ID.
	CreateReport(ctx context.Context, r *Report) error
	// ResolveReport marks report id resolved by the admin by, at at; NotFound when there is
	// no such report, Conflict when it was resolved already.
	ResolveReport(ctx context.Context, id, by int64, how ReportResolution, at time.Time) error
	// UpdateReport writes what an admin changes of report r, found by r.ID: its category,
	// the rules it cites, its assignment, its resolution (cleared when reopened) and
	// Updated; NotFound when there is no such report.
	UpdateReport(ctx context.Context, r *Report) error
}
