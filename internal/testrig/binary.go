package testrig

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// binary is the refuge program, built once per test process for the tests that drive the
// program itself: admin commands beside a running instance, kill -9 in the middle of
// work, a walk through a started binary.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "refuge-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "refuge")
	if out, err := exec.Command("go", "build", "-o", bin, "refuge/cmd/refuge").CombinedOutput(); err != nil {
		return "", &buildError{err, string(out)}
	}
	return bin, nil
})

// buildError keeps the compiler's output, which says what went wrong.
type buildError struct {
	err error
	out string
}

// Error is the failure and the compiler's output.
func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// Binary builds refuge/cmd/refuge, once per process, and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Admin runs an admin command of the refuge binary (for example block add HOST) on the
// instance's data folder while it serves, and returns its exit code and output.
func (in *Instance) Admin(args ...string) (int, string) {
	in.t.Helper()
	args = append(args, "--data", in.Cfg.Data, "--domain", in.Cfg.Domain)
	if in.Cfg.DB != "" {
		args = append(args, "--db", in.Cfg.DB)
	}
	return Run(in.t, args...)
}

// Run runs the refuge binary with args until it exits, and returns its exit code and
// everything it printed.
func Run(t testing.TB, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(Binary(t), args...).CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("refuge %v: %v", args, err)
	}
	return 0, string(out)
}

// Serve runs `refuge serve` with args (and REFUGE_ADMIN=root), waits until it says it is
// serving, and returns the process and what it printed until then (the first start prints
// the admin's password). The process is killed when the test ends, if it still runs; what it
// logged (standard error) is shown if the test failed.
func Serve(t testing.TB, args ...string) (*exec.Cmd, string) {
	t.Helper()
	s := startServe(t, args)
	return s.cmd, s.wait(t)
}

// ServeTogether starts one `refuge serve` for each list of arguments, all at once (as the
// processes behind one load balancer start), then waits until each says it is serving. It
// returns the processes and what each printed until then, in the order of args.
func ServeTogether(t testing.TB, args ...[]string) ([]*exec.Cmd, []string) {
	t.Helper()
	started := make([]*serving, len(args))
	for i, a := range args {
		started[i] = startServe(t, a)
	}
	cmds, printed := make([]*exec.Cmd, len(args)), make([]string, len(args))
	for i, s := range started {
		cmds[i], printed[i] = s.cmd, s.wait(t)
	}
	return cmds, printed
}

// serving is a serve started, not yet known to serve.
type serving struct {
	cmd    *exec.Cmd
	ready  chan string   // what it printed up to "is serving"
	exited chan struct{} // closed when its standard output ends before that
	stderr *lockedBuffer
}

func startServe(t testing.TB, args []string) *serving {
	t.Helper()
	cmd := exec.Command(Binary(t), append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), "REFUGE_ADMIN=root")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &serving{cmd: cmd, ready: make(chan string, 1), exited: make(chan struct{}), stderr: &lockedBuffer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			logs := s.stderr.String()
			if len(logs) > 16<<10 {
				logs = "..." + logs[len(logs)-16<<10:]
			}
			t.Logf("refuge serve %s (pid %d) logged:\n%s", strings.Join(args, " "), cmd.Process.Pid, logs)
		}
	})
	go func() { // the reader never waits on a test that gave up: ready is buffered
		var printed strings.Builder
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			printed.WriteString(lines.Text() + "\n")
			if strings.Contains(lines.Text(), "is serving") {
				s.ready <- printed.String()
				io.Copy(io.Discard, stdout) // the pipe must be drained, or serve blocks on a write
				return
			}
		}
		close(s.exited)
	}()
	return s
}

// wait waits until the serve says it is serving, and fails the test if it stops first or
// says nothing within 30 s (its log is shown when the test ends).
func (s *serving) wait(t testing.TB) string {
	t.Helper()
	select {
	case printed := <-s.ready:
		return printed
	case <-s.exited:
		err := s.cmd.Wait()
		t.Fatalf("serve %s stopped before serving (%v); its log is shown below", strings.Join(s.cmd.Args[2:], " "), err)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve %s did not say it is serving within 30 s; its log is shown below", strings.Join(s.cmd.Args[2:], " "))
	}
	return ""
}

// ServeRefused runs `refuge serve` with args (and REFUGE_ADMIN=root) when it is expected to
// refuse to start, and returns its exit code and everything it printed. A serve that starts
// instead, or does not stop within 30 s, fails the test and is killed.
func ServeRefused(t testing.TB, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(Binary(t), append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), "REFUGE_ADMIN=root")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case err := <-done:
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode(), out.String()
			}
			if err != nil {
				t.Fatal(err)
			}
			return 0, out.String()
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Errorf("serve neither started nor stopped within 30 s: %s", out.String())
			return -1, out.String()
		case <-time.After(50 * time.Millisecond):
			if strings.Contains(out.String(), "is serving") {
				cmd.Process.Kill()
				<-done
				t.Errorf("serve started although it should have refused: %s", out.String())
				return 0, out.String()
			}
		}
	}
}

// lockedBuffer is a buffer that a process writes to while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

// Write appends p.
func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is what was written so far.
func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
