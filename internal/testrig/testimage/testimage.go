// Package testimage makes pictures for tests of uploads: a picture whose rotation shows,
// and PNG and JPEG files that carry metadata (text chunks, EXIF with an orientation and
// anything else) which Refuge must strip; and small video and audio files (clips.go). It imports only the standard library, so any
// package's internal tests can use it.
package testimage

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Halves is a w×h picture: red on the left half, blue on the right, so that a rotation
// shows.
func Halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{200, 30, 30, 255}
			if x >= w/2 {
				c = color.RGBA{30, 30, 200, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// PNG encodes img as PNG.
func PNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// JPEG encodes img as JPEG, at quality 95 so that the halves keep their colours.
func JPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// PNGWithText is a w×h PNG of Halves carrying metadata: a tEXt chunk and an eXIf chunk with
// secret in each.
func PNGWithText(t testing.TB, w, h int, secret string) []byte {
	t.Helper()
	b := PNG(t, Halves(w, h))
	chunk := func(typ string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		out = append(out, typ...)
		out = append(out, data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdrEnd := 8 + 4 + 4 + 13 + 4 // signature, then IHDR's length, type, data, crc
	var out []byte
	out = append(out, b[:ihdrEnd]...)
	out = append(out, chunk("tEXt", []byte("Comment\x00"+secret))...)
	out = append(out, chunk("eXIf", append([]byte("MM\x00\x2a\x00\x00\x00\x08\x00\x00"), secret...))...)
	return append(out, b[ihdrEnd:]...)
}

// WithExif puts an APP1 EXIF segment right after a JPEG's SOI marker: one IFD whose only
// entry is the orientation o (6 means "turn me a quarter clockwise"), in either byte order,
// followed by extra (as a GPS tag would carry a place).
func WithExif(jpg []byte, o byte, littleEndian bool, extra string) []byte {
	tiff := "MM\x00\x2a\x00\x00\x00\x08" + // big-endian TIFF, first IFD at 8
		"\x00\x01" + // one entry
		"\x01\x12\x00\x03\x00\x00\x00\x01\x00" + string(o) + "\x00\x00" + // Orientation SHORT 1 = o
		"\x00\x00\x00\x00" // no next IFD
	if littleEndian {
		tiff = "II\x2a\x00\x08\x00\x00\x00" + "\x01\x00" +
			"\x12\x01\x03\x00\x01\x00\x00\x00" + string(o) + "\x00\x00\x00" +
			"\x00\x00\x00\x00"
	}
	seg := "Exif\x00\x00" + tiff + extra
	app1 := []byte{0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	return append(append(append([]byte{}, jpg[:2]...), append(app1, seg...)...), jpg[2:]...)
}

// JPEGWithExif is a w×h JPEG of Halves whose EXIF says "turn me a quarter clockwise"
// (orientation 6) and carries secret in the same segment.
func JPEGWithExif(t testing.TB, w, h int, secret string) []byte {
	t.Helper()
	return WithExif(JPEG(t, Halves(w, h)), 6, false, secret)
}
