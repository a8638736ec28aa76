package server

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The refuge binary, built once for the tests of this package that drive the program
// itself: admin commands beside a running instance, and kill -9 in the middle of work.
var refugeBinary = sync.OnceValues(func() (string, error) {
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

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

func buildBinary(t *testing.T) string {
	t.Helper()
	bin, err := refugeBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// admin runs an admin command of the refuge binary (for example block add HOST) on the
// instance's data folder while it serves, and returns its exit code and output.
func (in *instance) admin(args ...string) (int, string) {
	in.t.Helper()
	args = append(args, "--data", in.cfg.Data, "--domain", in.cfg.Domain)
	out, err := exec.Command(buildBinary(in.t), args...).CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		in.t.Fatalf("refuge %v: %v", args, err)
	}
	return 0, string(out)
}
