package media_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"refuge/internal/testrig/testimage"
	"refuge/outbox/media"
	"refuge/storage"
)

// TestSniff: the type comes from the bytes alone.
func TestSniff(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"mp4", testimage.MP4{Width: 4, Height: 2}.Bytes(), "video/mp4"},
		{"quicktime", testimage.MP4{Brand: "qt  ", Width: 4, Height: 2}.Bytes(), "video/quicktime"},
		{"m4a", testimage.MP4{Brand: "M4A ", Sound: true}.Bytes(), "audio/mp4"},
		{"heic is not video", testimage.MP4{Brand: "heic"}.Bytes(), ""},
		{"webm", testimage.WebM{Width: 4, Height: 2}.Bytes(), "video/webm"},
		{"wav", testimage.WAV(0.1), "audio/wav"},
		{"ogg opus", testimage.OggOpus(), "audio/ogg"},
		{"ogg, not sound", bytes.Replace(testimage.OggOpus(), []byte("OpusHead"), []byte("\x80theora"), 1), ""},
		{"flac", testimage.FLAC(44100, 44100), "audio/flac"},
		{"mp3 with a tag", testimage.MP3(20), "audio/mpeg"},
		{"mp3 without", testimage.MP3(0)[10:], "audio/mpeg"},
		{"png", testimage.PNG(t, testimage.Halves(2, 2)), "image/png"},
		{"text", []byte("a text file named clip.mp4"), ""},
		{"html", []byte("<html><video></video></html>"), ""},
		{"empty", nil, ""},
	} {
		if got := media.Sniff(tt.data[:min(len(tt.data), media.SniffLen)]); got != tt.want {
			t.Errorf("%s: sniffed %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestProbe reads what each container says of its pictures and sound, and refuses a file
// cut short or one that is not what its start claims.
func TestProbe(t *testing.T) {
	mp4 := testimage.MP4{Width: 640, Height: 360, Frames: 90, Seconds: 3, Sound: true, Mdat: 1000}.Bytes()
	for _, tt := range []struct {
		name      string
		data      []byte
		sniffed   string
		wantErr   string
		mediaType string
		w, h      int
		seconds   float64
		frameRate string
		silent    bool
	}{
		{"mp4", mp4, "video/mp4", "", "video/mp4", 640, 360, 3, "30/1", false},
		{"silent mp4", testimage.MP4{Width: 320, Height: 240, Frames: 50, Seconds: 2}.Bytes(), "video/mp4", "", "video/mp4", 320, 240, 2, "25/1", true},
		{"phone held upright", testimage.MP4{Width: 1920, Height: 1080, Frames: 30, Seconds: 1, Sound: true, Turned: true}.Bytes(), "video/mp4", "", "video/mp4", 1080, 1920, 1, "30/1", false},
		{"quicktime", testimage.MP4{Brand: "qt  ", Width: 8, Height: 6, Seconds: 1.5, Sound: true}.Bytes(), "video/quicktime", "", "video/quicktime", 8, 6, 1.5, "", false},
		{"mp4 of sound only", testimage.MP4{Seconds: 4.25, Sound: true}.Bytes(), "video/mp4", "", "audio/mp4", 0, 0, 4.25, "", false},
		{"m4a", testimage.MP4{Brand: "M4A ", Seconds: 7, Sound: true}.Bytes(), "audio/mp4", "", "audio/mp4", 0, 0, 7, "", false},
		{"webm", testimage.WebM{Width: 1280, Height: 720, FrameNS: 33_333_333, Seconds: 12.5, Sound: true}.Bytes(), "video/webm", "", "video/webm", 1280, 720, 12.5, "1000000000/33333333", false},
		{"webm recorded live", testimage.WebM{Width: 640, Height: 480, Live: true}.Bytes(), "video/webm", "", "video/webm", 640, 480, 0, "", true},
		{"webm of sound", testimage.WebM{Seconds: 3, Sound: true}.Bytes(), "video/webm", "", "audio/webm", 0, 0, 3, "", false},
		{"wav", testimage.WAV(1.5), "audio/wav", "", "audio/wav", 0, 0, 1.5, "", false},
		{"flac", testimage.FLAC(48000, 96000), "audio/flac", "", "audio/flac", 0, 0, 2, "", false},
		{"mp3", testimage.MP3(300), "audio/mpeg", "", "audio/mpeg", 0, 0, 0, "", false},
		{"ogg", testimage.OggOpus(), "audio/ogg", "", "audio/ogg", 0, 0, 0, "", false},

		{"mp4 cut short", mp4[:len(mp4)-100], "video/mp4", "cut short", "", 0, 0, 0, "", false},
		{"mp4 cut in its header", mp4[:30], "video/mp4", "cut short", "", 0, 0, 0, "", false},
		{"mp4 without moov", testimage.MP4{}.Bytes()[:24], "video/mp4", "", "", 0, 0, 0, "", false},
		{"mp4 over 4K", testimage.MP4{Width: 7680, Height: 4320, Seconds: 1}.Bytes(), "video/mp4", "pixels", "", 0, 0, 0, "", false},
		{"mp4 at 240 frames a second", testimage.MP4{Width: 64, Height: 64, Frames: 240, Seconds: 1}.Bytes(), "video/mp4", "frames a second", "", 0, 0, 0, "", false},
		{"webm cut short", testimage.WebM{Width: 4, Height: 4, Seconds: 1}.Bytes()[:60], "video/webm", "cut short", "", 0, 0, 0, "", false},
		{"matroska", testimage.WebM{Width: 4, Height: 4, DocType: "matroska"}.Bytes(), "video/webm", "only WebM", "", 0, 0, 0, "", false},
		{"wav cut short", testimage.WAV(1)[:1000], "audio/wav", "cut short", "", 0, 0, 0, "", false},
		{"mp3 tag with nothing after", testimage.MP3(300)[:310], "audio/mpeg", "MP3", "", 0, 0, 0, "", false},
		{"flac cut short", testimage.FLAC(48000, 96000)[:20], "audio/flac", "cut short", "", 0, 0, 0, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := media.Probe(bytes.NewReader(tt.data), int64(len(tt.data)), tt.sniffed)
			if tt.mediaType == "" {
				if err == nil || storage.KindOf(err) != storage.Invalid || !strings.Contains(storage.Message(err), tt.wantErr) {
					t.Fatalf("err = %v, want Invalid %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.MediaType != tt.mediaType || c.Width != tt.w || c.Height != tt.h || c.Duration != tt.seconds ||
				c.FrameRate != tt.frameRate || c.Silent != tt.silent || c.Size != int64(len(tt.data)) {
				t.Errorf("got %+v", c)
			}
		})
	}
}

// TestSaveUploadClips: video and audio go through the one upload path, are kept byte for byte
// under a name the media handler serves, and a refusal leaves neither row nor file.
func TestSaveUploadClips(t *testing.T) {
	ctx := context.Background()
	s, db, dir, owner := uploader(t)
	for _, tt := range []struct {
		name, mediaType, ext string
		data                 []byte
	}{
		{"mp4", "video/mp4", ".mp4", testimage.MP4{Width: 640, Height: 360, Frames: 60, Seconds: 2, Sound: true, Mdat: 5000}.Bytes()},
		{"webm", "video/webm", ".webm", testimage.WebM{Width: 64, Height: 48, Seconds: 1, Sound: true}.Bytes()},
		{"wav", "audio/wav", ".wav", testimage.WAV(0.5)},
		{"ogg", "audio/ogg", ".ogg", testimage.OggOpus()},
		{"mp3", "audio/mpeg", ".mp3", testimage.MP3(100)},
		{"flac", "audio/flac", ".flac", testimage.FLAC(44100, 22050)},
	} {
		m, err := s.SaveUpload(ctx, dir, owner, bytes.NewReader(tt.data), " "+tt.name+" ")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if m.MediaType != tt.mediaType || filepath.Ext(m.Path) != tt.ext || !media.FileName.MatchString(m.Path) ||
			m.ThumbPath != "" || m.Description != tt.name || media.TypeOf(m.Path) != tt.mediaType {
			t.Errorf("%s: %+v", tt.name, m)
		}
		stored, err := os.ReadFile(filepath.Join(media.Dir(dir), m.Path))
		if err != nil || !bytes.Equal(stored, tt.data) {
			t.Errorf("%s: the file is not kept as uploaded: %v", tt.name, err)
		}
		if row, err := db.GetMedia(ctx, m.ID); err != nil || row.Duration != m.Duration || row.Width != m.Width || row.Silent != m.Silent {
			t.Errorf("%s: stored %+v, %v", tt.name, row, err)
		}
	}
	if _, err := s.SaveImage(ctx, dir, owner, bytes.NewReader(testimage.WAV(0.5)), ""); storage.KindOf(err) != storage.Invalid {
		t.Errorf("a sound as a profile picture: %v", err)
	}

	// Refused uploads leave nothing behind.
	before, _ := os.ReadDir(media.Dir(dir))
	truncated := testimage.MP4{Width: 64, Height: 64, Frames: 10, Seconds: 1, Mdat: 4000}.Bytes()
	oversize := testimage.MP4{Width: 64, Height: 64, Frames: 10, Seconds: 1, Mdat: media.MaxVideoBytes}.Bytes()
	for _, tt := range []struct {
		name string
		data []byte
		kind storage.Kind
	}{
		{"text named .mp4", []byte("just some text, whatever the name says"), storage.Invalid},
		{"truncated mp4", truncated[:len(truncated)-1000], storage.Invalid},
		{"over the video limit", oversize, storage.TooLarge},
		{"over the audio limit", append(testimage.WAV(0.1), make([]byte, media.MaxAudioBytes)...), storage.TooLarge},
		{"empty", nil, storage.Invalid},
	} {
		if _, err := s.SaveUpload(ctx, dir, owner, bytes.NewReader(tt.data), ""); storage.KindOf(err) != tt.kind {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.kind)
		}
	}
	after, _ := os.ReadDir(media.Dir(dir))
	if len(after) != len(before) {
		t.Errorf("files after refusals: %v, before %v", after, before)
	}
	if n, _ := db.CountMedia(ctx, owner.ID); n != 6 {
		t.Errorf("%d media rows, want 6", n)
	}
}
