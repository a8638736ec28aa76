// Package delivery runs the workers that POST queued activities to remote inboxes. The
// queue is the deliveries table, filled by outbox in the transaction that stores an action;
// the workers lease due rows, sign each POST with its actor's key, and retry failures on a
// backoff of about two days. They only ever hold leases, so a crash loses nothing.
package delivery

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// DefaultSchedule is how long to wait after each failed attempt: minutes, then hours, then
// half-days; after the last the delivery is dropped, about two days after the first try.
var DefaultSchedule = []time.Duration{
	time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 12 * time.Hour, 15 * time.Hour,
}

// Store is what the delivery workers need of storage: the queue, and the actors and keys
// that sign what they deliver.
type Store interface {
	storage.DeliveryQueue
	storage.DeliveryReader
	storage.CredentialReader
	BlockedHosts(ctx context.Context, hosts []string) (map[string]bool, error)
	GetActorByID(ctx context.Context, id int64) (*storage.Actor, error)
}

// Deliverer POSTs queued activities to remote inboxes. The queue is the deliveries table;
// the workers only ever hold leases on it, so a crash loses nothing.
type Deliverer struct {
	DB       Store
	Client   *federation.Client
	Log      *slog.Logger
	Schedule []time.Duration // nil means DefaultSchedule
	Now      func() time.Time
	Workers  int // concurrent POSTs in all; 0 means 32
	PerHost  int // concurrent POSTs to one host; 0 means 4
	// Lease is how long a claimed delivery is hidden from other claims, this process's and
	// every other's on the same database: a process that dies mid-send leaves its
	// deliveries to be sent again once it runs out. It should be longer than any attempt.
	// 0 means DefaultLease.
	Lease time.Duration

	waker
	keys sync.Map // actor id → *rsa.PrivateKey; parsing a key costs more than using it
}

// waker is how a worker loop is told that something new is queued: Wake never blocks, and
// wakes it once however often it is called meanwhile.
type waker struct {
	ch   chan struct{}
	once sync.Once
}

func (w *waker) c() chan struct{} {
	w.once.Do(func() { w.ch = make(chan struct{}, 1) })
	return w.ch
}

// Wake tells the workers that something new is queued.
func (w *waker) Wake() {
	select {
	case w.c() <- struct{}{}:
	default:
	}
}

func (d *Deliverer) now() time.Time { return now(d.Now) }

// now is clock's time, or the real one when clock is nil.
func now(clock func() time.Time) time.Time {
	if clock != nil {
		return clock()
	}
	return time.Now()
}

// DefaultLease is the Lease of a Deliverer that sets none: longer than any attempt.
const DefaultLease = 2 * time.Minute

// Run delivers until ctx ends. Deliveries in flight when it ends keep their lease and are
// retried once it expires.
//
// A fixed pool of workers sends: a goroutine per delivery would grow its stack anew for
// every signature. What the workers settle as done is deleted from the queue in batches by
// one settler (see settle), not a write per delivery.
func (d *Deliverer) Run(ctx context.Context) {
	workers, perHost, lease := d.Workers, d.PerHost, d.Lease
	if workers <= 0 {
		workers = 32
	}
	if perHost <= 0 {
		perHost = 4
	}
	if lease <= 0 {
		lease = DefaultLease
	}
	type task struct {
		ctx  context.Context // ctx with the blocked check of its batch's hosts
		job  *storage.Delivery
		host chan struct{}
	}
	tasks := make(chan task) // unbuffered: a task is only ever handed to a worker that is free
	slots := make(chan struct{}, workers)
	freed := make(chan struct{}, 1) // a worker finished
	finished := make(chan int64, workers)
	settled := make(chan struct{})
	go func() { d.settle(finished); close(settled) }()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for t := range tasks {
				if d.deliver(t.ctx, t.job) {
					finished <- t.job.ID
				}
				<-t.host
				<-slots
				select {
				case freed <- struct{}{}:
				default:
				}
			}
		})
	}
	defer func() {
		close(tasks)
		wg.Wait()
		close(finished)
		<-settled
	}()
	hosts := map[string]chan struct{}{}
	for {
		// Claim no more than can be sent at once. A claimed delivery is leased; one left
		// waiting for a worker until its lease ran out would be claimed again, by this
		// process or another on the same database, and sent twice. While fewer than a
		// quarter of the workers are free, wait for more rather than claim a few at a time.
		free := workers - len(slots)
		if free < max(1, workers/4) {
			select {
			case <-freed:
			case <-ctx.Done():
				return
			}
			continue
		}
		batch, err := d.DB.ClaimDeliveries(ctx, d.now(), lease, free)
		if err != nil && ctx.Err() == nil {
			d.Log.Error("claim deliveries", "err", err)
		}
		batchCtx := d.checkHosts(ctx, batch)
		for _, job := range batch {
			host := hosts[job.Host]
			if host == nil {
				host = make(chan struct{}, perHost)
				hosts[job.Host] = host
			}
			select {
			case host <- struct{}{}:
			default:
				// This host already has its share in flight: hand the job back for a moment
				// rather than let one slow server hold up everyone else's deliveries.
				d.release(job, time.Second)
				continue
			}
			slots <- struct{}{}                // never waits: no more were claimed than were free
			tasks <- task{batchCtx, job, host} // waits only for a free worker to come back for it
		}
		if len(batch) > 0 {
			continue
		}
		if !d.sleep(ctx) {
			return
		}
	}
}

// checkHosts asks whether the hosts of a claimed batch are blocked, all in one query, and
// returns ctx with the answers for the client (federation.WithHostsChecked), which would
// otherwise ask once a delivery. When the query fails, ctx is returned as it is: the client
// then asks itself.
func (d *Deliverer) checkHosts(ctx context.Context, batch []*storage.Delivery) context.Context {
	if len(batch) == 0 {
		return ctx
	}
	var hosts []string
	for _, job := range batch {
		if job.Host != "" && !slices.Contains(hosts, job.Host) {
			hosts = append(hosts, job.Host)
		}
	}
	blocked, err := d.DB.BlockedHosts(ctx, hosts)
	if err != nil {
		d.Log.Error("check blocked hosts", "err", err)
		return ctx
	}
	return federation.WithHostsChecked(ctx, hosts, blocked)
}

// maxSettle is the most deliveries one statement removes from the queue.
const maxSettle = 256

// settle removes from the queue the deliveries whose ids arrive on finished, until it is
// closed: each time, every id that came while the last batch was written, in one
// statement. A delivery sent but not yet removed stays leased, so nothing else sends it
// meanwhile; were the process to die in between, it is sent again once its lease runs
// out, as it would be had the process died just before the write of a delivery of its own.
func (d *Deliverer) settle(finished <-chan int64) {
	ids := make([]int64, 0, maxSettle)
	for id := range finished {
		ids = append(ids[:0], id)
	more:
		for len(ids) < maxSettle {
			select {
			case id, ok := <-finished:
				if !ok {
					break more
				}
				ids = append(ids, id)
			default:
				break more
			}
		}
		// Its own context: the last batches are written after the workers' context ended.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := d.DB.FinishDeliveries(ctx, ids...); err != nil {
			d.Log.Error("finish deliveries", "count", len(ids), "err", err)
		}
		cancel()
	}
}

// sleep waits until the next queued delivery is due, something new is queued, or ctx ends.
func (d *Deliverer) sleep(ctx context.Context) bool {
	wait := 30 * time.Second
	if next, err := d.DB.NextDeliveryDue(ctx); err == nil && !next.IsZero() {
		if w := next.Sub(d.now()); w < wait {
			wait = max(w, 10*time.Millisecond)
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-d.c():
	case <-t.C:
	}
	return true
}

// deliver makes one attempt and records its outcome; true means the delivery is done with
// (sent, refused for good, or given up) and is to be removed from the queue. A claimed job
// is sent at once (Run claims no more than its free workers take), so the claim itself is
// the check that it was not cancelled (its note deleted, its actor gone) meanwhile.
func (d *Deliverer) deliver(ctx context.Context, job *storage.Delivery) (done bool) {
	key, keyID, err := d.key(ctx, job.ActorID)
	if err != nil {
		d.Log.Error("delivery key", "actor", job.ActorID, "err", err)
		return true
	}
	status, err := d.Client.Post(ctx, job.Inbox, []byte(job.JSON), federation.Signer{KeyID: keyID, Key: key})
	if ctx.Err() != nil {
		d.release(job, 0) // shutting down: due again at once after the restart
		return false
	}
	switch {
	case err == nil && status >= 200 && status < 300:
		return true
	case err == nil && status == 410:
		d.Log.Info("inbox gone", "inbox", job.Inbox)
		if err := d.DB.RemoveActorsByInbox(ctx, job.Inbox, d.now()); err != nil {
			d.Log.Error("remove gone actor", "inbox", job.Inbox, "err", err)
		}
		return true
	case err == nil && status >= 400 && status < 500 && status != 408 && status != 429:
		d.Log.Warn("delivery refused", "inbox", job.Inbox, "status", status)
		return true
	case err != nil && storage.KindOf(err) == storage.Forbidden:
		d.Log.Warn("delivery not allowed", "inbox", job.Inbox, "err", err)
		return true
	default:
		reason := fmt.Sprintf("status %d", status)
		if err != nil {
			reason = err.Error()
		}
		return d.retry(ctx, job, reason)
	}
}

// release hands a claimed delivery back to the queue, due after wait, without counting an
// attempt. It uses its own context: it runs when the workers' context may be done.
func (d *Deliverer) release(job *storage.Delivery, wait time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.DB.ReleaseDelivery(ctx, job.ID, d.now().Add(wait)); err != nil {
		d.Log.Error("release delivery", "id", job.ID, "err", err)
	}
}

// retry records a failed attempt, due again after the schedule's next wait; true when the
// schedule is spent and the delivery is to be dropped.
func (d *Deliverer) retry(ctx context.Context, job *storage.Delivery, reason string) (drop bool) {
	wait, again := backoff(d.Schedule, job.Attempts)
	if !again {
		d.Log.Warn("delivery given up", "inbox", job.Inbox, "attempts", job.Attempts+1, "last", reason)
		return true
	}
	if err := d.DB.RetryDelivery(ctx, job.ID, d.now().Add(wait), reason); err != nil {
		d.Log.Error("retry delivery", "id", job.ID, "err", err)
	}
	d.Wake() // the loop may be asleep until the lease this attempt held; make it see the new time
	d.Log.Info("delivery failed, will retry", "inbox", job.Inbox, "in", wait.Round(time.Second), "reason", reason)
	return false
}

func (d *Deliverer) key(ctx context.Context, actorID int64) (*rsa.PrivateKey, string, error) {
	type entry struct {
		key   *rsa.PrivateKey
		keyID string
	}
	if e, ok := d.keys.Load(actorID); ok {
		return e.(entry).key, e.(entry).keyID, nil
	}
	a, err := d.DB.GetActorByID(ctx, actorID)
	if err != nil {
		return nil, "", err
	}
	s, err := federation.LocalSigner(ctx, d.DB, a)
	if err != nil {
		return nil, "", err
	}
	d.keys.Store(actorID, entry{s.Key, s.KeyID})
	return s.Key, s.KeyID, nil
}

// backoff is how long to wait after a job's attempts-th failure on schedule (nil meaning
// DefaultSchedule), spread by up to a tenth so that retries to one host fall apart; false
// once the schedule is spent and the job is to be dropped.
func backoff(schedule []time.Duration, attempts int) (time.Duration, bool) {
	if schedule == nil {
		schedule = DefaultSchedule
	}
	if attempts >= len(schedule) {
		return 0, false
	}
	wait := schedule[attempts]
	return wait + time.Duration(rand.Int64N(int64(wait)/10+1)), true
}
