package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"refuge/federation/uris"
)

// server is one process of the Refuge under test: a process this tool started (cmd set), or
// one already running at base (cmd nil; pid known only when given). The processes of one
// instance on PostgreSQL share its database, data folder and domain; each listens on a port
// of its own.
type server struct {
	bin    string // the refuge binary
	data   string // its data folder; "" when unknown
	db     string // its PostgreSQL database (--db); "" for the SQLite file under data
	domain string // 127.0.0.1:PORT, the instance's: the first process listens there
	base   string // http://127.0.0.1:PORT, the instance's
	listen string // 127.0.0.1:PORT this process listens on
	https  bool   // its URLs are https:// (a domain such as the seed's); else http:// at domain
	name   string // refuge, refuge-2, ...: its log is NAME.log
	cmd    *exec.Cmd
	pid    int
	log    *os.File
}

// uris are the URLs of the server under test.
func (s *server) uris() uris.Local { return uris.New(s.base) }

// buildRefuge builds ./cmd/refuge into dir (run from the repository root).
func buildRefuge(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "refuge")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/refuge")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/refuge (run refuge-load from the repository root): %v\n%s", err, out)
	}
	return bin, nil
}

// freePort finds a free loopback port; Refuge must know its domain before it starts.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// newServer prepares a fresh instance in dir, on the SQLite file under its data folder or on
// the PostgreSQL database db; nothing runs yet.
func newServer(bin, dir, db string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	return &server{bin: bin, data: filepath.Join(dir, "data"), db: db, domain: addr, base: "http://" + addr,
		listen: addr, name: "refuge"}, nil
}

// another prepares one more process of the same instance (same database, data folder and
// domain) on a port of its own, as behind a load balancer; the n-th, from 2.
func (s *server) another(n int) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	return &server{bin: s.bin, data: s.data, db: s.db, domain: s.domain, base: s.base, listen: addr,
		name: fmt.Sprintf("refuge-%d", n)}, nil
}

// instanceArgs are the flags, besides its domain and data folder, that every command on the
// instance is given: the scheme and the database.
func (s *server) instanceArgs() []string {
	var args []string
	if !s.https {
		args = append(args, "--http")
	}
	if s.db != "" {
		args = append(args, "--db", s.db)
	}
	return args
}

// cli runs an admin command of the binary against the instance's data folder.
func (s *server) cli(ctx context.Context, stdin string, args ...string) (string, error) {
	args = append(append(args, "--data", s.data, "--domain", s.domain), s.instanceArgs()...)
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("refuge %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// account makes a local account and returns a new API token for it.
func (s *server) account(ctx context.Context, name string) (string, error) {
	if _, err := s.cli(ctx, "load-password-"+name+"\n", "user", "add", name, "--password-stdin"); err != nil {
		return "", err
	}
	return s.cli(ctx, "", "token", name)
}

// start starts `refuge serve` and waits for its first answer. It returns the time from
// process start to that answer.
func (s *server) start(ctx context.Context) (time.Duration, error) {
	if s.log == nil {
		var err error
		if s.log, err = os.Create(filepath.Join(filepath.Dir(s.data), s.name+".log")); err != nil {
			return 0, err
		}
	}
	// The client API's rate limits are off: a load run is one client making thousands of
	// requests a minute, which is what they exist to refuse.
	cmd := exec.Command(s.bin, append([]string{"serve", "--listen", s.listen, "--domain", s.domain,
		"--allow-private", "--data", s.data, "--rate-limit-token", "0", "--rate-limit-address", "0",
		"--rate-limit-address-all", "0", "--rate-limit-media", "0", "--rate-limit-deletions", "0",
		"--stream-conns", "5000", "--stream-conns-per-token", "5000"}, s.instanceArgs()...)...)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	s.cmd, s.pid = cmd, cmd.Process.Pid
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		resp, err := c.Get("http://" + s.listen + "/.well-known/host-meta")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(begin), nil
			}
		}
		if time.Since(begin) > 30*time.Second || ctx.Err() != nil {
			s.stop()
			return 0, fmt.Errorf("%s did not answer within 30 s (log: %s)", s.name, s.log.Name())
		}
		time.Sleep(time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop() error {
	if s.cmd == nil {
		return nil
	}
	cmd := s.cmd
	s.cmd = nil
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		return errors.New("refuge did not stop within 30 s of SIGTERM; killed")
	}
}

// memory reads the resident set size and its peak (VmHWM), in MiB; zero when unknown.
func (s *server) memory() (rss, peak float64) {
	if s.pid == 0 {
		return 0, 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// resetPeak starts a new VmHWM measurement (Linux: writing 5 to clear_refs).
func (s *server) resetPeak() bool {
	if s.pid == 0 {
		return false
	}
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.pid), []byte("5"), 0) == nil
}

// dbPath is the instance's SQLite file, "" when the data folder is unknown or the instance
// is on PostgreSQL.
func (s *server) dbPath() string {
	if s.data == "" || s.db != "" {
		return ""
	}
	return filepath.Join(s.data, "refuge.db")
}
