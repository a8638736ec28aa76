package media_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image/png"
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

// peakChild names the environment variable that makes this test binary, started again by
// BenchmarkPeakMemory, do the measured work instead of running tests (see TestMain).
const peakChild = "REFUGE_MEDIA_PEAK_CHILD"

// TestMain runs the tests, or, in the process BenchmarkPeakMemory starts, only the work it
// measures.
func TestMain(m *testing.M) {
	if os.Getenv(peakChild) == "1" {
		if err := peakMemoryChild(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// BenchmarkPeakMemory measures the outside probe's case: two posts at once, each with four
// 8000×5000 PNGs, every image decoded and re-encoded by Process. The work runs in a fresh
// process (this test binary again, see TestMain) whose peak resident memory (VmHWM, Linux)
// is reset after the pictures are made, so that the figure is the processing's alone; it is
// reported as peak-MiB. Run it with -benchtime 1x: one run takes tens of seconds.
func BenchmarkPeakMemory(b *testing.B) {
	for b.Loop() {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), peakChild+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		i := bytes.Index(out, []byte("peak-kB "))
		var kb float64
		if _, err := fmt.Sscanf(string(out[max(i, 0)+len("peak-kB "):]), "%g", &kb); i < 0 || err != nil {
			b.Fatalf("no peak in: %s", out)
		}
		b.ReportMetric(kb/1024, "peak-MiB")
	}
}

// peakMemoryChild is the work BenchmarkPeakMemory measures, in a process of its own.
func peakMemoryChild() error {
	var big bytes.Buffer
	if err := png.Encode(&big, testimage.Halves(8000, 5000)); err != nil {
		return err
	}
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("cannot reset the peak: %w", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 2 { // two posts at once
		wg.Go(func() {
			for range 4 { // four images each, one after another as a post's form is read
				if _, err := media.Process(context.Background(), big.Bytes()); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	kb, err := vmHWM()
	if err != nil {
		return err
	}
	fmt.Printf("peak-kB %d\n", kb)
	return nil
}

// vmHWM is this process's peak resident memory in kB.
func vmHWM() (int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}
