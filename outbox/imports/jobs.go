package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"refuge/storage"
)

// Importer runs one import job of its kind: it reads the input at path, applies it to the
// account job.ActorID in job.Mode, and calls progress now and then with how many rows (or
// items) it has handled and how many there are in all (0 while not known); the runner
// writes that to the job's row every few seconds, not on every call. Rows it cannot use
// are no error: it skips them and lists them in the report it returns. An error fails the
// whole job (a file that is not of the kind at all, an unreadable archive); what was done
// before it stays done, so importers keep each step idempotent, and a job taken up again
// after a crash simply runs from the start. ctx ends when the process stops: the job is
// then left to be taken up again.
type Importer func(ctx context.Context, job *storage.ImportJob, path string, progress func(done, total int)) (storage.ImportReport, error)

// Defaults of a Runner.
const (
	DefaultLease = 2 * time.Minute  // how long a runner holds a job between progress saves
	DefaultPoll  = 10 * time.Second // how often jobs queued by other processes are looked for
	saveEvery    = 2 * time.Second  // how often progress is written
)

// Runner runs import jobs: those queued by any process of the instance, one at a time,
// from Run, and the CLI's at once, from RunFile.
type Runner struct {
	DB    storage.DB
	Dir   string        // where uploaded inputs wait: the data folder's imports/
	Lease time.Duration // DefaultLease when 0
	Poll  time.Duration // DefaultPoll when 0
	Log   *slog.Logger
	Now   func() time.Time

	kinds map[storage.ImportKind]kind
	wake  chan struct{}
	once  sync.Once
}

// kind is what a kind of import registered.
type kind struct {
	max int64 // the largest input it takes, in bytes
	run Importer
}

// Dir is the folder of the data folder dataDir where uploaded inputs wait.
func Dir(dataDir string) string { return filepath.Join(dataDir, "imports") }

func (r *Runner) init() {
	r.once.Do(func() {
		r.wake = make(chan struct{}, 1)
		if r.kinds == nil {
			r.kinds = map[storage.ImportKind]kind{}
		}
		if r.Log == nil {
			r.Log = slog.Default()
		}
	})
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) lease() time.Duration {
	if r.Lease > 0 {
		return r.Lease
	}
	return DefaultLease
}

// Register makes the runner run jobs of kind k with run, taking inputs of at most max
// bytes. Call it before Run.
func (r *Runner) Register(k storage.ImportKind, max int64, run Importer) {
	r.init()
	r.kinds[k] = kind{max: max, run: run}
}

// Has reports whether jobs of kind k can be run.
func (r *Runner) Has(k storage.ImportKind) bool {
	r.init()
	_, ok := r.kinds[k]
	return ok
}

// MaxBytes is the largest input kind k takes (0 when it is not registered).
func (r *Runner) MaxBytes(k storage.ImportKind) int64 {
	r.init()
	return r.kinds[k].max
}

// check refuses a kind nobody registered and a mode that is neither merge nor overwrite.
func (r *Runner) check(k storage.ImportKind, mode storage.ImportMode) (kind, error) {
	r.init()
	kd, ok := r.kinds[k]
	if !ok {
		return kind{}, storage.Errorf(storage.Invalid, "there is no import of %q", k)
	}
	if mode != storage.ImportMerge && mode != storage.ImportOverwrite {
		return kind{}, storage.Errorf(storage.Invalid, "the mode must be merge or overwrite, not %q", mode)
	}
	return kd, nil
}

// Enqueue queues an import of src for account actorID: src is streamed to a file of its
// own under Dir, never held in memory, and the job is run by a runner of any process.
// Invalid when the input is empty or larger than the kind takes (nothing is kept then).
func (r *Runner) Enqueue(ctx context.Context, actorID int64, k storage.ImportKind, mode storage.ImportMode, src io.Reader) (*storage.ImportJob, error) {
	kd, err := r.check(k, mode)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(r.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("import folder: %w", err)
	}
	f, err := os.CreateTemp(r.Dir, "input-*")
	if err != nil {
		return nil, fmt.Errorf("import input: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			os.Remove(f.Name())
		}
	}()
	n, err := io.Copy(f, io.LimitReader(src, kd.max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("import input: %w", err)
	case n == 0:
		return nil, storage.Errorf(storage.Invalid, "the file is empty")
	case n > kd.max:
		return nil, storage.Errorf(storage.Invalid, "the file is larger than %s, the most an import of %s takes", size(kd.max), k)
	}
	j := &storage.ImportJob{ActorID: actorID, Kind: k, Mode: mode, State: storage.ImportQueued,
		File: filepath.Base(f.Name()), Created: r.now()}
	if err := r.DB.Update(ctx, func(tx storage.Tx) error { j.ID = 0; return tx.PutImportJob(ctx, j) }); err != nil {
		return nil, err
	}
	keep = true
	r.Wake()
	return j, nil
}

// size says a number of bytes in MiB or KiB.
func size(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// Wake makes Run look for queued jobs at once.
func (r *Runner) Wake() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run runs queued jobs, one at a time, until ctx ends; a job in flight then is left
// leased, to be taken up again by the next start (or another process) when its lease runs
// out.
func (r *Runner) Run(ctx context.Context) {
	r.init()
	poll := r.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for ctx.Err() == nil {
		j, err := r.DB.ClaimImportJob(ctx, r.now(), r.lease())
		if err != nil && ctx.Err() == nil {
			r.Log.Error("claim import job", "err", err)
		}
		if j != nil {
			var path string
			if j.File != "" {
				path = filepath.Join(r.Dir, j.File)
			}
			r.execute(ctx, j, path, nil)
			if ctx.Err() == nil && j.File != "" {
				os.Remove(path)
			}
			continue
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-t.C:
		}
	}
}

// RunFile runs an import of the file at path for account actorID in this process, as the
// CLI does, printing progress through progress (may be nil); the file stays where it is.
// It returns the finished job; Invalid (and nothing stored) when the file is missing, empty
// or too large.
func (r *Runner) RunFile(ctx context.Context, actorID int64, k storage.ImportKind, mode storage.ImportMode, path string, progress func(done, total int)) (*storage.ImportJob, error) {
	kd, err := r.check(k, mode)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, storage.Errorf(storage.Invalid, "cannot read the file: %v", err)
	case st.IsDir():
		return nil, storage.Errorf(storage.Invalid, "%s is a folder, not a file", path)
	case st.Size() == 0:
		return nil, storage.Errorf(storage.Invalid, "the file is empty")
	case st.Size() > kd.max:
		return nil, storage.Errorf(storage.Invalid, "the file is larger than %s, the most an import of %s takes", size(kd.max), k)
	}
	now := r.now()
	j := &storage.ImportJob{ActorID: actorID, Kind: k, Mode: mode, State: storage.ImportRunning, LeaseUntil: now.Add(r.lease()), Created: now}
	if err := r.DB.Update(ctx, func(tx storage.Tx) error { j.ID = 0; return tx.PutImportJob(ctx, j) }); err != nil {
		return nil, err
	}
	r.execute(ctx, j, path, progress)
	return j, ctx.Err()
}

// execute runs job j on the input at path with its kind's importer, saving its progress
// every few seconds (which extends its lease) and, unless ctx ended first, its end.
func (r *Runner) execute(ctx context.Context, j *storage.ImportJob, path string, progress func(done, total int)) {
	var mu sync.Mutex
	done, total, saved := 0, 0, -1
	save := func() {
		mu.Lock()
		d, t := done, total
		mu.Unlock()
		if d == saved {
			return
		}
		if err := r.DB.SaveImportProgress(ctx, j.ID, t, d, 0, r.now().Add(r.lease())); err != nil && ctx.Err() == nil {
			r.Log.Warn("import progress", "job", j.ID, "err", err)
		}
		saved = d
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(saveEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				save()
			}
		}
	}()
	report, err := r.runImporter(ctx, j, path, func(d, t int) {
		mu.Lock()
		done, total = d, t
		mu.Unlock()
		if progress != nil {
			progress(d, t)
		}
	})
	close(stop)
	wg.Wait()
	if ctx.Err() != nil {
		return // left leased: taken up again later
	}
	j.Report, j.Done, j.Total = report, done, max(total, done)
	j.Failed = len(report.Rows) + report.MoreRows
	j.State, j.Finished = storage.ImportDone, r.now()
	if err != nil {
		j.State, j.Report.Error = storage.ImportFailed, err.Error()
	}
	// The job's end is recorded even when the caller has gone, so that it does not run
	// again.
	if err := r.DB.FinishImportJob(context.WithoutCancel(ctx), j); err != nil {
		r.Log.Error("finish import job", "job", j.ID, "err", err)
	}
}

// runImporter calls j's kind's importer, turning a missing input or a panic into the job's
// failure rather than the process's.
func (r *Runner) runImporter(ctx context.Context, j *storage.ImportJob, path string, progress func(done, total int)) (rep storage.ImportReport, err error) {
	kd, ok := r.kinds[j.Kind]
	if !ok {
		return rep, fmt.Errorf("this instance has no import of %q", j.Kind)
	}
	if path == "" {
		return rep, errors.New("the uploaded file is gone (the import was interrupted); upload it again")
	}
	if _, err := os.Stat(path); err != nil {
		return rep, errors.New("the uploaded file is gone; upload it again")
	}
	defer func() {
		if p := recover(); p != nil {
			r.Log.Error("import panicked", "job", j.ID, "kind", j.Kind, "panic", p)
			err = errors.New("the import stopped on an internal error")
		}
	}()
	return kd.run(ctx, j, path, progress)
}

// Jobs returns account actorID's newest import jobs, newest first, at most limit.
func (r *Runner) Jobs(ctx context.Context, actorID int64, limit int) ([]*storage.ImportJob, error) {
	return r.DB.ListImportJobs(ctx, actorID, limit)
}

// Largest is the largest input any registered kind takes: a bound for an upload's body
// before its kind is known.
func (r *Runner) Largest() int64 {
	r.init()
	var n int64
	for _, kd := range r.kinds {
		n = max(n, kd.max)
	}
	return n
}
