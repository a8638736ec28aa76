package uris

import "testing"

// testBase is the instance these paths belong to.
const testBase = "http://local.test"

func TestSitePath(t *testing.T) {
	l := New(testBase)
	rows := []struct{ in, want string }{
		{testBase + "/@alice", "/@alice"},
		{testBase + "/notes/5?page=2", "/notes/5?page=2"},
		{testBase, "/"},
		{testBase + "/", "/"},
		{"https://local.test/@alice", ""}, // another scheme is another site
		{"http://local.test:8080/@alice", ""},
		{"http://LOCAL.TEST/@alice", ""},
		{"http://other.test/@alice", ""},
		{"http://local.test.evil.example/@alice", ""},
		{"http://local.test@evil.example/@alice", ""},
		{"//evil.example/@alice", ""},
		{testBase + "//evil.example", ""},
		{testBase + `/\evil.example`, ""}, // a browser reads it as testBase + "//evil.example"
		{testBase + "/\t/evil.example", ""},
		{"/@alice", ""}, // not a URL of this site: a bare path
		{"javascript:alert(1)", ""},
		{"", ""},
	}
	for _, row := range rows {
		if got := l.Path(row.in); got != row.want {
			t.Errorf("Path(%q) = %q, want %q", row.in, got, row.want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	rows := []struct {
		in   string
		want bool
	}{
		{"/", true},
		{"/home", true},
		{"/@alice?page=2", true},
		{"", false},
		{"home", false},
		{"//evil.example", false},
		{`/\evil.example`, false},
		{"http://local.test/home", false},
		{"https:evil.example", false},
		// Browsers drop tabs from a URL before reading it: "/<TAB>/evil.example" is
		// "//evil.example" to them, another site.
		{"/\t/evil.example", false},
	}
	for _, row := range rows {
		if got := LocalPath(row.in); got != row.want {
			t.Errorf("LocalPath(%q) = %v, want %v", row.in, got, row.want)
		}
	}
}
