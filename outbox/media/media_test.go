package media_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"refuge/internal/testrig/fixture"
	"refuge/internal/testrig/testimage"
	"refuge/outbox"
	"refuge/outbox/media"
	"refuge/storage"
)

// gps is what a phone's EXIF says of where a picture was taken; it must not be kept.
const gps = "GPSLatitude=48.85"

// webpLossless1x1 is the smallest lossless WebP: one pixel.
const webpLossless1x1 = "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="

func TestProcessImage(t *testing.T) {
	jpg := testimage.JPEG(t, testimage.Halves(60, 20))
	var animated bytes.Buffer
	pal := color.Palette{color.Black, color.White}
	frame := image.NewPaletted(image.Rect(0, 0, 500, 100), pal)
	if err := gif.EncodeAll(&animated, &gif.GIF{Image: []*image.Paletted{frame, frame}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	webp, _ := base64.StdEncoding.DecodeString(webpLossless1x1)

	tests := []struct {
		name      string
		data      []byte
		wantErr   string
		mediaType string
		w, h      int
		thumb     bool
		topLeft   string // "red" or "blue": where the picture's red half ended up
		bottom    string
	}{
		{"png", testimage.PNG(t, testimage.Halves(800, 200)), "", "image/png", 800, 200, true, "red", "red"},
		{"small png keeps no thumbnail", testimage.PNG(t, testimage.Halves(40, 40)), "", "image/png", 40, 40, false, "red", "red"},
		{"jpeg", jpg, "", "image/jpeg", 60, 20, false, "red", "red"},
		{"jpeg turned (6)", testimage.WithExif(jpg, 6, false, gps), "", "image/jpeg", 20, 60, false, "red", "blue"},
		{"jpeg turned back (8)", testimage.WithExif(jpg, 8, true, gps), "", "image/jpeg", 20, 60, false, "blue", "red"},
		{"jpeg upside down (3)", testimage.WithExif(jpg, 3, false, gps), "", "image/jpeg", 60, 20, false, "blue", "blue"},
		{"gif becomes png", animated.Bytes(), "", "image/png", 500, 100, true, "", ""},
		{"webp becomes png", webp, "", "image/png", 1, 1, false, "", ""},
		{"html", []byte("<html><body>hi</body></html>"), "not an image", "", 0, 0, false, "", ""},
		{"json", []byte(`{"a":1}`), "not an image", "", 0, 0, false, "", ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "not an image", "", 0, 0, false, "", ""},
		{"truncated png", testimage.PNG(t, testimage.Halves(100, 100))[:60], "not an image", "", 0, 0, false, "", ""},
		{"too wide", testimage.PNG(t, image.NewGray(image.Rect(0, 0, media.MaxImageSide+1, 1))), "pixels", "", 0, 0, false, "", ""},
		{"too many pixels", testimage.PNG(t, image.NewGray(image.Rect(0, 0, 8000, 5001))), "pixels", "", 0, 0, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := media.Process(context.Background(), tt.data)
			if tt.wantErr != "" {
				if err == nil || storage.KindOf(err) != storage.Invalid || !strings.Contains(storage.Message(err), tt.wantErr) {
					t.Fatalf("err = %v, want Invalid %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.MediaType != tt.mediaType || p.Width != tt.w || p.Height != tt.h || (p.Thumb != nil) != tt.thumb || p.Blurhash == "" {
				t.Errorf("got %s %d×%d thumb=%v blurhash=%q", p.MediaType, p.Width, p.Height, p.Thumb != nil, p.Blurhash)
			}
			if bytes.Contains(p.Body, []byte("GPSLatitude")) || bytes.Contains(p.Body, []byte("Exif")) {
				t.Error("metadata kept")
			}
			img, _, err := image.Decode(bytes.NewReader(p.Body))
			if err != nil {
				t.Fatalf("output does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Errorf("output is %v", b)
			}
			colour := func(x, y int) string {
				r, _, b, _ := img.At(x, y).RGBA()
				if r > b {
					return "red"
				}
				return "blue"
			}
			if tt.topLeft != "" && (colour(1, 1) != tt.topLeft || colour(1, tt.h-2) != tt.bottom) {
				t.Errorf("top-left %s, bottom-left %s; want %s, %s", colour(1, 1), colour(1, tt.h-2), tt.topLeft, tt.bottom)
			}
			if tt.thumb {
				th, _, err := image.Decode(bytes.NewReader(p.Thumb))
				if err != nil {
					t.Fatal(err)
				}
				if b := th.Bounds(); max(b.Dx(), b.Dy()) != media.ThumbnailSide {
					t.Errorf("thumbnail %v", b)
				}
			}
		})
	}
}

// uploader is an outbox on a fresh database whose data folder is dir, and alice, who uploads.
func uploader(t *testing.T) (s *outbox.Service, db storage.DB, dir string, owner *storage.Actor) {
	t.Helper()
	dir = t.TempDir()
	db = fixture.Open(t)
	s = &outbox.Service{DB: db, Base: "https://refuge.example", Domain: "refuge.example", DataDir: dir}
	owner, err := s.CreateAccount(context.Background(), "alice", "alice password", false)
	if err != nil {
		t.Fatal(err)
	}
	return s, db, dir, owner
}

func TestSaveUpload(t *testing.T) {
	ctx := context.Background()
	s, db, dir, owner := uploader(t)

	m, err := s.SaveUpload(ctx, dir, owner, bytes.NewReader(testimage.PNG(t, testimage.Halves(900, 300))), "  red and blue  ")
	if err != nil {
		t.Fatal(err)
	}
	if !media.FileName.MatchString(m.Path) || !media.FileName.MatchString(m.ThumbPath) || m.URL != s.Base+"/media/"+m.Path ||
		m.Description != "red and blue" || m.MediaType != "image/png" || m.Width != 900 || m.Height != 300 {
		t.Errorf("media %+v", m)
	}
	stored, err := db.GetMedia(ctx, m.ID)
	if err != nil || stored.Path != m.Path || stored.Blurhash != m.Blurhash {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	for _, f := range []string{m.Path, m.ThumbPath} {
		if _, err := os.Stat(filepath.Join(media.Dir(dir), f)); err != nil {
			t.Error(err)
		}
	}

	// Refused uploads leave nothing behind.
	for name, r := range map[string][]byte{
		"html":      []byte("<html>"),
		"too large": bytes.Repeat([]byte{0}, media.MaxUploadBytes+1),
	} {
		_, err := s.SaveUpload(ctx, dir, owner, bytes.NewReader(r), "")
		if err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := s.SaveUpload(ctx, dir, owner, bytes.NewReader(testimage.PNG(t, testimage.Halves(2, 2))), strings.Repeat("x", media.MaxDescriptionChars+1)); err == nil {
		t.Error("an overlong description was accepted")
	}
	if n, _ := db.CountMedia(ctx, owner.ID); n != 1 {
		t.Errorf("%d media rows, want 1", n)
	}
	if files, _ := os.ReadDir(media.Dir(dir)); len(files) != 2 {
		t.Errorf("media files %v, want the image and its thumbnail", files)
	}

	// A discarded upload goes, row and files.
	if err := s.DiscardUpload(ctx, dir, m); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetMedia(ctx, m.ID); storage.KindOf(err) != storage.NotFound {
		t.Errorf("row still there: %v", err)
	}
	if files, _ := os.ReadDir(media.Dir(dir)); len(files) != 0 {
		t.Errorf("files still there: %v", files)
	}
}

func TestMediaFileName(t *testing.T) {
	for name, ok := range map[string]bool{
		"abcdefghijklmnopqrstuvwxyz.png":       true,
		"abcdefghijklmnopqrstuvwxyz-thumb.jpg": true,
		"abcdefghijklmnopqrstuvwxy.png":        false,
		"abcdefghijklmnopqrstuvwxyz.html":      false,
		".upload-123":                          false,
		"../abcdefghijklmnopqrstuvwxyz.png":    false,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ.png":       false,
		"abcdefghijklmnopqrstuvwxyz.png/x":     false,
	} {
		if media.FileName.MatchString(name) != ok {
			t.Errorf("%q: match %v", name, !ok)
		}
	}
}

// TestDeleteNoteRemovesMedia: a deleted note takes its uploaded files with it.
func TestDeleteNoteRemovesMedia(t *testing.T) {
	ctx := context.Background()
	s, _, dir, owner := uploader(t)
	m, err := s.SaveUpload(ctx, dir, owner, bytes.NewReader(testimage.PNG(t, testimage.Halves(900, 300))), "a picture")
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := s.PostNote(ctx, owner, outbox.NoteInput{Content: "with a picture", Media: []storage.Media{*m}})
	if err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(media.Dir(dir)); len(files) != 2 {
		t.Fatalf("media files before delete: %v", files)
	}
	if err := s.DeleteNote(ctx, owner, n.URI); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(media.Dir(dir)); len(files) != 0 {
		t.Fatalf("media files left after delete: %v", files)
	}
}
