// Package media makes uploads safe to store and serve, with no database. Images it sniffs
// and checks, decodes within pixel limits, turns upright, re-encodes without their metadata,
// and makes the thumbnail and blurhash of. Video and audio (clip.go) it sniffs, copies as
// uploaded within their limits, and checks and reads cheaply from their container, with no
// decoding and no outside tool. It writes and removes their files under random names;
// outbox.Service.SaveUpload stores the row that points at them.
package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/buckket/go-blurhash"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"refuge/storage"
)

// Limits on uploaded images. The pixel limits are checked from the header, before any
// pixel is decoded, so that a small file cannot make the server allocate gigabytes.
const (
	MaxUploadBytes      = 10 << 20
	MaxImageSide        = 8192
	MaxImagePixels      = 40_000_000
	ThumbnailSide       = 400
	MaxDescriptionChars = 1500
	MaxAttachments      = 4 // images on one note
)

// FileName matches the names of the files Save and SaveClip write, and nothing else: the
// media handler serves no other file.
var FileName = regexp.MustCompile(`^[a-z2-7]{26}((-thumb)?\.(jpg|png)|\.(mp4|mov|webm|m4a|weba|mp3|ogg|wav|flac))$`)

// TypeOf is the Content-Type of a file Save or SaveClip wrote, from its extension.
func TypeOf(name string) string {
	ext := strings.TrimPrefix(filepath.Ext(name), ".")
	switch ext {
	case "jpg":
		return "image/jpeg"
	case "png":
		return "image/png"
	}
	for t, e := range clipTypes {
		if e == ext {
			return t
		}
	}
	return ""
}

// Dir is where uploads live under the data folder.
func Dir(dataDir string) string { return filepath.Join(dataDir, "media") }

// decoder reads one of the image formats we accept.
type decoder struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

// decoders are chosen by the sniffed type of the bytes, never by a file name or a type the
// client claims.
var decoders = map[string]decoder{
	"image/jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"image/png":  {png.DecodeConfig, png.Decode},
	"image/gif":  {gif.DecodeConfig, gif.Decode}, // the first frame only
	"image/webp": {webp.DecodeConfig, webp.Decode},
}

// ImageTypes lists the types of image an upload may be, sorted.
func ImageTypes() []string { return slices.Sorted(maps.Keys(decoders)) }

// Types lists every type an upload may be, images, video and audio, sorted.
func Types() []string {
	out := append(ImageTypes(), ClipTypes()...)
	slices.Sort(out)
	return out
}

// IsImage reports whether mediaType is a type of image an upload may be.
func IsImage(mediaType string) bool {
	_, ok := decoders[mediaType]
	return ok
}

// sniffImage is the type of image head starts, "" when it is none that is accepted.
func sniffImage(head []byte) string {
	if t := http.DetectContentType(head); IsImage(t) {
		return t
	}
	return ""
}

// Image is an upload made safe: re-encoded from its pixels, so that metadata (EXIF, GPS,
// comments) and anything smuggled after the image data is gone.
type Image struct {
	Body, Thumb   []byte // Thumb is nil when the image is no larger than a thumbnail
	Ext           string // of both files: "jpg" or "png"
	MediaType     string
	Width, Height int
	Blurhash      string
}

// Process checks, decodes, orients and re-encodes an uploaded image, and makes its
// thumbnail and blurhash. It takes JPEG, PNG, GIF and WebP, sniffed from the bytes (anything
// else is Invalid "not an image"), within the pixel limits; GIF and WebP become PNG, as Go
// encodes neither. Images wait their turn for the decoding budget (see decoding); a
// request that ends while waiting gets ctx's error.
func Process(ctx context.Context, data []byte) (*Image, error) {
	sniffed := http.DetectContentType(data)
	dec, ok := decoders[sniffed]
	if !ok {
		return nil, storage.Errorf(storage.Invalid, "not an image: only JPEG, PNG, GIF and WebP images are accepted")
	}
	cfg, err := dec.config(bytes.NewReader(data))
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "not an image: its header cannot be read")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide ||
		cfg.Width*cfg.Height > MaxImagePixels {
		return nil, storage.Errorf(storage.Invalid, "image is %d×%d pixels; at most %d on a side and %d million in all",
			cfg.Width, cfg.Height, MaxImageSide, MaxImagePixels/1_000_000)
	}
	pixels := cfg.Width * cfg.Height
	if err := decoding.acquire(ctx, pixels); err != nil {
		return nil, err
	}
	defer decoding.release(pixels)
	if pixels > bigImage {
		// The pixels of a big image are garbage once it is encoded; collect them before the
		// next one is decoded, or the heap grows to twice its size first.
		defer runtime.GC()
	}
	img, err := dec.decode(bytes.NewReader(data))
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "not an image: it cannot be decoded")
	}
	p := &Image{Ext: "png", MediaType: "image/png"}
	var buf bytes.Buffer
	if sniffed == "image/jpeg" {
		// Phones store photos sideways and say so in EXIF; the tag goes with the metadata,
		// so its rotation is applied to the pixels first.
		img = orient(img, jpegOrientation(data))
		p.Ext, p.MediaType = "jpg", "image/jpeg"
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		return nil, err
	}
	p.Body = buf.Bytes()
	b := img.Bounds()
	p.Width, p.Height = b.Dx(), b.Dy()
	small := img
	if max(p.Width, p.Height) > ThumbnailSide {
		small = scale(img, ThumbnailSide)
		var tb bytes.Buffer
		if p.Ext == "jpg" {
			err = jpeg.Encode(&tb, small, &jpeg.Options{Quality: 80})
		} else {
			err = png.Encode(&tb, small)
		}
		if err != nil {
			return nil, err
		}
		p.Thumb = tb.Bytes()
	}
	if p.Blurhash, err = blurhash.Encode(4, 3, small); err != nil {
		p.Blurhash = "" // a blurhash is a nicety; an image it cannot describe is still fine
	}
	return p, nil
}

// decoding bounds the pixels decoded and re-encoded at once, across all requests: a decoded
// image takes 4 bytes a pixel (RGBA), so two posts of four 8000×5000 PNGs each would
// otherwise hold 1.3 GB at once. The budget is one image of the largest size allowed; a
// big image waits until it has the budget to itself, small ones share it.
var decoding = newBudget(MaxImagePixels)

// bigImage is the size in pixels past which an image's memory is collected at once (16 MB
// decoded): a collection costs about a millisecond, the decoding of such an image far more.
const bigImage = 4_000_000

// budget is a counting semaphore whose takers wait in line, so that a big image is not
// overtaken for ever by small ones.
type budget struct {
	line chan struct{} // held by the one taker at the head of the line
	mu   sync.Mutex
	free int
	more chan struct{} // closed when some of the budget comes back
}

func newBudget(n int) *budget {
	return &budget{line: make(chan struct{}, 1), free: n, more: make(chan struct{})}
}

// acquire takes n of the budget (at most all of it), waiting its turn; it gives up when
// ctx ends first.
func (b *budget) acquire(ctx context.Context, n int) error {
	gaveUp := func() error {
		return storage.Wrap(storage.Transient, ctx.Err(), "the server is busy with other images: try again")
	}
	select {
	case b.line <- struct{}{}:
	case <-ctx.Done():
		return gaveUp()
	}
	defer func() { <-b.line }()
	for {
		b.mu.Lock()
		if n <= b.free {
			b.free -= n
			b.mu.Unlock()
			return nil
		}
		more := b.more
		b.mu.Unlock()
		select {
		case <-more:
		case <-ctx.Done():
			return gaveUp()
		}
	}
}

// release gives back n of the budget.
func (b *budget) release(n int) {
	b.mu.Lock()
	b.free += n
	close(b.more)
	b.more = make(chan struct{})
	b.mu.Unlock()
}

// scale shrinks img to fit in a side×side square, keeping its aspect ratio.
func scale(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := side, side
	if b.Dx() > b.Dy() {
		h = max(1, b.Dy()*side/b.Dx())
	} else {
		w = max(1, b.Dx()*side/b.Dy())
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// ReadUpload reads an image upload whole: at most MaxUploadBytes, TooLarge beyond.
func ReadUpload(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxUploadBytes+1))
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "the upload could not be read")
	}
	if len(data) > MaxUploadBytes {
		return nil, storage.Errorf(storage.TooLarge, "images may be at most %d MiB", MaxUploadBytes>>20)
	}
	return data, nil
}

// Save writes the image and its thumbnail under dir with a new random name, and returns
// their names (thumb is "" when the image is small enough to be its own). On error neither
// file is left.
func (img *Image) Save(dir string) (name, thumb string, err error) {
	base := randomName()
	name = base + "." + img.Ext
	if err := writeFile(dir, name, img.Body); err != nil {
		return "", "", err
	}
	if img.Thumb != nil {
		thumb = base + "-thumb." + img.Ext
		if err := writeFile(dir, thumb, img.Thumb); err != nil {
			Remove(dir, name)
			return "", "", err
		}
	}
	return name, thumb, nil
}

// Remove deletes the named files from dir; a name that FileName does not match (not one
// Save wrote, or "") is left alone.
func Remove(dir string, names ...string) {
	for _, f := range names {
		if FileName.MatchString(f) {
			os.Remove(filepath.Join(dir, f))
		}
	}
}

// Stale lists the files under dir last written before before that are uploads (names Save
// writes) or what a crash left of one (a temporary file of writeFile): those a clean-up may
// remove when no media row names them. A folder that does not exist has none.
func Stale(dir string, before time.Time) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || (!FileName.MatchString(name) && !strings.HasPrefix(name, tempPrefix)) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(before) {
			out = append(out, name)
		}
	}
	return out, nil
}

// RemoveStale deletes a file Stale listed.
func RemoveStale(dir, name string) {
	if FileName.MatchString(name) || strings.HasPrefix(name, tempPrefix) {
		os.Remove(filepath.Join(dir, name))
	}
}

// tempPrefix starts the name of a file writeFile has not finished: hidden, never served.
const tempPrefix = ".upload-"

// randomName is 128 random bits in lower-case base32: 26 characters of [a-z2-7].
func randomName() string {
	b := make([]byte, 16)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// writeFile writes a file whole or not at all: to a hidden temporary name first (which the
// media handler never serves), then renamed.
func writeFile(dir, name string, body []byte) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	_, err = f.Write(body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("store upload: %w", err)
	}
	return nil
}

// jpegOrientation reads the EXIF Orientation tag (1 to 8) of a JPEG; 1 when there is none.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD8: // markers without a length
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // image data starts: EXIF comes before it
			return 1
		}
		size := int(b[i+2])<<8 | int(b[i+3])
		if size < 2 || i+2+size > len(b) {
			return 1
		}
		if seg := b[i+4 : i+2+size]; marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

// exifOrientation finds tag 0x0112 in the first IFD of a TIFF structure.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[off:]))
	for k := range n {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		if bo.Uint16(t[e+2:]) != 3 { // SHORT
			return 1
		}
		if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// orient turns img as EXIF orientation o says it must be turned to be shown upright.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored upside down
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // turned a quarter counter-clockwise: turn it clockwise
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // turned a quarter clockwise: turn it back
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dst.PixOffset(dx, dy):dst.PixOffset(dx, dy)+4], src.Pix[src.PixOffset(x, y):src.PixOffset(x, y)+4])
		}
	}
	return dst
}
