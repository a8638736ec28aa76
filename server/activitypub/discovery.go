package activitypub

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"refuge/federation"
	"refuge/outbox"
	"refuge/server/httpx"
	"refuge/storage"
)

// webfinger answers acct:NAME@DOMAIN (or the actor URL) with the account's JRD.
func (h *Handler) webfinger(w http.ResponseWriter, r *http.Request) error {
	resource := r.URL.Query().Get("resource")
	if resource == "" {
		return storage.Errorf(storage.Invalid, "resource is required")
	}
	var name string
	switch {
	case strings.HasPrefix(resource, "acct:") || strings.Contains(resource, "@") && !strings.Contains(resource, "/"):
		user, host, err := federation.ParseHandle(resource)
		if err != nil {
			return storage.Errorf(storage.Invalid, "resource %q is not acct:user@host", resource)
		}
		if !strings.EqualFold(host, h.Domain) {
			return storage.Errorf(storage.NotFound, "%s is not an account of this instance", resource)
		}
		name = user
	case strings.HasPrefix(resource, h.URIs.Root()):
		if resource == h.URIs.InstanceActor() {
			name = h.Domain
		} else if n, ok := h.URIs.ParseActor(resource); ok {
			name = n
		} else {
			return storage.Errorf(storage.NotFound, "no account at %s", resource)
		}
	case strings.HasPrefix(resource, "http://") || strings.HasPrefix(resource, "https://"):
		return storage.Errorf(storage.NotFound, "%s is not on this instance", resource)
	default:
		return storage.Errorf(storage.Invalid, "resource %q is not acct:user@host or a URL", resource)
	}
	actor, err := h.Read.LocalActor(r.Context(), name)
	if err != nil {
		return err
	}
	jrd := federation.JRD{
		Subject: "acct:" + actor.Username + "@" + h.Domain,
		Aliases: []string{actor.URI, actor.URL},
		Links: []federation.Link{
			{Rel: "self", Type: httpx.ActivityJSON, Href: actor.URI},
			{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: actor.URL},
			{Rel: "http://ostatus.org/schema/1.0/subscribe", Template: h.URIs.AuthorizeTemplate()},
		},
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	httpx.Share(w, nil)
	return httpx.WriteJSON(w, http.StatusOK, httpx.JRDJSON, jrd)
}

// hostMeta is the XRD that points old clients (and Mastodon's fallback) at WebFinger.
func (h *Handler) hostMeta(w http.ResponseWriter, r *http.Request) error {
	type link struct {
		Rel      string `xml:"rel,attr"`
		Type     string `xml:"type,attr,omitempty"`
		Template string `xml:"template,attr"`
	}
	doc := struct {
		XMLName xml.Name `xml:"http://docs.oasis-open.org/ns/xri/xrd-1.0 XRD"`
		Links   []link   `xml:"Link"`
	}{Links: []link{{Rel: "lrdd", Type: "application/xrd+xml", Template: h.URIs.WebFingerTemplate()}}}
	body, err := xml.Marshal(doc)
	if err != nil {
		return err
	}
	httpx.Share(w, nil)
	return httpx.WriteBody(w, http.StatusOK, "application/xrd+xml; charset=utf-8", append([]byte(xml.Header), body...))
}

// nodeinfoIndex links the NodeInfo documents.
func (h *Handler) nodeinfoIndex(w http.ResponseWriter, r *http.Request) error {
	type link struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	}
	httpx.Share(w, nil)
	return httpx.WriteJSON(w, http.StatusOK, "application/json", map[string][]link{"links": {
		{Rel: "http://nodeinfo.diaspora.software/ns/schema/2.0", Href: h.URIs.NodeInfo("2.0")},
		{Rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", Href: h.URIs.NodeInfo("2.1")},
	}})
}

// nodeinfo serves NodeInfo 2.0 or 2.1 with real counts. Registrations are open, as Mastodon
// says it, when anyone may sign up, with approval or without.
func (h *Handler) nodeinfo(w http.ResponseWriter, r *http.Request) error {
	version := mux.Vars(r)["version"]
	users, posts, err := h.Read.InstanceCounts(r.Context())
	if err != nil {
		return err
	}
	in, err := h.Read.Instance(r.Context())
	if err != nil {
		return err
	}
	software := map[string]string{"name": "refuge", "version": h.Version}
	if version == "2.1" {
		software["repository"] = "https://github.com/refuge-social/refuge"
	}
	doc := map[string]any{
		"version":           version,
		"software":          software,
		"protocols":         []string{"activitypub"},
		"services":          map[string][]string{"inbound": {}, "outbound": {}},
		"openRegistrations": h.Outbox.Mode() == outbox.RegistrationsOpen || h.Outbox.Mode() == outbox.RegistrationsApproval,
		"usage": map[string]any{
			"users":      map[string]int{"total": users, "activeMonth": users, "activeHalfyear": users},
			"localPosts": posts,
		},
		"metadata": map[string]string{"nodeName": in.Name, "nodeDescription": in.Description},
	}
	ct := `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/` + version + `#"`
	httpx.Share(w, nil)
	return httpx.WriteJSON(w, http.StatusOK, ct, doc)
}

// authorizeInteraction is the target of our OStatus subscribe template: someone on another
// server clicked "follow" or "reply" on a remote page and was sent home to do it here.
func (h *Handler) authorizeInteraction(w http.ResponseWriter, r *http.Request) error {
	uri := r.URL.Query().Get("uri")
	if uri == "" {
		return storage.Errorf(storage.Invalid, "uri is required")
	}
	uri = strings.TrimPrefix(uri, "acct:")
	http.Redirect(w, r, "/interact?uri="+url.QueryEscape(uri), http.StatusFound)
	return nil
}
