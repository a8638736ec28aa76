package main

import (
	"net/http"

	"github.com/gorilla/mux"

	"refuge/templates"
)

// routes lists every route of the instance on one screen.
func (a *App) routes() http.Handler {
	r := mux.NewRouter()
	get := func(path string, h handlerFunc) { r.Handle(path, a.handle(h)).Methods(http.MethodGet, http.MethodHead) }
	post := func(path string, h handlerFunc) { r.Handle(path, a.handle(h)).Methods(http.MethodPost) }

	// Discovery.
	get("/.well-known/webfinger", a.webfinger)
	get("/.well-known/host-meta", a.hostMeta)
	get("/.well-known/nodeinfo", a.nodeinfoIndex)
	get("/nodeinfo/{version:2\\.[01]}", a.nodeinfo)

	// ActivityPub: actors, objects, collections, inboxes and outboxes.
	get("/actor", a.getInstanceActor)
	get("/actor/outbox", a.getInstanceOutbox)
	post("/actor/inbox", a.postInbox)
	post("/inbox", a.postInbox)
	get("/users/{name}", a.getActor)
	get("/users/{name}/outbox", a.getOutbox)
	post("/users/{name}/outbox", a.postOutbox)
	get("/users/{name}/inbox", a.getInbox)
	post("/users/{name}/inbox", a.postInbox)
	get("/users/{name}/followers", a.getFollows(true))
	get("/users/{name}/following", a.getFollows(false))
	get("/users/{name}/collections/featured", a.getFeatured)
	get("/users/{name}/statuses/{id}", a.getNote)
	get("/users/{name}/statuses/{id}/activity", a.getNoteActivity)
	get("/users/{name}/statuses/{id}/replies", a.getReplies)
	get("/users/{name}/{kind:follows|likes|boosts|accept|reject}/{id}", a.getActivity)
	get("/users/{name}/{kind:follows|likes|boosts}/{id}/undo", a.getActivity)
	get("/api/resolve", a.resolveHandle)
	get("/authorize_interaction", a.authorizeInteraction)

	// Pages.
	get("/", a.frontPage)
	get("/@{name:[A-Za-z0-9_]+}", a.cached(a.profilePage)) // the pattern leaves /@name.rss to the feeds
	get("/tags/{tag:[^/.]+}", a.tagPage)
	a.webRoutes(r)

	r.PathPrefix("/static/").Handler(templates.StaticHandler()) // it wants the whole path
	r.NotFoundHandler = a.handle(func(w http.ResponseWriter, r *http.Request) error { return errNotFound })
	r.MethodNotAllowedHandler = a.handle(func(w http.ResponseWriter, r *http.Request) error { return errMethod })
	return securityHeaders(r)
}

// securityHeaders adds the headers every answer carries: no framing, no sniffing, and a
// Content-Security-Policy that allows no script at all.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' https: http: data:; style-src 'self'; "+
			"form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'")
		next.ServeHTTP(w, r)
	})
}
