package testrig

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"refuge/server"
	"refuge/storage"
)

// Helpers for end-to-end federation tests: C2S calls, reading a home feed and collections,
// counting rows in an instance's SQLite file, and recording the POSTs an instance receives
// (through Config.Observe, so nothing of the instance is replaced).

// FederationWait bounds every wait for something to travel between instances.
const FederationWait = 10 * time.Second

// C2S POSTs an activity to name's outbox and returns the id from Location; anything but
// 201 fails the test.
func (in *Instance) C2S(name, token string, activity any) string {
	in.t.Helper()
	status, body, h := in.Do("POST", "/users/"+name+"/outbox", token, activity)
	if status != http.StatusCreated {
		in.t.Fatalf("C2S %v to %s: %d %s", activity, name, status, body)
	}
	loc := h.Get("Location")
	if loc == "" {
		in.t.Fatalf("C2S %v: no Location", activity)
	}
	return loc
}

// PostNote publishes a note through C2S and returns the note's id (Location names its
// Create activity, the note's id + "/activity").
func (in *Instance) PostNote(name, token string, note map[string]any) string {
	in.t.Helper()
	note["type"] = "Note"
	return strings.TrimSuffix(in.C2S(name, token, note), "/activity")
}

// FeedEntry is one item of a home feed, as GET /users/NAME/inbox serves it.
type FeedEntry struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Content   string          `json:"content"`
	InReplyTo string          `json:"inReplyTo"`
	Actor     string          `json:"actor"`
	Object    json.RawMessage `json:"object"`
}

// HomeFeed reads name's home feed with the owner's token.
func (in *Instance) HomeFeed(name, token string) []FeedEntry {
	in.t.Helper()
	status, body, _ := in.Do("GET", "/users/"+name+"/inbox", token, nil)
	if status != http.StatusOK {
		in.t.Fatalf("home feed of %s: %d %s", name, status, body)
	}
	var page struct{ OrderedItems []FeedEntry }
	if err := json.Unmarshal(body, &page); err != nil {
		in.t.Fatalf("home feed of %s: %v", name, err)
	}
	return page.OrderedItems
}

// FeedHas counts the notes with id uri in a feed.
func FeedHas(feed []FeedEntry, uri string) int {
	n := 0
	for _, e := range feed {
		if e.ID == uri {
			n++
		}
	}
	return n
}

// TotalItems reads totalItems of a collection, as an anonymous reader.
func (in *Instance) TotalItems(path string) int {
	in.t.Helper()
	status, body, _ := in.Do("GET", path, "", nil)
	if status != http.StatusOK {
		in.t.Fatalf("GET %s: %d %s", path, status, body)
	}
	var c struct{ TotalItems *int }
	if err := json.Unmarshal(body, &c); err != nil || c.TotalItems == nil {
		in.t.Fatalf("GET %s: no totalItems in %s", path, body)
	}
	return *c.TotalItems
}

// Deliveries are the queued deliveries of the stored activity with id uri (none when the
// activity is not stored).
func (in *Instance) Deliveries(uri string) []*storage.Delivery {
	in.t.Helper()
	ctx := context.Background()
	act, err := in.App.DB().GetActivityByURI(ctx, uri)
	if storage.KindOf(err) == storage.NotFound {
		return nil
	}
	if err != nil {
		in.t.Fatal(err)
	}
	list, err := in.App.DB().ListDeliveries(ctx, act.ID)
	if err != nil {
		in.t.Fatal(err)
	}
	return list
}

// Attempted counts the deliveries of list that were tried at least n times.
func Attempted(list []*storage.Delivery, n int) int {
	c := 0
	for _, d := range list {
		if d.Attempts >= n {
			c++
		}
	}
	return c
}

// QueueEmpty reports whether the instance has no delivery left to make.
func (in *Instance) QueueEmpty() bool {
	in.t.Helper()
	n, err := in.App.DB().CountDeliveries(context.Background())
	if err != nil {
		in.t.Fatal(err)
	}
	return n == 0
}

// Note returns the stored note uri, or nil when the instance has none.
func (in *Instance) Note(uri string) *storage.Note {
	in.t.Helper()
	n, err := in.App.DB().GetNoteByURI(context.Background(), uri)
	if storage.KindOf(err) == storage.NotFound {
		return nil
	}
	if err != nil {
		in.t.Fatal(err)
	}
	return n
}

// FollowRemote makes name (with token, on in) follow targetName, an unlocked account on
// the instance target, and waits until the follow is accepted on both sides. It returns
// the Follow's id.
func (in *Instance) FollowRemote(name, token string, target *Instance, targetName string) string {
	in.t.Helper()
	targetURI := target.Base + "/users/" + targetName
	id := in.C2S(name, token, map[string]any{"type": "Follow", "object": targetURI})
	Eventually(in.t, FederationWait, name+"'s follow of "+targetName+" accepted", func() bool {
		f, err := in.App.DB().GetFollowByURI(context.Background(), id)
		return err == nil && f.Accepted
	})
	Eventually(in.t, FederationWait, targetName+" has "+name+" as a follower", func() bool {
		f, err := target.App.DB().GetFollowByURI(context.Background(), id)
		return err == nil && f.Accepted
	})
	return id
}

// InboxLog records the POSTs an instance receives: path and body. Its zero value is ready;
// pass its Record to Start.
type InboxLog struct {
	mu    sync.Mutex
	posts []loggedPost
}

type loggedPost struct {
	path string
	body []byte
}

// Record is a Start option that logs every POST the instance receives.
func (l *InboxLog) Record(c *server.Config) {
	c.Observe = func(r *http.Request) {
		if r.Method != http.MethodPost {
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		l.mu.Lock()
		l.posts = append(l.posts, loggedPost{r.URL.Path, body})
		l.mu.Unlock()
	}
}

// Count returns how many POSTs to path carried the activity with id activityID.
func (l *InboxLog) Count(path, activityID string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, p := range l.posts {
		var head struct{ ID string }
		if p.path == path && json.Unmarshal(p.body, &head) == nil && head.ID == activityID {
			n++
		}
	}
	return n
}

// Mentioning lists (as "path id") the POSTs whose body contains s, for failure messages.
func (l *InboxLog) Mentioning(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []string
	for _, p := range l.posts {
		if bytes.Contains(p.body, []byte(s)) {
			var head struct{ ID string }
			json.Unmarshal(p.body, &head)
			ids = append(ids, p.path+" "+head.ID)
		}
	}
	return ids
}
