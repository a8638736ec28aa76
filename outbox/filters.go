package outbox

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"refuge/storage"
)

// Keyword filters are a local account's own (Mastodon's custom filters): they never leave
// the instance, and reader applies them. Here they are checked and stored, each change in
// one transaction, so that a refused one stores nothing.

// Bounds on filters: a viewer's filters are matched against every post it reads.
const (
	MaxFilters        = 100 // per account
	MaxFilterKeywords = 100 // per filter
	MaxFilterTitle    = 256 // characters
	MaxFilterKeyword  = 256 // characters
)

// FilterEdit is a change to a filter; what is nil stays as it is.
type FilterEdit struct {
	Title    *string
	Contexts []string // nil: as they are; given, the whole list
	Action   *string
	Expires  *time.Time // a zero time: never
	Keywords []KeywordEdit
}

// KeywordEdit adds a keyword (ID 0), changes one of the filter's, or with Destroy
// removes it. What is nil stays as it is; a new keyword is whole-word unless told.
type KeywordEdit struct {
	ID        int64
	Keyword   *string
	WholeWord *bool
	Destroy   bool
}

// invalid is a refusal of a filter, worded as Mastodon's validation errors are.
func invalid(msg string) error { return storage.Errorf(storage.Invalid, "Validation failed: %s", msg) }

// CreateFilter stores a new filter of account's from e: a title and at least one context
// are needed; the action is warn unless told.
func (s *Service) CreateFilter(ctx context.Context, account *storage.Actor, e FilterEdit) (*storage.Filter, error) {
	f := &storage.Filter{ActorID: account.ID, Action: storage.FilterWarn, Created: s.now()}
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		have, err := tx.ListFilters(ctx, account.ID)
		if err != nil {
			return err
		}
		if len(have) >= MaxFilters {
			return invalid("you have the most filters an account may have")
		}
		f.ID, f.Keywords = 0, nil
		if err := applyFilterEdit(f, e); err != nil {
			return err
		}
		return tx.CreateFilter(ctx, f)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// EditFilter changes account's filter id by e, its keywords as e says, and returns it as
// it is then; NotFound when account has no such filter.
func (s *Service) EditFilter(ctx context.Context, account *storage.Actor, id int64, e FilterEdit) (*storage.Filter, error) {
	var out *storage.Filter
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		f, err := tx.GetFilter(ctx, account.ID, id)
		if err != nil {
			return err
		}
		kept := f.Keywords
		if err := applyFilterEdit(f, FilterEdit{Title: e.Title, Contexts: e.Contexts, Action: e.Action, Expires: e.Expires}); err != nil {
			return err
		}
		if err := tx.UpdateFilter(ctx, f); err != nil {
			return err
		}
		if err := editKeywords(ctx, tx, f.ID, kept, e.Keywords); err != nil {
			return err
		}
		out, err = tx.GetFilter(ctx, account.ID, id)
		return err
	})
	return out, err
}

// DeleteFilter removes account's filter id with its keywords; NotFound when there is none.
func (s *Service) DeleteFilter(ctx context.Context, account *storage.Actor, id int64) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteFilter(ctx, account.ID, id) })
}

// AddFilterKeyword adds a keyword to account's filter filterID.
func (s *Service) AddFilterKeyword(ctx context.Context, account *storage.Actor, filterID int64, k KeywordEdit) (*storage.FilterKeyword, error) {
	k.ID, k.Destroy = 0, false
	var out *storage.FilterKeyword
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		f, err := tx.GetFilter(ctx, account.ID, filterID)
		if err != nil {
			return err
		}
		if err := editKeywords(ctx, tx, f.ID, f.Keywords, []KeywordEdit{k}); err != nil {
			return err
		}
		after, err := tx.GetFilter(ctx, account.ID, filterID)
		if err != nil {
			return err
		}
		out = &after.Keywords[len(after.Keywords)-1]
		return nil
	})
	return out, err
}

// EditFilterKeyword changes account's keyword id by k, and its filter by e (Mastodon's v1
// filters, a keyword each, change both at once; a change to a filter of several keywords
// through one of them is refused, as there). It returns the keyword and filter as they
// are then.
func (s *Service) EditFilterKeyword(ctx context.Context, account *storage.Actor, id int64, k KeywordEdit, e FilterEdit) (*storage.FilterKeyword, *storage.Filter, error) {
	var kw *storage.FilterKeyword
	var f *storage.Filter
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		old, err := tx.GetFilterKeyword(ctx, account.ID, id)
		if err != nil {
			return err
		}
		if f, err = tx.GetFilter(ctx, account.ID, old.FilterID); err != nil {
			return err
		}
		k.ID, k.Destroy = id, false
		if err := editKeywords(ctx, tx, f.ID, f.Keywords, []KeywordEdit{k}); err != nil {
			return err
		}
		before := *f
		e.Keywords = nil
		if err := applyFilterEdit(f, e); err != nil {
			return err
		}
		if changed(&before, f) {
			if len(f.Keywords) > 1 {
				return invalid("this filter has several keywords: change it through the filters of /api/v2/filters")
			}
			if err := tx.UpdateFilter(ctx, f); err != nil {
				return err
			}
		}
		if kw, err = tx.GetFilterKeyword(ctx, account.ID, id); err != nil {
			return err
		}
		f, err = tx.GetFilter(ctx, account.ID, f.ID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return kw, f, nil
}

// changed reports whether a filter's own settings differ between a and b.
func changed(a, b *storage.Filter) bool {
	return a.Title != b.Title || a.Action != b.Action || !a.Expires.Equal(b.Expires) || !slices.Equal(a.Contexts, b.Contexts)
}

// DeleteFilterKeyword removes account's keyword id; NotFound when there is none.
func (s *Service) DeleteFilterKeyword(ctx context.Context, account *storage.Actor, id int64) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		k, err := tx.GetFilterKeyword(ctx, account.ID, id)
		if err != nil {
			return err
		}
		return tx.DeleteFilterKeyword(ctx, k.FilterID, k.ID)
	})
}

// applyFilterEdit sets what e gives on f, and the new keywords of e (f's keywords to be
// created), checking the result.
func applyFilterEdit(f *storage.Filter, e FilterEdit) error {
	if e.Title != nil {
		f.Title = strings.TrimSpace(*e.Title)
	}
	switch {
	case f.Title == "":
		return invalid("Title can't be blank")
	case utf8.RuneCountInString(f.Title) > MaxFilterTitle:
		return invalid("Title is too long")
	}
	if e.Contexts != nil {
		f.Contexts = nil
		for _, c := range e.Contexts {
			fc := storage.FilterContext(strings.TrimSpace(c))
			if !slices.Contains(storage.FilterContexts, fc) {
				return invalid("Context is invalid: " + quoteShort(c))
			}
			if !slices.Contains(f.Contexts, fc) {
				f.Contexts = append(f.Contexts, fc)
			}
		}
		// Stored in one order, so that a list of them reads the same however it was given.
		slices.SortFunc(f.Contexts, func(a, b storage.FilterContext) int {
			return slices.Index(storage.FilterContexts, a) - slices.Index(storage.FilterContexts, b)
		})
	}
	if len(f.Contexts) == 0 {
		return invalid("Context can't be blank")
	}
	if e.Action != nil {
		switch a := storage.FilterAction(*e.Action); a {
		case storage.FilterWarn, storage.FilterHide:
			f.Action = a
		default:
			return invalid("Filter action is not included in the list: warn, hide")
		}
	}
	if e.Expires != nil {
		f.Expires = *e.Expires
	}
	for _, k := range e.Keywords {
		if k.ID != 0 || k.Destroy {
			return invalid("a new filter has no keywords to change")
		}
		nk, err := keywordOf(storage.FilterKeyword{WholeWord: true}, k)
		if err != nil {
			return err
		}
		f.Keywords = append(f.Keywords, nk)
	}
	if len(f.Keywords) > MaxFilterKeywords {
		return invalid("a filter may have at most 100 keywords")
	}
	return nil
}

// keywordOf is k applied to the keyword old, checked.
func keywordOf(old storage.FilterKeyword, k KeywordEdit) (storage.FilterKeyword, error) {
	if k.Keyword != nil {
		old.Keyword = strings.TrimSpace(*k.Keyword)
	}
	if k.WholeWord != nil {
		old.WholeWord = *k.WholeWord
	}
	switch {
	case old.Keyword == "":
		return old, invalid("Keyword can't be blank")
	case utf8.RuneCountInString(old.Keyword) > MaxFilterKeyword:
		return old, invalid("Keyword is too long")
	}
	return old, nil
}

// editKeywords applies edits to the keywords have of filter filterID: a new keyword
// added, one of have changed or removed; an id not among have is NotFound.
func editKeywords(ctx context.Context, tx storage.Tx, filterID int64, have []storage.FilterKeyword, edits []KeywordEdit) error {
	count := len(have)
	for _, k := range edits {
		if k.ID == 0 {
			if k.Destroy {
				continue // a keyword never made, removed: nothing to do, as Rails does
			}
			nk, err := keywordOf(storage.FilterKeyword{FilterID: filterID, WholeWord: true}, k)
			if err != nil {
				return err
			}
			if count++; count > MaxFilterKeywords {
				return invalid("a filter may have at most 100 keywords")
			}
			if err := tx.PutFilterKeyword(ctx, &nk); err != nil {
				return err
			}
			continue
		}
		i := slices.IndexFunc(have, func(h storage.FilterKeyword) bool { return h.ID == k.ID })
		if i < 0 {
			return storage.Errorf(storage.NotFound, "no such keyword")
		}
		if k.Destroy {
			count--
			if err := tx.DeleteFilterKeyword(ctx, filterID, k.ID); err != nil {
				return err
			}
			continue
		}
		nk, err := keywordOf(have[i], k)
		if err != nil {
			return err
		}
		if err := tx.PutFilterKeyword(ctx, &nk); err != nil {
			return err
		}
	}
	return nil
}

// quoteShort quotes s for an error message, cut to a length worth showing.
func quoteShort(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return `"` + s + `"`
}
