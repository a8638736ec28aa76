package main

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// latencies collects request durations of one run.
type latencies []time.Duration

// pct returns the p-th percentile (0 < p ≤ 100), nearest rank.
func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// median of a few measurements; the lower middle for an even count.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	return s[(len(s)-1)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fmtList prints a run's values for the per-run lines, with unit.
func fmtList(xs []float64, format string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf(format, x)
	}
	return out
}
