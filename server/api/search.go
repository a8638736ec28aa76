package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
)

// SearchResults is what GET /api/v2/search found (Mastodon's Search entity).
type SearchResults struct {
	Accounts []*Account `json:"accounts"`
	Statuses []*Status  `json:"statuses"`
	Hashtags []*Hashtag `json:"hashtags"`
}

// Hashtag is Mastodon's Tag entity as search and trends answer it: a hashtag with its use
// on each of the last days. (A status lists its hashtags as the smaller Tag.)
type Hashtag struct {
	Name      string       `json:"name"`
	URL       string       `json:"url"`
	History   []TagHistory `json:"history"`
	Following *bool        `json:"following,omitempty"` // to a signed-in viewer only
}

// TagHistory is a hashtag's use on one day: its UNIX time at midnight UTC, the posts and
// their authors, all as strings, as Mastodon writes them.
type TagHistory struct {
	Day      string `json:"day"`
	Uses     string `json:"uses"`
	Accounts string `json:"accounts"`
}

// Search limits: results of each kind, as Mastodon's, and the longest query (an address).
const (
	searchLimit, searchMax = 20, 40
	maxSearchLength        = 2048
)

// searchText reads the q parameter, which Mastodon requires: 400 when missing or blank.
func searchText(w http.ResponseWriter, r *http.Request) (string, bool, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		return "", false, ok400(w, "param is missing or the value is empty: q")
	}
	if len(q) > maxSearchLength {
		return "", false, storage.Errorf(storage.Invalid, "q is too long")
	}
	return q, true, nil
}

// ok400 answers 400 with msg, the status Mastodon gives a required parameter left out.
func ok400(w http.ResponseWriter, msg string) error {
	return httpx.WriteJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": msg})
}

// limitOffset reads the limit (def when not given, at most most) and the offset of a list
// paged by offset.
func limitOffset(r *http.Request, def, most int) (limit, offset int, err error) {
	p, err := pagingOf(r, def, most, plainRow)
	if err != nil {
		return 0, 0, err
	}
	offset, err = offsetOf(r)
	return p.page.Limit, offset, err
}

// offsetOf reads offset: how many results to skip.
func offsetOf(r *http.Request) (int, error) {
	s := r.URL.Query().Get("offset")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, storage.Errorf(storage.Invalid, "offset must be a number, 0 or more")
	}
	return n, nil
}

// search answers GET /api/v2/search. As Mastodon: without a token (or with an app's own),
// resolving and paging are refused (401); an offset counts only when one type is asked
// for; a type Mastodon does not know finds nothing; max_id and min_id bound the statuses.
// exclude_unreviewed changes nothing: nobody reviews hashtags here.
func (h *Handler) search(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	text, good, err := searchText(w, r)
	if !good {
		return err
	}
	if viewer != nil { // a token is optional, but one sent must allow searching
		if _, err := h.Auth.Bearer(r, "read:search"); err != nil {
			return err
		}
	}
	q := r.URL.Query()
	if viewer == nil && q.Has("offset") {
		return storage.Errorf(storage.Unauthorized, "Search queries pagination is not supported without authentication")
	}
	if viewer == nil && boolParam(q, "resolve") {
		return storage.Errorf(storage.Unauthorized, "Search queries that resolve remote resources are not supported without authentication")
	}
	p, err := pagingOf(r, searchLimit, searchMax, noteRow) // max_id and min_id are statuses'
	if err != nil {
		return err
	}
	offset, err := offsetOf(r)
	if err != nil {
		return err
	}
	sq := reader.SearchQuery{Text: text, Resolve: boolParam(q, "resolve"), Following: boolParam(q, "following"),
		Before: p.page.Before, After: p.page.After, Limit: p.page.Limit}
	switch t := q.Get("type"); t {
	case "":
		sq.Accounts, sq.Notes, sq.Tags = true, true, true
	default:
		sq.Accounts, sq.Notes, sq.Tags = t == "accounts", t == "statuses", t == "hashtags"
		sq.Offset = offset
	}
	if s := q.Get("account_id"); s != "" {
		if sq.AuthorID, good = plainRow(s); !good {
			sq.Notes = false // no account has that id: none of its posts to find
		}
	}
	res, err := h.Read.Search(r.Context(), reader.Local(viewer), sq)
	if err != nil {
		return err
	}
	rn := h.render(r.Context(), viewer)
	out := SearchResults{Hashtags: []*Hashtag{}}
	if out.Accounts, err = rn.accountList(res.Actors); err != nil {
		return err
	}
	if out.Statuses, err = rn.statuses(res.Notes); err != nil {
		return err
	}
	for _, name := range res.Tags {
		tag, err := rn.hashtag(name)
		if err != nil {
			return err
		}
		out.Hashtags = append(out.Hashtags, tag)
	}
	return ok(w, out)
}

// accountSearch answers GET /api/v1/accounts/search: accounts only, by name or handle.
func (h *Handler) accountSearch(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	text, good, err := searchText(w, r)
	if !good {
		return err
	}
	limit, offset, err := limitOffset(r, accountsLimit, accountsMax)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	res, err := h.Read.Search(r.Context(), reader.Local(viewer), reader.SearchQuery{Text: text, Accounts: true,
		Resolve: boolParam(q, "resolve"), Following: boolParam(q, "following"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out, err := h.render(r.Context(), viewer).accountList(res.Actors)
	if err != nil {
		return err
	}
	return ok(w, out)
}

// accountList is the Account entities of actors, in order; an empty list, not null, when
// there are none.
func (rn *render) accountList(actors []*storage.Actor) ([]*Account, error) {
	if err := rn.countAll(actors...); err != nil {
		return nil, err
	}
	out := make([]*Account, 0, len(actors))
	for _, a := range actors {
		acc, err := rn.account(a)
		if err != nil {
			return nil, err
		}
		out = append(out, acc)
	}
	return out, nil
}

// hashtag is the Hashtag entity of name, with its use over the last days.
func (rn *render) hashtag(name string) (*Hashtag, error) {
	days, err := rn.h.Read.TagHistory(rn.ctx, name, time.Now())
	if err != nil {
		return nil, err
	}
	tag := &Hashtag{Name: name, URL: rn.h.URIs.Tag(name), History: make([]TagHistory, 0, len(days))}
	for _, d := range days {
		tag.History = append(tag.History, TagHistory{Day: strconv.FormatInt(d.Day.Unix(), 10),
			Uses: strconv.Itoa(d.Uses), Accounts: strconv.Itoa(d.Accounts)})
	}
	if rn.viewer != nil {
		following, err := rn.h.Read.FollowsTags(rn.ctx, rn.who(), []string{name})
		if err != nil {
			return nil, err
		}
		tag.Following = ptr(following[name])
	}
	return tag, nil
}
