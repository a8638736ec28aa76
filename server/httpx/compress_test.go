package httpx

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig/coding"
)

func TestNegotiateEncoding(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", ""},
		{"identity", ""},
		{"gzip", "gzip"},
		{"x-gzip", "gzip"},
		{"gzip, deflate, br", "gzip"},
		{"gzip, deflate, br, zstd", "zstd"},
		{"zstd;q=0.5, gzip", "gzip"},
		{"gzip;q=0", ""},
		{"gzip;q=0, *", "zstd"},
		{"*", "zstd"},
		{"*;q=0", ""},
		{"*;q=0, gzip", "gzip"},
		{"GZIP; Q=0.8", "gzip"},
		{"gzip;q=nonsense", ""},
		{"br", ""},
		{"zstd;q=0, gzip;q=0.1", "gzip"},
	}
	for _, tt := range tests {
		if got := NegotiateEncoding(tt.header); got != tt.want {
			t.Errorf("NegotiateEncoding(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

// TestCompress: compressible answers of at least compressMin bytes are encoded as the client
// asks and decode to the same bytes; others pass through untouched; Vary is merged.
func TestCompress(t *testing.T) {
	big := strings.Repeat("<p>A page of the fediverse, repeated.</p>\n", 200)
	mux := http.NewServeMux()
	serve := func(path, ctype, body string, status int, extra ...string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Vary", "Accept")
			for i := 0; i+1 < len(extra); i += 2 {
				w.Header().Set(extra[i], extra[i+1])
			}
			w.WriteHeader(status)
			// In pieces, as templates write: the decision waits for compressMin bytes.
			for s := body; s != ""; {
				n := min(len(s), 100)
				w.Write([]byte(s[:n]))
				s = s[n:]
			}
		})
	}
	serve("/page", "text/html; charset=utf-8", big, 200)
	serve("/json", "application/activity+json", `{"a":"`+strings.Repeat("b", 5000)+`"}`, 200)
	serve("/small", "text/html; charset=utf-8", "<p>small</p>", 200)
	serve("/png", "image/png", big, 200)
	serve("/encoded", "text/html", big, 200, "Content-Encoding", "gzip")
	serve("/missing", "text/html; charset=utf-8", big, 404)
	serve("/media/x.svg", "image/svg+xml", big, 200)
	serve("/sized", "text/plain", big, 200, "Content-Length", strconv.Itoa(len(big)))
	serve("/sized-small", "text/plain", "tiny", 200, "Content-Length", "4")
	srv := httptest.NewServer(Compress(mux))
	defer srv.Close()

	tests := []struct {
		path, accept string
		headers      []string
		method       string
		wantEncoding string
		wantVary     bool
	}{
		{"/page", "gzip", nil, "GET", "gzip", true},
		{"/page", "zstd", nil, "GET", "zstd", true},
		{"/page", "gzip, deflate, br, zstd", nil, "GET", "zstd", true},
		{"/page", "identity", nil, "GET", "", true},
		{"/page", "", nil, "GET", "", true},
		{"/page", "gzip;q=0", nil, "GET", "", true},
		{"/page", "*", nil, "GET", "zstd", true},
		{"/json", "gzip", nil, "GET", "gzip", true},
		{"/missing", "gzip", nil, "GET", "gzip", true},
		{"/small", "gzip", nil, "GET", "", true},
		{"/png", "gzip", nil, "GET", "", false},
		{"/encoded", "zstd", nil, "GET", "gzip", false},
		{"/media/x.svg", "gzip", nil, "GET", "", false},
		{"/page", "gzip", []string{"Range", "bytes=0-10"}, "GET", "", false},
		{"/page", "gzip", nil, "HEAD", "", false},
		{"/sized", "gzip", nil, "GET", "gzip", true},
		{"/sized-small", "gzip", nil, "GET", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path+" "+tt.accept+strings.Join(tt.headers, ":"), func(t *testing.T) {
			resp, body := coding.Get(t, tt.method, srv.URL+tt.path, append([]string{"Accept-Encoding", tt.accept}, tt.headers...)...)
			if got := resp.Header.Get("Content-Encoding"); got != tt.wantEncoding && !(tt.path == "/encoded" && got == "gzip") {
				t.Errorf("Content-Encoding %q, want %q", got, tt.wantEncoding)
			}
			vary := strings.Join(resp.Header.Values("Vary"), ", ")
			if hasVary := strings.Contains(vary, "Accept-Encoding"); hasVary != tt.wantVary {
				t.Errorf("Vary %q: Accept-Encoding there %v, want %v", vary, hasVary, tt.wantVary)
			}
			if !strings.HasPrefix(vary, "Accept") {
				t.Errorf("Vary %q lost the handler's Accept", vary)
			}
			if tt.method == "HEAD" || tt.path == "/encoded" {
				return
			}
			if tt.wantEncoding != "" && resp.Header.Get("Content-Length") != "" && resp.ContentLength != int64(len(body)) {
				t.Errorf("Content-Length %d of a %d-byte encoded body", resp.ContentLength, len(body))
			}
			_, identity := coding.Get(t, "GET", srv.URL+tt.path, "Accept-Encoding", "identity")
			if got := coding.Decode(t, tt.wantEncoding, body); !bytes.Equal(got, identity) {
				t.Errorf("decoded body (%d bytes) differs from the identity body (%d bytes)", len(got), len(identity))
			}
			if tt.wantEncoding != "" && len(body) >= len(identity)/2 {
				t.Errorf("encoded %d bytes of %d: hardly compressed", len(body), len(identity))
			}
		})
	}
}

// TestCompressStreams: a handler that flushes (server-sent events) reaches the client at
// each flush, compressed or not, and a text/event-stream answer is never encoded.
func TestCompressStreams(t *testing.T) {
	next := make(chan struct{})
	srv := httptest.NewServer(Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		for i := 0; i < 3; i++ {
			io.WriteString(w, "event: update\ndata: {}\n\n")
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush through the middleware: %v", err)
			}
			<-next
		}
	})))
	defer srv.Close()
	defer close(next)
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip, zstd")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("event stream encoded %q", got)
	}
	buf := make([]byte, 64)
	for i := 0; i < 3; i++ {
		n, err := io.ReadAtLeast(resp.Body, buf, len("event: update\ndata: {}\n\n"))
		if err != nil || !strings.HasPrefix(string(buf[:n]), "event: update") {
			t.Fatalf("event %d: %q, %v", i, buf[:n], err)
		}
		next <- struct{}{}
	}
}

// TestCompressHijack: a handler behind the middleware can still take the connection over
// (what a WebSocket upgrade does) through http.ResponseController.
func TestCompressHijack(t *testing.T) {
	srv := httptest.NewServer(Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		rw.Flush()
	})))
	defer srv.Close()
	resp, body := coding.Get(t, "GET", srv.URL, "Accept-Encoding", "gzip")
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Errorf("hijacked answer %d %q", resp.StatusCode, body)
	}
}
