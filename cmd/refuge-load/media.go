package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"refuge/inbox/mediacache"
	"refuge/storage"
)

// The media scenario (issue 14): remote notes with a photo each arrive, and the remote media
// cache fetches, checks (decodes and re-encodes, with a thumbnail and blurhash) and stores
// every photo. It measures how fast the cache fills and how much memory the instance takes
// meanwhile.

// Photos are this big: a phone picture as Mastodon resizes it for upload, about.
const photoWidth, photoHeight = 1280, 960

// mediaScenario is the photographers (remote actors that the inbox account follows, spread
// over a few hosts, each on a loopback address of its own) and the photos they post.
type mediaScenario struct {
	e      *env
	actors []*remoteActor
	photos []string // the JPEG files, one per note of a run
	bytes  int64    // their total size
}

// mediaRun is what one run measured.
type mediaRun struct {
	d               *delivered
	stored, failed  int           // rows of this run's photos, at the end
	fill            time.Duration // first Create sent to last file stored
	first           time.Duration // first Create sent to first file stored
	toStored        latencies     // each Create's 202 to its file stored
	storedBytes     int64         // files and thumbnails
	served, twice   int           // photos GET from the fake hosts; those asked for more than once
	peakMiB, endMiB float64       // VmHWM over the run; RSS when the last file was stored
	sampledMiB      float64       // the highest RSS read every 100 ms
	cpu             *cpuMeter
	pendingWhy      string // the last error a row of this run recorded
}

// setupMedia makes or loads the photos and starts the photographers' hosts, on 127.0.0.1,
// 127.0.0.2 and so on, and has the inbox account follow them.
func setupMedia(ctx context.Context, e *env) (*mediaScenario, error) {
	s := &mediaScenario{e: e}
	begin := time.Now()
	var err error
	if s.photos, s.bytes, err = makePhotos(filepath.Join(e.cfg.cache, fmt.Sprintf("photos-v1-%dx%d", photoWidth, photoHeight)), e.cfg.mediaCount); err != nil {
		return nil, err
	}
	e.logf("  %d photos of %d×%d, %.1f MiB in all (%.0f KiB each on average), ready in %.1fs",
		len(s.photos), photoWidth, photoHeight, mib(s.bytes), float64(s.bytes)/1024/float64(len(s.photos)), time.Since(begin).Seconds())
	hosts := make([][]string, e.cfg.mediaHosts)
	for i := range e.cfg.mediaActors {
		hosts[i%len(hosts)] = append(hosts[i%len(hosts)], fmt.Sprintf("photographer%d", i))
	}
	s.actors, err = followedHosts(ctx, e, hosts, func(h int) string { return fmt.Sprintf("127.0.0.%d:0", h+1) },
		func(h, i int) *rsaKey { return e.keys[(h+i*len(hosts))%len(e.keys)] })
	if err != nil {
		return nil, err
	}
	return s, nil
}

// makePhotos writes count photo-like JPEGs into dir, unless they are there from an earlier
// run (they are the same every time), and returns their paths and total size.
func makePhotos(dir string, count int) ([]string, int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	paths := make([]string, count)
	sizes := make([]int64, count)
	errs := make([]error, runtime.NumCPU())
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := w; i < count && errs[w] == nil; i += len(errs) {
				paths[i] = filepath.Join(dir, strconv.Itoa(i)+".jpg")
				if st, err := os.Stat(paths[i]); err == nil {
					sizes[i] = st.Size()
					continue
				}
				sizes[i], errs[w] = writePhoto(paths[i], i)
			}
		})
	}
	wg.Wait()
	var total int64
	for i := range count {
		total += sizes[i]
	}
	for _, err := range errs {
		if err != nil {
			return nil, 0, err
		}
	}
	return paths, total, nil
}

// writePhoto draws photo number i and writes it as a JPEG of quality 85 (a camera's, about),
// through a temporary file so that a run stopped midway leaves no half photo.
func writePhoto(path string, i int) (int64, error) {
	img := photo(i)
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 85}); err != nil {
		f.Close()
		return 0, fmt.Errorf("photo %d: %w", i, err)
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	st, err := os.Stat(tmp)
	if err != nil {
		return 0, err
	}
	return st.Size(), os.Rename(tmp, path)
}

// photo draws picture i, the same for the same i: a sky-to-ground gradient, a texture of a
// few waves, blobs of colour and grain. A JPEG of it is about as large and costs about as
// much to decode and encode again as a photo of the size; flat colour would cost far less.
func photo(i int) *image.RGBA {
	rng := rand.New(rand.NewPCG(uint64(i), 14))
	w, h := photoWidth, photoHeight
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	randColor := func() [3]float64 {
		return [3]float64{rng.Float64() * 255, rng.Float64() * 255, rng.Float64() * 255}
	}
	top, bottom := randColor(), randColor()
	// The texture is a sum of a wave along x and one along y, tabled once per photo.
	waveX, waveY := make([]float64, w), make([]float64, h)
	for k := range 3 {
		fx, fy := 0.005+rng.Float64()*0.05*float64(k+1), 0.005+rng.Float64()*0.05*float64(k+1)
		px, py := rng.Float64()*6.3, rng.Float64()*6.3
		for x := range waveX {
			waveX[x] += 12 * math.Sin(float64(x)*fx+px)
		}
		for y := range waveY {
			waveY[y] += 12 * math.Sin(float64(y)*fy+py)
		}
	}
	for y := range h {
		t := float64(y) / float64(h)
		for x := range w {
			v := waveX[x] + waveY[y]
			grain := float64(rng.IntN(17)) - 8
			img.SetRGBA(x, y, color.RGBA{
				clamp(top[0]*(1-t) + bottom[0]*t + v + grain),
				clamp(top[1]*(1-t) + bottom[1]*t + v + grain),
				clamp(top[2]*(1-t) + bottom[2]*t + v + grain), 255})
		}
	}
	for range 24 {
		c := randColor()
		cx, cy, r := rng.IntN(w), rng.IntN(h), 20+rng.IntN(180)
		for y := max(0, cy-r); y < min(h, cy+r); y++ {
			for x := max(0, cx-r); x < min(w, cx+r); x++ {
				dx, dy := float64(x-cx), float64(y-cy)
				d := math.Sqrt(dx*dx+dy*dy) / float64(r)
				if d >= 1 {
					continue
				}
				a := 0.7 * (1 - d*d) // soft edges
				o := img.RGBAAt(x, y)
				img.SetRGBA(x, y, color.RGBA{
					clamp(float64(o.R)*(1-a) + c[0]*a), clamp(float64(o.G)*(1-a) + c[1]*a),
					clamp(float64(o.B)*(1-a) + c[2]*a), 255})
			}
		}
	}
	return img
}

func clamp(v float64) uint8 { return uint8(max(0, min(255, v))) }

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// run serves this run's photos at new URLs, one per note, signs a Create{Note} with one
// photo each, sends them, and waits (within -media-limit) until the cache stored every
// photo, sampling the instance's memory meanwhile.
func (s *mediaScenario) run(ctx context.Context, r int) (*mediaRun, error) {
	e := s.e
	count := len(s.photos)
	prefix := fmt.Sprintf("%s-%d-", e.nonce, r)
	urls := make([]string, count)
	paths := make([]string, count)
	for i := range count {
		a := s.actors[i%len(s.actors)]
		paths[i] = fmt.Sprintf("/media/%s%d.jpg", prefix, i)
		urls[i] = a.host.base + paths[i]
		a.host.peer.Route(paths[i], servePhoto(s.photos[i]))
	}
	now := time.Now()
	posts, err := signAll(count, func(i int) (string, []byte, *remoteActor) {
		a := s.actors[i%len(s.actors)]
		doc := createNoteDoc(a, fmt.Sprintf("%s%d", prefix, i), now)
		doc["object"].(map[string]any)["attachment"] = []map[string]any{{
			"type": "Document", "mediaType": "image/jpeg", "url": urls[i], "name": "A photo, number " + strconv.Itoa(i),
			"width": photoWidth, "height": photoHeight}}
		return e.srv.uris().SharedInbox(), activityJSON(doc), a
	})
	if err != nil {
		return nil, err
	}
	e.logf("  run %d: signed %d deliveries in %.1fs; sending", r+1, count, time.Since(now).Seconds())
	db, done, err := e.openDB(ctx)
	if err != nil {
		return nil, err
	}
	if db == nil {
		return nil, fmt.Errorf("the instance's data folder is unknown (--target needs --data)")
	}
	done()
	ctx, cancel := context.WithTimeout(ctx, e.cfg.mediaLimit)
	defer cancel()
	res := &mediaRun{}
	e.resetPeak()
	sampling := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, srv := range e.srvs {
				rss, _ := srv.memory()
				res.sampledMiB = max(res.sampledMiB, rss)
			}
			select {
			case <-sampling:
				return
			case <-tick.C:
			}
		}
	})
	meter := e.startCPU()
	begin := time.Now()
	res.d = deliver(ctx, e.client, posts, len(s.actors))
	e.logf("  run %d: %d accepted in %.2fs; waiting for the cache", r+1, res.d.accepted, res.d.elapsed.Seconds())
	rows, err := s.waitStored(ctx, urls)
	res.cpu = meter.stop()
	res.peakMiB = e.peakMiB()
	for _, srv := range e.srvs {
		rss, _ := srv.memory()
		res.endMiB = max(res.endMiB, rss)
	}
	close(sampling)
	sampler.Wait()
	if err != nil {
		return nil, err
	}
	var first, last time.Time
	for i, m := range rows {
		switch m.State {
		case storage.RemoteStored:
			res.stored++
			res.storedBytes += m.Bytes
			at, err := storedAt(e.srv.data, m)
			if err != nil {
				return nil, err
			}
			if at.After(last) {
				last = at
			}
			if first.IsZero() || at.Before(first) {
				first = at
			}
			if !res.d.answered[i].IsZero() {
				res.toStored = append(res.toStored, at.Sub(res.d.answered[i]))
			}
		case storage.RemoteFailed:
			res.failed++
			res.pendingWhy = m.Error
		default:
			if m.Error != "" {
				res.pendingWhy = m.Error
			}
		}
	}
	res.fill, res.first = last.Sub(begin), first.Sub(begin)
	for i, p := range paths {
		host := s.actors[i%len(s.actors)].host.peer
		switch n := host.Hits(p); {
		case n > 1:
			res.twice++
			res.served++
		case n == 1:
			res.served++
		}
	}
	return res, nil
}

// storedAt is when the cache stored m: when its files were written, just before its row
// (whose Used is kept to the hour only).
func storedAt(data string, m *storage.RemoteMedia) (time.Time, error) {
	var at time.Time
	for _, name := range []string{m.Path, m.ThumbPath} {
		if name == "" {
			continue
		}
		st, err := os.Stat(filepath.Join(mediacache.Dir(data), name))
		if err != nil {
			return at, fmt.Errorf("a stored photo's file: %w", err)
		}
		if st.ModTime().After(at) {
			at = st.ModTime()
		}
	}
	return at, nil
}

// servePhoto answers with the photo at path, with its Content-Length, as a static file
// server does.
func servePhoto(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile(path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	}
}

// waitStored reads the cache's rows of urls, read-only (asking the instance for a file not
// yet stored would fetch it), until each is stored or failed for good, or ctx ends; it
// returns the rows as they are then (nil for one not queued at all).
func (s *mediaScenario) waitStored(ctx context.Context, urls []string) ([]*storage.RemoteMedia, error) {
	rows := make([]*storage.RemoteMedia, len(urls))
	settled := 0
	for {
		db, done, err := s.e.openDB(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		for i, u := range urls {
			if rows[i] != nil && (rows[i].State == storage.RemoteStored || rows[i].State == storage.RemoteFailed) {
				continue
			}
			m, err := db.GetRemoteMedia(context.WithoutCancel(ctx), storage.MediaKey(u))
			if storage.KindOf(err) == storage.NotFound {
				continue
			}
			if err != nil {
				done()
				return nil, fmt.Errorf("read the cache's row of %s: %w", u, err)
			}
			rows[i] = m
			if m.State == storage.RemoteStored || m.State == storage.RemoteFailed {
				settled++
			}
		}
		done()
		if settled == len(urls) || ctx.Err() != nil {
			return rows, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *mediaRun) String() string {
	return fmt.Sprintf("%d accepted (202) in %.2fs = %.0f/s (p50 %.0f ms, p99 %.0f ms), %d refused, %d failed; %d files stored (%.1f MiB with thumbnails), %d failed, in %.1fs from the first Create = %.1f files/s (first stored after %.1fs, then %.1f files/s); 202 to stored p50 %.1fs p99 %.1fs; photos served %d, twice %d; peak RSS %.1f MiB (sampled %.1f, at the end %.1f); %s = %.0f ms a file",
		r.d.accepted, r.d.elapsed.Seconds(), r.perSecond(), ms(r.d.lat.pct(50)), ms(r.d.lat.pct(99)), r.d.refused, r.d.failed, r.stored, mib(r.storedBytes), r.failed,
		r.fill.Seconds(), r.fillRate(), r.first.Seconds(), r.steadyRate(), r.toStored.pct(50).Seconds(), r.toStored.pct(99).Seconds(), r.served, r.twice,
		r.peakMiB, r.sampledMiB, r.endMiB, r.cpu, r.cpuPer())
}

func (r *mediaRun) perSecond() float64 { return float64(r.d.accepted) / r.d.elapsed.Seconds() }

func (r *mediaRun) fillRate() float64 {
	if r.fill <= 0 {
		return 0
	}
	return float64(r.stored) / r.fill.Seconds()
}

// steadyRate is files stored a second once the first was: without the wait for the
// workers to notice the first.
func (r *mediaRun) steadyRate() float64 {
	if r.fill <= r.first {
		return 0
	}
	return float64(r.stored-1) / (r.fill - r.first).Seconds()
}

// cpuPer is Refuge's CPU per stored file, in milliseconds: the Creates' share is small.
func (r *mediaRun) cpuPer() float64 { return ms(r.cpu.refuge) / float64(max(1, r.stored)) }

func runMediaScenario(ctx context.Context, e *env, rep *report) error {
	if err := e.ensureStarted(ctx); err != nil {
		return err
	}
	begin := time.Now()
	s, err := setupMedia(ctx, e)
	if err != nil {
		return err
	}
	e.logf("  setup: %s follows %d photographers on %d hosts (%.1fs)", e.alice.name, len(s.actors), e.cfg.mediaHosts, time.Since(begin).Seconds())
	var rate, sendP99, fill, steady, first, p50, p99, stored, cpu, busy, peak, bad []float64
	for r := range e.cfg.runs {
		res, err := s.run(ctx, r)
		if err != nil {
			return err
		}
		e.logf("  run %d: %s", r+1, res)
		if res.stored != len(s.photos) {
			return fmt.Errorf("run %d: %d of %d photos stored within %s (%d failed; last error: %q)",
				r+1, res.stored, len(s.photos), e.cfg.mediaLimit, res.failed, res.pendingWhy)
		}
		rate, fill = append(rate, res.perSecond()), append(fill, res.fillRate())
		sendP99 = append(sendP99, ms(res.d.lat.pct(99)))
		steady, first = append(steady, res.steadyRate()), append(first, res.first.Seconds())
		p50, p99 = append(p50, res.toStored.pct(50).Seconds()), append(p99, res.toStored.pct(99).Seconds())
		stored, cpu = append(stored, mib(res.storedBytes)), append(cpu, res.cpuPer())
		busy = append(busy, res.cpu.refuge.Seconds()/res.fill.Seconds())
		peak = append(peak, max(res.peakMiB, res.sampledMiB))
		bad = append(bad, float64(len(s.photos)-res.served+res.twice))
	}
	n := len(s.photos)
	rep.add("media", fmt.Sprintf("Create{Note} with a photo accepted (%d notes)", n), "/s", rate, "", nil)
	rep.add("media", "Create{Note} with a photo, latency p99", "ms", sendP99, "", nil)
	rep.add("media", fmt.Sprintf("cache fill, first Create to last file stored (%d hosts)", e.cfg.mediaHosts), "files/s", fill, "", nil)
	rep.add("media", "first Create to first file stored", "s", first, "", nil)
	rep.add("media", "cache fill, first file stored to last", "files/s", steady, "", nil)
	rep.add("media", "a Create's 202 to its file stored, p50", "s", p50, "", nil)
	rep.add("media", "a Create's 202 to its file stored, p99", "s", p99, "", nil)
	rep.add("media", fmt.Sprintf("stored, files and thumbnails (served: %.0f MiB)", mib(s.bytes)), "MiB", stored, "", nil)
	rep.add("media", "Refuge CPU per file", "ms", cpu, "", nil)
	rep.add("media", "Refuge cores busy during the fill", "", busy, "", nil)
	rep.add("media", "photos not fetched, or fetched twice", "", bad, "0", atMost(0))
	rep.add("media", "peak resident memory", "MiB", peak, "≤ 300", atMost(300))
	return nil
}
