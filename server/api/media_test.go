package api_test

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"refuge/federation/uris"
	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
	"refuge/outbox/media"
)

// mediaShape is what Mastodon documents as always present on a MediaAttachment.
var mediaShape = map[string]string{"id": "string", "type": "string", "url": "string", "preview_url": "string|null",
	"remote_url": "string|null", "meta": "object", "description": "string|null", "blurhash": "string|null"}

// uploadFile is a POST /api/v2/media of one file, named and typed as the client likes: the
// server believes neither.
func uploadFile(token, name, contentType string, body []byte, description string) request {
	form := url.Values{}
	if description != "" {
		form.Set("description", description)
	}
	return request{method: "POST", path: "/api/v2/media", token: token, body: multipartBody{form: form,
		files: []testrig.Upload{{Field: "file", Name: name, ContentType: contentType, Body: body}}}}
}

// meta reads meta.original (or another part of meta) of a MediaAttachment.
func meta(v any, part string) map[string]any {
	m, _ := v.(map[string]any)["meta"].(map[string]any)
	if part == "" {
		return m
	}
	p, _ := m[part].(map[string]any)
	return p
}

// isClip checks a video or audio attachment: its type, no preview (there is no still
// picture), meta.original as far as known, and nothing more.
func isClip(t *testing.T, kind string, w, h int, seconds float64, frameRate string) func(v any) bool {
	return func(v any) bool {
		shape(t, "MediaAttachment", v, mediaShape)
		m := v.(map[string]any)
		orig := meta(v, "original")
		ok := m["type"] == kind && m["preview_url"] == nil && m["remote_url"] == nil && m["blurhash"] == nil && orig != nil &&
			orig["duration"] == seconds && meta(v, "")["duration"] == seconds && meta(v, "small") == nil
		if w > 0 {
			ok = ok && orig["width"] == float64(w) && orig["height"] == float64(h) &&
				orig["size"] == strconv.Itoa(w)+"x"+strconv.Itoa(h) && math.Abs(orig["aspect"].(float64)-float64(w)/float64(h)) < 1e-9
		} else {
			ok = ok && orig["width"] == nil && orig["size"] == nil
		}
		if frameRate != "" {
			ok = ok && orig["frame_rate"] == frameRate
		} else {
			_, has := orig["frame_rate"]
			ok = ok && !has
		}
		return ok
	}
}

// mediaFiles counts the files in the instance's media folder.
func mediaFiles(t *testing.T, in *testrig.Instance) int {
	t.Helper()
	entries, err := os.ReadDir(media.Dir(in.Cfg.Data))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestMediaClips uploads video and audio through POST /api/v2/media, over real HTTP: each is
// sniffed from its bytes (the name and type sent are lies in some cases), kept as uploaded,
// and answered with what could be read of it; a file that is not one, is cut short or is too
// large is refused with nothing stored, row or file.
func TestMediaClips(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mp4 := testimage.MP4{Width: 640, Height: 360, Frames: 60, Seconds: 2, Sound: true, Mdat: 4096}.Bytes()
	var mp4ID, wavID string
	keep := func(id *string, check func(v any) bool) func(v any) bool {
		return func(v any) bool { *id = idOf(v); return check(v) }
	}
	runWrites(t, w.in, []writeCase{
		{"mp4", uploadFile(w.aliceTok, "clip.mp4", "video/mp4", mp4, "a red line moving"), 200,
			keep(&mp4ID, isClip(t, "video", 640, 360, 2, "30/1"))},
		{"silent mp4 is gifv", uploadFile(w.aliceTok, "loop.mp4", "video/mp4",
			testimage.MP4{Width: 320, Height: 240, Frames: 25, Seconds: 1}.Bytes(), ""), 200, isClip(t, "gifv", 320, 240, 1, "25/1")},
		{"phone video held upright", uploadFile(w.aliceTok, "IMG_0001.MOV", "video/quicktime",
			testimage.MP4{Brand: "qt  ", Width: 1920, Height: 1080, Frames: 30, Seconds: 1, Sound: true, Turned: true}.Bytes(), ""), 200,
			isClip(t, "video", 1080, 1920, 1, "30/1")},
		{"webm", uploadFile(w.aliceTok, "rec.webm", "video/webm",
			testimage.WebM{Width: 1280, Height: 720, FrameNS: 40_000_000, Seconds: 3.5, Sound: true}.Bytes(), ""), 200,
			isClip(t, "video", 1280, 720, 3.5, "25/1")},
		{"wav, sent as octets", uploadFile(w.aliceTok, "voice", "application/octet-stream", testimage.WAV(1.5), "hello"), 200,
			keep(&wavID, isClip(t, "audio", 0, 0, 1.5, ""))},
		{"m4a", uploadFile(w.aliceTok, "song.m4a", "audio/x-m4a", testimage.MP4{Brand: "M4A ", Seconds: 7, Sound: true}.Bytes(), ""), 200,
			isClip(t, "audio", 0, 0, 7, "")},
		{"flac", uploadFile(w.aliceTok, "song.flac", "audio/flac", testimage.FLAC(48000, 96000), ""), 200, isClip(t, "audio", 0, 0, 2, "")},
		{"webm audio", uploadFile(w.aliceTok, "note.weba", "audio/webm", testimage.WebM{Seconds: 4, Sound: true}.Bytes(), ""), 200,
			isClip(t, "audio", 0, 0, 4, "")},
		{"ogg opus, length unknown", uploadFile(w.aliceTok, "voice.ogg", "audio/ogg", testimage.OggOpus(), ""), 200, func(v any) bool {
			shape(t, "MediaAttachment", v, mediaShape)
			return field(v, "type") == "audio" && v.(map[string]any)["preview_url"] == nil && meta(v, "original") == nil
		}},
		{"mp3", uploadFile(w.aliceTok, "song.mp3", "audio/mpeg", testimage.MP3(200), ""), 200, func(v any) bool {
			return field(v, "type") == "audio" && strings.HasSuffix(field(v, "url"), ".mp3")
		}},

		{"text named .mp4", uploadFile(w.aliceTok, "clip.mp4", "video/mp4", []byte("not a video, whatever its name says"), ""), 422, nil},
		{"truncated mp4", uploadFile(w.aliceTok, "clip.mp4", "video/mp4", mp4[:len(mp4)-1000], ""), 422, nil},
		{"mp4 over 4K", uploadFile(w.aliceTok, "8k.mp4", "video/mp4", testimage.MP4{Width: 7680, Height: 4320, Seconds: 1}.Bytes(), ""), 422, nil},
		{"matroska", uploadFile(w.aliceTok, "a.mkv", "video/webm", testimage.WebM{Width: 4, Height: 4, DocType: "matroska"}.Bytes(), ""), 422, nil},
		{"ogg video", uploadFile(w.aliceTok, "a.ogv", "video/ogg", bytes.Replace(testimage.OggOpus(), []byte("OpusHead"), []byte("\x80theora"), 1), ""), 422, nil},
		{"video, no token", uploadFile("", "clip.mp4", "video/mp4", mp4, ""), 401, nil},
		{"video, read scope only", uploadFile(w.oauthToken(t, "alice", "read"), "clip.mp4", "video/mp4", mp4, ""), 403, nil},
	})
	files := mediaFiles(t, w.in)
	if files != 10 {
		t.Errorf("%d files in the media folder, want the 10 uploads", files)
	}

	// Over the video limit: 413, as for any body too large, with nothing kept.
	before := w.in.RowCounts()
	big := testimage.MP4{Width: 64, Height: 64, Frames: 10, Seconds: 1, Mdat: media.MaxVideoBytes}.Bytes()
	if status, v := send(t, w.in, uploadFile(w.aliceTok, "big.mp4", "video/mp4", big, "")); status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(field(v, "error"), "99 MiB") {
		t.Errorf("a video over the limit: %d %v", status, v)
	}
	if after := w.in.RowCounts(); !slices.Equal(counts(before), counts(after)) || mediaFiles(t, w.in) != files {
		t.Errorf("a video over the limit left rows %v (were %v) or files", after, before)
	}

	// A form larger than its endpoint takes is 413 too.
	if status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok,
		body: multipartBody{form: url.Values{"status": {strings.Repeat("x", 300<<10)}}}}); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a form too large: %d %v", status, v)
	}

	// Served as uploaded, with its type, and in ranges, as players seek.
	_, v := send(t, w.in, request{method: "GET", path: "/api/v1/media/" + mp4ID, token: w.aliceTok})
	resp, err := http.Get(field(v, "url"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" || !bytes.Equal(body, mp4) {
		t.Errorf("the video served: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	req, _ := http.NewRequest("GET", field(v, "url"), nil)
	req.Header.Set("Range", "bytes=4-7")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(body) != "ftyp" {
		t.Errorf("a range of the video: %d %q", resp.StatusCode, body)
	}

	// Posted together, a status carries both, and its web page plays them.
	status, st := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: w.aliceTok,
		body: map[string]any{"status": "listen and watch", "media_ids": []string{mp4ID, wavID}}})
	atts := attachments(st)
	if status != 200 || len(atts) != 2 || field(atts[0], "type") != "video" || field(atts[1], "type") != "audio" ||
		meta(atts[0], "original")["duration"] != 2.0 {
		t.Fatalf("posted: %d %v", status, st)
	}
	resp, page := testrig.NewWebClient(t, w.in).Get(strings.TrimPrefix(field(st, "url"), w.in.Base))
	if resp.StatusCode != 200 || !strings.Contains(page, `<video src="`+field(atts[0], "url")+`" controls`) ||
		!strings.Contains(page, `aria-label="a red line moving"`) || !strings.Contains(page, `<audio src="`+field(atts[1], "url")+`" controls`) ||
		!strings.Contains(page, `aria-label="hello"`) {
		t.Errorf("the status's page plays neither: %d\n%s", resp.StatusCode, page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self';") {
		t.Errorf("the page's CSP lets no video play: %s", csp)
	}
}

// counts is a table of row counts in a stable order.
func counts(m map[string]int) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+strconv.Itoa(v))
	}
	slices.Sort(out)
	return out
}

// TestMediaConfiguration: both instance documents list exactly the types an upload may be
// and the limits the server enforces.
func TestMediaConfiguration(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	for _, path := range []string{"/api/v1/instance", "/api/v2/instance"} {
		_, v, _ := get(t, in, path, "")
		cfg := v.(map[string]any)["configuration"].(map[string]any)["media_attachments"].(map[string]any)
		shape(t, path+" media_attachments", cfg, mediaConfigShape)
		var types []string
		for _, x := range cfg["supported_mime_types"].([]any) {
			types = append(types, x.(string))
		}
		for _, want := range []string{"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/quicktime",
			"video/webm", "audio/mpeg", "audio/ogg", "audio/wav", "audio/mp4", "audio/flac", "audio/webm"} {
			if !slices.Contains(types, want) {
				t.Errorf("%s: %s not listed in %v", path, want, types)
			}
		}
		if !slices.Equal(types, media.Types()) {
			t.Errorf("%s: %v, want %v", path, types, media.Types())
		}
		if cfg["image_size_limit"] != float64(media.MaxUploadBytes) || cfg["image_matrix_limit"] != float64(media.MaxImagePixels) ||
			cfg["video_size_limit"] != 103809024.0 || cfg["video_matrix_limit"] != 8294400.0 || cfg["video_frame_rate_limit"] != 120.0 {
			t.Errorf("%s: %v", path, cfg)
		}
	}
}

// TestVideoAcrossInstances: bob on B posts a video with sound and a sound recording; alice on
// A, who follows him, gets both with their types, sizes and lengths, at B's addresses, and
// A's page of the post plays them.
func TestVideoAcrossInstances(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	var ids []string
	for _, up := range []request{
		uploadFile(x.bobTok, "clip.mp4", "video/mp4", testimage.MP4{Width: 640, Height: 360, Frames: 60, Seconds: 2, Sound: true}.Bytes(), "a clip"),
		uploadFile(x.bobTok, "voice.wav", "audio/wav", testimage.WAV(1.5), "a voice"),
	} {
		status, v := send(t, x.b, up)
		if status != 200 {
			t.Fatalf("upload on B: %d %v", status, v)
		}
		ids = append(ids, idOf(v))
	}
	status, st := send(t, x.b, request{method: "POST", path: "/api/v1/statuses", token: x.bobTok,
		body: map[string]any{"status": "moving pictures", "media_ids": ids}})
	if status != 200 {
		t.Fatalf("post on B: %d %v", status, st)
	}
	var got []any
	testrig.Eventually(t, testrig.FederationWait, "bob's video in alice's home on A", func() bool {
		_, v, _ := get(t, x.a, "/api/v1/timelines/home", x.aliceTok)
		if home, _ := v.([]any); len(home) == 2 {
			got = attachments(home[0])
		}
		return len(got) == 2
	})
	video, audio := got[0], got[1]
	shape(t, "MediaAttachment", video, mediaShape)
	shape(t, "MediaAttachment", audio, mediaShape)
	sent := attachments(st)
	// A gives the files from its own origin, B's address as remote_url.
	local := uris.New(x.a.Base)
	if field(video, "type") != "video" || field(video, "url") != local.RemoteMedia(field(sent[0], "url")) || field(video, "remote_url") != field(sent[0], "url") ||
		video.(map[string]any)["preview_url"] != nil || field(video, "description") != "a clip" ||
		meta(video, "original")["width"] != 640.0 || meta(video, "original")["height"] != 360.0 || meta(video, "original")["duration"] != 2.0 {
		t.Errorf("the video on A: %v\nas sent: %v", video, sent[0])
	}
	if field(audio, "type") != "audio" || field(audio, "url") != local.RemoteMedia(field(sent[1], "url")) || meta(audio, "original")["duration"] != 1.5 ||
		audio.(map[string]any)["preview_url"] != nil {
		t.Errorf("the sound on A: %v", audio)
	}
	n := x.a.Note(field(st, "uri"))
	resp, page := testrig.NewWebClient(t, x.a).Get("/notes/" + strconv.Itoa(int(n.ID)))
	if resp.StatusCode != 200 || !strings.Contains(page, `<video src="`+uris.RemoteMediaPath(field(sent[0], "url"))+`" controls`) ||
		!strings.Contains(page, `<audio src="`+uris.RemoteMediaPath(field(sent[1], "url"))+`" controls`) {
		t.Errorf("A's page of bob's post: %d\n%s", resp.StatusCode, page)
	}
}
