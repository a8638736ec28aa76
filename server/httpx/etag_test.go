package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"refuge/internal/testrig/coding"
)

// TestETag: a public 200 answer gets a weak ETag, the same for every encoding, and a
// matching If-None-Match gets 304 with no body but ETag, Vary and Cache-Control; answers
// for one viewer, errors and answers with their own ETag are left alone.
func TestETag(t *testing.T) {
	body := strings.Repeat(`{"type":"Note"}`, 300)
	mux := http.NewServeMux()
	serve := func(path string, status int, extra ...string) {
		mux.Handle(path, ETag(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ActivityJSON)
			w.Header().Set("Vary", "Accept")
			w.Header().Set("Cache-Control", "max-age=60")
			for i := 0; i+1 < len(extra); i += 2 {
				w.Header().Set(extra[i], extra[i+1])
			}
			w.WriteHeader(status)
			w.Write([]byte(body))
		})))
	}
	serve("/public", 200)
	serve("/private", 200, "Cache-Control", "private, no-cache")
	serve("/cookie", 200, "Set-Cookie", "a=b")
	serve("/own", 200, "ETag", `"v1"`)
	serve("/refused", 403)
	srv := httptest.NewServer(Compress(mux))
	defer srv.Close()

	_, plain := coding.Get(t, "GET", srv.URL+"/public")
	first, _ := coding.Get(t, "GET", srv.URL+"/public")
	tag := first.Header.Get("ETag")
	if !strings.HasPrefix(tag, `W/"`) {
		t.Fatalf("ETag %q, want a weak one", tag)
	}
	for _, enc := range []string{"gzip", "zstd", "identity"} {
		resp, got := coding.Get(t, "GET", srv.URL+"/public", "Accept-Encoding", enc)
		if resp.Header.Get("ETag") != tag {
			t.Errorf("%s: ETag %q, want %q as for identity", enc, resp.Header.Get("ETag"), tag)
		}
		if enc := resp.Header.Get("Content-Encoding"); string(coding.Decode(t, enc, got)) != string(plain) {
			t.Errorf("%s: the body differs", enc)
		}
	}
	head, _ := coding.Get(t, "HEAD", srv.URL+"/public")
	if head.Header.Get("ETag") != tag {
		t.Errorf("HEAD: ETag %q, want %q", head.Header.Get("ETag"), tag)
	}

	tests := []struct {
		path, ifNoneMatch string
		want              int
		wantTag           bool
	}{
		{"/public", tag, http.StatusNotModified, true},
		{"/public", strings.TrimPrefix(tag, "W/"), http.StatusNotModified, true},
		{"/public", `"other", ` + tag, http.StatusNotModified, true},
		{"/public", "*", http.StatusNotModified, true},
		{"/public", `W/"other"`, http.StatusOK, true},
		{"/private", "*", http.StatusOK, false},
		{"/cookie", "*", http.StatusOK, false},
		{"/refused", "*", http.StatusForbidden, false},
	}
	for _, tt := range tests {
		resp, got := coding.Get(t, "GET", srv.URL+tt.path, "If-None-Match", tt.ifNoneMatch, "Accept-Encoding", "gzip")
		if resp.StatusCode != tt.want {
			t.Errorf("%s If-None-Match %s: %d, want %d", tt.path, tt.ifNoneMatch, resp.StatusCode, tt.want)
		}
		if has := resp.Header.Get("ETag") != ""; has != tt.wantTag {
			t.Errorf("%s: ETag %q, want one: %v", tt.path, resp.Header.Get("ETag"), tt.wantTag)
		}
		if tt.want == http.StatusNotModified {
			if len(got) != 0 || resp.Header.Get("Content-Encoding") != "" {
				t.Errorf("304 with a %d-byte body, Content-Encoding %q", len(got), resp.Header.Get("Content-Encoding"))
			}
			if resp.Header.Get("Cache-Control") != "max-age=60" || !strings.Contains(resp.Header.Get("Vary"), "Accept") {
				t.Errorf("304 lost Cache-Control %q or Vary %q", resp.Header.Get("Cache-Control"), resp.Header.Get("Vary"))
			}
		}
	}
	// An ETag of the handler's own is kept (made weak when the bytes are compressed).
	own, _ := coding.Get(t, "GET", srv.URL+"/own", "Accept-Encoding", "gzip")
	if own.Header.Get("ETag") != `W/"v1"` {
		t.Errorf("own ETag under gzip: %q", own.Header.Get("ETag"))
	}
}
