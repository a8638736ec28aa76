package federation

import (
	"context"
	"sync"
	"time"

	"refuge/storage"
)

// Bounds of the background fetcher: how many fetches run at once, how many wait, how long a
// failure is remembered and how many failures are.
const (
	backfillWorkers     = 4
	backfillQueue       = 64
	backfillFailFor     = 10 * time.Minute
	backfillMaxFailures = 4096
	// An actor's outbox is read at most once in backfillOutboxEvery, whoever views the
	// profile, and at most OutboxNotes of its posts are taken from it.
	backfillOutboxEvery = 5 * time.Minute
	OutboxNotes         = 20
)

// Backfill fetches, off the request, remote notes that a page named but storage lacks (the
// ancestors of a reply), so that a page view renders what is stored and never waits on
// another server; the next view shows what arrived. It is bounded: one fetch per URI at a
// time, a few workers and a short queue (a request that finds it full is dropped; the next
// view asks again), and a failure is remembered for a while, so that a host that stalls or
// refuses is not asked again on every view: a host that timed out or failed is left alone,
// a note its host would not give is not asked for again.
//
// It also reads the outboxes of remote actors whose profile is viewed here (Outbox): the
// posts they made before anyone here followed them reach this server no other way.
type Backfill struct {
	remote *Remote
	queue  chan backfillJob
	now    func() time.Time

	mu         sync.Mutex
	pending    map[string]bool      // URIs queued or being fetched
	failedURI  map[string]time.Time // until when a URI is not asked for again
	failedHost map[string]time.Time // until when a host is not asked at all
	readOutbox map[string]time.Time // until when an outbox read lately is not read again
}

type backfillJob struct {
	uri   string
	limit int
	actor *storage.Actor // whose outbox uri is; nil for a note and its ancestors
}

// NewBackfill makes a background fetcher through r; nothing is fetched until Run.
func NewBackfill(r *Remote) *Backfill {
	return &Backfill{remote: r, queue: make(chan backfillJob, backfillQueue), now: r.now,
		pending: map[string]bool{}, failedURI: map[string]time.Time{}, failedHost: map[string]time.Time{},
		readOutbox: map[string]time.Time{}}
}

// Ancestors asks for the remote note uri and, as each arrives, its missing ancestors, at most
// limit notes in all. It never blocks: a note stored, being fetched, recently failed, or on a
// host that recently failed is not asked for, nor is anything while the queue is full.
func (b *Backfill) Ancestors(uri string, limit int) {
	if limit <= 0 || b.remote.isLocal(uri) || !b.claim(uri) {
		return
	}
	select {
	case b.queue <- backfillJob{uri: uri, limit: limit}:
	default:
		b.release(uri)
	}
}

// Outbox asks for the recent public posts of the remote actor a: the first page of its
// outbox, of which the newest OutboxNotes posts are fetched each from its id and stored.
// It never blocks, and an outbox read in the last backfillOutboxEvery is not read again.
func (b *Backfill) Outbox(a *storage.Actor) {
	if a == nil || a.Local || a.Outbox == "" || b.remote.isLocal(a.Outbox) || !storage.SameHost(a.Outbox, a.URI) ||
		!a.DeletedAt.IsZero() || a.Suspended() {
		return
	}
	b.mu.Lock()
	lately := b.now().Before(b.readOutbox[a.Outbox])
	b.mu.Unlock()
	if lately || !b.claim(a.Outbox) {
		return
	}
	select {
	case b.queue <- backfillJob{uri: a.Outbox, limit: OutboxNotes, actor: a}:
		b.mu.Lock()
		keepUntil(b.readOutbox, a.Outbox, b.now(), b.now().Add(backfillOutboxEvery))
		b.mu.Unlock()
	default:
		b.release(a.Outbox)
	}
}

// Run fetches what was asked for until ctx ends, which also ends the fetches in flight.
func (b *Backfill) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range backfillWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case job := <-b.queue:
					if job.actor != nil {
						b.readPosts(ctx, job)
					} else {
						b.walk(ctx, job)
					}
				}
			}
		}()
	}
	wg.Wait()
}

// walk fetches job's note, then its parent while that is missing too, up to job's limit.
// A parent already stored ends the walk: the next view walks past it and asks for more.
func (b *Backfill) walk(ctx context.Context, job backfillJob) {
	uri := job.uri
	for left := job.limit; ; left-- {
		n, err := b.remote.Note(ctx, uri)
		b.release(uri)
		if err != nil {
			if ctx.Err() == nil {
				b.remember(uri, err)
				b.remote.Log.Info("background fetch failed", "note", uri, "err", err)
			}
			return
		}
		next := n.InReplyToURI
		if left <= 1 || next == "" || b.remote.isLocal(next) {
			return
		}
		if _, err := b.remote.DB.GetNoteByURI(ctx, next); storage.KindOf(err) != storage.NotFound || !b.claim(next) {
			return
		}
		uri = next
	}
}

// claim marks uri as being fetched, unless it already is or it or its host failed lately.
func (b *Backfill) claim(uri string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if b.pending[uri] || now.Before(b.failedURI[uri]) || now.Before(b.failedHost[storage.HostOf(uri)]) {
		return false
	}
	b.pending[uri] = true
	return true
}

func (b *Backfill) release(uri string) {
	b.mu.Lock()
	delete(b.pending, uri)
	b.mu.Unlock()
}

// remember keeps a failure for backfillFailFor: a host that timed out, could not be reached
// or answered with a server error (Transient) is left alone; otherwise only the URI is.
func (b *Backfill) remember(uri string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	m, key := b.failedURI, uri
	if storage.KindOf(err) == storage.Transient {
		m, key = b.failedHost, storage.HostOf(uri)
	}
	keepUntil(m, key, now, now.Add(backfillFailFor))
}

// keepUntil sets m[key] to until, in a memory of at most backfillMaxFailures entries: the
// ones past are dropped when it is full.
func keepUntil(m map[string]time.Time, key string, now, until time.Time) {
	if len(m) >= backfillMaxFailures {
		for k, until := range m {
			if !now.Before(until) {
				delete(m, k)
			}
		}
		if len(m) >= backfillMaxFailures {
			clear(m) // then it starts over: bounded memory matters more than a few more fetches
		}
	}
	m[key] = until
}
