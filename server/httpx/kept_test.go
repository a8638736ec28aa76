package httpx

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestAnswerCache: an answer is kept only when its handler shares it (200 or 410), given
// again while the commit count stands and the TTL has not passed, and only to requests its
// check lets through; a check may send a request to be built anew, or refuse it.
func TestAnswerCache(t *testing.T) {
	var commits int64
	builds := 0
	status, share := http.StatusOK, true
	refuse := errors.New("refused")
	check := func(r *http.Request) error {
		switch r.Header.Get("Who") {
		case "owner":
			return ErrBuildAnew
		case "stranger":
			return refuse
		}
		return nil
	}
	c := &AnswerCache{Commits: func() int64 { return commits }, TTL: time.Hour}
	h := func(w http.ResponseWriter, r *http.Request) error {
		builds++
		if share {
			Share(w, check)
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "build %d", builds)
		return nil
	}
	serve := func(who string) (string, error) {
		req := httptest.NewRequest(http.MethodGet, "/doc", nil)
		req.Header.Set("Who", who)
		rec := httptest.NewRecorder()
		err := c.Serve("/doc", false, rec, req, h)
		return rec.Body.String(), err
	}
	for _, step := range []struct {
		name    string
		before  func()
		who     string
		want    string
		wantErr error
	}{
		{"built", nil, "", "build 1", nil},
		{"kept", nil, "", "build 1", nil},
		{"the owner gets it anew", nil, "owner", "build 2", nil},
		{"a refused check refuses", nil, "stranger", "", refuse},
		{"a commit makes it stale", func() { commits++ }, "", "build 3", nil},
		{"a gone document is kept", func() { commits++; status = http.StatusGone }, "", "build 4", nil},
		{"kept gone", nil, "", "build 4", nil},
		{"a 404 is not kept", func() { commits++; status = http.StatusNotFound }, "", "build 5", nil},
		{"not kept", nil, "", "build 6", nil},
		{"an answer not shared is not kept", func() { commits++; status, share = http.StatusOK, false }, "", "build 7", nil},
		{"built again", nil, "", "build 8", nil},
	} {
		if step.before != nil {
			step.before()
		}
		got, err := serve(step.who)
		if got != step.want || !errors.Is(err, step.wantErr) {
			t.Errorf("%s: %q %v, want %q %v", step.name, got, err, step.want, step.wantErr)
		}
	}
}

// TestAnswerCacheEncodes: a kept answer is given compressed to a client that accepts it
// (compressed once, the same bytes each time), as it is to one that does not, and 304 to
// one that has it already; the tag is the uncompressed body's.
func TestAnswerCacheEncodes(t *testing.T) {
	page := strings.Repeat("<p>a kept page</p>\n", 200)
	c := &AnswerCache{Commits: func() int64 { return 1 }, TTL: time.Hour, ETags: true}
	builds := 0
	h := func(w http.ResponseWriter, r *http.Request) error {
		builds++
		Share(w, nil)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
		return nil
	}
	serve := func(header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/p", nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		if err := c.Serve("/p", false, rec, req, h); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	first := serve()
	tag := first.Header().Get("ETag")
	var zipped []byte
	for range 2 {
		rec := serve("Accept-Encoding", "gzip")
		if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("ETag") != tag || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
			t.Fatalf("gzip asked: %v", rec.Header())
		}
		if zipped != nil && !bytes.Equal(zipped, rec.Body.Bytes()) {
			t.Errorf("the kept answer was compressed anew, to other bytes")
		}
		zipped = rec.Body.Bytes()
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := io.ReadAll(zr); string(got) != page {
			t.Errorf("the compressed answer decodes to %d bytes, want the page's %d", len(got), len(page))
		}
	}
	if rec := serve(); rec.Body.String() != page || rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("identity: %v, %d bytes", rec.Header(), rec.Body.Len())
	}
	if rec := serve("If-None-Match", tag, "Accept-Encoding", "zstd"); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match %s: %d, %d bytes", tag, rec.Code, rec.Body.Len())
	}
	if tag == "" || builds != 1 {
		t.Errorf("tag %q, %d builds, want a tag and one build", tag, builds)
	}
}

// TestAnswerCacheFills: with a Placeholder, every answer, the first and the kept ones, has
// each placeholder replaced by what Fill gives that request, is never compressed by the
// cache (Compress does it per answer), and an answer that sets a cookie is never kept; Max
// bounds the entries.
func TestAnswerCacheFills(t *testing.T) {
	const hole = "HOLE"
	page := strings.Repeat(`<form><input name="csrf" value="`+hole+`"></form>`+"\n", 40)
	c := &AnswerCache{Commits: func() int64 { return 1 }, TTL: time.Hour, Max: 2, Placeholder: hole,
		Fill: func(r *http.Request) string { return r.Header.Get("Secret") }}
	builds := 0
	h := func(w http.ResponseWriter, r *http.Request) error {
		builds++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.Header.Get("Set") != "" {
			http.SetCookie(w, &http.Cookie{Name: "n", Value: "1"})
		}
		io.WriteString(w, page)
		return nil
	}
	serve := func(key string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/p", nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		if err := c.Serve(key, true, rec, req, h); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	for i, step := range []struct {
		key, secret, set string
		builds           int
	}{
		{"a", "one", "", 1},
		{"a", "two", "", 1},    // kept, filled anew
		{"b", "three", "y", 2}, // sets a cookie: not kept
		{"b", "four", "", 3},
		{"b", "five", "", 3},
		{"c", "six", "", 4}, // the third entry: the cache starts over
		{"a", "seven", "", 5},
	} {
		rec := serve(step.key, "Secret", step.secret, "Set", step.set, "Accept-Encoding", "gzip")
		want := strings.ReplaceAll(page, hole, step.secret)
		if rec.Body.String() != want || rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("step %d: %v, body %.80q, want the page with %q", i, rec.Header(), rec.Body.String(), step.secret)
		}
		if builds != step.builds {
			t.Errorf("step %d: %d builds, want %d", i, builds, step.builds)
		}
	}
}
