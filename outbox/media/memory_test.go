package media_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	"refuge/internal/testrig/testimage"
	"refuge/outbox/media"
)

// peakChild names the environment variable that makes TestPeakMemoryChild do its work.
const peakChild = "REFUGE_MEDIA_PEAK_CHILD"

// BenchmarkPeakMemory measures the outside probe's case: two posts at once, each with four
// 8000×5000 PNGs, every image decoded and re-encoded by Process. The work runs in a fresh
// process (this test binary again, TestPeakMemoryChild) whose peak resident memory (VmHWM,
// Linux) is reset after the pictures are made, so that the figure is the processing's
// alone; it is reported as peak-MiB. Run it with -benchtime 1x: one run takes tens of
// seconds.
func BenchmarkPeakMemory(b *testing.B) {
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestPeakMemoryChild$", "-test.v")
		cmd.Env = append(os.Environ(), peakChild+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		var kb float64
		if _, err := fmt.Sscanf(string(out[bytes.Index(out, []byte("peak-kB "))+len("peak-kB "):]), "%g", &kb); err != nil {
			b.Fatalf("no peak in: %s", out)
		}
		b.ReportMetric(kb/1024, "peak-MiB")
	}
}

// TestPeakMemoryChild is the work BenchmarkPeakMemory measures; it does nothing unless the
// benchmark started it.
func TestPeakMemoryChild(t *testing.T) {
	if os.Getenv(peakChild) != "1" {
		t.Skip("run by BenchmarkPeakMemory")
	}
	big := testimage.PNG(t, testimage.Halves(8000, 5000))
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak: %v", err)
	}
	var wg sync.WaitGroup
	for range 2 { // two posts at once
		wg.Go(func() {
			for range 4 { // four images each, one after another as a post's form is read
				if _, err := media.Process(context.Background(), big); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	fmt.Printf("peak-kB %d\n", vmHWM(t))
}

// vmHWM is this process's peak resident memory in kB.
func vmHWM(t *testing.T) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	t.Skip("no VmHWM")
	return 0
}
