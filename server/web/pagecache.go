package web

import (
	"net/http"
	"time"

	"refuge/server/httpx"
)

// A profile page with 20 posts costs about a millisecond of CPU to build (the template
// alone half of it): on two cores that is under 1,500 pages a second, and a popular
// profile linked from elsewhere gets its readers all at once. The page an anonymous reader
// gets is the same for everyone, so it is kept (httpx.AnswerCache), for at most
// pageCacheTTL — pages say how long ago things happened — and only while nothing was
// written to the database since it was built: a reader never sees it older than the data,
// and a signed-in one never sees it at all.
const pageCacheTTL = time.Second

// cached serves h's answer to an anonymous GET from the kept pages when it is still good,
// and keeps a new 200 answer for the next readers.
func (h *Handler) cached(page httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodGet || r.Header.Get("Cookie") != "" || r.Header.Get("Authorization") != "" ||
			r.Header.Get("Signature") != "" {
			return page(w, r)
		}
		h.cacheOnce.Do(func() { h.cache = &httpx.AnswerCache{Commits: h.Commits, TTL: pageCacheTTL} })
		return h.cache.Serve(r.URL.RequestURI(), true, w, r, page)
	}
}
