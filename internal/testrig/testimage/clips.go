package testimage

// Small but well-formed video and audio files, written byte by byte as their formats lay them
// out: enough container for a reader of sizes and durations, and a few bytes standing for
// the pictures and sound, which nothing in Refuge decodes.

import (
	"bytes"
	"encoding/binary"
	"math"
)

// MP4 describes an MP4 (or QuickTime) file to write: its brand, the picture's size (no
// picture track when 0), frames and length, whether it has sound, and whether the picture is
// turned a quarter (as a phone held upright records).
type MP4 struct {
	Brand         string // "isom" when empty; "qt  " for QuickTime, "M4A " for audio
	Width, Height int
	Frames        int
	Seconds       float64
	Sound         bool
	Turned        bool
	Mdat          int // bytes of stand-in media data, after the moov box
}

// Bytes writes the file: ftyp, moov (mvhd, a trak per track), mdat.
func (m MP4) Bytes() []byte {
	brand := m.Brand
	if brand == "" {
		brand = "isom"
	}
	const scale = 1000
	dur := uint32(math.Round(m.Seconds * scale))
	ftyp := box("ftyp", []byte(brand), u32(0x200), []byte(brand), []byte("mp41"))
	mvhd := box("mvhd", u32(0), u32(0), u32(0), u32(scale), u32(dur), u32(0x00010000), []byte{1, 0}, make([]byte, 10),
		matrix(false), make([]byte, 24), u32(3))
	moov := [][]byte{mvhd}
	if m.Width > 0 {
		moov = append(moov, trak(1, "vide", m.Width, m.Height, m.Turned, uint32(m.Frames), scale, dur))
	}
	if m.Sound {
		moov = append(moov, trak(2, "soun", 0, 0, false, 0, 44100, uint32(m.Seconds*44100)))
	}
	return bytes.Join([][]byte{ftyp, box("moov", moov...), box("mdat", make([]byte, m.Mdat))}, nil)
}

func trak(id uint32, handler string, w, h int, turned bool, frames, scale, dur uint32) []byte {
	tkhd := box("tkhd", u32(3), u32(0), u32(0), u32(id), u32(0), u32(dur), make([]byte, 8), make([]byte, 8),
		matrix(turned), u32(uint32(w)<<16), u32(uint32(h)<<16))
	mdhd := box("mdhd", u32(0), u32(0), u32(0), u32(scale), u32(dur), make([]byte, 4))
	hdlr := box("hdlr", u32(0), u32(0), []byte(handler), make([]byte, 12), []byte{0})
	var stts []byte
	if frames > 0 {
		stts = box("stts", u32(0), u32(1), u32(frames), u32(dur/frames))
	} else {
		stts = box("stts", u32(0), u32(0))
	}
	return box("trak", tkhd, box("mdia", mdhd, hdlr, box("minf", box("stbl", stts))))
}

// matrix is the transformation of a track: none, or a quarter turn.
func matrix(turned bool) []byte {
	if turned {
		return bytes.Join([][]byte{u32(0), u32(0x00010000), u32(0), u32(0xFFFF0000), u32(0), u32(0), u32(0), u32(0), u32(0x40000000)}, nil)
	}
	return bytes.Join([][]byte{u32(0x00010000), u32(0), u32(0), u32(0), u32(0x00010000), u32(0), u32(0), u32(0), u32(0x40000000)}, nil)
}

func box(typ string, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	return bytes.Join([][]byte{u32(uint32(8 + len(body))), []byte(typ), body}, nil)
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// WebM describes a WebM file to write: the picture's size (no video track when 0), the
// nanoseconds a frame, its length, whether it has sound, and whether the Segment's size is
// left unknown, as a browser's recording leaves it.
type WebM struct {
	Width, Height int
	FrameNS       uint64
	Seconds       float64
	Sound         bool
	Live          bool
	DocType       string // "webm" when empty
}

// Bytes writes the file: the EBML header, then a Segment of Info, Tracks and one Cluster.
func (m WebM) Bytes() []byte {
	doc := m.DocType
	if doc == "" {
		doc = "webm"
	}
	header := ebml(0x1A45DFA3, ebml(0x4286, []byte{1}), ebml(0x4282, []byte(doc)))
	info := ebml(0x1549A966, ebml(0x2AD7B1, uintBytes(1_000_000)),
		ebml(0x4489, binary.BigEndian.AppendUint64(nil, math.Float64bits(m.Seconds*1000))))
	var entries [][]byte
	if m.Width > 0 {
		entries = append(entries, ebml(0xAE, ebml(0xD7, []byte{1}), ebml(0x83, []byte{1}), ebml(0x23E383, uintBytes(m.FrameNS)),
			ebml(0xE0, ebml(0xB0, uintBytes(uint64(m.Width))), ebml(0xBA, uintBytes(uint64(m.Height))))))
	}
	if m.Sound {
		entries = append(entries, ebml(0xAE, ebml(0xD7, []byte{2}), ebml(0x83, []byte{2})))
	}
	body := bytes.Join([][]byte{info, ebml(0x1654AE6B, entries...), ebml(0x1F43B675, ebml(0xE7, []byte{0}), make([]byte, 64))}, nil)
	var segment []byte
	if m.Live {
		segment = bytes.Join([][]byte{{0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, body}, nil)
	} else {
		segment = ebml(0x18538067, body)
	}
	return append(header, segment...)
}

// ebml writes an element: its ID, its size in eight bytes, its body.
func ebml(id uint32, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	idBytes := binary.BigEndian.AppendUint32(nil, id)
	for len(idBytes) > 1 && idBytes[0] == 0 {
		idBytes = idBytes[1:]
	}
	size := binary.BigEndian.AppendUint64(nil, uint64(len(body)))
	size[0] = 0x01
	return bytes.Join([][]byte{idBytes, size, body}, nil)
}

func uintBytes(v uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, v)
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// WAV is a mono 16-bit WAV file of 8000 samples a second, seconds long.
func WAV(seconds float64) []byte {
	data := make([]byte, int(seconds*8000)*2)
	le := binary.LittleEndian
	b := []byte("RIFF")
	b = le.AppendUint32(b, uint32(36+len(data)))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 1)     // PCM
	b = le.AppendUint16(b, 1)     // one channel
	b = le.AppendUint32(b, 8000)  // samples a second
	b = le.AppendUint32(b, 16000) // bytes a second
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// OggOpus is the first page of an Ogg Opus stream, and a few bytes after it.
func OggOpus() []byte {
	head := append([]byte("OpusHead"), 1, 2, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0)
	b := []byte("OggS")
	b = append(b, 0, 2)               // version, first page
	b = append(b, make([]byte, 8)...) // granule position
	b = append(b, 1, 0, 0, 0)         // serial
	b = append(b, make([]byte, 8)...) // sequence, checksum
	b = append(b, 1, byte(len(head))) // one segment
	b = append(b, head...)
	return append(b, make([]byte, 32)...)
}

// FLAC is a FLAC file's STREAMINFO for samples at rate, and a few bytes standing for frames.
func FLAC(rate, samples uint64) []byte {
	b := append([]byte("fLaC"), 0x80, 0, 0, 34) // the last metadata block: STREAMINFO, 34 bytes
	b = binary.BigEndian.AppendUint16(b, 4096)
	b = binary.BigEndian.AppendUint16(b, 4096)
	b = append(b, 0, 0, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint64(b, rate<<44|15<<36|samples) // mono (0), 16 bits (15)
	b = append(b, make([]byte, 16)...)                            // MD5
	return append(b, make([]byte, 64)...)
}

// MP3 is an ID3 tag of tag bytes and then MPEG audio frames (MPEG-1 layer III, 128 kbit/s,
// 44.1 kHz).
func MP3(tag int) []byte {
	b := []byte("ID3")
	b = append(b, 3, 0, 0, byte(tag>>21&0x7F), byte(tag>>14&0x7F), byte(tag>>7&0x7F), byte(tag&0x7F))
	b = append(b, make([]byte, tag)...)
	frame := append([]byte{0xFF, 0xFB, 0x90, 0x64}, make([]byte, 413)...)
	return append(b, bytes.Repeat(frame, 3)...)
}
