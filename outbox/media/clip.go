package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"

	"refuge/storage"
)

// Limits on uploaded video and audio, Mastodon's defaults: 99 MiB for either, a video at
// most 4K (3840×2160 pixels) and 120 frames a second. The pixel and frame-rate limits are
// enforced when the file says its size and rate (see Probe); most do.
const (
	MaxVideoBytes     = 99 << 20
	MaxAudioBytes     = 99 << 20
	MaxVideoPixels    = 8_294_400
	MaxVideoFrameRate = 120
)

// Clip is an uploaded video or audio file, stored as uploaded (never transcoded), with what
// could be read of it cheaply; a zero field is not known.
type Clip struct {
	MediaType     string // video/mp4, video/quicktime, video/webm, or audio/…
	Width, Height int    // of the picture, as shown (a phone's turned video is upright)
	Duration      float64
	FrameRate     string // as a fraction, "30/1" or "30000/1001"
	Silent        bool   // a video known to have no sound track
	Size          int64
}

// clipTypes are the types of video and audio accepted, with the extension their files get.
var clipTypes = map[string]string{
	"video/mp4":       "mp4",
	"video/quicktime": "mov",
	"video/webm":      "webm",
	"audio/mp4":       "m4a",
	"audio/webm":      "weba",
	"audio/mpeg":      "mp3",
	"audio/ogg":       "ogg",
	"audio/wav":       "wav",
	"audio/flac":      "flac",
}

// IsVideo reports whether mediaType is a type of video.
func IsVideo(mediaType string) bool { return len(mediaType) > 6 && mediaType[:6] == "video/" }

// IsAudio reports whether mediaType is a type of audio.
func IsAudio(mediaType string) bool { return len(mediaType) > 6 && mediaType[:6] == "audio/" }

// limitOf is the largest upload of a type, in bytes.
func limitOf(mediaType string) int64 {
	switch {
	case IsVideo(mediaType):
		return MaxVideoBytes
	case IsAudio(mediaType):
		return MaxAudioBytes
	}
	return MaxUploadBytes
}

// SniffLen is how many bytes of the start of an upload Sniff wants to see.
const SniffLen = 512

// Sniff names the type of an upload from its first bytes: one of Types, or "" when it is
// none of them. Only the bytes count, never a name or a type the client gave. It tells what
// a file says it is; Probe then checks that the rest agrees.
func Sniff(head []byte) string {
	switch {
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		switch string(head[8:12]) {
		case "qt  ":
			return "video/quicktime"
		case "M4A ", "M4B ":
			return "audio/mp4"
		case "isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "M4V ", "MSNV", "3gp4", "3gp5", "3gp6":
			return "video/mp4" // or audio/mp4, when Probe finds no picture
		}
		return "" // HEIC and AVIF pictures are ftyp files too
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return "video/webm" // or audio/webm; Probe reads the DocType and the tracks
	case bytes.HasPrefix(head, []byte("fLaC")):
		return "audio/flac"
	case bytes.HasPrefix(head, []byte("ID3")) || mpegFrame(head):
		return "audio/mpeg"
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return "audio/wav"
	case bytes.HasPrefix(head, []byte("OggS")):
		if oggAudio(head) {
			return "audio/ogg"
		}
		return ""
	}
	if t := sniffImage(head); t != "" {
		return t
	}
	return ""
}

// mpegFrame reports whether b starts with the header of an MPEG audio frame (MP3): the sync
// bits, then a version, layer, bit rate and sample rate that exist.
func mpegFrame(b []byte) bool {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return false
	}
	version, layer := b[1]>>3&3, b[1]>>1&3
	bitrate, rate := b[2]>>4, b[2]>>2&3
	return version != 1 && layer != 0 && bitrate != 0 && bitrate != 15 && rate != 3
}

// oggAudio reports whether an Ogg stream's first page starts an Opus, Vorbis or FLAC
// stream: Theora video in Ogg is not accepted, as browsers hardly play it.
func oggAudio(b []byte) bool {
	if len(b) < 27 || b[4] != 0 {
		return false
	}
	start := 27 + int(b[26])
	if start+8 > len(b) {
		return false
	}
	p := b[start:]
	return bytes.HasPrefix(p, []byte("OpusHead")) || bytes.HasPrefix(p, []byte("\x01vorbis")) || bytes.HasPrefix(p, []byte("\x7fFLAC"))
}

// SaveClip copies an upload of mediaType (as Sniff named it from head, the bytes already
// read of r) into dir under a new random name, within the type's limit, and probes it; it
// returns the clip and the file's name. A file too large is TooLarge, one that is not what
// it claims Invalid; either way no file stays.
func SaveClip(dir string, head []byte, r io.Reader, mediaType string) (*Clip, string, error) {
	limit := limitOf(mediaType)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, "", err
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return nil, "", fmt.Errorf("store upload: %w", err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	n, err := io.Copy(f, io.LimitReader(io.MultiReader(bytes.NewReader(head), r), limit+1))
	if err != nil {
		return nil, "", storage.Wrap(storage.Invalid, err, "the upload could not be read")
	}
	if n > limit {
		return nil, "", storage.Errorf(storage.TooLarge, "%s files may be at most %d MiB", kindName(mediaType), limit>>20)
	}
	clip, err := Probe(f, n, mediaType)
	if err != nil {
		return nil, "", err
	}
	if err := f.Close(); err != nil {
		return nil, "", fmt.Errorf("store upload: %w", err)
	}
	name := randomName() + "." + clipTypes[clip.MediaType]
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return nil, "", fmt.Errorf("store upload: %w", err)
	}
	done = true
	return clip, name, nil
}

func kindName(mediaType string) string {
	if IsVideo(mediaType) {
		return "video"
	}
	return "audio"
}

// Probe checks that a file of size bytes is the mediaType Sniff named, whole, and reads
// what it cheaply can of it: for MP4 and QuickTime the duration, the picture's size and
// frame rate and whether there is sound (from the moov box); for WebM the same from its
// Info and Tracks; for WAV and FLAC the duration. Nothing else is decoded. Every loop is
// bounded by the bytes it reads, so that no file, however made, makes it run long or panic.
func Probe(f io.ReaderAt, size int64, mediaType string) (*Clip, error) {
	c := &Clip{MediaType: mediaType, Size: size}
	var err error
	switch mediaType {
	case "video/mp4", "video/quicktime", "audio/mp4":
		err = probeMP4(f, size, c)
	case "video/webm":
		err = probeWebM(f, size, c)
	case "audio/wav":
		err = probeWAV(f, size, c)
	case "audio/flac":
		err = probeFLAC(f, size, c)
	case "audio/mpeg":
		err = probeMP3(f, size)
	case "audio/ogg":
		// The first page was checked by Sniff; an Ogg stream's length is only in its last.
	default:
		return nil, storage.Errorf(storage.Invalid, "not a type of video or audio that is accepted")
	}
	if err != nil {
		return nil, err
	}
	if c.Duration < 0 || math.IsNaN(c.Duration) || math.IsInf(c.Duration, 0) || c.Duration > 1e7 {
		c.Duration = 0 // not believable: unknown
	}
	if IsVideo(c.MediaType) {
		if c.Width*c.Height > MaxVideoPixels || c.Width > 1<<15 || c.Height > 1<<15 {
			return nil, storage.Errorf(storage.Invalid, "video is %d×%d pixels; at most %d in all (4K)", c.Width, c.Height, MaxVideoPixels)
		}
		if fps := frameRate(c.FrameRate); fps > MaxVideoFrameRate {
			return nil, storage.Errorf(storage.Invalid, "video has %.0f frames a second; at most %d", fps, MaxVideoFrameRate)
		}
	}
	return c, nil
}

// frameRate is the value of a fraction FrameRate wrote; 0 when there is none.
func frameRate(s string) float64 {
	var num, den uint64
	if _, err := fmt.Sscanf(s, "%d/%d", &num, &den); err != nil || den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// fraction writes num/den in lowest terms, "" when either is 0.
func fraction(num, den uint64) string {
	if num == 0 || den == 0 {
		return ""
	}
	a, b := num, den
	for b != 0 {
		a, b = b, a%b
	}
	return fmt.Sprintf("%d/%d", num/a, den/a)
}

// cutShort is the error of a file that ends before what it says it holds.
func cutShort(what string) error {
	return storage.Errorf(storage.Invalid, "not a playable %s: the file is cut short or damaged", what)
}

// readAt reads n bytes at off, or fails.
func readAt(f io.ReaderAt, off int64, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		return nil, err
	}
	return b, nil
}

// MP4 and QuickTime: a file of boxes, each a 32-bit size (1: a 64-bit size follows; 0: to
// the end) and a four-letter type.

// maxTopBoxes bounds the boxes at the top of an MP4; a fragmented hour holds a few thousand.
const maxTopBoxes = 100_000

// maxMoov is the largest moov box read: its tables grow with the length of the video, a
// few MiB for an hour.
const maxMoov = 32 << 20

func probeMP4(f io.ReaderAt, size int64, c *Clip) error {
	name := map[string]string{"video/quicktime": "QuickTime video", "audio/mp4": "M4A audio"}[c.MediaType]
	if name == "" {
		name = "MP4 video"
	}
	var moovAt, moovLen int64 = -1, 0
	off := int64(0)
	for i := 0; off < size; i++ {
		if i == maxTopBoxes {
			return storage.Errorf(storage.Invalid, "not a playable %s: too many boxes", name)
		}
		hdr, err := readAt(f, off, int(min(16, size-off)))
		if err != nil || len(hdr) < 8 {
			return cutShort(name)
		}
		boxLen, hlen := int64(binary.BigEndian.Uint32(hdr)), int64(8)
		switch boxLen {
		case 0:
			boxLen = size - off
		case 1:
			if len(hdr) < 16 {
				return cutShort(name)
			}
			boxLen, hlen = int64(binary.BigEndian.Uint64(hdr[8:])), 16
		}
		if boxLen < hlen || boxLen > size-off {
			return cutShort(name)
		}
		if i == 0 && string(hdr[4:8]) != "ftyp" {
			return cutShort(name)
		}
		if string(hdr[4:8]) == "moov" && moovAt < 0 {
			moovAt, moovLen = off+hlen, boxLen-hlen
		}
		off += boxLen
	}
	if moovAt < 0 {
		return storage.Errorf(storage.Invalid, "not a playable %s: it has no moov box (cut short, or still being recorded)", name)
	}
	if moovLen > maxMoov {
		return nil // playable as far as can be told; too big to read cheaply
	}
	moov, err := readAt(f, moovAt, int(moovLen))
	if err != nil {
		return cutShort(name)
	}
	if video, sound := readMoov(moov, c); c.MediaType == "video/mp4" && !video && sound {
		c.MediaType = "audio/mp4" // an MP4 of sound only
	}
	return nil
}

// boxes calls fn for each box in b, in order, until fn returns false; a box that runs past
// b ends the walk. Every box is at least 8 bytes, so the walk ends within len(b)/8 steps.
func boxes(b []byte, fn func(typ string, body []byte) bool) {
	for len(b) >= 8 {
		n, hlen := uint64(binary.BigEndian.Uint32(b)), uint64(8)
		switch n {
		case 0:
			n = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return
			}
			n, hlen = binary.BigEndian.Uint64(b[8:]), 16
		}
		if n < hlen || n > uint64(len(b)) {
			return
		}
		if !fn(string(b[4:8]), b[hlen:n]) {
			return
		}
		b = b[n:]
	}
}

// child is the body of the first box of type typ in b, nil when there is none.
func child(b []byte, typ string) []byte {
	var out []byte
	boxes(b, func(t string, body []byte) bool {
		if t == typ {
			out = body
			return false
		}
		return true
	})
	return out
}

// track is what readMoov reads of one trak box.
type track struct {
	handler        string // "vide", "soun", …
	width, height  int
	samples        uint64 // frames, for a video track
	timescale, dur uint64 // of its media
}

// readMoov reads the duration (mvhd) and, from the tracks, the picture's size and frame
// rate, and reports whether there are pictures and sound. What is missing or malformed
// stays unknown.
func readMoov(moov []byte, c *Clip) (video, sound bool) {
	if h := child(moov, "mvhd"); len(h) >= 20 {
		var scale, dur uint64
		if h[0] == 1 && len(h) >= 32 {
			scale, dur = uint64(binary.BigEndian.Uint32(h[20:])), binary.BigEndian.Uint64(h[24:])
		} else if h[0] == 0 {
			scale, dur = uint64(binary.BigEndian.Uint32(h[12:])), uint64(binary.BigEndian.Uint32(h[16:]))
		}
		if scale > 0 && dur != math.MaxUint32 && dur != math.MaxUint64 {
			c.Duration = float64(dur) / float64(scale)
		}
	}
	var tracks []track
	boxes(moov, func(typ string, body []byte) bool {
		if typ == "trak" {
			tracks = append(tracks, readTrak(body))
		}
		return len(tracks) < 64
	})
	for _, t := range tracks {
		switch t.handler {
		case "soun":
			sound = true
		case "vide":
			if video {
				continue // the first picture track is the one shown
			}
			video = true
			c.Width, c.Height = t.width, t.height
			if t.dur > 0 && t.timescale > 0 && t.samples > 1 && t.samples < 1<<32 {
				c.FrameRate = fraction(t.samples*t.timescale, t.dur)
			}
		}
	}
	c.Silent = video && !sound
	return video, sound
}

func readTrak(trak []byte) track {
	var t track
	if h := child(trak, "tkhd"); len(h) >= 84 {
		at := 76 // version 0: 32-bit times
		if h[0] == 1 {
			at = 88
		}
		if len(h) >= at+8 {
			t.width, t.height = int(binary.BigEndian.Uint32(h[at:])>>16), int(binary.BigEndian.Uint32(h[at+4:])>>16)
			// The matrix turns the picture; a quarter turn (a phone held upright) swaps
			// the sides as it is shown.
			m := h[at-36:]
			if binary.BigEndian.Uint32(m) == 0 && binary.BigEndian.Uint32(m[16:]) == 0 {
				t.width, t.height = t.height, t.width
			}
		}
	}
	mdia := child(trak, "mdia")
	if h := child(mdia, "hdlr"); len(h) >= 12 {
		t.handler = string(h[8:12])
	}
	if h := child(mdia, "mdhd"); len(h) >= 20 {
		if h[0] == 1 && len(h) >= 32 {
			t.timescale, t.dur = uint64(binary.BigEndian.Uint32(h[20:])), binary.BigEndian.Uint64(h[24:])
		} else if h[0] == 0 {
			t.timescale, t.dur = uint64(binary.BigEndian.Uint32(h[12:])), uint64(binary.BigEndian.Uint32(h[16:]))
		}
	}
	if stts := child(child(child(mdia, "minf"), "stbl"), "stts"); len(stts) >= 8 {
		n := int(binary.BigEndian.Uint32(stts[4:]))
		for i := 0; i < n && 8+8*i+8 <= len(stts); i++ {
			t.samples += uint64(binary.BigEndian.Uint32(stts[8+8*i:]))
		}
	}
	return t
}

// WebM: EBML elements, each an ID and a size written as variable-length integers.

// webmHead is how much of the start of a WebM file is read: Info and Tracks come before the
// first Cluster of pictures and sound.
const webmHead = 1 << 20

// EBML IDs read here.
const (
	ebmlHeader   = 0x1A45DFA3
	ebmlDocType  = 0x4282
	ebmlSegment  = 0x18538067
	ebmlInfo     = 0x1549A966
	ebmlScale    = 0x2AD7B1
	ebmlDuration = 0x4489
	ebmlTracks   = 0x1654AE6B
	ebmlTrack    = 0xAE
	ebmlType     = 0x83
	ebmlVideo    = 0xE0
	ebmlWidth    = 0xB0
	ebmlHeight   = 0xBA
	ebmlFrameDur = 0x23E383
	ebmlCluster  = 0x1F43B675
)

// unknownSize stands for an element whose size is not written (a live recording).
const unknownSize = -1

// ebmlVint reads a variable-length integer at the start of b: its value (with the length
// marker kept when id, as IDs are written) and its length; 0 length when b does not hold one.
func ebmlVint(b []byte, id bool) (int64, int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	n := 1
	for b[0]&(0x80>>(n-1)) == 0 {
		n++
	}
	if n > len(b) || (id && n > 4) {
		return 0, 0
	}
	v := int64(b[0])
	if !id {
		v &= int64(0xFF >> n)
	}
	allOnes := v == int64(0xFF>>n)
	for _, x := range b[1:n] {
		v = v<<8 | int64(x)
		allOnes = allOnes && x == 0xFF
	}
	if !id && allOnes {
		return unknownSize, n
	}
	return v, n
}

// elements calls fn for each element in b until fn returns false, with its declared size
// (unknownSize when not written). An element whose size is unknown or runs past b is given
// what b holds of it and ends the walk.
func elements(b []byte, fn func(id int64, body []byte, size int64) bool) {
	for len(b) > 0 {
		id, n := ebmlVint(b, true)
		if n == 0 {
			return
		}
		size, m := ebmlVint(b[n:], false)
		if m == 0 {
			return
		}
		body := b[n+m:]
		if size == unknownSize || size > int64(len(body)) {
			fn(id, body, size)
			return
		}
		if !fn(id, body[:size], size) {
			return
		}
		b = body[size:]
	}
}

func ebmlUint(b []byte) uint64 {
	var v uint64
	for _, x := range b[:min(len(b), 8)] {
		v = v<<8 | uint64(x)
	}
	return v
}

func ebmlFloat(b []byte) float64 {
	switch len(b) {
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
	case 8:
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	}
	return 0
}

func probeWebM(f io.ReaderAt, size int64, c *Clip) error {
	head, err := readAt(f, 0, int(min(size, webmHead)))
	if err != nil {
		return cutShort("WebM file")
	}
	docType, segment, segSize, segAt := "", []byte(nil), int64(0), int64(0)
	elements(head, func(id int64, body []byte, n int64) bool {
		switch id {
		case ebmlHeader:
			elements(body, func(id int64, v []byte, _ int64) bool {
				if id == ebmlDocType {
					docType = string(bytes.TrimRight(v, "\x00"))
				}
				return true
			})
		case ebmlSegment:
			segment, segSize, segAt = body, n, int64(len(head)-len(body))
			return false
		}
		return true
	})
	if docType != "webm" {
		return storage.Errorf(storage.Invalid, "not a WebM file: of the Matroska family, only WebM is accepted")
	}
	// A segment's size may be unknown (a recording a browser made), but one written must fit.
	if segment == nil || (segSize != unknownSize && segAt+segSize > size) {
		return cutShort("WebM file")
	}
	var scale uint64 = 1_000_000 // nanoseconds a tick, unless Info says
	var dur float64
	tracks, video, sound := false, false, false
	elements(segment, func(id int64, body []byte, _ int64) bool {
		switch id {
		case ebmlInfo:
			elements(body, func(id int64, v []byte, _ int64) bool {
				switch id {
				case ebmlScale:
					scale = ebmlUint(v)
				case ebmlDuration:
					dur = ebmlFloat(v)
				}
				return true
			})
		case ebmlTracks:
			tracks = true
			elements(body, func(id int64, entry []byte, _ int64) bool {
				if id != ebmlTrack {
					return true
				}
				t := webmTrack(entry)
				switch {
				case t.kind == 1 && !video:
					video = true
					c.Width, c.Height = t.width, t.height
					c.FrameRate = fraction(1_000_000_000, t.frameNS)
				case t.kind == 2:
					sound = true
				}
				return true
			})
		case ebmlCluster:
			return false // pictures and sound from here on
		}
		return true
	})
	if !tracks || (!video && !sound) {
		return storage.Errorf(storage.Invalid, "not a playable WebM file: it has no tracks")
	}
	if dur > 0 && scale > 0 {
		c.Duration = dur * float64(scale) / 1e9
	}
	if !video {
		c.MediaType = "audio/webm"
	}
	c.Silent = video && !sound
	return nil
}

// webmTrackInfo is what probeWebM reads of a TrackEntry: its type (1 video, 2 audio), the
// picture's size and the nanoseconds a frame.
type webmTrackInfo struct {
	kind, frameNS uint64
	width, height int
}

func webmTrack(entry []byte) webmTrackInfo {
	var t webmTrackInfo
	elements(entry, func(id int64, v []byte, _ int64) bool {
		switch id {
		case ebmlType:
			t.kind = ebmlUint(v)
		case ebmlFrameDur:
			t.frameNS = ebmlUint(v)
		case ebmlVideo:
			elements(v, func(id int64, v []byte, _ int64) bool {
				switch id {
				case ebmlWidth:
					t.width = int(min(ebmlUint(v), 1<<20))
				case ebmlHeight:
					t.height = int(min(ebmlUint(v), 1<<20))
				}
				return true
			})
		}
		return true
	})
	return t
}

// probeWAV reads the fmt and data chunks of a WAV file: its duration is the data's length
// over the bytes a second.
func probeWAV(f io.ReaderAt, size int64, c *Clip) error {
	var byteRate uint32
	off := int64(12)
	for i := 0; i < 64 && off+8 <= size; i++ {
		hdr, err := readAt(f, off, 8)
		if err != nil {
			return cutShort("WAV file")
		}
		n := int64(binary.LittleEndian.Uint32(hdr[4:]))
		switch string(hdr[:4]) {
		case "fmt ":
			if n < 16 || off+8+n > size {
				return cutShort("WAV file")
			}
			b, err := readAt(f, off+8, 16)
			if err != nil {
				return cutShort("WAV file")
			}
			byteRate = binary.LittleEndian.Uint32(b[8:])
		case "data":
			if byteRate == 0 {
				return storage.Errorf(storage.Invalid, "not a playable WAV file: no format before the sound")
			}
			switch {
			case n == 0 || n == math.MaxUint32: // written while recording: to the end
				n = size - off - 8
			case off+8+n > size:
				return cutShort("WAV file")
			}
			c.Duration = float64(n) / float64(byteRate)
			return nil
		}
		off += 8 + n + n%2 // chunks are padded to an even length
	}
	return storage.Errorf(storage.Invalid, "not a playable WAV file: it has no sound")
}

// probeFLAC reads the STREAMINFO block, the first of every FLAC file: the sample rate and
// the number of samples, when the encoder knew it.
func probeFLAC(f io.ReaderAt, size int64, c *Clip) error {
	if size < 8+34 {
		return cutShort("FLAC file")
	}
	b, err := readAt(f, 4, 4+34)
	if err != nil || b[0]&0x7F != 0 {
		return storage.Errorf(storage.Invalid, "not a playable FLAC file: it starts without its stream information")
	}
	x := binary.BigEndian.Uint64(b[4+10:])
	rate, samples := x>>44, x&(1<<36-1)
	if rate > 0 && samples > 0 {
		c.Duration = float64(samples) / float64(rate)
	}
	return nil
}

// probeMP3 checks that MPEG audio frames start where the ID3 tag (if any) ends.
func probeMP3(f io.ReaderAt, size int64) error {
	off := int64(0)
	if hdr, err := readAt(f, 0, int(min(size, 10))); err == nil && len(hdr) == 10 && string(hdr[:3]) == "ID3" {
		// The tag's size is written in four bytes of seven bits each.
		n := int64(hdr[6]&0x7F)<<21 | int64(hdr[7]&0x7F)<<14 | int64(hdr[8]&0x7F)<<7 | int64(hdr[9]&0x7F)
		off = 10 + n
		if hdr[5]&0x10 != 0 {
			off += 10 // a footer
		}
	}
	b, err := readAt(f, off, 4)
	for i := 0; err == nil && b[0] == 0 && i < 4096; i++ { // some taggers pad with zeros
		off++
		b, err = readAt(f, off, 4)
	}
	if err != nil || !mpegFrame(b) {
		return storage.Errorf(storage.Invalid, "not a playable MP3 file: no sound after its tag")
	}
	return nil
}

// ClipTypes lists the types of video and audio an upload may be, sorted.
func ClipTypes() []string { return slices.Sorted(maps.Keys(clipTypes)) }
