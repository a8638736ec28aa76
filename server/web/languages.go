package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"refuge/storage"
	"refuge/templates"
)

// A post in several languages is shown in its reader's (templates.ReadingLanguages), so a
// page depends on Accept-Language: every page says so in Vary, and a kept page is kept
// under the languages it was built for (pagecache.go), as ?lang= is already in its address.

// maxReadingLanguages bounds the languages taken from one reader: a browser names a
// handful, and each is tried against every post in several languages on the page.
const maxReadingLanguages = 6

// maxAcceptLanguage is the longest Accept-Language read; a longer one is no preference.
const maxAcceptLanguage = 512

// readingLanguages is what r's reader reads, most wanted first: ?lang=, then
// Accept-Language.
func readingLanguages(r *http.Request) []language.Tag {
	accept := r.Header.Get("Accept-Language")
	if len(accept) > maxAcceptLanguage {
		accept = ""
	}
	return templates.ReadingLanguages(r.URL.Query().Get("lang"), accept, maxReadingLanguages)
}

// readingKey names r's reading languages in a kept page's key: readers who read the same
// languages in the same order share the page, whatever the spelling of their headers.
func readingKey(r *http.Request) string {
	tags := readingLanguages(r)
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.String()
	}
	return strings.Join(names, ",")
}

// translationsOf reads the translation fields of the compose and edit forms
// (translation_language_N and translation_N, N from 1): the post's other languages, as a
// contentMap for the outbox and as typed for the form shown again. A language without a
// text is no translation (an edit removes it so); a text without a language, or two
// texts in one language, are refused with the form.
func translationsOf(r *http.Request) (map[string]string, []templates.Translation, error) {
	m := map[string]string{}
	var typed []templates.Translation
	var problem error
	for i := 1; i <= templates.TranslationFields; i++ {
		n := strconv.Itoa(i)
		lang := strings.TrimSpace(r.PostFormValue("translation_language_" + n))
		text := strings.ReplaceAll(r.PostFormValue("translation_"+n), "\r\n", "\n")
		if strings.TrimSpace(text) == "" {
			continue
		}
		typed = append(typed, templates.Translation{Language: lang, Text: text})
		switch _, twice := m[lang]; {
		case problem != nil:
		case lang == "":
			problem = storage.Errorf(storage.Invalid, "translation %d needs its language", i)
		case twice:
			problem = storage.Errorf(storage.Invalid, "two translations in %s: keep one", lang)
		default:
			m[lang] = text
		}
	}
	return m, typed, problem
}

// storedTranslations are a note's languages besides its main one, as the edit form shows
// them: their text, in the order of their tags.
func storedTranslations(n *storage.Note) []templates.Translation {
	var out []templates.Translation
	for lang, html := range n.ContentMap {
		if lang != n.Language {
			out = append(out, templates.Translation{Language: lang, Text: templates.PlainText(html)})
		}
	}
	slices.SortFunc(out, func(a, b templates.Translation) int { return strings.Compare(a.Language, b.Language) })
	return out
}
