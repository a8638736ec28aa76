package server

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"refuge/server/httpx"
	"refuge/storage/sqlite"
)

// TestHostileFloodWhileReading: thirty remote actors on three hosts flood one inbox while a
// browser reads pages; every page read is answered, and quickly, the whole time. The flood
// is bounded (360 deliveries) and stops by itself; everything stays on loopback.
func TestHostileFloodWhileReading(t *testing.T) {
	k1, k2 := hostileKeys()
	in := startInstance(t)
	aliceToken, alice := in.account("alice", false)
	public := []string{"https://www.w3.org/ns/activitystreams#Public"}
	noteURI := in.postNote("alice", aliceToken, map[string]any{"content": "read me while they shout", "to": public})
	notePath := strings.TrimPrefix(noteURI, in.base)
	var actors []*peerActor
	for h := 0; h < 3; h++ {
		p := newPeer(t, "127.0.0.1:0", "")
		for i := 0; i < 10; i++ {
			key := k1
			if i%2 == 1 {
				key = k2
			}
			actors = append(actors, p.actor("flood"+string(rune('a'+i)), key))
		}
	}
	before := in.rowCounts()

	const total, senders = 360, 12
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var accepted, refused atomic.Int64
	var failures sync.Map // status → example reason
	var flood sync.WaitGroup
	for s := 0; s < senders; s++ {
		flood.Add(1)
		go func() {
			defer flood.Done()
			for i := s; i < total && ctx.Err() == nil; i += senders {
				a := actors[i%len(actors)]
				note := a.note("flood", public...)
				note["cc"] = []string{alice}
				got := a.post(t, in, "/inbox", a.activity("Create", note, "to", public, "cc", []string{alice}), sig{})
				if got.status == http.StatusAccepted {
					accepted.Add(1)
				} else {
					refused.Add(1)
					failures.LoadOrStore(got.status, got.reason)
				}
			}
		}()
	}
	floodDone := make(chan struct{})
	go func() { flood.Wait(); close(floodDone) }()

	var reads int
	var slowest time.Duration
	paths := []string{"/", "/@alice", "/users/alice", notePath, "/users/alice/followers"}
reading:
	for i := 0; ; i++ {
		select {
		case <-floodDone:
			break reading
		case <-ctx.Done():
			t.Fatal("the flood did not end within 30 s")
		default:
		}
		start := time.Now()
		got := in.page(t, paths[i%len(paths)], "")
		took := time.Since(start)
		slowest = max(slowest, took)
		reads++
		if got.status != http.StatusOK {
			t.Errorf("GET %s during the flood: %v", paths[i%len(paths)], got)
		}
	}
	t.Logf("%d deliveries accepted, %d refused; %d page reads during the flood, slowest %v",
		accepted.Load(), refused.Load(), reads, slowest.Round(time.Millisecond))
	failures.Range(func(k, v any) bool { t.Errorf("delivery refused with %v: %v", k, v); return true })
	if accepted.Load() != total {
		t.Errorf("%d of %d deliveries accepted", accepted.Load(), total)
	}
	if reads < 10 {
		t.Errorf("only %d page reads were answered during the flood", reads)
	}
	if slowest > 2*time.Second {
		t.Errorf("the slowest page read during the flood took %v", slowest)
	}
	after := in.rowCounts()
	if d := after["notes"] - before["notes"]; d != total {
		t.Errorf("%d notes stored, want %d", d, total)
	}
}

// startBinary runs `refuge serve` and waits until it says it is serving.
func startBinary(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), "REFUGE_ADMIN=root")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan struct{})
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if strings.Contains(lines.Text(), "is serving") {
				close(ready)
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not say it is serving")
	}
	return cmd
}

// TestHostileKillMidStream: deliveries stream into the real binary, which is killed with
// SIGKILL in the middle; started again on the same data, it has stored every activity it
// answered 202, and it serves and dedupes as before.
func TestHostileKillMidStream(t *testing.T) {
	k1, k2 := hostileKeys()
	bin := buildBinary(t)
	addr, data := freeAddr(t), t.TempDir()
	args := []string{"--listen", addr, "--domain", addr, "--data", data, "--allow-private", "--http"}
	cmd := startBinary(t, bin, args...)
	target := &instance{t: t, base: "http://" + addr}
	root := target.base + "/users/root"

	p := newPeer(t, "127.0.0.1:0", "")
	actors := []*peerActor{p.actor("k1", k1), p.actor("k2", k2), p.actor("k3", k1), p.actor("k4", k2)}
	const total, senders, killAfter = 300, 4, 100
	type sent struct{ activity, note string }
	var mu sync.Mutex
	var accepted []sent
	var killed sync.Once
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := actors[s]
			for i := 0; i < total/senders; i++ {
				note := a.note("kept through a crash", root)
				act := a.activity("Create", note, "to", []string{root})
				body := mustJSON(t, act)
				req, _ := http.NewRequest(http.MethodPost, target.base+"/inbox", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", httpx.ActivityJSON)
				signRequest(t, req, body, a.keyID, a.key, sig{})
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone: the stream ends here
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					t.Errorf("delivery answered %d", resp.StatusCode)
					continue
				}
				mu.Lock()
				accepted = append(accepted, sent{act["id"].(string), note["id"].(string)})
				n := len(accepted)
				mu.Unlock()
				if n >= killAfter {
					killed.Do(func() {
						if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
							t.Errorf("kill: %v", err)
						}
					})
				}
			}
		}()
	}
	wg.Wait()
	cmd.Wait()
	if len(accepted) < killAfter {
		t.Fatalf("only %d deliveries were accepted before the kill", len(accepted))
	}
	if len(accepted) == total {
		t.Fatalf("all %d deliveries were accepted: the kill came too late to test anything", total)
	}

	// Started again on the same data, it answers: a new delivery is stored, a repeat is not.
	cmd = startBinary(t, bin, args...)
	a := actors[0]
	fresh := a.activity("Create", a.note("after the crash", root), "to", []string{root})
	for i := 0; i < 2; i++ {
		if got := a.post(t, target, "/inbox", fresh, sig{}); got.status != http.StatusAccepted {
			t.Fatalf("delivery %d after restart: %v", i+1, got)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after restart did not stop cleanly: %v", err)
	}

	db, err := sqlite.Open(context.Background(), filepath.Join(data, "refuge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	missing := 0
	for _, s := range append(accepted, sent{fresh["id"].(string), fresh["object"].(map[string]any)["id"].(string)}) {
		_, aerr := db.GetActivityByURI(ctx, s.activity)
		_, nerr := db.GetNoteByURI(ctx, s.note)
		if aerr != nil || nerr != nil {
			missing++
			t.Errorf("answered 202 but not stored: %s (%v, %v)", s.activity, aerr, nerr)
		}
	}
	t.Logf("killed after %d of %d deliveries were accepted; %d of them missing after restart", len(accepted), total, missing)
}
