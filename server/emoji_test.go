package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/internal/testrig/testimage"
	"refuge/storage"
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

// emojiTag is an Emoji tag as a document carries it.
type emojiTag struct {
	ID, Type, Name, Updated string
	Icon                    struct{ Type, MediaType, URL string }
}

// wantEmojiTag is the tag of the custom emoji e of in, as Mastodon writes its own: its id
// the emoji's document, its picture's type, the time it was added.
func wantEmojiTag(in *testrig.Instance, e *storage.CustomEmoji) emojiTag {
	want := emojiTag{ID: in.Base + "/emojis/" + e.Shortcode, Type: "Emoji", Name: ":" + e.Shortcode + ":",
		Updated: e.Created.UTC().Format(time.RFC3339)}
	want.Icon.Type, want.Icon.MediaType, want.Icon.URL = "Image", e.MediaType, e.URL
	return want
}

// addEmoji adds the custom emoji shortcode to in, as refuge emoji add does.
func addEmoji(t *testing.T, in *testrig.Instance, shortcode string) *storage.CustomEmoji {
	t.Helper()
	e, err := in.App.Outbox().AddCustomEmoji(context.Background(), in.Cfg.Data, shortcode,
		bytes.NewReader(testimage.PNG(t, testimage.Halves(32, 32))))
	if err != nil {
		t.Fatal(err)
	}
	if e.MediaType != "image/png" {
		t.Fatalf("the emoji's type: %q", e.MediaType)
	}
	return e
}

// A local account's custom emoji, as Mastodon tags a profile's: the instance's :blobcat: in
// alice's display name, set through the API, is tagged when she saves it. The answer lists
// it in her account's emojis (in the picker, as the instance's own), her actor document
// carries it as an Emoji tag, her profile page shows the picture, and another instance
// that fetches her anew keeps it and lists it in her account's emojis from its cache. A
// profile field says it as well; a profile that no longer says it has no tag.
func TestLocalEmojiInProfile(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, alice := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	ctx := context.Background()
	if _, err := b.App.Remote().FetchActor(ctx, alice); err != nil { // B knows alice before the emoji
		t.Fatal(err)
	}
	e := addEmoji(t, a, "blobcat")

	type emoji struct {
		Shortcode, URL  string
		VisibleInPicker bool `json:"visible_in_picker"`
	}
	var account struct {
		DisplayName string `json:"display_name"`
		Emojis      []emoji
	}
	status, body := apiForm(t, a, "PATCH", "/api/v1/accounts/update_credentials", aliceTok, url.Values{"display_name": {"Rita :blobcat:"}})
	if err := json.Unmarshal([]byte(body), &account); status != http.StatusOK || err != nil || account.DisplayName != "Rita :blobcat:" ||
		len(account.Emojis) != 1 || account.Emojis[0] != (emoji{"blobcat", e.URL, true}) {
		t.Fatalf("update_credentials: %d %s", status, body)
	}

	code, doc, _ := a.Do("GET", alice, "", nil)
	var actor struct{ Tag []emojiTag }
	if err := json.Unmarshal(doc, &actor); code != http.StatusOK || err != nil || len(actor.Tag) != 1 || actor.Tag[0] != wantEmojiTag(a, e) {
		t.Errorf("alice's actor document: %d %s\nwant the tag %+v", code, doc, wantEmojiTag(a, e))
	}
	_, page := testrig.NewWebClient(t, a).Get("/@alice")
	if !strings.Contains(page, `<h1 id="profile-name" class="name" dir="auto">Rita <img class="emoji" src="`+e.URL+`" alt=":blobcat:"`) {
		t.Errorf("alice's profile page lacks her emoji:\n%s", page)
	}

	fetched, err := b.App.Remote().FetchActor(ctx, alice)
	if err != nil || len(fetched.Emojis) != 1 ||
		fetched.Emojis[0] != (storage.Tag{Type: storage.TagEmoji, Name: ":blobcat:", Href: e.URL}) {
		t.Fatalf("alice fetched by B: %v %+v", err, fetched)
	}
	code, raw, _ := b.Do("GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape("alice@"+a.Cfg.Domain), bobTok, nil)
	account.Emojis = nil
	if err := json.Unmarshal(raw, &account); code != http.StatusOK || err != nil || len(account.Emojis) != 1 ||
		account.Emojis[0] != (emoji{"blobcat", b.Base + uris.RemoteMediaPath(e.URL), false}) {
		t.Errorf("alice through B's API: %d %s", code, raw)
	}

	for _, c := range []struct {
		form url.Values
		tags int
	}{
		{url.Values{"display_name": {"Rita"}, "fields_attributes[0][name]": {"mood"}, "fields_attributes[0][value]": {"very :blobcat:"}}, 1},
		{url.Values{"fields_attributes[0][name]": {""}, "fields_attributes[0][value]": {""}}, 0},
	} {
		status, body := apiForm(t, a, "PATCH", "/api/v1/accounts/update_credentials", aliceTok, c.form)
		account.Emojis = nil
		if err := json.Unmarshal([]byte(body), &account); status != http.StatusOK || err != nil || len(account.Emojis) != c.tags {
			t.Errorf("update_credentials %v: %d %s", c.form, status, body)
		}
		if got := a.LocalActor("alice").Emojis; len(got) != c.tags {
			t.Errorf("after %v alice has the emoji %v", c.form, got)
		}
	}
}

// The Emoji tags of the instance's own custom emoji carry what Mastodon's do: an id, which
// serves the emoji's document, the picture's type and the time it was added; in the post
// as served and in the Create that was sent.
func TestLocalEmojiDocuments(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	aliceTok, _ := in.Account("alice", false)
	e := addEmoji(t, in, "blobcat")
	want := wantEmojiTag(in, e)

	status, body := apiForm(t, in, "POST", "/api/v1/statuses", aliceTok, url.Values{"status": {"hello :blobcat:"}})
	var posted struct{ URI string }
	if err := json.Unmarshal([]byte(body), &posted); status != http.StatusOK || err != nil {
		t.Fatalf("post: %d %s", status, body)
	}
	for what, path := range map[string]string{"the note": posted.URI, "its Create": posted.URI + "/activity"} {
		code, doc, _ := in.Do("GET", path, "", nil)
		var got struct {
			Tag    []emojiTag
			Object struct{ Tag []emojiTag }
		}
		if err := json.Unmarshal(doc, &got); err != nil || code != http.StatusOK {
			t.Fatalf("%s: %d %s", what, code, doc)
		}
		tags := append(got.Tag, got.Object.Tag...)
		if len(tags) != 1 || tags[0] != want {
			t.Errorf("%s: %s\nwant the tag %+v", what, doc, want)
		}
	}

	code, doc, _ := in.Do("GET", want.ID, "", nil)
	var emoji struct {
		Context json.RawMessage `json:"@context"`
		emojiTag
	}
	if err := json.Unmarshal(doc, &emoji); code != http.StatusOK || err != nil || emoji.emojiTag != want || emoji.Context == nil {
		t.Errorf("GET %s: %d %s", want.ID, code, doc)
	}
	if code, doc, _ := in.Do("GET", "/emojis/nope", "", nil); code != http.StatusNotFound || !strings.Contains(string(doc), "no custom emoji :nope:") {
		t.Errorf("an unknown emoji: %d %s", code, doc)
	}
}
