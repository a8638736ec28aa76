package httpx

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"refuge/storage"
)

// StatusOf is the one table from error kinds to HTTP statuses.
var StatusOf = map[storage.Kind]int{
	storage.Invalid:      http.StatusBadRequest,
	storage.Unauthorized: http.StatusUnauthorized,
	storage.Forbidden:    http.StatusForbidden,
	storage.NotFound:     http.StatusNotFound,
	storage.Gone:         http.StatusGone,
	storage.Conflict:     http.StatusConflict,
	storage.TooLarge:     http.StatusRequestEntityTooLarge,
	storage.TooMany:      http.StatusTooManyRequests,
	storage.Transient:    http.StatusServiceUnavailable,
	storage.Internal:     http.StatusInternalServerError,
}

// Content types we serve.
const (
	ActivityJSON = "application/activity+json"
	JRDJSON      = "application/jrd+json"
)

// MaxBody caps every body we read from the network.
const MaxBody = 1 << 20

// Common errors of routing.
var (
	ErrNotFound = storage.Errorf(storage.NotFound, "page not found")
	ErrMethod   = storage.Errorf(storage.Invalid, "method not allowed here")
)

// HandlerFunc is a handler that returns its error instead of writing it, so that one place
// decides status, format and logging.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Kit is what the handlers of every surface share.
type Kit struct {
	Log    *slog.Logger
	Auth   *Auth
	Limits *Limits
	// ErrorPage shows an error to a browser; while nil, everyone is answered JSON. The web
	// surface sets it.
	ErrorPage func(w http.ResponseWriter, r *http.Request, status int, msg string)
}

// Handle adapts a HandlerFunc: errors become a JSON or HTML answer with the status of their
// kind; a panic becomes a logged 500 rather than a dropped connection. Each request gets a
// memo of who is asking (see Auth).
func (k *Kit) Handle(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		aw := &answerWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				k.Log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				if !aw.answered {
					k.WriteError(aw, r, storage.Errorf(storage.Internal, "internal error"))
				}
			}
		}()
		r = withMemo(r)
		err := h(aw, r)
		switch {
		case err == nil:
		case aw.answered:
			// The answer had begun (most often the client went away mid-body): a second
			// status cannot be sent, and there is nobody left to tell.
			k.Log.Debug("answer not completed", "method", r.Method, "path", r.URL.Path, "err", err)
		default:
			k.WriteError(aw, r, err)
		}
	})
}

// answerWriter records whether the answer has begun, so that an error returned after it did
// is not answered a second time.
type answerWriter struct {
	http.ResponseWriter
	answered bool
}

func (a *answerWriter) WriteHeader(status int) {
	if status >= 200 {
		a.answered = true
	}
	a.ResponseWriter.WriteHeader(status)
}

func (a *answerWriter) Write(p []byte) (int, error) {
	a.answered = true
	return a.ResponseWriter.Write(p)
}

// Flush flushes the connection (server-sent events).
func (a *answerWriter) Flush() {
	a.answered = true
	http.NewResponseController(a.ResponseWriter).Flush() // not every writer flushes: nothing to do then
}

// Hijack hands over the connection (WebSocket): nothing can be answered on it afterwards.
func (a *answerWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	a.answered = true
	return http.NewResponseController(a.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the connection's own writer (deadlines).
func (a *answerWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// WriteError answers err with the status of its kind and its public message: an error page
// to a browser, {"error": "..."} to everyone else.
func (k *Kit) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	kind := storage.KindOf(err)
	status := StatusOf[kind]
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		status, err = http.StatusRequestEntityTooLarge, storage.Errorf(storage.TooLarge, "body larger than %d bytes", maxErr.Limit)
	}
	msg := storage.Message(err)
	switch {
	case status >= 500:
		k.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case status != http.StatusNotFound:
		k.Log.Info("request refused", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	if k.ErrorPage != nil && WantsHTML(r) {
		k.ErrorPage(w, r, status, msg)
		return
	}
	WriteJSON(w, status, "application/json", map[string]string{"error": msg})
}

// WantsHTML reports whether a browser is asking: an Accept header that names text/html and
// no JSON type. Every API and ActivityPub client says what it wants.
func WantsHTML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/html") && !WantsActivity(r)
}

// WantsActivity reports whether the Accept header asks for ActivityStreams JSON.
func WantsActivity(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if mt == ActivityJSON || (mt == "application/ld+json" &&
			(params["profile"] == "" || strings.Contains(params["profile"], "https://www.w3.org/ns/activitystreams"))) {
			return true
		}
		if mt == "application/json" {
			return true
		}
	}
	return false
}

// WriteJSON encodes v and answers it with status and contentType.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return WriteBody(w, status, contentType, body)
}

// WriteBody answers body as it is.
func WriteBody(w http.ResponseWriter, status int, contentType string, body []byte) error {
	w.Header().Set("Content-Type", contentType)
	addVary(w.Header(), "Accept") // CORS may have said Origin already
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// WriteActivity serves an ActivityStreams document already encoded.
func WriteActivity(w http.ResponseWriter, body []byte) error {
	return WriteBody(w, http.StatusOK, ActivityJSON, body)
}

// ReadJSON reads a request body of at most MaxBody bytes whose type is JSON.
func ReadJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != ActivityJSON && mt != "application/ld+json" && mt != "application/json") {
		return nil, storage.Errorf(storage.Invalid, "Content-Type must be application/activity+json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		return nil, storage.Wrap(storage.TooLarge, err, "body larger than 1 MiB")
	}
	return body, nil
}

// PageOf reads Mastodon-style paging parameters (max_id, min_id) and ActivityPub's page
// flag: page reports whether a page (rather than a collection's top) was asked for.
func PageOf(r *http.Request) (page bool, p storage.Page, err error) {
	q := r.URL.Query()
	page = q.Get("page") != "" && q.Get("page") != "false"
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"max_id", &p.Before}, {"min_id", &p.After}} {
		if v := q.Get(f.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return false, p, storage.Errorf(storage.Invalid, "%s must be a non-negative integer", f.name)
			}
			*f.dst = n
			page = true
		}
	}
	if q.Get("min_id") == "0" {
		p.Oldest = true
	}
	return page, p, nil
}

// SecurityHeaders adds the headers every answer carries: no framing, no sniffing, and a
// Content-Security-Policy that allows this instance's own script files alone (never inline
// script, never another site's) talking to this instance alone, and loads pictures, video
// and sound from this instance alone: other servers' come through the remote media cache,
// so that reading here tells no other server who reads what.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'; media-src 'self'; style-src 'self'; "+
			"form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'")
		next.ServeHTTP(w, r)
	})
}
