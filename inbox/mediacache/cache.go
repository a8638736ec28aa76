// Package mediacache keeps this instance's copies of other servers' files: the attachments
// of remote notes and the avatars and headers of remote actors. A file is queued when a note
// or actor naming it is stored (storage.RemoteMedia); the workers here fetch it through the
// one guarded outgoing client, check it as an upload is checked (an image decoded within its
// limits and re-encoded without its metadata, with a thumbnail and blurhash; video and sound
// sniffed, size-limited and probed, kept as they are), and store it under the data folder.
// Readers then load it from here (web.Handler serves it), never from its server. Fetching
// never holds up a page: a file not there yet is fetched at once when asked for, for a
// moment, and stands in as a placeholder otherwise. The cache keeps within a budget of
// bytes by removing the least recently served files nothing here keeps, and removes the
// files of notes and actors that are gone.
package mediacache

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"refuge/outbox/media"
	"refuge/storage"
)

// Defaults for Cache's zero values.
const (
	DefaultMaxBytes     = 4 << 30  // the whole cache
	DefaultMaxFileBytes = 40 << 20 // one video or sound file; images stop at media.MaxUploadBytes
	DefaultWorkers      = 4
	DefaultTimeout      = 30 * time.Second
	perHost             = 2                // fetches from one server at once
	lease               = 2 * time.Minute  // longer than DefaultTimeout: one fetch is never taken twice
	idlePoll            = 10 * time.Second // how often an idle cache looks for work others queued
	tidyEvery           = time.Minute      // how often orphans are removed and the budget kept
	touchEvery          = time.Hour        // a served file's use is recorded at most this often
)

// DefaultSchedule is how long after each failed fetch it is tried again (a timeout, a
// server error); after the last the file is given up. A file that is not what it must be,
// too large, or gone is given up at once.
var DefaultSchedule = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 12 * time.Hour}

// Fetcher is the outgoing client (federation.Client).
type Fetcher interface {
	GetMedia(ctx context.Context, url string, maxBytes int64, timeout time.Duration, read func(contentType string, body io.Reader) error) error
}

// DB is what the cache reads and writes.
type DB interface {
	storage.RemoteMediaReader
	storage.RemoteMediaQueue
}

// Cache fetches, stores, serves the rows of, and prunes remote files. Set the fields, then
// Run it; Want and Prune may be called meanwhile.
type Cache struct {
	DB           DB
	Client       Fetcher
	Dir          string // where the files live: Dir(dataDir)
	Log          *slog.Logger
	Now          func() time.Time
	MaxBytes     int64           // 0: DefaultMaxBytes
	MaxFileBytes int64           // 0: DefaultMaxFileBytes
	Workers      int             // fetches at once; 0: DefaultWorkers
	Timeout      time.Duration   // one fetch, body and all; 0: DefaultTimeout
	Schedule     []time.Duration // nil: DefaultSchedule

	wake     chan struct{}
	initOnce sync.Once
	mu       sync.Mutex
	hosts    map[string]int           // fetches in flight per host
	fetching map[string]chan struct{} // key → closed when its fetch ends
	touched  map[int64]time.Time      // recorded uses, to record them at most hourly
	slots    chan struct{}            // Workers of them
	left     chan struct{}            // closed (and replaced) when a fetch leaves its host
	checking chan struct{}            // images being decoded and encoded: one core fewer than there are
	stopped  bool                     // Run has returned, or is waiting for its fetches
	runCtx   context.Context          // Run's, while it runs
	running  sync.WaitGroup           // fetches started by Run and Want
	tidying  sync.Mutex               // one Prune at a time
}

// Dir is where the cache keeps its files under the data folder: inside the uploads' folder,
// whose own handler serves only the files at its top.
func Dir(dataDir string) string { return filepath.Join(media.Dir(dataDir), "remote") }

func (c *Cache) init() {
	c.initOnce.Do(func() {
		c.wake = make(chan struct{}, 1)
		c.hosts = map[string]int{}
		c.fetching = map[string]chan struct{}{}
		c.touched = map[int64]time.Time{}
		c.slots = make(chan struct{}, c.workers())
		c.left = make(chan struct{})
		c.checking = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))
	})
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}

func (c *Cache) workers() int           { return cmp.Or(c.Workers, DefaultWorkers) }
func (c *Cache) timeout() time.Duration { return cmp.Or(c.Timeout, DefaultTimeout) }
func (c *Cache) maxBytes() int64        { return cmp.Or(c.MaxBytes, DefaultMaxBytes) }
func (c *Cache) maxFileBytes() int64    { return cmp.Or(c.MaxFileBytes, DefaultMaxFileBytes) }

// Wake tells the workers that something new is queued. It never blocks.
func (c *Cache) Wake() {
	c.init()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run fetches queued files until ctx ends, Workers at once and at most two from one server,
// and keeps the cache tidy; it returns when the fetches it started are done.
func (c *Cache) Run(ctx context.Context) {
	c.init()
	defer func() {
		// No fetch starts once this is set (start checks it under the same lock), so that
		// none is added while the wait runs.
		c.mu.Lock()
		c.stopped = true
		c.mu.Unlock()
		c.running.Wait()
	}()
	c.mu.Lock()
	c.runCtx = ctx
	c.mu.Unlock()
	c.queueUnknown(ctx)
	tidy := time.NewTicker(tidyEvery)
	defer tidy.Stop()
	for {
		c.fill(ctx)
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-tidy.C:
			if _, err := c.Prune(ctx); err != nil && ctx.Err() == nil {
				c.log().Warn("media cache: tidying", "err", err)
			}
		case <-time.After(idlePoll):
		}
	}
}

// queueUnknown queues the files that notes and actors stored before the cache existed
// name, a batch at a time.
func (c *Cache) queueUnknown(ctx context.Context) {
	total := 0
	for ctx.Err() == nil {
		n, err := c.DB.QueueUnknownRemoteMedia(ctx, c.now(), 500)
		if err != nil {
			if ctx.Err() == nil {
				c.log().Warn("media cache: queueing the files of older notes and actors", "err", err)
			}
			return
		}
		total += n
		if n == 0 {
			break
		}
	}
	if total > 0 {
		c.log().Info("media cache: queued the files of older notes and actors", "files", total)
	}
}

// fill leases as many due files as there are free slots and starts their fetches, until
// none is due or the slots are full.
func (c *Cache) fill(ctx context.Context) {
	for ctx.Err() == nil {
		// Twice the slots, so that a file waiting for its server's share does not hold up
		// those of other servers, and no more, so that the rest stays free for others.
		c.mu.Lock()
		free := 2*cap(c.slots) - len(c.fetching)
		c.mu.Unlock()
		if free <= 0 {
			return
		}
		due, err := c.DB.LeaseRemoteMedia(ctx, c.now(), lease, free)
		if err != nil {
			if ctx.Err() == nil {
				c.log().Warn("media cache: leasing", "err", err)
			}
			return
		}
		if len(due) == 0 {
			return
		}
		for _, m := range due {
			c.start(ctx, m)
		}
	}
}

// start fetches m in the background, within a slot and its host's share; when it is done
// the loop is woken to take more.
func (c *Cache) start(ctx context.Context, m *storage.RemoteMedia) (done chan struct{}) {
	c.mu.Lock()
	if ch, ok := c.fetching[m.Key]; ok {
		c.mu.Unlock()
		return ch
	}
	done = make(chan struct{})
	if c.stopped {
		c.mu.Unlock()
		close(done) // the lease runs out and the file is taken again at the next start
		return done
	}
	c.fetching[m.Key] = done
	c.running.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.running.Done()
		defer c.Wake()
		defer func() {
			c.mu.Lock()
			delete(c.fetching, m.Key)
			c.mu.Unlock()
			close(done)
		}()
		host := hostOf(m.URL)
		if !c.takeHost(ctx, host) {
			return // ended; the lease runs out and the file is taken again later
		}
		defer c.leaveHost(host)
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-c.slots }()
		c.fetch(ctx, m)
	}()
	return done
}

// takeHost waits until fewer than perHost fetches from host are in flight, and counts one
// more; false when ctx ended first.
func (c *Cache) takeHost(ctx context.Context, host string) bool {
	for {
		c.mu.Lock()
		if c.hosts[host] < perHost {
			c.hosts[host]++
			c.mu.Unlock()
			return true
		}
		left := c.left
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return false
		case <-left:
		}
	}
}

// leaveHost counts one fetch from host less, and wakes those waiting for a host's share.
func (c *Cache) leaveHost(host string) {
	c.mu.Lock()
	if c.hosts[host]--; c.hosts[host] <= 0 {
		delete(c.hosts, host)
	}
	close(c.left)
	c.left = make(chan struct{})
	c.mu.Unlock()
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// fetch fetches, checks and stores one leased file, and records how it went.
func (c *Cache) fetch(ctx context.Context, m *storage.RemoteMedia) {
	got, err := c.get(ctx, m)
	if ctx.Err() != nil {
		c.remove(got)
		return // shutting down: the lease runs out and another try comes
	}
	if err == nil {
		err = c.DB.StoreRemoteMedia(context.WithoutCancel(ctx), got, c.now())
		if err != nil {
			c.remove(got) // its note went meanwhile, or the row could not be written
		}
		if err == nil || storage.KindOf(err) == storage.NotFound {
			return
		}
	}
	next := c.retryAt(m.Attempts, err)
	if ferr := c.DB.FailRemoteMedia(context.WithoutCancel(ctx), m.ID, err.Error(), next); ferr != nil {
		c.log().Warn("media cache: recording a failed fetch", "url", m.URL, "err", ferr)
	}
	level := slog.LevelInfo
	if next.IsZero() {
		level = slog.LevelWarn
	}
	c.log().Log(ctx, level, "media cache: fetch failed", "url", m.URL, "err", err, "again", next)
}

// retryAt is when a file whose fetch failed with err, after attempts failures before, is
// tried again; zero for never.
func (c *Cache) retryAt(attempts int, err error) time.Time {
	switch storage.KindOf(err) {
	case storage.Transient, storage.Internal:
	default:
		return time.Time{} // not an image, too large, gone, refused: so it stays
	}
	schedule := c.Schedule
	if schedule == nil {
		schedule = DefaultSchedule
	}
	if attempts >= len(schedule) {
		return time.Time{}
	}
	return c.now().Add(schedule[attempts])
}

// get fetches m's URL and stores the file it finds under Dir, returning m with the files
// and what was learnt of them; on error no file stays.
func (c *Cache) get(ctx context.Context, m *storage.RemoteMedia) (*storage.RemoteMedia, error) {
	out := *m
	var bodyErr error
	err := c.Client.GetMedia(ctx, m.URL, c.maxFileBytes(), c.timeout(), func(_ string, body io.Reader) error {
		// Only the bytes say what a file is; the type the server gave is not even read.
		body = &errorReader{r: body, err: &bodyErr}
		head := make([]byte, media.SniffLen)
		n, err := io.ReadFull(body, head)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return err
		}
		head = head[:n]
		t := media.Sniff(head)
		switch {
		case media.IsImage(t):
			return c.saveImage(ctx, &out, io.MultiReader(bytes.NewReader(head), body))
		case t != "" && m.Kind == storage.RemoteAttachment:
			clip, name, err := media.SaveClip(c.Dir, head, body, t)
			if err != nil {
				return err
			}
			out.Path, out.MediaType, out.Width, out.Height = name, clip.MediaType, clip.Width, clip.Height
			return nil
		case t != "":
			return storage.Errorf(storage.Invalid, "a %s, not an image", t)
		}
		return storage.Errorf(storage.Invalid, "not an image, video or sound file of a kind kept here")
	})
	if err != nil {
		c.remove(&out)
		// What the body's reader failed with (a timeout, the size cap) says more than the
		// error a decoder made of it.
		if bodyErr != nil {
			err = bodyErr
		}
		return nil, err
	}
	out.Bytes = fileSize(c.Dir, out.Path) + fileSize(c.Dir, out.ThumbPath)
	return &out, nil
}

// saveImage reads an image whole (within the cap of uploads), re-encodes it and writes it
// with its thumbnail.
func (c *Cache) saveImage(ctx context.Context, m *storage.RemoteMedia, r io.Reader) error {
	limit := min(c.maxFileBytes(), media.MaxUploadBytes)
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > limit {
		return storage.Errorf(storage.TooLarge, "images are kept up to %d MiB", limit>>20)
	}
	// Decoding and encoding a photo takes some 70 ms of a core and allocates several times
	// its pixels: with as many at once as there are cores, the inbox's deliveries, which
	// also want the cores and wait for the collector, fell from 2,000 a second to 300.
	// So one core is always left to the rest.
	select {
	case c.checking <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	img, err := media.Process(ctx, data)
	<-c.checking
	if err != nil {
		return err
	}
	if m.Path, m.ThumbPath, err = img.Save(c.Dir); err != nil {
		return err
	}
	m.MediaType, m.Blurhash, m.Width, m.Height = img.MediaType, img.Blurhash, img.Width, img.Height
	return nil
}

// errorReader keeps the first error its reader returned besides EOF.
type errorReader struct {
	r   io.Reader
	err *error
}

func (e *errorReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && *e.err == nil {
		*e.err = err
	}
	return n, err
}

func fileSize(dir, name string) int64 {
	if name == "" {
		return 0
	}
	st, err := os.Stat(filepath.Join(dir, name))
	if err != nil {
		return 0
	}
	return st.Size()
}

// remove deletes the files of m, if any.
func (c *Cache) remove(m *storage.RemoteMedia) {
	if m != nil {
		media.Remove(c.Dir, m.Path, m.ThumbPath)
	}
}

// Want returns the file served under key for a reader asking for it now. One not stored
// (new, pruned, or due again) is fetched at once, and waited for until ctx ends — a short
// while: the caller shows a placeholder when it is still not there. NotFound for a key
// nothing here names.
func (c *Cache) Want(ctx context.Context, key string) (*storage.RemoteMedia, error) {
	c.init()
	m, err := c.DB.GetRemoteMedia(ctx, key)
	if err != nil || m.State == storage.RemoteStored || m.State == storage.RemoteFailed {
		if err == nil {
			c.touch(ctx, m)
		}
		return m, err
	}
	c.mu.Lock()
	done, ok := c.fetching[key]
	c.mu.Unlock()
	if !ok {
		claimed, ok, err := c.DB.ClaimRemoteMedia(ctx, key, c.now(), lease)
		if err != nil || !ok {
			return m, err // another worker, maybe in another process, has it
		}
		// The fetch goes on when the reader stops waiting, so that it is there next time,
		// until the cache stops.
		done = c.start(c.background(ctx), claimed)
	}
	select {
	case <-done:
	case <-ctx.Done():
		return m, nil
	}
	return c.DB.GetRemoteMedia(context.WithoutCancel(ctx), key)
}

// background is the context of a fetch that outlives the request that started it: Run's,
// so that it ends when the cache stops; ctx without its end when the cache is not running
// (an admin command).
func (c *Cache) background(ctx context.Context) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runCtx != nil {
		return c.runCtx
	}
	return context.WithoutCancel(ctx)
}

// touch records that m was served, at most once an hour per file, for pruning.
func (c *Cache) touch(ctx context.Context, m *storage.RemoteMedia) {
	now := c.now()
	c.mu.Lock()
	last := c.touched[m.ID]
	if m.Used.After(last) {
		last = m.Used
	}
	if now.Sub(last) < touchEvery {
		c.mu.Unlock()
		return
	}
	if len(c.touched) > 100_000 {
		clear(c.touched) // the database remembers; this only saves writes
	}
	c.touched[m.ID] = now
	c.mu.Unlock()
	if err := c.DB.TouchRemoteMedia(context.WithoutCancel(ctx), m.ID, now); err != nil {
		c.log().Warn("media cache: recording a use", "err", err)
	}
}

// PruneReport says what Prune removed.
type PruneReport struct {
	Orphans int   // files of notes and actors that are gone
	Blocked int   // files of blocked servers and actors
	Pruned  int   // files removed to keep within the budget
	Freed   int64 // bytes
	Usage   storage.RemoteMediaUsage
}

// Prune removes the files no note or actor names any longer, and those of blocked servers
// and actors, then, while the stored files take more than MaxBytes, the least recently
// served of those nothing keeps, down to nine tenths of it, so that it does not run at
// every new file.
func (c *Cache) Prune(ctx context.Context) (PruneReport, error) {
	c.init()
	c.tidying.Lock()
	defer c.tidying.Unlock()
	var rep PruneReport
	orphans, err := c.removeAll(ctx, c.DB.DropOrphanRemoteMedia, &rep.Freed)
	rep.Orphans = orphans
	if err != nil {
		return rep, fmt.Errorf("orphans: %w", err)
	}
	blocked, err := c.removeAll(ctx, c.DB.PruneBlockedRemoteMedia, &rep.Freed)
	rep.Blocked = blocked
	if err != nil {
		return rep, fmt.Errorf("blocked: %w", err)
	}
	usage, err := c.DB.RemoteMediaUsage(ctx)
	if err != nil {
		return rep, err
	}
	if usage.StoredBytes > c.maxBytes() {
		target := c.maxBytes() / 10 * 9
		for usage.StoredBytes > target {
			batch, err := c.DB.PrunableRemoteMedia(ctx, 200)
			if err != nil {
				return rep, fmt.Errorf("prune: %w", err)
			}
			if len(batch) == 0 {
				break // the rest is kept
			}
			for _, m := range batch {
				if usage.StoredBytes <= target {
					break
				}
				if err := c.DB.PruneRemoteMedia(ctx, m.ID); err != nil {
					if storage.KindOf(err) == storage.NotFound {
						continue
					}
					return rep, fmt.Errorf("prune: %w", err)
				}
				c.remove(m)
				rep.Pruned++
				rep.Freed += m.Bytes
				usage.StoredBytes -= m.Bytes
			}
		}
		if usage, err = c.DB.RemoteMediaUsage(ctx); err != nil {
			return rep, err
		}
	}
	rep.Usage = usage
	return rep, nil
}

// removeAll takes batches of rows from take until it has no more, removing their files and
// adding their bytes to freed; it returns how many.
func (c *Cache) removeAll(ctx context.Context, take func(context.Context, int) ([]*storage.RemoteMedia, error), freed *int64) (int, error) {
	const batch = 500
	n := 0
	for {
		rows, err := take(ctx, batch)
		if err != nil {
			return n, err
		}
		for _, m := range rows {
			c.remove(m)
			n++
			*freed += m.Bytes
		}
		if len(rows) < batch {
			return n, nil
		}
	}
}

// ErrNotStored is what Open returns for a file that is not (or no longer) on disk.
var ErrNotStored = errors.New("not stored")

// Open opens the stored file of m, its thumbnail when thumb is true and it has one.
func (c *Cache) Open(m *storage.RemoteMedia, thumb bool) (*os.File, string, error) {
	name := m.Path
	if thumb && m.ThumbPath != "" {
		name = m.ThumbPath
	}
	if m.State != storage.RemoteStored || !media.FileName.MatchString(name) {
		return nil, "", ErrNotStored
	}
	f, err := os.Open(filepath.Join(c.Dir, name))
	if err != nil {
		return nil, "", ErrNotStored
	}
	return f, name, nil
}
