package httpx

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// failingWriter is a connection's writer whose body writes fail, as when the client has
// gone; it counts WriteHeader calls.
type failingWriter struct {
	header  http.Header
	headers int
}

func (f *failingWriter) Header() http.Header       { return f.header }
func (f *failingWriter) WriteHeader(int)           { f.headers++ }
func (f *failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestHandleBodyWriteFails: when writing the body fails, Handle neither answers again nor
// logs above debug level; an error before anything was written is still answered.
func TestHandleBodyWriteFails(t *testing.T) {
	var logs bytes.Buffer
	k := &Kit{Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	body := func(w http.ResponseWriter, r *http.Request) error {
		return WriteBody(w, http.StatusOK, "text/html", []byte("<p>page</p>"))
	}
	early := func(w http.ResponseWriter, r *http.Request) error { return ErrNotFound }
	panics := func(w http.ResponseWriter, r *http.Request) error {
		w.WriteHeader(http.StatusOK)
		panic("after the header")
	}
	tests := []struct {
		name    string
		h       HandlerFunc
		headers int
		logged  string
	}{
		{"body write fails", body, 1, ""},
		{"error before writing", early, 1, ""},
		{"panic after the header", panics, 1, "panic"},
	}
	for _, tt := range tests {
		logs.Reset()
		w := &failingWriter{header: http.Header{}}
		r, _ := http.NewRequest("GET", "/x", nil)
		k.Handle(tt.h).ServeHTTP(w, r)
		if w.headers != tt.headers {
			t.Errorf("%s: WriteHeader called %d times, want %d", tt.name, w.headers, tt.headers)
		}
		if tt.logged == "" && logs.Len() > 0 || !strings.Contains(logs.String(), tt.logged) {
			t.Errorf("%s: logged %q, want %q", tt.name, logs.String(), tt.logged)
		}
	}
}

// TestHandleClientGone: a client that goes away mid-body leaves no "superfluous
// WriteHeader" in a real server's error log.
func TestHandleClientGone(t *testing.T) {
	var mu sync.Mutex
	var errLog bytes.Buffer
	done := make(chan error, 1)
	k := &Kit{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	// 10 MiB of random text: more than any socket buffer, compressed or not.
	random := make([]byte, 15<<19)
	rand.Read(random)
	page := []byte(base64.StdEncoding.EncodeToString(random))
	srv := &http.Server{
		Handler: Compress(k.Handle(func(w http.ResponseWriter, r *http.Request) error {
			err := WriteBody(w, http.StatusOK, "text/html", page)
			done <- err
			return err
		})),
		ErrorLog: log.New(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return errLog.Write(p)
		}), "", 0),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	for _, enc := range []string{"identity", "gzip"} {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: "+enc+"\r\n\r\n")
		buf := make([]byte, 4096)
		if _, err := io.ReadAtLeast(conn, buf, 100); err != nil {
			t.Fatal(err)
		}
		conn.(*net.TCPConn).SetLinger(0) // reset: the server's next writes fail
		conn.Close()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s: the body write did not fail", enc)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the handler did not end", enc)
		}
	}
	time.Sleep(50 * time.Millisecond) // let the server's connection goroutines finish logging
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(errLog.String(), "superfluous") {
		t.Errorf("server logged:\n%s", errLog.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
