package server_test

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
	"refuge/storage"
)

// TestWebEditPost: alice edits her post with a picture from its edit page: the text, the
// content warning and the picture's description change, the audience does not, a version
// is kept, and bob, who follows her from another server, gets the new version with its
// history. Bad forms come back with the reason and what was typed, and store nothing;
// nobody else may open or send the form; the history is no more public than the post.
func TestWebEditPost(t *testing.T) {
	ctx := context.Background()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceToken, _ := a.Account("alice", false)
	a.Account("carol", false)
	bobToken, _ := b.Account("bob", false)
	b.FollowRemote("bob", bobToken, a, "alice")
	alice, carol, visitor := testrig.NewWebClient(t, a), testrig.NewWebClient(t, a), testrig.NewWebClient(t, a)
	alice.SignIn("alice", "password-alice")
	carol.SignIn("carol", "password-carol")
	bob := testrig.NewWebClient(t, b)
	bob.SignIn("bob", "password-bob")

	// A followers-only post with a content warning and a described picture.
	resp, body := alice.PostMultipart("/web/notes", url.Values{"csrf": {alice.CSRF("/compose")}, "content": {"Lilacs in the park"},
		"summary": {"flowers"}, "visibility": {"followers"}, "language": {"en"}, "alt_1": {"Purple lilacs"}},
		testrig.Upload{Field: "media_1", Name: "lilacs.png", ContentType: "image/png", Body: testimage.PNG(t, testimage.Halves(64, 32))})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("post: %d\n%s", resp.StatusCode, body)
	}
	noteURI := a.Base + strings.SplitN(resp.Header.Get("Location"), "#", 2)[0]
	n := a.Note(noteURI)
	if n == nil || len(n.Media) != 1 {
		t.Fatalf("the post is not stored with its picture: %+v", n)
	}
	id := strconv.FormatInt(n.ID, 10)
	editPath, historyPath := "/notes/"+id+"/edit", "/notes/"+id+"/history"
	mediaField := "description_" + strconv.FormatInt(n.Media[0].ID, 10)
	arrived(t, b, noteURI)

	// Her post offers Edit; its form holds what she typed.
	if _, page := alice.Get(resp.Header.Get("Location")); !strings.Contains(page, `href="`+editPath+`">Edit</a>`) {
		t.Errorf("her post offers no Edit link")
	}
	resp, page := alice.Get(editPath)
	for _, want := range []string{`action="/web/notes/` + id + `/edit"`, ">Lilacs in the park</textarea>", `value="flowers"`,
		`name="` + mediaField + `"`, ">Purple lilacs</textarea>", `name="sensitive" type="checkbox" value="1" checked`, "Followers only"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("edit page (%d) lacks %s", resp.StatusCode, want)
		}
	}

	form := func(c *testrig.WebClient, fields ...string) url.Values {
		f := url.Values{"csrf": {c.CSRF("/compose")}, "content": {"Lilacs by the river"}, "summary": {"flowers"}, "language": {"en"}}
		for i := 0; i+1 < len(fields); i += 2 {
			f.Set(fields[i], fields[i+1])
		}
		return f
	}
	before := a.RowCounts()
	refusals := []struct {
		name   string
		client *testrig.WebClient
		path   string
		form   url.Values
		status int
		reason string
	}{
		{"text too long", alice, "/web/notes/" + id + "/edit", form(alice, "content", strings.Repeat("x", 5001)), 400, "longer than 5000"},
		{"content warning too long", alice, "/web/notes/" + id + "/edit", form(alice, "summary", strings.Repeat("w", 501)), 400, "at most 500"},
		{"description too long", alice, "/web/notes/" + id + "/edit", form(alice, mediaField, strings.Repeat("d", 1501)), 400, "1500"},
		{"not a language", alice, "/web/notes/" + id + "/edit", form(alice, "language", "not a language"), 400, "not a language tag"},
		{"someone else's post", carol, "/web/notes/" + id + "/edit", form(carol), 404, "not found"},
		{"no such post", alice, "/web/notes/999999/edit", form(alice), 404, "not found"},
		{"without the CSRF token", alice, "/web/notes/" + id + "/edit", form(alice, "csrf", ""), 403, "no CSRF token"},
		{"signed out", visitor, "/web/notes/" + id + "/edit", url.Values{"content": {"forged"}}, 401, "Sign in first"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.client.PostMultipart(tt.path, tt.form)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.reason) {
				t.Fatalf("status %d, want %d with %q:\n%s", resp.StatusCode, tt.status, tt.reason, body)
			}
			if tt.status == 400 && (!strings.Contains(body, `action="/web/notes/`+id+`/edit"`) ||
				!strings.Contains(body, `value="`+tt.form.Get("summary")+`"`) || !strings.Contains(body, ">"+tt.form.Get("content")+"</textarea>")) {
				t.Errorf("the form did not come back with what was typed")
			}
		})
	}
	if after := a.RowCounts(); !reflect.DeepEqual(before, after) {
		t.Errorf("refused edits stored something: %v, then %v", before, after)
	}
	if got := a.Note(noteURI); got.Source != "Lilacs in the park" || got.Summary != "flowers" || got.Media[0].Description != "Purple lilacs" ||
		got.Updated.After(got.Published) {
		t.Errorf("refused edits changed the post: %+v", got)
	}
	if resp, _ := carol.Get(editPath); resp.StatusCode != http.StatusNotFound {
		t.Errorf("carol opens the edit page of alice's post: %d", resp.StatusCode)
	}
	if resp, _ := visitor.Get(editPath); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Errorf("a visitor is not sent to sign in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The edit: text, warning and description change; the audience stays.
	resp, body = alice.PostMultipart("/web/notes/"+id+"/edit", form(alice, "summary", "spring flowers", mediaField, "Purple lilacs by the river",
		"visibility", "public"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "#note-"+id) {
		t.Fatalf("edit: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	got := a.Note(noteURI)
	if got.Source != "Lilacs by the river" || got.Summary != "spring flowers" || got.Media[0].Description != "Purple lilacs by the river" ||
		got.Visibility != storage.Followers || !got.Updated.After(got.Published) {
		t.Errorf("after the edit: %+v", got)
	}
	if _, page := alice.Get(resp.Header.Get("Location")); !strings.Contains(page, "Your post is updated") ||
		!strings.Contains(page, `<a class="edited" href="`+historyPath+`">edited`) {
		t.Errorf("the post does not show the notice and that it was edited")
	}

	// The history lists both versions, newest first, to those who may read the post.
	checkHistory := func(c *testrig.WebClient, path string) {
		t.Helper()
		resp, page := c.Get(path)
		i, j := strings.Index(page, "Lilacs by the river"), strings.Index(page, "Lilacs in the park")
		if resp.StatusCode != http.StatusOK || i < 0 || j < i || !strings.Contains(page, "Image: <span dir=\"auto\">Purple lilacs by the river</span>") ||
			!strings.Contains(page, "Image: <span dir=\"auto\">Purple lilacs</span>") || !strings.Contains(page, "spring flowers") {
			t.Errorf("history %s (%d) does not list both versions, newest first:\n%s", path, resp.StatusCode, page)
		}
	}
	checkHistory(alice, historyPath)
	for name, c := range map[string]*testrig.WebClient{"a visitor": visitor, "carol, who does not follow her": carol} {
		if resp, _ := c.Get(historyPath); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s reads the history of a followers-only post: %d", name, resp.StatusCode)
		}
	}

	// Bob's server has the new version, shows it edited in his home, and its history.
	var remote *storage.Note
	testrig.Eventually(t, testrig.FederationWait, "the edit reaches b", func() bool {
		remote = b.Note(noteURI)
		return remote != nil && remote.Summary == "spring flowers" && len(remote.Media) == 1 &&
			remote.Media[0].Description == "Purple lilacs by the river"
	})
	remoteHistory := "/notes/" + strconv.FormatInt(remote.ID, 10) + "/history"
	if _, home := bob.Get("/home"); !strings.Contains(home, "Lilacs by the river") || !strings.Contains(home, `href="`+remoteHistory+`">edited`) {
		t.Errorf("bob's home does not show the edited post")
	}
	checkHistory(bob, remoteHistory)
	if resp, _ := testrig.NewWebClient(t, b).Get(remoteHistory); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a visitor on b reads the history: %d", resp.StatusCode)
	}
	if edits, err := b.App.DB().ListNoteEdits(ctx, remote.ID); err != nil || len(edits) != 2 {
		t.Errorf("b keeps %d versions (%v), want 2", len(edits), err)
	}

	// A post without media cannot be emptied; a deleted one cannot be edited.
	plainURI := a.PostNote("alice", aliceToken, map[string]any{"content": "plain words", "to": "https://www.w3.org/ns/activitystreams#Public"})
	plain := strconv.FormatInt(a.Note(plainURI).ID, 10)
	if resp, body := alice.PostMultipart("/web/notes/"+plain+"/edit", form(alice, "content", " ", "summary", "")); resp.StatusCode != 400 ||
		!strings.Contains(body, "content is empty") {
		t.Errorf("emptied post: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := visitor.Get("/notes/" + plain + "/history"); resp.StatusCode != http.StatusOK {
		t.Errorf("the history of a public post never edited: %d", resp.StatusCode)
	}
	if resp, _ := alice.Post("/web/notes/"+plain+"/delete", url.Values{"csrf": {alice.CSRF("/compose")}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, body := alice.PostMultipart("/web/notes/"+plain+"/edit", form(alice)); resp.StatusCode != http.StatusGone {
		t.Errorf("edit of a deleted post: %d\n%s", resp.StatusCode, body)
	}
}
