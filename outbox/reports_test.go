package outbox

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// TestReport: a report of a remote account with forward queues a Flag from the instance
// actor (made on first use) to the account's server, naming the account and the posts;
// one of a local account sends nothing. What cannot be reported stores nothing.
func TestReport(t *testing.T) {
	r := newRig(t)
	alice, carol := r.account("alice", false), r.account("carol", false)
	bob := r.remote("peer.example", "bob", true)
	spam := r.remoteNote(bob, "1")
	other := r.remoteNote(r.remote("peer.example", "dan", true), "2")

	var rep *storage.Report
	r.try(t, "", func() (err error) {
		rep, err = r.s.Report(r.ctx, alice, ReportInput{TargetID: bob.ID, NoteIDs: []int64{spam.ID}, Comment: "pills",
			Category: "spam", Forward: true})
		return err
	})
	if !rep.Forward || rep.URI == "" || rep.Category != storage.ReportSpam || !slices.Equal(rep.NoteIDs, []int64{spam.ID}) {
		t.Errorf("report: %+v", rep)
	}
	if got := r.inboxes(rep.URI); !slices.Equal(got, []string{"https://peer.example/inbox"}) {
		t.Errorf("the Flag is queued for %v", got)
	}
	var flag struct {
		Type, Actor, Content string
		Object               []string
	}
	if err := json.Unmarshal([]byte(r.activity(rep.URI).JSON), &flag); err != nil {
		t.Fatal(err)
	}
	if flag.Type != federation.TypeFlag || flag.Actor != uris.New(testBase).InstanceActor() ||
		flag.Content != "pills" || !slices.Equal(flag.Object, []string{bob.URI, spam.URI}) {
		t.Errorf("the Flag: %+v", flag)
	}

	r.try(t, "", func() (err error) {
		rep, err = r.s.Report(r.ctx, alice, ReportInput{TargetID: carol.ID, Forward: true})
		return err
	})
	if rep.Forward || rep.URI != "" || rep.Category != storage.ReportOther {
		t.Errorf("report of a local account: %+v", rep)
	}

	for _, tt := range []struct {
		name string
		kind storage.Kind
		in   ReportInput
	}{
		{"no such account", storage.NotFound, ReportInput{TargetID: 999999}},
		{"a post of another account", storage.NotFound, ReportInput{TargetID: bob.ID, NoteIDs: []int64{other.ID}}},
		{"no such post", storage.NotFound, ReportInput{TargetID: bob.ID, NoteIDs: []int64{999999}}},
		{"oneself", storage.Invalid, ReportInput{TargetID: alice.ID}},
		{"a bad category", storage.Invalid, ReportInput{TargetID: bob.ID, Category: "boring"}},
		{"a comment too long", storage.Invalid, ReportInput{TargetID: bob.ID, Comment: strings.Repeat("x", MaxReportComment+1)}},
		{"too many posts", storage.Invalid, ReportInput{TargetID: bob.ID, NoteIDs: make([]int64, MaxReportNotes+1)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r.try(t, tt.kind, func() error { _, err := r.s.Report(r.ctx, alice, tt.in); return err })
		})
	}
}

// TestResolveReport: only an admin resolves a report, once, in one of the three ways.
func TestResolveReport(t *testing.T) {
	r := newRig(t)
	alice, bob := r.account("alice", false), r.account("bob", false)
	admin, err := r.s.CreateAccount(r.ctx, "root", "password of root", true)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.s.Report(r.ctx, alice, ReportInput{TargetID: bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		kind  storage.Kind
		admin *storage.Actor
		id    int64
		how   storage.ReportResolution
	}{
		{"by an account that is no admin", storage.Forbidden, alice, rep.ID, storage.ReportDismissed},
		{"no such report", storage.NotFound, admin, 999999, storage.ReportDismissed},
		{"an unknown resolution", storage.Invalid, admin, rep.ID, "ignored"},
		{"dismissed", "", admin, rep.ID, storage.ReportDismissed},
		{"twice", storage.Conflict, admin, rep.ID, storage.ReportSuspended},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r.try(t, tt.kind, func() error { _, err := r.s.ResolveReport(r.ctx, tt.admin, tt.id, tt.how); return err })
		})
	}
	if a, err := r.db.GetActorByID(r.ctx, bob.ID); err != nil || a.Suspended() {
		t.Errorf("bob after a dismissed report: %+v %v", a, err)
	}
}
