package reader

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"refuge/federation"
	"refuge/storage"
)

// Keyword filters, as Mastodon 4 applies them on the server: a local viewer's live filters
// for the context being read are compiled once per read (Filters), then every note is
// matched against them. A filter with hide leaves the note out (a boost of it, and a
// notification about it, with it); one with warn keeps it, marked with the filter and its
// keywords that matched (storage.Note.Filtered), for the surfaces to show folded. A viewer's
// own posts are never filtered.
//
// A note's text is what it says: its content warning, its content without markup, and its
// media descriptions (Mastodon's searchable text, less the polls Refuge has not). Matching
// ignores case (Unicode lower case). A whole-word keyword matches only where it does not
// run on into a letter or digit: "cat" finds "a cat." and "CAT!" but not "cats" or
// "concat". Scripts written without spaces between words (Chinese, Japanese, Thai, Lao,
// Khmer, Myanmar) have no edges to find without a dictionary, so an edge beside one of
// their letters always counts as a word edge: "猫" matches inside "我家的猫很可爱", and
// "cat" inside "我的cat很可爱". Mastodon's \b would match neither, which makes a whole-word
// keyword (the default) useless to people writing those languages.

// Filters are one viewer's live keyword filters for one context, ready to match. A nil
// *Filters matches nothing.
type Filters struct {
	owner int64
	list  []compiledFilter
}

type compiledFilter struct {
	filter   *storage.Filter
	keywords []keyword
}

type keyword struct {
	text      string // as the filter has it, for the match to name
	folded    string // in lower case, as the text it looks in
	wholeWord bool
}

// Filters reads and compiles the local viewer's filters in force now for context c; nil
// for an anonymous or remote viewer, or one with none.
func (rd *Reader) Filters(ctx context.Context, v Viewer, c storage.FilterContext) (*Filters, error) {
	if v.Local == nil {
		return nil, nil
	}
	return rd.accountFilters(ctx, v.Local.ID, c)
}

// accountFilters are the Filters of local account id for context c.
func (rd *Reader) accountFilters(ctx context.Context, id int64, c storage.FilterContext) (*Filters, error) {
	list, err := rd.DB.ListFilters(ctx, id)
	if err != nil {
		return nil, err
	}
	return CompileFilters(id, list, c, time.Now()), nil
}

// CompileFilters makes the Filters of account owner from its filters: those live at now
// and meant for context c.
func CompileFilters(owner int64, list []*storage.Filter, c storage.FilterContext, now time.Time) *Filters {
	fs := &Filters{owner: owner}
	for _, f := range list {
		if !f.Live(now) || !f.Applies(c) || len(f.Keywords) == 0 {
			continue
		}
		cf := compiledFilter{filter: f}
		for _, k := range f.Keywords {
			if k.Keyword == "" {
				continue
			}
			cf.keywords = append(cf.keywords, keyword{text: k.Keyword, folded: strings.ToLower(k.Keyword), wholeWord: k.WholeWord})
		}
		fs.list = append(fs.list, cf)
	}
	if len(fs.list) == 0 {
		return nil
	}
	return fs
}

// Match returns every filter that n matches, with the keywords that matched, whatever
// its action; none for a note of the filters' owner.
func (fs *Filters) Match(n *storage.Note) []storage.FilterMatch {
	if fs == nil || n == nil || n.ActorID == fs.owner {
		return nil
	}
	text := noteText(n)
	var out []storage.FilterMatch
	for _, cf := range fs.list {
		var hits []string
		for _, k := range cf.keywords {
			if contains(text, k) {
				hits = append(hits, k.text)
			}
		}
		if len(hits) > 0 {
			out = append(out, storage.FilterMatch{Filter: cf.filter, Keywords: hits})
		}
	}
	return out
}

// judge says whether n is hidden, and otherwise returns n itself, or a copy of it marked
// with the warnings it matched: the note read may be shared with other readers.
func (fs *Filters) judge(n *storage.Note) (hidden bool, shown *storage.Note) {
	matches := fs.Match(n)
	if len(matches) == 0 {
		return false, n
	}
	var warn []storage.FilterMatch
	for _, m := range matches {
		if m.Filter.Action == storage.FilterHide {
			return true, nil
		}
		warn = append(warn, m)
	}
	marked := *n
	marked.Filtered = warn
	return false, &marked
}

// Notes applies fs to a list of notes: the hidden left out, the warned marked.
func (fs *Filters) Notes(notes []*storage.Note) []*storage.Note {
	if fs == nil {
		return notes
	}
	out := notes[:0:0]
	for _, n := range notes {
		if hidden, shown := fs.judge(n); !hidden {
			out = append(out, shown)
		}
	}
	return out
}

// Page applies fs to a page of a list: the warned marked, the hidden kept but marked
// Hidden (storage.Note.Hidden), so that the page's bounds stay those of the list.
func (fs *Filters) Page(notes []*storage.Note) []*storage.Note {
	if fs == nil {
		return notes
	}
	out := make([]*storage.Note, 0, len(notes))
	for _, n := range notes {
		hidden, shown := fs.judge(n)
		if hidden {
			marked := *n
			marked.Hidden = true
			shown = &marked
		}
		out = append(out, shown)
	}
	return out
}

// Mark marks n with every filter of fs it matches, hide ones too, and never leaves it out:
// what a note asked for by itself is shown, behind its warnings.
func (fs *Filters) Mark(n *storage.Note) *storage.Note {
	matches := fs.Match(n)
	if len(matches) == 0 {
		return n
	}
	marked := *n
	marked.Filtered = matches
	return &marked
}

// items applies fs to a page of a feed: a hidden note goes with its boost.
func (fs *Filters) items(items []storage.FeedItem) []storage.FeedItem {
	if fs == nil {
		return items
	}
	out := items[:0:0]
	for _, it := range items {
		if hidden, shown := fs.judge(it.Note); !hidden {
			it.Note = shown
			out = append(out, it)
		}
	}
	return out
}

// notifications applies fs to notifications about notes; the others stay as they are.
func (fs *Filters) notifications(list []*storage.Notification) []*storage.Notification {
	if fs == nil {
		return list
	}
	out := list[:0:0]
	for _, n := range list {
		if n.Note == nil {
			out = append(out, n)
			continue
		}
		hidden, shown := fs.judge(n.Note)
		if hidden {
			continue
		}
		if shown != n.Note {
			c := *n
			c.Note = shown
			n = &c
		}
		out = append(out, n)
	}
	return out
}

// noteText is what filters look in: the content warning, the text without markup and the
// media descriptions, in lower case, a line apart.
func noteText(n *storage.Note) string {
	var b strings.Builder
	b.WriteString(n.Summary)
	b.WriteByte('\n')
	b.WriteString(federation.PlainText(n.Content))
	for _, m := range n.Media {
		b.WriteByte('\n')
		b.WriteString(m.Description)
	}
	return strings.ToLower(b.String())
}

// contains reports whether text (in lower case) holds k, at word edges when k is whole-word.
func contains(text string, k keyword) bool {
	if !k.wholeWord {
		return strings.Contains(text, k.folded)
	}
	first, _ := utf8.DecodeRuneInString(k.folded)
	last, _ := utf8.DecodeLastRuneInString(k.folded)
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], k.folded)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(k.folded)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if (start == 0 || wordEdge(before, first)) && (end == len(text) || wordEdge(last, after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[start:])
		from = start + size
	}
	return false
}

// wordEdge reports whether a word may end between runes a and b: unless both are word
// characters (letters, marks, digits, the underscore) of scripts that put spaces between
// words.
func wordEdge(a, b rune) bool {
	return !wordRune(a) || !wordRune(b) || spaceless(a) || spaceless(b)
}

func wordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// spaceless reports whether r is a letter of a script written without spaces between words
// (or Japanese's long-vowel mark, which is in no script of its own).
func spaceless(r rune) bool {
	return r == 'ー' || unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
		unicode.Khmer, unicode.Myanmar)
}

// AccountFilters lists local account id's filters, expired ones too, oldest first: what
// its settings show.
func (rd *Reader) AccountFilters(ctx context.Context, id int64) ([]*storage.Filter, error) {
	return rd.DB.ListFilters(ctx, id)
}

// AccountFilter returns local account id's filter filterID; NotFound when it has none such.
func (rd *Reader) AccountFilter(ctx context.Context, id, filterID int64) (*storage.Filter, error) {
	return rd.DB.GetFilter(ctx, id, filterID)
}

// AccountFilterKeyword returns a keyword of one of local account id's filters; NotFound
// otherwise.
func (rd *Reader) AccountFilterKeyword(ctx context.Context, id, keywordID int64) (*storage.FilterKeyword, error) {
	return rd.DB.GetFilterKeyword(ctx, id, keywordID)
}

// FilteredNotes applies v's keyword filters for context c to notes read one by one (a
// list method applies them itself): the hidden left out, the warned marked.
func (rd *Reader) FilteredNotes(ctx context.Context, v Viewer, c storage.FilterContext, notes []*storage.Note) ([]*storage.Note, error) {
	return rd.filtered(ctx, v, c)(notes, nil)
}

// Focus is n, which v asked for by itself, as a thread shows it at its centre: marked with
// every one of v's thread filters it matches, hide ones too, and never left out.
func (rd *Reader) Focus(ctx context.Context, v Viewer, n *storage.Note) (*storage.Note, error) {
	fs, err := rd.Filters(ctx, v, storage.FilterThread)
	if err != nil {
		return nil, err
	}
	return fs.Mark(n), nil
}
