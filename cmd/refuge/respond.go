package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"

	"refuge/storage"
	"refuge/templates"
)

// statusOf is the one table from error kinds to HTTP statuses.
var statusOf = map[storage.Kind]int{
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
	activityJSON = "application/activity+json"
	jrdJSON      = "application/jrd+json"
)

// handlerFunc is a handler that returns its error instead of writing it, so that one place
// decides status, format and logging.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc: errors become a JSON or HTML answer with the status of their
// kind; a panic becomes a logged 500 rather than a dropped connection.
func (a *App) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				a.log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				a.writeError(w, r, storage.Errorf(storage.Internal, "internal error"))
			}
		}()
		r = withMemo(r)
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

func (a *App) writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind := storage.KindOf(err)
	status := statusOf[kind]
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		status, err = http.StatusRequestEntityTooLarge, storage.Errorf(storage.TooLarge, "body larger than %d bytes", maxErr.Limit)
	}
	msg := storage.Message(err)
	switch {
	case status >= 500:
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case status != http.StatusNotFound:
		a.log.Info("request refused", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	if wantsHTML(r) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		a.pages.Render(w, "error", a.page(r, http.StatusText(status), &templates.ErrorData{Status: status, Message: msg}))
		return
	}
	writeJSON(w, status, "application/json", map[string]string{"error": msg})
}

// wantsHTML reports whether a browser is asking: an Accept header that names text/html and
// no JSON type. Every API and ActivityPub client says what it wants.
func wantsHTML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/html") && !wantsActivity(r)
}

// wantsActivity reports whether the Accept header asks for ActivityStreams JSON.
func wantsActivity(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if mt == activityJSON || (mt == "application/ld+json" &&
			(params["profile"] == "" || strings.Contains(params["profile"], "https://www.w3.org/ns/activitystreams"))) {
			return true
		}
		if mt == "application/json" {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return writeBody(w, status, contentType, body)
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}

// writeActivity serves an ActivityStreams document already encoded.
func writeActivity(w http.ResponseWriter, body []byte) error {
	return writeBody(w, http.StatusOK, activityJSON, body)
}
