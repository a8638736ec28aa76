package api

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"refuge/outbox"
	"refuge/storage"
)

// Keyword filters: Mastodon's v2 filters API (/api/v2/filters, their keywords, and each
// keyword at /api/v2/filters/keywords/:id), and the v1 API older apps still use, where each
// keyword is a filter of its own, mapped onto the same filters as Mastodon maps it. outbox
// checks and stores them; reader applies them.

// filterEntity is the Filter entity of f.
func filterEntity(f *storage.Filter) Filter {
	out := Filter{ID: rowID(f.ID), Title: f.Title, Context: []string{}, FilterAction: string(f.Action),
		Keywords: []FilterKeyword{}, Statuses: []FilterStatus{}}
	for _, c := range f.Contexts {
		out.Context = append(out.Context, string(c))
	}
	if !f.Expires.IsZero() {
		out.ExpiresAt = ptr(timeOf(f.Expires))
	}
	for _, k := range f.Keywords {
		out.Keywords = append(out.Keywords, keywordEntity(k))
	}
	return out
}

func keywordEntity(k storage.FilterKeyword) FilterKeyword {
	return FilterKeyword{ID: rowID(k.ID), Keyword: k.Keyword, WholeWord: k.WholeWord}
}

// filterV1 is the v1 Filter entity of keyword k of filter f.
func filterV1(f *storage.Filter, k storage.FilterKeyword) FilterV1 {
	e := filterEntity(f)
	return FilterV1{ID: rowID(k.ID), Phrase: k.Keyword, Context: e.Context, WholeWord: k.WholeWord, ExpiresAt: e.ExpiresAt,
		Irreversible: f.Action == storage.FilterHide}
}

// filterResults are the FilterResult entities of a status's matches: an empty list when
// there are none, as Mastodon gives one to every signed-in viewer.
func filterResults(ms []storage.FilterMatch) *[]FilterResult {
	out := []FilterResult{}
	for _, m := range ms {
		out = append(out, FilterResult{Filter: filterEntity(m.Filter), KeywordMatches: m.Keywords})
	}
	return &out
}

func (h *Handler) filters(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	list, err := h.Read.AccountFilters(r.Context(), viewer.ID)
	if err != nil {
		return err
	}
	out := []Filter{}
	for _, f := range list {
		out = append(out, filterEntity(f))
	}
	return ok(w, out)
}

func (h *Handler) filter(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "filter")
	if err != nil {
		return err
	}
	f, err := h.Read.AccountFilter(r.Context(), viewer.ID, id)
	if err != nil {
		return err
	}
	return ok(w, filterEntity(f))
}

func (h *Handler) createFilter(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	e, err := filterEditOf(q, true)
	if err != nil {
		return err
	}
	f, err := h.Outbox.CreateFilter(r.Context(), viewer, e)
	if err != nil {
		return err
	}
	return ok(w, filterEntity(f))
}

func (h *Handler) updateFilter(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "filter")
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	e, err := filterEditOf(q, false)
	if err != nil {
		return err
	}
	f, err := h.Outbox.EditFilter(r.Context(), viewer, id, e)
	if err != nil {
		return err
	}
	return ok(w, filterEntity(f))
}

func (h *Handler) deleteFilter(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return deleteOwn(w, r, viewer, h.Outbox.DeleteFilter)
}

// deleteOwn deletes the viewer's filter or keyword whose id is in the path, by del, and
// answers an empty object, as Mastodon.
func deleteOwn(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, del func(context.Context, *storage.Actor, int64) error) error {
	id, err := pathID(r, "filter")
	if err != nil {
		return err
	}
	if err := del(r.Context(), viewer, id); err != nil {
		return err
	}
	return ok(w, struct{}{})
}

func (h *Handler) filterKeywords(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "filter")
	if err != nil {
		return err
	}
	f, err := h.Read.AccountFilter(r.Context(), viewer.ID, id)
	if err != nil {
		return err
	}
	return ok(w, filterEntity(f).Keywords)
}

func (h *Handler) addFilterKeyword(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "filter")
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	k := keywordEditOf(q.Get("keyword"), q.Get("whole_word"))
	if k.Keyword == nil {
		k.Keyword = ptr("") // a keyword is needed: refused as blank
	}
	kw, err := h.Outbox.AddFilterKeyword(r.Context(), viewer, id, k)
	if err != nil {
		return err
	}
	return ok(w, keywordEntity(*kw))
}

func (h *Handler) filterKeyword(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "filter")
	if err != nil {
		return err
	}
	k, err := h.Read.AccountFilterKeyword(r.Context(), viewer.ID, id)
	if err != nil {
		return err
	}
	return ok(w, keywordEntity(*k))
}

func (h *Handler) updateFilterKeyword(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "filter")
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	var k outbox.KeywordEdit
	if q.Has("keyword") {
		k.Keyword = ptr(q.Get("keyword"))
	}
	if q.Has("whole_word") {
		k.WholeWord = ptr(boolParam(q, "whole_word"))
	}
	kw, _, err := h.Outbox.EditFilterKeyword(r.Context(), viewer, id, k, outbox.FilterEdit{})
	if err != nil {
		return err
	}
	return ok(w, keywordEntity(*kw))
}

func (h *Handler) deleteFilterKeyword(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return deleteOwn(w, r, viewer, h.Outbox.DeleteFilterKeyword)
}

// filtersV1 lists every keyword of the viewer's filters as a v1 filter, as Mastodon does.
func (h *Handler) filtersV1(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	list, err := h.Read.AccountFilters(r.Context(), viewer.ID)
	if err != nil {
		return err
	}
	out := []FilterV1{}
	for _, f := range list {
		for _, k := range f.Keywords {
			out = append(out, filterV1(f, k))
		}
	}
	return ok(w, out)
}

// filterV1ByKeyword finds the viewer's keyword id and its filter.
func (h *Handler) filterV1ByKeyword(r *http.Request, viewer *storage.Actor) (*storage.Filter, *storage.FilterKeyword, error) {
	id, err := pathID(r, "filter")
	if err != nil {
		return nil, nil, err
	}
	k, err := h.Read.AccountFilterKeyword(r.Context(), viewer.ID, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := h.Read.AccountFilter(r.Context(), viewer.ID, k.FilterID)
	return f, k, err
}

func (h *Handler) filterV1(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	f, k, err := h.filterV1ByKeyword(r, viewer)
	if err != nil {
		return err
	}
	return ok(w, filterV1(f, *k))
}

// createFilterV1 makes a filter of one keyword: its title the phrase, hide when
// irreversible, as Mastodon's v1 API does.
func (h *Handler) createFilterV1(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	e, k, err := filterV1EditOf(q)
	if err != nil {
		return err
	}
	if e.Title == nil {
		e.Title = ptr("")
	}
	if e.Contexts == nil {
		e.Contexts = []string{}
	}
	e.Keywords = []outbox.KeywordEdit{k}
	f, err := h.Outbox.CreateFilter(r.Context(), viewer, e)
	if err != nil {
		return err
	}
	return ok(w, filterV1(f, f.Keywords[0]))
}

func (h *Handler) updateFilterV1(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	id, err := pathID(r, "filter")
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	e, k, err := filterV1EditOf(q)
	if err != nil {
		return err
	}
	kw, f, err := h.Outbox.EditFilterKeyword(r.Context(), viewer, id, k, e)
	if err != nil {
		return err
	}
	return ok(w, filterV1(f, *kw))
}

func (h *Handler) deleteFilterV1(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	return h.deleteFilterKeyword(w, r, viewer) // the keyword goes; its filter stays, as on Mastodon
}

// filterV1EditOf reads v1's parameters: phrase (the filter's title and its keyword),
// context[], irreversible (hide, else warn), whole_word, expires_in.
func filterV1EditOf(q url.Values) (outbox.FilterEdit, outbox.KeywordEdit, error) {
	var e outbox.FilterEdit
	var k outbox.KeywordEdit
	if q.Has("phrase") {
		e.Title, k.Keyword = ptr(q.Get("phrase")), ptr(q.Get("phrase"))
	}
	if q.Has("whole_word") {
		k.WholeWord = ptr(boolParam(q, "whole_word"))
	}
	if q.Has("irreversible") {
		e.Action = ptr(string(storage.FilterWarn))
		if boolParam(q, "irreversible") {
			e.Action = ptr(string(storage.FilterHide))
		}
	}
	var err error
	if e.Contexts, err = contextsOf(q); err != nil {
		return e, k, err
	}
	e.Expires, err = expiresOf(q)
	return e, k, err
}

// filterEditOf reads the parameters of a v2 filter: title, context[], filter_action,
// expires_in and keywords_attributes[]; creating, a title and contexts are needed (outbox
// refuses them blank).
func filterEditOf(q url.Values, creating bool) (outbox.FilterEdit, error) {
	var e outbox.FilterEdit
	if q.Has("title") || creating {
		e.Title = ptr(q.Get("title"))
	}
	if q.Has("filter_action") {
		e.Action = ptr(q.Get("filter_action"))
	}
	var err error
	if e.Contexts, err = contextsOf(q); err != nil {
		return e, err
	}
	if creating && e.Contexts == nil {
		e.Contexts = []string{}
	}
	if e.Expires, err = expiresOf(q); err != nil {
		return e, err
	}
	e.Keywords, err = keywordsAttributes(q)
	return e, err
}

// contextsOf reads context[] (nil when not sent).
func contextsOf(q url.Values) ([]string, error) {
	if !q.Has("context[]") && !q.Has("context") {
		return nil, nil
	}
	list, err := listParam(q, "context", 2*len(storage.FilterContexts))
	if list == nil {
		list = []string{}
	}
	return list, err
}

// expiresOf reads expires_in, seconds from now; given empty, the filter never expires.
// Nil when not sent.
func expiresOf(q url.Values) (*time.Time, error) {
	if !q.Has("expires_in") {
		return nil, nil
	}
	s := strings.TrimSpace(q.Get("expires_in"))
	if s == "" {
		return &time.Time{}, nil
	}
	// A number from JSON may come written as 2.592e+06.
	secs, err := strconv.ParseFloat(s, 64)
	if err != nil || secs < 1 || secs > 100*365*24*3600 || math.IsNaN(secs) {
		return nil, storage.Errorf(storage.Invalid, "Validation failed: expires_in must be a number of seconds")
	}
	t := time.Now().Add(time.Duration(secs) * time.Second)
	return &t, nil
}

// keywordAttribute is one parameter of keywords_attributes, indexed (as JSON arrays of
// objects are read, and as Rails names them) or not (keywords_attributes[][keyword]).
var keywordAttribute = regexp.MustCompile(`^keywords_attributes\[(\d*)\]\[(keyword|whole_word|id|_destroy)\]$`)

// keywordsAttributes reads keywords_attributes: by index, in the order of the indexes;
// or, without indexes, the n-th of each attribute together (the values of a form keep
// their order within a name only, so each attribute sent must be sent for every keyword).
func keywordsAttributes(q url.Values) ([]outbox.KeywordEdit, error) {
	type attrs map[string]string
	byIndex := map[int]attrs{}
	plain := map[string][]string{}
	for key, vals := range q {
		if !strings.HasPrefix(key, "keywords_attributes") {
			continue
		}
		m := keywordAttribute.FindStringSubmatch(key)
		if m == nil {
			return nil, storage.Errorf(storage.Invalid, "%s: keywords are keywords_attributes[][keyword], [whole_word], [id] and [_destroy]",
				quoteParam(key))
		}
		if m[1] == "" {
			plain[m[2]] = vals
			continue
		}
		i, err := strconv.Atoi(m[1])
		if err != nil || i > 10*outbox.MaxFilterKeywords {
			return nil, storage.Errorf(storage.Invalid, "keywords_attributes: index out of range")
		}
		if byIndex[i] == nil {
			byIndex[i] = attrs{}
		}
		byIndex[i][m[2]] = vals[0]
	}
	var list []attrs
	n := 0
	for _, vals := range plain {
		n = max(n, len(vals))
	}
	for name, vals := range plain {
		if len(vals) != n {
			return nil, storage.Errorf(storage.Invalid, "keywords_attributes[][%s] is not given for every keyword: number them instead", name)
		}
	}
	for i := range n {
		a := attrs{}
		for name, vals := range plain {
			a[name] = vals[i]
		}
		list = append(list, a)
	}
	for i := 0; len(byIndex) > 0; i++ {
		if a, found := byIndex[i]; found {
			list = append(list, a)
			delete(byIndex, i)
		}
	}
	if len(list) > 2*outbox.MaxFilterKeywords {
		return nil, storage.Errorf(storage.Invalid, "too many keywords_attributes")
	}
	var out []outbox.KeywordEdit
	for _, a := range list {
		var k outbox.KeywordEdit
		if id, given := a["id"]; given && id != "" {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil || n <= 0 {
				return nil, storage.Errorf(storage.NotFound, "no such keyword")
			}
			k.ID = n
		}
		kw, hasKW := a["keyword"]
		ww, hasWW := a["whole_word"]
		k = mergeKeyword(k, keywordEditOf(kw, ww), hasKW, hasWW)
		k.Destroy = truthy(a["_destroy"])
		if k.ID == 0 && k.Keyword == nil && !k.Destroy {
			k.Keyword = ptr("") // a new keyword without one: refused as blank
		}
		out = append(out, k)
	}
	return out, nil
}

// keywordEditOf reads a keyword and whole_word as given ("" for not given).
func keywordEditOf(keyword, wholeWord string) outbox.KeywordEdit {
	var k outbox.KeywordEdit
	if keyword != "" {
		k.Keyword = &keyword
	}
	if wholeWord != "" {
		k.WholeWord = ptr(truthy(wholeWord))
	}
	return k
}

// mergeKeyword sets on k what was given of from: a keyword sent empty stays empty (and is
// refused), one not sent stays as it is.
func mergeKeyword(k, from outbox.KeywordEdit, hasKeyword, hasWholeWord bool) outbox.KeywordEdit {
	if hasKeyword {
		k.Keyword = from.Keyword
		if k.Keyword == nil {
			k.Keyword = ptr("")
		}
	}
	if hasWholeWord {
		k.WholeWord = from.WholeWord
	}
	return k
}

// truthy reads a boolean value as boolParam does.
func truthy(s string) bool { return boolParam(url.Values{"v": {s}}, "v") }

// quoteParam quotes a parameter's name for an error, cut short.
func quoteParam(s string) string {
	if len(s) > 60 {
		s = s[:60]
	}
	return strconv.Quote(s)
}
