package templates

import (
	"html/template"
	"net/url"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"refuge/storage"
)

// Posts in several languages. A note whose contentMap holds more than one language is
// shown in the one its reader reads best (Page.Prefer: the language asked for with
// ?lang=, then the browser's Accept-Language), matched by x/text's Matcher, which knows
// that a zh-CN reader reads zh-Hans and an en-GB one reads en; a reader it finds nothing
// for gets the author's main language. The other versions follow, each with its lang,
// under a switch that needs no script.

// version is one of the other languages a post is written in.
type version struct {
	Lang    string // its BCP 47 tag, for the lang attribute
	Name    string // the language's name in itself ("简体中文"), else the tag
	Content template.HTML
	URL     string // the post's page read in this language first
}

// ReadingLanguages is what a reader reads, most wanted first: the language of ?lang=,
// when it is one, then those of Accept-Language by their q-values, those it refuses
// (q=0) left out. At most max are taken: a browser names a handful.
func ReadingLanguages(asked, acceptLanguage string, max int) []language.Tag {
	var out []language.Tag
	if t, err := language.Parse(asked); asked != "" && err == nil {
		out = append(out, t)
	}
	tags, q, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return out // a header that does not parse is no preference
	}
	for i, t := range tags {
		if len(out) >= max {
			break
		}
		if q[i] > 0 {
			out = append(out, t)
		}
	}
	return out
}

// chooseLanguage is which of n's languages is shown to a reader who reads prefer, and
// the others in a steady order: the main language first, then by tag.
func chooseLanguage(n *storage.Note, prefer []language.Tag) (shown string, others []string) {
	langs := make([]string, 0, len(n.ContentMap))
	for lang := range n.ContentMap {
		if lang != n.Language {
			langs = append(langs, lang)
		}
	}
	sort.Strings(langs)
	if _, ok := n.ContentMap[n.Language]; ok {
		langs = append([]string{n.Language}, langs...)
	}
	shown = langs[0]
	if len(prefer) > 0 {
		if m := matcherOf(langs); m.matcher != nil {
			if _, i, conf := m.matcher.Match(prefer...); conf != language.No {
				shown = m.named[i]
			}
		}
	}
	for _, lang := range langs {
		if lang != shown {
			others = append(others, lang)
		}
	}
	return shown, others
}

// languageMatcher matches readers to the languages of posts written in the same ones:
// matcher's i-th language is named[i], those that do not parse left out; nil matcher
// when none parses.
type languageMatcher struct {
	matcher language.Matcher
	named   []string
}

// maxMatchers bounds the matchers kept; past it they are made again. A page shows the
// same few sets of languages over and over (en and zh-Hans), and a matcher costs some
// 200 allocations to make.
const maxMatchers = 256

var matchers = struct {
	sync.Mutex
	byLangs map[string]languageMatcher
}{byLangs: map[string]languageMatcher{}}

// matcherOf is the matcher of langs, in their order, made once. A Matcher only reads
// itself in Match: one is shared by every page.
func matcherOf(langs []string) languageMatcher {
	key := strings.Join(langs, " ")
	matchers.Lock()
	m, ok := matchers.byLangs[key]
	matchers.Unlock()
	if ok {
		return m
	}
	tags := make([]language.Tag, 0, len(langs))
	for _, lang := range langs {
		if t, err := language.Parse(lang); err == nil {
			tags, m.named = append(tags, t), append(m.named, lang)
		}
	}
	if len(tags) > 0 {
		m.matcher = language.NewMatcher(tags)
	}
	matchers.Lock()
	if len(matchers.byLangs) >= maxMatchers {
		clear(matchers.byLangs)
	}
	matchers.byLangs[key] = m
	matchers.Unlock()
	return m
}

// languageName is a language's name in itself, or its tag when x/text has none.
func languageName(lang string) string {
	t, err := language.Parse(lang)
	if err != nil {
		return lang
	}
	if name := display.Self.Name(t); name != "" {
		return name
	}
	return lang
}

// versionsOf are the versions of n other than the one shown, for a post whose page is
// at viewURL.
func versionsOf(n *storage.Note, others []string, viewURL string) []version {
	out := make([]version, 0, len(others))
	for _, lang := range others {
		out = append(out, version{Lang: lang, Name: languageName(lang), Content: trusted(n.ContentMap[lang]),
			URL: viewURL + "?lang=" + url.QueryEscape(lang)})
	}
	return out
}
