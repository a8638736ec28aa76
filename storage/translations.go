package storage

import (
	"context"
	"time"
)

// Translation is a note machine-translated into one language, kept so that the
// translation service is asked once per note, version and language.
type Translation struct {
	NoteID int64
	// Version is the version of the note that was translated (its edit time, or its
	// publication time before any edit, as the caller writes it): a translation of an
	// older version is never given for a newer one.
	Version string
	Target  string // the language translated into, as the reader asked for it
	Source  string // the language translated from: the note's, or what the service detected
	Content string // sanitized HTML
	Summary string // the content warning, translated
	// Media is the descriptions of the note's attachments, translated: those that have one.
	Media    []TranslatedMedia
	Provider string // the service that translated it
	Created  time.Time
}

// TranslatedMedia is an attachment's description, translated.
type TranslatedMedia struct {
	MediaID     int64
	Description string
}

// TranslationReader reads kept translations.
type TranslationReader interface {
	// GetTranslation returns the translation of version of note noteID into target;
	// NotFound when there is none.
	GetTranslation(ctx context.Context, noteID int64, version, target string) (*Translation, error)
}

// TranslationWriter keeps translations.
type TranslationWriter interface {
	// PutTranslation keeps t, replacing one of the same note, version and target, and
	// removes the note's translations of other versions: they are of text it no longer
	// has.
	PutTranslation(ctx context.Context, t *Translation) error
}
