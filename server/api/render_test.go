package api

import (
	"encoding/json"
	"testing"

	"refuge/federation/uris"
	"refuge/storage"
)

// TestMediaAttachment checks the entity of a local upload and of a remote image: every
// attribute Mastodon documents as always present, with its JSON kind.
func TestMediaAttachment(t *testing.T) {
	for _, c := range []struct {
		name   string
		m      storage.Media
		kinds  map[string]string
		remote bool
	}{
		{"upload", storage.Media{ID: 7, URL: "http://x/media/a.jpg", Path: "a.jpg", ThumbPath: "a-thumb.jpg",
			MediaType: "image/jpeg", Description: "a cat", Blurhash: "LKO2", Width: 800, Height: 600},
			map[string]string{"description": "string", "blurhash": "string", "remote_url": "null"}, false},
		{"remote, bare", storage.Media{ID: 8, URL: "https://remote.example/b.png", MediaType: "image/png"},
			map[string]string{"description": "null", "blurhash": "null", "remote_url": "string"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(mediaOf(uris.New("https://here.example"), c.m))
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"id": "string", "type": "string", "url": "string", "preview_url": "string",
				"meta": "map[string]interface {}"}
			for k, v := range c.kinds {
				want[k] = v
			}
			for attr, kind := range want {
				v, ok := got[attr]
				k := map[bool]string{true: "null"}[v == nil]
				if k == "" {
					switch v.(type) {
					case string:
						k = "string"
					default:
						k = fmtType(v)
					}
				}
				if !ok || k != kind {
					t.Errorf("%s: %v (%s), want %s", attr, v, k, kind)
				}
			}
			if !c.remote {
				meta := got["meta"].(map[string]any)
				small := meta["small"].(map[string]any)
				if meta["original"].(map[string]any)["size"] != "800x600" || small["width"] != 400.0 || small["height"] != 300.0 {
					t.Errorf("meta: %v", meta)
				}
				if got["preview_url"] != "http://x/media/a-thumb.jpg" {
					t.Errorf("preview_url: %v", got["preview_url"])
				}
			}
		})
	}
}

func fmtType(v any) string {
	if _, ok := v.(map[string]any); ok {
		return "map[string]interface {}"
	}
	return "other"
}

// TestStatusIDs: notes and boosts never share a status id, and each reads back.
func TestStatusIDs(t *testing.T) {
	for _, c := range []struct {
		id    string
		row   int64
		boost bool
		ok    bool
	}{
		{noteStatusID(1), 1, false, true}, {boostStatusID(1), 1, true, true}, {noteStatusID(12345), 12345, false, true},
		{"0", 0, false, false}, {"1", 0, false, false}, {"-4", 0, false, false}, {"x", 0, false, false},
		{"99999999999999999999", 0, false, false},
	} {
		row, boost, ok := parseStatusID(c.id)
		if row != c.row || boost != c.boost || ok != c.ok {
			t.Errorf("parseStatusID(%q) = %d, %v, %v; want %d, %v, %v", c.id, row, boost, ok, c.row, c.boost, c.ok)
		}
	}
}

// TestMediaKinds: each kind of attachment has Mastodon's type, a preview only when there is
// a still picture, and the length of video and audio in seconds and as Mastodon writes it.
func TestMediaKinds(t *testing.T) {
	for _, c := range []struct {
		name     string
		m        storage.Media
		kind     string
		preview  bool
		length   string
		original string // meta.original as JSON, "" for none
	}{
		{"remote image of no type", storage.Media{URL: "https://r.example/a"}, "image", true, "", ""},
		{"remote video", storage.Media{URL: "https://r.example/v.mp4", MediaType: "video/mp4", Width: 1280, Height: 720, Duration: 88.654},
			"video", false, "0:01:28.65", `{"width":1280,"height":720,"size":"1280x720","aspect":1.7777777777777777,"duration":88.654}`},
		{"silent upload", storage.Media{URL: "http://x/media/l.mp4", Path: "l.mp4", MediaType: "video/mp4", Width: 320, Height: 240,
			Duration: 2, FrameRate: "25/1", Silent: true}, "gifv", false, "0:00:02.00",
			`{"width":320,"height":240,"size":"320x240","aspect":1.3333333333333333,"frame_rate":"25/1","duration":2}`},
		{"video of unknown size", storage.Media{URL: "http://x/media/v.webm", Path: "v.webm", MediaType: "video/webm"}, "video", false, "", ""},
		{"audio", storage.Media{URL: "http://x/media/s.mp3", Path: "s.mp3", MediaType: "audio/mpeg", Duration: 268.16}, "audio", false,
			"0:04:28.16", `{"duration":268.16}`},
		{"an hour of audio", storage.Media{URL: "https://r.example/s.ogg", MediaType: "audio/ogg", Duration: 3723.5}, "audio", false, "1:02:03.50", `{"duration":3723.5}`},
		{"something else", storage.Media{URL: "https://r.example/d.pdf", MediaType: "application/pdf"}, "unknown", false, "", ""},
	} {
		a := mediaOf(uris.New("https://here.example"), c.m)
		orig := ""
		if a.Meta.Original != nil {
			b, _ := json.Marshal(a.Meta.Original)
			orig = string(b)
		}
		if a.Type != c.kind || (a.PreviewURL != nil) != c.preview || a.Meta.Length != c.length || orig != c.original ||
			(c.length != "" && a.Meta.Duration != c.m.Duration) {
			t.Errorf("%s: type %s, preview %v, length %q, original %s", c.name, a.Type, a.PreviewURL, a.Meta.Length, orig)
		}
	}
}
