package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
)

// figure is one measured quantity over the runs.
type figure struct {
	Scenario string    `json:"scenario"`
	Name     string    `json:"figure"`
	Unit     string    `json:"unit,omitempty"`
	Runs     []float64 `json:"runs"`
	Median   float64   `json:"median"`
	Target   string    `json:"target,omitempty"`
	Met      *bool     `json:"met,omitempty"`
}

// report collects the figures of every scenario.
type report struct{ figures []*figure }

func atMost(x float64) func(float64) bool  { return func(v float64) bool { return v <= x } }
func atLeast(x float64) func(float64) bool { return func(v float64) bool { return v >= x } }

// add records a figure; met (nil for figures without a target) judges the median.
func (r *report) add(scenario, name, unit string, runs []float64, target string, met func(float64) bool) {
	f := &figure{Scenario: scenario, Name: name, Unit: unit, Runs: runs, Median: median(runs), Target: target}
	if met != nil && len(runs) > 0 {
		ok := met(f.Median)
		f.Met = &ok
	}
	r.figures = append(r.figures, f)
}

func (r *report) print(w io.Writer, e *env) {
	model := "unknown"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	on := "SQLite"
	if e.pg != nil {
		on = fmt.Sprintf("PostgreSQL, %d refuge process(es)", e.cfg.procs)
	}
	fmt.Fprintf(w, "\nrefuge-load: on %s; %d runs each; %d CPUs (%s), %s\n\n", on, e.cfg.runs, runtime.NumCPU(), model, runtime.Version())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tfigure\tmedian\ttarget\t\truns")
	for _, f := range r.figures {
		verdict := ""
		if f.Met != nil {
			verdict = map[bool]string{true: "met", false: "MISSED"}[*f.Met]
		}
		format := "%.0f"
		if f.Median < 100 {
			format = "%.2f"
		}
		fmt.Fprintf(tw, "%s\t%s\t"+format+" %s\t%s\t%s\t%s\n", f.Scenario, f.Name, f.Median, f.Unit, f.Target, verdict,
			fmtList(f.Runs, format))
	}
	tw.Flush()
}

func (r *report) writeJSON(path string) error {
	data, err := json.MarshalIndent(r.figures, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
