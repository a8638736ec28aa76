package web

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/inbox/mediacache"
	"refuge/outbox"
	"refuge/outbox/imports"
	"refuge/outbox/media"
	"refuge/outbox/translate"
	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// Handler serves the web interface: pages, the forms they post, sessions, feeds, uploaded
// media and remote follow.
type Handler struct {
	*httpx.Kit
	Read      *reader.Reader
	Outbox    *outbox.Service
	Remote    *federation.Remote // remote follow asks the visitor's server by WebFinger
	Templates *templates.Renderer
	URIs      uris.Local // the instance's URLs, from scheme://domain
	Domain    string
	HTTP      bool   // cookies go over plain http too (local work)
	DataDir   string // uploads live under DataDir/media
	// Media is the remote media cache, whose files are served here (media.go).
	Media *mediacache.Cache
	// Commits counts the database's commits, so that a kept page is never older than the
	// data (see pagecache.go).
	Commits func() int64
	// Imports queues and lists the account's imports (imports.go).
	Imports *imports.Runner
	// Translate translates posts for their readers (translate.go); off when not configured.
	Translate *translate.Service

	cache       *httpx.AnswerCache // anonymous pages (pagecache.go)
	signedCache *httpx.AnswerCache // signed-in readers' pages, by account
	cacheOnce   sync.Once
}

// Routes adds the routes of the web interface to r. Every POST here carries the session's
// CSRF token (sign-in and sign-up carry their own, from a cookie).
func (h *Handler) Routes(r *mux.Router) {
	get := func(path string, f httpx.HandlerFunc) {
		r.Handle(path, h.Handle(f)).Methods(http.MethodGet, http.MethodHead)
	}
	post := func(path string, f httpx.HandlerFunc) { r.Handle(path, h.Handle(f)).Methods(http.MethodPost) }

	// Public pages.
	get("/", h.cached(h.frontPage)) // trends included: kept until the next commit, a second at most
	get("/about", h.cached(h.aboutPage))
	get(uris.ProfileRoute, h.cached(h.ProfilePage))
	get(uris.RemoteProfileRoute, h.remoteProfilePage)
	get(uris.TagRoute, h.cached(h.tagPage))
	get(uris.StoredNoteRoute, h.storedNotePage)
	get(uris.StoredMediaRoute, h.mediaPage)

	// Sessions.
	get("/signin", h.signinPage)
	post("/signin", h.signin)
	get(signinStepPath, h.signinStepPage)
	post(signinStepPath, h.signinStep)
	post("/signout", h.Form(h.signout))
	post("/web/signout_all", h.Form(h.signoutEverywhere))
	get(signUpPath, h.signUpPage)
	post(signUpPath, h.signUp)
	get("/invite/{code}", h.inviteLink)
	get("/invites", h.SignedIn(h.invitesPage))
	post("/invites", h.Form(h.makeInvite))
	post("/invites/{id:[0-9]+}/expire", h.Form(h.expireInvite))

	// Mailed links (email.go), at Mastodon's paths.
	get("/auth/password/new", h.passwordNewPage)
	post("/auth/password", h.requestMail(true))
	get("/auth/password/edit", h.passwordEditPage)
	post("/auth/password/edit", h.resetPassword)
	get("/auth/confirmation", h.confirmEmail)
	get("/auth/confirmation/new", h.confirmationNewPage)
	post("/auth/confirmation", h.requestMail(false))

	// Pages of the signed-in account.
	get("/home", h.SignedIn(h.timelinePage))
	get("/public/local", h.SignedIn(h.publicPage(true)))
	get("/public", h.SignedIn(h.publicPage(false)))
	get("/notifications", h.SignedIn(h.notificationsPage))
	get("/follow_requests", h.SignedIn(h.followRequestsPage))
	get("/compose", h.SignedIn(h.composePage))
	get("/search", h.SignedIn(h.searchPage))
	get("/edit_profile", h.SignedIn(h.editProfilePage))
	get("/settings/two_factor", h.SignedIn(h.twoFactorPage))
	get("/settings/email", h.SignedIn(h.emailPage))
	get("/settings/migration", h.SignedIn(h.migrationPage))
	get("/settings/import", h.SignedIn(h.importPage))
	get("/settings/export", h.SignedIn(h.exportPage))
	get("/settings/export/{kind:follows|lists|mutes|blocks|domain-blocks|bookmarks}.csv", h.SignedIn(h.exportCSV))
	get("/settings/export/archive", h.SignedIn(h.exportArchive))
	get("/filters", h.SignedIn(h.filtersPage))
	get("/settings/tags", h.SignedIn(h.followedTagsPage))
	get(uris.StoredNoteRoute+"/edit", h.SignedIn(h.editNotePage))
	get(uris.StoredNoteRoute+"/history", h.historyPage)
	get(uris.StoredNoteRoute+"/translate", h.SignedIn(h.translatePage))
	get("/lists", h.SignedIn(h.listsPage))
	get("/lists/{id:[0-9]+}", h.SignedIn(h.listTimelinePage))
	get("/favourites", h.SignedIn(h.favouritesPage))
	get("/bookmarks", h.SignedIn(h.bookmarksPage))

	// Forms.
	post("/web/notes", h.Form(h.postNote))
	post("/web/notes/{id:[0-9]+}/{action:like|unlike|boost|unboost|react|unreact|delete|pin|unpin|bookmark|unbookmark}", h.Form(h.noteAction))
	post("/web/notes/{id:[0-9]+}/vote", h.Form(h.voteAction))
	post("/web/follow", h.Form(h.followAction(true)))
	post("/web/unfollow", h.Form(h.followAction(false)))
	post("/web/{action:mute|unmute|block|unblock}", h.Form(h.safetyAction))
	post("/web/{action:domain_block|domain_unblock}", h.Form(h.domainBlockAction))
	post("/web/follow_requests/{id:[0-9]+}/{answer:approve|reject}", h.Form(h.answerFollowRequest))
	post("/web/profile", h.Form(h.saveProfile))
	post("/web/password", h.Form(h.changePassword))
	post("/web/email", h.Form(h.changeEmail))
	post("/web/aliases", h.Form(h.aliasAction(true)))
	post("/web/aliases/remove", h.Form(h.aliasAction(false)))
	post("/web/move", h.Form(h.moveAccount))
	post("/web/email/resend", h.Form(h.resendEmail))
	post("/web/import", h.importUpload) // reads its own form, streaming the file (imports.go)
	post("/web/delete_account", h.Form(h.deleteAccount))
	post("/web/report", h.Form(h.report))
	post("/web/filters", h.Form(h.addFilter))
	post("/web/tags/{tag}/{action:follow|unfollow}", h.Form(h.tagFollowAction))
	post("/web/filters/{id:[0-9]+}", h.Form(h.editFilter))
	post("/web/filters/{id:[0-9]+}/delete", h.Form(h.deleteFilter))
	post("/web/notes/{id:[0-9]+}/edit", h.Form(h.editNote))
	post("/web/lists", h.Form(h.createList))
	post("/web/lists/{id:[0-9]+}", h.Form(h.editList))
	post("/web/lists/{id:[0-9]+}/delete", h.Form(h.deleteList))
	post("/web/lists/{id:[0-9]+}/add", h.Form(h.listMember(true)))
	post("/web/lists/{id:[0-9]+}/remove", h.Form(h.listMember(false)))
	get("/conversations", h.SignedIn(h.conversationsPage))
	post("/web/conversations/{id:[0-9]+}/{action:read|remove|open}", h.Form(h.conversationAction))

	// Admins' pages.
	get("/admin/reports", h.Admin(h.reportsPage))
	post("/admin/reports/{id:[0-9]+}/{action:dismiss|delete|suspend|silence}", h.AdminForm(h.resolveReport))
	get("/admin/accounts", h.Admin(h.accountsPage))
	post("/admin/accounts/{name}/{action:suspend|unsuspend|silence|unsilence|password|two_factor_off}", h.AdminForm(h.accountAction))
	post("/admin/silenced/{id:[0-9]+}/unsilence", h.AdminForm(h.unsilence))
	post("/admin/accounts/{id:[0-9]+}/{action:approve|reject}", h.AdminForm(h.answerSignUp))
	get("/admin/domain_blocks", h.Admin(h.blocksPage))
	post("/admin/domain_blocks/add", h.AdminForm(h.addBlock))
	post("/admin/domain_blocks/remove", h.AdminForm(h.removeBlock))
	get("/admin/emoji", h.Admin(h.emojiPage))
	post("/admin/emoji/add", h.AdminForm(h.addEmoji))
	post("/admin/emoji/remove", h.AdminForm(h.removeEmoji))
	get("/admin/settings", h.Admin(h.settingsPage))
	post("/admin/settings", h.AdminForm(h.saveSettings))
	post("/admin/rules/add", h.AdminForm(h.ruleAction))
	post("/admin/rules/{id:[0-9]+}/{action:edit|delete}", h.AdminForm(h.ruleAction))
	post("/web/two_factor/setup", h.Form(h.setUpTwoFactor))
	post("/web/two_factor/enable", h.Form(h.enableTwoFactor))
	post("/web/two_factor/disable", h.Form(h.disableTwoFactor))

	// Feeds, files and remote follow.
	feed := func(path string, f httpx.HandlerFunc) {
		r.Handle(path, httpx.ETag(h.Handle(f))).Methods(http.MethodGet, http.MethodHead)
	}
	feed(uris.ProfileFeedRoute, h.actorFeed)
	feed(uris.TagFeedRoute, h.tagFeed)
	get(uris.MediaRoute, h.serveMedia)
	get(uris.RemoteMediaRoute, h.serveRemoteMedia(false))
	get(uris.RemoteThumbRoute, h.serveRemoteMedia(true))
	get("/authorize_follow", h.authorizeFollow)
	get("/interact", h.interactPage)
	r.PathPrefix("/static/").Handler(templates.StaticHandler()) // it wants the whole path
	r.Handle("/favicon.ico", templates.FaviconHandler())
}

// Limits on form bodies: a post may carry four attachments, videos at the largest, and its
// text; other forms are small. Beyond multipartMemory, files wait on disk, not in memory.
const (
	maxFormBody      = 64 << 10
	maxMultipartBody = media.MaxAttachments*max(media.MaxUploadBytes, media.MaxVideoBytes, media.MaxAudioBytes) + 1<<20
	multipartMemory  = 8 << 20
)

// PageHandler is a page only a signed-in account sees.
type PageHandler func(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error

// SignedIn sends visitors to the sign-in form, which brings them back here afterwards.
func (h *Handler) SignedIn(page PageHandler) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		viewer, _ := h.Auth.Session(r)
		if viewer == nil {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		return page(w, r, viewer)
	}
}

// FormHandler handles a POSTed form of a signed-in account whose CSRF token was checked.
type FormHandler func(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, sess *storage.Token) error

// Form parses a POSTed form and checks, before anything else happens, that it comes from a
// signed-in account and carries its session's CSRF token.
func (h *Handler) Form(handle FormHandler) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		viewer, sess := h.Auth.Session(r)
		if viewer == nil {
			return storage.Errorf(storage.Unauthorized, "sign in first: your session has ended or you are signed out")
		}
		if err := parseForm(w, r); err != nil {
			return err
		}
		if err := h.checkCSRF(r, sess.CSRF); err != nil {
			return err
		}
		return handle(w, r, viewer, sess)
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

// checkCSRF compares the form's masked csrf field with the session's token in constant time, and
// refuses a form posted from another origin when the browser says where it came from.
func (h *Handler) checkCSRF(r *http.Request, want string) error {
	return h.checkCSRFToken(r, r.PostFormValue("csrf"), want)
}

// checkCSRFToken is checkCSRF with the form's token got read already (a form read as it
// arrives).
func (h *Handler) checkCSRFToken(r *http.Request, got, want string) error {
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" && origin != h.URIs.Base() {
		return storage.Errorf(storage.Forbidden, "this form was sent from another site (%s)", origin)
	}
	if got == "" {
		return storage.Errorf(storage.Forbidden, "the form has no CSRF token; reload the page and try again")
	}
	if want == "" || !tokenMatches(got, want) {
		return storage.Errorf(storage.Forbidden, "the form's CSRF token is wrong or expired; reload the page and try again")
	}
	return nil
}

// back redirects a form's sender to the page it was sent from (when that is a page of
// ours), else to fallback, with 303 so that the browser GETs it.
func (h *Handler) back(w http.ResponseWriter, r *http.Request, fallback, anchor string) error {
	to := h.URIs.Path(r.Referer())
	if to == "" {
		to = fallback
	}
	http.Redirect(w, r, to+anchor, http.StatusSeeOther)
	return nil
}

// noteLink is where a note is shown here: a local note at its own URL, a remote one at
// /notes/ID.
func (h *Handler) noteLink(n *storage.Note) string {
	if n.Local {
		if p := h.URIs.Path(n.URL); p != "" {
			return p
		}
	}
	return uris.StoredNote(n.ID)
}

// Notices shown once on the page after a form succeeded, keyed by a code kept in a cookie.
const noticeCookie = "refuge_notice"

var notices = map[string]string{
	"posted":                 "Your post is published.",
	"deleted":                "The post was deleted.",
	"edited":                 "Your post is updated; the servers that had it are sent the new version.",
	"saved":                  "Your profile is saved.",
	"followed":               "Follow sent.",
	"unfollowed":             "Unfollowed.",
	"approved":               "Follow request approved.",
	"rejected":               "Follow request rejected.",
	"signedout":              "You are signed out everywhere.",
	"signedoff":              "You are signed out.",
	"password":               "Your password is changed, and your other sessions are signed out.",
	"aliases":                "Your aliases are saved.",
	"moved":                  "Your account has moved: your followers' servers are being told to follow the new account.",
	"password-reset":         "Your password is changed, and every session and app of your account is signed out. Sign in with the new password.",
	"email-confirmed":        "Your e-mail address is confirmed.",
	"email-sent":             "We mailed a link to the new address: your address changes once you follow it.",
	"email-saved":            "Your e-mail address is saved.",
	"accountdeleted":         "Your account is deleted. Other servers are being told; your name stays reserved so nobody can pose as you.",
	"muted":                  "Muted: their posts and notifications are hidden from you.",
	"unmuted":                "Unmuted.",
	"blocked":                "Blocked: you no longer follow each other, and they cannot see your posts here.",
	"unblocked":              "Unblocked.",
	"domain_blocked":         "Server blocked: nothing from its accounts reaches you, and your follows with them ended.",
	"domain_unblocked":       "Server unblocked.",
	"reported":               "Thank you: your report is sent to the admins.",
	"settings-saved":         "The instance's settings are saved.",
	"rule-saved":             "The rule is saved.",
	"rule-deleted":           "The rule is deleted.",
	"resolved":               "The report is resolved.",
	"twofactor-on":           "Two-factor sign-in is on: signing in now asks for a code from your app after the password.",
	"twofactor-off":          "Two-factor sign-in is off.",
	"account-suspend":        "The account is suspended; its followers' servers are told.",
	"account-unsuspend":      "The suspension is lifted; its followers' servers are told.",
	"account-two_factor_off": "Two-factor sign-in of the account is off.",
	"account-silence":        "The account is silenced: its posts and notifications reach only those who follow it.",
	"account-unsilence":      "The silence is lifted.",
	"instance-blocked":       "Blocked: nothing is taken from or sent to it any more.",
	"instance-unblocked":     "The block is lifted.",
	"instance-silenced":      "Silenced: every account there is treated as silenced; nothing is refused.",
	"emoji-added":            "The custom emoji is added.",
	"emoji-removed":          "The custom emoji is removed.",
	"filter-added":           "The filter is added.",
	"filter-saved":           "The filter is saved.",
	"filter-deleted":         "The filter is deleted.",
	"tag-followed":           "You follow the tag: its public posts come to your home timeline from now on.",
	"tag-unfollowed":         "You no longer follow the tag.",
	"list-created":           "The list is created: add accounts you follow to it below.",
	"list-saved":             "The list is saved.",
	"list-deleted":           "The list is deleted.",
	"list-added":             "Added to the list.",
	"list-removed":           "Removed from the list.",
	"conversation-read":      "The conversation is marked as read.",
	"conversation-remove":    "The conversation is removed from your list; a new message in it brings it back.",
	"signedup":               "Welcome! Your account is ready: sign in.",
	"signup-pending":         "Thank you for signing up: an admin will look at it, and you can sign in once it is approved.",
	"signup-confirm":         "Thank you for signing up: we mailed you a link. Follow it to confirm your address, then sign in.",
	"signup-confirm-pending": "Thank you for signing up: we mailed you a link to confirm your address. An admin will look at your sign-up too, and you can sign in once both are done.",
	"signup-mail-failed":     "Your account is made, but we could not send the mail that confirms your address: ask for it again with \"Didn't receive a confirmation link?\" below.",
	"signup-approve":         "The sign-up is approved: the account can sign in.",
	"signup-reject":          "The sign-up is rejected: the account is removed and its name is free again.",
	"invite-made":            "The invite link is made: copy it from the list.",
	"invite-expired":         "The invite link has expired: nobody can sign up with it any more.",
	"import-queued":          "The import is queued: its progress and report show below.",
}

// flash sets the notice the next page shows.
func (h *Handler) flash(w http.ResponseWriter, code string) {
	http.SetCookie(w, &http.Cookie{Name: noticeCookie, Value: code, Path: "/", MaxAge: 60, HttpOnly: true,
		Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
}

// takeNotice reads and clears the pending notice.
func (h *Handler) takeNotice(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(noticeCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: noticeCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: !h.HTTP, SameSite: http.SameSiteLaxMode})
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
