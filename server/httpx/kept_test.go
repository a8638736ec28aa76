package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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
