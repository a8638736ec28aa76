package translate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// Store is what the service needs of the database: the kept translations, and a
// transaction to keep a new one.
type Store interface {
	storage.TranslationReader
	Update(ctx context.Context, fn func(tx storage.Tx) error) error
}

// DefaultProvider names the service in the "translated by" line and the API's provider
// field when the admin gave no other name.
const DefaultProvider = "LibreTranslate"

// languagesTTL is how long the server's list of languages is used before it is asked
// again (a server gains languages only when its admin installs them).
const languagesTTL = time.Hour

// Service translates notes for readers, keeping each translation. A nil Service, or one
// without a Client, is translation turned off.
type Service struct {
	DB       Store
	Client   *Client
	Provider string           // "" means DefaultProvider
	Now      func() time.Time // nil means time.Now

	mu      sync.Mutex
	langs   []Language
	langsAt time.Time
}

// Errors of Translate besides the service's own (Transient).
var (
	ErrOff          = storage.Errorf(storage.Forbidden, "Translation is not set up on this server")
	ErrSameLanguage = storage.Errorf(storage.Forbidden, "This post is already in the language asked for")
	ErrNothing      = storage.Errorf(storage.Forbidden, "This post has no text to translate")
)

// errTimeout marks a call that ran out of its time, for the message a reader is shown.
var errTimeout = errors.New("timed out")

// Enabled reports whether translation is configured.
func (s *Service) Enabled() bool { return s != nil && s.Client != nil }

// ProviderName is the name shown for the service.
func (s *Service) ProviderName() string {
	if s == nil || s.Provider == "" {
		return DefaultProvider
	}
	return s.Provider
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) timeout() time.Duration {
	if s.Client.Timeout > 0 {
		return s.Client.Timeout
	}
	return DefaultTimeout
}

// Translate gives note n, which the caller checked the reader may read, in language
// target: the kept translation of the note as it is now when there is one, else the
// server's, kept for the next reader. The whole of it takes at most the client's time
// bound. The content warning and the attachments' descriptions are translated too.
// Errors: ErrOff, ErrSameLanguage, ErrNothing; Invalid for a target that is not a
// language tag; Forbidden for a language the server does not translate into; Transient
// when the server is down, slow or answers nonsense.
func (s *Service) Translate(ctx context.Context, n *storage.Note, target string) (*storage.Translation, error) {
	if !s.Enabled() {
		return nil, ErrOff
	}
	target = strings.TrimSpace(target)
	if !isTag(target) {
		return nil, storage.Errorf(storage.Invalid, "lang %q: give a language, such as en or zh-Hans", target)
	}
	if SameLanguage(n.Language, target) {
		return nil, ErrSameLanguage
	}
	if !hasText(n) {
		return nil, ErrNothing
	}
	version := Version(n)
	if t, err := s.DB.GetTranslation(ctx, n.ID, version, target); err == nil {
		return t, nil
	} else if storage.KindOf(err) != storage.NotFound {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	langs, err := s.languages(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	source := "auto"
	if code := codeIn(langs, n.Language); code != "" {
		source = code
	}
	to := codeIn(langs, target)
	if to == "" || (source != "auto" && !canTranslate(langs, source, to)) {
		return nil, storage.Errorf(storage.Forbidden, "The translation service does not translate this post's language into %s", target)
	}
	content, err := s.Client.Translate(ctx, n.Content, source, to, "html")
	if err != nil {
		return nil, unavailable(err)
	}
	t := &storage.Translation{NoteID: n.ID, Version: version, Target: target, Source: n.Language,
		Content: federation.SanitizeHTML(content.Text), Provider: s.ProviderName(), Created: s.now()}
	if t.Source == "" {
		t.Source = content.Detected
	}
	if n.Summary != "" {
		summary, err := s.Client.Translate(ctx, n.Summary, source, to, "text")
		if err != nil {
			return nil, unavailable(err)
		}
		t.Summary = federation.PlainText(summary.Text)
	}
	for _, m := range n.Media {
		if strings.TrimSpace(m.Description) == "" {
			continue
		}
		d, err := s.Client.Translate(ctx, m.Description, source, to, "text")
		if err != nil {
			return nil, unavailable(err)
		}
		t.Media = append(t.Media, storage.TranslatedMedia{MediaID: m.ID, Description: federation.PlainText(d.Text)})
	}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutTranslation(ctx, t) }); err != nil {
		return nil, fmt.Errorf("keep translation of note %d: %w", n.ID, err)
	}
	return t, nil
}

// Languages maps each language the server translates from to those it translates into,
// as Mastodon's /api/v1/instance/translation_languages gives them; empty when translation
// is off. Transient when the server cannot say.
func (s *Service) Languages(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	if !s.Enabled() {
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	langs, err := s.languages(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	for _, l := range langs {
		targets := []string{}
		for _, t := range l.Targets {
			if t != l.Code {
				targets = append(targets, t)
			}
		}
		sort.Strings(targets)
		out[l.Code] = targets
	}
	return out, nil
}

// languages is the server's list of languages, asked again after languagesTTL; when the
// server cannot be asked then, the list it gave before is used.
func (s *Service) languages(ctx context.Context) ([]Language, error) {
	s.mu.Lock()
	langs, at := s.langs, s.langsAt
	s.mu.Unlock()
	if langs != nil && s.now().Sub(at) < languagesTTL {
		return langs, nil
	}
	fresh, err := s.Client.Languages(ctx)
	if err != nil {
		if langs != nil {
			return langs, nil
		}
		return nil, err
	}
	s.mu.Lock()
	s.langs, s.langsAt = fresh, s.now()
	s.mu.Unlock()
	return fresh, nil
}

// unavailable is err as a reader is told of it.
func unavailable(err error) error {
	if errors.Is(err, errTimeout) || errors.Is(err, context.DeadlineExceeded) {
		return storage.Wrap(storage.Transient, err, "The translation service did not answer in time; try again later")
	}
	return storage.Wrap(storage.Transient, err, "The translation service is unavailable; try again later")
}

// Version is the version of n a translation is kept for: when it was last edited, or
// published when it never was.
func Version(n *storage.Note) string {
	at := n.Published
	if n.Updated.After(at) {
		at = n.Updated
	}
	return at.UTC().Format(time.RFC3339Nano)
}

// hasText reports whether n has any text to translate: content, a content warning or an
// attachment's description.
func hasText(n *storage.Note) bool {
	if strings.TrimSpace(federation.PlainText(n.Content)) != "" || strings.TrimSpace(n.Summary) != "" {
		return true
	}
	for _, m := range n.Media {
		if strings.TrimSpace(m.Description) != "" {
			return true
		}
	}
	return false
}
