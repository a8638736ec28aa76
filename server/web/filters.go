package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"refuge/outbox"
	"refuge/storage"
	"refuge/templates"
)

// The settings page of keyword filters (/filters): the viewer's filters, a form to add
// one (keywords one a line) and, with ?edit=ID, to change one. outbox checks and stores
// them, as for the client API; reader applies them to every page.

// filterContextLabels are what the contexts are called on the page.
var filterContextLabels = map[storage.FilterContext]string{
	storage.FilterHome:          "Home timeline",
	storage.FilterNotifications: "Notifications",
	storage.FilterPublic:        "Public timelines and hashtags",
	storage.FilterThread:        "Conversations",
	storage.FilterAccount:       "Profiles",
}

// filterExpiries are the expiries the form offers, in seconds, as Mastodon's form does.
var filterExpiries = []templates.Choice{
	{Value: "", Label: "Never"},
	{Value: "1800", Label: "In 30 minutes"},
	{Value: "3600", Label: "In an hour"},
	{Value: "21600", Label: "In 6 hours"},
	{Value: "43200", Label: "In 12 hours"},
	{Value: "86400", Label: "In a day"},
	{Value: "604800", Label: "In a week"},
}

// keepExpiry is the choice that leaves a filter's expiry as it is.
const keepExpiry = "keep"

func (h *Handler) filtersPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	ctx := r.Context()
	list, err := h.Read.AccountFilters(ctx, viewer.ID)
	if err != nil {
		return err
	}
	form := templates.FilterForm{WholeWord: true}
	var editing *storage.Filter
	if id := r.URL.Query().Get("edit"); id != "" {
		n, _ := strconv.ParseInt(id, 10, 64)
		if editing, err = h.Read.AccountFilter(ctx, viewer.ID, n); err != nil {
			return err
		}
		var words []string
		for _, k := range editing.Keywords {
			words = append(words, k.Keyword)
		}
		form = templates.FilterForm{ID: editing.ID, Title: editing.Title, Keywords: strings.Join(words, "\n"),
			Hide:      editing.Action == storage.FilterHide,
			WholeWord: len(editing.Keywords) == 0 || !slices.ContainsFunc(editing.Keywords, func(k storage.FilterKeyword) bool { return !k.WholeWord })}
	}
	for _, c := range storage.FilterContexts {
		checked := editing == nil || editing.Applies(c)
		form.Contexts = append(form.Contexts, templates.Choice{Value: string(c), Label: filterContextLabels[c], Checked: checked})
	}
	form.Expiry = slices.Clone(filterExpiries)
	if editing != nil && !editing.Expires.IsZero() {
		label := "As it is (expired)"
		if editing.Live(time.Now()) {
			label = "As it is (until " + editing.Expires.UTC().Format("2 Jan 2006 15:04") + " UTC)"
		}
		form.Expiry = append([]templates.Choice{{Value: keepExpiry, Label: label, Checked: true}}, form.Expiry...)
	} else {
		form.Expiry[0].Checked = true
	}
	return h.render(w, r, http.StatusOK, "filters", h.page(r, "Filters",
		&templates.FiltersData{Filters: list, Labels: filterContextLabels, Now: time.Now(), Form: form}))
}

// filterFormEdit reads the filter form: what it sets of the filter, and its keywords, one
// a line, each once.
func filterFormEdit(r *http.Request) (outbox.FilterEdit, []string, bool, error) {
	title, action := r.PostFormValue("title"), r.PostFormValue("action")
	e := outbox.FilterEdit{Title: &title, Action: &action, Contexts: r.PostForm["context"]}
	if e.Contexts == nil {
		e.Contexts = []string{}
	}
	switch in := r.PostFormValue("expires_in"); in {
	case keepExpiry:
	case "":
		e.Expires = &time.Time{}
	default:
		secs, err := strconv.Atoi(in)
		if err != nil || secs < 1 || secs > 366*24*3600 {
			return e, nil, false, storage.Errorf(storage.Invalid, "choose when the filter expires from the list")
		}
		t := time.Now().Add(time.Duration(secs) * time.Second)
		e.Expires = &t
	}
	var words []string
	for _, line := range strings.Split(r.PostFormValue("keywords"), "\n") {
		if w := strings.TrimSpace(line); w != "" && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return e, nil, false, storage.Errorf(storage.Invalid, "give at least one keyword")
	}
	return e, words, r.PostFormValue("whole_word") != "", nil
}

func (h *Handler) addFilter(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	e, words, whole, err := filterFormEdit(r)
	if err != nil {
		return err
	}
	for _, word := range words {
		e.Keywords = append(e.Keywords, outbox.KeywordEdit{Keyword: &word, WholeWord: &whole})
	}
	if _, err := h.Outbox.CreateFilter(r.Context(), viewer, e); err != nil {
		return err
	}
	return h.filtersDone(w, r, "filter-added")
}

// editFilter changes a filter from the form: its keywords become those listed, those kept
// keeping their ids.
func (h *Handler) editFilter(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	e, words, whole, err := filterFormEdit(r)
	if err != nil {
		return err
	}
	f, err := h.Read.AccountFilter(r.Context(), viewer.ID, id)
	if err != nil {
		return err
	}
	for _, k := range f.Keywords {
		if slices.Contains(words, k.Keyword) {
			e.Keywords = append(e.Keywords, outbox.KeywordEdit{ID: k.ID, WholeWord: &whole})
		} else {
			e.Keywords = append(e.Keywords, outbox.KeywordEdit{ID: k.ID, Destroy: true})
		}
	}
	for _, word := range words {
		if !slices.ContainsFunc(f.Keywords, func(k storage.FilterKeyword) bool { return k.Keyword == word }) {
			e.Keywords = append(e.Keywords, outbox.KeywordEdit{Keyword: &word, WholeWord: &whole})
		}
	}
	if _, err := h.Outbox.EditFilter(r.Context(), viewer, id, e); err != nil {
		return err
	}
	return h.filtersDone(w, r, "filter-saved")
}

func (h *Handler) deleteFilter(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Outbox.DeleteFilter(r.Context(), viewer, id); err != nil {
		return err
	}
	return h.filtersDone(w, r, "filter-deleted")
}

// filtersDone sends the viewer back to the filters page, which says what was done.
func (h *Handler) filtersDone(w http.ResponseWriter, r *http.Request, notice string) error {
	h.flash(w, notice)
	http.Redirect(w, r, "/filters", http.StatusSeeOther)
	return nil
}
