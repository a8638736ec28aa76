package web

import (
	"bytes"
	"net/http"
	"slices"
	"sync"
	"time"

	"refuge/server/httpx"
)

// A profile page with 20 posts costs about a millisecond of CPU to build (the template
// alone half of it): on two cores that is under 1,500 pages a second, and a popular
// profile linked from elsewhere gets its readers all at once. The page an anonymous reader
// gets is the same for everyone, so it is kept, for at most pageCacheTTL and only while
// nothing was written to the database since it was built: a reader never sees it older
// than the data, and a signed-in one never sees it at all.

const (
	pageCacheTTL     = time.Second
	pageCacheEntries = 512 // then it starts over; each holds one page
)

type pageCache struct {
	mu      sync.Mutex
	entries map[string]*cachedPage
}

type cachedPage struct {
	commits int64 // the database's commit count when the page was built
	built   time.Time
	status  int
	header  http.Header
	body    []byte
}

// cached serves h's answer to an anonymous GET from the cache when it is still good, and
// keeps a new 200 answer for the next readers.
func (h *Handler) cached(page httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodGet || r.Header.Get("Cookie") != "" || r.Header.Get("Authorization") != "" ||
			r.Header.Get("Signature") != "" {
			return page(w, r)
		}
		key := r.URL.RequestURI()
		commits := h.Commits()
		if p := h.cache.get(key, commits, time.Now()); p != nil {
			p.write(w)
			return nil
		}
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		if err := page(rec, r); err != nil {
			return err
		}
		p := &cachedPage{commits: commits, built: time.Now(), status: rec.status, header: rec.header, body: rec.body.Bytes()}
		if p.status == http.StatusOK {
			h.cache.put(key, p)
		}
		p.write(w)
		return nil
	}
}

func (c *pageCache) get(key string, commits int64, now time.Time) *cachedPage {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.entries[key]
	if p == nil || p.commits != commits || now.Sub(p.built) >= pageCacheTTL {
		return nil
	}
	return p
}

func (c *pageCache) put(key string, p *cachedPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= pageCacheEntries {
		c.entries = map[string]*cachedPage{}
	}
	c.entries[key] = p
}

func (p *cachedPage) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range p.header {
		h[k] = slices.Clone(v) // the caller may add to them; the kept page is shared
	}
	w.WriteHeader(p.status)
	w.Write(p.body)
}

// recorder takes a handler's answer to keep it.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
