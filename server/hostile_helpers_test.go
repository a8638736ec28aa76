package server_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
)

// The runner of the hostile-network suite: table rows that send something hostile to a real
// instance and check status, reason and every table's row count. The fake remote servers
// that misbehave on purpose, their actors and keys, and the hand-made signer that can get
// anything wrong are in internal/testrig/peer.

// countChanges lists the tables whose count differs from the expected change, as
// "table: +n (want +m)".
func countChanges(before, after map[string]int, want map[string]int) []string {
	var out []string
	for table, n := range after {
		if table == "limits" {
			continue // the sign-in limits count attempts, refused ones first of all
		}
		if (table == "conversations" || table == "conversation_notes") && want[table] == 0 {
			continue // kept with the direct notes stored (counted in notes), for each account they involve
		}
		if d := n - before[table]; d != want[table] {
			out = append(out, fmt.Sprintf("%s: %+d (want %+d)", table, d, want[table]))
		}
	}
	for table := range want {
		if _, ok := after[table]; !ok {
			out = append(out, fmt.Sprintf("%s: no such table", table))
		}
	}
	sort.Strings(out)
	return out
}

// hostileCase is one row of the suite: something hostile is sent, and the instance must
// answer status with a reason containing reason, leave every table's row count as it was
// (or changed exactly by delta, for a row that is meant to store something), and pass check.
type hostileCase struct {
	name   string
	send   func(t *testing.T) peer.Answer
	status int
	reason string
	delta  map[string]int
	check  func(t *testing.T, got peer.Answer)
	within time.Duration // the answer must come this fast; 0 means 10 s
}

// runHostile runs the rows one after another against in.
func runHostile(t *testing.T, in *testrig.Instance, rows []hostileCase) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before := in.RowCounts()
			start := time.Now()
			got := row.send(t)
			took := time.Since(start)
			if got.Status != row.status {
				t.Errorf("status %d, want %d (reason %q)", got.Status, row.status, got.Reason)
			}
			if !strings.Contains(got.Reason, row.reason) {
				t.Errorf("reason %q does not contain %q", got.Reason, row.reason)
			}
			if got.Status >= 500 && row.status < 500 {
				t.Errorf("server error %d", got.Status)
			}
			within := row.within
			if within == 0 {
				within = 10 * time.Second
			}
			if took > within {
				t.Errorf("answered after %v, want within %v", took.Round(time.Millisecond), within)
			}
			if got.Status == http.StatusTooManyRequests && got.Header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
			if ch := countChanges(before, in.RowCounts(), row.delta); len(ch) > 0 {
				t.Errorf("storage changed: %s", strings.Join(ch, ", "))
			}
			if row.check != nil {
				row.check(t, got)
			}
		})
	}
}
