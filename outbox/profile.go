package outbox

import (
	"context"
	"html"
	"mime/multipart"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"refuge/federation"
	"refuge/storage"
)

// ProfileInput is what an account may change about itself. Summary and the fields' values
// are text as the person typed it; UpdateProfile makes their HTML.
type ProfileInput struct {
	Name, Summary     string
	Locked            bool
	Fields            []storage.Field // Name and Value (typed text); Source is not read
	IconURL, ImageURL string          // "" keeps the current one
	// RemoveIcon and RemoveImage take the avatar or header away (the default pictures are
	// shown again); a new IconURL or ImageURL wins over them.
	RemoveIcon, RemoveImage bool
	// Bot and Discoverable, when set, change the account's type (a Service is a bot) and
	// whether it is offered to be found; Indexable, whether its public posts may be found
	// by the full-text search of anyone; nil keeps them.
	Bot, Discoverable, Indexable *bool
	// Defaults, when set, replaces what the account posts with when a client does not say.
	Defaults *storage.PostingDefaults
}

// ProfileOf is the input that keeps a's profile as it is: what the edit form shows. A bio or
// field saved before its typed text was kept is read back from its HTML (TypedText).
func ProfileOf(a *storage.Actor) ProfileInput {
	in := ProfileInput{Name: a.Name, Summary: a.SummarySource, Locked: a.Locked}
	if in.Summary == "" {
		in.Summary = TypedText(a.Summary)
	}
	for _, f := range a.Fields {
		value := f.Source
		if value == "" {
			value = TypedText(f.Value)
		}
		in.Fields = append(in.Fields, storage.Field{Name: f.Name, Value: value})
	}
	return in
}

// UpdateProfile changes actor's profile: the typed text is kept and rendered as a post is
// (links, mentions, hashtags), the instance's custom emoji that the name, bio and fields
// say are tagged (Actor.Emojis, as Mastodon tags them), and Update{Person} goes to the
// followers. An account unlocked accepts the follow requests waiting. Input that
// changes nothing stores nothing and sends nothing; a change that leaves the actor's
// document as it was (only the typed text differs) is stored without an Update.
func (s *Service) UpdateProfile(ctx context.Context, actor *storage.Actor, in ProfileInput) (*storage.Actor, error) {
	if len([]rune(in.Name)) > 100 || len([]rune(in.Summary)) > 2000 || len(in.Fields) > 4 {
		return nil, storage.Errorf(storage.Invalid, "name up to 100 characters, bio up to 2000, at most 4 fields")
	}
	in.Summary = typed(in.Summary)
	var fields []storage.Field
	for _, f := range in.Fields {
		f = storage.Field{Name: strings.TrimSpace(f.Name), Value: typed(f.Value)}
		if f.Name == "" && f.Value == "" {
			continue
		}
		if len([]rune(f.Name)) > 255 || len([]rune(f.Value)) > 255 {
			return nil, storage.Errorf(storage.Invalid, "profile fields up to 255 characters")
		}
		fields = append(fields, f)
	}
	in.Fields = fields
	if d := in.Defaults; d != nil {
		if d.Privacy == "" {
			d.Privacy = storage.Public
		}
		switch d.Privacy {
		case storage.Public, storage.Unlisted, storage.Followers, storage.Direct:
		default:
			return nil, storage.Errorf(storage.Invalid, "%q is not a visibility", d.Privacy)
		}
		if d.Language != "" && !languageTag.MatchString(d.Language) {
			return nil, storage.Errorf(storage.Invalid, "%q is not a language tag", d.Language)
		}
	}
	// Tagged from the typed text, which says :shortcode: as the person wrote it. The same
	// profile saved again after an emoji was added or removed is tagged anew.
	texts := []string{in.Name, in.Summary}
	for _, f := range in.Fields {
		texts = append(texts, f.Name, f.Value)
	}
	emojis, err := s.emojiTags(ctx, texts...)
	if err != nil {
		return nil, err
	}
	// Compared with what is stored, not with actor, which a caller may have changed.
	stored, err := s.DB.GetActorByID(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	if in.IconURL == "" && in.ImageURL == "" && !in.RemoveIcon && !in.RemoveImage && in.Bot == nil && in.Discoverable == nil && in.Indexable == nil && in.Defaults == nil &&
		reflect.DeepEqual(in, ProfileOf(stored)) && slices.Equal(emojis, stored.Emojis) {
		return stored, nil
	}
	a := *stored
	a.Name, a.Locked, a.SummarySource, a.Fields, a.Emojis = in.Name, in.Locked, in.Summary, nil, emojis
	resolve := s.mentionResolver()
	a.Summary = ""
	if in.Summary != "" {
		a.Summary, _ = Format(ctx, in.Summary, s.Base, s.Domain, resolve)
	}
	for _, f := range in.Fields {
		value, _ := Format(ctx, f.Value, s.Base, s.Domain, resolve)
		a.Fields = append(a.Fields, storage.Field{Name: f.Name, Value: trimParagraph(value), Source: f.Value})
	}
	if in.RemoveIcon {
		a.IconURL = ""
	}
	if in.RemoveImage {
		a.ImageURL = ""
	}
	if in.IconURL != "" {
		a.IconURL = in.IconURL
	}
	if in.ImageURL != "" {
		a.ImageURL = in.ImageURL
	}
	if in.Bot != nil && (a.Type == federation.TypePerson || a.Type == federation.TypeService) {
		a.Type = map[bool]string{true: federation.TypeService, false: federation.TypePerson}[*in.Bot]
	}
	if in.Discoverable != nil {
		a.Discoverable = *in.Discoverable
	}
	if in.Indexable != nil {
		a.Indexable = *in.Indexable
	}
	changed := !reflect.DeepEqual(s.ActorDocument(&a), s.ActorDocument(stored))
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		if err := tx.UpdateActor(ctx, &a); err != nil {
			return err
		}
		if in.Defaults != nil {
			if err := tx.PutPostingDefaults(ctx, a.ID, *in.Defaults); err != nil {
				return err
			}
		}
		if stored.Locked && !a.Locked {
			if err := s.acceptWaiting(ctx, tx, &a); err != nil {
				return err
			}
		}
		if !changed {
			return nil
		}
		return s.updateFollowers(ctx, tx, &a)
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.wake()
	}
	return &a, nil
}

// UpdateProfileImages is UpdateProfile with a new avatar and header when they are not nil:
// each is stored as every image upload is (SaveImage: checked, re-encoded, thumbnailed;
// a video or anything else refused), the
// avatar shown by its thumbnail, as an avatar is shown small everywhere. An image refused
// or a profile not saved leaves nothing stored, uploads included.
func (s *Service) UpdateProfileImages(ctx context.Context, dataDir string, actor *storage.Actor, in ProfileInput,
	avatar, header *multipart.FileHeader) (*storage.Actor, error) {
	var saved []*storage.Media
	discard := func() {
		for _, m := range saved {
			if err := s.DiscardUpload(ctx, dataDir, m); err != nil && s.Log != nil {
				s.Log.Warn("discard profile image", "media", m.ID, "err", err)
			}
		}
	}
	for _, f := range []struct {
		name string
		file *multipart.FileHeader
		dst  *string
	}{{"avatar", avatar, &in.IconURL}, {"header", header, &in.ImageURL}} {
		if f.file == nil {
			continue
		}
		m, err := s.saveProfileImage(ctx, dataDir, actor, f.file)
		if err != nil {
			discard()
			return nil, storage.Wrap(storage.KindOf(err), err, f.name+": "+storage.Message(err))
		}
		saved = append(saved, m)
		*f.dst = m.URL
		if f.name == "avatar" && m.ThumbPath != "" {
			*f.dst = s.uris().Media(m.ThumbPath)
		}
	}
	a, err := s.UpdateProfile(ctx, actor, in)
	if err != nil {
		discard()
		return nil, err
	}
	return a, nil
}

// saveProfileImage stores an uploaded profile image; only an image is taken.
func (s *Service) saveProfileImage(ctx context.Context, dataDir string, owner *storage.Actor, fh *multipart.FileHeader) (*storage.Media, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "the upload could not be read")
	}
	defer f.Close()
	return s.SaveImage(ctx, dataDir, owner, f, "")
}

// acceptWaiting accepts every follow request of account, inside tx: an account that is no
// longer locked has nobody to ask, as on Mastodon.
func (s *Service) acceptWaiting(ctx context.Context, tx storage.Tx, account *storage.Actor) error {
	for {
		followers, _, err := tx.ListFollowers(ctx, account.ID, true, storage.Page{Limit: 1000})
		if err != nil || len(followers) == 0 {
			return err
		}
		for _, follower := range followers {
			f, err := tx.GetFollow(ctx, follower.ID, account.ID)
			if err != nil {
				return err
			}
			if _, err := s.answerFollow(ctx, tx, account, follower, f, true); err != nil {
				return err
			}
		}
	}
}

// typed is text as it came from a form or a client, in the form it is kept: a browser
// sends a textarea's line breaks as CRLF, and the ends of the text carry nothing.
func typed(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

func trimParagraph(s string) string {
	if len(s) >= 7 && s[:3] == "<p>" && s[len(s)-4:] == "</p>" {
		return s[3 : len(s)-4]
	}
	return s
}

var (
	// anchor is a link in HTML: its attributes, its href when http(s), and its text.
	anchor = regexp.MustCompile(`(?s)<a\s([^>]*?)href="(https?://[^"]*)"([^>]*)>(.*?)</a>`)
	// paragraphBreak and lineBreak are the breaks Format writes and Mastodon's HTML has.
	paragraphBreak = regexp.MustCompile(`(?i)</p>\s*<p[^>]*>`)
	lineBreak      = regexp.MustCompile(`(?i)<br\s*/?>`)
)

// TypedText reads back, from HTML, text that Format would turn into the same links: a link
// shown as its (shortened) address becomes the address, a mention becomes @name@host,
// paragraphs are separated by a blank line. It is for profiles saved before their typed
// text was kept, and for clients that send only HTML.
func TypedText(h string) string {
	h = anchor.ReplaceAllStringFunc(h, func(a string) string {
		m := anchor.FindStringSubmatch(a)
		attrs, href, text := m[1]+m[3], m[2], federation.PlainText(m[4])
		if strings.Contains(attrs, "mention") && strings.HasPrefix(text, "@") && !strings.Contains(text[1:], "@") {
			if host := storage.HostOf(html.UnescapeString(href)); host != "" {
				return html.EscapeString(text + "@" + host)
			}
		}
		if shown := strings.TrimSuffix(text, "…"); shown != "" && strings.Contains(html.UnescapeString(href), shown) &&
			!strings.Contains(attrs, "mention") {
			return href // still escaped, as the rest of the HTML is until PlainText
		}
		return m[4]
	})
	h = paragraphBreak.ReplaceAllString(h, "\n\n")
	h = lineBreak.ReplaceAllString(h, "\n")
	return federation.PlainText(h)
}
