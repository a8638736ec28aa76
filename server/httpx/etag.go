package httpx

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
)

// etagMax is the largest body ETag hashes; larger ones pass through without an ETag.
const etagMax = 1 << 20

// ETag gives the public, viewer-independent GET answers of next (ActivityPub documents,
// discovery documents, feeds) a weak ETag — a hash of the body before any compression, so
// the same for every encoding — and answers a matching If-None-Match with 304. It works on
// the handler's output, after the handler ran: a signature that --authorized-fetch requires
// is checked before any 304, and an error is never turned into one. It leaves alone answers
// meant for one viewer (Cache-Control private or no-store, or setting a cookie), answers
// other than 200, and answers with an ETag of their own. Where a document depends on a
// signed reader (a followers-only note), the tag is still of the very bytes that reader
// would get, so a 304 tells them nothing they could not read.
func ETag(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		ew := &etagWriter{ResponseWriter: w}
		next.ServeHTTP(ew, r)
		ew.finish(r)
	})
}

// etagWriter holds a 200 answer's body to hash it; anything else it passes on.
type etagWriter struct {
	http.ResponseWriter
	status  int
	passing bool // not held: written through
	body    []byte
}

func (e *etagWriter) WriteHeader(status int) {
	if !holdStatus(e.ResponseWriter, e.passing, e.status, status) {
		return
	}
	e.status = status
	h := e.Header()
	cc := strings.ToLower(h.Get("Cache-Control"))
	if status != http.StatusOK || h.Get("ETag") != "" || len(h.Values("Set-Cookie")) > 0 ||
		strings.Contains(cc, "private") || strings.Contains(cc, "no-store") {
		e.pass()
	}
}

func (e *etagWriter) Write(p []byte) (int, error) {
	if e.status == 0 {
		e.WriteHeader(http.StatusOK)
	}
	if e.passing {
		return e.ResponseWriter.Write(p)
	}
	if len(e.body)+len(p) > etagMax {
		e.pass()
		return e.ResponseWriter.Write(p)
	}
	e.body = append(e.body, p...)
	return len(p), nil
}

// pass sends the status and what is held, and writes the rest through.
func (e *etagWriter) pass() {
	e.passing = true
	e.ResponseWriter.WriteHeader(e.status)
	if len(e.body) > 0 {
		e.ResponseWriter.Write(e.body) // a failed write shows at the handler's next one
	}
	e.body = nil
}

// Flush gives up on the ETag: a handler that flushes is streaming.
func (e *etagWriter) Flush() {
	if e.status == 0 {
		e.WriteHeader(http.StatusOK)
	}
	if !e.passing {
		e.pass()
	}
	http.NewResponseController(e.ResponseWriter).Flush() // not every writer flushes: nothing to do then
}

// Unwrap lets http.ResponseController reach the connection's own writer.
func (e *etagWriter) Unwrap() http.ResponseWriter { return e.ResponseWriter }

// finish tags the held body and answers it, or 304 when the client has it already.
func (e *etagWriter) finish(r *http.Request) {
	if e.passing || e.status == 0 {
		return
	}
	if r.Method == http.MethodHead && len(e.body) == 0 {
		e.pass() // the handler wrote no body to hash
		return
	}
	tag := weakTag(e.body)
	h := e.Header()
	h.Set("ETag", tag)
	if etagMatch(r.Header.Get("If-None-Match"), tag) {
		h.Del("Content-Type")
		h.Del("Content-Length")
		e.ResponseWriter.WriteHeader(http.StatusNotModified)
		return
	}
	e.ResponseWriter.WriteHeader(http.StatusOK)
	e.ResponseWriter.Write(e.body) // the client went away: nothing left to answer
}

// weakTag is the weak ETag of a body: the same whatever coding it is sent in.
func weakTag(body []byte) string {
	sum := sha256.Sum256(body)
	return `W/"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// etagMatch compares If-None-Match with tag the weak way (RFC 9110 13.1.2): W/ aside, the
// opaque parts must be equal; "*" matches any.
func etagMatch(header, tag string) bool {
	want := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
