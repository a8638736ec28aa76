// Package api is the Mastodon client API, the surface phone and web apps speak: the paths,
// parameters, entities, statuses and error bodies Mastodon documents. Handlers are thin:
// they read the request, ask reader (who may see what is decided there, never here) or
// act through outbox (what may be posted, liked or deleted is decided there, as for every
// surface), and encode the entities of entities.go, which the streaming API (streaming.go,
// stream.go) sends as well.
package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"refuge/federation/uris"
	"refuge/outbox"
	"refuge/outbox/translate"
	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
)

// Handler serves the client API.
type Handler struct {
	*httpx.Kit
	Read    *reader.Reader
	Outbox  *outbox.Service
	DataDir string     // where uploads go, as the web surface keeps them
	URIs    uris.Local // the instance's URLs, from scheme://domain
	Domain  string
	Version string // Refuge's version, reported after the Mastodon version it follows
	// VAPIDKey is the instance's public key for Web Push, base64url: apps hand it to the
	// browser's push subscription.
	VAPIDKey string
	Stream   *Stream // the streaming API's hub
	// Translate translates statuses (translate.go); off when not configured.
	Translate *translate.Service
}

// route is one endpoint: who may call it is its scope ("" for anyone, token or not). A GET
// answers HEAD too.
type route struct {
	method  string
	path    string
	scope   string
	handler func(h *Handler, w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error
}

// routes lists every endpoint. A token is needed where a scope is named; where
// none is, a token is optional but, when sent, must be valid (as Mastodon answers 401 to a
// bad token anywhere).
var routes = []route{
	{"GET", "/api/v1/instance", "", (*Handler).instanceV1},
	{"GET", "/api/v2/instance", "", (*Handler).instanceV2},
	{"GET", "/api/v1/accounts/verify_credentials", "profile", (*Handler).verifyCredentials}, // or read, read:accounts
	{"GET", "/api/v1/accounts/relationships", "read:follows", (*Handler).relationships},
	{"GET", "/api/v1/accounts/lookup", "", (*Handler).lookup},
	{"GET", "/api/v1/accounts/search", "read:accounts", (*Handler).accountSearch},
	{"GET", "/api/v1/accounts/{id}", "", (*Handler).account},
	{"GET", "/api/v1/accounts/{id}/statuses", "", (*Handler).accountStatuses},
	{"GET", "/api/v1/statuses/{id}", "", (*Handler).status},
	{"GET", "/api/v1/statuses/{id}/context", "", (*Handler).context},
	{"GET", "/api/v1/statuses/{id}/favourited_by", "", (*Handler).favouritedBy},
	{"GET", "/api/v1/statuses/{id}/reblogged_by", "", (*Handler).rebloggedBy},
	{"GET", "/api/v1/timelines/home", "read:statuses", (*Handler).home},
	{"GET", "/api/v1/timelines/public", "", (*Handler).public},
	{"GET", "/api/v1/timelines/tag/{hashtag}", "", (*Handler).tagged},
	{"GET", "/api/v1/timelines/list/{list_id}", "read:lists", (*Handler).listTimeline},
	{"GET", "/api/v1/lists", "read:lists", (*Handler).lists},
	{"POST", "/api/v1/lists", "write:lists", (*Handler).createList},
	{"GET", "/api/v1/lists/{id}", "read:lists", (*Handler).list},
	{"PUT", "/api/v1/lists/{id}", "write:lists", (*Handler).updateList},
	{"DELETE", "/api/v1/lists/{id}", "write:lists", (*Handler).deleteList},
	{"GET", "/api/v1/lists/{id}/accounts", "read:lists", (*Handler).listAccounts},
	{"POST", "/api/v1/lists/{id}/accounts", "write:lists", (*Handler).addListAccounts},
	{"DELETE", "/api/v1/lists/{id}/accounts", "write:lists", (*Handler).removeListAccounts},
	{"GET", "/api/v1/accounts/{id}/lists", "read:lists", (*Handler).accountLists},
	{"GET", "/api/v1/notifications", "read:notifications", (*Handler).notifications},
	{"GET", "/api/v1/notifications/unread_count", "read:notifications", (*Handler).unreadCount},
	{"GET", "/api/v1/notifications/{id}", "read:notifications", (*Handler).notification},
	{"POST", "/api/v1/statuses", "write:statuses", (*Handler).postStatus},
	{"GET", "/api/v1/polls/{id}", "", (*Handler).poll},
	{"GET", "/api/v1/custom_emojis", "", (*Handler).customEmojis},
	{"POST", "/api/v1/polls/{id}/votes", "write:statuses", (*Handler).vote},
	{"DELETE", "/api/v1/statuses/{id}", "write:statuses", (*Handler).deleteStatus},
	{"POST", "/api/v1/statuses/{id}/favourite", "write:favourites", (*Handler).favourite},
	{"POST", "/api/v1/statuses/{id}/unfavourite", "write:favourites", (*Handler).unfavourite},
	{"POST", "/api/v1/statuses/{id}/reblog", "write:statuses", (*Handler).reblog},
	{"POST", "/api/v1/statuses/{id}/unreblog", "write:statuses", (*Handler).unreblog},
	{"GET", "/api/v1/pleroma/statuses/{id}/reactions", "", (*Handler).reactions},
	{"GET", "/api/v1/pleroma/statuses/{id}/reactions/{emoji}", "", (*Handler).reactions},
	{"PUT", "/api/v1/pleroma/statuses/{id}/reactions/{emoji}", "write:statuses", (*Handler).putReaction},
	{"DELETE", "/api/v1/pleroma/statuses/{id}/reactions/{emoji}", "write:statuses", (*Handler).deleteReaction},
	{"POST", "/api/v2/media", "write:media", (*Handler).upload},
	{"POST", "/api/v1/media", "write:media", (*Handler).upload}, // the older path, still used by some apps
	{"GET", "/api/v1/media/{id}", "write:media", (*Handler).media},
	{"PUT", "/api/v1/media/{id}", "write:media", (*Handler).describeMedia},
	{"PUT", "/api/v1/statuses/{id}", "write:statuses", (*Handler).editStatus},
	{"GET", "/api/v1/statuses/{id}/history", "", (*Handler).history},
	{"GET", "/api/v1/statuses/{id}/source", "read:statuses", (*Handler).source},
	{"POST", "/api/v1/statuses/{id}/bookmark", "write:bookmarks", (*Handler).bookmark},
	{"POST", "/api/v1/statuses/{id}/unbookmark", "write:bookmarks", (*Handler).unbookmark},
	{"GET", "/api/v1/bookmarks", "read:bookmarks", (*Handler).bookmarks},
	{"GET", "/api/v1/favourites", "read:favourites", (*Handler).favourites},
	{"POST", "/api/v1/statuses/{id}/pin", "write:accounts", (*Handler).pin},
	{"POST", "/api/v1/statuses/{id}/translate", "read:statuses", (*Handler).translateStatus},
	{"POST", "/api/v1/statuses/{id}/unpin", "write:accounts", (*Handler).unpin},
	{"POST", "/api/v1/accounts/{id}/follow", "write:follows", (*Handler).follow},
	{"POST", "/api/v1/accounts/{id}/unfollow", "write:follows", (*Handler).unfollow},
	{"POST", "/api/v1/accounts/{id}/block", "write:blocks", (*Handler).block},
	{"POST", "/api/v1/accounts/{id}/unblock", "write:blocks", (*Handler).unblock},
	{"POST", "/api/v1/accounts/{id}/mute", "write:mutes", (*Handler).mute},
	{"POST", "/api/v1/accounts/{id}/unmute", "write:mutes", (*Handler).unmute},
	{"GET", "/api/v1/accounts/{id}/followers", "", (*Handler).followers},
	{"GET", "/api/v1/accounts/{id}/following", "", (*Handler).following},
	{"GET", "/api/v1/blocks", "read:blocks", (*Handler).blocks},
	{"GET", "/api/v1/mutes", "read:mutes", (*Handler).mutes},
	{"GET", "/api/v1/domain_blocks", "read:blocks", (*Handler).domainBlocks},
	{"POST", "/api/v1/domain_blocks", "write:blocks", (*Handler).blockDomain},
	{"DELETE", "/api/v1/domain_blocks", "write:blocks", (*Handler).unblockDomain},
	{"GET", "/api/v1/follow_requests", "read:follows", (*Handler).followRequests},
	{"POST", "/api/v1/follow_requests/{id}/authorize", "write:follows", (*Handler).authorizeFollow},
	{"POST", "/api/v1/follow_requests/{id}/reject", "write:follows", (*Handler).rejectFollow},
	{"PATCH", "/api/v1/accounts/update_credentials", "write:accounts", (*Handler).updateCredentials},
	{"POST", "/api/v1/accounts/alias", "write:accounts", (*Handler).setAliases},
	{"POST", "/api/v1/accounts/move", "write:accounts", (*Handler).moveAccount},
	{"DELETE", "/api/v1/profile/avatar", "write:accounts", (*Handler).removeProfileImage},
	{"DELETE", "/api/v1/profile/header", "write:accounts", (*Handler).removeProfileImage},
	{"GET", "/api/v2/search", "", (*Handler).search}, // or read:search
	{"POST", "/api/v1/notifications/clear", "write:notifications", (*Handler).clearNotifications},
	{"POST", "/api/v1/notifications/{id}/dismiss", "write:notifications", (*Handler).dismissNotification},
	{"GET", "/api/v2/notifications", "read:notifications", (*Handler).groupedNotifications},
	{"GET", "/api/v2/notifications/unread_count", "read:notifications", (*Handler).unreadGroups},
	{"GET", "/api/v2/notifications/{group_key}", "read:notifications", (*Handler).notificationGroup},
	{"POST", "/api/v2/notifications/{group_key}/dismiss", "write:notifications", (*Handler).dismissGroup},
	{"GET", "/api/v1/markers", "read:statuses", (*Handler).markers},
	{"POST", "/api/v1/markers", "write:statuses", (*Handler).saveMarkers},
	{"POST", "/api/v1/reports", "write:reports", (*Handler).fileReport},
	{"POST", confirmationsPath, "write:accounts", (*Handler).confirmAgain},
	{"GET", "/api/v1/preferences", "read:accounts", (*Handler).preferences},
	{"GET", "/api/v1/custom_emojis", "", (*Handler).emptyList},
	{"GET", "/api/v2/filters", "read:filters", (*Handler).filters},
	{"POST", "/api/v2/filters", "write:filters", (*Handler).createFilter},
	{"GET", "/api/v2/filters/{id}", "read:filters", (*Handler).filter},
	{"PUT", "/api/v2/filters/{id}", "write:filters", (*Handler).updateFilter},
	{"DELETE", "/api/v2/filters/{id}", "write:filters", (*Handler).deleteFilter},
	{"GET", "/api/v2/filters/{id}/keywords", "read:filters", (*Handler).filterKeywords},
	{"POST", "/api/v2/filters/{id}/keywords", "write:filters", (*Handler).addFilterKeyword},
	{"GET", "/api/v2/filters/keywords/{id}", "read:filters", (*Handler).filterKeyword},
	{"PUT", "/api/v2/filters/keywords/{id}", "write:filters", (*Handler).updateFilterKeyword},
	{"DELETE", "/api/v2/filters/keywords/{id}", "write:filters", (*Handler).deleteFilterKeyword},
	{"GET", "/api/v1/conversations", "read:statuses", (*Handler).conversations},
	{"DELETE", "/api/v1/conversations/{id}", "write:conversations", (*Handler).deleteConversation},
	{"POST", "/api/v1/conversations/{id}/read", "write:conversations", (*Handler).readConversation},
	{"GET", "/api/v1/filters", "read:filters", (*Handler).filtersV1},
	{"POST", "/api/v1/filters", "write:filters", (*Handler).createFilterV1},
	{"GET", "/api/v1/filters/{id}", "read:filters", (*Handler).filterV1},
	{"PUT", "/api/v1/filters/{id}", "write:filters", (*Handler).updateFilterV1},
	{"DELETE", "/api/v1/filters/{id}", "write:filters", (*Handler).deleteFilterV1},
	{"GET", "/api/v1/announcements", "read", (*Handler).emptyList},
	{"GET", "/api/v1/followed_tags", "read:follows", (*Handler).followedTags},
	{"GET", "/api/v1/tags/{name}", "", (*Handler).tag},
	{"POST", "/api/v1/tags/{name}/follow", "write:follows", (*Handler).followTag},
	{"POST", "/api/v1/tags/{name}/unfollow", "write:follows", (*Handler).unfollowTag},
	{"GET", "/api/v1/trends", "", (*Handler).trendingTags}, // the older path of trends/tags
	{"GET", "/api/v1/trends/tags", "", (*Handler).trendingTags},
	{"GET", "/api/v1/trends/statuses", "", (*Handler).trendingStatuses},
	{"GET", "/api/v1/trends/links", "", (*Handler).trendingStatuses},
	{"GET", "/api/v1/instance/peers", "", (*Handler).peers},
	{"GET", "/api/v1/instance/activity", "", (*Handler).activity},
	{"GET", "/api/v1/instance/rules", "", (*Handler).instanceRules},
	{"GET", "/api/v1/instance/translation_languages", "", (*Handler).translationLanguages},
	{"GET", "/api/v1/instance/extended_description", "", (*Handler).extendedDescription},
	{"GET", "/api/v1/instance/domain_blocks", "", (*Handler).instanceDomainBlocks},
	{"POST", "/api/v1/push/subscription", "push", (*Handler).subscribePush},
	{"GET", "/api/v1/push/subscription", "push", (*Handler).getPush},
	{"PUT", "/api/v1/push/subscription", "push", (*Handler).updatePush},
	{"DELETE", "/api/v1/push/subscription", "push", (*Handler).unsubscribePush},
	{"GET", "/api/v1/admin/accounts", "admin:read:accounts", (*Handler).adminAccountsV1},
	{"GET", "/api/v2/admin/accounts", "admin:read:accounts", (*Handler).adminAccountsV2},
	{"GET", "/api/v1/admin/accounts/{id}", "admin:read:accounts", (*Handler).adminAccount},
	{"POST", "/api/v1/admin/accounts/{id}/action", "admin:write:accounts", (*Handler).adminAction},
	{"POST", "/api/v1/admin/accounts/{id}/unsuspend", "admin:write:accounts", (*Handler).adminUnsuspend},
	{"POST", "/api/v1/admin/accounts/{id}/unsilence", "admin:write:accounts", (*Handler).adminUnsilence},
	{"GET", "/api/v1/admin/reports", "admin:read:reports", (*Handler).adminReports},
	{"GET", "/api/v1/admin/reports/{id}", "admin:read:reports", (*Handler).adminReport},
	{"PUT", "/api/v1/admin/reports/{id}", "admin:write:reports", (*Handler).updateReport},
	{"POST", "/api/v1/admin/reports/{id}/assign_to_self", "admin:write:reports", (*Handler).assignReport},
	{"POST", "/api/v1/admin/reports/{id}/unassign", "admin:write:reports", (*Handler).unassignReport},
	{"POST", "/api/v1/admin/reports/{id}/resolve", "admin:write:reports", (*Handler).resolveReport},
	{"POST", "/api/v1/admin/reports/{id}/reopen", "admin:write:reports", (*Handler).reopenReport},
	{"POST", "/api/v1/admin/accounts/{id}/approve", "admin:write:accounts", (*Handler).adminApprove},
	{"POST", "/api/v1/admin/accounts/{id}/reject", "admin:write:accounts", (*Handler).adminReject},
	// An app's own token, acting for nobody, with write:accounts: checked by the handler.
	{"POST", "/api/v1/accounts", "", (*Handler).registerAccount},
}

// Routes mounts the API on r.
func (h *Handler) Routes(r *mux.Router) {
	for _, rt := range routes {
		methods := []string{rt.method}
		if rt.method == http.MethodGet {
			methods = append(methods, http.MethodHead)
		}
		r.Handle(rt.path, h.handle(rt)).Methods(methods...)
	}
	h.streamRoutes(r)
}

// handle adapts an endpoint: it finds the viewer, and answers errors as Mastodon does.
func (h *Handler) handle(rt route) http.Handler {
	return h.Handle(func(w http.ResponseWriter, r *http.Request) error {
		viewer, err := h.authorize(r, rt.scope)
		if err == nil {
			err = rt.handler(h, w, r, viewer)
		}
		return mastodonError(w, err)
	})
}

// authorize returns the account of the request's bearer token (nil without one) and
// checks that the token allows the endpoint's scope: 401 for a bad or missing token where
// one is needed, 403 for a scope the token was not given. An app's own token (acting for
// nobody) reads the endpoints anyone may, as anyone.
func (h *Handler) authorize(r *http.Request, scope string) (*storage.Actor, error) {
	viewer, err := h.Auth.Bearer(r, scope)
	switch {
	case errors.Is(err, httpx.ErrLoginUnconfirmed) && r.URL.Path == confirmationsPath:
		return viewer, nil // an account waiting for its address's confirmation may ask for a new link
	case errors.Is(err, httpx.ErrNeedsUser) && scope == "":
		return nil, nil
	case err != nil:
		return nil, err
	case viewer == nil && scope != "":
		return nil, httpx.ErrTokenInvalid
	}
	return viewer, nil
}

// mastodonError answers the errors whose status Mastodon gives differently from the rest of
// Refuge, and hands back the others for httpx's table: bad parameters are 422, and a post
// that was deleted is 404 like one that never was.
func mastodonError(w http.ResponseWriter, err error) error {
	switch storage.KindOf(err) {
	case "":
		return nil
	case storage.Invalid:
		return httpx.WriteJSON(w, http.StatusUnprocessableEntity, "application/json", map[string]string{"error": storage.Message(err)})
	case storage.NotFound, storage.Gone:
		return httpx.WriteJSON(w, http.StatusNotFound, "application/json", map[string]string{"error": "Record not found"})
	}
	return err
}

// ok answers v as JSON.
func ok(w http.ResponseWriter, v any) error {
	return httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", v)
}

// Page sizes: each list's default and most, as Mastodon's.
const (
	statusesLimit, statusesMax         = 20, 40
	accountsLimit, notificationsLimit  = 40, 40
	accountsMax, notificationsMax      = 80, 80
	maxRelationships                   = 80
	domainBlocksLimit, domainBlocksMax = 100, 200
	maxParamLength                     = 300
)

// paging is a list request's max_id, since_id, min_id and limit.
type paging struct {
	page  storage.Page
	since string // since_id: the newest items, down to this one (storage pages by Before/After)
}

// pagingOf reads the paging parameters; ids are read by id, which turns one into the row
// storage pages by.
func pagingOf(r *http.Request, def, most int, id func(string) (int64, bool)) (paging, error) {
	q := r.URL.Query()
	p := paging{page: storage.Page{Limit: def}}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, storage.Errorf(storage.Invalid, "limit must be a positive number")
		}
		p.page.Limit = min(n, most)
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"max_id", &p.page.Before}, {"min_id", &p.page.After}} {
		if s := q.Get(f.name); s != "" {
			row, good := id(s)
			if !good {
				return p, storage.Errorf(storage.Invalid, "%s is not an id", f.name)
			}
			*f.dst = row
		}
	}
	if s := q.Get("since_id"); s != "" {
		if _, good := id(s); !good {
			return p, storage.Errorf(storage.Invalid, "since_id is not an id")
		}
		p.since = s
	}
	return p, nil
}

// noteRow reads a status id as the note row storage pages by.
func noteRow(s string) (int64, bool) {
	row, boost, good := parseStatusID(s)
	return row, good && !boost
}

// plainRow reads an account or notification id.
func plainRow(s string) (int64, bool) {
	n := reader.ParseID(s)
	return n, n > 0
}

// newer reports whether id a is newer than b: ids are decimal numbers that grow.
func newer(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// sinceCut keeps the items of a newest-first page newer than since ("" keeps all).
func sinceCut[T any](items []T, since string, id func(T) string) []T {
	if since == "" {
		return items
	}
	for i, it := range items {
		if !newer(id(it), since) {
			return items[:i]
		}
	}
	return items
}

// link sets the Link header of a page whose items run from newest to oldest id: next asks
// for older items, prev for newer ones, each with the request's other parameters.
func link(w http.ResponseWriter, r *http.Request, base, newest, oldest string) {
	if newest == "" {
		return
	}
	at := func(key, id string) string {
		q := r.URL.Query()
		for _, k := range []string{"max_id", "min_id", "since_id"} {
			q.Del(k)
		}
		q.Set(key, id)
		return "<" + base + r.URL.Path + "?" + q.Encode() + ">"
	}
	w.Header().Set("Link", at("max_id", oldest)+`; rel="next", `+at("min_id", newest)+`; rel="prev"`)
}

// listParam reads a list parameter sent as name[]=a&name[]=b (or name=a), at most most.
func listParam(q url.Values, name string, most int) ([]string, error) {
	vals := append(q[name+"[]"], q[name]...)
	if len(vals) > most {
		return nil, storage.Errorf(storage.Invalid, "at most %d %s", most, name)
	}
	for _, v := range vals {
		if len(v) > maxParamLength {
			return nil, storage.Errorf(storage.Invalid, "%s is too long", name)
		}
	}
	return vals, nil
}

// boolParam reads a boolean parameter as Mastodon does: true, 1, t, on and yes are true.
func boolParam(q url.Values, name string) bool {
	switch strings.ToLower(q.Get(name)) {
	case "true", "1", "t", "on", "yes":
		return true
	}
	return false
}
