package main

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/storage"
)

// webRoutes adds the routes of the web interface: sessions, the signed-in pages, the forms
// they post, feeds, uploaded media and remote follow. Every POST here carries the session's
// CSRF token (sign-in carries its own, from a cookie).
func (a *App) webRoutes(r *mux.Router) {
	get := func(path string, h handlerFunc) { r.Handle(path, a.handle(h)).Methods(http.MethodGet, http.MethodHead) }
	post := func(path string, h handlerFunc) { r.Handle(path, a.handle(h)).Methods(http.MethodPost) }

	// Sessions.
	get("/signin", a.signinPage)
	post("/signin", a.signin)
	post("/signout", a.form(a.signout))
	post("/web/signout_all", a.form(a.signoutEverywhere))

	// Pages of the signed-in account.
	get("/home", a.signedIn(a.timelinePage))
	get("/notifications", a.signedIn(a.notificationsPage))
	get("/follow_requests", a.signedIn(a.followRequestsPage))
	get("/compose", a.signedIn(a.composePage))
	get("/search", a.signedIn(a.searchPage))
	get("/edit_profile", a.signedIn(a.editProfilePage))

	// Forms.
	post("/web/notes", a.form(a.postNote))
	post("/web/notes/{id:[0-9]+}/{action:like|unlike|boost|unboost|delete|pin|unpin}", a.form(a.noteAction))
	post("/web/follow", a.form(a.followAction(true)))
	post("/web/unfollow", a.form(a.followAction(false)))
	post("/web/follow_requests/{id:[0-9]+}/{answer:approve|reject}", a.form(a.answerFollowRequest))
	post("/web/profile", a.form(a.saveProfile))

	// Public pages, feeds and files.
	get("/notes/{id:[0-9]+}", a.storedNotePage)
	get("/@{name:[A-Za-z0-9_]+}.{format:rss|atom}", a.actorFeed)
	get("/tags/{tag:[^/.]+}.{format:rss|atom}", a.tagFeed)
	get("/media/{file}", a.serveMedia)
	get("/authorize_follow", a.authorizeFollow)
}

// Limits on form bodies: a post may carry four images and its text; other forms are small.
const (
	maxFormBody      = 64 << 10
	maxMultipartBody = outbox.MaxAttachments*outbox.MaxUploadBytes + 1<<20
	multipartMemory  = 8 << 20
)

// pageHandler is a page only a signed-in account sees.
type pageHandler func(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error

// signedIn sends visitors to the sign-in form, which brings them back here afterwards.
func (a *App) signedIn(h pageHandler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		viewer, _ := a.session(r)
		if viewer == nil {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		return h(w, r, viewer)
	}
}

// formHandler handles a POSTed form of a signed-in account whose CSRF token was checked.
type formHandler func(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, sess *storage.Token) error

// form parses a POSTed form and checks, before anything else happens, that it comes from a
// signed-in account and carries its session's CSRF token.
func (a *App) form(h formHandler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		viewer, sess := a.session(r)
		if viewer == nil {
			return storage.Errorf(storage.Unauthorized, "sign in first: your session has ended or you are signed out")
		}
		if err := parseForm(w, r); err != nil {
			return err
		}
		if err := a.checkCSRF(r, sess.CSRF); err != nil {
			return err
		}
		return h(w, r, viewer, sess)
	}
}

// parseForm reads a urlencoded or multipart form within the body limits.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxMultipartBody)
		if err := r.ParseMultipartForm(multipartMemory); err != nil {
			return formError(err)
		}
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	return nil
}

func formError(err error) error {
	if _, ok := err.(*http.MaxBytesError); ok {
		return err // writeError turns it into 413
	}
	if strings.Contains(err.Error(), "request body too large") {
		return storage.Wrap(storage.TooLarge, err, "the form is too large")
	}
	return storage.Wrap(storage.Invalid, err, "the form could not be read")
}

// checkCSRF compares the form's csrf field with the session's token in constant time, and
// refuses a form posted from another origin when the browser says where it came from.
func (a *App) checkCSRF(r *http.Request, want string) error {
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" && origin != a.cfg.Base() {
		return storage.Errorf(storage.Forbidden, "this form was sent from another site (%s)", origin)
	}
	got := r.PostFormValue("csrf")
	if got == "" {
		return storage.Errorf(storage.Forbidden, "the form has no CSRF token; reload the page and try again")
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return storage.Errorf(storage.Forbidden, "the form's CSRF token is wrong or expired; reload the page and try again")
	}
	return nil
}

// localPath reports whether s is a path on this site, safe to redirect to: it must start
// with one slash, so that "//evil.example" and "/\evil.example" are refused.
func localPath(s string) bool {
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.HasPrefix(s, "/\\")
}

// sitePath turns a URL of this instance into its path (with query), or "" for any other.
func (a *App) sitePath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme+"://"+u.Host != a.cfg.Base() {
		return ""
	}
	p := u.RequestURI()
	if !localPath(p) {
		return ""
	}
	return p
}

// back redirects a form's sender to the page it was sent from (when that is a page of
// ours), else to fallback, with 303 so that the browser GETs it.
func (a *App) back(w http.ResponseWriter, r *http.Request, fallback, anchor string) error {
	to := a.sitePath(r.Referer())
	if to == "" {
		to = fallback
	}
	http.Redirect(w, r, to+anchor, http.StatusSeeOther)
	return nil
}

// noteLink is where a note is shown here: a local note at its own URL, a remote one at
// /notes/ID.
func (a *App) noteLink(n *storage.Note) string {
	if n.Local {
		if p := a.sitePath(n.URL); p != "" {
			return p
		}
	}
	return "/notes/" + strconv.FormatInt(n.ID, 10)
}

// Notices shown once on the page after a form succeeded, keyed by a code kept in a cookie.
const noticeCookie = "refuge_notice"

var notices = map[string]string{
	"posted":     "Your post is published.",
	"deleted":    "The post was deleted.",
	"saved":      "Your profile is saved.",
	"followed":   "Follow sent.",
	"unfollowed": "Unfollowed.",
	"approved":   "Follow request approved.",
	"rejected":   "Follow request rejected.",
	"signedout":  "You are signed out everywhere.",
}

// flash sets the notice the next page shows.
func (a *App) flash(w http.ResponseWriter, code string) {
	http.SetCookie(w, &http.Cookie{Name: noticeCookie, Value: code, Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: !a.cfg.HTTP, SameSite: http.SameSiteLaxMode})
}

// takeNotice reads and clears the pending notice.
func (a *App) takeNotice(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(noticeCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: noticeCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: !a.cfg.HTTP, SameSite: http.SameSiteLaxMode})
	return notices[c.Value]
}

// routeID reads a positive row id from a route variable.
func routeID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(mux.Vars(r)[name], 10, 64)
	if err != nil || id <= 0 {
		return 0, storage.Errorf(storage.Invalid, "bad id")
	}
	return id, nil
}
