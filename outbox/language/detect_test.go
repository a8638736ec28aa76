package language

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// row is one line of testdata/languages.tsv.
type row struct {
	want, text string
	line       int
}

// shortText is the length under which a text may get no language: the issue's "texts of
// 20 characters or more" must be right.
const shortText = 20

func readTable(t testing.TB) []row {
	t.Helper()
	f, err := os.Open("testdata/languages.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []row
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		want, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("line %d: no tab", n)
		}
		if want == "-" {
			want = ""
		}
		rows = append(rows, row{want: want, text: text, line: n})
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestDetectTable is the acceptance: on the table, at least 95% of the texts of 20
// characters or more get their language, and no shorter text gets a wrong one. It logs
// the results by expected language (go test -v), as BENCHMARKS.md reports them.
func TestDetectTable(t *testing.T) {
	rows := readTable(t)
	if len(rows) < 60 {
		t.Fatalf("the table has %d rows; it should have at least 60", len(rows))
	}
	type tally struct{ long, right, short, answered int }
	byLang := map[string]*tally{}
	var order []string
	var all tally
	for _, r := range rows {
		got := Detect(r.text)
		key := r.want
		if key == "" {
			key = "none"
		}
		c := byLang[key]
		if c == nil {
			c = &tally{}
			byLang[key] = c
			order = append(order, key)
		}
		if utf8.RuneCountInString(r.text) < shortText {
			c.short++
			all.short++
			if got != "" {
				c.answered++
				all.answered++
			}
			if got != "" && got != r.want {
				t.Errorf("line %d, short: %q is %q, not %q", r.line, r.text, got, r.want)
			}
			continue
		}
		c.long++
		all.long++
		if got == r.want {
			c.right++
			all.right++
		} else {
			t.Logf("line %d: %q is %q, not %q", r.line, r.text, got, r.want)
		}
	}
	t.Log("| expected | texts ≥ 20 chars | right | short texts | answered (all right) |")
	for _, k := range append(order, "all") {
		c := byLang[k]
		if k == "all" {
			c = &all
		}
		t.Logf("| %s | %d | %d | %d | %d |", k, c.long, c.right, c.short, c.answered)
	}
	rate := float64(all.right) / float64(all.long)
	t.Logf("right on texts of 20 characters or more: %d of %d (%.1f%%)", all.right, all.long, 100*rate)
	if rate < 0.95 {
		t.Errorf("%.1f%% right on texts of 20 characters or more; the aim is at least 95%%", 100*rate)
	}
}

// TestDetectRules checks the rules around the models: what is stripped, the script
// rules, the weighing of mixed texts.
func TestDetectRules(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"", ""},
		{"   \n\t ", ""},
		{"12345 67890 !!! ??? 2026-12-01", ""},
		// Markup, links, mentions, hashtags and shortcodes are not language: left alone,
		// these would read as English.
		{"<p><a href=\"https://example.org/a\">https://example.org/a</a></p> :blobcat: :blobfox: #photography @someone@example.org", ""},
		{"<p>Hoy por fin terminé de pintar la cocina &amp; estoy agotada pero feliz</p>", "es"},
		{"#gardening #tomatoes #allotment #summer #harvest 夏の収穫がはじまりました", "ja"},
		// Scripts: Hangul is Korean, hiragana Japanese, kanji alone Chinese when long enough.
		{"ㅋㅋ", "ko"},
		{"ㅋ", ""},
		{"한국어와 日本語", "ko"},
		{"すごい", "ja"},
		{"東京都庁舎展望室", ""},
		{"今天天气很好我们去公园散步吧", "zh"},
		// A Chinese text quoting a katakana name stays Chinese.
		{"我最喜欢的动画是ワンピース，每个星期都会追着看", "zh"},
		// Kanji with a trace of hiragana: Chinese with の, or a Japanese headline.
		{"我の猫今天特别可爱，一直在睡觉哈哈哈", ""},
		// Weighing: three letters to a CJK character.
		{"我觉得这个 feature 很有用，但是 UI 需要再改改", "zh"},
		{"Just landed in 北京, the airport is huge and everyone is so helpful", "en"},
	} {
		if got := Detect(tc.text); got != tc.want {
			t.Errorf("Detect(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestDetectConcurrent runs detection from many goroutines at once, as posts arrive, for
// the race detector (go test -race).
func TestDetectConcurrent(t *testing.T) {
	rows := readTable(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for _, r := range rows[i*len(rows)/8 : (i+1)*len(rows)/8] {
				Detect(r.text)
			}
		})
	}
	wg.Wait()
}

// BenchmarkDetect is the cost of detection per post, over the whole table and then by the
// kind of text (BENCHMARKS.md). The models are loaded before the timer starts (see
// BenchmarkModelsMemory for that cost).
func BenchmarkDetect(b *testing.B) {
	rows := readTable(b)
	for _, r := range rows { // loading the models is paid once per process
		Detect(r.text)
	}
	kinds := map[string][]string{}
	for _, r := range rows {
		kind := "short"
		switch {
		case utf8.RuneCountInString(r.text) < shortText:
		case r.want == "zh" || r.want == "ja" || r.want == "ko":
			kind = "cjk"
		default:
			kind = "alphabetic"
		}
		kinds[kind] = append(kinds[kind], r.text)
		kinds["table"] = append(kinds["table"], r.text)
	}
	for _, kind := range []string{"table", "alphabetic", "cjk", "short"} {
		texts := kinds[kind]
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for i := 0; b.Loop(); i++ {
				Detect(texts[i%len(texts)])
			}
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
	b.Run("long-post", func(b *testing.B) {
		post := strings.Repeat("The train was forty minutes late again, so I read half a novel on the platform. ", 60)
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			Detect(post)
		}
		b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(len(post)), "bytes/post")
	})
}

// BenchmarkModelsMemory is what the models hold once loaded, and how long the first post
// of a process waits for them. Run it alone, in a fresh process, for the figure to mean
// anything: go test ./outbox/language -run '^$' -bench ModelsMemory -benchtime 1x.
func BenchmarkModelsMemory(b *testing.B) {
	rows := readTable(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rssBefore := residentMB()
	start := time.Now()
	for _, r := range rows {
		Detect(r.text)
	}
	first := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	for b.Loop() {
	}
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heap-MB")
	if rss := residentMB(); rss > 0 && rssBefore > 0 {
		b.ReportMetric(rss-rssBefore, "rss-MB")
	}
	b.ReportMetric(first.Seconds(), "first-table-s")
}

// cpuTime is the processor time the process has used, user and system: on a machine shared
// with other work, a steadier measure of a detection's cost than the time it took.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// residentMB is the process's resident memory as Linux counts it (VmRSS), 0 elsewhere: it
// includes the pages of the binary the models were read from, which the heap does not.
func residentMB() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
