package main

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"refuge/federation"
	"refuge/inbox"
	"refuge/outbox"
	"refuge/storage"
)

// maxBody caps every body we read from the network.
const maxBody = 1 << 20

// viewer is who is asking: a local account (token or session), a remote actor (signed
// fetch), or nobody. remote is set only for signed fetches.
type viewer struct {
	local  *storage.Actor
	remote *storage.Actor
}

func (v viewer) id() int64 {
	switch {
	case v.local != nil:
		return v.local.ID
	case v.remote != nil:
		return v.remote.ID
	}
	return 0
}

// whoFor identifies the requester of a read: bearer token or session first, then an HTTP
// signature. With --authorized-fetch an ActivityPub read must be signed or authenticated.
func (a *App) whoFor(r *http.Request) (viewer, error) {
	m := memoOf(r)
	if !m.whoDone {
		m.who, m.whoErr = a.identify(r)
		m.whoDone = true
	}
	return m.who, m.whoErr
}

func (a *App) identify(r *http.Request) (viewer, error) {
	local, err := a.bearerOrSession(r)
	if err != nil || local != nil {
		return viewer{local: local}, err
	}
	remote, err := a.inbox.Signer(r.Context(), r)
	if err != nil {
		return viewer{}, err
	}
	if remote == nil && a.cfg.AuthorizedFetch && wantsActivity(r) {
		return viewer{}, storage.Errorf(storage.Unauthorized, "this instance requires signed requests (authorized fetch)")
	}
	return viewer{remote: remote}, nil
}

// localActor finds the live local account named in the route.
func (a *App) localActor(r *http.Request) (*storage.Actor, error) {
	return a.svc.LocalActor(r.Context(), mux.Vars(r)["name"])
}

// getActor serves a local actor as ActivityStreams JSON, or its profile page to a browser.
func (a *App) getActor(w http.ResponseWriter, r *http.Request) error {
	if !wantsActivity(r) {
		return a.profilePage(w, r)
	}
	actor, err := a.localActor(r)
	if err != nil {
		return err
	}
	if _, err := a.whoFor(r); err != nil {
		return err
	}
	return a.serveActor(w, actor)
}

func (a *App) serveActor(w http.ResponseWriter, actor *storage.Actor) error {
	body, err := federation.EncodeActor(a.svc.ActorDocument(actor))
	if err != nil {
		return err
	}
	return writeActivity(w, body)
}

// getInstanceActor serves the instance actor, unsigned even with authorized fetch: peers
// need its key to check the signatures of our fetches.
func (a *App) getInstanceActor(w http.ResponseWriter, r *http.Request) error {
	actor, err := a.svc.InstanceActor(r.Context())
	if err != nil {
		return err
	}
	return a.serveActor(w, actor)
}

// getNote serves a local note (410 with a Tombstone once deleted), or its page to a browser.
func (a *App) getNote(w http.ResponseWriter, r *http.Request) error {
	if !wantsActivity(r) {
		return a.notePage(w, r)
	}
	n, err := a.visibleNote(r)
	if storage.KindOf(err) == storage.Gone && n != nil {
		body, _ := outbox.MarshalNote(n)
		return writeBody(w, http.StatusGone, activityJSON, body)
	}
	if err != nil {
		return err
	}
	body, err := outbox.MarshalNote(n)
	if err != nil {
		return err
	}
	return writeActivity(w, body)
}

// visibleNote finds the local note of the route that the requester may read. A deleted one
// is returned with a Gone error.
func (a *App) visibleNote(r *http.Request) (*storage.Note, error) {
	v, err := a.whoFor(r)
	if err != nil {
		return nil, err
	}
	vars := mux.Vars(r)
	uri := a.cfg.Base() + "/users/" + vars["name"] + "/statuses/" + vars["id"]
	n, err := a.db.GetNoteByURI(r.Context(), uri)
	if err != nil {
		return nil, err
	}
	if n.Deleted() {
		return n, storage.Errorf(storage.Gone, "note deleted")
	}
	if ok, err := a.db.CanSee(r.Context(), n.ID, v.id()); err != nil || !ok {
		return nil, storage.Errorf(storage.NotFound, "note not found")
	}
	return n, nil
}

// getNoteActivity serves the Create activity of a local note.
func (a *App) getNoteActivity(w http.ResponseWriter, r *http.Request) error {
	n, err := a.visibleNote(r)
	if err != nil {
		return err
	}
	act, err := a.db.GetActivityByURI(r.Context(), n.URI+"/activity")
	if err != nil {
		return err
	}
	return writeActivity(w, []byte(act.JSON))
}

// getReplies serves the replies to a local note that the requester may see.
func (a *App) getReplies(w http.ResponseWriter, r *http.Request) error {
	n, err := a.visibleNote(r)
	if err != nil {
		return err
	}
	v, _ := a.whoFor(r)
	replies, err := a.db.ListReplies(r.Context(), n.URI, v.id())
	if err != nil {
		return err
	}
	items := []json.RawMessage{}
	for _, reply := range replies {
		id, _ := json.Marshal(reply.URI)
		items = append(items, id)
	}
	// The first page is embedded, as Mastodon does: GoToSocial reads replies from it.
	id := n.URI + "/replies"
	first := outbox.NewPage(id, id+"?page=true", items, 0, 0)
	first.Context = nil
	c := outbox.NewCollection(id, len(replies), false)
	c.First, c.Last = "", ""
	return writeJSON(w, http.StatusOK, activityJSON, struct {
		*outbox.Collection
		First *outbox.Collection `json:"first"`
	}{c, first})
}

// getInstanceOutbox is the instance actor's outbox: always empty, but there, because peers
// count an actor's posts through it.
func (a *App) getInstanceOutbox(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, activityJSON, outbox.NewCollection(a.svc.InstanceActorURI()+"/outbox", 0, false))
}

// getActivity serves another stored activity of a local actor (Follow, Like, Announce,
// Accept, Undo, ...), so that every id we send can be dereferenced.
func (a *App) getActivity(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.whoFor(r); err != nil {
		return err
	}
	act, err := a.db.GetActivityByURI(r.Context(), a.cfg.Base()+r.URL.Path)
	if err != nil || !act.Local || act.JSON == "" {
		return storage.Errorf(storage.NotFound, "no such activity")
	}
	return writeActivity(w, []byte(act.JSON))
}

// pageOf reads Mastodon-style paging parameters.
func pageOf(r *http.Request) (page bool, p storage.Page, err error) {
	q := r.URL.Query()
	page = q.Get("page") != "" && q.Get("page") != "false"
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"max_id", &p.Before}, {"min_id", &p.After}} {
		if v := q.Get(f.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return false, p, storage.Errorf(storage.Invalid, "%s must be a non-negative integer", f.name)
			}
			*f.dst = n
			page = true
		}
	}
	if q.Get("min_id") == "0" {
		p.Oldest = true
	}
	return page, p, nil
}

// getOutbox serves a local actor's outbox; its owner also sees followers-only and direct posts.
func (a *App) getOutbox(w http.ResponseWriter, r *http.Request) error {
	actor, err := a.localActor(r)
	if err != nil {
		return err
	}
	v, err := a.whoFor(r)
	if err != nil {
		return err
	}
	page, p, err := pageOf(r)
	if err != nil {
		return err
	}
	c, err := a.svc.Outbox(r.Context(), actor, v.local != nil && v.local.ID == actor.ID, page, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, activityJSON, c)
}

// getFollows serves the followers or following collection.
func (a *App) getFollows(followers bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !wantsActivity(r) && wantsHTML(r) {
			return a.followsPage(followers)(w, r)
		}
		actor, err := a.localActor(r)
		if err != nil {
			return err
		}
		if _, err := a.whoFor(r); err != nil {
			return err
		}
		page, p, err := pageOf(r)
		if err != nil {
			return err
		}
		c, err := a.svc.Follows(r.Context(), actor, followers, page, p)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, activityJSON, c)
	}
}

// getFeatured serves the pinned notes.
func (a *App) getFeatured(w http.ResponseWriter, r *http.Request) error {
	actor, err := a.localActor(r)
	if err != nil {
		return err
	}
	v, err := a.whoFor(r)
	if err != nil {
		return err
	}
	c, err := a.svc.Featured(r.Context(), actor, v.id())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, activityJSON, c)
}

// readBody reads a request body of at most maxBody bytes whose type is JSON.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != activityJSON && mt != "application/ld+json" && mt != "application/json") {
		return nil, storage.Errorf(storage.Invalid, "Content-Type must be application/activity+json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, storage.Wrap(storage.TooLarge, err, "body larger than 1 MiB")
	}
	return body, nil
}

// routeOwner returns the local account named in the route when auth finds the request made
// by it: Unauthorized without credentials, Forbidden with someone else's.
func (a *App) routeOwner(r *http.Request, auth func(*http.Request) (*storage.Actor, error), what string) (*storage.Actor, error) {
	owner, err := a.localActor(r)
	if err != nil {
		return nil, err
	}
	caller, err := auth(r)
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
func (a *App) postOutbox(w http.ResponseWriter, r *http.Request) error {
	owner, err := a.routeOwner(r, a.bearer, "outbox")
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	uri, err := a.svc.Submit(r.Context(), owner, body)
	if err != nil {
		return err
	}
	if uri == "" {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	w.Header().Set("Location", uri)
	return writeJSON(w, http.StatusCreated, "application/json", map[string]string{"id": uri})
}

// postInbox receives a delivery to a personal inbox or the shared inbox.
func (a *App) postInbox(w http.ResponseWriter, r *http.Request) error {
	var recipient *storage.Actor
	if name := mux.Vars(r)["name"]; name != "" {
		var err error
		if recipient, err = a.svc.LocalActor(r.Context(), name); err != nil {
			return err
		}
	}
	if err := a.limits.allowInbox(r); err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	res, err := a.inbox.Receive(r.Context(), r, body, recipient)
	if err != nil {
		return err
	}
	if res == inbox.Ignored {
		a.log.Debug("inbox: ignored", "path", r.URL.Path)
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// getInbox is the owner's home feed as an OrderedCollection, newest first: notes, and
// Announces for boosts.
func (a *App) getInbox(w http.ResponseWriter, r *http.Request) error {
	owner, err := a.routeOwner(r, a.bearerOrSession, "inbox")
	if err != nil {
		return err
	}
	_, p, err := pageOf(r)
	if err != nil {
		return err
	}
	items, err := a.db.ListFeed(r.Context(), owner.ID, p)
	if err != nil {
		return err
	}
	out := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		body, err := outbox.MarshalNote(it.Note)
		if err != nil {
			return err
		}
		if it.Booster != nil {
			body, err = federation.EncodeActivity(&federation.Activity{ID: it.Note.URI + "#boosted-by-" + strconv.FormatInt(it.Booster.ID, 10),
				Type: "Announce", Actor: it.Booster.URI}, outbox.NoteDocument(it.Note))
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
	return writeJSON(w, http.StatusOK, activityJSON, outbox.NewPage(owner.Inbox, owner.Inbox+"?page=true", out, next, prev))
}

// resolveHandle finds a remote (or local) account by @user@host for an authenticated user.
func (a *App) resolveHandle(w http.ResponseWriter, r *http.Request) error {
	caller, err := a.bearerOrSession(r)
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
	actor, err := a.remote.Handle(r.Context(), user, host)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"id": actor.URI, "handle": "@" + actor.Handle(), "name": actor.Name, "url": actor.URL,
		"inbox": actor.Inbox, "locked": actor.Locked,
	})
}
