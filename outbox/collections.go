package outbox

import (
	"context"
	"encoding/json"
	"strconv"

	"refuge/storage"
)

// Outbox returns a local actor's outbox: the collection, or with page set one page of it.
// Only the owner sees followers-only and direct activities.
func (s *Service) Outbox(ctx context.Context, a *storage.Actor, owner, page bool, p storage.Page) (*Collection, error) {
	if !page {
		total, err := s.DB.CountOutbox(ctx, a.ID, owner)
		if err != nil {
			return nil, err
		}
		return NewCollection(a.Outbox, total, true), nil
	}
	acts, err := s.DB.ListOutbox(ctx, a.ID, owner, p)
	if err != nil {
		return nil, err
	}
	items := make([]json.RawMessage, 0, len(acts))
	for _, act := range acts {
		item, err := withoutContext(act.JSON)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	var next, prev int64
	if len(acts) > 0 {
		prev, next = acts[0].ID, acts[len(acts)-1].ID
		if len(acts) < limitOf(p) {
			next = 0
		}
	}
	return NewPage(a.Outbox, pageURI(a.Outbox, p), items, next, prev), nil
}

// Follows returns the followers (followers=true) or following collection of a local actor.
func (s *Service) Follows(ctx context.Context, a *storage.Actor, followers, page bool, p storage.Page) (*Collection, error) {
	id := a.FollowingURI
	if followers {
		id = a.FollowersURI
	}
	if !page {
		nFollowers, nFollowing, err := s.DB.CountFollows(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		total := nFollowing
		if followers {
			total = nFollowers
		}
		return NewCollection(id, total, true), nil
	}
	var actors []*storage.Actor
	var cursors []int64
	var err error
	if followers {
		actors, cursors, err = s.DB.ListFollowers(ctx, a.ID, false, p)
	} else {
		actors, cursors, err = s.DB.ListFollowing(ctx, a.ID, p)
	}
	if err != nil {
		return nil, err
	}
	items := make([]json.RawMessage, 0, len(actors))
	for _, x := range actors {
		b, _ := json.Marshal(x.URI)
		items = append(items, b)
	}
	var next, prev int64
	if len(cursors) > 0 {
		prev, next = cursors[0], cursors[len(cursors)-1]
		if len(cursors) < limitOf(p) {
			next = 0
		}
	}
	return NewPage(id, pageURI(id, p), items, next, prev), nil
}

// Featured returns the pinned notes of a local actor as an OrderedCollection.
func (s *Service) Featured(ctx context.Context, a *storage.Actor, viewer int64) (*Collection, error) {
	notes, err := s.DB.ListPinned(ctx, a.ID, viewer, storage.Page{})
	if err != nil {
		return nil, err
	}
	c := NewCollection(a.FeaturedURI, len(notes), false)
	items := []json.RawMessage{}
	for _, n := range notes {
		b, err := s.MarshalNote(ctx, n)
		if err != nil {
			return nil, err
		}
		item, err := withoutContext(string(b))
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	c.OrderedItems = items
	return c, nil
}

func limitOf(p storage.Page) int {
	if p.Limit <= 0 || p.Limit > 100 {
		return 20
	}
	return p.Limit
}

func pageURI(id string, p storage.Page) string {
	switch {
	case p.Before > 0:
		return id + "?page=true&max_id=" + strconv.FormatInt(p.Before, 10)
	case p.After > 0 || p.Oldest:
		return id + "?page=true&min_id=" + strconv.FormatInt(p.After, 10)
	}
	return id + "?page=true"
}
