package httpx

import (
	"net/http"
	"strings"
)

// corsPaths are where apps running in a browser on other sites may call: the client API and
// the OAuth endpoints an app calls itself. They take bearer tokens, never cookies, so any
// origin may read their answers (and the browser sends no cookies with "*"). The pages a
// person signs in to never answer cross-origin.
func corsPath(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/oauth/token" || path == "/oauth/revoke" ||
		path == "/.well-known/oauth-authorization-server"
}

// CORS lets browser apps on any origin call the API: it answers preflight requests for the
// headers an app sends and marks the answers readable.
func CORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !corsPath(r.URL.Path) || r.Header.Get("Origin") == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key")
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Link, Location, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After")
		next.ServeHTTP(w, r)
	})
}
