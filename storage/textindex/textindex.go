// Package textindex turns text into the terms of the full-text search index, the same way
// for the text stored and for the text searched, so that both database backends index and
// look up the same terms and give the same answers.
//
// Chinese, Japanese and Korean are written without spaces between words, and no dictionary
// is kept here: a run of those scripts is cut into overlapping pairs of characters
// (bigrams), so that any word of two characters or more is found as the sequence of its
// pairs. The last character of a run is kept alone too, so that a one-character search
// (a prefix of a pair, or that last character) finds every place the character stands.
// Other words are folded to one case (Unicode case folding, after NFKC, so that full-width
// letters are the same letters) and lose a simple English plural. Hashtags (#tag) and
// mentions (@user@host) are terms of their own.
package textindex

import (
	"cmp"
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Kind says what a Token is.
type Kind int

// The kinds of Token.
const (
	Word    Kind = iota // a folded, singular word of a script written with spaces
	Pair                // two adjacent characters of a CJK run
	Last                // the last character of a CJK run, alone
	Hashtag             // "#" and the folded tag
	Mention             // "@user@host", folded; "@user" when written without its host
)

// Token is one term, in the order it stands in the text.
type Token struct {
	Text string
	Kind Kind
}

// MaxTokens is how many terms of one text are kept: enough for any post, and within
// PostgreSQL's limit on positions in a tsvector.
const MaxTokens = 16000

var folder = cases.Fold()

// Fold puts s in the one form the index keeps: NFKC, then Unicode case folding.
func Fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return folder.String(norm.NFKC.String(s))
		}
	}
	return strings.ToLower(s) // NFKC leaves ASCII as it is, and folds its case to lower
}

// isCJK reports whether r belongs to a script written without spaces between words (or is
// the Japanese prolonged sound mark, which stands inside katakana words).
func isCJK(r rune) bool {
	if r < 0x1100 { // below Hangul Jamo, the first of these scripts: most text, looked up at once
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r == 'ー' || r == '々' || r == '〆'
}

// isWordRune reports whether r is part of a word of a script written with spaces.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return !isCJK(r) && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))
}

// isTagRune reports whether r may stand in a hashtag or a user name.
func isTagRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Tokens returns the terms of text, in order: words, CJK pairs and last characters,
// hashtags and mentions. It is the one segmentation of the index, used for what is stored
// and for what is searched.
func Tokens(text string) []Token {
	s := Fold(text)
	var out []Token
	for i := 0; i < len(s) && len(out) < MaxTokens; {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '#' && i+size < len(s) && startsTag(s[i+size:]):
			end := i + size + spanOf(s[i+size:], isTagRune)
			out = append(out, Token{Text: s[i:end], Kind: Hashtag})
			i = end
		case r == '@' && (i == 0 || !isTagRune(lastRune(s[:i]))) && i+size < len(s) && startsTag(s[i+size:]):
			end := i + size + spanOf(s[i+size:], isTagRune)
			if end+1 < len(s) && s[end] == '@' {
				end += 1 + hostLen(s[end+1:])
			}
			out = append(out, Token{Text: s[i:end], Kind: Mention})
			i = end
		case isCJK(r):
			end := i + spanOf(s[i:], isCJK)
			out = appendRun(out, s[i:end])
			i = end
		case isWordRune(r):
			end := i + spanOf(s[i:], isWordRune)
			out = append(out, Token{Text: Singular(s[i:end]), Kind: Word})
			i = end
		default:
			i += size
		}
	}
	if len(out) > MaxTokens {
		out = out[:MaxTokens]
	}
	return out
}

// appendRun appends the terms of one CJK run: its overlapping pairs, then its last
// character alone.
func appendRun(out []Token, run string) []Token {
	prev := -1
	for i := range run {
		if prev >= 0 {
			_, size := utf8.DecodeRuneInString(run[i:])
			out = append(out, Token{Text: run[prev : i+size], Kind: Pair})
		}
		prev = i
	}
	return append(out, Token{Text: run[prev:], Kind: Last})
}

// startsTag reports whether s begins a hashtag or user name: a letter, digit or '_'.
func startsTag(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isTagRune(r)
}

// spanOf is the length in bytes of the beginning of s whose runes all satisfy in.
func spanOf(s string, in func(rune) bool) int {
	for i, r := range s {
		if !in(r) {
			return i
		}
	}
	return len(s)
}

// hostLen is the length of the host name s begins with: letters, digits, dots and dashes,
// without a final dot or dash (the end of a sentence).
func hostLen(s string) int {
	n := spanOf(s, func(r rune) bool { return r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r) })
	for n > 0 && (s[n-1] == '.' || s[n-1] == '-') {
		n--
	}
	return n
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// Singular takes a simple English plural off a folded word, predictably rather than
// cleverly: parties → party, boxes → box, churches → church, classes → class, cats → cat;
// words of three letters or fewer, and those ending in -ss, -us or -is, are kept.
func Singular(w string) string {
	if len(w) <= 3 || !strings.HasSuffix(w, "s") {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"),
		strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "zzes"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	}
	return w[:len(w)-1]
}

// Document returns the terms stored for texts, in order. A hashtag is also the words of
// its name, and a mention the words of its user name, so that a search for the word finds
// them as it finds the word written out.
func Document(texts ...string) []string {
	var out []string
	for _, text := range texts {
		for _, t := range Tokens(text) {
			if len(out) >= MaxTokens {
				return out
			}
			switch t.Kind {
			case Hashtag:
				out = append(out, t.Text)
				out = appendWords(out, t.Text[1:])
			case Mention:
				user, host, _ := strings.Cut(t.Text[1:], "@")
				if host != "" {
					out = append(out, t.Text)
				}
				out = appendWords(out, user)
			default:
				out = append(out, t.Text)
			}
		}
	}
	return out[:min(len(out), MaxTokens)]
}

func appendWords(out []string, name string) []string {
	for _, t := range Tokens(strings.ReplaceAll(name, "_", " ")) {
		out = append(out, t.Text)
	}
	return out
}

// Term is one condition of a search: its terms standing next to each other in this order
// (a phrase), the last one as a prefix of a stored term when Prefix is set.
type Term struct {
	Words  []string
	Prefix bool
}

// Query returns the conditions that a search text sets, all of which a post must meet: a
// word, a hashtag or a mention each; a CJK run as the phrase of its pairs, or, when it is
// one character, as the beginning of a stored term (a pair or a run's last character); a
// mention without its host as any mention of that user name.
func Query(text string) []Term {
	var out []Term
	var pairs []string
	add := func(t Term) {
		for _, o := range out {
			if o.Prefix == t.Prefix && strings.Join(o.Words, " ") == strings.Join(t.Words, " ") {
				return
			}
		}
		out = append(out, t)
	}
	for _, t := range Tokens(text) {
		switch t.Kind {
		case Pair:
			pairs = append(pairs, t.Text)
		case Last:
			if len(pairs) > 0 {
				add(Term{Words: pairs})
			} else {
				add(Term{Words: []string{t.Text}, Prefix: true})
			}
			pairs = nil
		case Mention:
			if strings.Count(t.Text, "@") == 1 {
				add(Term{Words: []string{t.Text + "@"}, Prefix: true})
			} else {
				add(Term{Words: []string{t.Text}})
			}
		default:
			add(Term{Words: []string{t.Text}})
		}
	}
	return out
}

// PlainText is the text of an HTML fragment as the index reads it: every element but the
// inline ones a break between words (Mastodon writes a hashtag as #<span>tag</span>),
// character references decoded.
func PlainText(fragment string) string {
	if !strings.ContainsAny(fragment, "<&") {
		return fragment
	}
	var b strings.Builder
	for {
		open := strings.IndexByte(fragment, '<')
		if open < 0 {
			b.WriteString(fragment)
			break
		}
		b.WriteString(fragment[:open])
		end := strings.IndexByte(fragment[open:], '>')
		if end < 0 {
			break
		}
		if !inline(fragment[open+1 : open+end]) {
			b.WriteByte(' ')
		}
		fragment = fragment[open+end+1:]
	}
	return html.UnescapeString(b.String())
}

// inline reports whether the tag (its text between < and >) is of an element that stands
// inside a word.
func inline(tag string) bool {
	name := strings.ToLower(strings.TrimPrefix(tag, "/"))
	if i := strings.IndexAny(name, " \t\n/"); i >= 0 {
		name = name[:i]
	}
	switch name {
	case "a", "span", "b", "i", "em", "strong", "u", "s", "del", "ins", "small", "code", "mark", "sub", "sup":
		return true
	}
	return false
}

// Rank orders docs (each the terms of one post, as Document makes them) best first for the
// conditions of a search, by BM25 over docs alone: how often each condition stands in a
// post, against the post's length beside the others'. The docs are the matches of the
// search, so every condition stands in every one of them and none weighs more than another
// (BM25's inverse document frequency is the same for all). It returns the docs' indexes;
// ties keep their order.
func Rank(terms []Term, docs [][]string) []int {
	const k1, b = 1.2, 0.75
	total := 0
	for _, d := range docs {
		total += len(d)
	}
	avg := max(float64(total)/float64(max(len(docs), 1)), 1)
	scores := make([]float64, len(docs))
	order := make([]int, len(docs))
	for i, d := range docs {
		order[i] = i
		norm := k1 * (1 - b + b*float64(len(d))/avg)
		for _, t := range terms {
			tf := float64(occurrences(t, d))
			scores[i] += tf * (k1 + 1) / (tf + norm)
		}
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(scores[y], scores[x]) })
	return order
}

// occurrences counts where the condition t stands in doc: its words one after another, the
// last one as a prefix when t is one.
func occurrences(t Term, doc []string) int {
	n := 0
	for i := 0; i+len(t.Words) <= len(doc); i++ {
		match := true
		for j, w := range t.Words {
			d := doc[i+j]
			if d != w && !(t.Prefix && j == len(t.Words)-1 && strings.HasPrefix(d, w)) {
				match = false
				break
			}
		}
		if match {
			n++
		}
	}
	return n
}
