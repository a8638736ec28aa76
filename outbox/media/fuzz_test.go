package media

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"refuge/internal/testrig/testimage"
	"refuge/storage"
)

// FuzzJPEGOrientation: whatever bytes an upload starts with, the EXIF reader returns, without
// a panic and in bounded time, an orientation from 1 to 8 (1, upright, when it cannot tell);
// the TIFF reader under it alike. Seeds are real JPEGs with EXIF in both byte orders, every
// orientation, cut short at every few bytes, and garbage; crashers are kept under
// testdata/fuzz/FuzzJPEGOrientation.
func FuzzJPEGOrientation(f *testing.F) {
	jpg := testimage.JPEG(f, testimage.Halves(8, 4))
	f.Add(jpg)
	for o := byte(0); o <= 9; o++ {
		for _, le := range []bool{false, true} {
			f.Add(testimage.WithExif(jpg, o, le, "GPSLatitude=48.85"))
		}
	}
	withExif := testimage.WithExif(jpg, 6, false, "")
	for n := 0; n < 80 && n < len(withExif); n += 3 {
		f.Add(withExif[:n])
	}
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02})                                       // an empty APP1
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I'})   // a length past the end
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x12Exif\x00\x00MM\x00\x2a\xff\xff\xff\xf0\xff\xff")) // an IFD offset past the end
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x12Exif\x00\x00II\x2a\x00\x08\x00\x00\x00\xff\xff")) // 65,535 entries, none there
	f.Add([]byte("not a picture at all"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if o := jpegOrientation(b); o < 1 || o > 8 {
			t.Fatalf("jpegOrientation = %d, want 1 to 8", o)
		}
		if o := exifOrientation(b); o < 1 || o > 8 {
			t.Fatalf("exifOrientation = %d, want 1 to 8", o)
		}
	})
}

// TestJPEGOrientation: the orientation written is the orientation read, in both byte orders;
// one out of range, or a segment cut short, reads as upright.
func TestJPEGOrientation(t *testing.T) {
	jpg := testimage.JPEG(t, testimage.Halves(8, 4))
	for o := byte(0); o <= 9; o++ {
		want := int(o)
		if o < 1 || o > 8 {
			want = 1
		}
		for _, le := range []bool{false, true} {
			if got := jpegOrientation(testimage.WithExif(jpg, o, le, "")); got != want {
				t.Errorf("orientation %d (little-endian %v) read as %d, want %d", o, le, got, want)
			}
		}
	}
	if got := jpegOrientation(testimage.WithExif(jpg, 6, false, "")[:20]); got != 1 {
		t.Errorf("a segment cut short read as %d, want 1", got)
	}
}

// FuzzProbe: whatever bytes an upload holds, Sniff names a type or none, and Probe, given
// the bytes as any type of video or audio, answers a clip or Invalid without a panic and in
// bounded time; a clip it answers is within the limits and its numbers are believable. Seeds
// are small real files of each kind, cut short at every few bytes, and garbage.
func FuzzProbe(f *testing.F) {
	files := [][]byte{
		testimage.MP4{Width: 640, Height: 360, Frames: 90, Seconds: 3, Sound: true, Mdat: 64}.Bytes(),
		testimage.MP4{Brand: "qt  ", Width: 1920, Height: 1080, Frames: 30, Seconds: 1, Turned: true}.Bytes(),
		testimage.MP4{Brand: "M4A ", Seconds: 7, Sound: true}.Bytes(),
		testimage.WebM{Width: 1280, Height: 720, FrameNS: 33_333_333, Seconds: 12.5, Sound: true}.Bytes(),
		testimage.WebM{Width: 640, Height: 480, Live: true}.Bytes(),
		testimage.WAV(0.01),
		testimage.OggOpus(),
		testimage.FLAC(48000, 96000),
		testimage.MP3(40),
	}
	for _, b := range files {
		f.Add(b)
		for n := 0; n < len(b); n += 7 {
			f.Add(b[:n])
		}
	}
	f.Add([]byte("\x00\x00\x00\x01ftypisom\xff\xff\xff\xff\xff\xff\xff\xff")) // a 64-bit size past the end
	f.Add([]byte("\x00\x00\x00\x00ftypisom"))                                 // a box to the end of the file
	f.Add([]byte("\x1a\x45\xdf\xa3\x01\xff\xff\xff\xff\xff\xff\xff"))         // an EBML header of unknown size
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Add([]byte("not a clip at all"))
	types := ClipTypes()
	f.Fuzz(func(t *testing.T, b []byte) {
		if s := Sniff(b[:min(len(b), SniffLen)]); s != "" && !slices.Contains(Types(), s) {
			t.Fatalf("Sniff = %q, not a type that is accepted", s)
		}
		for _, typ := range types {
			c, err := Probe(bytes.NewReader(b), int64(len(b)), typ)
			if err != nil {
				if storage.KindOf(err) != storage.Invalid {
					t.Fatalf("%s: %v, want Invalid", typ, err)
				}
				continue
			}
			if c.Width < 0 || c.Height < 0 || c.Duration < 0 || math.IsNaN(c.Duration) || c.Duration > 1e7 ||
				(IsVideo(c.MediaType) && c.Width*c.Height > MaxVideoPixels) || !slices.Contains(types, c.MediaType) {
				t.Fatalf("%s: %+v", typ, c)
			}
		}
	})
}
