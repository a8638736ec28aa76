package imports

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"refuge/storage"
)

// Limits on a CSV import, Mastodon's (Form::Import): 20 MB and 20,000 rows.
const (
	MaxCSVBytes = 20 << 20
	MaxCSVRows  = 20000
	maxField    = 2048    // a longer address, domain, URL or list name is a bad row
	peekText    = 8 << 10 // what is read of a file to tell text from binary
)

// Mastodon's column names. A file whose first field is one of knownFirst has a header row;
// any other file has the kind's default columns.
const (
	colAccount  = "Account address"
	colBoosts   = "Show boosts"
	colNotify   = "Notify on new posts"
	colLangs    = "Languages"
	colHideNote = "Hide notifications"
	colDomain   = "#domain"
	colURI      = "#uri"
	colListName = "List name"
)

var knownFirst = []string{colAccount, colDomain, colURI, colListName}

// columns are, for each kind, the columns Mastodon reads (in its order) and the defaults
// of a file without a header.
var columns = map[storage.ImportKind]struct{ read, defaults []string }{
	storage.ImportFollows:      {[]string{colAccount, colBoosts, colNotify, colLangs}, []string{colAccount}},
	storage.ImportBlocks:       {[]string{colAccount}, []string{colAccount}},
	storage.ImportMutes:        {[]string{colAccount, colHideNote}, []string{colAccount}},
	storage.ImportDomainBlocks: {[]string{colDomain}, []string{colDomain}},
	storage.ImportBookmarks:    {[]string{colURI}, []string{colURI}},
	storage.ImportLists:        {[]string{colListName, colAccount}, []string{colListName, colAccount}},
}

// row is one data row of a file: its line and its values by column name.
type row struct {
	line int
	vals map[string]string
}

// table is a CSV file read for an import of one kind.
type table struct {
	rows    []row
	ignored []string // columns in the header that the kind does not read
	bad     []storage.ImportRow
}

// readTable reads the file at path as Mastodon reads an import of kind k. Rows that are
// not CSV are kept in bad; a file that is not text, not of the kind, or has no rows is an
// error, as is one of more than MaxCSVRows rows.
func readTable(path string, k storage.ImportKind) (*table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the file: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(peekText)
	if !looksLikeText(head) {
		return nil, errors.New("this is not a CSV file: it holds binary data")
	}
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3) // a byte order mark, as spreadsheets write
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	t := &table{}
	var names []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			t.bad = append(t.bad, storage.ImportRow{Line: perr.StartLine, Reason: "not CSV: " + perr.Err.Error()})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the file: %w", err)
		}
		if blank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		if names == nil {
			if first := strings.TrimSpace(rec[0]); contains(knownFirst, first) {
				names = header(rec)
				if err := t.checkHeader(k, names); err != nil {
					return nil, err
				}
				continue
			}
			names = columns[k].defaults
		}
		if len(t.rows) >= MaxCSVRows {
			return nil, fmt.Errorf("the file has more than %d rows, the most an import takes: split it", MaxCSVRows)
		}
		r := row{line: line, vals: map[string]string{}}
		for i, name := range names {
			if i < len(rec) {
				r.vals[name] = strings.TrimSpace(rec[i])
			}
		}
		t.rows = append(t.rows, r)
	}
	if len(t.rows) == 0 && len(t.bad) == 0 {
		if names != nil {
			return nil, errors.New("the file has a header but no rows: nothing to import")
		}
		return nil, errors.New("the file has no rows: nothing to import")
	}
	return t, nil
}

// header returns the column names of a header row.
func header(rec []string) []string {
	out := make([]string, len(rec))
	for i, h := range rec {
		out[i] = strings.TrimSpace(h)
	}
	return out
}

// checkHeader refuses a file whose header lacks a column the kind needs (a following list
// given as domain blocks, say), and notes the columns it has that the kind does not read.
func (t *table) checkHeader(k storage.ImportKind, names []string) error {
	cols := columns[k]
	for _, need := range cols.defaults {
		if !contains(names, need) {
			return fmt.Errorf("the file's columns are %s: it is not a list of %s (it lacks the column %q)",
				strings.Join(names, ", "), k, need)
		}
	}
	for _, n := range names {
		if !contains(cols.read, n) && n != "" {
			t.ignored = append(t.ignored, fmt.Sprintf("%s: not a column of a list of %s; ignored", n, k))
		}
	}
	return nil
}

// looksLikeText reports whether the start of a file is UTF-8 text without NUL bytes (a
// character cut at the end of head is allowed).
func looksLikeText(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	if len(head) == peekText {
		// The peek may end inside a character: leave out its incomplete last one.
		for i := 0; i < utf8.UTFMax-1 && len(head) > 0 && !utf8.FullRune(head[lastStart(head):]); i++ {
			head = head[:lastStart(head)]
		}
	}
	return utf8.Valid(head)
}

// lastStart is the index of the start of the last character of b.
func lastStart(b []byte) int {
	i := len(b) - 1
	for i > 0 && !utf8.RuneStart(b[i]) {
		i--
	}
	return max(i, 0)
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// parseBool reads a true/false column as Mastodon does (ActiveModel's boolean): "" is not
// set; 0, f, false and off (any case) are false; anything else is true.
func parseBool(s string) (v, set bool) {
	switch strings.ToLower(s) {
	case "":
		return false, false
	case "0", "f", "false", "off":
		return false, true
	}
	return true, true
}

// cut shortens s to about n bytes for a report.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
