package outbox

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"refuge/storage"
)

// Lengths the settings and rules may have, in characters: enough for Mastodon's usual
// texts, small enough for every page that shows them.
const (
	maxInstanceName        = 100
	maxInstanceDescription = 500
	maxInstanceAbout       = 20000
	maxRuleText            = 300
	maxRuleHint            = 1000
)

// SetSettings checks and stores the instance's settings: Invalid, with what is wrong and
// nothing stored, when a field is too long, the e-mail address is not one, or the contact
// account is not a live local account.
func (s *Service) SetSettings(ctx context.Context, in storage.Settings) error {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	in.About = strings.TrimSpace(strings.ReplaceAll(in.About, "\r\n", "\n"))
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	in.ContactAccount = strings.TrimPrefix(strings.TrimSpace(in.ContactAccount), "@")
	for _, f := range []struct {
		name, value string
		max         int
	}{{"name", in.Name, maxInstanceName}, {"description", in.Description, maxInstanceDescription},
		{"about", in.About, maxInstanceAbout}} {
		if n := utf8.RuneCountInString(f.value); n > f.max {
			return storage.Errorf(storage.Invalid, "the %s is %d characters long; at most %d fit", f.name, n, f.max)
		}
	}
	if in.ContactEmail != "" {
		if a, err := mail.ParseAddress(in.ContactEmail); err != nil || a.Address != in.ContactEmail {
			return storage.Errorf(storage.Invalid, "%q is not an e-mail address", in.ContactEmail)
		}
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		if in.ContactAccount != "" {
			a, err := storage.LiveLocalActor(ctx, tx, in.ContactAccount)
			if storage.KindOf(err) == storage.NotFound || storage.KindOf(err) == storage.Gone || (err == nil && a.Username == "") {
				return storage.Errorf(storage.Invalid, "there is no account %q here to be the contact", in.ContactAccount)
			}
			if err != nil {
				return err
			}
			in.ContactAccount = a.Username
		}
		in.UpdatedAt = s.now()
		return tx.PutSettings(ctx, &in)
	})
}

// PutRule adds a rule (id 0) or changes the text of rule id: Invalid for an empty or too
// long text, NotFound for an unknown id.
func (s *Service) PutRule(ctx context.Context, id int64, text, hint string) (*storage.Rule, error) {
	r := &storage.Rule{ID: id, Text: strings.TrimSpace(text), Hint: strings.TrimSpace(hint), CreatedAt: s.now()}
	switch {
	case r.Text == "":
		return nil, storage.Errorf(storage.Invalid, "a rule needs its text")
	case utf8.RuneCountInString(r.Text) > maxRuleText:
		return nil, storage.Errorf(storage.Invalid, "a rule's text fits in %d characters; give the rest as its explanation", maxRuleText)
	case utf8.RuneCountInString(r.Hint) > maxRuleHint:
		return nil, storage.Errorf(storage.Invalid, "a rule's explanation fits in %d characters", maxRuleHint)
	}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutRule(ctx, r) }); err != nil {
		return nil, fmt.Errorf("rule: %w", err)
	}
	return r, nil
}

// DeleteRule removes rule id: NotFound when there is none.
func (s *Service) DeleteRule(ctx context.Context, id int64) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteRule(ctx, id) })
}
