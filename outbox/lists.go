package outbox

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"refuge/storage"
)

// Lists are a local account's own, like its keyword filters: they never leave the
// instance, and reader reads their timelines from the owner's home feed. Here they are
// checked and stored, each change in one transaction, so that a refused one stores nothing.

// Bounds on lists, so that one account cannot make its timelines' queries unbounded.
const (
	MaxLists       = 50   // per account, as Mastodon allows
	MaxListMembers = 1000 // per list
	MaxListTitle   = 256  // characters
)

// ListEdit is a list's title, replies policy and exclusiveness; what is nil stays as it
// is (a new list is titled always, replies to its members shown and not exclusive unless
// told, as Mastodon's).
type ListEdit struct {
	Title         *string
	RepliesPolicy *string
	Exclusive     *bool
}

// CreateList stores a new list of account's from e.
func (s *Service) CreateList(ctx context.Context, account *storage.Actor, e ListEdit) (*storage.List, error) {
	l := &storage.List{ActorID: account.ID, RepliesPolicy: storage.RepliesList, Created: s.now()}
	if e.Title == nil {
		return nil, invalid("Title can't be blank")
	}
	if err := applyListEdit(l, e); err != nil {
		return nil, err
	}
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		have, err := tx.ListLists(ctx, account.ID)
		if err != nil {
			return err
		}
		if len(have) >= MaxLists {
			return invalid("you have the most lists an account may have")
		}
		l.ID = 0
		return tx.CreateList(ctx, l)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// EditList changes account's list id by e and returns it as it is then; NotFound when
// account has no such list.
func (s *Service) EditList(ctx context.Context, account *storage.Actor, id int64, e ListEdit) (*storage.List, error) {
	var out *storage.List
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		l, err := tx.GetList(ctx, account.ID, id)
		if err != nil {
			return err
		}
		if err := applyListEdit(l, e); err != nil {
			return err
		}
		out = l
		return tx.UpdateList(ctx, l)
	})
	return out, err
}

// DeleteList removes account's list id; NotFound when there is none.
func (s *Service) DeleteList(ctx context.Context, account *storage.Actor, id int64) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteList(ctx, account.ID, id) })
}

// applyListEdit checks e and applies it to l.
func applyListEdit(l *storage.List, e ListEdit) error {
	if e.Title != nil {
		t := strings.TrimSpace(*e.Title)
		switch {
		case t == "":
			return invalid("Title can't be blank")
		case utf8.RuneCountInString(t) > MaxListTitle:
			return invalid("Title is too long")
		}
		l.Title = t
	}
	if e.RepliesPolicy != nil {
		p := storage.RepliesPolicy(*e.RepliesPolicy)
		if !slices.Contains(storage.RepliesPolicies, p) {
			return invalid("Replies policy is not included in the list")
		}
		l.RepliesPolicy = p
	}
	if e.Exclusive != nil {
		l.Exclusive = *e.Exclusive
	}
	return nil
}

// AddToList adds the accounts ids to account's list id, all or none: NotFound for a list
// of account's or an account that does not exist; Invalid for an account that account
// neither follows nor asked to follow (itself aside), as Mastodon's lists hold only those,
// or one in the list already.
func (s *Service) AddToList(ctx context.Context, account *storage.Actor, id int64, ids []int64) error {
	return s.changeMembers(ctx, account, id, ids, func(tx storage.Tx) error {
		members, _, err := tx.ListListMembers(ctx, id, storage.Page{Limit: MaxListMembers})
		if err != nil {
			return err
		}
		if len(members)+len(ids) > MaxListMembers {
			return invalid("the list has the most members a list may have")
		}
		for i, a := range ids {
			if _, err := tx.GetActorByID(ctx, a); err != nil {
				return err
			}
			if slices.Contains(ids[:i], a) || slices.ContainsFunc(members, func(m *storage.Actor) bool { return m.ID == a }) {
				return invalid("Account has already been taken")
			}
			if a == account.ID {
				continue
			}
			if _, err := tx.GetFollow(ctx, account.ID, a); err != nil {
				if storage.KindOf(err) == storage.NotFound {
					return invalid("You must follow an account to add it to a list")
				}
				return err
			}
		}
		return tx.AddListMembers(ctx, id, ids)
	})
}

// RemoveFromList takes the accounts ids out of account's list id; those not in it are
// ignored. NotFound when account has no such list.
func (s *Service) RemoveFromList(ctx context.Context, account *storage.Actor, id int64, ids []int64) error {
	return s.changeMembers(ctx, account, id, ids, func(tx storage.Tx) error { return tx.RemoveListMembers(ctx, id, ids) })
}

// changeMembers runs change, in one transaction, on account's list id once it is found:
// Invalid when ids is empty, NotFound when account has no such list.
func (s *Service) changeMembers(ctx context.Context, account *storage.Actor, id int64, ids []int64, change func(tx storage.Tx) error) error {
	if len(ids) == 0 {
		return invalid("account_ids is missing")
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.GetList(ctx, account.ID, id); err != nil {
			return err
		}
		return change(tx)
	})
}
