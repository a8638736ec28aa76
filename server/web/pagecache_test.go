package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"refuge/server/httpx"
)

// TestPageCacheKeeps: an anonymous GET is built once and then served kept until the
// database commits again; a request with a cookie that is no session, a token or a
// signature is always built anew, and only a 200 is kept. (Signed-in readers' pages:
// server.TestSignedInPageCache.)
func TestPageCacheKeeps(t *testing.T) {
	var commits int64
	builds := 0
	status := http.StatusOK
	h := &Handler{Kit: &httpx.Kit{Auth: &httpx.Auth{}}, Commits: func() int64 { return commits }}
	page := h.cached(func(w http.ResponseWriter, r *http.Request) error {
		builds++
		w.WriteHeader(status)
		fmt.Fprintf(w, "build %d", builds)
		return nil
	})
	get := func(header ...string) string {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/@carol", nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		if err := page(rec, req); err != nil {
			t.Fatal(err)
		}
		return rec.Body.String()
	}
	steps := []struct {
		name   string
		before func()
		header []string
		want   string
	}{
		{"first reader builds", nil, nil, "build 1"},
		{"second reader gets the kept page", nil, nil, "build 1"},
		{"a cookie that is no session is never served the kept page", nil, []string{"Cookie", "other=x"}, "build 2"},
		{"a bearer token is never served it", nil, []string{"Authorization", "Bearer x"}, "build 3"},
		{"a signed fetch is never served it", nil, []string{"Signature", "keyId=x"}, "build 4"},
		{"still kept for anonymous readers", nil, nil, "build 1"},
		{"a commit makes it stale", func() { commits++ }, nil, "build 5"},
		{"the new page is kept", nil, nil, "build 5"},
		{"an error page is not kept", func() { commits++; status = http.StatusNotFound }, nil, "build 6"},
		{"so the next reader builds again", func() { status = http.StatusOK }, nil, "build 7"},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		if got := get(s.header...); got != s.want {
			t.Fatalf("%s: got %q, want %q", s.name, got, s.want)
		}
	}
}
