package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/crc32"
	"image/png"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/inbox/mediacache"
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/internal/testrig/testimage"
	"refuge/server"
	"refuge/storage"
)

// TestRemoteMediaAcrossInstances: bob on B has an avatar and posts a picture; alice on A
// follows him. A's pages and client API show both from A's own origin (the API keeps B's
// address as remote_url, the ActivityPub side keeps it as it came); B stops, and A still
// shows them.
func TestRemoteMediaAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobWeb := accountWithPictures(t, b, "bob",
		testrig.Upload{Field: "avatar", Name: "me.png", ContentType: "image/png", Body: testimage.PNG(t, testimage.Halves(120, 120))})
	a.FollowRemote("alice", aliceTok, b, "bob")

	picture := testimage.JPEG(t, testimage.Halves(900, 600))
	resp, body := bobWeb.PostMultipart("/web/notes", url.Values{"csrf": {bobWeb.CSRF("/compose")}, "content": {"a picture"},
		"language": {"en"}, "alt_1": {"two halves"}},
		testrig.Upload{Field: "media", Name: "p.jpg", ContentType: "image/jpeg", Body: picture})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob's post: %d\n%s", resp.StatusCode, body)
	}
	noteURI := b.Base + resp.Header.Get("Location")
	var n *storage.Note
	testrig.Eventually(t, testrig.FederationWait, "bob's post on A", func() bool {
		n, _ = a.App.DB().GetNoteByURI(ctx, noteURI)
		return n != nil && len(n.Media) == 1
	})
	bob := a.ActorByURI(b.Base + "/users/bob")
	if bob.IconURL == "" || !strings.HasPrefix(bob.IconURL, b.Base) || !strings.HasPrefix(n.Media[0].URL, b.Base) {
		t.Fatalf("A keeps bob's avatar %q and picture %q, want B's addresses", bob.IconURL, n.Media[0].URL)
	}
	files := map[string]string{"avatar": bob.IconURL, "picture": n.Media[0].URL}
	for what, u := range files {
		testrig.Eventually(t, testrig.FederationWait, what+" cached on A", func() bool {
			m, err := a.App.DB().GetRemoteMedia(ctx, storage.MediaKey(u))
			return err == nil && m.State == storage.RemoteStored
		})
	}

	// The pages load both from A.
	local := uris.New(a.Base)
	page := testrig.NewWebClient(t, a)
	_, html := page.Get("/notes/" + strconv.FormatInt(n.ID, 10))
	for _, want := range []string{`src="` + uris.RemoteMediaPath(bob.IconURL) + `"`, `src="` + uris.RemoteMediaPath(n.Media[0].URL) + `/small"`} {
		if !strings.Contains(html, want) {
			t.Errorf("A's page of bob's post lacks %s", want)
		}
	}
	if strings.Contains(html, b.Base+"/media/") {
		t.Errorf("A's page loads from B:\n%s", html)
	}
	served := map[string][]byte{}
	check := func(when string) {
		t.Helper()
		for what, u := range files {
			resp, body := page.Get(local.RemoteMedia(u))
			ct := resp.Header.Get("Content-Type")
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "image/") || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("%s: A serves bob's %s: %d %s %v", when, what, resp.StatusCode, ct, resp.Header)
				continue
			}
			if prev, ok := served[what]; ok && !bytes.Equal(prev, []byte(body)) {
				t.Errorf("%s: bob's %s changed", when, what)
			}
			served[what] = []byte(body)
		}
	}
	check("with B up")

	// The client API gives A's addresses, and B's as remote_url.
	code, raw, _ := a.Do("GET", "/api/v1/timelines/home", aliceTok, nil)
	var statuses []struct {
		Account struct {
			Avatar string `json:"avatar"`
		} `json:"account"`
		Media []struct {
			URL       string `json:"url"`
			Preview   string `json:"preview_url"`
			RemoteURL string `json:"remote_url"`
			Meta      struct {
				Original struct{ Width, Height int } `json:"original"`
			} `json:"meta"`
		} `json:"media_attachments"`
	}
	if err := json.Unmarshal(raw, &statuses); code != 200 || err != nil || len(statuses) != 1 || len(statuses[0].Media) != 1 {
		t.Fatalf("alice's home: %d %v %s", code, err, raw)
	}
	s := statuses[0]
	if got := s.Media[0]; got.URL != local.RemoteMedia(n.Media[0].URL) || got.Preview != local.RemoteThumb(n.Media[0].URL) ||
		got.RemoteURL != n.Media[0].URL || got.Meta.Original.Width != 900 || got.Meta.Original.Height != 600 {
		t.Errorf("the attachment in the API: %+v", got)
	}
	if s.Account.Avatar != local.RemoteMedia(bob.IconURL) {
		t.Errorf("bob's avatar in the API: %s", s.Account.Avatar)
	}

	// B goes away; A still shows both.
	b.Stop()
	check("with B stopped")
}

// accountWithPictures makes an account on in whose profile form got pictures (fields
// avatar and header), and returns its signed-in web client.
func accountWithPictures(t *testing.T, in *testrig.Instance, name string, pictures ...testrig.Upload) *testrig.WebClient {
	t.Helper()
	in.Account(name, false)
	web := testrig.NewWebClient(t, in)
	web.SignIn(name, "password-"+name)
	form := url.Values{"csrf": {web.CSRF("/edit_profile")}, "display_name": {strings.ToUpper(name[:1]) + name[1:]}}
	if resp, body := web.PostMultipart("/web/profile", form, pictures...); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s's profile pictures: %d\n%s", name, resp.StatusCode, body)
	}
	return web
}

// TestHostileRemoteMedia: a server that attaches HTML as a picture, a 50 MiB file (with and
// without its length said), a decompression bomb, a slow trickle and a redirect to a refused
// address gets each refused: nothing is kept, the page of the post still renders, and the
// file stands in as a placeholder. A proper picture from the same server is kept.
func TestHostileRemoteMedia(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dialer := peer.NewDialer(t)
	in := testrig.Start(t, func(c *server.Config) {
		c.MediaFetchTimeout = time.Second
		c.MediaRetrySchedule = []time.Duration{} // a failure is final: the test sees the end
		c.Dial = dialer.Dial
		c.AllowPrivate = false // loopback only, so that a private address is refused as on the internet
		c.AllowPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	aliceTok, alice := in.Account("alice", false)
	p := peer.New(t, "127.0.0.1:0", "")
	k, _ := peer.Keys()
	eve := p.Actor("eve", k)
	follow := in.C2S("alice", aliceTok, map[string]any{"type": "Follow", "object": eve.URI})
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Accept", follow))

	fifty := int64(50 << 20)
	video := testimage.MP4{Width: 64, Height: 64, Frames: 1, Seconds: 1, Mdat: 64}.Bytes()
	bomb := pngHeader(100_000, 100_000)
	good := testimage.PNG(t, testimage.Halves(64, 48))
	p.Route("/files/good.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(good)
	})
	p.Route("/files/page.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"))
	})
	bigBody := func(sayLength bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "video/mp4")
			if sayLength {
				w.Header().Set("Content-Length", strconv.FormatInt(fifty, 10))
			}
			w.Write(video)
			zeros := make([]byte, 1<<20)
			for sent := int64(len(video)); sent < fifty; sent += int64(len(zeros)) {
				if _, err := w.Write(zeros[:min(int64(len(zeros)), fifty-sent)]); err != nil {
					return
				}
			}
		}
	}
	p.Route("/files/big.mp4", bigBody(true))
	p.Route("/files/big-chunked.mp4", bigBody(false))
	p.Route("/files/bomb.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(bomb)
	})
	p.Route("/files/slow.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		for _, c := range good {
			if _, err := w.Write([]byte{c}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	p.Route("/files/away.png", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.1.2.3/files/good.png", http.StatusFound)
	})

	rows := []struct {
		file string
		kept bool
		why  string // in the error recorded
	}{
		{"good.png", true, ""},
		{"page.png", false, "not an image"},
		{"big.mp4", false, "over"},
		{"big-chunked.mp4", false, "over"},
		{"bomb.png", false, "pixels"},
		{"slow.png", false, ""},
		{"away.png", false, ""},
	}
	attachments := []map[string]any{}
	for _, row := range rows {
		att := map[string]any{"type": "Document", "mediaType": "image/png", "url": p.Base + "/files/" + row.file, "name": row.file}
		if row.file == "page.png" {
			att["blurhash"] = placeholderHash // what the server says the picture looks like
		}
		attachments = append(attachments, att)
	}
	note := eve.Note("look at these", federation.PublicCollection, alice)
	note["attachment"] = attachments
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Create", note, "to", []string{federation.PublicCollection, alice}))
	n := in.Note(note["id"].(string))
	if len(n.Media) != len(rows) {
		t.Fatalf("%d attachments stored, want %d", len(n.Media), len(rows))
	}

	dir := mediacache.Dir(in.Cfg.Data)
	page := testrig.NewWebClient(t, in)
	for _, row := range rows {
		t.Run(row.file, func(t *testing.T) {
			u := p.Base + "/files/" + row.file
			var m *storage.RemoteMedia
			testrig.Eventually(t, 20*time.Second, row.file+" settled", func() bool {
				m, _ = in.App.DB().GetRemoteMedia(ctx, storage.MediaKey(u))
				return m != nil && (m.State == storage.RemoteStored || m.State == storage.RemoteFailed)
			})
			resp, body := page.Get(uris.RemoteMediaPath(u))
			if row.kept {
				if m.State != storage.RemoteStored || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" ||
					!strings.HasPrefix(body, "\x89PNG") {
					t.Errorf("kept: %+v; served %d %s", m, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				return
			}
			if m.State != storage.RemoteFailed || m.Path != "" || m.ThumbPath != "" || !strings.Contains(m.Error, row.why) {
				t.Errorf("refused as %+v, want failed with %q", m, row.why)
			}
			if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Cache-Control") != "no-store" ||
				resp.Header.Get("Content-Type") != "image/png" {
				t.Errorf("the placeholder: %d %v", resp.StatusCode, resp.Header)
			}
			// The blurhash the server gave is drawn; without one, a blank pixel.
			cfg, err := png.DecodeConfig(strings.NewReader(body))
			if want := map[bool]int{true: 32, false: 1}[row.file == "page.png"]; err != nil || cfg.Width != want {
				t.Errorf("the placeholder picture: %v %dx%d, want %d wide", err, cfg.Width, cfg.Height, want)
			}
		})
	}
	// Nothing but the good picture (and its thumbnail, if any) is on disk: no part of a
	// refused file, and no temporary file.
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	good1, _ := in.App.DB().GetRemoteMedia(ctx, storage.MediaKey(p.Base+"/files/good.png"))
	if len(names) != 1 || good1 == nil || names[0] != good1.Path {
		t.Errorf("the cache folder holds %v, want only the good picture (%+v)", names, good1)
	}
	if dialer.DialsTo("10.1.2.3") != 0 {
		t.Errorf("the redirect to a refused address was followed")
	}
	resp, html := page.Get("/notes/" + strconv.FormatInt(n.ID, 10))
	if resp.StatusCode != http.StatusOK || strings.Count(html, `src="/media/remote/`) < len(rows) || strings.Contains(html, `src="http`) {
		t.Errorf("the post's page: %d\n%s", resp.StatusCode, html)
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "img-src 'self';") {
		t.Errorf("the page's CSP lets pictures load from elsewhere: %s", resp.Header.Get("Content-Security-Policy"))
	}
}

// placeholderHash is a blurhash a remote server sends with an attachment.
const placeholderHash = "LEHV6nWB2yk8pyo0adR*.7kCMdnj"

// pngHeader is the start of a PNG that says it is w×h pixels: enough for a decoder to
// read its size, and to allocate its pixels if it did not check first.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := []byte{0, 0, 0, 0, 0, 0, 0, 0, 8, 6, 0, 0, 0}
	ihdr[0], ihdr[1], ihdr[2], ihdr[3] = byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
	ihdr[4], ihdr[5], ihdr[6], ihdr[7] = byte(h>>24), byte(h>>16), byte(h>>8), byte(h)
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write([]byte{0, 0, 0, 13})
	b.Write(chunk)
	crc := crc32.ChecksumIEEE(chunk)
	b.Write([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	b.Write(make([]byte, 4096)) // and then nothing a decoder could use
	return b.Bytes()
}

// TestRemoteMediaLifecycle: files go with what named them and with a block; beyond the
// budget the least recently seen go first, but not what alice likes; a pruned file a reader
// asks for is fetched again.
func TestRemoteMediaLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t, func(c *server.Config) { c.MediaCacheMax = 1 }) // anything stored is over budget
	aliceTok, alice := in.Account("alice", false)
	p := peer.New(t, "127.0.0.1:0", "")
	k, _ := peer.Keys()
	eve := p.Actor("eve", k)
	pictures := map[string][]byte{}
	for i, name := range []string{"avatar.png", "one.png", "two.png", "three.png"} {
		pictures[name] = testimage.PNG(t, testimage.Halves(40+i, 30))
		body := pictures[name]
		p.Route("/files/"+name, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	}
	doc := eve.Doc()
	doc["icon"] = map[string]any{"type": "Image", "url": p.Base + "/files/avatar.png"}
	p.Doc("/users/eve", doc)
	follow := in.C2S("alice", aliceTok, map[string]any{"type": "Follow", "object": eve.URI})
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Accept", follow))
	notes := map[string]map[string]any{}
	for _, name := range []string{"one.png", "two.png", "three.png"} {
		n := eve.Note("a picture", federation.PublicCollection, alice)
		n["attachment"] = []map[string]any{{"type": "Document", "mediaType": "image/png", "url": p.Base + "/files/" + name}}
		eve.Deliver(t, in.Base+"/inbox", eve.Activity("Create", n, "to", []string{federation.PublicCollection, alice}))
		notes[name] = n
	}
	db, cache := in.App.DB(), in.App.MediaCache()
	state := func(name string) *storage.RemoteMedia {
		m, err := db.GetRemoteMedia(ctx, storage.MediaKey(p.Base+"/files/"+name))
		if err != nil {
			return &storage.RemoteMedia{State: "gone"}
		}
		return m
	}
	for name := range pictures {
		testrig.Eventually(t, testrig.FederationWait, name+" stored", func() bool { return state(name).State == storage.RemoteStored })
	}
	onDisk := func(m *storage.RemoteMedia) bool {
		_, err := os.Stat(mediacache.Dir(in.Cfg.Data) + "/" + m.Path)
		return m.Path != "" && err == nil
	}

	// The note of one.png is deleted: its file goes.
	one := state("one.png")
	eve.Deliver(t, in.Base+"/inbox", eve.Activity("Delete", map[string]any{"id": notes["one.png"]["id"], "type": "Tombstone"}))
	// alice likes the note of two.png, which keeps it; she follows eve, which keeps her avatar.
	if code, body, _ := in.Do("POST", "/api/v1/statuses/"+apiStatusID(t, in, notes["two.png"]["id"].(string))+"/favourite", aliceTok, nil); code != 200 {
		t.Fatalf("like: %d %s", code, body)
	}
	rep, err := cache.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := state("one.png"); got.State != "gone" || onDisk(one) {
		t.Errorf("the deleted note's file: %s, on disk %v", got.State, onDisk(one))
	}
	if rep.Orphans != 1 || rep.Pruned != 1 || state("three.png").State != storage.RemotePruned ||
		state("two.png").State != storage.RemoteStored || state("avatar.png").State != storage.RemoteStored {
		t.Errorf("pruned %+v: one %s, two %s, three %s, avatar %s", rep, state("one.png").State, state("two.png").State,
			state("three.png").State, state("avatar.png").State)
	}

	// A reader asks for the pruned one: fetched again, and served.
	page := testrig.NewWebClient(t, in)
	resp, body := page.Get(uris.RemoteMediaPath(p.Base + "/files/three.png"))
	if resp.StatusCode != http.StatusOK || state("three.png").State != storage.RemoteStored || !strings.HasPrefix(body, "\x89PNG") {
		t.Errorf("the pruned file asked for: %d, %s", resp.StatusCode, state("three.png").State)
	}

	// eve's server is blocked: what was kept of it goes at once, and is not fetched again.
	avatar := state("avatar.png")
	if code, out := in.Admin("block", "add", p.Host); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("refuge block add: %d %s", code, out)
	}
	if got := state("avatar.png"); got.State != storage.RemotePruned || onDisk(avatar) {
		t.Errorf("the blocked server's avatar: %s, on disk %v", got.State, onDisk(avatar))
	}
	hits := p.Hits("/files/avatar.png")
	resp, _ = page.Get(uris.RemoteMediaPath(p.Base + "/files/avatar.png"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/static/avatar.svg") ||
		p.Hits("/files/avatar.png") != hits || state("avatar.png").State != storage.RemoteFailed {
		t.Errorf("the blocked server's avatar asked for: %d, ended at %s, %d more fetches, %+v", resp.StatusCode, resp.Request.URL, p.Hits("/files/avatar.png")-hits, state("avatar.png"))
	}
}

// apiStatusID is the client API's id of the note with id uri, as the API makes it (twice
// the row id: server/api/render.go).
func apiStatusID(t *testing.T, in *testrig.Instance, uri string) string {
	t.Helper()
	return strconv.FormatInt(in.Note(uri).ID*2, 10)
}
