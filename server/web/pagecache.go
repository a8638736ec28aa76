package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"refuge/server/httpx"
)

// A profile page with 20 posts costs about a millisecond of CPU to build (the template
// alone half of it): on two cores that is under 1,500 pages a second, and a popular
// profile linked from elsewhere gets its readers all at once. The page an anonymous reader
// gets is the same for everyone, so it is kept (httpx.AnswerCache), for at most
// pageCacheTTL — pages say how long ago things happened — and only while nothing was
// written to the database since it was built: a reader never sees it older than the data.
//
// A signed-in reader's page is the same for every request of that account, but for its
// forms' CSRF token, which is masked anew for every answer (see maskToken) and belongs to
// the session, not the account. So it is kept apart, by account and address, with
// csrfPlaceholder where the token goes, and each answer is given a freshly masked token of
// its own session (httpx.AnswerCache.Fill). The session is checked on every request before
// anything kept is looked at, so a page is never given after sign-out, to another account,
// or to a session that expired, and the token in it is always the asking session's.
const pageCacheTTL = time.Second

// signedPageEntries bounds the signed-in readers' kept pages, a profile page being some
// 40 KB: a few hundred readers of the same pages within a second is already a busy
// instance.
const signedPageEntries = 256

// csrfPlaceholder stands for the CSRF token in a signed-in page while it is kept. It is
// random for each process, so that no text a page shows (a post, a name) can contain it
// by design, and it is only letters and digits, so that it reaches the page as it is.
var csrfPlaceholder = func() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return "csrf" + hex.EncodeToString(b)
}()

// keepingKey marks a request whose page is being built to be kept for its account: the
// page then carries csrfPlaceholder instead of a masked token.
type keepingKey struct{}

// keptForAccount reports whether r's page is being built to be kept for its account.
func keptForAccount(r *http.Request) bool { return r.Context().Value(keepingKey{}) != nil }

// cached serves page's answer to a GET from the kept pages when it is still good, and
// keeps a new 200 answer for the next readers: one for every anonymous reader, one for
// each signed-in account. A request with a bearer token or a signature, a cookie that is
// not a live session, or a notice to show once is always built anew.
func (h *Handler) cached(page httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodGet || r.Header.Get("Authorization") != "" ||
			r.Header.Get("Signature") != "" {
			return page(w, r)
		}
		h.cacheOnce.Do(func() {
			h.cache = &httpx.AnswerCache{Commits: h.Commits, TTL: pageCacheTTL}
			h.signedCache = &httpx.AnswerCache{Commits: h.Commits, TTL: pageCacheTTL, Max: signedPageEntries,
				Placeholder: csrfPlaceholder, Fill: h.maskedCSRF}
		})
		// A page shows posts in several languages in the reader's (languages.go).
		langs := readingKey(r)
		if r.Header.Get("Cookie") == "" {
			return h.cache.Serve(langs+" "+r.URL.RequestURI(), true, w, r, page)
		}
		viewer, _ := h.Auth.Session(r)
		if _, err := r.Cookie(noticeCookie); viewer == nil || err == nil {
			return page(w, r)
		}
		r = r.WithContext(context.WithValue(r.Context(), keepingKey{}, true))
		key := strconv.FormatInt(viewer.ID, 10) + " " + langs + " " + r.URL.RequestURI()
		return h.signedCache.Serve(key, true, w, r, page)
	}
}

// maskedCSRF is the CSRF token of r's session, masked for this answer; "" without a session.
func (h *Handler) maskedCSRF(r *http.Request) string {
	if _, sess := h.Auth.Session(r); sess != nil {
		return maskToken(sess.CSRF)
	}
	return ""
}
