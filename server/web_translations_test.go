package server_test

import (
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestWebTranslations: the compose page writes a post in several languages and refuses a
// translation without its language or two in one language, giving back what was typed;
// the edit page shows the translations as text and changes, adds or removes them.
func TestWebTranslations(t *testing.T) {
	t.Parallel()
	a := testrig.Start(t)
	a.Account("alice", false)
	alice := testrig.NewWebClient(t, a)
	alice.SignIn("alice", "password-alice")

	if _, page := alice.Get("/compose"); !strings.Contains(page, `<summary>Add a translation</summary>`) ||
		!strings.Contains(page, `<label for="translation-1">Translation 1</label>`) ||
		!strings.Contains(page, `<label for="translation-language-1">Language of translation 1</label>`) {
		t.Fatalf("the compose page offers no translation")
	}
	compose := func(fields ...string) url.Values {
		f := url.Values{"csrf": {alice.CSRF("/compose")}, "content": {"Hello"}, "language": {"en"}}
		for i := 0; i+1 < len(fields); i += 2 {
			f.Set(fields[i], fields[i+1])
		}
		return f
	}
	refusals := []struct {
		name   string
		form   url.Values
		reason string
		typed  string
	}{
		{"a translation without its language", compose("translation_1", "Hallo"), "translation 1 needs its language", ">Hallo</textarea>"},
		{"two translations in one language", compose("translation_language_1", "de", "translation_1", "Hallo",
			"translation_language_2", "de", "translation_2", "Servus"), "two translations in de", ">Servus</textarea>"},
		{"a translation that is no language tag", compose("translation_language_1", "deutsch!", "translation_1", "Hallo"),
			"not a language tag", `value="deutsch!"`},
	}
	before := a.RowCounts()["notes"]
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			resp, page := alice.PostMultipart("/web/notes", r.form)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, r.reason) || !strings.Contains(page, r.typed) {
				t.Errorf("%d, reason %q or %q missing:\n%s", resp.StatusCode, r.reason, r.typed, page)
			}
		})
	}
	if after := a.RowCounts()["notes"]; after != before {
		t.Errorf("refused forms stored notes: %d, was %d", after, before)
	}

	resp, body := alice.PostMultipart("/web/notes", compose("translation_language_1", "de", "translation_1", "Hallo"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("compose: %d %s", resp.StatusCode, body)
	}
	uri := a.Base + strings.SplitN(resp.Header.Get("Location"), "#", 2)[0]
	n := a.Note(uri)
	if !maps.Equal(n.ContentMap, map[string]string{"en": "<p>Hello</p>", "de": "<p>Hallo</p>"}) {
		t.Fatalf("contentMap %v", n.ContentMap)
	}
	editPath := "/notes/" + strconv.FormatInt(n.ID, 10) + "/edit"
	_, page := alice.Get(editPath)
	for _, want := range []string{`<details class="translations" open>`, `name="translation_language_1" type="text" value="de"`,
		`lang="de" aria-describedby="translations-hint">Hallo</textarea>`, `name="translation_language_2" type="text" value=""`} {
		if !strings.Contains(page, want) {
			t.Errorf("the edit page lacks %s", want)
		}
	}
	edits := []struct {
		name   string
		fields []string
		want   map[string]string
	}{
		{"changed and one added", []string{"translation_language_1", "de", "translation_1", "Hallo Welt",
			"translation_language_2", "fr", "translation_2", "Bonjour"},
			map[string]string{"en": "<p>Hello</p>", "de": "<p>Hallo Welt</p>", "fr": "<p>Bonjour</p>"}},
		{"one emptied: removed", []string{"translation_language_1", "de", "translation_1", "",
			"translation_language_2", "fr", "translation_2", "Bonjour"},
			map[string]string{"en": "<p>Hello</p>", "fr": "<p>Bonjour</p>"}},
		{"all emptied: one language", []string{"translation_language_1", "fr", "translation_1", " "}, nil},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			form := url.Values{"csrf": {alice.CSRF(editPath)}, "content": {"Hello"}, "language": {"en"}}
			for i := 0; i+1 < len(e.fields); i += 2 {
				form.Set(e.fields[i], e.fields[i+1])
			}
			resp, body := alice.PostMultipart("/web/notes/"+strconv.FormatInt(n.ID, 10)+"/edit", form)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("edit: %d %s", resp.StatusCode, body)
			}
			if got := a.Note(uri).ContentMap; !maps.Equal(got, e.want) {
				t.Errorf("contentMap %v, want %v", got, e.want)
			}
		})
	}
}
