package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/internal/testrig/testimage"
)

// Custom emoji from another server, in a post (a lone Emoji tag, not in an array, as
// GoToSocial sends one) and in its author's name and bio: the pages show each :shortcode:
// as its picture, loaded from this server's cache and never from the other, and the client
// API lists them as the status's and the account's emojis. A shortcode inside a link's
// address stays as it is; a picture at a javascript: address is not kept.
func TestRemoteCustomEmoji(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	aliceTok, alice := in.Account("alice", false)
	p := peer.New(t, "127.0.0.1:0", "")
	k, _ := peer.Keys()
	eve := p.Actor("eve", k)
	blobcat := p.Base + "/files/blobcat.png"
	picture := testimage.PNG(t, testimage.Halves(32, 32))
	p.Route("/files/blobcat.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(picture)
	})
	emoji := map[string]any{"type": "Emoji", "name": ":blobcat:", "id": p.Base + "/emoji/1",
		"icon": map[string]any{"type": "Image", "mediaType": "image/png", "url": blobcat}}
	doc := eve.Doc()
	doc["name"], doc["summary"] = "Eve :blobcat:", "<p>cats :blobcat: all day</p>"
	doc["tag"] = []any{emoji, map[string]any{"type": "Emoji", "name": ":evil:", "icon": map[string]any{"url": "javascript:alert(1)"}}}
	p.Doc("/users/eve", doc)

	follow := in.C2S("alice", aliceTok, map[string]any{"type": "Follow", "object": eve.URI})
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Accept", follow))
	note := eve.Note(`<p>hello :blobcat: and <a href="https://example.test/:blobcat:">a link</a> :evil:</p>`, federation.PublicCollection, alice)
	note["tag"] = emoji // a lone object, not an array
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Create", note, "to", []string{federation.PublicCollection, alice}))
	uri := note["id"].(string)
	testrig.Eventually(t, testrig.FederationWait, "eve's post stored", func() bool { return in.Note(uri) != nil })

	served := uris.RemoteMediaPath(blobcat)
	img := `<img class="emoji" src="` + served + `" alt=":blobcat:"`
	web := testrig.NewWebClient(t, in)
	_, page := web.Get("/notes/" + itoa(in.Note(uri).ID))
	if strings.Count(page, img) < 2 { // in the post, and in the author's name above it
		t.Errorf("the post's page shows the emoji %d times, want 2:\n%s", strings.Count(page, img), page)
	}
	if !strings.Contains(page, `href="https://example.test/:blobcat:"`) || !strings.Contains(page, ":evil:") ||
		strings.Contains(page, "javascript:") || strings.Contains(page, p.Base+"/files/") {
		t.Errorf("the page changed a link, kept :evil:'s address or loads from the other server:\n%s", page)
	}
	web.SignIn("alice", "password-alice") // another server's account is shown to the signed in
	_, profile := web.Get("/@eve@" + p.Addr())
	if strings.Count(profile, img) < 2 { // the name and the bio
		t.Errorf("eve's profile shows the emoji %d times, want 2 or more:\n%s", strings.Count(profile, img), profile)
	}
	resp, body := web.Get(served)
	if resp.StatusCode != http.StatusOK || body != string(picture) {
		t.Errorf("the emoji's picture from the cache: %d, %d bytes", resp.StatusCode, len(body))
	}

	status, raw := apiForm(t, in, "GET", "/api/v1/statuses/"+apiStatusID(t, in, uri), aliceTok, url.Values{})
	var s struct {
		Emojis  []struct{ Shortcode, URL string }
		Account struct {
			Emojis []struct{ Shortcode, URL string }
		}
	}
	if err := json.Unmarshal([]byte(raw), &s); status != http.StatusOK || err != nil || len(s.Emojis) != 1 ||
		s.Emojis[0].Shortcode != "blobcat" || s.Emojis[0].URL != in.Base+served ||
		len(s.Account.Emojis) != 1 || s.Account.Emojis[0].URL != in.Base+served {
		t.Errorf("the status's emojis through the API: %d %s", status, raw)
	}
}

// The instance's own custom emoji: added by the admin with the command (refused for a bad
// shortcode, a file that is no picture, a shortcode taken), listed by the API for pickers,
// carried by a local post that names it as an Emoji tag, and shown on another instance from
// its cache; removed by the command.
func TestLocalCustomEmoji(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	b.FollowRemote("bob", bobTok, a, "alice")
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := dir + "/" + name
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	png := write("party.png", testimage.PNG(t, testimage.Halves(32, 32)))
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"emoji", "add", "x", png}, 1, "2 to 30"},
		{[]string{"emoji", "add", "bad-name", png}, 1, "2 to 30"},
		{[]string{"emoji", "add", "text", write("text.png", []byte("not a picture at all"))}, 1, "not an image"},
		{[]string{"emoji", "add", "party"}, 2, "takes 2 arguments"},
		{[]string{"emoji", "add", "party", png}, 0, "added :party:"},
		{[]string{"emoji", "add", "party", png}, 1, "taken"},
	} {
		if code, out := a.Admin(c.args...); code != c.code || !strings.Contains(out, c.says) {
			t.Errorf("%v: %d %q, want %d and %q", c.args, code, out, c.code, c.says)
		}
	}
	status, list := apiForm(t, a, "GET", "/api/v1/custom_emojis", "", url.Values{})
	if status != http.StatusOK || !strings.Contains(list, `"shortcode":"party"`) || !strings.Contains(list, `"visible_in_picker":true`) {
		t.Fatalf("custom_emojis: %d %s", status, list)
	}
	var emojis []struct{ URL string }
	json.Unmarshal([]byte(list), &emojis)
	if resp, _ := testrig.NewWebClient(t, a).Get(strings.TrimPrefix(emojis[0].URL, a.Base)); resp.StatusCode != http.StatusOK {
		t.Errorf("the picture at %s: %d", emojis[0].URL, resp.StatusCode)
	}

	status, body := apiForm(t, a, "POST", "/api/v1/statuses", aliceTok, url.Values{"status": {"time to :party: now"}})
	var posted struct {
		URI    string
		Emojis []struct{ Shortcode, URL string }
	}
	if err := json.Unmarshal([]byte(body), &posted); status != http.StatusOK || err != nil || len(posted.Emojis) != 1 ||
		posted.Emojis[0].URL != emojis[0].URL {
		t.Fatalf("the post's emojis: %d %s", status, body)
	}
	_, page := testrig.NewWebClient(t, a).Get(strings.TrimPrefix(posted.URI, a.Base))
	if !strings.Contains(page, `<img class="emoji" src="`+emojis[0].URL+`" alt=":party:"`) {
		t.Errorf("alice's page of the post lacks her emoji:\n%s", page)
	}
	testrig.Eventually(t, testrig.FederationWait, "the post on B", func() bool { return b.Note(posted.URI) != nil })
	_, there := testrig.NewWebClient(t, b).Get("/notes/" + itoa(b.Note(posted.URI).ID))
	if !strings.Contains(there, `<img class="emoji" src="`+uris.RemoteMediaPath(emojis[0].URL)+`" alt=":party:"`) {
		t.Errorf("B's page of the post lacks the emoji from its cache:\n%s", there)
	}

	if code, out := a.Admin("emoji", "remove", "party"); code != 0 {
		t.Errorf("emoji remove: %d %s", code, out)
	}
	if code, out := a.Admin("emoji", "remove", "party"); code != 1 || !strings.Contains(out, "not found") {
		t.Errorf("emoji remove again: %d %s", code, out)
	}
}

// The admin's page of custom emoji: an emoji added from its form (a bad one refused with the
// reason), listed, and removed; refused to anyone who is no admin.
func TestCustomEmojiPage(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	root := signedInAdmin(t, in)
	in.Account("alice", false)
	alice := testrig.NewWebClient(t, in)
	alice.SignIn("alice", "password-alice")
	if resp, _ := alice.Get("/admin/emoji"); resp.StatusCode == http.StatusOK {
		t.Errorf("alice, no admin, reads the emoji page: %d", resp.StatusCode)
	}
	picture := testimage.PNG(t, testimage.Halves(24, 24))
	add := func(shortcode string, file []byte) (*http.Response, string) {
		return root.PostMultipart("/admin/emoji/add", url.Values{"csrf": {root.CSRF("/admin/emoji")}, "shortcode": {shortcode}},
			testrig.Upload{Field: "file", Name: "e.png", ContentType: "image/png", Body: file})
	}
	if resp, body := add("no spaces", picture); resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, "2 to 30") {
		t.Errorf("a bad shortcode: %d %s", resp.StatusCode, body)
	}
	if resp, _ := add("wave", picture); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	if _, page := root.Get("/admin/emoji"); !strings.Contains(page, "<code>:wave:</code>") || !strings.Contains(page, "The custom emoji is added.") {
		t.Errorf("the page after adding:\n%s", page)
	}
	resp, _ := root.Post("/admin/emoji/remove", url.Values{"csrf": {root.CSRF("/admin/emoji")}, "shortcode": {"wave"}})
	if _, page := root.Get("/admin/emoji"); resp.StatusCode != http.StatusSeeOther || strings.Contains(page, "<code>:wave:</code>") {
		t.Errorf("remove: %d\n%s", resp.StatusCode, page)
	}
}
