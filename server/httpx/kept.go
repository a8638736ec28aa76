package httpx

import (
	"bytes"
	"cmp"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Kept answers. What most GETs cost is the database reads and the rendering behind an
// answer that is the same for many who ask: a profile page for anonymous readers, an
// actor's document for every server that checks a signature, WebFinger and NodeInfo for
// every server that meets the instance. An AnswerCache keeps such answers and gives them
// again for as long as nothing was written to the database since they were built (its
// Commits count is unchanged) and they are younger than its TTL: nobody is ever given an
// answer older than the data, and one write, anywhere, makes every kept answer stale.
//
// A handler says that its answer may be kept and given to others with Share, and whom to:
// everyone who passes a check run before a kept answer is given (a signature under
// authorized fetch, say), so that keeping never skips a check.

// keptEntries bounds an AnswerCache unless it says otherwise (Max): then it starts over.
// Each holds one answer.
const keptEntries = 1024

// AnswerCache keeps answers; see Share. The zero value with Commits and TTL set is ready.
type AnswerCache struct {
	Commits func() int64 // the database's commit count
	TTL     time.Duration
	// ETags gives kept 200 answers a weak ETag (of the body before any encoding, as ETag
	// does) and answers a matching If-None-Match with 304 without writing the body.
	ETags bool
	// Max bounds the answers kept (keptEntries when 0): past it the cache starts over.
	Max int
	// Placeholder and Fill are for answers that carry a secret which must differ in every
	// answer, such as a CSRF token masked per response (web.maskToken): the handler writes
	// Placeholder where the secret goes, and every answer given, kept or just built, has
	// each Placeholder replaced by Fill(r) for the request it answers. Such a body is kept
	// only as built and compressed per answer by Compress, with the secret in, never kept
	// compressed.
	Placeholder string
	Fill        func(*http.Request) string

	mu      sync.Mutex
	entries map[string]*keptAnswer
}

type keptAnswer struct {
	commits int64 // the database's commit count when the answer was built
	built   time.Time
	status  int
	header  http.Header
	body    []byte
	check   func(*http.Request) error // nil: anyone
	etag    string                    // with AnswerCache.ETags, of a 200
	// parts is the body cut at each AnswerCache.Placeholder, when it has one; fill puts
	// the secret of each request between them.
	parts [][]byte
	fill  func(*http.Request) string

	// The body compressed, by coding, made the first time a client accepts it: given
	// again, a kept answer is compressed once, not once per request.
	mu      sync.Mutex
	encoded map[string][]byte
}

// ErrBuildAnew is what a check returns for someone who may read more than the kept answer
// holds (an outbox's owner): the answer is built for them instead.
var ErrBuildAnew = errors.New("build the answer anew")

// Share marks the answer being written to w as one that anyone who passes check (nil:
// anyone) may be given too, while the data is unchanged. Only a 200 or 410 is kept. Outside
// AnswerCache.Serve it does nothing.
func Share(w http.ResponseWriter, check func(*http.Request) error) {
	if rec, ok := w.(*recorder); ok {
		rec.shared, rec.check = true, check
	}
}

// Serve gives r the answer kept under key when it is still good and r passes its check;
// otherwise it runs h, and keeps its answer when h shared it (or, with all, any 200 answer:
// for callers that decide beforehand that every answer of h is the same for everyone).
func (c *AnswerCache) Serve(key string, all bool, w http.ResponseWriter, r *http.Request, h HandlerFunc) error {
	commits := c.Commits()
	now := time.Now()
	if a := c.get(key, commits, now); a != nil {
		err := error(nil)
		if a.check != nil {
			err = a.check(r)
		}
		if err == nil {
			a.write(w, r)
			return nil
		}
		if err != ErrBuildAnew {
			return err
		}
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	if err := h(rec, r); err != nil {
		return err
	}
	a := &keptAnswer{commits: commits, built: now, status: rec.status, header: rec.header, body: rec.body.Bytes(), check: rec.check}
	if c.Placeholder != "" {
		a.parts, a.fill = bytes.Split(a.body, []byte(c.Placeholder)), c.Fill
	}
	// An answer that sets a cookie is its one reader's: never kept.
	if (rec.shared || all) && (a.status == http.StatusOK || a.status == http.StatusGone && rec.shared) &&
		len(a.header.Values("Set-Cookie")) == 0 {
		if c.ETags && a.status == http.StatusOK && a.header.Get("ETag") == "" {
			a.etag = weakTag(a.body)
		}
		c.put(key, a)
	}
	a.write(w, r)
	return nil
}

func (c *AnswerCache) get(key string, commits int64, now time.Time) *keptAnswer {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.entries[key]
	if a == nil || a.commits != commits || now.Sub(a.built) >= c.TTL {
		return nil
	}
	return a
}

func (c *AnswerCache) put(key string, a *keptAnswer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= cmp.Or(c.Max, keptEntries) {
		c.entries = map[string]*keptAnswer{}
	}
	c.entries[key] = a
}

// write answers r with the kept answer: 304 when r has it already, the body compressed as
// Compress would (Compress then leaves it alone), or as it is.
func (a *keptAnswer) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range a.header {
		h[k] = slices.Clone(v) // the caller may add to them; the kept answer is shared
	}
	body := a.body
	if a.parts != nil {
		a.writeFilled(w, r)
		return
	}
	if a.etag != "" {
		h.Set("ETag", a.etag)
		if etagMatch(r.Header.Get("If-None-Match"), a.etag) {
			h.Del("Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if compressibleType(h.Get("Content-Type")) && len(body) >= compressMin {
		addVary(h, "Accept-Encoding")
		if coding := NegotiateEncoding(r.Header.Get("Accept-Encoding")); coding != "" && r.Method != http.MethodHead &&
			r.Header.Get("Range") == "" {
			body = a.encodedAs(coding)
			h.Set("Content-Encoding", coding)
		}
	}
	w.WriteHeader(a.status)
	w.Write(body)
}

// writeFilled answers with the body's placeholders filled for r. Compress, around the
// handler, compresses the result when the client accepts it.
func (a *keptAnswer) writeFilled(w http.ResponseWriter, r *http.Request) {
	secret := a.fill(r)
	buf := filledBodies.Get().(*bytes.Buffer)
	buf.Reset()
	for i, p := range a.parts {
		if i > 0 {
			buf.WriteString(secret)
		}
		buf.Write(p)
	}
	w.WriteHeader(a.status)
	w.Write(buf.Bytes()) // a Writer keeps nothing of what it is given
	if buf.Cap() <= 1<<20 {
		filledBodies.Put(buf)
	}
}

// filledBodies are the buffers writeFilled fills: a page is tens of kilobytes, made for
// every answer.
var filledBodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodedAs is the body compressed with coding, made once.
func (a *keptAnswer) encodedAs(coding string) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	if b, ok := a.encoded[coding]; ok {
		return b
	}
	var buf bytes.Buffer
	p := getEncoder(coding, &buf)
	p.enc.Write(a.body)
	p.enc.Close()
	p.put()
	if a.encoded == nil {
		a.encoded = map[string][]byte{}
	}
	a.encoded[coding] = buf.Bytes()
	return a.encoded[coding]
}

// recorder takes a handler's answer to keep it.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
	shared bool
	check  func(*http.Request) error
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
