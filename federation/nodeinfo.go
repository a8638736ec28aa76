package federation

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"refuge/storage"
)

// What a server runs, as its NodeInfo says: some things are said differently to different
// software (a group's Announce: FEP-1b12's form for Lemmy and its kin, a boost for Mastodon
// and its). Kept a week once read; a server whose NodeInfo could not be read is asked again
// after a day.
const (
	softwareFresh   = 7 * 24 * time.Hour
	softwareRetried = 24 * time.Hour
)

// Software returns what host runs: its NodeInfo's software.name in lower case, "" when it
// cannot be told. It answers from storage while that is fresh, and otherwise asks host
// (unsigned, through the guarded client) and keeps the answer, whatever it is.
func (r *Remote) Software(ctx context.Context, host string) (string, error) {
	host = strings.ToLower(host)
	if p, err := r.DB.GetPeerSoftware(ctx, host); err == nil {
		age := r.now().Sub(p.Fetched)
		if age < softwareFresh && (p.Software != "" || age < softwareRetried) {
			return p.Software, nil
		}
	} else if storage.KindOf(err) != storage.NotFound {
		return "", err
	}
	name, version := r.readNodeInfo(ctx, host)
	p := &storage.PeerSoftware{Host: host, Software: name, Version: version, Fetched: r.now()}
	if err := r.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutPeerSoftware(ctx, p) }); err != nil {
		return "", err
	}
	return name, nil
}

// readNodeInfo reads host's NodeInfo: the index at /.well-known/nodeinfo, then the newest 2.x
// document it links to on the same host. Any failure gives "".
func (r *Remote) readNodeInfo(ctx context.Context, host string) (name, version string) {
	scheme := r.Scheme
	if scheme == "" {
		scheme = "https"
	}
	body, err := r.Client.GetJRD(ctx, scheme+"://"+host+"/.well-known/nodeinfo")
	if err != nil {
		return "", ""
	}
	var index struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	if json.Unmarshal(body, &index) != nil {
		return "", ""
	}
	href, rel := "", ""
	for _, l := range index.Links {
		if strings.HasPrefix(l.Rel, "http://nodeinfo.diaspora.software/ns/schema/2.") && l.Href != "" && l.Rel > rel {
			u, err := url.Parse(l.Href)
			if err == nil && strings.EqualFold(u.Host, host) {
				href, rel = l.Href, l.Rel
			}
		}
	}
	if href == "" {
		return "", ""
	}
	if body, err = r.Client.GetJRD(ctx, href); err != nil {
		return "", ""
	}
	var doc struct {
		Software struct{ Name, Version string } `json:"software"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return "", ""
	}
	return clampString(strings.ToLower(doc.Software.Name), 64), clampString(doc.Software.Version, 64)
}

// clampString is s, cut to at most n bytes.
func clampString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
