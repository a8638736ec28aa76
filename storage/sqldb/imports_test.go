package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestImportJobQueue: a queued job is claimed once; a running job is not claimed again
// while its lease holds, and is once it ran out (its process died); progress extends the
// lease; a finished job keeps its report and is never claimed again.
func TestImportJobQueue(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	jobs := []*storage.ImportJob{
		{ActorID: alice.ID, Kind: storage.ImportFollows, Mode: storage.ImportMerge, State: storage.ImportQueued, File: "a", Created: now},
		{ActorID: alice.ID, Kind: storage.ImportLists, Mode: storage.ImportOverwrite, State: storage.ImportQueued, File: "b", Created: now},
	}
	err := db.Update(ctx, func(tx storage.Tx) error {
		for _, j := range jobs {
			if err := tx.PutImportJob(ctx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lease := time.Minute
	first, err := db.ClaimImportJob(ctx, now, lease)
	if err != nil || first == nil || first.ID != jobs[0].ID || first.State != storage.ImportRunning || first.File != "a" {
		t.Fatalf("first claim = %+v, %v", first, err)
	}
	second, err := db.ClaimImportJob(ctx, now, lease)
	if err != nil || second == nil || second.ID != jobs[1].ID || second.Mode != storage.ImportOverwrite {
		t.Fatalf("second claim = %+v, %v", second, err)
	}
	if j, err := db.ClaimImportJob(ctx, now.Add(30*time.Second), lease); err != nil || j != nil {
		t.Fatalf("claim while both are leased = %+v, %v", j, err)
	}
	if err := db.SaveImportProgress(ctx, first.ID, 10, 4, 1, now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// The second's lease ran out: taken up again; the first's was extended.
	again, err := db.ClaimImportJob(ctx, now.Add(2*time.Minute), lease)
	if err != nil || again == nil || again.ID != second.ID {
		t.Fatalf("claim after the lease ran out = %+v, %v", again, err)
	}
	first.State, first.Total, first.Done, first.Failed, first.Finished = storage.ImportDone, 10, 10, 1, now.Add(3*time.Minute)
	first.Report = storage.ImportReport{Rows: []storage.ImportRow{{Line: 3, Value: "nope", Reason: "not an address"}},
		Ignored: []string{"Languages"}, Counts: map[string]int{"added": 9}}
	if err := db.FinishImportJob(ctx, first); err != nil {
		t.Fatal(err)
	}
	if j, err := db.ClaimImportJob(ctx, now.Add(time.Hour), lease); err != nil || j == nil || j.ID != second.ID {
		t.Fatalf("claim an hour later = %+v, %v (only the unfinished one)", j, err)
	}
	got, err := db.GetImportJob(ctx, alice.ID, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != storage.ImportDone || got.Done != 10 || got.Failed != 1 || got.File != "" || !got.Finished.Equal(first.Finished) ||
		len(got.Report.Rows) != 1 || got.Report.Rows[0].Line != 3 || got.Report.Counts["added"] != 9 || got.Report.Ignored[0] != "Languages" {
		t.Errorf("finished job = %+v", got)
	}
	if _, err := db.GetImportJob(ctx, alice.ID+1000, first.ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("another account's job: %v, want NotFound", err)
	}
	list, err := db.ListImportJobs(ctx, alice.ID, 10)
	if err != nil || len(list) != 2 || list[0].ID != second.ID {
		t.Errorf("list = %v, %v; want newest first", list, err)
	}
}
