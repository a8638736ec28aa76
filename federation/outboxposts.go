package federation

import (
	"bytes"
	"context"
	"encoding/json"

	"refuge/storage"
)

// readPosts reads the first page of job.actor's outbox (job.uri) and stores the public and
// unlisted posts it lists, the newest job.limit of them, oldest first so that they are
// stored in the order they were written. Nothing embedded in the outbox is stored: each post
// is fetched from its own id, as the ancestors of a thread are (Remote.Note checks that a
// document is what its URL says and that its author lives on its host), and kept only when
// it is the actor's own and public. The outbox says only which posts to ask for, and only
// those on the actor's own host are asked for.
func (b *Backfill) readPosts(ctx context.Context, job backfillJob) {
	a := job.actor
	ids, err := b.outboxPage(ctx, job.uri, a)
	b.release(job.uri)
	if err != nil {
		if ctx.Err() == nil {
			b.remember(job.uri, err)
			b.remote.Log.Info("background outbox fetch failed", "outbox", job.uri, "err", err)
		}
		return
	}
	ids = ids[:min(len(ids), job.limit)]
	keep := func(n *storage.Note) error {
		if n.ActorID != a.ID {
			return storage.Errorf(storage.Forbidden, "%s is not a post of %s", n.URI, a.URI)
		}
		if n.Visibility != storage.Public && n.Visibility != storage.Unlisted {
			return storage.Errorf(storage.Forbidden, "%s is not public", n.URI)
		}
		return nil
	}
	for i := len(ids) - 1; i >= 0; i-- {
		uri := ids[i]
		if _, err := b.remote.DB.GetNoteByURI(ctx, uri); storage.KindOf(err) != storage.NotFound || !b.claim(uri) {
			continue // stored (or unreadable here), being fetched, or failed lately
		}
		_, err := b.remote.note(ctx, uri, keep)
		b.release(uri)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		b.remember(uri, err)
		b.remote.Log.Info("background fetch failed", "note", uri, "err", err)
		if storage.KindOf(err) == storage.Transient {
			return // the host is left alone for a while: so are the rest of its posts
		}
	}
}

// outboxPage fetches the outbox at uri and, unless it lists items itself, its first page
// (which must be on a's host too), and returns the ids of the posts they list, newest first.
func (b *Backfill) outboxPage(ctx context.Context, uri string, a *storage.Actor) ([]string, error) {
	body, err := b.remote.fetch(ctx, uri)
	if err != nil {
		return nil, err
	}
	c, err := decodeCollection(body)
	if err != nil {
		return nil, err
	}
	if len(c.items) == 0 && c.first != nil {
		page := c.first
		if page.link != "" {
			if !storage.SameHost(page.link, a.URI) {
				return nil, storage.Errorf(storage.Forbidden, "the first page of %s is on another host", uri)
			}
			if body, err = b.remote.fetch(ctx, page.link); err != nil {
				return nil, err
			}
			if page, err = decodeCollection(body); err != nil {
				return nil, err
			}
		}
		c = page
	}
	var ids []string
	for _, it := range c.items {
		if id := postOf(it); id != "" && storage.SameHost(id, a.URI) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// collection is what readPosts needs of a collection or a page of one: its items, raw, and
// its first page, a link or embedded.
type collection struct {
	items []json.RawMessage
	first *collection
	link  string // the collection is only this link
}

// decodeCollection reads a collection, a page of one, or a link to one.
func decodeCollection(data []byte) (*collection, error) {
	if err := CheckJSON(data); err != nil {
		return nil, err
	}
	return collectionOf(data, 0)
}

func collectionOf(raw json.RawMessage, depth int) (*collection, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		return &collection{link: text(raw)}, nil
	}
	var w struct {
		First        json.RawMessage `json:"first"`
		OrderedItems json.RawMessage `json:"orderedItems"`
		Items        json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "collection is not a JSON object")
	}
	c := &collection{}
	for _, list := range []json.RawMessage{w.OrderedItems, w.Items} {
		if isNull(list) {
			continue
		}
		if err := json.Unmarshal(list, &c.items); err != nil {
			return nil, storage.Wrap(storage.Invalid, err, "collection items are not a list")
		}
		break
	}
	if !isNull(w.First) && depth == 0 {
		first, err := collectionOf(w.First, depth+1)
		if err != nil {
			return nil, err
		}
		c.first = first
	}
	return c, nil
}

// postOf is the id of the post an outbox item names: a Create's object, or a post listed
// bare; "" for anything else (a boost is someone else's post), and for an embedded post
// that does not say it is public or unlisted (it would not be stored when fetched).
func postOf(item json.RawMessage) string {
	item = bytes.TrimSpace(item)
	if len(item) == 0 || item[0] != '{' {
		return "" // a bare link says nothing of what it is: Mastodon lists activities
	}
	var w struct {
		Type   json.RawMessage `json:"type"`
		ID     json.RawMessage `json:"id"`
		Object json.RawMessage `json:"object"`
		To     json.RawMessage `json:"to"`
		Cc     json.RawMessage `json:"cc"`
	}
	if json.Unmarshal(item, &w) != nil {
		return ""
	}
	switch typ := text(w.Type); {
	case typ == TypeCreate:
		if obj := bytes.TrimSpace(w.Object); len(obj) > 0 && obj[0] == '"' {
			return text(obj) // what a Create creates is a post: fetched, then checked
		}
		var obj struct {
			Type json.RawMessage `json:"type"`
		}
		if json.Unmarshal(w.Object, &obj) != nil || !NoteTypes[text(obj.Type)] {
			return ""
		}
		return postOf(w.Object)
	case NoteTypes[typ]:
		to, err1 := recipients(w.To)
		cc, err2 := recipients(w.Cc)
		if err1 != nil || err2 != nil {
			return ""
		}
		if v := VisibilityOf(to, cc, ""); v != storage.Public && v != storage.Unlisted {
			return ""
		}
		return text(w.ID)
	}
	return ""
}
