package web

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/outbox/media"
	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// feedLength is how many notes a feed carries.
const feedLength = 20

// actorFeed serves a local account's public notes as RSS 2.0 or Atom.
func (h *Handler) actorFeed(w http.ResponseWriter, r *http.Request) error {
	actor, err := h.localActor(r)
	if err != nil {
		return err
	}
	if actor.Type != "Person" {
		return httpx.ErrNotFound
	}
	notes, err := h.Read.PublicActorNotes(r.Context(), actor.ID, storage.Page{Limit: feedLength})
	if err != nil {
		return err
	}
	name := actor.Name
	if name == "" {
		name = actor.Username
	}
	format := mux.Vars(r)["format"]
	info := templates.FeedInfo{Title: name + " (@" + actor.Handle() + ")", Link: actor.URL, Self: uris.Feed(actor.URL, format),
		Description: templates.PlainText(actor.Summary)}
	return h.writeFeed(w, format, info, notes)
}

// tagFeed serves the public notes with a hashtag as RSS 2.0 or Atom.
func (h *Handler) tagFeed(w http.ResponseWriter, r *http.Request) error {
	tag, err := reader.NormalizeTag(mux.Vars(r)["tag"])
	if err != nil {
		return err
	}
	notes, err := h.Read.Tagged(r.Context(), reader.Viewer{}, tag, storage.Page{Limit: feedLength})
	if err != nil {
		return err
	}
	format := mux.Vars(r)["format"]
	link := h.URIs.Tag(url.PathEscape(tag))
	info := templates.FeedInfo{Title: "#" + tag + " on " + h.Domain, Link: link, Self: uris.Feed(link, format),
		Description: "Public posts tagged #" + tag + " seen by " + h.Domain}
	return h.writeFeed(w, format, info, notes)
}

func (h *Handler) writeFeed(w http.ResponseWriter, format string, info templates.FeedInfo, notes []*storage.Note) error {
	var buf bytes.Buffer
	ctype := "application/rss+xml; charset=utf-8"
	write := templates.RSS
	if format == "atom" {
		ctype, write = "application/atom+xml; charset=utf-8", templates.Atom
	}
	if err := write(&buf, info, notes); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Type", ctype)
	_, err := w.Write(buf.Bytes())
	return err
}

// serveMedia serves a file that media.Image.Save wrote, and nothing else: the name must match
// its pattern. Headers make sure a browser shows it as the image it is and never runs it,
// even if it were opened on its own.
func (h *Handler) serveMedia(w http.ResponseWriter, r *http.Request) error {
	name := mux.Vars(r)["file"]
	if !media.FileName.MatchString(name) {
		return httpx.ErrNotFound
	}
	f, err := os.Open(filepath.Join(media.Dir(h.DataDir), name))
	if err != nil {
		return httpx.ErrNotFound
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return httpx.ErrNotFound
	}
	setMediaHeaders(w, media.TypeOf(name))
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, st.ModTime(), f)
	return nil
}

// authorizeFollow is remote follow: a visitor from another server types their handle on a
// profile or post here, and is sent to their own server's subscribe page (from WebFinger)
// to follow or answer from there.
func (h *Handler) authorizeFollow(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	uri := strings.TrimSpace(q.Get("uri"))
	if storage.HostOf(uri) == "" {
		return storage.Errorf(storage.Invalid, "uri must be the address of an account or a post")
	}
	handle := strings.TrimSpace(q.Get("handle"))
	user, host, err := federation.ParseHandle(handle)
	if err != nil {
		return storage.Errorf(storage.Invalid, "%q is not a handle; write it like @you@mastodon.social", handle)
	}
	if host == h.Domain {
		http.Redirect(w, r, "/search?q="+url.QueryEscape(uri), http.StatusSeeOther)
		return nil
	}
	// Anyone may ask, and each asking makes us fetch from a server they name.
	if !h.Limits.Lookups.Allow(httpx.ClientAddr(r), time.Now()) {
		return storage.Errorf(storage.TooMany, "too many look-ups from your address; try again in a minute")
	}
	_, jrd, err := h.Remote.Client.WebFinger(r.Context(), user, host, h.Remote.Scheme)
	if err != nil {
		return storage.Wrap(storage.Invalid, err, "could not find @"+user+"@"+host+" on its server")
	}
	tmpl := federation.SubscribeTemplate(jrd)
	target := strings.ReplaceAll(tmpl, "{uri}", url.QueryEscape(uri))
	if !strings.Contains(tmpl, "{uri}") || storage.HostOf(target) == "" {
		return storage.Errorf(storage.Invalid, "the server of @%s@%s does not offer following from elsewhere; search for %s there instead",
			user, host, uri)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
