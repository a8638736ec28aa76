package outbox

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"refuge/storage"
)

// MaxFollowedTags bounds the hashtags one account follows: each is looked at for every
// public post stored.
const MaxFollowedTags = 1000

// TagName reads a hashtag's name as a person or an app writes it (with or without #, any
// case) into the form it is stored and followed in: lower case, without #. Invalid when it
// is not a name Format would link: letters, digits and underscores, not digits only, at
// most 100 characters.
func TagName(raw string) (string, error) {
	name := strings.ToLower(strings.TrimPrefix(raw, "#"))
	switch {
	case name == "":
		return "", storage.Errorf(storage.Invalid, "Validation failed: a hashtag needs a name")
	case utf8.RuneCountInString(name) > 100:
		return "", storage.Errorf(storage.Invalid, "Validation failed: a hashtag has at most 100 characters")
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '_' }) >= 0:
		return "", storage.Errorf(storage.Invalid, "Validation failed: a hashtag has only letters, digits and underscores")
	case strings.TrimFunc(name, unicode.IsDigit) == "":
		return "", storage.Errorf(storage.Invalid, "Validation failed: a hashtag is not digits only")
	}
	return name, nil
}

// FollowTag makes account follow the hashtag raw (see TagName): public posts carrying it
// that are stored from now on, local or from other servers, enter its home feed. Following
// one it follows already changes nothing. It returns the name followed.
func (s *Service) FollowTag(ctx context.Context, account *storage.Actor, raw string) (string, error) {
	name, err := TagName(raw)
	if err != nil {
		return "", err
	}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		have, err := tx.FollowedTagsAmong(ctx, account.ID, []string{name})
		if err != nil || have[name] {
			return err
		}
		if n, err := tx.CountFollowedTags(ctx, account.ID); err != nil {
			return err
		} else if n >= MaxFollowedTags {
			return invalid("you follow the most hashtags an account may follow")
		}
		return tx.FollowTag(ctx, account.ID, name, s.now())
	})
	return name, err
}

// UnfollowTag ends account's follow of the hashtag raw; nothing when it did not follow it.
// It returns the name.
func (s *Service) UnfollowTag(ctx context.Context, account *storage.Actor, raw string) (string, error) {
	name, err := TagName(raw)
	if err != nil {
		return "", err
	}
	return name, s.DB.Update(ctx, func(tx storage.Tx) error { return tx.UnfollowTag(ctx, account.ID, name) })
}
