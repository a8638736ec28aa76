package sqldb

import (
	"context"
	"fmt"
	"testing"
	"time"

	"refuge/storage"
)

// TestListActors: the admins' account list filters by origin, suspension (a remote actor
// blocked here, by its URI or its server, counts as suspended), silence (its own or its
// server's), admin, username and display
// name and e-mail prefixes in any case (a LIKE wildcard in them is a plain character) and
// host, and pages newest first; deleted accounts and the instance's own actor are never listed.
func TestListActors(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	root := mustActor(t, db, "root", "refuge.example", true)
	under := mustActor(t, db, "a_b", "refuge.example", true)
	eve := mustActor(t, db, "eve", "peer.example:8443", false)
	mallory := mustActor(t, db, "mallory", "spam.example", false)
	gone := mustActor(t, db, "gone", "peer.example:8443", false)
	inst := &storage.Actor{URI: "https://refuge.example/actor", Local: true, Type: "Application", Username: "refuge.example",
		Host: "refuge.example"}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	err := db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.CreateActor(ctx, inst); err != nil {
			return err
		}
		root.Admin, alice.Name, alice.SuspendedAt = true, "Alice Liddell", at
		for _, a := range []*storage.Actor{root, alice} {
			if err := tx.UpdateActor(ctx, a); err != nil {
				return err
			}
		}
		if err := tx.PutCredentials(ctx, &storage.Credentials{ActorID: alice.ID, Email: "Alice@Example.com"}); err != nil {
			return err
		}
		if err := tx.PutCredentials(ctx, &storage.Credentials{ActorID: under.ID, Email: "a%b@example.com"}); err != nil {
			return err
		}
		if err := tx.PutBlock(ctx, storage.Block{Target: "spam.example", Created: at}); err != nil {
			return err
		}
		// A silenced server's actor is not suspended, but silenced.
		if err := tx.PutBlock(ctx, storage.Block{Target: "peer.example:8443", Severity: storage.BlockSilence, Created: at}); err != nil {
			return err
		}
		if err := tx.SetActorSilenced(ctx, root.ID, at); err != nil {
			return err
		}
		return tx.MarkActorDeleted(ctx, gone.ID, at)
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(list []*storage.Actor) string {
		var out []int64
		for _, a := range list {
			out = append(out, a.ID)
		}
		return fmt.Sprint(out)
	}
	want := func(as ...*storage.Actor) string { return ids(as) }
	for _, c := range []struct {
		name string
		q    storage.AccountQuery
		want string
	}{
		{"all", storage.AccountQuery{}, want(mallory, eve, under, root, alice)},
		{"local", storage.AccountQuery{Local: true}, want(under, root, alice)},
		{"remote", storage.AccountQuery{Remote: true}, want(mallory, eve)},
		{"both", storage.AccountQuery{Local: true, Remote: true}, want(mallory, eve, under, root, alice)},
		{"suspended or blocked", storage.AccountQuery{Suspended: true}, want(mallory, alice)},
		{"neither", storage.AccountQuery{NotSuspended: true}, want(eve, under, root)},
		{"admins", storage.AccountQuery{Admins: true}, want(root)},
		{"silenced, or their server", storage.AccountQuery{Silenced: true}, want(eve, root)},
		{"username, any case", storage.AccountQuery{Username: "AL"}, want(alice)},
		{"an underscore is no wildcard", storage.AccountQuery{Username: "a_"}, want(under)},
		{"a percent sign is none", storage.AccountQuery{Username: "%"}, want()},
		{"display name", storage.AccountQuery{Name: "alice l"}, want(alice)},
		{"host with its port", storage.AccountQuery{Host: "PEER.example:8443"}, want(eve)},
		{"e-mail prefix, any case", storage.AccountQuery{Email: "alice@EX"}, want(alice)},
		{"a percent sign in an e-mail is plain", storage.AccountQuery{Email: "a%"}, want(under)},
		{"an e-mail nobody has", storage.AccountQuery{Email: "root"}, want()},
		{"limit", storage.AccountQuery{Page: storage.Page{Limit: 2}}, want(mallory, eve)},
		{"before", storage.AccountQuery{Page: storage.Page{Before: eve.ID}}, want(under, root, alice)},
		{"just after", storage.AccountQuery{Page: storage.Page{After: alice.ID, Limit: 2}}, want(under, root)},
		{"since", storage.AccountQuery{Since: under.ID}, want(mallory, eve)},
	} {
		t.Run(c.name, func(t *testing.T) {
			list, err := db.ListActors(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(list); got != c.want {
				t.Errorf("%s, want %s", got, c.want)
			}
		})
	}
}

// TestReportChanges: a report's assignment, category, cited rules and resolution are
// written and read back, reopening clears the resolution, a deleted rule is cited no more,
// and the lists filter open and resolved reports by reporter and target, newest first.
func TestReportChanges(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	root := mustActor(t, db, "root", "refuge.example", true)
	eve := mustActor(t, db, "eve", "peer.example", false)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	reports := []*storage.Report{
		{ReporterID: alice.ID, TargetID: eve.ID, Category: storage.ReportSpam, Created: at},
		{ReporterID: eve.ID, TargetID: alice.ID, Category: storage.ReportOther, Created: at.Add(time.Second)},
	}
	rule := &storage.Rule{Text: "Be kind", CreatedAt: at}
	err := db.Update(ctx, func(tx storage.Tx) error {
		if err := tx.PutRule(ctx, rule); err != nil {
			return err
		}
		for _, r := range reports {
			if err := tx.CreateReport(ctx, r); err != nil {
				return err
			}
		}
		return tx.ResolveReport(ctx, reports[1].ID, root.ID, storage.ReportDismissed, at.Add(time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := db.GetReport(ctx, reports[0].ID); err != nil || !r.Updated.Equal(at) || r.AssignedID != 0 {
		t.Fatalf("a new report: %+v %v", r, err)
	}
	if r, err := db.GetReport(ctx, reports[1].ID); err != nil || !r.Updated.Equal(at.Add(time.Minute)) {
		t.Fatalf("a resolved report: %+v %v", r, err)
	}
	r := reports[0]
	r.AssignedID, r.Category, r.Updated, r.RuleIDs = root.ID, storage.ReportViolation, at.Add(time.Hour), []int64{rule.ID}
	r.ResolvedAt, r.ResolvedByID, r.Resolution = at.Add(time.Hour), root.ID, storage.ReportSuspended
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateReport(ctx, r) }); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetReport(ctx, r.ID)
	if err != nil || got.AssignedID != root.ID || got.Category != storage.ReportViolation || !got.Updated.Equal(r.Updated) ||
		got.Open() || got.ResolvedByID != root.ID || got.Resolution != storage.ReportSuspended || fmt.Sprint(got.RuleIDs) != fmt.Sprint([]int64{rule.ID}) {
		t.Errorf("after the update: %+v %v", got, err)
	}
	got.ResolvedAt, got.ResolvedByID, got.Resolution = time.Time{}, 0, ""
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateReport(ctx, got) }); err != nil {
		t.Fatal(err)
	}
	if got, err = db.GetReport(ctx, r.ID); err != nil || !got.Open() || got.ResolvedByID != 0 || len(got.RuleIDs) != 1 {
		t.Errorf("reopened: %+v %v", got, err)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteRule(ctx, rule.ID) }); err != nil {
		t.Fatal(err)
	}
	if got, err = db.GetReport(ctx, r.ID); err != nil || len(got.RuleIDs) != 0 {
		t.Errorf("citing a deleted rule: %+v %v", got, err)
	}
	missing := &storage.Report{ID: 999999}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateReport(ctx, missing) }); storage.KindOf(err) != storage.NotFound {
		t.Errorf("an unknown report: %v", err)
	}

	for _, c := range []struct {
		name string
		q    storage.ReportQuery
		want []int64
	}{
		{"open", storage.ReportQuery{}, []int64{reports[0].ID}},
		{"resolved", storage.ReportQuery{Resolved: true}, []int64{reports[1].ID}},
		{"open, by eve", storage.ReportQuery{ReporterID: eve.ID}, nil},
		{"resolved, by eve", storage.ReportQuery{Resolved: true, ReporterID: eve.ID}, []int64{reports[1].ID}},
		{"open, about eve", storage.ReportQuery{TargetID: eve.ID}, []int64{reports[0].ID}},
		{"open, about alice", storage.ReportQuery{TargetID: alice.ID}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			list, err := db.ListReports(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range list {
				ids = append(ids, r.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(c.want) {
				t.Errorf("%v, want %v", ids, c.want)
			}
		})
	}
}
