package web

import (
	"net/http"
	"strings"

	"golang.org/x/text/language"

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
