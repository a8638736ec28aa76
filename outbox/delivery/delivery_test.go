package delivery_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig/fixture"
	"refuge/internal/testrig/peer"
	"refuge/outbox"
	"refuge/outbox/delivery"
	"refuge/storage"
	"refuge/storage/sqldb"
)

// TestClaimsNoMoreThanItSends: the workers lease only the deliveries they start sending at
// once. A delivery leased while it waited for a worker could see its lease run out before
// it was sent, and be claimed and sent by another worker too (another process's, on a
// shared PostgreSQL database) — so while every worker is busy with a slow inbox, nothing
// else is leased, and the rest stays in the queue for any process to take.
func TestClaimsNoMoreThanItSends(t *testing.T) {
	ctx := context.Background()
	const workers, inboxes = 2, 6
	release := make(chan struct{})
	var released sync.Once
	answer := func() { released.Do(func() { close(release) }) }
	var posts atomic.Int64
	var urls []string
	for i := range inboxes {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			posts.Add(1)
			select { // a slow inbox: it answers when the test says so
			case <-release:
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusAccepted)
		}))
		t.Cleanup(srv.Close)
		urls = append(urls, fmt.Sprintf("%s/users/u%d/inbox", srv.URL, i))
	}
	db, act := queueFromAlice(t, urls, nil)

	client := federation.NewClient(federation.ClientConfig{AllowPrivate: true, Resolver: fixture.NoDNS{}, Dial: peer.NewDialer(t).Dial})
	d := &delivery.Deliverer{DB: db, Client: client, Log: slog.New(slog.DiscardHandler), Workers: workers, Lease: time.Minute}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	defer func() { answer(); stop(); <-done }()

	waitFor(t, "every worker busy", func() bool { return posts.Load() == workers })
	time.Sleep(100 * time.Millisecond) // what a claim of more would have taken
	list, err := db.ListDeliveries(ctx, act.ID)
	if err != nil {
		t.Fatal(err)
	}
	leased := 0
	for _, q := range list {
		if q.NextTry.After(time.Now()) {
			leased++
		}
	}
	if len(list) != inboxes || leased != workers || posts.Load() != workers {
		t.Fatalf("%d of %d queued deliveries leased, %d being sent: want only the %d being sent leased",
			leased, len(list), posts.Load(), workers)
	}
	answer()
	waitFor(t, "every delivery sent", func() bool { n, _ := db.CountDeliveries(ctx); return n == 0 })
	if n := posts.Load(); n != inboxes {
		t.Fatalf("%d POSTs for %d deliveries", n, inboxes)
	}
}

// TestBlockedHostInBatch: the hosts of a claimed batch are checked against the blocks in
// one query, not once a delivery: the blocked host gets nothing and its delivery is dropped,
// the others are sent, and the client's own per-request check is not needed.
func TestBlockedHostInBatch(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	got := map[string]int{} // host → POSTs
	var urls, hosts []string
	for range 3 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got[r.Host]++
			mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		}))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL+"/inbox")
		hosts = append(hosts, srv.Listener.Addr().String())
	}
	db, _ := queueFromAlice(t, urls, func(tx storage.Tx) error {
		return tx.PutBlock(ctx, storage.Block{Target: hosts[1], Created: time.Now()})
	})
	var asked atomic.Int64
	client := federation.NewClient(federation.ClientConfig{AllowPrivate: true, Resolver: fixture.NoDNS{}, Dial: peer.NewDialer(t).Dial,
		HostBlocked: func(ctx context.Context, host string) (bool, error) {
			asked.Add(1)
			return db.IsHostBlocked(ctx, host)
		}})
	d := &delivery.Deliverer{DB: db, Client: client, Log: slog.New(slog.DiscardHandler)}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	waitFor(t, "every delivery settled", func() bool { n, _ := db.CountDeliveries(ctx); return n == 0 })
	mu.Lock()
	defer mu.Unlock()
	if got[hosts[0]] != 1 || got[hosts[1]] != 0 || got[hosts[2]] != 1 {
		t.Fatalf("POSTs by host %v; want one each to %s and %s, none to the blocked %s", got, hosts[0], hosts[2], hosts[1])
	}
	if n := asked.Load(); n != 0 {
		t.Fatalf("the client asked HostBlocked %d times; the batch's one query answers for every host", n)
	}
}

// queueFromAlice opens a database with an account alice and queues an activity of hers for
// each of inboxes, after also (when not nil) in the same transaction.
func queueFromAlice(t *testing.T, inboxes []string, also func(tx storage.Tx) error) (*sqldb.DB, *storage.Activity) {
	t.Helper()
	ctx := context.Background()
	db := fixture.Open(t)
	svc := &outbox.Service{DB: db, Base: "http://local.test", Domain: "local.test", Log: slog.New(slog.DiscardHandler)}
	alice, err := svc.CreateAccount(ctx, "alice", "password-alice", false)
	if err != nil {
		t.Fatal(err)
	}
	act := &storage.Activity{URI: alice.URI + "/activities/1", ActorID: alice.ID, Local: true, Type: "Create", JSON: `{"id":"x"}`}
	err = db.Update(ctx, func(tx storage.Tx) error {
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		if _, err := tx.PutActivity(ctx, act); err != nil {
			return err
		}
		return tx.EnqueueDeliveries(ctx, act.ID, inboxes, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, act
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
	}
}
