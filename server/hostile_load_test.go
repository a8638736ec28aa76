package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
)

// TestHostileFloodWhileReading: thirty remote actors on three hosts flood one inbox while a
// browser reads pages; every page read is answered, and quickly, the whole time. The flood
// is bounded (360 deliveries) and stops by itself; everything stays on loopback.
func TestHostileFloodWhileReading(t *testing.T) {
	k1, k2 := peer.Keys()
	in := testrig.Start(t)
	aliceToken, alice := in.Account("alice", false)
	public := []string{"https://www.w3.org/ns/activitystreams#Public"}
	noteURI := in.PostNote("alice", aliceToken, map[string]any{"content": "read me while they shout", "to": public})
	notePath := strings.TrimPrefix(noteURI, in.Base)
	var actors []*peer.Actor
	for h := 0; h < 3; h++ {
		p := peer.New(t, "127.0.0.1:0", "")
		for i := 0; i < 10; i++ {
			key := k1
			if i%2 == 1 {
				key = k2
			}
			actors = append(actors, p.Actor("flood"+string(rune('a'+i)), key))
		}
	}
	before := in.RowCounts()

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
				note := a.Note("flood", public...)
				note["cc"] = []string{alice}
				got := a.Post(t, in.Base+"/inbox", a.Activity("Create", note, "to", public, "cc", []string{alice}), peer.Sig{})
				if got.Status == http.StatusAccepted {
					accepted.Add(1)
				} else {
					refused.Add(1)
					failures.LoadOrStore(got.Status, got.Reason)
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
		got := getPage(t, in, paths[i%len(paths)], "")
		took := time.Since(start)
		slowest = max(slowest, took)
		reads++
		if got.Status != http.StatusOK {
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
	after := in.RowCounts()
	if d := after["notes"] - before["notes"]; d != total {
		t.Errorf("%d notes stored, want %d", d, total)
	}
}

// TestHostileKillMidStream: deliveries stream into the real binary, which is killed with
// SIGKILL in the middle; started again on the same data, it has stored every activity it
// answered 202, and it serves and dedupes as before.
func TestHostileKillMidStream(t *testing.T) {
	k1, k2 := peer.Keys()
	addr, data := testrig.FreeAddr(t), t.TempDir()
	args := []string{"--listen", addr, "--domain", addr, "--data", data, "--allow-private", "--http"}
	cmd, _ := testrig.Serve(t, args...)
	target := "http://" + addr
	root := target + "/users/root"

	p := peer.New(t, "127.0.0.1:0", "")
	actors := []*peer.Actor{p.Actor("k1", k1), p.Actor("k2", k2), p.Actor("k3", k1), p.Actor("k4", k2)}
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
				note := a.Note("kept through a crash", root)
				act := a.Activity("Create", note, "to", []string{root})
				body := mustJSON(t, act)
				req, err := peer.SignedPost(target+"/inbox", body, a.KeyID, a.Key, peer.Sig{})
				if err != nil {
					t.Error(err)
					return
				}
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
	cmd, _ = testrig.Serve(t, args...)
	a := actors[0]
	fresh := a.Activity("Create", a.Note("after the crash", root), "to", []string{root})
	for i := 0; i < 2; i++ {
		if got := a.Post(t, target+"/inbox", fresh, peer.Sig{}); got.Status != http.StatusAccepted {
			t.Fatalf("delivery %d after restart: %v", i+1, got)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after restart did not stop cleanly: %v", err)
	}

	ctx := context.Background()
	stopped, err := server.Open(ctx, server.Config{Domain: addr, Data: data, Log: testrig.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer stopped.Close()
	db := stopped.DB()
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
