package server

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestLayers holds the architecture to what README says: the HTTP surfaces and the
// services under them reach the database only through storage's interfaces, so that a
// dialect drops in beside SQLite and PostgreSQL; no package imports one above it.
func TestLayers(t *testing.T) {
	deps := goList(t, "refuge/...")
	sqlOnly := []string{"database/sql", "modernc.org/sqlite", "github.com/jackc/pgx/v5", "refuge/storage/sqldb"}
	rows := []struct {
		pkg     string
		mustNot []string // neither directly nor through anything it imports
	}{
		{"refuge/server/httpx", sqlOnly},
		{"refuge/server/activitypub", sqlOnly},
		{"refuge/server/web", sqlOnly},
		{"refuge/server/api", sqlOnly},
		{"refuge/server/oauth", sqlOnly},
		{"refuge/reader", append(sqlOnly, "refuge/outbox", "refuge/inbox", "refuge/server")},
		{"refuge/inbox", append(sqlOnly, "refuge/server", "refuge/reader")},
		{"refuge/outbox", append(sqlOnly, "refuge/inbox", "refuge/server", "refuge/reader")},
		{"refuge/federation", append(sqlOnly, "refuge/outbox", "refuge/inbox", "refuge/server", "refuge/reader")},
		{"refuge/templates", append(sqlOnly, "refuge/federation", "refuge/outbox", "refuge/server")},
		{"refuge/storage", append(sqlOnly, "net/http", "refuge/federation")},
	}
	for _, row := range rows {
		t.Run(row.pkg, func(t *testing.T) {
			got, ok := deps[row.pkg]
			if !ok {
				t.Fatalf("go list did not report %s", row.pkg)
			}
			for _, bad := range row.mustNot {
				for _, d := range got {
					// database/sql/driver is the interfaces a value implements to be stored
					// (lingua's decimal numbers do, under language detection); it opens no
					// database, so it is not a way around storage.
					if d == "database/sql/driver" {
						continue
					}
					if d == bad || strings.HasPrefix(d, bad+"/") {
						t.Errorf("%s depends on %s", row.pkg, d)
					}
				}
			}
		})
	}
}

// goList returns every package of the pattern with all that it depends on, directly or not.
func goList(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Deps", pattern).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		deps[p.ImportPath] = p.Deps
	}
	return deps
}
