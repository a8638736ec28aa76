package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"refuge/storage"
)

// Limits on an archive, so that a small file cannot make the import read, write or hold
// without end (a file bomb). A real archive of a long-lived account with many pictures stays
// well within them: Mastodon keeps each image under 16 MB and each video under 99 MB.
const (
	// MaxEntries is how many files and folders an archive may hold.
	MaxEntries = 200_000
	// MaxEntryBytes is the largest one file may be once uncompressed.
	MaxEntryBytes = 200 << 20
	// MaxJSONBytes is the largest actor.json, outbox.json, likes.json or bookmarks.json may
	// be: outbox.json of 10,000 posts is about 20 MB, and it is read a post at a time.
	MaxJSONBytes = 128 << 20
	// MaxTotalBytes is how much every file of the archive may hold together, uncompressed.
	MaxTotalBytes = 8 << 30
	// MaxRatio is how many times larger than its compressed form a file (zip) or the
	// archive read so far (tar.gz) may be, beyond the first MiB: text compresses ten times,
	// pictures hardly at all; a bomb a thousand times and more.
	MaxRatio = 100
)

// refuse is the error of an archive that is not imported, with the reason.
func refuse(format string, args ...any) error {
	return storage.Errorf(storage.Invalid, "archive refused: "+format, args...)
}

// Archive is an open archive file, .zip or .tar.gz, checked entry by entry as it is read.
type Archive struct {
	f   *os.File
	zip *zip.Reader // nil for a .tar.gz, which is read from the start each time
}

// Open opens the archive at path: a .zip, whose directory is checked at once (names, kinds,
// sizes, ratios, count), or a .tar.gz, whose entries are checked as Walk reaches them.
// Anything else is refused.
func Open(name string) (*Archive, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "archive cannot be opened")
	}
	a := &Archive{f: f}
	if err := a.open(); err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

func (a *Archive) open() error {
	st, err := a.f.Stat()
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	head := make([]byte, 4)
	if _, err := io.ReadFull(a.f, head); err != nil {
		return refuse("not a .zip or .tar.gz file (it is too short)")
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		zr, err := zip.NewReader(a.f, st.Size())
		if err != nil {
			return refuse("damaged .zip file (%v)", err)
		}
		if len(zr.File) > MaxEntries {
			return refuse("more than %d entries", MaxEntries)
		}
		var total uint64
		for _, zf := range zr.File {
			if err := checkEntry(zf.Name, zf.Mode()); err != nil {
				return err
			}
			if zf.UncompressedSize64 > MaxEntryBytes {
				return refuse("%s is larger than %d MiB uncompressed", zf.Name, MaxEntryBytes>>20)
			}
			if zf.UncompressedSize64 > 1<<20 && zf.UncompressedSize64 > MaxRatio*zf.CompressedSize64 {
				return refuse("%s expands more than %d times (a file bomb?)", zf.Name, MaxRatio)
			}
			if total += zf.UncompressedSize64; total > MaxTotalBytes {
				return refuse("more than %d GiB uncompressed", MaxTotalBytes>>30)
			}
		}
		a.zip = zr
		return nil
	case head[0] == 0x1f && head[1] == 0x8b:
		return nil
	}
	return refuse("not a .zip or .tar.gz file")
}

// Close closes the archive file.
func (a *Archive) Close() error { return a.f.Close() }

// checkEntry refuses a name that could land outside the folder it is unpacked in, or an
// entry that is not a plain file or folder (a link, a device).
func checkEntry(name string, mode fs.FileMode) error {
	clean := strings.TrimSuffix(name, "/")
	switch {
	case name == "" || clean == "":
		return refuse("an entry has no name")
	case strings.ContainsAny(name, "\\\x00"):
		return refuse("entry %q: a backslash or NUL in a path", name)
	case strings.HasPrefix(name, "/") || len(name) > 1 && name[1] == ':':
		return refuse("entry %q: an absolute path", name)
	case path.Clean(clean) != clean || clean == ".." || strings.HasPrefix(clean, "../") || clean == ".":
		return refuse("entry %q: a path that leaves the archive or is not plain", name)
	case mode&fs.ModeSymlink != 0:
		return refuse("entry %q is a symbolic link", name)
	case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
		return refuse("entry %q is not a plain file", name)
	}
	return nil
}

// Walk calls fn for each plain file of the archive whose name want accepts, in the archive's
// order, with its contents (which fn need not read to the end). A .tar.gz is read from its
// start, and every entry of it is checked on the way (see the limits); a damaged or
// truncated archive is refused when reached.
func (a *Archive) Walk(ctx context.Context, want func(name string) bool, fn func(name string, r io.Reader) error) error {
	if a.zip != nil {
		for _, zf := range a.zip.File {
			if zf.Mode().IsDir() || !want(zf.Name) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			rc, err := zf.Open()
			if err != nil {
				return refuse("%s cannot be read (%v)", zf.Name, err)
			}
			err = fn(zf.Name, &entryReader{r: rc, name: zf.Name})
			rc.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := a.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	compressed := &countingReader{r: a.f}
	gz, err := gzip.NewReader(compressed)
	if err != nil {
		return refuse("damaged .tar.gz file (%v)", err)
	}
	uncompressed := &countingReader{r: gz}
	ratio := func() error {
		if u := uncompressed.n; u > 1<<20 && u > MaxRatio*compressed.n {
			return refuse("it expands more than %d times (a file bomb?)", MaxRatio)
		}
		if uncompressed.n > MaxTotalBytes {
			return refuse("more than %d GiB uncompressed", MaxTotalBytes>>30)
		}
		return nil
	}
	tr := tar.NewReader(uncompressed)
	for entries := 0; ; entries++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if rerr := ratio(); rerr != nil {
				return rerr
			}
			return refuse("damaged or truncated .tar.gz file (%v)", err)
		}
		if entries >= MaxEntries {
			return refuse("more than %d entries", MaxEntries)
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeDir:
		case tar.TypeSymlink:
			return refuse("entry %q is a symbolic link", h.Name)
		case tar.TypeLink:
			return refuse("entry %q is a hard link", h.Name)
		default:
			return refuse("entry %q is not a plain file (type %q)", h.Name, h.Typeflag)
		}
		if err := checkEntry(h.Name, 0); err != nil {
			return err
		}
		if h.Size > MaxEntryBytes {
			return refuse("%s is larger than %d MiB uncompressed", h.Name, MaxEntryBytes>>20)
		}
		if h.Typeflag == tar.TypeReg && want(h.Name) {
			if err := fn(h.Name, &entryReader{r: tr, name: h.Name, check: ratio}); err != nil {
				return err
			}
		}
		// What fn left unread is read by Next, a piece at a time, and counted all the same.
		if _, err := io.Copy(io.Discard, &entryReader{r: tr, name: h.Name, check: ratio}); err != nil {
			return err
		}
	}
}

// entryReader reads one entry, turning a read error into a refusal and checking the whole
// archive's ratio as it goes.
type entryReader struct {
	r     io.Reader
	name  string
	check func() error
}

func (e *entryReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if e.check != nil {
		if cerr := e.check(); cerr != nil {
			return n, cerr
		}
	}
	if err != nil && err != io.EOF && storage.KindOf(err) != storage.Invalid {
		return n, refuse("%s is damaged or truncated (%v)", e.name, err)
	}
	return n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
