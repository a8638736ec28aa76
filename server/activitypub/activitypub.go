// Package activitypub is Refuge's ActivityPub and discovery surface: WebFinger, host-meta
// and NodeInfo; the documents of local actors, notes and activities; their collections;
// the inboxes that receive deliveries and the client-to-server outbox. Handlers are thin:
// reads go through reader, actions through outbox, deliveries to inbox.
package activitypub

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/inbox"
	"refuge/outbox"
	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
)

// Handler serves the ActivityPub and discovery routes.
type Handler struct {
	*httpx.Kit
	Read    *reader.Reader
	Outbox  *outbox.Service
	Inbox   *inbox.Inbox
	URIs    uris.Local // the instance's URLs, from scheme://domain
	Domain  string
	Version string // the software version NodeInfo reports
	// Pages answer browsers at the addresses that serve ActivityPub documents to servers.
	Pages Pages
	// Commits counts the database's commits: the documents everyone is given alike are
	// kept while it is unchanged (see kept).
	Commits func() int64

	answers     *httpx.AnswerCache
	answersOnce sync.Once
}

// keptTTL bounds how long a kept document is given, even with nothing written since: a
// safety net, as nothing in one depends on the time.
const keptTTL = time.Minute

// kept serves a GET from the documents kept (httpx.AnswerCache), or builds it and keeps it
// when its handler shares it: WebFinger, host-meta, NodeInfo and the documents of actors,
// public notes and collections, which every server that meets the instance asks for and
// which are the same for all who may read them. JSON and HTML answers at one address are
// kept apart.
func (h *Handler) kept(f httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if h.Commits == nil || r.Method != http.MethodGet && r.Method != http.MethodHead {
			return f(w, r)
		}
		h.answersOnce.Do(func() { h.answers = &httpx.AnswerCache{Commits: h.Commits, TTL: keptTTL, ETags: true} })
		key := "html " + r.URL.RequestURI()
		if httpx.WantsActivity(r) {
			key = "json " + r.URL.RequestURI()
		}
		return h.answers.Serve(key, false, w, r, f)
	}
}

// fetcherMayRead is the check of a kept document that any fetcher may read: under
// authorized fetch, the request must still be signed (and its signature good).
func (h *Handler) fetcherMayRead(r *http.Request) error {
	_, err := h.Auth.Fetcher(r)
	return err
}

// Pages are the web pages shown at ActivityPub addresses when a browser asks.
type Pages struct {
	Profile httpx.HandlerFunc
	Note    httpx.HandlerFunc
	Follows func(followers bool) httpx.HandlerFunc
}

// Routes adds the discovery and ActivityPub routes to r.
func (h *Handler) Routes(r *mux.Router) {
	get := func(path string, f httpx.HandlerFunc) {
		// Every document here is public or answered after its signature was checked:
		// httpx.ETag tags what the handler wrote (or the kept answer gave), never skipping it.
		r.Handle(path, httpx.ETag(h.Handle(h.kept(f)))).Methods(http.MethodGet, http.MethodHead)
	}
	post := func(path string, f httpx.HandlerFunc) { r.Handle(path, h.Handle(f)).Methods(http.MethodPost) }

	// Discovery.
	get(uris.WebFingerRoute, h.webfinger)
	get(uris.HostMetaRoute, h.hostMeta)
	get(uris.NodeInfoIndexRoute, h.nodeinfoIndex)
	get(uris.NodeInfoRoute, h.nodeinfo)

	// Actors, objects, collections, inboxes and outboxes.
	get(uris.InstanceActorRoute, h.getInstanceActor)
	get(uris.InstanceOutboxRoute, h.getInstanceOutbox)
	post(uris.InstanceInboxRoute, h.postInbox)
	post(uris.SharedInboxRoute, h.postInbox)
	get(uris.ActorRoute, h.getActor)
	get(uris.OutboxRoute, h.getOutbox)
	post(uris.OutboxRoute, h.postOutbox)
	get(uris.InboxRoute, h.getInbox)
	post(uris.InboxRoute, h.postInbox)
	get(uris.FollowersRoute, h.getFollows(true))
	get(uris.FollowingRoute, h.getFollows(false))
	get(uris.FeaturedRoute, h.getFeatured)
	get(uris.ModeratorsRoute, h.getModerators)
	get(uris.NoteRoute, h.getNote)
	get(uris.NoteActivityRoute, h.getNoteActivity)
	get(uris.RepliesRoute, h.getReplies)
	get(uris.QuoteStampRoute, h.getQuoteStamp)
	get(uris.EmojiRoute, h.getEmoji)
	get(uris.ActivityRoute, h.getActivity)
	get(uris.UndoRoute, h.getActivity)
	get("/api/resolve", h.resolveHandle)
	get(uris.AuthorizeRoute, h.authorizeInteraction)
}

// actorFor finds the live local account of the route and who asks for its JSON (see
// httpx.Auth.Fetcher); a suspended one's collections are refused (reader.ErrSuspended).
func (h *Handler) actorFor(r *http.Request) (*storage.Actor, reader.Viewer, error) {
	actor, err := h.Read.ShownLocalActor(r.Context(), mux.Vars(r)["name"])
	if err != nil {
		return nil, reader.Viewer{}, err
	}
	v, err := h.Auth.Fetcher(r)
	return actor, v, err
}

// localActor finds the live local account named in the route.
func (h *Handler) localActor(r *http.Request) (*storage.Actor, error) {
	return h.Read.LocalActor(r.Context(), mux.Vars(r)["name"])
}

// getActor serves a local actor as ActivityStreams JSON, or its profile page to a browser.
func (h *Handler) getActor(w http.ResponseWriter, r *http.Request) error {
	if !httpx.WantsActivity(r) {
		return h.Pages.Profile(w, r)
	}
	actor, err := h.localActor(r)
	if storage.KindOf(err) == storage.Gone {
		return h.serveDeletedActor(w, r)
	}
	if err != nil {
		return err
	}
	if _, err := h.Auth.Fetcher(r); err != nil {
		return err
	}
	httpx.Share(w, h.fetcherMayRead)
	return h.serveActor(w, r, actor)
}

// serveDeletedActor answers for a deleted local account: 410 Gone with a Tombstone, to
// anyone (there is nothing left to withhold), so that servers that ask forget it.
func (h *Handler) serveDeletedActor(w http.ResponseWriter, r *http.Request) error {
	actor, err := h.Read.DB.GetLocalActor(r.Context(), mux.Vars(r)["name"])
	if err != nil {
		return err
	}
	body, err := outbox.MarshalActorTombstone(actor)
	if err != nil {
		return err
	}
	httpx.Share(w, nil)
	return httpx.WriteBody(w, http.StatusGone, httpx.ActivityJSON, body)
}

func (h *Handler) serveActor(w http.ResponseWriter, r *http.Request, actor *storage.Actor) error {
	body, err := h.Outbox.MarshalActor(r.Context(), actor)
	if err != nil {
		return err
	}
	return httpx.WriteActivity(w, body)
}

// getInstanceActor serves the instance actor (and so its key), unsigned even with
// authorized fetch: peers need its key to check the signatures of our fetches.
func (h *Handler) getInstanceActor(w http.ResponseWriter, r *http.Request) error {
	actor, err := h.Outbox.InstanceActor(r.Context())
	if err != nil {
		return err
	}
	httpx.Share(w, nil)
	return h.serveActor(w, r, actor)
}

// getNote serves a local note (410 with a Tombstone once deleted), or its page to a browser.
func (h *Handler) getNote(w http.ResponseWriter, r *http.Request) error {
	if !httpx.WantsActivity(r) {
		return h.Pages.Note(w, r)
	}
	n, _, err := h.visibleNote(r)
	if storage.KindOf(err) == storage.Gone && n != nil {
		httpx.Share(w, h.fetcherMayRead)
		body, _ := h.Outbox.MarshalNote(r.Context(), n)
		return httpx.WriteBody(w, http.StatusGone, httpx.ActivityJSON, body)
	}
	if err != nil {
		return err
	}
	if n.Visibility == storage.Public || n.Visibility == storage.Unlisted {
		httpx.Share(w, h.fetcherMayRead)
	}
	body, err := h.Outbox.MarshalNote(r.Context(), n)
	if err != nil {
		return err
	}
	return httpx.WriteActivity(w, body)
}

// getEmoji serves one of the instance's custom emoji as the Emoji document Mastodon serves at
// an emoji's id, which the Emoji tags of local posts and accounts name; to anyone, as its
// picture is.
func (h *Handler) getEmoji(w http.ResponseWriter, r *http.Request) error {
	e, err := h.Read.CustomEmoji(r.Context(), mux.Vars(r)["shortcode"])
	if err != nil {
		return err
	}
	body, err := federation.EncodeEmoji(h.Outbox.EmojiTag(e))
	if err != nil {
		return err
	}
	httpx.Share(w, nil)
	return httpx.WriteActivity(w, body)
}

// getQuoteStamp serves the approval stamp of a quote of a local note, to whoever may read
// the note (FEP-044f): the stamp names the quote post and the note, and embeds neither.
func (h *Handler) getQuoteStamp(w http.ResponseWriter, r *http.Request) error {
	n, _, err := h.visibleNote(r)
	if err != nil {
		return err
	}
	id, perr := strconv.ParseInt(mux.Vars(r)["stamp"], 10, 64)
	if perr != nil {
		return storage.Errorf(storage.NotFound, "no such approval")
	}
	stamp, err := h.Outbox.QuoteStamp(r.Context(), n, id)
	if err != nil {
		return err
	}
	body, err := federation.EncodeQuoteAuthorization(stamp)
	if err != nil {
		return err
	}
	return httpx.WriteActivity(w, body)
}

// visibleNote finds the local note of the route that the requester, who is returned too,
// may read. A deleted one is returned with a Gone error.
func (h *Handler) visibleNote(r *http.Request) (*storage.Note, reader.Viewer, error) {
	v, err := h.Auth.Fetcher(r)
	if err != nil {
		return nil, v, err
	}
	vars := mux.Vars(r)
	n, err := h.Read.AccountNote(r.Context(), v, vars["name"], h.URIs.Note(vars["name"], vars["id"]))
	return n, v, err
}

// getNoteActivity serves the Create activity of a local note.
func (h *Handler) getNoteActivity(w http.ResponseWriter, r *http.Request) error {
	n, v, err := h.visibleNote(r)
	if err != nil {
		return err
	}
	act, err := h.Read.LocalActivity(r.Context(), v, uris.NoteActivity(n.URI))
	if err != nil {
		return err
	}
	return httpx.WriteActivity(w, []byte(act.JSON))
}

// getReplies serves the replies to a local note that the requester may see.
func (h *Handler) getReplies(w http.ResponseWriter, r *http.Request) error {
	n, v, err := h.visibleNote(r)
	if err != nil {
		return err
	}
	replies, err := h.Read.Replies(r.Context(), v, n.URI)
	if err != nil {
		return err
	}
	items := []json.RawMessage{}
	for _, reply := range replies {
		id, _ := json.Marshal(reply.URI)
		items = append(items, id)
	}
	// The first page is embedded, as Mastodon does: GoToSocial reads replies from it. It is
	// also the page that notes point to (federation.RepliesPage), served alone when asked.
	id := uris.Replies(n.URI)
	first := outbox.NewPage(id, federation.RepliesPage(id), items, 0, 0)
	if r.URL.Query().Get("page") == "true" {
		return httpx.WriteJSON(w, http.StatusOK, httpx.ActivityJSON, first)
	}
	first.Context = nil
	c := outbox.NewCollection(id, len(replies), false)
	c.First, c.Last = "", ""
	return httpx.WriteJSON(w, http.StatusOK, httpx.ActivityJSON, struct {
		*outbox.Collection
		First *outbox.Collection `json:"first"`
	}{c, first})
}

// getInstanceOutbox is the instance actor's outbox: always empty, but there, because peers
// count an actor's posts through it. Authorized fetch covers it: only the actor itself
// (its key) must stay open.
func (h *Handler) getInstanceOutbox(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.Auth.Fetcher(r); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ActivityJSON, outbox.NewCollection(h.URIs.InstanceOutbox(), 0, false))
}

// getActivity serves another stored activity of a local actor (Follow, Like, Announce,
// Accept, Undo, ...), so that every id we send can be dereferenced by those who may read
// what it is about.
func (h *Handler) getActivity(w http.ResponseWriter, r *http.Request) error {
	v, err := h.Auth.Fetcher(r)
	if err != nil {
		return err
	}
	// The routes match only the ids that uris.Local.Activity and uris.Undo write.
	act, err := h.Read.LocalActivity(r.Context(), v, h.URIs.Base()+r.URL.Path)
	if err != nil {
		return err
	}
	return httpx.WriteActivity(w, []byte(act.JSON))
}

// getOutbox serves a local actor's outbox; its owner also sees followers-only and direct posts.
func (h *Handler) getOutbox(w http.ResponseWriter, r *http.Request) error {
	actor, v, err := h.actorFor(r)
	if err != nil {
		return err
	}
	page, p, err := httpx.PageOf(r)
	if err != nil {
		return err
	}
	owner := v.Local != nil && v.Local.ID == actor.ID
	c, err := h.Outbox.Outbox(r.Context(), actor, owner, page, p)
	if err != nil {
		return err
	}
	if !owner {
		// The same for everyone but its owner, who sees more and is given it anew.
		httpx.Share(w, func(r *http.Request) error {
			v, err := h.Auth.Fetcher(r)
			if err == nil && v.Local != nil && v.Local.ID == actor.ID {
				return httpx.ErrBuildAnew
			}
			return err
		})
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ActivityJSON, c)
}

// getFollows serves the followers or following collection.
func (h *Handler) getFollows(followers bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !httpx.WantsActivity(r) && httpx.WantsHTML(r) {
			return h.Pages.Follows(followers)(w, r)
		}
		actor, err := h.Read.ShownLocalActor(r.Context(), mux.Vars(r)["name"])
		if err != nil {
			return err
		}
		if _, err := h.Auth.Fetcher(r); err != nil {
			return err
		}
		page, p, err := httpx.PageOf(r)
		if err != nil {
			return err
		}
		c, err := h.Outbox.Follows(r.Context(), actor, followers, page, p)
		if err != nil {
			return err
		}
		httpx.Share(w, h.fetcherMayRead)
		return httpx.WriteJSON(w, http.StatusOK, httpx.ActivityJSON, c)
	}
}

// getFeatured serves the pinned notes.
func (h *Handler) getFeatured(w http.ResponseWriter, r *http.Request) error {
	actor, v, err := h.actorFor(r)
	if err != nil {
		return err
	}
	c, err := h.Outbox.Featured(r.Context(), actor, v.ID())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ActivityJSON, c)
}

// getModerators serves a group's moderators collection, its attributedTo.
func (h *Handler) getModerators(w http.ResponseWriter, r *http.Request) error {
	group, _, err := h.actorFor(r)
	if err != nil {
		return err
	}
	c, err := h.Outbox.ModeratorsCollection(r.Context(), group)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ActivityJSON, c)
}

// routeOwner returns the local account named in the route when the request's bearer token
// is that account's and allows scope: Unauthorized without credentials, Forbidden with
// someone else's or without the scope.
func (h *Handler) routeOwner(r *http.Request, scope, what string) (*storage.Actor, error) {
	owner, err := h.localActor(r)
	if err != nil {
		return nil, err
	}
	caller, err := h.Auth.Bearer(r, scope)
	if err != nil {
		return nil, err
	}
	if caller == nil {
		return nil, storage.Errorf(storage.Unauthorized, "a bearer token is required")
	}
	if caller.ID != owner.ID {
		return nil, storage.Errorf(storage.Forbidden, "this is not your %s", what)
	}
	return owner, nil
}

// postOutbox carries out a client-to-server activity of the outbox's owner.
func (h *Handler) postOutbox(w http.ResponseWriter, r *http.Request) error {
	// Every client-to-server activity needs write:statuses, whatever its type: the outbox
	// is one endpoint, and an app is given it to act for its account.
	owner, err := h.routeOwner(r, "write:statuses", "outbox")
	if err != nil {
		return err
	}
	body, err := httpx.ReadJSON(w, r)
	if err != nil {
		return err
	}
	uri, err := h.Outbox.Submit(r.Context(), owner, body)
	if err != nil {
		return err
	}
	if uri == "" {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	w.Header().Set("Location", uri)
	return httpx.WriteJSON(w, http.StatusCreated, "application/json", map[string]string{"id": uri})
}

// inboxDeadline bounds the handling of one delivery once its body is read. The server stops
// writing an answer 60 s after a request's headers (its WriteTimeout), and a sender gives up
// sooner, yet a handler would go on: nothing is stored once this has passed (an update whose
// context ended is not committed), so that a sender never finds stored what it was not told
// was taken.
const inboxDeadline = 25 * time.Second

// postInbox receives a delivery to a personal inbox or the shared inbox.
func (h *Handler) postInbox(w http.ResponseWriter, r *http.Request) error {
	var recipient *storage.Actor
	if name := mux.Vars(r)["name"]; name != "" {
		var err error
		if recipient, err = h.Read.LocalActor(r.Context(), name); err != nil {
			return err
		}
	}
	if err := h.Limits.AllowInbox(r); err != nil {
		return err
	}
	body, err := httpx.ReadJSON(w, r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), inboxDeadline)
	defer cancel()
	res, err := h.Inbox.Receive(ctx, r, body, recipient)
	if err != nil {
		return err
	}
	if res == inbox.Ignored {
		h.Log.Debug("inbox: ignored", "path", r.URL.Path)
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// getInbox is the owner's home feed as an OrderedCollection, newest first: notes, and
// Announces for boosts. Only with the owner's API token, never a session cookie.
func (h *Handler) getInbox(w http.ResponseWriter, r *http.Request) error {
	owner, err := h.routeOwner(r, "read:statuses", "inbox")
	if err != nil {
		return err
	}
	_, p, err := httpx.PageOf(r)
	if err != nil {
		return err
	}
	items, err := h.Read.Feed(r.Context(), owner.ID, p)
	if err != nil {
		return err
	}
	out := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		doc, err := h.Outbox.ServedNote(r.Context(), it.Note)
		if err != nil {
			return err
		}
		body, err := federation.EncodeNote(doc)
		if err != nil {
			return err
		}
		if it.Booster != nil {
			body, err = federation.EncodeActivity(&federation.Activity{ID: it.Note.URI + "#boosted-by-" + strconv.FormatInt(it.Booster.ID, 10),
				Type: "Announce", Actor: it.Booster.URI}, doc)
			if err != nil {
				return err
			}
		}
		out = append(out, body)
	}
	var next, prev int64
	if len(items) > 0 {
		prev, next = items[0].ID, items[len(items)-1].ID
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.ActivityJSON, outbox.NewPage(owner.Inbox, owner.Inbox+"?page=true", out, next, prev))
}

// resolveHandle finds a remote (or local) account by @user@host for the holder of an API
// token. The API takes no session cookie: the web search page has its own route.
func (h *Handler) resolveHandle(w http.ResponseWriter, r *http.Request) error {
	// It makes this server fetch from others, as a search does.
	caller, err := h.Auth.Bearer(r, "read:search")
	if err != nil {
		return err
	}
	if caller == nil {
		return storage.Errorf(storage.Unauthorized, "a bearer token is required")
	}
	user, host, err := federation.ParseHandle(strings.TrimSpace(r.URL.Query().Get("handle")))
	if err != nil {
		return err
	}
	actor, err := h.Read.Handle(r.Context(), user, host)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{
		"id": actor.URI, "handle": "@" + actor.Handle(), "name": actor.Name, "url": actor.URL,
		"inbox": actor.Inbox, "locked": actor.Locked,
	})
}
