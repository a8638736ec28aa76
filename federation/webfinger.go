package federation

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"

	"refuge/storage"
)

// SubscribeRel is the link relation of the remote-follow template.
const SubscribeRel = "http://ostatus.org/schema/1.0/subscribe"

// JRD is a WebFinger answer (RFC 7033).
type JRD struct {
	Subject string   `json:"subject,omitempty"`
	Aliases []string `json:"aliases,omitempty"`
	Links   []Link   `json:"links,omitempty"`
}

// Link is one link of a JRD.
type Link struct {
	Rel      string `json:"rel,omitempty"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// ParseHandle splits "@user@host", "user@host" or "acct:user@host" into user and host. The
// host is lowercased and may carry a port; anything else is refused with Invalid.
func ParseHandle(s string) (user, host string, err error) {
	h := strings.TrimSpace(s)
	if len(h) > 5 && strings.EqualFold(h[:5], "acct:") {
		h = h[5:]
	} else {
		h = strings.TrimPrefix(h, "@")
	}
	user, host, ok := strings.Cut(h, "@")
	if !ok || !validUser(user) || !validHost(host) {
		return "", "", storage.Errorf(storage.Invalid, "not a handle: %s", strconv.Quote(s))
	}
	return user, strings.ToLower(host), nil
}

// validUser allows the characters usernames have across Mastodon, GoToSocial, Misskey and
// Pleroma: letters, digits, '_', '.', '-'.
func validUser(u string) bool {
	if u == "" || len(u) > 256 {
		return false
	}
	for _, c := range u {
		if !isAlnum(c) && c != '_' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// validHost allows an ASCII DNS name of dot-separated labels with an optional port.
func validHost(h string) bool {
	name, port, hasPort := strings.Cut(h, ":")
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return false
		}
	}
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !isAlnum(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

func isAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// WebFinger finds the actor id of user@host: it asks scheme://host/.well-known/webfinger
// (scheme "" means https) and, when that fails, the lrdd template of host-meta. The self link
// must be an ActivityPub one. When it points to another host, that host must confirm by its
// own WebFinger answer naming the same account, else Forbidden.
func (c *Client) WebFinger(ctx context.Context, user, host, scheme string) (actorID string, jrd *JRD, err error) {
	if scheme == "" {
		scheme = "https"
	}
	resource := "acct:" + user + "@" + host
	jrd, err = c.fetchJRD(ctx, scheme+"://"+host+"/.well-known/webfinger?resource="+url.QueryEscape(resource))
	if err != nil {
		var hmErr error
		if jrd, hmErr = c.hostMetaJRD(ctx, scheme, host, resource); hmErr != nil {
			return "", nil, fmt.Errorf("webfinger %s: %w (host-meta: %v)", resource, err, hmErr)
		}
	}
	actorID = selfLink(jrd)
	if actorID == "" {
		return "", nil, storage.Errorf(storage.NotFound, "webfinger %s: no ActivityPub actor", resource)
	}
	actorHost := storage.HostOf(actorID)
	if actorHost == "" {
		return "", nil, storage.Errorf(storage.Invalid, "webfinger %s: bad self link", resource)
	}
	if actorHost != strings.ToLower(host) {
		if err := c.confirmSelf(ctx, scheme, actorHost, resource, actorID); err != nil {
			return "", nil, err
		}
	}
	return actorID, jrd, nil
}

// confirmSelf asks the actor's own host about the account: its answer must name the account
// and give the same self link, so one host cannot claim another's actors. Split-domain
// servers (Mastodon's WEB_DOMAIN, GoToSocial's account-domain) answer this way.
func (c *Client) confirmSelf(ctx context.Context, scheme, actorHost, resource, actorID string) error {
	j, err := c.fetchJRD(ctx, scheme+"://"+actorHost+"/.well-known/webfinger?resource="+url.QueryEscape(resource))
	if err == nil && selfLink(j) == actorID && names(j, resource) {
		return nil
	}
	return storage.Wrap(storage.Forbidden, err, "webfinger self link points to another host")
}

// names reports whether the JRD's subject or aliases include resource.
func names(j *JRD, resource string) bool {
	if strings.EqualFold(j.Subject, resource) {
		return true
	}
	for _, a := range j.Aliases {
		if strings.EqualFold(a, resource) {
			return true
		}
	}
	return false
}

func (c *Client) fetchJRD(ctx context.Context, u string) (*JRD, error) {
	body, err := c.GetJRD(ctx, u)
	if err != nil {
		return nil, err
	}
	return parseJRD(body)
}

// parseJRD reads a WebFinger answer from a peer: sound JSON within CheckJSON's limits, and
// an object of the JRD's shape.
func parseJRD(body []byte) (*JRD, error) {
	if err := CheckJSON(body); err != nil {
		return nil, err
	}
	var j JRD
	if err := json.Unmarshal(body, &j); err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "webfinger answer is not a JRD")
	}
	return &j, nil
}

// hostMetaJRD follows host-meta's lrdd template, which Mastodon tries when WebFinger at the
// well-known path fails (for servers that keep it elsewhere).
func (c *Client) hostMetaJRD(ctx context.Context, scheme, host, resource string) (*JRD, error) {
	body, _, _, err := c.Get(ctx, scheme+"://"+host+"/.well-known/host-meta", AcceptXRD, nil)
	if err != nil {
		return nil, err
	}
	var xrd struct {
		Links []struct {
			Rel      string `xml:"rel,attr"`
			Template string `xml:"template,attr"`
		} `xml:"Link"`
	}
	if err := xml.Unmarshal(body, &xrd); err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "host-meta is not XRD")
	}
	for _, l := range xrd.Links {
		if l.Rel == "lrdd" && strings.Contains(l.Template, "{uri}") {
			return c.fetchJRD(ctx, strings.Replace(l.Template, "{uri}", url.QueryEscape(resource), 1))
		}
	}
	return nil, storage.Errorf(storage.NotFound, "host-meta has no lrdd template")
}

// selfLink is the href of the JRD's ActivityPub self link: type application/activity+json,
// or application/ld+json with the ActivityStreams profile.
func selfLink(j *JRD) string {
	for _, l := range j.Links {
		if l.Rel != "self" || l.Href == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(l.Type)
		if err != nil {
			continue
		}
		if mt == "application/activity+json" ||
			mt == "application/ld+json" && strings.Contains(params["profile"], ActivityStreamsContext) {
			return l.Href
		}
	}
	return ""
}

// SubscribeTemplate returns the remote-follow template (rel
// http://ostatus.org/schema/1.0/subscribe) of a JRD, or "".
func SubscribeTemplate(j *JRD) string {
	for _, l := range j.Links {
		if l.Rel == SubscribeRel {
			return l.Template
		}
	}
	return ""
}
