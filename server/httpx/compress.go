package httpx

import (
	"bufio"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// compressMin is the smallest body worth compressing: below it the encoding's framing and
// the CPU cost outweigh the bytes saved. The first compressMin bytes are held to decide.
const compressMin = 1024

// compressible are the types whose bodies are text and shrink well. Media and everything
// else (already compressed, or streamed) pass through as they are.
var compressible = map[string]bool{
	"text/html": true, "text/css": true, "text/plain": true, "image/svg+xml": true,
	"application/json": true, ActivityJSON: true, "application/ld+json": true, JRDJSON: true,
	"application/xrd+xml": true, "application/rss+xml": true, "application/atom+xml": true, "application/xml": true,
}

// compressibleType reports whether a Content-Type is one of the compressible types.
func compressibleType(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return compressible[mt]
}

// Encoders are pooled: a gzip writer holds ~800 KB of state and a zstd encoder with its
// window some hundreds, so making one per response would be most of the cost. Each writes
// to its own dst, which is pointed at the response while in use and cleared when put back,
// so that a pooled encoder keeps no response alive and is reset once per use, not twice.
var (
	gzipPool = sync.Pool{New: func() any {
		p := &pooledEncoder{name: "gzip"}
		p.enc, _ = gzip.NewWriterLevel(&p.dst, gzip.DefaultCompression)
		return p
	}}
	zstdPool = sync.Pool{New: func() any {
		// A window of 1 MiB at most: browsers refuse zstd windows above 8 MiB, and no page
		// of ours is that large. One goroutine per encoder: responses already run in parallel.
		p := &pooledEncoder{name: "zstd"}
		z, _ := zstd.NewWriter(&p.dst, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(1<<20),
			zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true))
		p.enc = zstdEncoder{z}
		return p
	}}
)

// encoder is a compressor that can start over on another writer.
type encoder interface {
	io.WriteCloser
	Reset(io.Writer)
	Flush() error
}

type zstdEncoder struct{ *zstd.Encoder }

func (z zstdEncoder) Reset(w io.Writer) { z.Encoder.Reset(w) }

// pooledEncoder is an encoder with the writer it writes to.
type pooledEncoder struct {
	name string
	enc  encoder
	dst  target
}

// target forwards to the response in use; nil between uses.
type target struct{ w io.Writer }

func (t *target) Write(p []byte) (int, error) { return t.w.Write(p) }

// getEncoder is a pooled encoder of the coding name that writes to w.
func getEncoder(name string, w io.Writer) *pooledEncoder {
	pool := &gzipPool
	if name == "zstd" {
		pool = &zstdPool
	}
	p := pool.Get().(*pooledEncoder)
	p.dst.w = w
	p.enc.Reset(&p.dst)
	return p
}

// put returns the encoder to its pool, closed.
func (p *pooledEncoder) put() {
	p.dst.w = nil
	if p.name == "zstd" {
		zstdPool.Put(p)
	} else {
		gzipPool.Put(p)
	}
}

// NegotiateEncoding picks the content coding for an Accept-Encoding header: zstd, then
// gzip, whichever the client weighs higher ("*" stands for both), or "" for none (no
// header, identity, or both refused with q=0).
func NegotiateEncoding(header string) string {
	q := map[string]float64{}
	star := -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		weight := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				weight = f
			}
		}
		switch name {
		case "*":
			star = weight
		case "x-gzip":
			q["gzip"] = max(q["gzip"], weight)
		default:
			if _, seen := q[name]; !seen || weight > q[name] {
				q[name] = weight
			}
		}
	}
	best, bestQ := "", 0.0
	for _, name := range []string{"zstd", "gzip"} {
		w, named := q[name]
		if !named {
			w = max(star, 0)
		}
		if w > bestQ {
			best, bestQ = name, w
		}
	}
	return best
}

// Compress encodes compressible answers of at least compressMin bytes with the best
// coding the client accepts, and marks every compressible answer `Vary: Accept-Encoding`.
// It leaves alone HEAD, Range requests, WebSocket upgrades and media files, and answers
// that are not 200-like, already encoded, or not of a compressible type (server-sent
// events are text/event-stream, so they stream untouched).
func Compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || r.Header.Get("Range") != "" || r.Header.Get("Upgrade") != "" ||
			strings.HasPrefix(r.URL.Path, "/media/") {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w, encoding: NegotiateEncoding(r.Header.Get("Accept-Encoding"))}
		defer cw.finish()
		next.ServeHTTP(cw, r)
	})
}

// holdStatus begins the WriteHeader of a writer that holds the status until it knows how to
// send the body, and reports whether status is to be held. It passes on what must not be
// held: a call after the headers went (sent), for net/http to report, and an informational
// status, after which more headers follow. A second status while one is held is dropped:
// the first stands, as net/http would have it.
func holdStatus(w http.ResponseWriter, sent bool, held, status int) bool {
	switch {
	case sent:
		w.WriteHeader(status)
		return false
	case held != 0:
		return false
	case status < 200:
		w.WriteHeader(status)
		return false
	}
	return true
}

// compressWriter decides at the first bytes whether to compress: until compressMin bytes
// came (or the handler flushes or ends) it holds them and the status.
type compressWriter struct {
	http.ResponseWriter
	encoding string // what the client accepts, "" for none

	status   int    // held until decided; 0 before WriteHeader
	decided  bool   // headers sent
	eligible bool   // a compressible answer: it may be compressed once large enough
	held     []byte // the first bytes, while undecided
	enc      *pooledEncoder
	hijacked bool
}

func (c *compressWriter) WriteHeader(status int) {
	if !holdStatus(c.ResponseWriter, c.decided, c.status, status) {
		return
	}
	c.status = status
	h := c.Header()
	c.eligible = status == http.StatusOK || (status >= 201 && status < 300 && status != http.StatusNoContent &&
		status != http.StatusPartialContent && status != http.StatusResetContent) || status >= 400
	c.eligible = c.eligible && compressibleType(h.Get("Content-Type")) && h.Get("Content-Encoding") == ""
	if c.eligible {
		addVary(h, "Accept-Encoding")
	}
	if !c.eligible || c.encoding == "" {
		c.send(false)
		return
	}
	if n, err := strconv.Atoi(h.Get("Content-Length")); err == nil && n < compressMin {
		c.send(false)
	}
}

func (c *compressWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		if c.Header().Get("Content-Type") == "" {
			c.Header().Set("Content-Type", http.DetectContentType(p))
		}
		c.WriteHeader(http.StatusOK)
	}
	if c.decided {
		if c.enc != nil {
			return c.enc.enc.Write(p)
		}
		return c.ResponseWriter.Write(p)
	}
	if len(c.held)+len(p) < compressMin {
		c.held = append(c.held, p...)
		return len(p), nil
	}
	c.send(true)
	if _, err := c.enc.enc.Write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// send writes the held status, headers and bytes, compressed or not.
func (c *compressWriter) send(compress bool) {
	c.decided = true
	if compress {
		h := c.Header()
		h.Set("Content-Encoding", c.encoding)
		h.Del("Content-Length")
		if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
			h.Set("ETag", "W/"+etag) // the bytes differ from the identity answer's
		}
		c.ResponseWriter.WriteHeader(c.status)
		c.enc = getEncoder(c.encoding, c.ResponseWriter)
		if len(c.held) > 0 {
			c.enc.enc.Write(c.held)
		}
	} else {
		c.ResponseWriter.WriteHeader(c.status)
		if len(c.held) > 0 {
			c.ResponseWriter.Write(c.held)
		}
	}
	c.held = nil
}

// Flush sends what is held (compressed when there is enough of it to be worth it) and
// flushes the encoder and the connection.
func (c *compressWriter) Flush() {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if !c.decided {
		c.send(len(c.held) >= compressMin)
	}
	if c.enc != nil {
		c.enc.enc.Flush() // a failed write shows at the handler's next one
	}
	http.NewResponseController(c.ResponseWriter).Flush() // not every writer flushes: nothing to do then
}

// Hijack hands over the connection: Compress does not wrap upgrades, but any handler may
// still take the connection over.
func (c *compressWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(c.ResponseWriter).Hijack()
	if err == nil {
		c.hijacked = true
	}
	return conn, rw, err
}

// Unwrap lets http.ResponseController reach the connection's own writer (deadlines).
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// finish sends what is still held and ends the compressed stream.
func (c *compressWriter) finish() {
	if c.hijacked {
		return
	}
	if !c.decided && c.status != 0 {
		c.send(false) // smaller than compressMin
	}
	if c.enc != nil {
		c.enc.enc.Close() // an error here is a client gone: nothing left to answer
		c.enc.put()
		c.enc = nil
	}
}

// addVary adds a name to the Vary header unless it is there already.
func addVary(h http.Header, name string) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, name) {
				return
			}
		}
	}
	h.Add("Vary", name)
}
