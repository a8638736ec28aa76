package outbox

import (
	"context"
	"fmt"

	"refuge/outbox/language"
	"refuge/storage"
)

// The language of a local post, decided here for every way of posting (the web's compose
// form, the client API, the client-to-server outbox) and of editing. Remote posts keep
// what their servers said, as Mastodon does: their authors chose there, or did not, and a
// guess made here would travel no further than this instance's pages.

// postLanguage is the language a new note is stored with, the first of: the one its author
// chose (or the first of its contentMap's); for a reply, the language of the note it
// answers, as a conversation goes on in its language; the account's posting default
// (Mastodon's source[language]); the language its text is detected in. "" when none
// tells, as for a text too short to tell.
func (s *Service) postLanguage(ctx context.Context, author *storage.Actor, in NoteInput, parent *storage.Note) (string, error) {
	switch {
	case in.Language != "":
		return in.Language, nil
	case len(in.ContentMap) > 0:
		return firstLanguage(in.ContentMap, ""), nil
	case parent != nil && parent.Language != "":
		return parent.Language, nil
	}
	defaults, err := s.DB.GetPostingDefaults(ctx, author.ID)
	if err != nil {
		return "", fmt.Errorf("posting defaults: %w", err)
	}
	if defaults.Language != "" {
		return defaults.Language, nil
	}
	return language.Detect(in.Content), nil
}

// editLanguage is the language of note n once edited to in: the one the edit chooses;
// else, when the note's language was never chosen (it has none, or the one its old text
// is detected in), the one its new text is detected in, unless that text is too short to
// tell; else the note's.
func editLanguage(n *storage.Note, in NoteInput) string {
	if in.Language != "" {
		return in.Language
	}
	old := n.Source
	if old == "" {
		old = n.Content // posted before the source was kept: its HTML, which detection strips
	}
	if n.Language == "" || n.Language == language.Detect(old) {
		if detected := language.Detect(in.Content); detected != "" {
			return detected
		}
	}
	return n.Language
}
