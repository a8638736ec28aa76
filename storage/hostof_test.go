package storage_test

import (
	"testing"

	"refuge/storage"
)

// TestHostOf: the host of a URL as a browser and our client read it, or "" for anything
// that is not a clean absolute http(s) URL, so that a host compared is the host reached.
func TestHostOf(t *testing.T) {
	rows := []struct{ name, in, want string }{
		{"https", "https://social.example/users/alice", "social.example"},
		{"http with a port", "http://127.0.0.1:8080/users/alice", "127.0.0.1:8080"},
		{"upper case", "HTTPS://Social.EXAMPLE/x", "social.example"},
		{"no path", "https://social.example", "social.example"},
		{"query and fragment", "https://social.example?x=1#y", "social.example"},
		{"IPv6", "http://[::1]:8080/x", "[::1]:8080"},
		{"punycode", "https://xn--80ak6aa92e.example/x", "xn--80ak6aa92e.example"},
		{"@ in the path is no userinfo", "https://social.example/@alice", "social.example"},
		{"backslash before @ (the probe's)", `http://evil.example\@social.example/@name`, ""},
		{"backslash after the host", `http://social.example\@evil.example/`, ""},
		{"backslash in the path", `https://social.example/a\b`, ""},
		{"backslash for the slashes", `https:\\evil.example/`, ""},
		{"userinfo", "http://evil.example@social.example/@name", ""},
		{"userinfo with a password", "http://user:pass@social.example/", ""},
		{"empty userinfo", "http://@social.example/", ""},
		{"encoded backslash in userinfo", "http://evil.example%5C@social.example/", ""},
		{"tab in the authority", "http://evil.example\t@social.example/", ""},
		{"tab in the host", "http://social.exa\tmple/", ""},
		{"newline", "https://social.example/\n", ""},
		{"NUL", "https://social.example\x00.evil.example/", ""},
		{"leading space", " https://social.example/", ""},
		{"trailing space", "https://social.example/ ", ""},
		{"DEL", "https://social.example/\x7f", ""},
		{"encoded slash in the host", "https://evil.example%2fsocial.example/", ""},
		{"non-ASCII host", "https://éxample.org/", ""},
		{"trailing dot", "https://social.example./x", ""},
		{"empty port", "https://social.example:/x", ""},
		{"port that is no number", "https://social.example:https/x", ""},
		{"no host", "https:///x", ""},
		{"only a port", "https://:443/x", ""},
		{"scheme without slashes", "https:social.example", ""},
		{"one slash", "https:/social.example", ""},
		{"protocol-relative", "//social.example/x", ""},
		{"javascript", "javascript://social.example/%0aalert(1)", ""},
		{"ftp", "ftp://social.example/x", ""},
		{"a handle", "alice@social.example", ""},
		{"a path", "/users/alice", ""},
		{"empty", "", ""},
	}
	for _, row := range rows {
		if got := storage.HostOf(row.in); got != row.want {
			t.Errorf("%s: HostOf(%q) = %q, want %q", row.name, row.in, got, row.want)
		}
	}
}

// TestSameHost: two URLs are on one host only when both are clean and their hosts equal;
// two URLs that are no URLs at all are on no host, not on the same one.
func TestSameHost(t *testing.T) {
	rows := []struct {
		a, b string
		want bool
	}{
		{"https://social.example/users/a", "https://SOCIAL.example/users/a#main-key", true},
		{"https://social.example/users/a", "http://social.example/x", true}, // the host, not the origin
		{"https://social.example/users/a", "https://social.example:8443/x", false},
		{"https://social.example/users/a", `http://evil.example\@social.example/x`, false},
		{`http://evil.example\@social.example/x`, `http://evil.example\@social.example/y`, false},
		{"", "", false},
		{"not a url", "also not", false},
	}
	for _, row := range rows {
		if got := storage.SameHost(row.a, row.b); got != row.want {
			t.Errorf("SameHost(%q, %q) = %v, want %v", row.a, row.b, got, row.want)
		}
	}
}
