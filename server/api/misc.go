package api

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"refuge/storage"
)

// Preferences are an account's defaults for posting and reading, as apps apply them. The
// keys are Mastodon's, colons and all.
type Preferences struct {
	Visibility     string  `json:"posting:default:visibility"`
	Sensitive      bool    `json:"posting:default:sensitive"`
	Language       *string `json:"posting:default:language"`
	ExpandMedia    string  `json:"reading:expand:media"`
	ExpandSpoilers bool    `json:"reading:expand:spoilers"`
}

// WeeklyActivity is what happened on the instance in one week, every number a string, as
// Mastodon writes them: the week is the UNIX time of its Monday, 00:00 UTC.
type WeeklyActivity struct {
	Week          string `json:"week"`
	Statuses      string `json:"statuses"`
	Logins        string `json:"logins"`
	Registrations string `json:"registrations"`
}

// InstanceDomainBlock is a server this instance blocks, as GET /api/v1/instance/domain_blocks
// lists it (Mastodon's DomainBlock): the domain, the SHA-256 of it in hex, the severity
// (silence or suspend) and, only when there is one, the public reason.
type InstanceDomainBlock struct {
	Domain   string `json:"domain"`
	Digest   string `json:"digest"`
	Severity string `json:"severity"`
	Comment  string `json:"comment,omitempty"`
}

// Limits of the trends and the weeks of activity, as Mastodon's.
const (
	trendTagsLimit, trendTagsMax         = 10, 20
	trendStatusesLimit, trendStatusesMax = 20, 40
	activityWeeks                        = 12
)

// preferences answers GET /api/v1/preferences: the account's posting defaults (set through
// update_credentials' source, shown in verify_credentials' source, and used by POST
// /api/v1/statuses for what an app leaves out). Reading preferences are Mastodon's defaults:
// Refuge keeps none per account.
func (h *Handler) preferences(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	d, err := h.Read.PostingDefaults(r.Context(), viewer.ID)
	if err != nil {
		return err
	}
	p := Preferences{Visibility: visibilityOf(cmp.Or(d.Privacy, storage.Public)), Sensitive: d.Sensitive, ExpandMedia: "default"}
	if d.Language != "" {
		p.Language = &d.Language
	}
	return ok(w, p)
}

// emptyList answers [] for what Refuge has none of yet: custom emoji, keyword filters,
// announcements, instance rules, and the trending posts and links it
// does not rank.
func (h *Handler) emptyList(w http.ResponseWriter, _ *http.Request, _ *storage.Actor) error {
	return ok(w, []struct{}{})
}

// trendingStatuses answers GET /api/v1/trends/statuses and /links: [] after checking the
// paging, as Refuge ranks no posts or links (nobody reviews them).
func (h *Handler) trendingStatuses(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	if _, _, err := limitOffset(r, trendStatusesLimit, trendStatusesMax); err != nil {
		return err
	}
	return ok(w, []struct{}{})
}

// trendingTags answers GET /api/v1/trends/tags: the hashtags of the public posts of the
// last days, used by the most accounts first, with their daily use.
func (h *Handler) trendingTags(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	limit, offset, err := limitOffset(r, trendTagsLimit, trendTagsMax)
	if err != nil {
		return err
	}
	uses, err := h.Read.TrendingTags(r.Context(), time.Now(), limit, offset)
	if err != nil {
		return err
	}
	rn := h.render(r.Context(), viewer)
	out := []*Hashtag{}
	for _, u := range uses {
		tag, err := rn.hashtag(u.Name)
		if err != nil {
			return err
		}
		out = append(out, tag)
	}
	if len(out) == limit { // as Mastodon, a full page links to the next by offset
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(offset+limit))
		w.Header().Set("Link", "<"+h.URIs.Base()+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	return ok(w, out)
}

// peers answers GET /api/v1/instance/peers: the hosts of the servers this one knows.
func (h *Handler) peers(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	hosts, err := h.Read.Peers(r.Context())
	if err != nil {
		return err
	}
	if hosts == nil {
		hosts = []string{}
	}
	return ok(w, hosts)
}

// instanceDomainBlocks answers GET /api/v1/instance/domain_blocks: the servers this instance
// suspends or silences, with their public reasons, oldest first. It is public, as Mastodon's
// is when the instance shows its moderated servers to everyone; blocks of single actors and
// the admins' private notes are never listed.
func (h *Handler) instanceDomainBlocks(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	blocks, err := h.Read.HostBlocks(r.Context())
	if err != nil {
		return err
	}
	out := make([]InstanceDomainBlock, 0, len(blocks))
	for _, b := range blocks {
		sum := sha256.Sum256([]byte(b.Target))
		out = append(out, InstanceDomainBlock{Domain: b.Target, Digest: hex.EncodeToString(sum[:]),
			Severity: string(b.Severity), Comment: b.PublicComment})
	}
	return ok(w, out)
}

// activity answers GET /api/v1/instance/activity: the last twelve weeks, this one first.
// Logins are the local accounts that signed in that week and keep that session or token.
func (h *Handler) activity(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	weeks, err := h.Read.Activity(r.Context(), time.Now(), activityWeeks)
	if err != nil {
		return err
	}
	out := make([]WeeklyActivity, 0, len(weeks))
	for _, wk := range weeks {
		out = append(out, WeeklyActivity{Week: strconv.FormatInt(wk.Week.Unix(), 10), Statuses: strconv.Itoa(wk.Posts),
			Logins: strconv.Itoa(wk.Logins), Registrations: strconv.Itoa(wk.Registrations)})
	}
	return ok(w, out)
}
