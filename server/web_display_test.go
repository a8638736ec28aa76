package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
)

// TestWebPublicTimelines: bob's Local timeline (/public/local) lists the public posts of
// A's accounts, never their unlisted or followers-only ones nor a post from B; his Federated
// one (/public) adds remy's post from B. Both leave out what the client API's
// /api/v1/timelines/public leaves out for him — carol, whom he blocks, dave, whom he mutes,
// a post his public filter hides, and, once he blocks B, remy — and show the very posts the
// API lists. They are paged as /home is, and a visitor is asked to sign in.
func TestWebPublicTimelines(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, aliceURI := a.Account("alice", false)
	bobTok, _ := a.Account("bob", false)
	carolTok, carolURI := a.Account("carol", false)
	daveTok, daveURI := a.Account("dave", false)
	remyTok, _ := b.Account("remy", false)
	a.FollowRemote("bob", bobTok, b, "remy") // brings remy's posts to A
	public := federation.PublicCollection
	a.PostNote("alice", aliceTok, map[string]any{"content": "alice in public", "to": public})
	a.PostNote("alice", aliceTok, map[string]any{"content": "alice unlisted", "to": aliceURI + "/followers", "cc": public})
	a.PostNote("alice", aliceTok, map[string]any{"content": "alice for followers", "to": aliceURI + "/followers"})
	a.PostNote("alice", aliceTok, map[string]any{"content": "alice on the secretword", "to": public})
	a.PostNote("carol", carolTok, map[string]any{"content": "carol in public", "to": public})
	a.PostNote("dave", daveTok, map[string]any{"content": "dave in public", "to": public})
	remyNote := b.PostNote("remy", remyTok, map[string]any{"content": "remy from far away", "to": public})
	testrig.Eventually(t, testrig.FederationWait, "remy's post on A", func() bool { return a.Note(remyNote) != nil })

	bob := testrig.NewWebClient(t, a)
	bob.SignIn("bob", "password-bob")
	if _, page := bob.Get("/home"); !strings.Contains(page, `<a href="/public/local">Local timeline</a>`) || !strings.Contains(page, `<a href="/public">Federated timeline</a>`) {
		t.Errorf("the menu lacks the public timelines")
	}
	form := func(path string, v url.Values) {
		t.Helper()
		v.Set("csrf", bob.CSRF("/home"))
		if resp, body := bob.Post(path, v); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
		}
	}
	form("/web/block", url.Values{"actor": {carolURI}})
	form("/web/mute", url.Values{"actor": {daveURI}})
	form("/web/filters", url.Values{"title": {"Secret"}, "keywords": {"secretword"}, "context": {"public"}, "action": {"hide"}, "expires_in": {""}})

	// The contents of the posts a page or an API answer shows, by the words the test posted.
	words := regexp.MustCompile(`(alice|carol|dave|remy) [a-z ]+`)
	shown := func(page string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`(?s)<div class="content"[^>]*>(.*?)</div>`).FindAllStringSubmatch(page, -1) {
			out = append(out, words.FindString(m[1]))
		}
		return out
	}
	api := func(query string) []string {
		t.Helper()
		status, body, _ := a.Do("GET", "/api/v1/timelines/public"+query, bobTok, nil)
		if status != http.StatusOK {
			t.Fatalf("API %s: %d", query, status)
		}
		var list []struct{ Content string }
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range list {
			out = append(out, words.FindString(s.Content))
		}
		return out
	}
	check := func(path, query string, want []string) {
		t.Helper()
		resp, page := bob.Get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		got := shown(page)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s shows %q, want %q", path, got, want)
		}
		if fromAPI := api(query); fmt.Sprint(fromAPI) != fmt.Sprint(got) {
			t.Errorf("%s shows %q, the API %q", path, got, fromAPI)
		}
		if !strings.Contains(page, `aria-current="page">`+map[bool]string{true: "Local timeline", false: "Federated timeline"}[path == "/public/local"]+`<`) {
			t.Errorf("%s is not marked in the menu", path)
		}
	}
	check("/public/local", "?local=true", []string{"alice in public"})
	check("/public", "", []string{"remy from far away", "alice in public"})
	if _, page := bob.Get("/public"); !strings.Contains(page, `<span class="visibility public" title="Public">`) {
		t.Errorf("the federated timeline shows no visibility badge")
	}

	// Blocking B leaves remy out of both, as out of the API.
	form("/web/domain_block", url.Values{"domain": {b.Cfg.Domain}})
	check("/public", "", []string{"alice in public"})

	// Pages: 21 more posts make an older page, which goes on where the first ended.
	for i := range 21 {
		a.PostNote("alice", aliceTok, map[string]any{"content": "alice filler " + strconv.Itoa(i), "to": public})
	}
	_, page := bob.Get("/public/local")
	next := regexp.MustCompile(`<a href="(/public/local\?max_id=[0-9]+)" rel="next">`).FindStringSubmatch(page)
	if next == nil || strings.Contains(page, "alice in public") || len(shown(page)) != 20 {
		t.Fatalf("first page: %d posts, next %v", len(shown(page)), next)
	}
	_, older := bob.Get(next[1])
	if got := shown(older); len(got) != 2 || got[1] != "alice in public" || !strings.Contains(older, `rel="prev"`) {
		t.Errorf("older page shows %q", got)
	}

	visitor := testrig.NewWebClient(t, a)
	for _, path := range []string{"/public/local", "/public"} {
		if resp, _ := visitor.Get(path); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
			t.Errorf("a visitor on %s: %d to %q", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, page := visitor.Get("/"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "alice filler 20") {
		t.Errorf("the front page for visitors: %d", resp.StatusCode)
	}
	if resp, _ := bob.Get("/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/home" {
		t.Errorf("the front page for bob: %d to %q, want /home", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestWebPostDisplay: a post shows its audience; a reply names the author of the post it
// answers and links its page here, or, to a reader who may not read that post, says only
// "a post"; a long post comes collapsed behind "Show more"; a picture links to its viewer
// page (/notes/ID/media/N), which shows it large with its description (or "No
// description"), its author, the way back and to the post's other attachments — to those
// who may read the post, and to nobody else.
func TestWebPostDisplay(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	aliceTok, aliceURI := in.Account("alice", false)
	bobTok, _ := in.Account("bob", false)
	in.Account("carol", false)
	in.FollowRemote("bob", bobTok, in, "alice")
	alice := testrig.NewWebClient(t, in)
	alice.SignIn("alice", "password-alice")
	bob := testrig.NewWebClient(t, in)
	bob.SignIn("bob", "password-bob")
	carol := testrig.NewWebClient(t, in)
	carol.SignIn("carol", "password-carol")
	visitor := testrig.NewWebClient(t, in)

	// Alice posts two pictures to her followers, the first described.
	form := url.Values{"csrf": {alice.CSRF("/compose")}, "content": {"two pictures"}, "language": {"en"},
		"visibility": {"followers"}, "alt_1": {"A red half and a blue half"}, "without_descriptions": {"1"}}
	resp, body := alice.PostMultipart("/web/notes", form,
		testrig.Upload{Field: "media", Name: "a.png", ContentType: "image/png", Body: testimage.PNG(t, testimage.Halves(300, 200))},
		testrig.Upload{Field: "media", Name: "b.png", ContentType: "image/png", Body: testimage.PNG(t, testimage.Halves(200, 300))})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("alice posts: %d\n%s", resp.StatusCode, body)
	}
	pics := in.Note(in.Base + resp.Header.Get("Location"))
	if pics == nil || len(pics.Media) != 2 {
		t.Fatalf("alice's pictures not stored: %+v", pics)
	}
	viewer := func(n int) string { return uris.StoredMedia(pics.ID, n) }
	_, page := bob.Get(pics.URL)
	for _, want := range []string{`<span class="visibility followers" title="Followers only">`,
		`<a class="thumb" href="` + viewer(1) + `"><img`, `<span class="alt-badge" aria-hidden="true">ALT</span>`,
		`<a class="thumb" href="` + viewer(2) + `"><img`} {
		if !strings.Contains(page, want) {
			t.Errorf("alice's post lacks %s", want)
		}
	}
	if n := strings.Count(page, `class="alt-badge"`); n != 1 {
		t.Errorf("%d ALT badges, want 1 (the second picture has no description)", n)
	}

	for _, tt := range []struct {
		name   string
		c      *testrig.WebClient
		path   string
		status int
		want   []string
	}{
		{"first picture", bob, viewer(1), http.StatusOK, []string{`<p class="alt-text" lang="en" dir="auto">A red half and a blue half</p>`,
			`From a post by <a href="` + in.Base + `/@alice" dir="auto">alice</a>`, `<a class="button" href="` + pics.URL + `">Back to the post</a>`,
			`<a href="` + viewer(2) + `" rel="next">Next →</a>`, `1 of 2`, `<img src="` + in.Base + `/media/`}},
		{"second picture", bob, viewer(2), http.StatusOK, []string{`<p class="alt-text none">No description</p>`,
			`<a href="` + viewer(1) + `" rel="prev">← Previous</a>`, `2 of 2`}},
		{"its author", alice, viewer(1), http.StatusOK, []string{`A red half and a blue half`}},
		{"no third picture", bob, viewer(3), http.StatusNotFound, nil},
		{"no picture 0", bob, viewer(0), http.StatusNotFound, nil},
		{"no such post", bob, uris.StoredMedia(pics.ID+1000, 1), http.StatusNotFound, nil},
		{"not a follower", carol, viewer(1), http.StatusNotFound, nil},
		{"a visitor", visitor, viewer(1), http.StatusNotFound, nil},
	} {
		resp, page := tt.c.Get(tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
		if strings.Contains(page, "A red half") != (tt.status == http.StatusOK && tt.path == viewer(1)) {
			t.Errorf("%s: the description shown where it should not be, or missing", tt.name)
		}
		for _, w := range tt.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s lacks %s", tt.name, w)
			}
		}
	}

	// A public picture's viewer is anyone's.
	form = url.Values{"csrf": {alice.CSRF("/compose")}, "content": {"for all"}, "language": {"en"}, "visibility": {"public"},
		"without_descriptions": {"1"}}
	resp, _ = alice.PostMultipart("/web/notes", form,
		testrig.Upload{Field: "media", Name: "c.png", ContentType: "image/png", Body: testimage.PNG(t, testimage.Halves(100, 100))})
	open := in.Note(in.Base + resp.Header.Get("Location"))
	if resp, page := visitor.Get(uris.StoredMedia(open.ID, 1)); resp.StatusCode != http.StatusOK || !strings.Contains(page, "No description") {
		t.Errorf("a visitor on a public picture: %d", resp.StatusCode)
	}

	// Bob answers the followers-only post in public: he and alice see whom he answers, carol
	// and visitors only that it answers a post.
	reply := in.PostNote("bob", bobTok, map[string]any{"content": "nice colours", "to": federation.PublicCollection, "inReplyTo": pics.URI})
	answer := `In reply to <a href="` + uris.StoredNote(pics.ID) + `" dir="auto">alice</a>`
	unnamed := `In reply to <a href="` + pics.URI + `">a post</a>`
	replyURL := in.Note(reply).URL
	for name, c := range map[string]*testrig.WebClient{"bob": bob, "alice": alice, "carol": carol, "a visitor": visitor} {
		_, page := c.Get(replyURL)
		mayRead := name == "bob" || name == "alice"
		if strings.Contains(page, answer) != mayRead || strings.Contains(page, unnamed) == mayRead {
			t.Errorf("%s sees the reply as %q", name, regexp.MustCompile(`In reply to [^\n]*`).FindString(page))
		}
	}
	_, page = bob.Get(replyURL)
	if !strings.Contains(page, `<span class="visibility public" title="Public">`) {
		t.Errorf("bob's reply shows no public badge")
	}

	// A long post comes collapsed, its lead first and the rest behind "Show more"; behind a
	// content warning it is whole.
	var long strings.Builder
	for i := range 40 {
		fmt.Fprintf(&long, "Line %d of a long post.\n\n", i)
	}
	longURL := in.Note(in.PostNote("alice", aliceTok, map[string]any{"content": long.String(), "to": federation.PublicCollection})).URL
	_, page = visitor.Get(longURL)
	more := strings.Index(page, `<details class="more">`)
	if more < 0 || !strings.Contains(page, "Show more") || strings.Index(page, "Line 0 of") > more || strings.Index(page, "Line 39 of") < more {
		t.Errorf("the long post is not collapsed after its lead")
	}
	cwURL := in.Note(in.PostNote("alice", aliceTok, map[string]any{"content": long.String(), "summary": "long", "to": federation.PublicCollection})).URL
	if _, page = visitor.Get(cwURL); strings.Contains(page, `class="more"`) || !strings.Contains(page, `<details class="cw">`) {
		t.Errorf("a long post behind a content warning is collapsed twice")
	}
	_ = aliceURI
}
