// Package translator is a stand-in LibreTranslate server for tests, on loopback: it
// answers GET /languages and POST /translate as LibreTranslate does, counts the
// translations it made, and can be told to be slow, to answer nonsense or an error, or to
// put markup a page must never show into its answers. It imports nothing of Refuge's.
package translator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Key is the api_key the stand-in requires when Server.RequireKey is set.
const Key = "test-translate-key"

// Server is the stand-in. Its fields may be changed while it runs.
type Server struct {
	URL string

	mu         sync.Mutex
	delay      time.Duration // before each answer
	badJSON    bool          // answer text that is not JSON
	status     int           // answer this status with an error body, when not 0
	evil       bool          // add a script and an event handler to every translation
	requireKey bool

	srv       *httptest.Server
	requests  atomic.Int64
	translate atomic.Int64
	languages atomic.Int64
	last      atomic.Value // the last /translate request's fields
}

// Request is what a /translate request asked.
type Request struct {
	Q, Source, Target, Format, APIKey string
}

// Start starts a stand-in on 127.0.0.1, closed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve)) // httptest listens on 127.0.0.1
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops the stand-in: a connection to its address is then refused.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// SetDelay makes every answer wait d (a slow server); 0 is prompt again.
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// SetBadJSON makes the answers text that is not JSON.
func (s *Server) SetBadJSON(on bool) { s.mu.Lock(); s.badJSON = on; s.mu.Unlock() }

// SetStatus makes every answer this status with a LibreTranslate error body; 0 is 200.
func (s *Server) SetStatus(status int) { s.mu.Lock(); s.status = status; s.mu.Unlock() }

// SetEvil adds a script and an event handler to every translation.
func (s *Server) SetEvil(on bool) { s.mu.Lock(); s.evil = on; s.mu.Unlock() }

// RequireKey makes the stand-in refuse requests without Key, as LibreTranslate with API
// keys does.
func (s *Server) RequireKey(on bool) { s.mu.Lock(); s.requireKey = on; s.mu.Unlock() }

// Requests counts every request received so far, answered or not.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Translations counts the /translate requests answered so far.
func (s *Server) Translations() int64 { return s.translate.Load() }

// LanguageLists counts the /languages requests so far.
func (s *Server) LanguageLists() int64 { return s.languages.Load() }

// Last is the last /translate request.
func (s *Server) Last() Request {
	r, _ := s.last.Load().(Request)
	return r
}

// codes are the languages the stand-in knows: each translates into every other.
var codes = []struct{ code, name string }{{"en", "English"}, {"zh", "Chinese"}, {"zt", "Chinese (traditional)"},
	{"fr", "French"}, {"ja", "Japanese"}, {"es", "Spanish"}}

// Translated is what the stand-in makes of text translated into target: the text with
// the target's name before it, inside the first element when the text is HTML.
func Translated(text, target string) string {
	mark := "[" + target + "] "
	if m := firstTag.FindStringIndex(text); m != nil {
		return text[:m[1]] + mark + text[m[1]:]
	}
	return mark + text
}

var firstTag = regexp.MustCompile(`^<[a-z]+[^>]*>`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	delay, badJSON, status, evil, requireKey := s.delay, s.badJSON, s.status, s.evil, s.requireKey
	s.mu.Unlock()
	// The body is read first: only then does the server notice a client that gave up, and
	// end the wait below.
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if badJSON {
		w.Write([]byte("<html>502 Bad Gateway</html>"))
		return
	}
	if status != 0 {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": "Slowdown: too many requests"})
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/languages":
		s.languages.Add(1)
		var out []map[string]any
		for _, c := range codes {
			var targets []string
			for _, t := range codes {
				targets = append(targets, t.code)
			}
			out = append(out, map[string]any{"code": c.code, "name": c.name, "targets": targets})
		}
		json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && r.URL.Path == "/translate":
		var req struct {
			Q      string `json:"q"`
			Source string `json:"source"`
			Target string `json:"target"`
			Format string `json:"format"`
			APIKey string `json:"api_key"`
		}
		if err := json.Unmarshal(raw, &req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "Invalid request: " + err.Error()})
			return
		}
		s.last.Store(Request{Q: req.Q, Source: req.Source, Target: req.Target, Format: req.Format, APIKey: req.APIKey})
		if requireKey && req.APIKey != Key {
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]string{"error": "Invalid API key"})
			return
		}
		known := map[string]bool{"auto": true}
		for _, c := range codes {
			known[c.code] = true
		}
		if !known[req.Source] || !known[req.Target] || req.Target == "auto" {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": req.Source + " or " + req.Target + " is not supported"})
			return
		}
		s.translate.Add(1)
		text := Translated(req.Q, req.Target)
		if evil {
			text += `<script>alert("stand-in")</script><img src="x" onerror="alert(1)">`
		}
		out := map[string]any{"translatedText": text}
		if req.Source == "auto" {
			detected := "en"
			if strings.ContainsFunc(req.Q, func(c rune) bool { return c >= 0x4e00 && c <= 0x9fff }) {
				detected = "zh"
			}
			out["detectedLanguage"] = map[string]any{"language": detected, "confidence": 90.0}
		}
		json.NewEncoder(w).Encode(out)
	default:
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"error": "Not Found"})
	}
}
