package outbox

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// Communities (FEP-1b12). A group is a local actor of type Group with a key of its own,
// joined by following it from any server. What a member posts to it, the group announces to
// every member (groupposts.go); its moderators keep it (groupmods.go).

// GroupInput is what a new group is made of.
type GroupInput struct {
	Name        string // its username: @name@domain
	DisplayName string
	About       string // plain text, formatted as a bio is
	Rules       string // plain text, one rule a line
	Owner       *storage.Actor
	Closed      bool // joining waits for a moderator's approval
	// PostingRestricted lets only moderators start threads.
	PostingRestricted bool
}

// Limits of what a group says of itself.
const (
	maxGroupDisplayName = 100
	maxGroupAbout       = 5000
	maxGroupRules       = 5000
)

// CreateGroup makes a group owned by in.Owner, a live local account, which becomes its
// first moderator. Invalid with the reason for a bad name or text; Conflict when the name is
// taken (by an account or a group, live or deleted).
func (s *Service) CreateGroup(ctx context.Context, in GroupInput) (*storage.Actor, error) {
	if err := ValidUsername(in.Name); err != nil {
		return nil, err
	}
	if in.Owner == nil || !in.Owner.Local || !in.Owner.DeletedAt.IsZero() || in.Owner.Suspended() ||
		in.Owner.Type != federation.TypePerson && in.Owner.Type != federation.TypeService {
		return nil, storage.Errorf(storage.Invalid, "a group's owner must be a live local account")
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	switch {
	case utf8.RuneCountInString(in.DisplayName) > maxGroupDisplayName:
		return nil, storage.Errorf(storage.Invalid, "the display name is too long (at most %d characters)", maxGroupDisplayName)
	case utf8.RuneCountInString(in.About) > maxGroupAbout:
		return nil, storage.Errorf(storage.Invalid, "the description is too long (at most %d characters)", maxGroupAbout)
	case utf8.RuneCountInString(in.Rules) > maxGroupRules:
		return nil, storage.Errorf(storage.Invalid, "the rules are too long (at most %d characters)", maxGroupRules)
	}
	a, priv, err := s.newLocalActor(in.Name, federation.TypeGroup)
	if err != nil {
		return nil, err
	}
	a.Name, a.Locked, a.SummarySource = in.DisplayName, in.Closed, in.About
	if a.Name == "" {
		a.Name = in.Name
	}
	if in.About != "" {
		a.Summary, _ = Format(ctx, in.About, s.Base, s.Domain, s.mentionResolver())
	}
	g := &storage.Group{OwnerID: in.Owner.ID, PostingRestricted: in.PostingRestricted,
		Rules: strings.TrimSpace(in.Rules), Created: s.now()}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		if err := tx.CreateActor(ctx, a); err != nil {
			return err
		}
		if err := tx.PutCredentials(ctx, &storage.Credentials{ActorID: a.ID, PrivateKeyPEM: priv}); err != nil {
			return err
		}
		g.ActorID = a.ID
		return tx.CreateGroup(ctx, g)
	})
	if storage.KindOf(err) == storage.Conflict {
		return nil, storage.Errorf(storage.Conflict, "the name %s is taken", in.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("create group %s: %w", in.Name, err)
	}
	s.Log.Info("group created", "group", a.URI, "owner", in.Owner.URI)
	return a, nil
}

// LocalGroup returns the live local group name with its settings; NotFound when there is
// no such group.
func (s *Service) LocalGroup(ctx context.Context, name string) (*storage.Actor, *storage.Group, error) {
	a, err := s.LocalActor(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if a.Type != federation.TypeGroup {
		return nil, nil, storage.Errorf(storage.NotFound, "%s is not a group", name)
	}
	g, err := s.DB.GetGroup(ctx, a.ID)
	if err != nil {
		return nil, nil, err
	}
	return a, g, nil
}

// IsGroupModerator reports whether actorID moderates the group groupID.
func (s *Service) IsGroupModerator(ctx context.Context, groupID, actorID int64) (bool, error) {
	mods, err := s.DB.GroupModerators(ctx, groupID)
	if err != nil {
		return false, err
	}
	for _, id := range mods {
		if id == actorID {
			return true, nil
		}
	}
	return false, nil
}

// Moderators is the URI of a local group's moderators collection, its attributedTo.
func Moderators(group *storage.Actor) string { return uris.Moderators(group.URI) }

// groupDocument adds to a local group's document what a group's has beyond an account's:
// its moderators (attributedTo, as Lemmy writes it) and whether only they start threads.
func (s *Service) groupDocument(ctx context.Context, r storage.Reader, a *storage.Actor, doc *federation.Actor) error {
	if a.Type != federation.TypeGroup || !a.Local {
		return nil
	}
	g, err := r.GetGroup(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("group of %s: %w", a.URI, err)
	}
	doc.AttributedTo, doc.PostingRestrictedToMods = Moderators(a), g.PostingRestricted
	return nil
}

// ModeratorsCollection is a local group's moderators, as the collection its attributedTo
// names: their actor ids, the owner first.
func (s *Service) ModeratorsCollection(ctx context.Context, group *storage.Actor) (*Collection, error) {
	if group.Type != federation.TypeGroup {
		return nil, storage.Errorf(storage.NotFound, "%s is not a group", group.Username)
	}
	ids, err := s.DB.GroupModerators(ctx, group.ID)
	if err != nil {
		return nil, err
	}
	items := []string{}
	for _, id := range ids {
		a, err := s.DB.GetActorByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if a.DeletedAt.IsZero() {
			items = append(items, a.URI)
		}
	}
	c := NewCollection(Moderators(group), len(items), false)
	c.OrderedItems = items
	return c, nil
}
