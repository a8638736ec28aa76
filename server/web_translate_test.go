package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/translator"
	"refuge/server"
)

// postFrom posts content in language lang from c's account through the compose form and
// returns the note's URI.
func postFrom(t *testing.T, in *testrig.Instance, c *testrig.WebClient, content, lang string) string {
	t.Helper()
	resp, body := c.Post("/web/notes", url.Values{"csrf": {c.CSRF("/compose")}, "content": {content}, "language": {lang}, "visibility": {"public"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("post: %d\n%s", resp.StatusCode, body)
	}
	return in.Base + strings.SplitN(resp.Header.Get("Location"), "#", 2)[0]
}

// TestWebTranslate: with a translation server, a signed-in reader's pages offer Translate
// on posts, local and remote, not in the reader's language, and on none in it; the
// Translate page shows the post and its translation (sanitized), with the language it was
// translated from and by what; it is kept (the server is asked once) until the post is
// edited. A server slow or down gets a page that says so, never an error page, and the
// timelines never ask the server. Visitors are sent to sign in. Without a translation
// server, no post offers it and its page says translation is not set up.
func TestWebTranslate(t *testing.T) {
	lt := translator.Start(t)
	const bound = 500 * time.Millisecond
	a := testrig.Start(t, func(c *server.Config) { c.TranslateURL, c.TranslateTimeout = lt.URL, bound })
	b := testrig.Start(t)
	a.Account("alice", false)
	a.Account("li", false)
	bobToken, _ := b.Account("bob", false)
	b.Account("wang", false)
	alice, li, visitor := testrig.NewWebClient(t, a), testrig.NewWebClient(t, a), testrig.NewWebClient(t, a)
	alice.SignIn("alice", "password-alice")
	li.SignIn("li", "password-li")
	wang := testrig.NewWebClient(t, b)
	wang.SignIn("wang", "password-wang")

	b.FollowRemote("bob", bobToken, a, "li") // so that li's posts reach B
	aliceTok, _ := a.App.Outbox().NewToken(t.Context(), a.LocalActor("alice"), "api")
	a.FollowRemote("alice", aliceTok, b, "wang")
	remoteURI := postFrom(t, b, wang, "来自远方的问候", "zh")
	localURI := postFrom(t, a, li, "今天天气很好", "zh-Hans")
	ownURI := postFrom(t, a, alice, "a fine day", "en")
	arrived(t, a, remoteURI)
	remote, local, own := a.Note(remoteURI), a.Note(localURI), a.Note(ownURI)
	link := func(id int64) string {
		return `href="/notes/` + strconv.FormatInt(id, 10) + `/translate">Translate</a>`
	}

	// The timelines offer it on the Chinese posts only, and ask the server nothing.
	lt.SetDelay(20 * bound) // a page that asked it would wait, and fail
	for _, path := range []string{"/home", "/public", "/@li", "/notes/" + strconv.FormatInt(remote.ID, 10)} {
		resp, page := alice.Get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if path == "/public" && (!strings.Contains(page, link(remote.ID)) || !strings.Contains(page, link(local.ID)) || strings.Contains(page, link(own.ID))) {
			t.Errorf("%s: Translate offered on the wrong posts", path)
		}
	}
	if n := lt.Requests(); n != 0 {
		t.Errorf("the pages asked the translation server %d times", n)
	}
	lt.SetDelay(0)

	translatePath := func(id int64) string { return "/notes/" + strconv.FormatInt(id, 10) + "/translate" }
	rows := []struct {
		name  string
		id    int64
		query string
		want  []string
	}{
		{"remote", remote.ID, "", []string{"<p>[en] 来自远方的问候</p>", "Translated from zh by LibreTranslate", "来自远方的问候"}},
		{"local", local.ID, "", []string{"<p>[en] 今天天气很好</p>", "Translated from zh-Hans by LibreTranslate"}},
		{"into another language", local.ID, "?lang=fr", []string{"<p>[fr] 今天天气很好</p>"}},
	}
	for _, row := range rows {
		resp, page := alice.Get(translatePath(row.id) + row.query)
		for _, want := range row.want {
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, want) {
				t.Errorf("%s: %d, the page lacks %s", row.name, resp.StatusCode, want)
			}
		}
	}
	calls := lt.Translations()
	if calls != 3 {
		t.Errorf("%d translations asked, want 3", calls)
	}
	if _, page := alice.Get(translatePath(remote.ID)); !strings.Contains(page, "[en] 来自远方的问候") || lt.Translations() != calls {
		t.Errorf("the kept translation was not used: %d calls", lt.Translations()-calls)
	}

	// An edit is translated afresh.
	resp, body := li.Post("/web/notes/"+strconv.FormatInt(local.ID, 10)+"/edit", url.Values{"csrf": {li.CSRF("/compose")},
		"content": {"今天天气很好，适合散步"}, "language": {"zh-Hans"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", resp.StatusCode, body)
	}
	if _, page := alice.Get(translatePath(local.ID)); !strings.Contains(page, "[en] 今天天气很好，适合散步") || lt.Translations() != calls+1 {
		t.Errorf("after the edit: %d calls, page:\n%s", lt.Translations()-calls, page)
	}

	// What the server answers is sanitized.
	lt.SetEvil(true)
	if resp, page := alice.Get(translatePath(remote.ID) + "?lang=es"); resp.StatusCode != http.StatusOK ||
		strings.Contains(page, `alert("stand-in")`) || strings.Contains(page, "onerror") {
		t.Errorf("not sanitized: %d\n%s", resp.StatusCode, page)
	}
	lt.SetEvil(false)

	// The server slow, talking nonsense, down: the page says so.
	failures := []struct {
		name, lang, want string
		setup            func()
	}{
		{"slow", "ja", "did not answer in time", func() { lt.SetDelay(20 * bound) }},
		{"bad JSON", "ja", "unavailable", func() { lt.SetDelay(0); lt.SetBadJSON(true) }},
		{"down", "ja", "unavailable", func() { lt.Close() }},
	}
	for _, row := range failures {
		row.setup()
		start := time.Now()
		resp, page := alice.Get(translatePath(remote.ID) + "?lang=" + row.lang)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page, row.want) || !strings.Contains(page, "来自远方的问候") {
			t.Errorf("%s: %d, page:\n%s", row.name, resp.StatusCode, page)
		}
		if took := time.Since(start); took > 10*bound { // generous: only that it did not wait for the server
			t.Errorf("%s: took %s", row.name, took)
		}
	}

	// Visitors sign in first; nobody reads a post through it that they may not read.
	if resp, _ := visitor.Get(translatePath(remote.ID)); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Errorf("visitor: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := alice.Get(translatePath(987654321)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no such post: %d", resp.StatusCode)
	}

	// Without a translation server (B): no Translate anywhere, and its page says why.
	onB := b.Note(localURI)
	testrig.Eventually(t, testrig.FederationWait, "li's post on B", func() bool { onB = b.Note(localURI); return onB != nil })
	bob := testrig.NewWebClient(t, b)
	bob.SignIn("bob", "password-bob")
	if _, page := bob.Get("/home"); !strings.Contains(page, "今天天气很好") || strings.Contains(page, ">Translate</a>") {
		t.Errorf("B's home page offers Translate, or lacks the post")
	}
	if resp, page := bob.Get(translatePath(onB.ID)); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "not set up") {
		t.Errorf("B's translate page: %d\n%s", resp.StatusCode, page)
	}
}
