package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
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
