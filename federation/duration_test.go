package federation

import (
	"encoding/json"
	"testing"
)

// TestDurationOf reads the lengths peers give attachments: xsd:durations of hours, minutes
// and seconds, or plain seconds; anything else, or anything of days, is unknown (0).
func TestDurationOf(t *testing.T) {
	for raw, want := range map[string]float64{
		`"PT88.654S"`:   88.654,
		`"PT1M30S"`:     90,
		`"PT1H2M3.5S"`:  3723.5,
		`"PT2M"`:        120,
		`12.5`:          12.5,
		`"12.5"`:        0, // a string must be an xsd:duration
		`"P1DT2H"`:      0,
		`"PT-5S"`:       0,
		`"PT1e3S"`:      0,
		`"PTNaNS"`:      0,
		`"PT5S junk"`:   0,
		`-3`:            0,
		`null`:          0,
		`{"a":1}`:       0,
		`"PT99999999S"`: 0,
	} {
		if got := durationOf(json.RawMessage(raw)); got != want {
			t.Errorf("durationOf(%s) = %v, want %v", raw, got, want)
		}
	}
	for s, want := range map[float64]string{0: "", -1: "", 2: "PT2S", 88.6544: "PT88.654S"} {
		if got := formatDuration(s); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", s, got, want)
		}
	}
}
