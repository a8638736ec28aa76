package imports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"refuge/storage"
)

// TestReadTable reads files as Mastodon's importer does: its headers, or the kind's
// default columns; bad CSV rows kept with their lines; files that are not of the kind, not
// text or empty refused whole.
func TestReadTable(t *testing.T) {
	rows := []struct {
		name    string
		kind    storage.ImportKind
		file    string
		rows    []map[string]string // values by column, in order
		lines   []int
		bad     []int // lines of bad rows
		ignored int
		err     string
	}{
		{name: "mastodon following", kind: storage.ImportFollows,
			file: "Account address,Show boosts,Notify on new posts,Languages\nbob@b.example,false,true,\"en, de\"\ncarol@c.example,true,false,\n",
			rows: []map[string]string{{colAccount: "bob@b.example", colBoosts: "false", colNotify: "true", colLangs: "en, de"},
				{colAccount: "carol@c.example", colBoosts: "true", colNotify: "false", colLangs: ""}}, lines: []int{2, 3}},
		{name: "following without header", kind: storage.ImportFollows, file: "@bob@b.example\r\ncarol@c.example\r\n\r\n",
			rows: []map[string]string{{colAccount: "@bob@b.example"}, {colAccount: "carol@c.example"}}, lines: []int{1, 2}},
		{name: "gotosocial following", kind: storage.ImportFollows,
			file: "Account address,Show boosts,Notify on new posts,Languages\nbob@b.example,true,false,\n",
			rows: []map[string]string{{colAccount: "bob@b.example", colBoosts: "true", colNotify: "false", colLangs: ""}}, lines: []int{2}},
		{name: "a byte order mark", kind: storage.ImportBlocks, file: "\xef\xbb\xbfbob@b.example\n",
			rows: []map[string]string{{colAccount: "bob@b.example"}}, lines: []int{1}},
		{name: "mutes of a following file", kind: storage.ImportMutes,
			file: "Account address,Show boosts\nbob@b.example,true\n", rows: []map[string]string{{colAccount: "bob@b.example"}},
			lines: []int{2}, ignored: 1},
		{name: "lists, names quoted", kind: storage.ImportLists, file: "\"Friends, close\",bob@b.example\nWork,carol@c.example\n",
			rows:  []map[string]string{{colListName: "Friends, close", colAccount: "bob@b.example"}, {colListName: "Work", colAccount: "carol@c.example"}},
			lines: []int{1, 2}},
		{name: "a bad quote", kind: storage.ImportDomainBlocks, file: "a.example\nb\"ad.example\nc.example\n",
			rows: []map[string]string{{colDomain: "a.example"}, {colDomain: "c.example"}}, lines: []int{1, 3}, bad: []int{2}},
		{name: "domain blocks given a following list", kind: storage.ImportDomainBlocks,
			file: "Account address,Show boosts\nbob@b.example,true\n", err: "lacks the column \"#domain\""},
		{name: "header only", kind: storage.ImportFollows, file: "Account address,Show boosts,Notify on new posts,Languages\n", err: "header but no rows"},
		{name: "blank", kind: storage.ImportBookmarks, file: "\n\n", err: "no rows"},
		{name: "binary", kind: storage.ImportFollows, file: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", err: "binary"},
		{name: "not UTF-8", kind: storage.ImportFollows, file: "bob@b.example\n\xff\xfe\xfd\n", err: "binary"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.csv")
			if err := os.WriteFile(path, []byte(row.file), 0o600); err != nil {
				t.Fatal(err)
			}
			tab, err := readTable(path, row.kind)
			if row.err != "" {
				if err == nil || !strings.Contains(err.Error(), row.err) {
					t.Fatalf("error %v, want one saying %q", err, row.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(tab.rows) != len(row.rows) {
				t.Fatalf("rows = %v, want %v", tab.rows, row.rows)
			}
			for i, r := range tab.rows {
				for col, want := range row.rows[i] {
					if r.vals[col] != want {
						t.Errorf("row %d %s = %q, want %q", i, col, r.vals[col], want)
					}
				}
				if r.line != row.lines[i] {
					t.Errorf("row %d line = %d, want %d", i, r.line, row.lines[i])
				}
			}
			var bad []int
			for _, b := range tab.bad {
				bad = append(bad, b.Line)
			}
			if len(bad) != len(row.bad) || (len(bad) > 0 && bad[0] != row.bad[0]) {
				t.Errorf("bad lines = %v, want %v", bad, row.bad)
			}
			if len(tab.ignored) != row.ignored {
				t.Errorf("ignored = %v, want %d", tab.ignored, row.ignored)
			}
		})
	}
}

// TestReadTableRowLimit: a file of more rows than Mastodon takes is refused whole.
func TestReadTableRowLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, []byte(strings.Repeat("a.example\n", MaxCSVRows+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readTable(path, storage.ImportDomainBlocks); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("error %v, want the row limit", err)
	}
}
