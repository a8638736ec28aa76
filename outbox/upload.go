package outbox

import (
	"bytes"
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"refuge/outbox/media"
	"refuge/storage"
)

// SaveUpload stores a file uploaded by a local account to attach to a post: an image, or a
// video or audio file, whatever its bytes say it is (never its name or a type the client
// gave); anything else is Invalid. An image, at most media.MaxUploadBytes, is made safe by
// media.Process (within the pixel limits, re-encoded without its metadata, with a thumbnail
// and a blurhash). Video and audio, within media.MaxVideoBytes and media.MaxAudioBytes, are
// copied to disk as uploaded, a piece at a time, and read cheaply by media.Probe for their
// size, duration and frame rate; one larger is TooLarge. The files go under the data
// folder's media directory with random names and the media row is created unattached;
// PostNote attaches it by ID. On error nothing stays, row or file.
func (s *Service) SaveUpload(ctx context.Context, dataDir string, owner *storage.Actor, r io.Reader, alt string) (*storage.Media, error) {
	return s.saveUpload(ctx, dataDir, owner, r, alt, false)
}

// SaveImage stores an image as SaveUpload does, and refuses anything else: a profile's
// avatar and header are pictures.
func (s *Service) SaveImage(ctx context.Context, dataDir string, owner *storage.Actor, r io.Reader, alt string) (*storage.Media, error) {
	return s.saveUpload(ctx, dataDir, owner, r, alt, true)
}

func (s *Service) saveUpload(ctx context.Context, dataDir string, owner *storage.Actor, r io.Reader, alt string, imageOnly bool) (*storage.Media, error) {
	alt = strings.TrimSpace(alt)
	if err := checkDescription(alt); err != nil {
		return nil, err
	}
	if owner == nil || !owner.Local {
		return nil, storage.Errorf(storage.Forbidden, "only local accounts upload")
	}
	m, err := s.SaveMediaFile(ctx, dataDir, r, imageOnly)
	if err != nil {
		return nil, err
	}
	m.ActorID, m.Description, m.Created = owner.ID, alt, s.now()
	dir := media.Dir(dataDir)
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.CreateMedia(ctx, m) }); err != nil {
		media.Remove(dir, m.Path, m.ThumbPath)
		return nil, err
	}
	return m, nil
}

// SaveMediaFile makes the file of an upload from r as SaveUpload does (an image re-encoded,
// video and audio checked and copied; anything else Invalid) and returns what its row would
// hold, without storing the row: the caller stores it, or removes the files
// (media.Remove(media.Dir(dataDir), m.Path, m.ThumbPath)). An archive import uses it, so that
// its media get exactly the checks uploads get.
func (s *Service) SaveMediaFile(ctx context.Context, dataDir string, r io.Reader, imageOnly bool) (*storage.Media, error) {
	head := make([]byte, media.SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, storage.Wrap(storage.Invalid, err, "the upload could not be read")
	}
	head = head[:n]
	dir := media.Dir(dataDir)
	m := &storage.Media{Created: s.now()}
	switch t := media.Sniff(head); {
	case media.IsImage(t):
		data, err := media.ReadUpload(io.MultiReader(bytes.NewReader(head), r))
		if err != nil {
			return nil, err
		}
		img, err := media.Process(ctx, data)
		if err != nil {
			return nil, err
		}
		if m.Path, m.ThumbPath, err = img.Save(dir); err != nil {
			return nil, err
		}
		m.MediaType, m.Blurhash, m.Width, m.Height = img.MediaType, img.Blurhash, img.Width, img.Height
	case t != "" && !imageOnly:
		clip, name, err := media.SaveClip(dir, head, r, t)
		if err != nil {
			return nil, err
		}
		m.Path, m.MediaType, m.Width, m.Height = name, clip.MediaType, clip.Width, clip.Height
		m.Duration, m.FrameRate, m.Silent = clip.Duration, clip.FrameRate, clip.Silent
	case imageOnly:
		return nil, storage.Errorf(storage.Invalid, "not an image: only JPEG, PNG, GIF and WebP images are accepted")
	default:
		return nil, storage.Errorf(storage.Invalid, "not an image, video or audio file of a kind accepted: images "+
			"(JPEG, PNG, GIF, WebP), video (MP4, MOV, WebM) and audio (MP3, Ogg, WAV, M4A, FLAC, WebM)")
	}
	m.URL = s.uris().Media(m.Path)
	return m, nil
}

// Upload returns the upload id of owner, attached or not; NotFound for anyone else's, so
// that an id reveals nothing of other accounts' media.
func (s *Service) Upload(ctx context.Context, owner *storage.Actor, id int64) (*storage.Media, error) {
	m, err := s.DB.GetMedia(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.ActorID != owner.ID {
		return nil, storage.Errorf(storage.NotFound, "media not found")
	}
	return m, nil
}

// PendingUpload returns owner's upload id that no note has taken yet: what a compose form
// refused earlier kept for the next try. Anyone else's, or one already posted, is NotFound,
// so that a form can neither attach nor drop it.
func (s *Service) PendingUpload(ctx context.Context, owner *storage.Actor, id int64) (*storage.Media, error) {
	m, err := s.Upload(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	if m.NoteID != 0 {
		return nil, storage.Errorf(storage.NotFound, "media not found")
	}
	return m, nil
}

// DescribeUpload sets the description of owner's upload id, not yet posted, within the
// limit SaveUpload keeps; a posted image is described anew by editing its note.
func (s *Service) DescribeUpload(ctx context.Context, owner *storage.Actor, id int64, alt string) (*storage.Media, error) {
	alt = strings.TrimSpace(alt)
	if err := checkDescription(alt); err != nil {
		return nil, err
	}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DescribeMedia(ctx, id, owner.ID, alt) }); err != nil {
		return nil, err
	}
	return s.Upload(ctx, owner, id)
}

// checkDescription refuses an image description that is not text within the limit.
func checkDescription(alt string) error {
	if !utf8.ValidString(alt) || utf8.RuneCountInString(alt) > media.MaxDescriptionChars {
		return storage.Errorf(storage.Invalid, "a description must be text of at most %d characters", media.MaxDescriptionChars)
	}
	return nil
}

// DiscardUpload deletes an upload that no note took (its post failed), row and files.
func (s *Service) DiscardUpload(ctx context.Context, dataDir string, m *storage.Media) error {
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteMedia(ctx, m.ID) }); err != nil {
		return err
	}
	media.Remove(media.Dir(dataDir), m.Path, m.ThumbPath)
	return nil
}

// UploadGrace is how long an upload that no note took is kept: the web form uploads and
// posts in one request, so an older one is what a crash between the two left behind.
const UploadGrace = 24 * time.Hour

// RemoveOrphanUploads deletes what crashes left of uploads older than UploadGrace: media rows
// that no note took, with their files, and files in the media folder that no row names (a
// crash between writing the files and storing the row). It reports how many rows and files
// went.
func (s *Service) RemoveOrphanUploads(ctx context.Context) (rows, files int, err error) {
	before, dir := s.now().Add(-UploadGrace), media.Dir(s.DataDir)
	var gone []storage.Media
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		gone, err = tx.DeleteOrphanMedia(ctx, before)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	if s.DataDir == "" {
		return len(gone), 0, nil // no folder of uploads to clean
	}
	for _, m := range gone {
		media.Remove(dir, m.Path, m.ThumbPath)
	}
	// Listed after the rows: a file written since is younger than the grace, so skipped.
	stale, err := media.Stale(dir, before)
	if err != nil || len(stale) == 0 {
		return len(gone), 0, err
	}
	used, err := s.DB.ListMediaFiles(ctx)
	if err != nil {
		return len(gone), 0, err
	}
	known := make(map[string]bool, len(used))
	for _, name := range used {
		known[name] = true
	}
	for _, name := range stale {
		if !known[name] {
			media.RemoveStale(dir, name)
			files++
		}
	}
	return len(gone), files, nil
}
