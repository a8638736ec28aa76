package imports

import (
	"fmt"
	"io"
	"slices"

	"refuge/storage"
)

// WriteReport writes what import job j did, as the import command prints it: its counts,
// the columns not kept and the rows skipped, each with its line and why.
func WriteReport(w io.Writer, j *storage.ImportJob) {
	fmt.Fprintf(w, "import %d (%s, %s): %s, %d of %d rows, %d skipped\n", j.ID, j.Kind, j.Mode, j.State, j.Done, j.Total, j.Failed)
	var whats []string
	for what := range j.Report.Counts {
		whats = append(whats, what)
	}
	slices.Sort(whats)
	for _, what := range whats {
		fmt.Fprintf(w, "  %s: %d\n", what, j.Report.Counts[what])
	}
	for _, c := range j.Report.Ignored {
		fmt.Fprintf(w, "  column not kept: %s\n", c)
	}
	for _, r := range j.Report.Rows {
		fmt.Fprintf(w, "  line %d: %q: %s\n", r.Line, r.Value, r.Reason)
	}
	if j.Report.MoreRows > 0 {
		fmt.Fprintf(w, "  and %d more rows skipped\n", j.Report.MoreRows)
	}
}
