package media

import (
	"testing"

	"refuge/internal/testrig/testimage"
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
