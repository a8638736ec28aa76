// Package language tells which language a post is written in, for the posts whose author
// names none.
//
// Chinese, Japanese and Korean are told apart by their scripts, which settle them better
// than statistics do: Hangul is only Korean, kana only Japanese, and Han characters with no
// kana are Chinese once there are enough of them. Text in other scripts goes to lingua-go's
// n-gram models of the other 71 languages it knows, in its low-accuracy mode (trigrams only: a
// fraction of the memory of its full models, and as right on texts of a post's length; see
// BENCHMARKS.md). A text too short, or too evenly split between languages, to tell gets no
// language: a missing language costs a reader little, a wrong one hides the post from
// whoever reads only some languages.
package language

import (
	"html"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/pemistahl/lingua-go"
)

// Thresholds of detection, set on the table in testdata/languages.tsv.
const (
	// minKanaHangul is how many Hangul, or Hiragana and Katakana, letters tell Korean or
	// Japanese: each of those scripts belongs to one language.
	minKanaHangul = 2
	// minHan is how many Han characters with no kana tell Chinese: fewer may be a Japanese
	// name or compound written in kanji alone (東京駅).
	minHan = 10
	// minLetters is how many letters of an alphabet the models need: shorter texts share
	// too much between languages ("see you soon" reads as Dutch or Estonian too).
	minLetters = 20
	// minDistance is how far ahead of the second language the first must be, on lingua's
	// confidence scale of 0 to 1, for an answer.
	minDistance = 0.25
	// cjkWeight is how many alphabet letters one Chinese, Japanese or Korean character
	// counts as when a text mixes them: about what each carries, so that a Chinese
	// sentence naming an English brand stays Chinese and an English one quoting 你好 stays
	// English.
	cjkWeight = 3
	// maxModelBytes bounds the text the models read: the first thousand bytes tell the
	// language of a post as well as all of it, and the models' cost grows with the length.
	maxModelBytes = 1000
)

// notLanguage matches what a post's text carries that is no language: HTML tags, links,
// mentions, hashtags and custom emoji shortcodes.
var notLanguage = regexp.MustCompile(`<[^>]*>|https?://\S+|@[\w.-]+(@[\w.-]+)?|#[\p{L}\p{N}_]+|:[a-zA-Z0-9_]{2,}:`)

// Detect is the language text is written in, as a tag the way Mastodon stores it (ISO
// 639-1: "en", "zh", "ja", "ko", "es"...), or "" when it is too short or too mixed to
// tell. Chinese is "zh" in either script (BENCHMARKS.md says why). Safe for concurrent use.
func Detect(text string) string {
	text = notLanguage.ReplaceAllString(html.UnescapeString(text), " ")
	var han, hiragana, katakana, hangul, letters int
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Hiragana, r):
			hiragana++
		case unicode.Is(unicode.Katakana, r):
			katakana++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.IsLetter(r):
			letters++
		}
	}
	cjk := han + hiragana + katakana + hangul
	if cjk > 0 && cjk*cjkWeight >= letters {
		return detectCJK(han, hiragana, katakana, hangul)
	}
	if letters < minLetters {
		return ""
	}
	if cjk > 0 { // a few CJK words in an alphabetic text are not part of its language
		text = strings.Map(func(r rune) rune {
			if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
				return ' '
			}
			return r
		}, text)
	}
	return detectAlphabetic(text)
}

// detectCJK tells Chinese, Japanese and Korean apart by how many characters of each
// script a text has.
func detectCJK(han, hiragana, katakana, hangul int) string {
	kana := hiragana + katakana
	switch {
	case hangul*2 > han+kana+hangul:
		if hangul >= minKanaHangul {
			return "ko"
		}
	// Hiragana carries Japanese grammar, so a little of it among kanji tells Japanese;
	// katakana alone writes loanwords and names, which a Chinese text may quote.
	case hiragana*10 >= han+kana || katakana > han:
		if kana >= minKanaHangul {
			return "ja"
		}
	// Kanji with a trace of hiragana may be Chinese using の or Japanese written like a
	// headline: too close to tell.
	case hiragana == 0:
		if han >= minHan {
			return "zh"
		}
	}
	return ""
}

// notModelled are the languages the models may not answer with: Chinese, Japanese and
// Korean, which the scripts settle before, and Latin, which nobody posts in. Every other
// language lingua knows may be an answer: one left out has its texts come out as a
// neighbour (Swedish as Dutch, Tagalog as Spanish, Vietnamese as Esperanto), which is worse
// than the memory its model takes (lingua loads the models of every language written in
// the alphabet of the text it is asked about; BENCHMARKS.md has the total).
var notModelled = []lingua.Language{lingua.Chinese, lingua.Japanese, lingua.Korean, lingua.Latin}

// detector is built on first use: lingua loads each model the first time a text needs
// it, so that an instance whose authors always choose a language never holds them.
var detector = sync.OnceValue(func() lingua.LanguageDetector {
	return lingua.NewLanguageDetectorBuilder().FromAllLanguagesWithout(notModelled...).
		WithLowAccuracyMode().WithMinimumRelativeDistance(minDistance).Build()
})

// detectAlphabetic asks the models about a text of at least minLetters letters.
func detectAlphabetic(text string) string {
	if len(text) > maxModelBytes {
		cut := maxModelBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	l, ok := detector().DetectLanguageOf(text)
	if !ok {
		return ""
	}
	switch l {
	case lingua.Bokmal, lingua.Nynorsk:
		// Mastodon stores Norwegian as "no" unless the author chose a written form; the
		// two are too close to tell apart from a post.
		return "no"
	}
	return strings.ToLower(l.IsoCode639_1().String())
}
