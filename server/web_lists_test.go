package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestWebLists: alice keeps lists on /lists (in the menu). She makes "Friends", adds bob
// from the accounts she follows (carol, followed too, is offered; dave, not followed, is
// refused), and the list's page shows bob's post and not carol's; made exclusive, bob's
// post leaves her home; renamed, emptied and deleted, it says so. Every form needs the
// CSRF token; bad input is refused with nothing stored; another account's list is not
// found, to see, change or delete.
func TestWebLists(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	aliceTok, _ := in.Account("alice", false)
	bobTok, _ := in.Account("bob", false)
	carolTok, _ := in.Account("carol", false)
	in.Account("dave", false)
	in.FollowRemote("alice", aliceTok, in, "bob")
	in.FollowRemote("alice", aliceTok, in, "carol")
	in.PostNote("bob", bobTok, map[string]any{"content": "Bob in the list"})
	in.PostNote("carol", carolTok, map[string]any{"content": "Carol outside it"})
	ids := map[string]string{}
	for _, name := range []string{"bob", "carol", "dave"} {
		a, err := in.App.DB().GetLocalActor(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = strconv.FormatInt(a.ID, 10)
	}
	alice := testrig.NewWebClient(t, in)
	alice.SignIn("alice", "password-alice")
	carol := testrig.NewWebClient(t, in)
	carol.SignIn("carol", "password-carol")

	if _, page := alice.Get("/home"); !strings.Contains(page, `<a href="/lists">Lists</a>`) {
		t.Errorf("the menu does not link the lists")
	}
	if resp, _ := testrig.NewWebClient(t, in).Get("/lists"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a visitor on /lists: %d, want the sign-in redirect", resp.StatusCode)
	}
	post := func(c *testrig.WebClient, path string, form url.Values) (int, string, string) {
		t.Helper()
		signed := url.Values{"csrf": {c.CSRF("/lists")}}
		for k, v := range form {
			signed[k] = v
		}
		resp, body := c.Post(path, signed)
		return resp.StatusCode, resp.Header.Get("Location"), body
	}

	before := in.RowCounts()
	if resp, _ := alice.Post("/web/lists", url.Values{"title": {"Friends"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("creating a list without the CSRF token: %d", resp.StatusCode)
	}
	if status, _, _ := post(alice, "/web/lists", url.Values{"title": {"   "}}); status != http.StatusBadRequest {
		t.Errorf("a blank title: %d, want 400", status)
	}
	if after := in.RowCounts(); after["lists"] != before["lists"] {
		t.Errorf("refused lists stored: %d → %d", before["lists"], after["lists"])
	}
	status, to, body := post(alice, "/web/lists", url.Values{"title": {"Friends"}})
	if status != http.StatusSeeOther || !regexp.MustCompile(`^/lists/\d+$`).MatchString(to) {
		t.Fatalf("create a list: %d to %q\n%s", status, to, body)
	}
	id := strings.TrimPrefix(to, "/lists/")
	_, page := alice.Get(to)
	for _, want := range []string{"The list is created", `<h1 dir="auto">Friends</h1>`, `action="/web/lists/` + id + `/add"`,
		`<option value="` + ids["bob"] + `"`, `<option value="` + ids["carol"] + `"`, "No posts here yet"} {
		if !strings.Contains(page, want) {
			t.Errorf("the new list's page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, `<option value="`+ids["dave"]+`"`) {
		t.Errorf("dave, not followed, is offered")
	}

	// Members: bob in; dave, not followed, refused with nothing stored; no token, refused.
	before = in.RowCounts()
	if resp, _ := alice.Post("/web/lists/"+id+"/add", url.Values{"account": {ids["bob"]}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("adding without the CSRF token: %d", resp.StatusCode)
	}
	for _, bad := range []string{ids["dave"], "x", ""} {
		if status, _, _ := post(alice, "/web/lists/"+id+"/add", url.Values{"account": {bad}}); status != http.StatusBadRequest {
			t.Errorf("adding %q: %d, want 400", bad, status)
		}
	}
	if after := in.RowCounts(); after["list_accounts"] != before["list_accounts"] {
		t.Errorf("refused members stored: %d → %d", before["list_accounts"], after["list_accounts"])
	}
	if status, to, body := post(alice, "/web/lists/"+id+"/add", url.Values{"account": {ids["bob"]}}); status != http.StatusSeeOther || to != "/lists/"+id+"#members" {
		t.Fatalf("add bob: %d to %q\n%s", status, to, body)
	}
	_, page = alice.Get("/lists/" + id)
	if !strings.Contains(page, "Bob in the list") || strings.Contains(page, "Carol outside it") ||
		!strings.Contains(page, `action="/web/lists/`+id+`/remove"`) || strings.Contains(page, `<option value="`+ids["bob"]+`"`) {
		t.Errorf("the list's page with bob:\n%s", page)
	}

	// Carol may not see, change, fill or delete alice's list.
	if resp, _ := carol.Get("/lists/" + id); resp.StatusCode != http.StatusNotFound {
		t.Errorf("carol on alice's list: %d", resp.StatusCode)
	}
	for _, path := range []string{"/web/lists/" + id, "/web/lists/" + id + "/delete", "/web/lists/" + id + "/add", "/web/lists/" + id + "/remove"} {
		if status, _, _ := post(carol, path, url.Values{"title": {"Mine"}, "account": {ids["bob"]}}); status != http.StatusNotFound {
			t.Errorf("carol posting to %s: %d, want 404", path, status)
		}
	}

	// Settings: renamed and exclusive, bob's post leaves alice's home; not exclusive, it is back.
	if resp, _ := alice.Post("/web/lists/"+id, url.Values{"title": {"Close"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editing without the CSRF token: %d", resp.StatusCode)
	}
	if status, _, _ := post(alice, "/web/lists/"+id, url.Values{"title": {"Close"}, "replies_policy": {"everyone"}}); status != http.StatusBadRequest {
		t.Errorf("an unknown replies policy: %d, want 400", status)
	}
	if status, _, body := post(alice, "/web/lists/"+id, url.Values{"title": {"Close friends"}, "replies_policy": {"none"}, "exclusive": {"1"}}); status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", status, body)
	}
	_, page = alice.Get("/lists")
	for _, want := range []string{"The list is saved.", `>Close friends</a>`, `value="none" checked`, `name="exclusive" type="checkbox" value="1" checked`,
		"Its members' posts are not in your home timeline."} {
		if !strings.Contains(page, want) {
			t.Errorf("/lists lacks %q:\n%s", want, page)
		}
	}
	if _, page = alice.Get("/home"); strings.Contains(page, "Bob in the list") || !strings.Contains(page, "Carol outside it") {
		t.Errorf("home with bob in an exclusive list:\n%s", page)
	}
	post(alice, "/web/lists/"+id, url.Values{"title": {"Close friends"}, "replies_policy": {"none"}})
	if _, page = alice.Get("/home"); !strings.Contains(page, "Bob in the list") {
		t.Errorf("home with the list no longer exclusive lacks bob's post")
	}

	// Removing bob empties it; deleting it leaves no list.
	if resp, _ := alice.Post("/web/lists/"+id+"/remove", url.Values{"account": {ids["bob"]}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("removing without the CSRF token: %d", resp.StatusCode)
	}
	if status, _, body := post(alice, "/web/lists/"+id+"/remove", url.Values{"account": {ids["bob"]}}); status != http.StatusSeeOther {
		t.Fatalf("remove bob: %d\n%s", status, body)
	}
	if _, page = alice.Get("/lists/" + id); !strings.Contains(page, "Removed from the list.") || !strings.Contains(page, "No posts here yet") ||
		strings.Contains(page, "Bob in the list") {
		t.Errorf("the list after bob left:\n%s", page)
	}
	if resp, _ := alice.Post("/web/lists/"+id+"/delete", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("deleting without the CSRF token: %d", resp.StatusCode)
	}
	if status, to, _ := post(alice, "/web/lists/"+id+"/delete", nil); status != http.StatusSeeOther || to != "/lists" {
		t.Fatalf("delete: %d to %q", status, to)
	}
	if _, page = alice.Get("/lists"); !strings.Contains(page, "The list is deleted.") || !strings.Contains(page, "No lists yet.") {
		t.Errorf("/lists after the delete:\n%s", page)
	}
	if resp, _ := alice.Get("/lists/" + id); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted list: %d", resp.StatusCode)
	}
}

// TestWebFavouritesAndBookmarks: alice bookmarks bob's post from its Bookmark button and
// likes it; /bookmarks and /favourites (linked from her profile) list it, the button says
// "Remove bookmark", and removing the bookmark empties /bookmarks. The forms need the CSRF
// token; visitors are sent to sign in.
func TestWebFavouritesAndBookmarks(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	aliceTok, _ := in.Account("alice", false)
	bobTok, _ := in.Account("bob", false)
	in.FollowRemote("alice", aliceTok, in, "bob")
	in.PostNote("bob", bobTok, map[string]any{"content": "Keep this one"})
	alice := testrig.NewWebClient(t, in)
	alice.SignIn("alice", "password-alice")
	for _, path := range []string{"/favourites", "/bookmarks"} {
		if resp, _ := testrig.NewWebClient(t, in).Get(path); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a visitor on %s: %d, want the sign-in redirect", path, resp.StatusCode)
		}
	}
	_, page := alice.Get("/@alice")
	if !strings.Contains(page, `href="/favourites"`) || !strings.Contains(page, `href="/bookmarks"`) {
		t.Errorf("alice's profile does not link her favourites and bookmarks")
	}
	_, page = alice.Get("/home")
	m := regexp.MustCompile(`action="/web/notes/(\d+)/bookmark"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no Bookmark button on the home timeline:\n%s", page)
	}
	note := m[1]
	if resp, _ := alice.Post("/web/notes/"+note+"/bookmark", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("bookmarking without the CSRF token: %d", resp.StatusCode)
	}
	for _, action := range []string{"bookmark", "like"} {
		if resp, body := alice.Post("/web/notes/"+note+"/"+action, url.Values{"csrf": {alice.CSRF("/home")}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", action, resp.StatusCode, body)
		}
	}
	for _, path := range []string{"/bookmarks", "/favourites"} {
		_, page := alice.Get(path)
		if !strings.Contains(page, "Keep this one") || !strings.Contains(page, `action="/web/notes/`+note+`/unbookmark"`) ||
			!strings.Contains(page, `<span class="label">Remove bookmark</span></button>`) {
			t.Errorf("%s after bookmarking and liking:\n%s", path, page)
		}
	}
	if resp, body := alice.Post("/web/notes/"+note+"/unbookmark", url.Values{"csrf": {alice.CSRF("/bookmarks")}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unbookmark: %d\n%s", resp.StatusCode, body)
	}
	if _, page := alice.Get("/bookmarks"); strings.Contains(page, "Keep this one") || !strings.Contains(page, "Bookmark a post to find it here later.") {
		t.Errorf("/bookmarks after removing the bookmark:\n%s", page)
	}
	if _, page := alice.Get("/favourites"); !strings.Contains(page, "Keep this one") {
		t.Errorf("/favourites lost the liked post")
	}
}
