package server_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"refuge/internal/testrig"
)

// BenchmarkArchiveImport: the real CLI (`refuge import archive`) imports a Mastodon archive of
// 10,000 posts with 1,000 pictures into a new account beside a running serve; measured are
// the child process's wall time and its peak resident memory (its rusage's ru_maxrss).
// Targets (issue 18): under 60 s and under 200 MiB on 2 cores. Run it with
//
//	go test ./server/ -run '^$' -bench ArchiveImport -benchtime 1x
func BenchmarkArchiveImport(b *testing.B) {
	in := testrig.Start(b)
	files, posts := mastodonArchive(b, "https://mastodon.example/users/alice", 10_000, 10)
	file := filepath.Join(b.TempDir(), "archive.tar.gz")
	writeArchive(b, file, false, files)
	own := 0
	for _, p := range posts {
		if !p.boost {
			own++
		}
	}
	bin := testrig.Binary(b)
	var wall time.Duration
	var maxRSS int64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		name := fmt.Sprintf("bench%d", i)
		in.Account(name, false)
		args := []string{"import", "archive", name, file, "--data", in.Cfg.Data, "--domain", in.Cfg.Domain}
		if in.Cfg.DB != "" {
			args = append(args, "--db", in.Cfg.DB)
		}
		cmd := exec.Command(bin, args...)
		b.StartTimer()
		start := time.Now()
		out, err := cmd.CombinedOutput()
		wall += time.Since(start)
		if err != nil {
			b.Fatalf("refuge import archive: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), fmt.Sprintf("imported: %d\n", own)) || !strings.Contains(string(out), "media imported: 1000\n") {
			b.Fatalf("the import did not import everything:\n%s", out)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			maxRSS = max(maxRSS, ru.Maxrss) // KiB on Linux
		}
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/import")
	b.ReportMetric(float64(maxRSS)/1024, "MiB-peak-rss")
}
