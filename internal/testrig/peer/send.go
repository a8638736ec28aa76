package peer

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// Answer is what a server said: status, the reason of a refusal, headers and body.
type Answer struct {
	Status int
	Reason string
	Header http.Header
	Body   []byte
}

// String is the status and the reason, for failure messages.
func (a Answer) String() string { return fmt.Sprintf("%d %q", a.Status, a.Reason) }

// ReasonOf reads the reason of a JSON error answer ({"error": ...}), or the whole body
// otherwise.
func ReasonOf(body []byte) string {
	var e struct{ Error string }
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return string(body)
}

// Client is what Send uses: it never follows redirects, so a test sees them, and it is
// bounded in time, so a server that never answers fails the test instead of hanging it.
var Client = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Send sends r with Client and reads the answer (at most 4 MiB of it). A request that gets
// no answer fails the test without stopping it (load tests send from several goroutines)
// and comes back with status 0.
func Send(t testing.TB, r *http.Request) Answer {
	t.Helper()
	resp, err := Client.Do(r)
	if err != nil {
		t.Errorf("%s %s: %v", r.Method, r.URL, err)
		return Answer{Reason: err.Error(), Header: http.Header{}}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return Answer{Status: resp.StatusCode, Reason: ReasonOf(body), Header: resp.Header, Body: body}
}
