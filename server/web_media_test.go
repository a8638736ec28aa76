package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
	"refuge/outbox/media"
	"refuge/storage"
)

// aliceSignedIn starts an instance with one account, alice, signed in on the web.
func aliceSignedIn(t *testing.T) (*testrig.Instance, *testrig.WebClient, *storage.Actor) {
	t.Helper()
	in := testrig.Start(t)
	in.LocalAccount("alice", "alice password")
	c := testrig.NewWebClient(t, in)
	c.SignIn("alice", "alice password")
	alice, err := in.App.DB().GetLocalActor(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	return in, c, alice
}

// TestWebVideoAndAudio: the compose form takes a video and a sound recording with their
// descriptions; the post's page plays them, labelled by their descriptions; the files are
// served as uploaded, never to be run; a profile picture must still be a picture.
func TestWebVideoAndAudio(t *testing.T) {
	in, c, alice := aliceSignedIn(t)
	ctx := context.Background()
	video := testimage.MP4{Width: 640, Height: 360, Frames: 30, Seconds: 1, Sound: true, Mdat: 2048}.Bytes()
	resp, body := c.PostMultipart("/web/notes", url.Values{"csrf": {c.CSRF("/compose")}, "content": {"watch and listen"},
		"language": {"en"}, "alt_1": {"a red line moving"}, "alt_2": {"birdsong"}},
		testrig.Upload{Field: "media", Name: "clip.mp4", ContentType: "video/mp4", Body: video},
		testrig.Upload{Field: "media", Name: "birds", ContentType: "application/octet-stream", Body: testimage.WAV(0.5)})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("post: %d\n%s", resp.StatusCode, body)
	}
	n, err := in.App.DB().GetNoteByURI(ctx, in.Base+resp.Header.Get("Location"))
	if err != nil || len(n.Media) != 2 || n.Media[0].MediaType != "video/mp4" || n.Media[1].MediaType != "audio/wav" ||
		n.Media[0].Width != 640 || n.Media[0].Duration != 1 || n.Media[1].Duration != 0.5 {
		t.Fatalf("note with media: %v %+v", err, n)
	}
	_, page := testrig.NewWebClient(t, in).Get(n.URL)
	for _, want := range []string{`<video src="` + n.Media[0].URL + `" controls preload="metadata" aria-label="a red line moving"`,
		`width="640" height="360"`, `<audio src="` + n.Media[1].URL + `" controls preload="metadata" aria-label="birdsong"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the post's page lacks %s\n%s", want, page)
		}
	}
	resp, served := testrig.NewWebClient(t, in).Get(n.Media[0].URL)
	h := resp.Header
	if resp.StatusCode != http.StatusOK || h.Get("Content-Type") != "video/mp4" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || !bytes.Equal([]byte(served), video) {
		t.Errorf("the video served: %d %v", resp.StatusCode, h)
	}

	// A video is no avatar: refused, nothing kept.
	rows, _ := in.App.DB().CountMedia(ctx, alice.ID)
	files, _ := os.ReadDir(media.Dir(in.Cfg.Data))
	resp, body = c.PostMultipart("/web/profile", url.Values{"csrf": {c.CSRF("/edit_profile")}, "display_name": {"Alice"}},
		testrig.Upload{Field: "avatar", Name: "me.png", ContentType: "image/png", Body: video})
	if resp.StatusCode == http.StatusSeeOther || !strings.Contains(body, "not an image") {
		t.Errorf("a video as avatar: %d\n%s", resp.StatusCode, body)
	}
	after, _ := os.ReadDir(media.Dir(in.Cfg.Data))
	if n, _ := in.App.DB().CountMedia(ctx, alice.ID); n != rows || len(after) != len(files) {
		t.Errorf("a refused avatar left %d rows (were %d), %d files (were %d)", n, rows, len(after), len(files))
	}
	if a, _ := in.App.DB().GetLocalActor(ctx, "alice"); a.IconURL != alice.IconURL {
		t.Errorf("avatar changed to %q", a.IconURL)
	}
}
