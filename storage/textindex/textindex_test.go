package textindex

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestDocument(t *testing.T) {
	for _, row := range []struct {
		name, text string
		want       string // the terms, space-separated
	}{
		{"Chinese pairs and the last character", "我爱猫咪", "我爱 爱猫 猫咪 咪"},
		{"one character alone", "猫", "猫"},
		{"runs split by punctuation", "你好，世界", "你好 好 世界 界"},
		{"Japanese kana and kanji in one run", "猫が好き", "猫が が好 好き き"},
		{"katakana with the prolonged sound mark", "コーヒー", "コー ーヒ ヒー ー"},
		{"Korean", "안녕 하세요", "안녕 녕 하세 세요 요"},
		{"English folded and singular", "Cats and BOXES at Parties", "cat and box at party"},
		{"plural rules kept simple", "classes churches dishes buses this was news", "class church dish buse this was new"},
		{"words of three letters kept", "its gas yes", "its gas yes"},
		{"Unicode case folding", "STRASSE Straße ΣΊΣΥΦΟΣ", "strasse strasse σίσυφοσ"},
		{"full-width letters are letters", "ＲＥＦＵＧＥ", "refuge"},
		{"mixed scripts", "hello世界 2024年", "hello 世界 界 2024 年"},
		{"hashtag, then its words", "#Cute_Cats rule", "#cute_cats cute cat rule"},
		{"Chinese hashtag", "#园艺 好", "#园艺 园艺 艺 好"},
		{"mention with host", "hi @Bob@Example.COM.", "hi @bob@example.com bob"},
		{"mention without host", "@alice", "alice"},
		{"an address is words", "mail a@b.org", "mail a b org"},
		{"accents stay", "Café naïve", "café naïve"},
		{"nothing to index", "!!! ... ——", ""},
	} {
		got := strings.Join(Document(row.text), " ")
		if got != row.want {
			t.Errorf("%s: Document(%q) = %q, want %q", row.name, row.text, got, row.want)
		}
	}
}

func TestQuery(t *testing.T) {
	for _, row := range []struct {
		name, text string
		want       []Term
	}{
		{"a two-character word is one pair", "猫咪", []Term{{Words: []string{"猫咪"}}}},
		{"a longer word is the phrase of its pairs", "园艺师", []Term{{Words: []string{"园艺", "艺师"}}}},
		{"one character is a prefix", "猫", []Term{{Words: []string{"猫"}, Prefix: true}}},
		{"words are ANDed, folded and singular", "Cats  boxes", []Term{{Words: []string{"cat"}}, {Words: []string{"box"}}}},
		{"mixed", "你好 world", []Term{{Words: []string{"你好"}}, {Words: []string{"world"}}}},
		{"hashtag", "#Cats", []Term{{Words: []string{"#cats"}}}},
		{"mention", "@bob@example.com", []Term{{Words: []string{"@bob@example.com"}}}},
		{"mention without host", "@bob", []Term{{Words: []string{"@bob@"}, Prefix: true}}},
		{"repeated words once", "cat cats CAT", []Term{{Words: []string{"cat"}}}},
		{"punctuation only", "?!", nil},
	} {
		if got := Query(row.text); !reflect.DeepEqual(got, row.want) {
			t.Errorf("%s: Query(%q) = %+v, want %+v", row.name, row.text, got, row.want)
		}
	}
}

// TestQueryFindsDocument: every query term of a word is found in the document that has the
// word, as the index looks it up (a phrase of adjacent terms, or a prefix).
func TestQueryFindsDocument(t *testing.T) {
	for _, row := range []struct {
		doc, query string
		found      bool
	}{
		{"今天我家的猫咪很可爱", "猫咪", true},
		{"今天我家的猫咪很可爱", "可爱", true},
		{"今天我家的猫咪很可爱", "猫", true},
		{"今天我家的猫咪很可爱", "爱", true}, // the run's last character
		{"今天我家的猫咪很可爱", "咪猫", false},
		{"今天我家的猫咪很可爱", "家的猫", true},
		{"我喜欢园艺", "园艺", true},
		{"你好世界", "好世", true},
		{"My CATS", "cat", true},
		{"My cat", "cats", true},
		{"#gardening", "gardening", true},
		{"I love gardening", "#gardening", false},
	} {
		doc := Document(row.doc)
		found := true
		for _, term := range Query(row.query) {
			found = found && hasTerm(doc, term)
		}
		if found != row.found {
			t.Errorf("%q in %q (%v): found %v, want %v", row.query, row.doc, doc, found, row.found)
		}
	}
}

func hasTerm(doc []string, term Term) bool {
	for i := range doc {
		ok := i+len(term.Words) <= len(doc)
		for j, w := range term.Words {
			if !ok {
				break
			}
			if term.Prefix && j == len(term.Words)-1 {
				ok = strings.HasPrefix(doc[i+j], w)
			} else {
				ok = doc[i+j] == w
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func TestPlainText(t *testing.T) {
	for _, row := range []struct{ in, want string }{
		{"plain", "plain"},
		{"<p>Hello<br>world &amp; 猫咪</p>", " Hello world & 猫咪 "},
		{`<a href="x" class="mention">@<span>bob</span></a> hi`, "@bob hi"},
		{`<a href="t" class="mention hashtag" rel="tag">#<span>Cats</span></a>`, "#Cats"},
		{"broken <b", "broken "},
	} {
		if got := PlainText(row.in); got != row.want {
			t.Errorf("PlainText(%q) = %q, want %q", row.in, got, row.want)
		}
	}
}

func TestRank(t *testing.T) {
	for _, row := range []struct {
		name  string
		query string
		docs  []string
		want  []int
	}{
		{"more occurrences first", "cat", []string{"a cat sat on the mat today", "cat cat cat on the mat today"}, []int{1, 0}},
		{"shorter post first, at one occurrence each", "cat", []string{"the cat sat on the mat in the sun all day", "a cat"}, []int{1, 0}},
		{"plural and case as the index reads them", "CATS", []string{"dogs and a cat and more dogs", "Cats, CATS!"}, []int{1, 0}},
		{"a Chinese word is its pairs in a row", "猫咪", []string{"我家的猫很可爱咪", "猫咪猫咪"}, []int{1, 0}},
		{"one character is a prefix", "猫", []string{"狗狗狗狗狗", "猫猫猫"}, []int{1, 0}},
		{"every condition counts", "cat 东京", []string{"cat cat cat cat", "cat 东京 东京"}, []int{1, 0}},
		{"ties keep their order", "cat", []string{"cat one", "cat two", "cat six"}, []int{0, 1, 2}},
		{"no docs", "cat", nil, []int{}},
	} {
		docs := make([][]string, len(row.docs))
		for i, d := range row.docs {
			docs[i] = Document(d)
		}
		if got := Rank(Query(row.query), docs); !reflect.DeepEqual(got, row.want) {
			t.Errorf("%s: Rank(%q) = %v, want %v", row.name, row.query, got, row.want)
		}
	}
}

// TestFoldASCII: the short way for ASCII text gives what NFKC and case folding give.
func TestFoldASCII(t *testing.T) {
	var all strings.Builder
	for c := byte(0); c < 0x80; c++ {
		all.WriteByte(c)
	}
	s := all.String()
	if got, want := Fold(s), folder.String(norm.NFKC.String(s)); got != want {
		t.Errorf("Fold of ASCII = %q, want %q", got, want)
	}
}
