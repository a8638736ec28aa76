package uris

import (
	"net/url"
	"strings"
	"testing"
)

// browserReads resolves a redirect target against the page the way a browser does (WHATWG
// URL): tab, CR and LF removed anywhere, leading and trailing C0 controls and spaces
// stripped, backslashes read as slashes. net/url alone reads none of that.
func browserReads(t *testing.T, page, target string) *url.URL {
	t.Helper()
	s := strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, target)
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	base, err := url.Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	u, err := base.Parse(s)
	if err != nil {
		return nil
	}
	return u
}

// TestRedirectTargets: a redirect target is followed only when it is a path of this site as
// a browser reads it, or a URL of this site (whose path is then the target); WHATWG's edge
// cases, and the probe's, lead nowhere else.
func TestRedirectTargets(t *testing.T) {
	l := New(testBase)
	rows := []struct{ name, in, want string }{
		{"the probe's tab", "/\t/evil.example", ""},
		{"tab at the start", "\t//evil.example", ""},
		{"newline", "/\n/evil.example", ""},
		{"carriage return", "/\r/evil.example", ""},
		{"slash backslash", `/\evil.example`, ""},
		{"backslash slash", `\/evil.example`, ""},
		{"two backslashes", `\\evil.example`, ""},
		{"slash backslash slash", `/\/evil.example`, ""},
		{"backslash later in the path", `/a\b`, ""},
		{"protocol-relative", "//evil.example", ""},
		{"three slashes", "///evil.example", ""},
		{"four slashes", "////evil.example", ""},
		{"scheme without slashes", "https:evil.example", ""},
		{"scheme of ours without slashes", "http:evil.example", ""},
		{"scheme with one slash", "http:/evil.example", ""},
		{"javascript", "javascript:alert(1)", ""},
		{"javascript after a slash-less space", " javascript:alert(1)", ""},
		{"data", "data:text/html,x", ""},
		{"leading space", " /evil.example", ""},
		{"leading space before two slashes", " //evil.example", ""},
		{"leading NUL", "\x00//evil.example", ""},
		{"trailing space", "/home ", ""},
		{"trailing unit separator", "/home\x1f", ""},
		{"DEL", "/home\x7f", ""},
		{"inner space", "/a b", ""},
		{"no slash", "evil.example", ""},
		{"empty", "", ""},
		{"whole URL of another host", "http://evil.example/", ""},
		{"our host as userinfo", "http://local.test@evil.example/", ""},
		{"userinfo before our host", "http://evil.example@local.test/home", ""},
		{"backslash userinfo before our host", `http://evil.example\@local.test/home`, ""},
		{"our URL with two slashes", testBase + "//evil.example", ""},
		{"our URL with a backslash", testBase + `/\evil.example`, ""},
		{"our URL with a tab", testBase + "/\t/evil.example", ""},
		{"another scheme of our host", "https://local.test/home", ""},
		{"our host with a trailing dot", "http://local.test./home", ""},
		{"encoded tab stays a path", "/%09/evil.example", "/%09/evil.example"},
		{"encoded slash stays a path", "/%2F/evil.example", "/%2F/evil.example"},
		{"encoded backslash stays a path", "/%5Cevil.example", "/%5Cevil.example"},
		{"dot segments stay on our host", "/.//evil.example", "/.//evil.example"},
		{"a page", "/@alice?page=2", "/@alice?page=2"},
		{"the front page", "/", "/"},
		{"a query that names another site", "/search?q=//evil.example", "/search?q=//evil.example"},
		{"our URL", testBase + "/@alice?x=1#top", "/@alice?x=1"},
		{"our URL, no path", testBase, "/"},
	}
	for _, row := range rows {
		got := l.Target(row.in)
		if got != row.want {
			t.Errorf("%s: Target(%q) = %q, want %q", row.name, row.in, got, row.want)
		}
		if got == "" {
			continue
		}
		// Whatever is let through, a browser must read as a page of this site.
		if u := browserReads(t, testBase+"/signin", got); u == nil || u.Scheme+"://"+u.Host != testBase {
			t.Errorf("%s: Target(%q) = %q, which a browser reads as %v", row.name, row.in, got, u)
		}
	}
}
